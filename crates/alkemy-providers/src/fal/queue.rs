//! Fal's queue API: submit → status → result, and cancel.
//!
//! ```text
//! POST {queue}/{model-id}                       → {request_id, status_url, response_url, cancel_url}
//! GET  {queue}/{owner}/{app}/requests/{id}/status → 202 IN_QUEUE | IN_PROGRESS, 200 COMPLETED
//! GET  {queue}/{owner}/{app}/requests/{id}      → the model's output, or its error
//! PUT  {queue}/{owner}/{app}/requests/{id}/cancel
//! ```
//!
//! The URLs the submit answer gives are used when they are on the queue's own
//! origin (the key goes to them); otherwise they are rebuilt from the request
//! id. Polls back off; transient poll failures are tolerated (the job is
//! already paid for, so it is never resubmitted from here); after the overall
//! timeout, or if the caller drops the future, the request is cancelled so no
//! paid work is left running.

use alkemy_core::{ErrorClass, ProviderError, ProviderErrorKind};
use reqwest::Url;
use serde::Deserialize;
use serde_json::Value;

use super::FalClient;
use crate::backoff::PollPolicy;
use crate::download::same_origin;
use crate::http::{self, malformed};

#[derive(Debug, Deserialize)]
struct Submitted {
    request_id: String,
    status_url: Option<String>,
    response_url: Option<String>,
    cancel_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct StatusBody {
    status: String,
    #[serde(default)]
    error: Option<Value>,
}

/// The owner/app part of a model id (`fal-ai/flux/dev` → `fal-ai/flux`).
pub(crate) fn app_of(model_path: &str) -> &str {
    let mut slashes = model_path.match_indices('/');
    match slashes.nth(1) {
        Some((i, _)) => &model_path[..i],
        None => model_path,
    }
}

struct Urls {
    status: String,
    result: String,
    cancel: String,
}

/// Cancels the request when dropped while armed.
struct CancelGuard {
    client: FalClient,
    id: String,
    url: String,
    armed: bool,
}

impl Drop for CancelGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("{}: cannot cancel the Fal request: no runtime", self.id);
            return;
        };
        let request = self
            .client
            .ctx
            .http
            .put(&self.url)
            .header(reqwest::header::AUTHORIZATION, self.client.auth());
        let id = self.id.clone();
        handle.spawn(async move {
            match request.send().await {
                Ok(r) => tracing::info!("{id}: cancelled Fal request ({})", r.status()),
                Err(e) => tracing::warn!("{id}: cancelling the Fal request failed: {e}"),
            }
        });
    }
}

impl FalClient {
    fn queue_url(&self, path: &str) -> String {
        format!("{}/{path}", self.queue.as_str().trim_end_matches('/'))
    }

    fn own(&self, given: Option<String>, fallback: String) -> String {
        match given.as_deref().map(Url::parse) {
            Some(Ok(u)) if same_origin(&u, &self.queue) => u.to_string(),
            _ => fallback,
        }
    }

