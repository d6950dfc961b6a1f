//! Media: the offline previz renderer (storyboard panels), the animatic
//! (camera motion, H.264/MP4 encoding, joining clips without re-encoding) and
//! contact sheets.
//!
//! Roles: [`PrevizRenderer`] draws a panel for a shot ([`PrevizModel`] is the
//! offline `ImageModel`, `local:previz`); [`Animatic`] turns any still into a
//! clip with camera motion and subtitles ([`AnimaticModel`] is the offline
//! `VideoModel`, `local:animatic`); [`EncodedClip`] holds H.264 samples that
//! [`assemble`] joins into one MP4 without re-encoding; [`contact_sheet`]
//! lays panels out in a grid.
//!
//! **Architecture invariant:** pure Rust rendering, deterministic: the same
//! shot gives the same pixels on every machine; no external program is run.

pub mod animatic;
pub mod contact;
pub mod error;
pub mod h264;
pub mod model;
pub mod mp4;
mod png_encode;
pub mod previz;
pub mod raster;
pub mod resample;
pub mod text;
pub mod yuv;

pub use animatic::{Animatic, AnimaticOptions, ClipSpec, Edge, Frame, TitleCard};
pub use contact::{SheetOptions, contact_sheet};
pub use error::{MediaError, Result};
pub use h264::Quality;
pub use model::{AnimaticModel, PrevizModel};
pub use mp4::{EncodedClip, assemble};
pub use previz::{PanelOptions, PrevizRenderer};
pub use raster::RgbImage;
pub use yuv::Yuv420;
