//! Timeline assembly and every file a production exports: the edit as
//! OpenTimelineIO, CMX3600 EDL and FCPXML 1.9, the storyboard as HTML and PDF,
//! and the provenance manifest, plus the atomic file writer every output goes
//! through.
//!
//! Roles:
//! - [`assemble`] turns a `ShotList` and the media the pipeline rendered into
//!   an [`alkemy_core::Timeline`] (exact frame math, scene dissolves, title
//!   cards, one marker per scene).
//! - [`otio`], [`edl`] and [`fcpxml`] write that timeline for editors;
//!   [`storyboard`] writes the shots with their panels for people;
//!   [`manifest`] defines and writes `manifest.json`.
//! - [`atomic`] writes any of these files so that a crash never leaves half a
//!   file behind.
//!
//! Design decision: every exporter is a pure, deterministic function of its
//! inputs that returns bytes or writes to an `impl Write`. File names, folders
//! and when to write belong to the pipeline; that keeps each format testable in
//! memory and lets the same timeline feed several formats without I/O here.
//!
//! **Architecture Invariant:** depends on `alkemy-core` only; knows nothing of
//! the planner, the renderer, providers or storage. It never reads media: panel
//! images arrive as bytes, clips as paths and frame counts.

pub mod assemble;
pub mod atomic;
pub mod edl;
pub mod fcpxml;
pub mod manifest;
pub mod otio;
pub mod storyboard;

mod media_url;
mod scene;
mod timecode;
mod xml;

pub use assemble::{AssembleError, AssembleOptions, Media, MediaRef, assemble};
pub use atomic::{AtomicWriteError, write_atomic, write_atomic_with};
pub use edl::{EdlError, EdlOptions};
pub use fcpxml::{FcpxmlError, FcpxmlOptions};
pub use manifest::{AssetKind, Manifest, ManifestAsset, ManifestTotals};
pub use media_url::MediaPaths;
pub use otio::{OtioError, OtioOptions};
pub use scene::scene_heading;
pub use storyboard::{Panel, Storyboard};
