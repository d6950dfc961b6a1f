//! HTTP plumbing shared by every client: the client itself, and the mapping
//! from statuses, transport failures and bodies to [`ProviderErrorKind`].
//!
//! Errors carry at most a short excerpt of the provider's answer, never a
//! request header, so a key cannot leak into a message.

use std::time::{Duration, SystemTime};

use alkemy_core::{ProviderError, ProviderErrorKind};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;

/// Longest excerpt of a provider's body kept in an error message.
const EXCERPT: usize = 300;

/// Builds the JSON API client: rustls, no automatic redirects (an API call
/// that redirects is an error, and a redirect must never carry a key), a
/// connect timeout, and a per-request timeout.
pub(crate) fn api_client(request_timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .timeout(request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("alkemy/", env!("CARGO_PKG_VERSION")))
        .build()
        // Building only fails when the TLS backend cannot initialise; the
        // default client has the same failure mode, so fall back to it.
        .unwrap_or_default()
}

/// Maps a transport failure (no HTTP status) to an error.
pub(crate) fn transport_error(model: &str, err: &reqwest::Error) -> ProviderError {
    let kind = if err.is_timeout() {
        ProviderErrorKind::Timeout
    } else if err.is_decode() {
        ProviderErrorKind::Malformed
    } else if err.is_builder() {
        ProviderErrorKind::BadRequest
    } else {
        ProviderErrorKind::Connection
    };
    // `reqwest::Error`'s Display names the URL; ours never carry keys (keys
    // travel in headers only), so that is safe to show.
    ProviderError::new(
        model,
        kind,
        format!("request failed: {}", without_url_query(err)),
    )
}

fn without_url_query(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    if let Some(url) = err.url()
        && let Some(q) = url.query()
    {
        text = text.replace(&format!("?{q}"), "");
    }
    text
}

/// Parses a `Retry-After` header: delay-seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_millis((secs * 1000.0) as u64));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// A short, single-line excerpt of a body for messages.
pub(crate) fn excerpt(body: &str) -> String {
    let one_line: String = body
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(EXCERPT)
        .collect();
    if body.chars().count() > EXCERPT {
        format!("{}…", one_line.trim_end())
    } else {
        one_line.trim().to_owned()
    }
}

/// What a provider-specific reader found in an error body.
#[derive(Debug, Default)]
pub(crate) struct BodyHints {
    /// The body says the content was refused by a safety filter.
    pub safety: bool,
    /// The body says the quota or credit is used up.
    pub quota: bool,
    /// The body says the model does not exist or is not available.
    pub model_missing: bool,
}

impl BodyHints {
    /// Generic hints from words providers use.
    pub(crate) fn sniff(body: &str) -> Self {
        let lower = body.to_ascii_lowercase();
        Self {
            safety: lower.contains("content_policy_violation")
                || lower.contains("safety")
                || lower.contains("content policy")
                || lower.contains("nsfw"),
            quota: lower.contains("insufficient_quota")
                || lower.contains("exhausted balance")
                || lower.contains("billing")
                || lower.contains("exceeded your current quota")
                || lower.contains("out of credit"),
            model_missing: lower.contains("model_not_found")
                || lower.contains("model not found")
                || lower.contains("is not found for api version")
                || lower.contains("does not exist"),
        }
    }
}

/// Classifies a non-success status.
pub(crate) fn status_kind(
    status: StatusCode,
    headers: &HeaderMap,
    hints: &BodyHints,
) -> ProviderErrorKind {
    let code = status.as_u16();
    match code {
        429 if hints.quota => ProviderErrorKind::QuotaExhausted,
        429 => ProviderErrorKind::RateLimited {
            retry_after_ms: retry_after(headers).map(|d| d.as_millis() as u64),
        },
        402 => ProviderErrorKind::QuotaExhausted,
        401 => ProviderErrorKind::Unauthorized,
        403 if hints.quota => ProviderErrorKind::QuotaExhausted,
        403 => ProviderErrorKind::Unauthorized,
        404 => ProviderErrorKind::ModelUnavailable,
        408 | 504 => ProviderErrorKind::Timeout,
        400 | 422 if hints.safety => ProviderErrorKind::SafetyBlocked,
        400 | 422 if hints.model_missing => ProviderErrorKind::ModelUnavailable,
        500..=599 => ProviderErrorKind::Server { status: code },
        _ => ProviderErrorKind::BadRequest,
    }
}

