//! Google's Gemini API: structured text (`generateContent` with a
//! `responseSchema`), image generation with inline reference images, and Veo
//! video through `predictLongRunning` and operation polling.
//!
//! Authentication is the `x-goog-api-key` header (never the `?key=` query,
//! which would put the key in URLs and logs).

mod image;
mod text;
mod veo;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use alkemy_core::{ProviderError, ProviderErrorKind};
use reqwest::header::HeaderName;
use reqwest::{Response, Url};
use serde_json::Value;

pub use self::image::GeminiImage;
pub use self::text::GeminiText;
pub use self::veo::Veo;
use self::wire::{ErrorBody, GenerateContentResponse, SAFETY_FINISH};
use crate::context::ClientContext;
use crate::http::{self, BodyHints};
use crate::secret::ApiKey;

/// The default base URL.
pub const DEFAULT_BASE: &str = "https://generativelanguage.googleapis.com";

/// The header Gemini reads the key from.
pub(crate) static KEY_HEADER: HeaderName = HeaderName::from_static("x-goog-api-key");

/// A connection to the Gemini API.
#[derive(Debug, Clone)]
pub struct GeminiClient {
    base: Url,
    key: ApiKey,
    ctx: Arc<ClientContext>,
}

impl GeminiClient {
    /// A client for `base` (e.g. [`DEFAULT_BASE`]) with `key`.
    pub fn new(base: Url, key: ApiKey, ctx: Arc<ClientContext>) -> Self {
        Self { base, key, ctx }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1beta/{path}", self.base.as_str().trim_end_matches('/'))
    }

    /// Checks the key with a free call: reads the model's metadata.
    pub async fn check(&self, model: &str) -> Result<(), ProviderError> {
        let id = format!("gemini:{model}");
        let request = self
            .ctx
            .http
            .get(self.url(&format!("models/{model}")))
            .header(&KEY_HEADER, self.key.expose());
        let response = self.send(&id, request).await?;
        drop(response);
        Ok(())
    }

    async fn send(
        &self,
        id: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<Response, ProviderError> {
        let response = request
            .send()
            .await
            .map_err(|e| http::transport_error(id, &e))?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(error_from(id, response).await)
        }
    }

    async fn post_json(
        &self,
        id: &str,
        path: &str,
        body: &Value,
    ) -> Result<Response, ProviderError> {
        let request = self
            .ctx
            .http
            .post(self.url(path))
            .header(&KEY_HEADER, self.key.expose())
            .json(body);
        self.send(id, request).await
    }

    /// `models/{model}:generateContent`: the answer as it came, refusals
    /// included, so a caller reads its usage (billed either way) before
    /// checking [`refusal`].
    async fn generate_content(
        &self,
        id: &str,
        model: &str,
        body: &Value,
    ) -> Result<GenerateContentResponse, ProviderError> {
        let response = self
            .post_json(id, &format!("models/{model}:generateContent"), body)
            .await?;
        http::read_json(id, response).await
    }
}

/// The safety refusal an answer carries, if any: a blocked prompt
/// (`promptFeedback.blockReason`) or a candidate stopped by a filter.
fn refusal(id: &str, answer: &GenerateContentResponse) -> Option<ProviderError> {
    if let Some(reason) = answer
        .prompt_feedback
        .as_ref()
        .and_then(|f| f.block_reason.as_deref())
    {
        return Some(ProviderError::new(
            id,
            ProviderErrorKind::SafetyBlocked,
            format!("prompt blocked by the safety filter ({reason})"),
        ));
    }
    answer
        .candidates
        .first()
        .and_then(|c| c.finish_reason.as_deref())
        .filter(|r| SAFETY_FINISH.contains(r))
        .map(|reason| {
            ProviderError::new(
                id,
                ProviderErrorKind::SafetyBlocked,
                format!("answer stopped by the safety filter ({reason})"),
            )
        })
}

/// Classifies a Gemini error response. Beyond the generic mapping: an invalid
/// key comes back as 400 `INVALID_ARGUMENT`, and a 429 carries its delay in a
/// `RetryInfo` detail rather than a header.
async fn error_from(id: &str, response: Response) -> ProviderError {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let parsed: Option<ErrorBody> = serde_json::from_str(&text).ok();
    let message = parsed
        .as_ref()
        .map(|b| format!("{} {}", b.error.status, b.error.message))
        .unwrap_or_else(|| http::excerpt(&text));
    let lower = message.to_ascii_lowercase();
    let mut kind = http::status_kind(status, &headers, &BodyHints::sniff(&text));
    if lower.contains("api key not valid") || lower.contains("api_key_invalid") {
        kind = ProviderErrorKind::Unauthorized;
    } else if status.as_u16() == 429 {
        let delay = parsed
            .as_ref()
            .and_then(|b| {
                b.error.details.iter().find_map(|d| {
                    d.get("retryDelay")
                        .and_then(Value::as_str)
                        .and_then(parse_duration)
                })
            })
            .or_else(|| http::retry_after(&headers));
        kind = ProviderErrorKind::RateLimited {
            retry_after_ms: delay.map(|d| d.as_millis() as u64),
        };
    }
    ProviderError::new(
        id,
        kind,
        format!("HTTP {}: {}", status.as_u16(), http::excerpt(&message)),
    )
}

/// Parses a protobuf JSON duration (`"37s"`, `"1.5s"`).
fn parse_duration(s: &str) -> Option<Duration> {
    let secs: f64 = s.strip_suffix('s')?.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_millis((secs * 1000.0) as u64))
}

/// A conservative token count for text: one token per byte never undercounts
/// (tokenisers emit at most one token per byte of UTF-8), so quotes are upper
/// bounds and the budget can only be over-reserved, never overrun.
pub(crate) fn token_upper_bound(texts: &[&str]) -> u64 {
    texts.iter().map(|t| t.len() as u64).sum::<u64>() + 16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protobuf_durations() {
        assert_eq!(parse_duration("37s"), Some(Duration::from_secs(37)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("37"), None);
    }
}
