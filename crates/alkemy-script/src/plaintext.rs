//! Typewriter-layout plain text (placeholder).

use alkemy_core::Screenplay;

/// Parses typewriter-layout text.
pub fn parse(text: &str) -> Screenplay {
    crate::fountain::parse(text)
}
