//! Flux on Fal: `fal-ai/flux/dev`, `fal-ai/flux-pro/v1.1`, `fal-ai/flux-lora`
//! (identities as `loras`) and `fal-ai/flux/schnell`.
//!
//! A `fal:flux-dev` request that carries identities goes to `flux-lora` (the
//! same base model with LoRA support) and is priced as such; `flux-pro`
//! cannot apply a LoRA, so such a request falls through to the next model
//! rather than silently losing the character's identity.

use alkemy_core::{
    Billed, GeneratedImage, ImageModel, ImageRequest, Money, ProviderError, ProviderErrorKind,
    UnitKind, Units,
};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{FalClient, nsfw_flags};
use crate::http::malformed;
use crate::image_info::image_size;
use crate::prices::{Price, PriceTable};

/// Which Flux.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flux {
    /// `fal-ai/flux/dev`.
    Dev,
    /// `fal-ai/flux-pro/v1.1`.
    Pro,
    /// `fal-ai/flux-lora`.
    Lora,
    /// `fal-ai/flux/schnell` (fast and cheap; used to check keys).
    Schnell,
}

impl Flux {
    /// Parses the model part of `fal:…`.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "flux-dev" => Flux::Dev,
            "flux-pro" => Flux::Pro,
            "flux-lora" => Flux::Lora,
            "flux-schnell" => Flux::Schnell,
            _ => return None,
        })
    }

    fn id(self) -> &'static str {
        match self {
            Flux::Dev => "fal:flux-dev",
            Flux::Pro => "fal:flux-pro",
            Flux::Lora => "fal:flux-lora",
            Flux::Schnell => "fal:flux-schnell",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Flux::Dev => "fal-ai/flux/dev",
            Flux::Pro => "fal-ai/flux-pro/v1.1",
            Flux::Lora => "fal-ai/flux-lora",
            Flux::Schnell => "fal-ai/flux/schnell",
        }
    }

    fn max_side(self) -> u32 {
        if self == Flux::Pro { 1440 } else { 2048 }
    }
}

/// A Flux model on Fal.
#[derive(Debug, Clone)]
pub struct FalImage {
    flux: Flux,
    client: FalClient,
    price: Price,
    lora_price: Price,
}

#[derive(Debug, Deserialize)]
struct Output {
    #[serde(default)]
    images: Vec<OutImage>,
    seed: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct OutImage {
    url: String,
    width: Option<u32>,
    height: Option<u32>,
    content_type: Option<String>,
}

/// Rounds a size to Flux's grid (multiples of 16) within its limits,
/// keeping the aspect ratio.
pub(crate) fn flux_size(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let scale = (f64::from(max_side) / w.max(h)).min(1.0);
    let snap = |x: f64| (((x * scale) / 16.0).round() as u32 * 16).clamp(256, max_side);
    (snap(w), snap(h))
}

impl FalImage {
    /// A Flux model. `prices` must hold its entry (and `fal:flux-lora`'s, used
    /// when `flux-dev` applies identities).
    pub fn new(flux: Flux, client: FalClient, prices: &PriceTable) -> Option<Self> {
        let price = prices.get(flux.id())?.clone();
        let lora_price = prices
            .get(Flux::Lora.id())
            .cloned()
            .unwrap_or_else(|| price.clone());
        Some(Self {
            flux,
            client,
            price,
            lora_price,
        })
    }

    /// The model that will actually run the request, and its price.
    fn effective(&self, request: &ImageRequest) -> (Flux, &Price) {
        if self.flux == Flux::Dev && !request.identities.is_empty() {
            (Flux::Lora, &self.lora_price)
        } else if self.flux == Flux::Lora {
            (Flux::Lora, &self.price)
        } else {
            (self.flux, &self.price)
        }
    }