/// Turns a non-success response into an error, reading its body for hints.
pub(crate) async fn error_from_response(model: &str, response: Response) -> ProviderError {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    let hints = BodyHints::sniff(&body);
    let kind = status_kind(status, &headers, &hints);
    ProviderError::new(
        model,
        kind,
        format!("HTTP {}: {}", status.as_u16(), excerpt(&body)),
    )
}

/// Reads a success body as JSON of type `T`; anything else is `Malformed`.
pub(crate) async fn read_json<T: DeserializeOwned>(
    model: &str,
    response: Response,
) -> Result<T, ProviderError> {
    let bytes = response
        .bytes()
        .await
        .map_err(|e| transport_error(model, &e))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ProviderError::new(
            model,
            ProviderErrorKind::Malformed,
            format!(
                "unexpected answer ({e}): {}",
                excerpt(&String::from_utf8_lossy(&bytes))
            ),
        )
    })
}

/// Sends a request and returns the success response, or the classified error.
pub(crate) async fn send(
    model: &str,
    request: reqwest::RequestBuilder,
) -> Result<Response, ProviderError> {
    let response = request
        .send()
        .await
        .map_err(|e| transport_error(model, &e))?;
    if response.status().is_success() {
        Ok(response)
    } else {
        Err(error_from_response(model, response).await)
    }
}

/// A `Malformed` error.
pub(crate) fn malformed(model: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::new(model, ProviderErrorKind::Malformed, message)
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(retry: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(retry).unwrap());
        h
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(retry_after(&headers("7")), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after(&headers("1.5")),
            Some(Duration::from_millis(1500))
        );
        let later = SystemTime::now() + Duration::from_secs(120);
        let d = retry_after(&headers(&httpdate::fmt_http_date(later))).unwrap();
        assert!(
            d > Duration::from_secs(100) && d <= Duration::from_secs(120),
            "{d:?}"
        );
        let past = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH);
        assert_eq!(retry_after(&headers(&past)), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("soon")), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn statuses_are_classified() {
        let none = BodyHints::default();
        let h = headers("3");
        let cases = [
            (
                429,
                ProviderErrorKind::RateLimited {
                    retry_after_ms: Some(3000),
                },
            ),
            (401, ProviderErrorKind::Unauthorized),
            (403, ProviderErrorKind::Unauthorized),
            (404, ProviderErrorKind::ModelUnavailable),
            (400, ProviderErrorKind::BadRequest),
            (503, ProviderErrorKind::Server { status: 503 }),
            (504, ProviderErrorKind::Timeout),
        ];
        for (code, want) in cases {
            let got = status_kind(StatusCode::from_u16(code).unwrap(), &h, &none);
            assert_eq!(got, want, "{code}");
        }
        let safety = BodyHints::sniff(r#"{"detail":[{"type":"content_policy_violation"}]}"#);
        assert_eq!(
            status_kind(StatusCode::UNPROCESSABLE_ENTITY, &h, &safety),
            ProviderErrorKind::SafetyBlocked
        );
        let quota = BodyHints::sniff(r#"{"error":{"code":"insufficient_quota"}}"#);
        assert_eq!(
            status_kind(StatusCode::TOO_MANY_REQUESTS, &h, &quota),
            ProviderErrorKind::QuotaExhausted
        );
    }

    #[test]
    fn excerpts_are_short_single_lines() {
        let long = "a\nb".repeat(500);
        let e = excerpt(&long);
        assert!(!e.contains('\n'));
        assert!(e.chars().count() <= EXCERPT + 1);
    }
}
