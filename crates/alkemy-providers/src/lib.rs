//! Cloud AI providers behind the capability traits of `alkemy-core`: Gemini
//! (text, image), Veo (video), Fal.ai (Flux, LoRA training, image-to-video) and
//! any OpenAI-compatible chat server; and the [`Router`] that chains them with
//! retries, fallback, a content-addressed cache, prices and budgets.
//!
//! Roles:
//! - clients ([`gemini`], [`fal`], [`openai`]) speak one provider's wire
//!   format each and classify its failures into [`ProviderErrorKind`]s; they
//!   never retry a paid submission themselves (only polls and downloads);
//! - the [`Router`] owns every policy: retries, fallback, breakers, limits,
//!   cache, budget, usage;
//! - [`registry`] turns configuration (`image = ["fal:flux-dev", …]`) into a
//!   router, with local models (previz, animatic) registered by the binary.
//!
//! Design decision: the router implements the same capability traits as the
//! clients it chains, so the pipeline is written once against
//! `Arc<dyn ImageModel>` and can be given a single client, a router, or a
//! test double.
//!
//! **Architecture invariant:** no key is ever logged or written in clear: keys
//! are [`ApiKey`]s (redacting `Debug`), travel in headers only, never in URLs,
//! and are sent only to the origin they belong to.
//!
//! [`ProviderErrorKind`]: alkemy_core::ProviderErrorKind

mod atomic;
pub mod backoff;
pub mod budget;
pub mod cache;
pub mod check;
pub mod config;
pub mod context;
pub mod download;
pub mod fal;
pub mod gemini;
mod http;
mod image_info;
pub mod ledger;
pub mod openai;
pub mod prices;
pub mod production;
pub mod quote;
pub mod registry;
pub mod router;
mod schema;
pub mod secret;
pub mod vault;

pub use backoff::{PollPolicy, RetryPolicy};
pub use budget::{
    Budget, BudgetBackend, BudgetError, Call, Held, OverBudget, RAISE_BUDGET, Reservation,
};
pub use cache::DiskCache;
pub use config::{ChainConfig, ChainIds, ConfigError, Endpoints, Keys, ProvidersConfig};
pub use context::{ClientContext, Timeouts};
pub use download::UrlPolicy;
pub use ledger::{Ledger, UsageSink};
pub use prices::{Price, PriceTable};
pub use production::{ProductionModels, Setup, SetupError, TextUse};
pub use quote::{QuoteLine, QuoteSheet};
pub use registry::Registry;
pub use router::{BreakerPolicy, Chains, Router, RouterOptions};
pub use secret::ApiKey;

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
