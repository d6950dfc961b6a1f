//! Identity training with `fal-ai/flux-lora-fast-training`: the reference
//! images are zipped, uploaded to Fal storage, and the job is run through the
//! queue with the trigger word and step count; the answer's
//! `diffusers_lora_file` is the identity.

use std::io::{Cursor, Write as _};

use alkemy_core::{
    IdentityTrainer, Money, ProviderError, ProviderErrorKind, TrainRequest, TrainedIdentity,
};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;

use super::FalClient;
use crate::http::malformed;
use crate::prices::Price;

/// The model path.
const PATH: &str = "fal-ai/flux-lora-fast-training";
/// Alkemy's id for it.
const ID: &str = "fal:flux-lora-fast-training";
/// Step range accepted.
const STEPS: std::ops::RangeInclusive<u32> = 1..=10_000;

/// LoRA training on Fal.
#[derive(Debug, Clone)]
pub struct FalTrainer {
    client: FalClient,
    price: Price,
}

#[derive(Debug, Deserialize)]
struct Output {
    diffusers_lora_file: Option<File>,
}

#[derive(Debug, Deserialize)]
struct File {
    url: String,
}

fn extension(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" | "image/jpg" => "jpg",
        "image/webp" => "webp",
        _ => "png",
    }
}

/// Zips the references (stored, not deflated: PNG and JPEG are compressed
/// already), named `000.png`, `001.jpg`…
pub(crate) fn zip_references(request: &TrainRequest) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (i, image) in request.images.iter().enumerate() {
        let name = format!("{i:03}.{}", extension(&image.mime));
        zip.start_file(name, options).map_err(|e| e.to_string())?;
        zip.write_all(&image.bytes).map_err(|e| e.to_string())?;
    }
    Ok(zip.finish().map_err(|e| e.to_string())?.into_inner())
}

impl FalTrainer {
    /// The trainer with its price.
    pub fn new(client: FalClient, price: Price) -> Self {
        Self { client, price }
    }
}

#[async_trait]
impl IdentityTrainer for FalTrainer {
    fn id(&self) -> &str {
        ID
    }

    fn quote(&self, request: &TrainRequest) -> Money {
        self.price
            .training(request.steps.clamp(*STEPS.start(), *STEPS.end()))
    }

    async fn train(&self, request: &TrainRequest) -> Result<TrainedIdentity, ProviderError> {
        let bad = |m: &str| ProviderError::new(ID, ProviderErrorKind::BadRequest, m);
        if request.images.is_empty() {
            return Err(bad("training needs at least one reference image"));
        }
        let trigger = request.trigger_word.trim();
        if trigger.is_empty() {
            return Err(bad("training needs a trigger word"));
        }
        let archive =
            zip_references(request).map_err(|e| bad(&format!("cannot zip references: {e}")))?;
        let url = self
            .client
            .upload(ID, archive, "application/zip", "references.zip")
            .await?;
        let steps = request.steps.clamp(*STEPS.start(), *STEPS.end());
        let input = json!({
            "images_data_url": url,
            "trigger_word": trigger,
            "steps": steps,
            "create_masks": true,
            "is_style": false,
        });
        let policy = self.client.ctx.timeouts.training;
        let output = self.client.run(ID, PATH, &input, policy).await?;
        let parsed: Output = serde_json::from_value(output)
            .map_err(|e| malformed(ID, format!("unexpected training output: {e}")))?;
        let lora_url = parsed
            .diffusers_lora_file
            .map(|f| f.url)
            .ok_or_else(|| malformed(ID, "output holds no diffusers_lora_file"))?;
        Ok(TrainedIdentity {
            lora_url,
            trigger_word: trigger.to_owned(),
            model: ID.to_owned(),
            cost: self.price.training(steps),
        })
    }
}
