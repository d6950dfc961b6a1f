//! Content hashes: the identity of every cached input and generated asset.
//!
//! A cache key is the BLAKE3 hash of the *canonical JSON* of a request. Canonical
//! here means what `serde_json` writes for our types: struct fields in
//! declaration order, no maps with unordered keys, no whitespace. That is stable
//! as long as the types are, which is exactly the invalidation we want: change
//! the shape of a request and old cache entries stop matching.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 256-bit BLAKE3 content hash, shown as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContentHash([u8; 32]);

impl ContentHash {
    /// Hashes raw bytes.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(*blake3::hash(bytes).as_bytes())
    }

    /// Hashes the canonical JSON form of a value.
    pub fn of_json<T: Serialize + ?Sized>(value: &T) -> Self {
        let mut hasher = blake3::Hasher::new();
        // Writing into a hasher cannot fail; serialisation of our own types
        // cannot fail either (no non-string map keys), but if a foreign type
        // does fail we still hash what was written plus a marker, so the
        // function stays total.
        if serde_json::to_writer(HashWriter(&mut hasher), value).is_err() {
            hasher.update(b"\0serialisation-error");
        }
        Self(*hasher.finalize().as_bytes())
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The first `n` hex digits, for file names and logs (`n` ≤ 64).
    pub fn short(&self, n: usize) -> String {
        let mut s = self.to_string();
        s.truncate(n.min(64));
        s
    }
}

struct HashWriter<'a>(&'a mut blake3::Hasher);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({})", self.short(12))
    }
}

/// Error for a string that is not 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid content hash {0:?}: expected 64 hex digits")]
pub struct ParseHashError(String);

impl FromStr for ContentHash {
    type Err = ParseHashError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = s.as_bytes();
        if bytes.len() != 64 {
            return Err(ParseHashError(s.to_owned()));
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            let hi = hex_digit(pair[0]).ok_or_else(|| ParseHashError(s.to_owned()))?;
            let lo = hex_digit(pair[1]).ok_or_else(|| ParseHashError(s.to_owned()))?;
            out[i] = hi << 4 | lo;
        }
        Ok(Self(out))
    }
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl Serialize for ContentHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ContentHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let h = ContentHash::of_bytes(b"alkemy");
        let s = h.to_string();
        assert_eq!(s.len(), 64);
        assert_eq!(s.parse::<ContentHash>().unwrap(), h);
        assert_eq!(s.to_uppercase().parse::<ContentHash>().unwrap(), h);
    }

    #[test]
    fn rejects_bad_hex() {
        assert!("abc".parse::<ContentHash>().is_err());
        assert!("g".repeat(64).parse::<ContentHash>().is_err());
    }

    #[test]
    fn json_hash_depends_on_content() {
        #[derive(Serialize)]
        struct Req<'a> {
            prompt: &'a str,
            seed: u64,
        }
        let a = ContentHash::of_json(&Req {
            prompt: "a",
            seed: 1,
        });
        let b = ContentHash::of_json(&Req {
            prompt: "a",
            seed: 2,
        });
        assert_ne!(a, b);
        assert_eq!(
            a,
            ContentHash::of_json(&Req {
                prompt: "a",
                seed: 1
            })
        );
        // The canonical form is exactly serde_json's compact output.
        assert_eq!(a, ContentHash::of_bytes(br#"{"prompt":"a","seed":1}"#));
    }
}
