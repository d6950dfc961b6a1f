//! Media: the offline previz renderer (storyboard panels), the animatic
//! (camera motion, H.264/MP4 encoding), timeline assembly and the interchange
//! and storyboard exports.
//!
//! **Architecture invariant:** pure Rust rendering, deterministic: the same shot
//! gives the same pixels on every machine.
