//! Veo 3.1 video through the Gemini API: `predictLongRunning` with the first
//! (and optionally last) frame inline, then polling the operation until it is
//! done, then downloading the clip.
//!
//! Veo makes 4, 6 or 8 second clips at 16:9 or 9:16; interpolating to a last
//! frame and 1080p both need 8 seconds. Requests are clamped to that, and the
//! quote uses the clamped duration. The Gemini API offers no way to cancel a
//! Veo operation, so a dropped call stops polling but the job runs on.

use alkemy_core::{
    AspectRatio, GeneratedVideo, InputImage, Money, ProviderError, ProviderErrorKind, VideoModel,
    VideoRequest,
};
use async_trait::async_trait;
use base64::Engine as _;
use reqwest::Url;
use serde_json::{Value, json};

use super::wire::Operation;
use super::{GeminiClient, KEY_HEADER};
use crate::download::OriginAuth;
use crate::http::{self, malformed};
use crate::image_info::mp4_info;
use crate::prices::Price;

/// A Veo model (`gemini:veo-3.1`, `gemini:veo-3.1-fast`).
#[derive(Debug, Clone)]
pub struct Veo {
    id: String,
    model: String,
    client: GeminiClient,
    price: Price,
}

/// What Veo will be asked for, after clamping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VeoShape {
    pub seconds: u32,
    pub aspect: &'static str,
    pub resolution: &'static str,
}

/// Clamps a request to Veo's limits.
pub(crate) fn shape(request: &VideoRequest) -> VeoShape {
    let wanted = request.duration_ms.div_ceil(1000);
    let mut seconds = match wanted {
        0..=4 => 4,
        5..=6 => 6,
        _ => 8,
    };
    if request.last_frame.is_some() {
        seconds = 8;
    }
    let aspect = if request.aspect == AspectRatio::Vertical {
        "9:16"
    } else {
        "16:9"
    };
    let resolution = if seconds == 8 && request.width.min(request.height) >= 1080 {
        "1080p"
    } else {
        "720p"
    };
    VeoShape {
        seconds,
        aspect,
        resolution,
    }
}

fn inline(image: &InputImage) -> Value {
    json!({
        "bytesBase64Encoded": base64::engine::general_purpose::STANDARD.encode(&image.bytes),
        "mimeType": image.mime,
    })
}

/// Operation names look like `models/veo-…/operations/abc123`; anything else
/// (a `..`, a query) is refused so an answer cannot steer the next request.
fn valid_operation(name: &str) -> bool {
    !name.is_empty()
        && !name.contains("..")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-_.".contains(&b))
}

impl Veo {
    /// `model` is the API name (`veo-3.1-generate-preview`), `id` Alkemy's.
    pub fn new(client: GeminiClient, id: &str, model: &str, price: Price) -> Self {
        Self {
            id: id.to_owned(),
            model: model.to_owned(),
            client,
            price,
        }
    }

    /// The `predictLongRunning` body.
    pub(crate) fn body(request: &VideoRequest) -> Value {
        let s = shape(request);
        let mut instance = json!({"prompt": request.prompt, "image": inline(&request.first_frame)});
        if let Some(last) = &request.last_frame {
            instance["lastFrame"] = inline(last);
        }
        let mut parameters = json!({
            "aspectRatio": s.aspect,
            "durationSeconds": s.seconds,
            "resolution": s.resolution,
            "seed": request.seed & 0xffff_ffff,
        });
        if !request.negative_prompt.is_empty() {
            parameters["negativePrompt"] = json!(request.negative_prompt);
        }
        json!({"instances": [instance], "parameters": parameters})
    }

    async fn poll(&self, name: &str) -> Result<Operation, ProviderError> {
        let policy = self.client.ctx.timeouts.video;
        let started = tokio::time::Instant::now();
        let mut errors = 0;
        for n in 0.. {
            let wait = policy.interval(n);
            if started.elapsed() + wait > policy.timeout {
                return Err(ProviderError::new(
                    &self.id,
                    ProviderErrorKind::Timeout,
                    format!("operation not done after {:?}", policy.timeout),
                ));
            }
            tokio::time::sleep(wait).await;
            let request = self
                .client
                .ctx
                .http
                .get(self.client.url(name))
                .header(&KEY_HEADER, self.client.key.expose());
            let result = match self.client.send(&self.id, request).await {
                Ok(r) => http::read_json::<Operation>(&self.id, r).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(op) if op.done => return Ok(op),
                Ok(_) => errors = 0,
                Err(e) if e.class() == alkemy_core::ErrorClass::Retryable => {
                    errors += 1;
                    if errors > policy.max_poll_errors {
                        return Err(e);
                    }
                    tracing::debug!("{}: poll failed, will retry: {e}", self.id);
                }
                Err(e) => return Err(e),
            }
        }
        Err(malformed(&self.id, "polling ended"))
    }
}

#[async_trait]
impl VideoModel for Veo {
    fn id(&self) -> &str {
        &self.id
    }

    fn quote(&self, request: &VideoRequest) -> Money {
        self.price.video(shape(request).seconds)
    }

