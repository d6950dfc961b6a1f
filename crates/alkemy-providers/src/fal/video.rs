//! Image-to-video on Fal: Kling 2.1 (standard, and pro with a tail frame) and
//! Wan 2.1, each with its own duration grid:
//!
//! - Kling makes 5 or 10 second clips; the shorter one that covers the
//!   request is chosen.
//! - Wan makes 81–100 frames at 5–24 fps; 16 fps is used and the frame count
//!   clamped, so clips run about 5 to 6¼ seconds.

use alkemy_core::{
    AspectRatio, GeneratedVideo, Money, ProviderError, ProviderErrorKind, VideoModel, VideoRequest,
};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{FalClient, data_uri};
use crate::http::malformed;
use crate::image_info::mp4_info;
use crate::prices::Price;

/// Which image-to-video model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum I2v {
    /// Kling 2.1 standard.
    Kling,
    /// Kling 2.1 pro (supports a last frame).
    KlingPro,
    /// Wan 2.1 image-to-video.
    Wan,
}

impl I2v {
    /// Parses the model part of `fal:…`.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "kling" => I2v::Kling,
            "kling-pro" => I2v::KlingPro,
            "wan" => I2v::Wan,
            _ => return None,
        })
    }

    fn id(self) -> &'static str {
        match self {
            I2v::Kling => "fal:kling",
            I2v::KlingPro => "fal:kling-pro",
            I2v::Wan => "fal:wan",
        }
    }

    fn path(self) -> &'static str {
        match self {
            I2v::Kling => "fal-ai/kling-video/v2.1/standard/image-to-video",
            I2v::KlingPro => "fal-ai/kling-video/v2.1/pro/image-to-video",
            I2v::Wan => "fal-ai/wan-i2v",
        }
    }
}

/// Wan's frame rate as used here.
const WAN_FPS: u32 = 16;

/// The clip length a request will get, in milliseconds.
pub(crate) fn clamped_ms(model: I2v, duration_ms: u32) -> u32 {
    match model {
        // The shortest clip that covers the request: a clip shorter than
        // its shot could not fill it in the edit.
        I2v::Kling | I2v::KlingPro => {
            if duration_ms > 5_000 {
                10_000
            } else {
                5_000
            }
        }
        I2v::Wan => wan_frames(duration_ms) * 1000 / WAN_FPS,
    }
}

fn wan_frames(duration_ms: u32) -> u32 {
    (duration_ms.saturating_mul(WAN_FPS) / 1000).clamp(81, 100)
}

/// An image-to-video model on Fal.
#[derive(Debug, Clone)]
pub struct FalVideo {
    model: I2v,
    client: FalClient,
    price: Price,
}

#[derive(Debug, Deserialize)]
struct Output {
    video: Option<OutVideo>,
}

#[derive(Debug, Deserialize)]
struct OutVideo {
    url: String,
}

impl FalVideo {
    /// A model with its price.
    pub fn new(model: I2v, client: FalClient, price: Price) -> Self {
        Self {
            model,
            client,
            price,
        }
    }

    /// The queue input for a request.
    pub(crate) fn input(&self, request: &VideoRequest) -> Value {
        let mut input = json!({
            "prompt": request.prompt,
            "image_url": data_uri(&request.first_frame),
        });
        if !request.negative_prompt.is_empty() {
            input["negative_prompt"] = json!(request.negative_prompt);
        }
        match self.model {
            I2v::Kling | I2v::KlingPro => {
                let secs = clamped_ms(self.model, request.duration_ms) / 1000;
                input["duration"] = json!(secs.to_string());
                input["cfg_scale"] = json!(0.5);
                if let (I2v::KlingPro, Some(last)) = (self.model, &request.last_frame) {
                    input["tail_image_url"] = json!(data_uri(last));
                }
            }
            I2v::Wan => {
                input["num_frames"] = json!(wan_frames(request.duration_ms));
                input["frames_per_second"] = json!(WAN_FPS);
                input["resolution"] = json!(if request.height.min(request.width) >= 720 {
                    "720p"
                } else {
                    "480p"
                });
                input["aspect_ratio"] = json!(match request.aspect {
                    AspectRatio::Vertical => "9:16",
                    AspectRatio::Square => "1:1",
                    _ => "16:9",
                });
                input["seed"] = json!(request.seed & 0xffff_ffff);
                input["enable_safety_checker"] = json!(true);
            }
        }
        input
    }

    fn cost(&self, ms: u32) -> Money {
        self.price.video(ms.div_ceil(1000))
    }
}

#[async_trait]
impl VideoModel for FalVideo {
    fn id(&self) -> &str {
        self.model.id()
    }

    fn quote(&self, request: &VideoRequest) -> Money {
        self.cost(clamped_ms(self.model, request.duration_ms))
    }

    async fn generate(&self, request: &VideoRequest) -> Result<GeneratedVideo, ProviderError> {
        let id = self.model.id();
        let longest = clamped_ms(self.model, u32::MAX);
        if request.duration_ms > longest {
            // A clip shorter than the shot cannot fill it in the edit: let the
            // next model of the chain make it, before anything is paid.
            return Err(ProviderError::new(
                id,
                ProviderErrorKind::ModelUnavailable,
                format!(
                    "{id} makes clips of at most {:.2} s; this one needs {:.2} s",
                    f64::from(longest) / 1000.0,
                    f64::from(request.duration_ms) / 1000.0
                ),
            ));
        }
        if request.last_frame.is_some() && self.model != I2v::KlingPro {
            tracing::debug!("{id}: no last-frame support; animating from the first frame only");
        }
        let policy = self.client.ctx.timeouts.video;
        let output = self
            .client
            .run(id, self.model.path(), &self.input(request), policy)
            .await?;
        let parsed: Output = serde_json::from_value(output)
            .map_err(|e| malformed(id, format!("unexpected video output: {e}")))?;
        let url = parsed
            .video
            .map(|v| v.url)
            .ok_or_else(|| malformed(id, "output holds no video"))?;
        let file = self.client.ctx.downloader.fetch(id, &url, None).await?;
        let planned = clamped_ms(self.model, request.duration_ms);
        let (duration_ms, width, height) = match mp4_info(&file.bytes) {
            Some((ms, w, h)) if w > 0 => (ms, w, h),
            _ => (planned, request.width, request.height),
        };
        Ok(GeneratedVideo {
            mime: "video/mp4".to_owned(),
            duration_ms,
            width,
            height,
            model: id.to_owned(),
            // Billed on the length asked for, whatever the file says.
            cost: self.cost(planned),
            bytes: file.bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_each_model_grid() {
        assert_eq!(clamped_ms(I2v::Kling, 3_000), 5_000);
        assert_eq!(clamped_ms(I2v::Kling, 5_000), 5_000);
        assert_eq!(
            clamped_ms(I2v::Kling, 5_001),
            10_000,
            "never shorter than asked"
        );
        assert_eq!(clamped_ms(I2v::Kling, 7_600), 10_000);
        assert_eq!(clamped_ms(I2v::KlingPro, 60_000), 10_000);
        assert_eq!(clamped_ms(I2v::Wan, 1_000), 81 * 1000 / 16);
        assert_eq!(clamped_ms(I2v::Wan, 60_000), 100 * 1000 / 16);
        assert_eq!(wan_frames(5_500), 88);
    }
}
