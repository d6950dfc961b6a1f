//! Errors of the media crate, split by whose fault they are (as image-rs does):
//! bad input from the caller, limits exceeded, or a failure inside an
//! encoder. The crate reads and writes no files.

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// An input image could not be decoded.
    #[error("cannot decode {what} image: {message}")]
    Decode {
        /// Which input (`first frame`, `still`, …).
        what: String,
        /// The decoder's message.
        message: String,
    },
    /// A parameter is out of range (size, frame rate, frame count).
    #[error("invalid {what}: {message}")]
    Parameter {
        /// The parameter.
        what: &'static str,
        /// Why it is refused.
        message: String,
    },
    /// Untrusted input is larger than the limits allow.
    #[error("{what} is {actual}, over the limit of {limit}")]
    Limit {
        /// What was measured.
        what: &'static str,
        /// Its value.
        actual: u64,
        /// The limit.
        limit: u64,
    },
    /// The H.264 encoder failed.
    #[error("H.264 encoder failed on {context}: {message}")]
    Encode {
        /// Which clip or shot.
        context: String,
        /// The encoder's message.
        message: String,
    },
    /// An H.264 stream or MP4 file is not one this crate can read or join.
    #[error("unsupported media in {context}: {message}")]
    Unsupported {
        /// Which file or clip.
        context: String,
        /// What is wrong with it.
        message: String,
    },
    /// Clips cannot be joined without re-encoding.
    #[error("clip {index} cannot be joined: {message}")]
    Incompatible {
        /// Position of the offending clip in the list.
        index: usize,
        /// What differs.
        message: String,
    },
}

impl MediaError {
    /// True when the caller's input caused the error (as opposed to the machine).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            MediaError::Decode { .. }
                | MediaError::Parameter { .. }
                | MediaError::Limit { .. }
                | MediaError::Unsupported { .. }
                | MediaError::Incompatible { .. }
        )
    }

    pub(crate) fn param(what: &'static str, message: impl Into<String>) -> Self {
        MediaError::Parameter {
            what,
            message: message.into(),
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = MediaError> = std::result::Result<T, E>;
