//! Capability traits: what the pipeline asks of a model, whoever provides it.
//!
//! ```text
//!                 ┌──────────── alkemy-studio (pipeline) ────────────┐
//!                 │  asks for TextModel / ImageModel / VideoModel /  │
//!                 │  IdentityTrainer, never for a provider           │
//!                 └───────────────────────┬──────────────────────────┘
//!                                         │ Arc<dyn …>
//!          ┌──────────────────────────────┼───────────────────────────┐
//!  alkemy-media: previz panels     alkemy-providers: Gemini, Veo,   alkemy-providers:
//!  (ImageModel), animatic          Fal (Flux, LoRA, video),         Router (fallback chains,
//!  (VideoModel), offline           OpenAI-compatible chat           retries, cache, budget)
//! ```
//!
//! Requests are plain data and serialise canonically, so a request's
//! [`ContentHash`](crate::ContentHash) is its cache key. Binary inputs
//! (reference images, first frames) are represented in that hash by their own
//! content hash, not their bytes. Cancellation is by dropping the future:
//! implementations must not leave paid work running when dropped if the
//! provider offers a way to cancel it.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::hash::ContentHash;
use crate::money::Money;
use crate::project::AspectRatio;
use crate::shot::Shot;
use crate::usage::{UnitKind, Units};

/// An image given to a model as input (reference, first or last frame).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputImage {
    /// Hash of `bytes`: what the cache key sees.
    pub hash: ContentHash,
    /// MIME type (`image/png`, `image/jpeg`).
    pub mime: String,
    /// The encoded image. Not serialised: the hash stands for it.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

impl InputImage {
    /// Wraps encoded image bytes, hashing them.
    pub fn new(bytes: Vec<u8>, mime: impl Into<String>) -> Self {
        Self {
            hash: ContentHash::of_bytes(&bytes),
            mime: mime.into(),
            bytes,
        }
    }
}

impl fmt::Debug for InputImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InputImage")
            .field("hash", &self.hash)
            .field("mime", &self.mime)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// A trained identity (LoRA) applied to a generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityRef {
    /// Canonical character name.
    pub character: String,
    /// Where the LoRA weights are (provider URL).
    pub lora_url: String,
    /// The trigger word the LoRA was trained with.
    pub trigger: String,
    /// LoRA strength, typically 0.6–1.2.
    pub scale: f32,
}

/// A request for still images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageRequest {
    /// What to draw.
    pub prompt: String,
    /// What to avoid.
    pub negative_prompt: String,
    /// Frame aspect ratio.
    pub aspect: AspectRatio,
    /// Wanted width in pixels (providers pick their nearest size).
    pub width: u32,
    /// Wanted height in pixels.
    pub height: u32,
    /// Seed, for repeatable results where the model supports it.
    pub seed: u64,
    /// Number of variants wanted (at least 1).
    pub count: u32,
    /// Reference images (identity, style, location).
    pub references: Vec<InputImage>,
    /// Identities to apply.
    pub identities: Vec<IdentityRef>,
    /// The shot as planned, for models that draw from structure rather than
    /// from a prompt (the previz renderer). Cloud models ignore it.
    pub shot: Option<Shot>,
}

/// A generated still.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratedImage {
    /// Encoded image.
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// MIME type of `bytes`.
    pub mime: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The seed the provider reports having used, if any.
    pub seed: Option<u64>,
    /// `provider:model` that made it.
    pub model: String,
    /// What it cost.
    pub cost: Money,
}

impl fmt::Debug for GeneratedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedImage")
            .field("mime", &self.mime)
            .field("size", &(self.width, self.height))
            .field("bytes", &self.bytes.len())
            .field("model", &self.model)
            .field("cost", &self.cost)
            .finish()
    }
}

/// A request to animate a still into a clip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoRequest {
    /// Motion prompt.
    pub prompt: String,
    /// What to avoid.
    pub negative_prompt: String,
    /// The first frame.
    pub first_frame: InputImage,
    /// An optional last frame to land on.
    pub last_frame: Option<InputImage>,
    /// Wanted duration; providers clamp to what their model supports.
    pub duration_ms: u32,
    /// Frame aspect ratio.
    pub aspect: AspectRatio,
    /// Wanted width in pixels.
    pub width: u32,
    /// Wanted height in pixels.
    pub height: u32,
    /// Frames per second wanted.
    pub fps: u32,
    /// Seed.
    pub seed: u64,
    /// The shot as planned (camera movement, dialogue for subtitles), for the
    /// local animatic. Cloud models ignore it.
    pub shot: Option<Shot>,
}