    async fn generate(&self, request: &VideoRequest) -> Result<GeneratedVideo, ProviderError> {
        let s = shape(request);
        if request.duration_ms > s.seconds * 1000 {
            // A clip shorter than the shot cannot fill it in the edit: let the
            // next model of the chain make it, before anything is paid.
            return Err(ProviderError::new(
                &self.id,
                ProviderErrorKind::ModelUnavailable,
                format!(
                    "{} makes clips of at most {} s; this one needs {:.2} s",
                    self.id,
                    s.seconds,
                    f64::from(request.duration_ms) / 1000.0
                ),
            ));
        }
        let response = self
            .client
            .post_json(
                &self.id,
                &format!("models/{}:predictLongRunning", self.model),
                &Self::body(request),
            )
            .await?;
        let op: Operation = http::read_json(&self.id, response).await?;
        let name = op
            .name
            .filter(|n| valid_operation(n))
            .ok_or_else(|| malformed(&self.id, "no valid operation name in the answer"))?;
        let done = self.poll(&name).await?;
        if let Some(err) = done.error {
            let lower = err.message.to_ascii_lowercase();
            let kind = if lower.contains("safety") || lower.contains("policy") {
                ProviderErrorKind::SafetyBlocked
            } else {
                match err.code {
                    3 | 9 | 11 => ProviderErrorKind::BadRequest,
                    8 => ProviderErrorKind::RateLimited {
                        retry_after_ms: None,
                    },
                    4 => ProviderErrorKind::Timeout,
                    _ => ProviderErrorKind::Server { status: 500 },
                }
            };
            return Err(ProviderError::new(
                &self.id,
                kind,
                format!("operation failed: {}", http::excerpt(&err.message)),
            ));
        }
        let result = done
            .response
            .and_then(|r| r.generate_video_response)
            .unwrap_or_default();
        let uri = result
            .generated_samples
            .iter()
            .find_map(|s| s.video.as_ref().and_then(|v| v.uri.clone()));
        let Some(uri) = uri else {
            if result.rai_media_filtered_count > 0 {
                return Err(ProviderError::new(
                    &self.id,
                    ProviderErrorKind::SafetyBlocked,
                    format!(
                        "video filtered by the safety filter: {}",
                        result.rai_media_filtered_reasons.join("; ")
                    ),
                ));
            }
            return Err(malformed(&self.id, "operation done without a video"));
        };
        let origin: &Url = &self.client.base;
        let auth = OriginAuth {
            origin,
            name: &KEY_HEADER,
            value: self.client.key.expose(),
        };
        let file = self
            .client
            .ctx
            .downloader
            .fetch(&self.id, &uri, Some(auth))
            .await?;
        let nominal = match (s.aspect, s.resolution) {
            ("9:16", "1080p") => (1080, 1920),
            ("9:16", _) => (720, 1280),
            (_, "1080p") => (1920, 1080),
            _ => (1280, 720),
        };
        let (duration_ms, width, height) = match mp4_info(&file.bytes) {
            Some((ms, w, h)) if w > 0 => (ms, w, h),
            Some((ms, _, _)) => (ms, nominal.0, nominal.1),
            None => (s.seconds * 1000, nominal.0, nominal.1),
        };
        Ok(GeneratedVideo {
            mime: "video/mp4".to_owned(),
            duration_ms,
            width,
            height,
            model: self.id.clone(),
            // Veo bills the seconds asked for.
            cost: self.price.video(s.seconds),
            bytes: file.bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(ms: u32, last: bool, w: u32, h: u32, aspect: AspectRatio) -> VideoRequest {
        let frame = InputImage::new(vec![1, 2, 3], "image/png");
        VideoRequest {
            prompt: "p".into(),
            negative_prompt: String::new(),
            first_frame: frame.clone(),
            last_frame: last.then_some(frame),
            duration_ms: ms,
            aspect,
            width: w,
            height: h,
            fps: 24,
            seed: 1,
            shot: None,
        }
    }

    #[test]
    fn clamps_to_veo_limits() {
        let wide = AspectRatio::Widescreen;
        assert_eq!(shape(&request(1_000, false, 1280, 720, wide)).seconds, 4);
        assert_eq!(shape(&request(5_200, false, 1280, 720, wide)).seconds, 6);
        assert_eq!(shape(&request(30_000, false, 1280, 720, wide)).seconds, 8);
        assert_eq!(
            shape(&request(2_000, true, 1280, 720, wide)).seconds,
            8,
            "last frame needs 8 s"
        );
        assert_eq!(
            shape(&request(8_000, false, 1920, 1080, wide)).resolution,
            "1080p"
        );
        assert_eq!(
            shape(&request(4_000, false, 1920, 1080, wide)).resolution,
            "720p"
        );
        assert_eq!(
            shape(&request(8_000, false, 1280, 720, AspectRatio::Scope)).aspect,
            "16:9"
        );
        assert_eq!(
            shape(&request(8_000, false, 720, 1280, AspectRatio::Vertical)).aspect,
            "9:16"
        );
    }

    #[test]
    fn operation_names_are_checked() {
        assert!(valid_operation(
            "models/veo-3.1-generate-preview/operations/abc_12-3"
        ));
        assert!(!valid_operation("../../evil"));
        assert!(!valid_operation("operations/x?alt=media"));
        assert!(!valid_operation(""));
    }
}
