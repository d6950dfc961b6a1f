//! Screenplay ingest and breakdown.
//!
//! Reads Fountain, Final Draft FDX, PDF and typewriter plain text into one
//! [`alkemy_core::Screenplay`], then breaks it down into scenes, characters,
//! locations, page-eighths and timings ([`alkemy_core::Breakdown`]).
//!
//! Roles: [`decode`] turns bytes into text, [`detect`] picks the format from
//! the content, one module per format builds the screenplay, [`breakdown`]
//! derives everything a first assistant director would, and [`report`] is
//! the versioned wire format and text report.
//!
//! Design decision: the Fountain reader is a line classifier, not a grammar.
//! Every Fountain rule is a property of a line and its neighbours, so one
//! linear pass with no backtracking reads any input in time proportional to
//! its length (fuzzed, and benchmarked on 20 MB).
//!
//! **Architecture invariant:** parsing never fails on text; it returns the
//! screenplay plus diagnostics. Only unreadable input (binary, oversized,
//! undecodable) is an error.
//!
//! **Architecture invariant:** this crate does no I/O: bytes in, values out.

pub mod breakdown;
pub mod decode;
pub mod detect;
pub mod error;
pub mod fdx;
pub mod fountain;
pub mod layout;
mod masks;
pub mod pdf;
pub mod plaintext;
pub mod report;

use alkemy_core::{Breakdown, Screenplay};

pub use breakdown::PageModel;
pub use detect::Format;
pub use error::ReadError;
pub use report::AnalysisJson;

/// The largest input read by default: 20 MB.
pub const MAX_INPUT_BYTES: usize = 20 * 1024 * 1024;

/// Limits for untrusted input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest input accepted, in bytes.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: MAX_INPUT_BYTES,
        }
    }
}

/// Reads a screenplay in any supported format, detected from the content
/// (`file_name` only breaks ties).
pub fn read(bytes: &[u8], file_name: Option<&str>) -> Result<Screenplay, ReadError> {
    read_with(bytes, file_name, Limits::default())
}

/// [`read`] with explicit limits.
pub fn read_with(
    bytes: &[u8],
    file_name: Option<&str>,
    limits: Limits,
) -> Result<Screenplay, ReadError> {
    read_checked(bytes, limits, |text| detect::detect_text(text, file_name))
}

/// [`read`], in a format known beforehand instead of one detected: text
/// stored as Fountain (a PDF converted by [`fountain::write`], say) is read
/// as Fountain whatever it looks like. PDF bytes are read as PDF.
pub fn read_as(bytes: &[u8], format: Format) -> Result<Screenplay, ReadError> {
    read_checked(bytes, Limits::default(), |_| format)
}

/// Checks the input's size and emptiness, then reads it as PDF or as text
/// in the format `format_of` picks for the decoded text.
fn read_checked(
    bytes: &[u8],
    limits: Limits,
    format_of: impl FnOnce(&str) -> Format,
) -> Result<Screenplay, ReadError> {
    if bytes.len() > limits.max_bytes {
        return Err(ReadError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ReadError::Empty);
    }
    if detect::is_pdf(bytes) {
        return pdf::read(bytes);
    }
    let (text, _encoding) = decode::decode(bytes)?;
    if text.trim().trim_start_matches('\u{FEFF}').is_empty() {
        return Err(ReadError::Empty);
    }
    let screenplay = match format_of(&text) {
        Format::Fdx => fdx::parse(&text)?,
        Format::PlainText => plaintext::parse(&text),
        Format::Fountain | Format::Pdf => fountain::parse(&text),
    };
    Ok(screenplay)
}

/// Breaks a screenplay down (industry page model, standard timings).
pub fn breakdown(screenplay: &Screenplay) -> Breakdown {
    breakdown::breakdown(screenplay)
}
