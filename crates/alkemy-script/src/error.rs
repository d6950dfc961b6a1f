//! Why input could not be read at all. Text that is merely odd never fails:
//! it parses, with diagnostics.

use thiserror::Error;

/// Input that is not a screenplay the reader can take in.
///
/// Every message is one line that says what is wrong and, where it helps,
/// what to do.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadError {
    /// No bytes, or only whitespace.
    #[error("the file is empty")]
    Empty,
    /// Larger than the limit.
    #[error("the file is {size} bytes, over the {limit}-byte limit for a screenplay")]
    TooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// Not text and not a format we read (an image, an archive, a program…).
    #[error(
        "the file is binary ({what}), not a screenplay: use Fountain, Final Draft (.fdx), PDF or plain text"
    )]
    Binary {
        /// What gave it away.
        what: String,
    },
    /// A Final Draft file whose XML is broken.
    #[error("the Final Draft file is not well-formed XML near byte {offset}: {reason}")]
    Fdx {
        /// Byte offset of the problem.
        offset: u64,
        /// What the XML reader said.
        reason: String,
    },
    /// A PDF that cannot be opened or holds no text.
    #[error("the PDF cannot be read: {reason}")]
    Pdf {
        /// What went wrong.
        reason: String,
    },
}
