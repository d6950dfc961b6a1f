//! A production as a graph of durable jobs on the store, so a team can run
//! it on many workers and it survives crashes.
//!
//! ```text
//! analyze ─► plan ─┬─► frame(shot 1) ─► animate(shot 1) ─┐
//!                  ├─► frame(shot 2) ─► animate(shot 2) ─┼─► render ─► export
//!                  └─► …                                 ┘
//! ```
//!
//! Roles:
//! - [`graph`]: [`enqueue_production`] queues the whole graph for a script
//!   version (the plan is computed up front to know the shots; the plan job
//!   checks it is still the same).
//! - [`handlers`]: one [`JobHandler`](alkemy_store::JobHandler) per
//!   [`JobKind`](alkemy_core::JobKind); each reads its inputs from the
//!   store, blob storage and its dependencies' results, and runs the same
//!   steps as the folder pipeline (`alkemy_studio::produce`).
//! - [`results`]: the result documents the jobs hand each other.
//! - [`fetch`]: the finished production folder out of blob storage.
//! - [`budget`]: [`StoreBudget`], the provider router's budget kept as holds
//!   in the store against each job's project budget, and [`Budgeted`], the
//!   handler wrapper that tells it which job a call is for.
//!
//! One design decision: **render and export run the folder pipeline in a
//! scratch folder.** The frames and clips other jobs made are adopted into a
//! [`Workspace`](alkemy_studio::produce::Workspace) and its own `edit`,
//! `animatic` and `exports` steps run there, so the job graph and
//! `alkemy produce` cannot drift apart; only the results go to blob storage.
//!
//! **Architecture invariant:** a handler's only lasting side effects outside
//! the job's commit are content-addressed blob puts (idempotent and atomic)
//! and idempotent upserts (analysis of a version, the shot list); every
//! asset row is returned in the job's output and committed with it, so a
//! handler re-run after a crash duplicates nothing.

pub mod budget;
mod error;
pub mod fetch;
pub mod graph;
pub mod handlers;
mod inputs;
pub mod results;

pub use budget::{Budgeted, StoreBudget};
pub use error::{FetchError, SubmitError};
pub use fetch::{Fetched, fetch_outputs};
pub use graph::{GraphOptions, Submitted, enqueue_production};
pub use handlers::handlers;
