//! Image generation with Gemini (`gemini-2.5-flash-image`): the prompt and
//! the reference images go inline in one `generateContent` call that asks for
//! the `IMAGE` modality; one image comes back per call.

use alkemy_core::{
    AspectRatio, Billed, GeneratedImage, ImageModel, ImageRequest, Money, ProviderError,
    ProviderErrorKind, UnitKind, Units,
};
use async_trait::async_trait;
use base64::Engine as _;
use serde_json::{Value, json};

use super::wire::{GenerateContentResponse, UsageMetadata};
use super::{GeminiClient, refusal};
use crate::http::malformed;
use crate::image_info::image_size;
use crate::prices::{Price, bill_rejected};

/// The model Alkemy calls `gemini:image`.
pub const IMAGE_MODEL: &str = "gemini-2.5-flash-image";

/// Gemini image generation.
#[derive(Debug, Clone)]
pub struct GeminiImage {
    id: String,
    model: String,
    client: GeminiClient,
    price: Price,
}

/// The nearest aspect ratio Gemini supports.
fn aspect(a: AspectRatio) -> &'static str {
    match a {
        AspectRatio::Widescreen | AspectRatio::Flat => "16:9",
        AspectRatio::Scope => "21:9",
        AspectRatio::Academy => "4:3",
        AspectRatio::Square => "1:1",
        AspectRatio::Vertical => "9:16",
    }
}

impl GeminiImage {
    /// `gemini:image` on [`IMAGE_MODEL`].
    pub fn new(client: GeminiClient, price: Price) -> Self {
        Self {
            id: "gemini:image".to_owned(),
            model: IMAGE_MODEL.to_owned(),
            client,
            price,
        }
    }

    /// The body of the call for variant `index`.
    pub(crate) fn body(request: &ImageRequest, index: u32) -> Value {
        let mut text = request.prompt.clone();
        if !request.negative_prompt.is_empty() {
            text.push_str("\nAvoid: ");
            text.push_str(&request.negative_prompt);
        }
        let mut parts = vec![json!({"text": text})];
        for r in &request.references {
            parts.push(json!({"inlineData": {
                "mimeType": r.mime,
                "data": base64::engine::general_purpose::STANDARD.encode(&r.bytes),
            }}));
        }
        json!({
            "contents": [{"role": "user", "parts": parts}],
            "generationConfig": {
                "responseModalities": ["IMAGE"],
                "imageConfig": {"aspectRatio": aspect(request.aspect)},
                // The API takes an int32 seed.
                "seed": (request.seed.wrapping_add(u64::from(index)) & 0x7fff_ffff),
            },
        })
    }

    async fn one(
        &self,
        request: &ImageRequest,
        index: u32,
    ) -> Result<GeneratedImage, ProviderError> {
        let answer = self
            .client
            .generate_content(&self.id, &self.model, &Self::body(request, index))
            .await?;
        // An answer arrived: Google bills its tokens whether or not it holds
        // an image (a refusal, or words instead of a picture).
        let usage = answer.usage_metadata.as_ref().map(UsageMetadata::tokens);
        let input = usage.map_or(0, |u| u.input);
        self.read(&answer, request, input)
            .map_err(|err| bill_rejected(err, &self.price, usage))
    }

    /// The image an answer holds (its prompt `input` tokens charged with
    /// it), or why it holds none.
    fn read(
        &self,
        answer: &GenerateContentResponse,
        request: &ImageRequest,
        input: u64,
    ) -> Result<GeneratedImage, ProviderError> {
        if let Some(err) = refusal(&self.id, answer) {
            return Err(err);
        }
        let parts = answer
            .candidates
            .first()
            .and_then(|c| c.content.as_ref())
            .map(|c| c.parts.as_slice())
            .unwrap_or_default();
        let Some(data) = parts
            .iter()
            .filter_map(|p| p.inline_data.as_ref())
            .find(|d| d.mime_type.starts_with("image/"))
        else {
            let said: String = parts.iter().filter_map(|p| p.text.as_deref()).collect();
            if said.is_empty() {
                return Err(malformed(&self.id, "answer holds no image"));
            }
            // The model answers in words when it declines to draw.
            return Err(ProviderError::new(
                &self.id,
                ProviderErrorKind::SafetyBlocked,
                format!("model declined to draw: {}", crate::http::excerpt(&said)),
            ));
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.data.trim())
            .map_err(|e| malformed(&self.id, format!("image is not base64: {e}")))?;
        let (width, height) = image_size(&bytes).unwrap_or((request.width, request.height));
        Ok(GeneratedImage {
            mime: data.mime_type.clone(),
            width,
            height,
            seed: None,
            model: self.id.clone(),
            cost: self.price.images(1, width, height) + self.price.tokens(input, 0),
            bytes,
        })
    }
}

#[async_trait]
impl ImageModel for GeminiImage {
    fn id(&self) -> &str {
        &self.id
    }

    fn quote(&self, request: &ImageRequest) -> Money {
        let input = super::token_upper_bound(&[&request.prompt, &request.negative_prompt])
            + 1_290 * request.references.len() as u64;
        (self.price.images(1, request.width, request.height) + self.price.tokens(input, 0))
            .times(u64::from(request.count.max(1)))
    }

    async fn generate(&self, request: &ImageRequest) -> Result<Vec<GeneratedImage>, ProviderError> {
        let mut out: Vec<GeneratedImage> = Vec::with_capacity(request.count.max(1) as usize);
        for index in 0..request.count.max(1) {
            match self.one(request, index).await {
                Ok(image) => out.push(image),
                // The images already made were billed too: the failure
                // carries their cost, so the router still charges them.
                Err(err) if !out.is_empty() => {
                    let made = Billed {
                        units: vec![Units::new(UnitKind::Image, out.len() as u64)],
                        cost: out.iter().map(|i| i.cost).sum(),
                    };
                    return Err(match err.billed.clone() {
                        Some(more) => err.with_billed(made.and(more)),
                        None => err.with_billed(made),
                    });
                }
                Err(err) => return Err(err),
            }
        }
        Ok(out)
    }
}
