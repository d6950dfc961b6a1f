//! PDF (placeholder).

use alkemy_core::Screenplay;

use crate::error::ReadError;

/// Reads a PDF.
pub fn read(_bytes: &[u8]) -> Result<Screenplay, ReadError> {
    Err(ReadError::Pdf {
        reason: "PDF reading is not built yet".into(),
    })
}
