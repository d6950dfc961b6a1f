//! The production pipeline: from a breakdown to planned shots, prompts and
//! generated media, driven through the capability traits of `alkemy-core`.
//!
//! Roles:
//! - [`plan`]: the rule-based director of photography. A [`Breakdown`] becomes
//!   a [`ShotList`] with industry shot numbers, sizes, angles, movement,
//!   lenses, blocking that keeps the 180° line, setups and exact durations.
//! - [`propose`]: shot design by a [`TextModel`], validated and merged with the
//!   rules, never trusted blindly.
//! - [`prompt`]: the prompt composer: image and motion prompts, negative
//!   prompt and a stable seed per shot, fitted to each provider's length limit.
//! - [`shotlist_csv`] and [`wire`]: the shot list as production CSV and as
//!   versioned JSON.
//!
//! Design decision: planning is a pure, synchronous function of the breakdown
//! and the options. The model-assisted path ([`propose::plan_with_model`])
//! runs the rules first and only ever *replaces* rule shots with validated
//! proposals, so a missing, failing or foolish model degrades to the offline
//! plan instead of to no plan.
//!
//! **Architecture invariant:** the studio asks for capabilities
//! (`TextModel`, `ImageModel`, `VideoModel`…), never for a provider; which
//! model answers is decided by whoever builds the pipeline.
//!
//! [`Breakdown`]: alkemy_core::Breakdown
//! [`ShotList`]: alkemy_core::ShotList
//! [`TextModel`]: alkemy_core::TextModel

pub mod plan;
pub mod produce;
pub mod prompt;
pub mod propose;
pub mod shotlist_csv;
pub mod wire;

mod text;

#[cfg(test)]
mod testkit;

pub use plan::{PlanOptions, SceneOverride, StyleParams, StylePreset, plan, shooting_order};
pub use prompt::{Composer, PromptContext, PromptLimits, compose_all};
pub use propose::{ProposalOptions, ProposalReport, Proposed, plan_with_model};