/// A generated clip.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratedVideo {
    /// Encoded video (MP4).
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// MIME type of `bytes`.
    pub mime: String,
    /// Actual duration in milliseconds.
    pub duration_ms: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `provider:model` that made it.
    pub model: String,
    /// What it cost.
    pub cost: Money,
}

impl fmt::Debug for GeneratedVideo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedVideo")
            .field("mime", &self.mime)
            .field("duration_ms", &self.duration_ms)
            .field("size", &(self.width, self.height))
            .field("bytes", &self.bytes.len())
            .field("model", &self.model)
            .field("cost", &self.cost)
            .finish()
    }
}

/// How strictly a text answer must fit its request's schema before the
/// provider layer hands it over.
///
/// Design decision: an answer that does not fit is `Malformed`, which the
/// router retries (and, since the provider billed it, charges). That is right
/// for a caller that trusts the answer's shape field by field, and wasteful
/// for one that validates every item itself and can turn down one bad item
/// while keeping the rest (the studio's shot proposals): for those, one bad
/// enum value in one item would otherwise throw away, and pay again for, the
/// whole answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemaFit {
    /// The whole answer must fit the schema, every array item included; an
    /// answer that misses anywhere is `Malformed`.
    #[default]
    Strict,
    /// Only the envelope must fit: the answer must be JSON, and the schema is
    /// checked on the top-level value and its fields down to (not into) the
    /// items of arrays: an array's type and `minItems`/`maxItems` are checked,
    /// its items are the caller's to validate one by one.
    Envelope,
}

impl SchemaFit {
    /// Whether this is [`SchemaFit::Strict`] (the default).
    pub fn is_strict(&self) -> bool {
        *self == SchemaFit::Strict
    }
}

/// A request for structured text: the answer must validate against `schema`
/// (as strictly as `fit` says).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextRequest {
    /// System instruction.
    pub system: String,
    /// The user prompt.
    pub prompt: String,
    /// A name for the schema (OpenAI requires one).
    pub schema_name: String,
    /// JSON Schema of the wanted answer (the subset Gemini and OpenAI share).
    pub schema: serde_json::Value,
    /// Sampling temperature; `None` for the model's default.
    pub temperature: Option<f32>,
    /// Upper bound on output tokens.
    pub max_output_tokens: u32,
    /// How strictly the answer must fit `schema`. Serialised only when not
    /// strict, so strict requests keep the canonical form (and cache keys)
    /// they always had, while a lenient request never shares a cache entry
    /// with a strict one.
    #[serde(default, skip_serializing_if = "SchemaFit::is_strict")]
    pub fit: SchemaFit,
}

/// Tokens used by a text request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Prompt tokens.
    pub input: u64,
    /// Answer tokens (including any reasoning tokens billed as output).
    pub output: u64,
}

impl TokenUsage {
    /// The billed units: input and output tokens.
    pub fn units(&self) -> Vec<Units> {
        vec![
            Units::new(UnitKind::InputToken, self.input),
            Units::new(UnitKind::OutputToken, self.output),
        ]
    }
}

/// A structured text answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextResponse {
    /// The parsed JSON answer.
    pub json: serde_json::Value,
    /// Tokens used.
    pub usage: TokenUsage,
    /// `provider:model` that answered.
    pub model: String,
    /// What it cost.
    pub cost: Money,
}

/// A request to train an identity (LoRA) from reference images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainRequest {
    /// Canonical character name.
    pub character: String,
    /// The trigger word to bind the identity to.
    pub trigger_word: String,
    /// Reference images (at least 4 recommended).
    pub images: Vec<InputImage>,
    /// Training steps.
    pub steps: u32,
}

/// A trained identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainedIdentity {
    /// URL of the LoRA weights.
    pub lora_url: String,
    /// The trigger word.
    pub trigger_word: String,
    /// `provider:model` that trained it.
    pub model: String,
    /// What it cost.
    pub cost: Money,
}

