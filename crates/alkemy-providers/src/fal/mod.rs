//! Fal.ai: Flux images (dev, pro, LoRA), image-to-video (Kling, Wan) and
//! `flux-lora-fast-training`, all through the queue API, plus storage upload
//! for training archives.
//!
//! Authentication is `Authorization: Key <FAL_KEY>`, sent only to the queue
//! and REST origins configured; inputs that are files (first frames) travel
//! as `data:` URIs, which Fal accepts wherever it takes a file URL.

mod image;
mod queue;
mod storage;
mod train;
mod video;

use std::sync::Arc;

use alkemy_core::{ProviderError, ProviderErrorKind};
use base64::Engine as _;
use reqwest::{Response, Url};

pub use self::image::{FalImage, Flux};
pub use self::train::FalTrainer;
pub use self::video::{FalVideo, I2v};
use crate::context::ClientContext;
use crate::http;
use crate::secret::ApiKey;

/// The default queue base URL.
pub const DEFAULT_QUEUE: &str = "https://queue.fal.run";
/// The default REST base URL (storage).
pub const DEFAULT_REST: &str = "https://rest.alpha.fal.ai";

/// A connection to Fal.
#[derive(Debug, Clone)]
pub struct FalClient {
    queue: Url,
    rest: Url,
    key: ApiKey,
    ctx: Arc<ClientContext>,
}

impl FalClient {
    /// A client for the queue and REST bases with `key`.
    pub fn new(queue: Url, rest: Url, key: ApiKey, ctx: Arc<ClientContext>) -> Self {
        Self {
            queue,
            rest,
            key,
            ctx,
        }
    }

    fn auth(&self) -> String {
        format!("Key {}", self.key.expose())
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
            return Ok(response);
        }
        let not_retryable = response
            .headers()
            .get("x-fal-retryable")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("false"));
        let mut err = http::error_from_response(id, response).await;
        if not_retryable && err.class() == alkemy_core::ErrorClass::Retryable {
            // Fal says retrying will not help: try the next provider instead.
            err.kind = ProviderErrorKind::ModelUnavailable;
        }
        Err(err)
    }
}

/// `data:` URI of an input image.
pub(crate) fn data_uri(image: &alkemy_core::InputImage) -> String {
    format!(
        "data:{};base64,{}",
        image.mime,
        base64::engine::general_purpose::STANDARD.encode(&image.bytes)
    )
}

/// Reads `has_nsfw_concepts` (one flag per image) from an output.
pub(crate) fn nsfw_flags(output: &serde_json::Value) -> Vec<bool> {
    output
        .get("has_nsfw_concepts")
        .and_then(serde_json::Value::as_array)
        .map(|a| a.iter().map(|v| v.as_bool().unwrap_or(false)).collect())
        .unwrap_or_default()
}
