//! Points in time as stored: milliseconds since the Unix epoch (UTC).

use serde::{Deserialize, Serialize};

/// Milliseconds since 1970-01-01T00:00:00Z, as the database clock saw them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The milliseconds.
    pub fn millis(self) -> i64 {
        self.0
    }
}