/// Produces structured text.
#[async_trait]
pub trait TextModel: Send + Sync {
    /// `provider:model`, e.g. `gemini:gemini-2.5-flash`.
    fn id(&self) -> &str;
    /// The price of a request before it is sent (an upper bound where usage is unknown).
    fn quote(&self, request: &TextRequest) -> Money;
    /// Answers the request.
    async fn generate(&self, request: &TextRequest) -> Result<TextResponse, ProviderError>;
}

/// Produces still images.
#[async_trait]
pub trait ImageModel: Send + Sync {
    /// `provider:model`, e.g. `fal:flux-dev` or `local:previz`.
    fn id(&self) -> &str;
    /// The price of a request before it is sent.
    fn quote(&self, request: &ImageRequest) -> Money;
    /// The cache key of a request: the hash of everything this model's output
    /// depends on. The default hashes the model id and the whole request; a
    /// model that ignores parts of it (the previz renderer draws from the
    /// shot, not the prompt) narrows the key so edits elsewhere in a script
    /// do not invalidate its results.
    fn cache_key(&self, request: &ImageRequest) -> ContentHash {
        ContentHash::of_json(&(self.id(), request))
    }
    /// Generates `request.count` images.
    async fn generate(&self, request: &ImageRequest) -> Result<Vec<GeneratedImage>, ProviderError>;
}

/// Animates stills into clips.
#[async_trait]
pub trait VideoModel: Send + Sync {
    /// `provider:model`, e.g. `gemini:veo-3.1` or `local:animatic`.
    fn id(&self) -> &str;
    /// The price of a request before it is sent.
    fn quote(&self, request: &VideoRequest) -> Money;
    /// The cache key of a request; see [`ImageModel::cache_key`].
    fn cache_key(&self, request: &VideoRequest) -> ContentHash {
        ContentHash::of_json(&(self.id(), request))
    }
    /// Generates the clip.
    async fn generate(&self, request: &VideoRequest) -> Result<GeneratedVideo, ProviderError>;
}

/// Trains identities.
#[async_trait]
pub trait IdentityTrainer: Send + Sync {
    /// `provider:model`, e.g. `fal:flux-lora-fast-training`.
    fn id(&self) -> &str;
    /// The price of a request before it is sent.
    fn quote(&self, request: &TrainRequest) -> Money;
    /// Trains and returns the identity.
    async fn train(&self, request: &TrainRequest) -> Result<TrainedIdentity, ProviderError>;
}

/// What went wrong with a provider call, classified for the router.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProviderErrorKind {
    /// 429: slow down; retry after the given delay when the provider says.
    RateLimited {
        /// The provider's `Retry-After`, in milliseconds.
        retry_after_ms: Option<u64>,
    },
    /// 5xx from the provider.
    Server {
        /// HTTP status.
        status: u16,
    },
    /// No answer in time.
    Timeout,
    /// Connection refused, reset or closed.
    Connection,
    /// The answer could not be understood.
    Malformed,
    /// The provider's safety filter refused the request or its result.
    SafetyBlocked,
    /// The account's quota or credit is used up.
    QuotaExhausted,
    /// The model does not exist or is not available to this key.
    ModelUnavailable,
    /// The request is invalid (4xx other than the above).
    BadRequest,
    /// The key is missing or wrong.
    Unauthorized,
    /// The request would exceed the budget; nothing was sent.
    BudgetExceeded,
    /// The operation was cancelled.
    Cancelled,
}

/// How the router should treat an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Try the same provider again after a backoff.
    Retryable,
    /// Give up on this provider for this request; try the next in the chain.
    FallThrough,
    /// Stop: trying elsewhere would not help or would cost money wrongly.
    Fatal,
}

impl ProviderErrorKind {
    /// The router's treatment of this kind.
    pub fn class(&self) -> ErrorClass {
        match self {
            ProviderErrorKind::RateLimited { .. }
            | ProviderErrorKind::Server { .. }
            | ProviderErrorKind::Timeout
            | ProviderErrorKind::Connection
            | ProviderErrorKind::Malformed => ErrorClass::Retryable,
            ProviderErrorKind::SafetyBlocked
            | ProviderErrorKind::QuotaExhausted
            | ProviderErrorKind::ModelUnavailable => ErrorClass::FallThrough,
            // A wrong key is the user's to fix: falling through would hide it
            // behind another provider's (possibly paid) answer.
            ProviderErrorKind::Unauthorized
            | ProviderErrorKind::BadRequest
            | ProviderErrorKind::BudgetExceeded
            | ProviderErrorKind::Cancelled => ErrorClass::Fatal,
        }
    }
}