    /// The queue input for a request.
    pub(crate) fn input(&self, request: &ImageRequest) -> Value {
        let (flux, _) = self.effective(request);
        let (width, height) = flux_size(request.width, request.height, flux.max_side());
        let mut input = json!({
            "prompt": request.prompt,
            "image_size": {"width": width, "height": height},
            "num_images": request.count.clamp(1, 4),
            "seed": request.seed & 0xffff_ffff,
            "enable_safety_checker": true,
            "output_format": "png",
        });
        match flux {
            Flux::Pro => {
                input["safety_tolerance"] = json!("2");
            }
            Flux::Schnell => {
                input["num_inference_steps"] = json!(4);
            }
            Flux::Dev | Flux::Lora => {
                input["num_inference_steps"] = json!(28);
                input["guidance_scale"] = json!(3.5);
            }
        }
        if flux == Flux::Lora {
            input["loras"] = Value::Array(
                request
                    .identities
                    .iter()
                    .map(|i| json!({"path": i.lora_url, "scale": i.scale}))
                    .collect(),
            );
        }
        input
    }
}

#[async_trait]
impl ImageModel for FalImage {
    fn id(&self) -> &str {
        self.flux.id()
    }

    fn quote(&self, request: &ImageRequest) -> Money {
        let (flux, price) = self.effective(request);
        let (w, h) = flux_size(request.width, request.height, flux.max_side());
        price.images(request.count.clamp(1, 4), w, h)
    }

    async fn generate(&self, request: &ImageRequest) -> Result<Vec<GeneratedImage>, ProviderError> {
        let id = self.flux.id();
        if self.flux == Flux::Pro && !request.identities.is_empty() {
            return Err(ProviderError::new(
                id,
                ProviderErrorKind::ModelUnavailable,
                "flux-pro cannot apply identities (LoRA); use fal:flux-dev or fal:flux-lora",
            ));
        }
        let (flux, price) = self.effective(request);
        let policy = self.client.ctx.timeouts.image;
        let output = self
            .client
            .run(flux.id(), flux.path(), &self.input(request), policy)
            .await?;
        let flags = nsfw_flags(&output);
        let parsed: Output = serde_json::from_value(output)
            .map_err(|e| malformed(id, format!("unexpected Flux output: {e}")))?;
        // Fal bills every image it generated, the ones its safety checker
        // flagged (and blacked out) included: those are charged at the
        // size Fal reports for them, or the size asked for.
        let asked = flux_size(request.width, request.height, flux.max_side());
        let mut images = Vec::new();
        let mut flagged: u64 = 0;
        let mut flagged_cost = Money::ZERO;
        for (i, image) in parsed.images.iter().enumerate() {
            if flags.get(i).copied().unwrap_or(false) {
                flagged += 1;
                let (w, h) = image.width.zip(image.height).unwrap_or(asked);
                flagged_cost += price.images(1, w, h);
                continue;
            }
            let file = self
                .client
                .ctx
                .downloader
                .fetch(flux.id(), &image.url, None)
                .await?;
            let (width, height) = image_size(&file.bytes)
                .or(image.width.zip(image.height))
                .unwrap_or((request.width, request.height));
            images.push(GeneratedImage {
                mime: image
                    .content_type
                    .clone()
                    .or(file.mime)
                    .unwrap_or_else(|| "image/png".to_owned()),
                width,
                height,
                seed: parsed.seed,
                model: flux.id().to_owned(),
                cost: price.images(1, width, height),
                bytes: file.bytes,
            });
        }
        match images.first_mut() {
            // The images kept carry the bill of the request, the flagged
            // ones' included (on the first), so the router charges it all.
            Some(first) => first.cost += flagged_cost,
            None if flagged > 0 => {
                return Err(ProviderError::new(
                    flux.id(),
                    ProviderErrorKind::SafetyBlocked,
                    format!(
                        "all {flagged} images flagged by the safety checker (has_nsfw_concepts)"
                    ),
                )
                .with_billed(Billed {
                    units: vec![Units::new(UnitKind::Image, flagged)],
                    cost: flagged_cost,
                }));
            }
            None => return Err(malformed(flux.id(), "output holds no images")),
        }
        Ok(images)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_snap_to_the_flux_grid() {
        assert_eq!(flux_size(1280, 720, 2048), (1280, 720));
        assert_eq!(flux_size(854, 480, 2048), (848, 480));
        assert_eq!(flux_size(3840, 2160, 1440), (1440, 816));
        assert_eq!(flux_size(100, 100, 2048), (256, 256));
    }
}
