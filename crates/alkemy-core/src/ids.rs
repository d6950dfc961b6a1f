//! Identifiers of stored things: users, projects, assets, jobs and the rest.
//!
//! Every id is 128 bits shown in the UUID text form
//! (`0190a5b2-6c1e-7d3a-9f00-1234567890ab`). The store generates them
//! (time-ordered UUIDv7, so B-tree indexes stay compact); this crate only gives
//! each kind of id its own type, so a `JobId` can never be passed where a
//! `ProjectId` is expected, and parses and prints them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Error for a string that is not a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {value:?}: expected a UUID such as 0190a5b2-6c1e-7d3a-9f00-1234567890ab")]
pub struct ParseIdError {
    what: &'static str,
    value: String,
}

fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let t = s.trim();
    let hex: Vec<u8> = match t.len() {
        36 => {
            let b = t.as_bytes();
            if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
                return None;
            }
            b.iter().copied().filter(|&c| c != b'-').collect()
        }
        32 => t.as_bytes().to_vec(),
        _ => return None,
    };
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi << 4 | lo) as u8;
    }
    Some(out)
}

fn write_uuid(bytes: &[u8; 16], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            f.write_str("-")?;
        }
        write!(f, "{b:02x}")?;
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name([u8; 16]);

        impl $name {
            /// The id with these 16 bytes.
            pub const fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(bytes)
            }

            /// The raw 16 bytes (big-endian UUID order).
            pub const fn as_bytes(&self) -> &[u8; 16] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_uuid(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(", stringify!($name))?;
                write_uuid(&self.0, f)?;
                f.write_str(")")
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_uuid(s).map(Self).ok_or_else(|| ParseIdError {
                    what: $what,
                    value: s.to_owned(),
                })
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A user account.
    UserId,
    "user id"
);
id_type!(
    /// A project (one production).
    ProjectId,
    "project id"
);
id_type!(
    /// A stored media asset (frame, clip, render, upload…).
    AssetId,
    "asset id"
);
id_type!(
    /// A job in the durable queue.
    JobId,
    "job id"
);
id_type!(
    /// An API token (the id, never the secret).
    TokenId,
    "token id"
);
id_type!(
    /// An uploaded version of a project's script.
    ScriptVersionId,
    "script version id"
);
id_type!(
    /// A stored analysis (breakdown plus enrichment) of a script version.
    AnalysisId,
    "analysis id"
);
id_type!(
    /// A character of a project (with its reference sheets and identity).
    CharacterId,
    "character id"
);
id_type!(
    /// A trained or applied character identity.
    IdentityId,
    "identity id"
);
id_type!(
    /// A moodboard.
    MoodboardId,
    "moodboard id"
);
id_type!(
    /// An item on a moodboard.
    MoodboardItemId,
    "moodboard item id"
);
id_type!(
    /// A stored edit.
    TimelineId,
    "timeline id"
);
id_type!(
    /// A usage (spend) record.
    UsageId,
    "usage id"
);
id_type!(
    /// An encrypted provider key.
    ProviderKeyId,
    "provider key id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip_and_serde() {
        let id: ProjectId = "0190A5B2-6C1E-7D3A-9F00-1234567890AB".parse().unwrap();
        assert_eq!(id.to_string(), "0190a5b2-6c1e-7d3a-9f00-1234567890ab");
        assert_eq!(id.as_bytes()[0], 0x01);
        assert_eq!(id.as_bytes()[15], 0xab);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"0190a5b2-6c1e-7d3a-9f00-1234567890ab\"");
        assert_eq!(serde_json::from_str::<ProjectId>(&json).unwrap(), id);
        let simple: ProjectId = "0190a5b26c1e7d3a9f001234567890ab".parse().unwrap();
        assert_eq!(simple, id);
    }

    #[test]
    fn rejects_malformed_ids() {
        for bad in [
            "",
            "0190a5b2-6c1e-7d3a-9f00-1234567890a",
            "0190a5b2x6c1e-7d3a-9f00-1234567890ab",
            "g190a5b2-6c1e-7d3a-9f00-1234567890ab",
            "0190a5b2-6c1e-7d3a-9f00-1234567890ab0",
        ] {
            let err = bad.parse::<JobId>().unwrap_err().to_string();
            assert!(err.contains("job id"), "{err}");
        }
    }
}