/// What a provider billed for an attempt whose answer arrived but was not
/// used (malformed, cut off, refused by the safety filter): the router
/// settles it against the budget and records it in the ledger, marked
/// rejected, before it retries or falls through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Billed {
    /// What was consumed, as the provider reported it.
    pub units: Vec<Units>,
    /// What it cost, by the same price as a used answer.
    pub cost: Money,
}

impl Billed {
    /// Both bills as one: the units of each, and the sum of their costs.
    pub fn and(mut self, other: Billed) -> Billed {
        self.units.extend(other.units);
        self.cost += other.cost;
        self
    }
}

/// An error from a provider call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{provider}: {message}")]
pub struct ProviderError {
    /// `provider:model` that failed.
    pub provider: String,
    /// Classification.
    pub kind: ProviderErrorKind,
    /// What happened, for people (never contains a key).
    pub message: String,
    /// What the provider billed although the answer was not used; `None`
    /// when no answer arrived (429, 5xx, timeouts, connection failures) or
    /// the answer reported no usage, so nothing is known to be billed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billed: Option<Billed>,
}

impl ProviderError {
    /// Builds an error.
    pub fn new(
        provider: impl Into<String>,
        kind: ProviderErrorKind,
        message: impl Into<String>,
    ) -> Self {
        Self {
            provider: provider.into(),
            kind,
            message: message.into(),
            billed: None,
        }
    }

    /// The same error, carrying what the provider billed for the rejected
    /// answer.
    pub fn with_billed(mut self, billed: Billed) -> Self {
        self.billed = Some(billed);
        self
    }

    /// The router's treatment.
    pub fn class(&self) -> ErrorClass {
        self.kind.class()
    }

    /// The delay the provider asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.kind {
            ProviderErrorKind::RateLimited {
                retry_after_ms: Some(ms),
            } => Some(Duration::from_millis(ms)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(fit: SchemaFit) -> TextRequest {
        TextRequest {
            system: "s".into(),
            prompt: "p".into(),
            schema_name: "n".into(),
            schema: serde_json::json!({"type": "object"}),
            temperature: None,
            max_output_tokens: 16,
            fit,
        }
    }

    #[test]
    fn strict_requests_keep_their_canonical_form_and_lenient_ones_differ() {
        let strict = serde_json::to_value(request(SchemaFit::Strict)).unwrap();
        assert!(strict.get("fit").is_none(), "{strict}");
        let lenient = serde_json::to_value(request(SchemaFit::Envelope)).unwrap();
        assert_eq!(lenient["fit"], "envelope");
        assert_ne!(
            ContentHash::of_json(&request(SchemaFit::Strict)),
            ContentHash::of_json(&request(SchemaFit::Envelope)),
            "a lenient answer never answers a strict request from the cache"
        );
        // A request serialised before the field existed reads as strict.
        let back: TextRequest = serde_json::from_value(strict).unwrap();
        assert_eq!(back.fit, SchemaFit::Strict);
        let back: TextRequest = serde_json::from_value(lenient).unwrap();
        assert_eq!(back.fit, SchemaFit::Envelope);
    }

    #[test]
    fn billed_errors_round_trip_and_unbilled_ones_omit_the_field() {
        let plain = ProviderError::new("openai:m", ProviderErrorKind::Timeout, "slow");
        let json = serde_json::to_value(&plain).unwrap();
        assert!(json.get("billed").is_none(), "{json}");
        let billed = ProviderError::new("openai:m", ProviderErrorKind::Malformed, "not JSON")
            .with_billed(Billed {
                units: TokenUsage {
                    input: 3,
                    output: 4,
                }
                .units(),
                cost: Money::from_micros(7),
            });
        let back: ProviderError =
            serde_json::from_value(serde_json::to_value(&billed).unwrap()).unwrap();
        assert_eq!(back, billed);
        assert_eq!(
            back.billed.unwrap().units[1],
            Units::new(UnitKind::OutputToken, 4)
        );
    }
}
