//! The offline capability implementations: `local:previz` (an
//! [`ImageModel`]) and `local:animatic` (a [`VideoModel`]). Both are free and
//! deterministic; their CPU work runs on Tokio's blocking pool when called
//! inside a runtime so it never stalls async tasks.

use alkemy_core::{
    ContentHash, GeneratedImage, GeneratedVideo, ImageModel, ImageRequest, Money, ProviderError,
    ProviderErrorKind, VideoModel, VideoRequest,
};
use async_trait::async_trait;

use crate::animatic::{Animatic, AnimaticOptions, ClipSpec};
use crate::error::MediaError;
use crate::previz::{PanelOptions, PrevizRenderer};
use crate::raster::RgbImage;

/// Identifier of the previz image model.
pub const PREVIZ_ID: &str = "local:previz";
/// Identifier of the animatic video model.
pub const ANIMATIC_ID: &str = "local:animatic";

/// Part of every offline cache key: a new release may draw differently.
const RENDERER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Part of the previz cache key: raised whenever the same shot draws
/// different pixels within a release (2: the scanline rasteriser).
const PANEL_REVISION: u32 = 2;

fn provider_error(id: &str, err: &MediaError) -> ProviderError {
    let kind = if err.is_bad_input() {
        ProviderErrorKind::BadRequest
    } else {
        ProviderErrorKind::Server { status: 500 }
    };
    ProviderError::new(id, kind, err.to_string())
}

async fn blocking<T: Send + 'static>(
    id: &'static str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ProviderError> {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle
            .spawn_blocking(f)
            .await
            .map_err(|e| ProviderError::new(id, ProviderErrorKind::Cancelled, e.to_string())),
        Err(_) => Ok(f()),
    }
}

/// The previz renderer as an image model: draws the planned shot (or a prompt
/// card when the request has none) as a PNG panel.
#[derive(Debug, Clone, Default)]
pub struct PrevizModel {
    renderer: PrevizRenderer,
    options: PanelOptions,
}

impl PrevizModel {
    /// A model drawing panels with these options.
    pub fn new(options: PanelOptions) -> Self {
        Self {
            renderer: PrevizRenderer::new(),
            options,
        }
    }
}

#[async_trait]
impl ImageModel for PrevizModel {
    fn id(&self) -> &str {
        PREVIZ_ID
    }

    fn quote(&self, _request: &ImageRequest) -> Money {
        Money::ZERO
    }

    /// Only what the panel is drawn from: the shot (or, without one, the
    /// prompt), the size and the panel options. A prompt rewritten around an
    /// unchanged shot keeps its panel, and without the caption band a new
    /// line of dialogue or a new duration does too.
    fn cache_key(&self, request: &ImageRequest) -> ContentHash {
        let drawn = request.shot.as_ref().map(|shot| {
            if self.options.caption {
                shot.clone()
            } else {
                alkemy_core::Shot {
                    duration_ms: 0,
                    dialogue: None,
                    speaker: None,
                    description: String::new(),
                    ..shot.clone()
                }
            }
        });
        let subject = match drawn {
            Some(shot) => (Some(shot), None),
            None => (None, Some(&request.prompt)),
        };
        ContentHash::of_json(&(
            PREVIZ_ID,
            RENDERER_VERSION,
            PANEL_REVISION,
            (self.options.caption, self.options.arrows),
            request.width,
            request.height,
            request.count.max(1),
            subject,
        ))
    }

    async fn generate(&self, request: &ImageRequest) -> Result<Vec<GeneratedImage>, ProviderError> {
        let request = request.clone();
        let me = self.clone();
        blocking(PREVIZ_ID, move || {
            let (w, h) = (request.width, request.height);
            let png = match &request.shot {
                Some(shot) => me.renderer.render_png(shot, w, h, me.options),
                None => me
                    .renderer
                    .render_prompt(&request.prompt, w, h)
                    .and_then(|i| i.to_png()),
            }
            .map_err(|e| provider_error(PREVIZ_ID, &e))?;
            // Deterministic: every variant is the same panel.
            let image = GeneratedImage {
                bytes: png,
                mime: "image/png".to_owned(),
                width: w,
                height: h,
                seed: Some(request.seed),
                model: PREVIZ_ID.to_owned(),
                cost: Money::ZERO,
            };
            Ok(vec![image; request.count.max(1) as usize])
        })
        .await?
    }
}

/// The animatic as a video model: moves the camera over the first frame for
/// the requested duration and burns in the shot's dialogue.
#[derive(Debug, Clone, Default)]
pub struct AnimaticModel {
    /// Camera-motion updates per second (`None`: half the frame rate).
    pub motion_fps: Option<u32>,
}

#[async_trait]
impl VideoModel for AnimaticModel {
    fn id(&self) -> &str {
        ANIMATIC_ID
    }

    fn quote(&self, _request: &VideoRequest) -> Money {
        Money::ZERO
    }

    /// Only what the clip is made from: the first frame, the shot (or, without
    /// one, the seed), the size, rate and length. The motion prompt is not an
    /// input of the animatic.
    fn cache_key(&self, request: &VideoRequest) -> ContentHash {
        // The clip runs for the request's duration, whatever the shot says.
        let subject = match &request.shot {
            Some(shot) => (
                Some(alkemy_core::Shot {
                    duration_ms: request.duration_ms,
                    ..shot.clone()
                }),
                None,
            ),
            None => (None, Some(request.seed)),
        };
        ContentHash::of_json(&(
            ANIMATIC_ID,
            RENDERER_VERSION,
            self.motion_fps,
            request.first_frame.hash,
            (
                request.width,
                request.height,
                request.fps,
                request.duration_ms,
            ),
            subject,
        ))
    }

    async fn generate(&self, request: &VideoRequest) -> Result<GeneratedVideo, ProviderError> {
        let request = request.clone();
        let motion_fps = self.motion_fps;
        blocking(ANIMATIC_ID, move || {
            let err = |e: MediaError| provider_error(ANIMATIC_ID, &e);
            let still = RgbImage::decode(&request.first_frame.bytes, "first frame").map_err(err)?;
            let (w, h) = (request.width & !1, request.height & !1);
            let mut options = AnimaticOptions::new(w, h, request.fps);
            if let Some(m) = motion_fps {
                options.motion_fps = m;
            }
            let animatic = Animatic::new(options).map_err(err)?;
            let clip = match &request.shot {
                Some(shot) => {
                    let mut shot = shot.clone();
                    shot.duration_ms = request.duration_ms;
                    animatic.shot_clip(&still, &shot)
                }
                None => {
                    let frames = ((u64::from(request.duration_ms) * u64::from(request.fps) + 500)
                        / 1000)
                        .max(1) as u32;
                    let spec = ClipSpec {
                        seed: request.seed,
                        ..ClipSpec::hold(frames)
                    };
                    animatic.clip(&still, &spec, "video request")
                }
            }
            .map_err(err)?;
            let duration_ms = clip.duration_ms().min(u64::from(u32::MAX)) as u32;
            Ok(GeneratedVideo {
                bytes: clip.to_mp4(),
                mime: "video/mp4".to_owned(),
                duration_ms,
                width: w,
                height: h,
                model: ANIMATIC_ID.to_owned(),
                cost: Money::ZERO,
            })
        })
        .await?
    }
}
