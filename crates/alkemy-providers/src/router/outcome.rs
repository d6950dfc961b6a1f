//! What the router needs to know about requests and results of each
//! capability, so one engine serves all four.

use alkemy_core::{
    Capability, GeneratedImage, GeneratedVideo, ImageRequest, Money, TextRequest, TextResponse,
    TrainRequest, TrainedIdentity, UnitKind, Units, VideoRequest,
};
use serde::Serialize;

/// A request the router can route.
pub(crate) trait Routable: Serialize + Send + Sync {
    /// Its capability.
    const CAPABILITY: Capability;
    /// The shot it was made for, if any.
    fn shot_id(&self) -> Option<&str>;
}

impl Routable for TextRequest {
    const CAPABILITY: Capability = Capability::Text;
    fn shot_id(&self) -> Option<&str> {
        None
    }
}

impl Routable for ImageRequest {
    const CAPABILITY: Capability = Capability::Image;
    fn shot_id(&self) -> Option<&str> {
        self.shot.as_ref().map(|s| s.id.as_str())
    }
}

impl Routable for VideoRequest {
    const CAPABILITY: Capability = Capability::Video;
    fn shot_id(&self) -> Option<&str> {
        self.shot.as_ref().map(|s| s.id.as_str())
    }
}

impl Routable for TrainRequest {
    const CAPABILITY: Capability = Capability::Identity;
    fn shot_id(&self) -> Option<&str> {
        None
    }
}

/// A result the router can account for and cache.
pub(crate) trait Outcome: Clone + Send + Sync + 'static {
    /// What it cost.
    fn cost(&self) -> Money;
    /// The `provider:model` that made it.
    fn model(&self) -> &str;
    /// What it consumed.
    fn units(&self) -> Vec<Units>;
    /// Metadata (JSON without bytes) and binary parts, for the cache.
    fn to_parts(&self) -> (serde_json::Value, Vec<&[u8]>);
    /// Rebuilds from the cache; `None` when the parts do not fit.
    fn from_parts(meta: serde_json::Value, blobs: Vec<Vec<u8>>) -> Option<Self>;
    /// The same result at no cost (a cache hit spends nothing).
    fn free(self) -> Self;
}

impl Outcome for Vec<GeneratedImage> {
    fn cost(&self) -> Money {
        self.iter().map(|i| i.cost).sum()
    }
    fn model(&self) -> &str {
        self.first().map_or("", |i| i.model.as_str())
    }
    fn units(&self) -> Vec<Units> {
        vec![Units::new(UnitKind::Image, self.len() as u64)]
    }
    fn to_parts(&self) -> (serde_json::Value, Vec<&[u8]>) {
        let meta = serde_json::to_value(self).unwrap_or_default();
        (meta, self.iter().map(|i| i.bytes.as_slice()).collect())
    }
    fn from_parts(meta: serde_json::Value, blobs: Vec<Vec<u8>>) -> Option<Self> {
        let mut images: Vec<GeneratedImage> = serde_json::from_value(meta).ok()?;
        if images.len() != blobs.len() || images.is_empty() {
            return None;
        }
        for (image, bytes) in images.iter_mut().zip(blobs) {
            image.bytes = bytes;
        }
        Some(images)
    }
    fn free(mut self) -> Self {
        for i in &mut self {
            i.cost = Money::ZERO;
        }
        self
    }
}

impl Outcome for GeneratedVideo {
    fn cost(&self) -> Money {
        self.cost
    }
    fn model(&self) -> &str {
        &self.model
    }
    fn units(&self) -> Vec<Units> {
        vec![Units::new(
            UnitKind::VideoSecond,
            u64::from(self.duration_ms.div_ceil(1000)),
        )]
    }
    fn to_parts(&self) -> (serde_json::Value, Vec<&[u8]>) {
        (
            serde_json::to_value(self).unwrap_or_default(),
            vec![self.bytes.as_slice()],
        )
    }
    fn from_parts(meta: serde_json::Value, blobs: Vec<Vec<u8>>) -> Option<Self> {
        let mut video: GeneratedVideo = serde_json::from_value(meta).ok()?;
        let [bytes]: [Vec<u8>; 1] = blobs.try_into().ok()?;
        video.bytes = bytes;
        Some(video)
    }
    fn free(mut self) -> Self {
        self.cost = Money::ZERO;
        self
    }
}

impl Outcome for TextResponse {
    fn cost(&self) -> Money {
        self.cost
    }
    fn model(&self) -> &str {
        &self.model
    }
    fn units(&self) -> Vec<Units> {
        self.usage.units()
    }
    fn to_parts(&self) -> (serde_json::Value, Vec<&[u8]>) {
        (serde_json::to_value(self).unwrap_or_default(), vec![])
    }
    fn from_parts(meta: serde_json::Value, blobs: Vec<Vec<u8>>) -> Option<Self> {
        if !blobs.is_empty() {
            return None;
        }
        serde_json::from_value(meta).ok()
    }
    fn free(mut self) -> Self {
        self.cost = Money::ZERO;
        self
    }
}

impl Outcome for TrainedIdentity {
    fn cost(&self) -> Money {
        self.cost
    }
    fn model(&self) -> &str {
        &self.model
    }
    fn units(&self) -> Vec<Units> {
        vec![Units::new(UnitKind::TrainingRun, 1)]
    }
    fn to_parts(&self) -> (serde_json::Value, Vec<&[u8]>) {
        (serde_json::to_value(self).unwrap_or_default(), vec![])
    }
    fn from_parts(meta: serde_json::Value, blobs: Vec<Vec<u8>>) -> Option<Self> {
        if !blobs.is_empty() {
            return None;
        }
        serde_json::from_value(meta).ok()
    }
    fn free(mut self) -> Self {
        self.cost = Money::ZERO;
        self
    }
}