    /// Runs `input` on `model_path` through the queue and returns the output.
    pub(crate) async fn run(
        &self,
        id: &str,
        model_path: &str,
        input: &Value,
        policy: PollPolicy,
    ) -> Result<Value, ProviderError> {
        let request = self
            .ctx
            .http
            .post(self.queue_url(model_path))
            .header(reqwest::header::AUTHORIZATION, self.auth())
            .json(input);
        let response = self.send(id, request).await?;
        let submitted: Submitted = http::read_json(id, response).await?;
        let rid = &submitted.request_id;
        if rid.is_empty()
            || !rid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(malformed(id, "invalid request id in the submit answer"));
        }
        let base = format!("{}/requests/{rid}", app_of(model_path));
        let urls = Urls {
            status: self.own(
                submitted.status_url,
                self.queue_url(&format!("{base}/status")),
            ),
            result: self.own(submitted.response_url, self.queue_url(&base)),
            cancel: self.own(
                submitted.cancel_url,
                self.queue_url(&format!("{base}/cancel")),
            ),
        };
        let mut guard = CancelGuard {
            client: self.clone(),
            id: id.to_owned(),
            url: urls.cancel.clone(),
            armed: true,
        };
        let outcome = self.wait(id, &urls, policy).await;
        match &outcome {
            // Finished, or failed on Fal's side: nothing left to cancel.
            Ok(_) => guard.armed = false,
            Err(e) if e.kind != ProviderErrorKind::Timeout && !is_poll_failure(e) => {
                guard.armed = false;
            }
            Err(_) => {}
        }
        drop(guard);
        outcome
    }

    async fn wait(
        &self,
        id: &str,
        urls: &Urls,
        policy: PollPolicy,
    ) -> Result<Value, ProviderError> {
        let started = tokio::time::Instant::now();
        let mut errors = 0;
        let mut n = 0;
        loop {
            let wait = policy.interval(n);
            n += 1;
            if started.elapsed() + wait > policy.timeout {
                return Err(ProviderError::new(
                    id,
                    ProviderErrorKind::Timeout,
                    format!("Fal request not done after {:?}; cancelled", policy.timeout),
                ));
            }
            tokio::time::sleep(wait).await;
            let request = self
                .ctx
                .http
                .get(&urls.status)
                .header(reqwest::header::AUTHORIZATION, self.auth());
            let status = match self.send(id, request).await {
                Ok(r) => http::read_json::<StatusBody>(id, r).await,
                Err(e) => Err(e),
            };
            let status = match status {
                Ok(s) => {
                    errors = 0;
                    s
                }
                Err(e) if e.class() == ErrorClass::Retryable => {
                    errors += 1;
                    if errors > policy.max_poll_errors {
                        return Err(ProviderError {
                            message: format!("{POLL_FAILURE}: {}", e.message),
                            ..e
                        });
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            match status.status.as_str() {
                "IN_QUEUE" | "IN_PROGRESS" => continue,
                "COMPLETED" => return self.result(id, &urls.result, status.error).await,
                other => {
                    tracing::debug!("{id}: unexpected Fal status {other:?}; fetching the result");
                    return self.result(id, &urls.result, status.error).await;
                }
            }
        }
    }

    async fn result(
        &self,
        id: &str,
        url: &str,
        status_error: Option<Value>,
    ) -> Result<Value, ProviderError> {
        let request = self
            .ctx
            .http
            .get(url)
            .header(reqwest::header::AUTHORIZATION, self.auth());
        // The result endpoint answers a failed request with its error
        // (`{"detail": [...]}` and a 4xx/5xx status), which `send` classifies.
        let output: Value = http::read_json(id, self.send(id, request).await?).await?;
        if let Some(err) = status_error.filter(|e| !e.is_null()) {
            let text = err.to_string();
            let kind = if http::BodyHints::sniff(&text).safety {
                ProviderErrorKind::SafetyBlocked
            } else {
                ProviderErrorKind::Server { status: 500 }
            };
            return Err(ProviderError::new(
                id,
                kind,
                format!("Fal request failed: {}", http::excerpt(&text)),
            ));
        }
        Ok(output)
    }
}

/// Marks errors that came from polling, so the request is cancelled.
const POLL_FAILURE: &str = "status polling failed";

fn is_poll_failure(e: &ProviderError) -> bool {
    e.message.starts_with(POLL_FAILURE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_ids_drop_the_endpoint_path() {
        assert_eq!(app_of("fal-ai/flux/dev"), "fal-ai/flux");
        assert_eq!(app_of("fal-ai/flux-lora"), "fal-ai/flux-lora");
        assert_eq!(
            app_of("fal-ai/kling-video/v2.1/standard/image-to-video"),
            "fal-ai/kling-video"
        );
    }
}
