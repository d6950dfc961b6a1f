//! The content-addressed result cache.
//!
//! A key is the [`ContentHash`] of a canonical request (capability, the
//! `provider:model` asked, and the request itself with binary inputs standing
//! in by their own hashes). An entry is a small JSON document (the result's
//! metadata and the hashes of its binary parts) plus the parts as blobs, each
//! stored under its own hash so identical outputs are stored once:
//!
//! ```text
//! <root>/entries/ab/abcd…ef.json   metadata + blob hashes
//! <root>/blobs/12/1234…78          bytes
//! ```
//!
//! Blobs are written before the entry, each atomically, so an entry that
//! exists always has its blobs; a blob whose bytes no longer match its hash
//! turns the entry into a miss (and is removed) instead of returning garbage.

use std::path::{Path, PathBuf};

use alkemy_core::{Capability, ContentHash};
use serde::{Deserialize, Serialize};

use crate::atomic;

/// A cache I/O failure.
#[derive(Debug, thiserror::Error)]
#[error("{path}: cache {action} failed: {source}")]
pub struct CacheError {
    /// The file.
    pub path: PathBuf,
    /// `read` or `write`.
    pub action: &'static str,
    /// The I/O error.
    pub source: std::io::Error,
}

/// The stored form of a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheEntry {
    /// Format version of entries.
    pub version: u32,
    /// Which capability made it.
    pub capability: Capability,
    /// `provider:model` that made it.
    pub model: String,
    /// The result without its bytes.
    pub meta: serde_json::Value,
    /// Hashes of the binary parts, in order.
    pub blobs: Vec<ContentHash>,
    /// When it was stored (ms since the Unix epoch).
    pub created_ms: u64,
    /// Set when the entry records a safety refusal instead of a result: the
    /// model said no to this exact request, so it is not asked again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
}

/// An entry with its blobs, in order.
pub type Cached = (CacheEntry, Vec<Vec<u8>>);

/// Entry format version written now.
const VERSION: u32 = 1;

/// A content-addressed cache on disk.
#[derive(Debug, Clone)]
pub struct DiskCache {
    root: PathBuf,
}

fn shard(dir: &Path, hash: &ContentHash, suffix: &str) -> PathBuf {
    let hex = hash.to_string();
    dir.join(&hex[..2]).join(format!("{hex}{suffix}"))
}

impl DiskCache {
    /// A cache under `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn entry_path(&self, key: &ContentHash) -> PathBuf {
        shard(&self.root.join("entries"), key, ".json")
    }

    fn blob_path(&self, hash: &ContentHash) -> PathBuf {
        shard(&self.root.join("blobs"), hash, "")
    }

    /// Whether an entry exists for `key` (cheap: one `stat`).
    pub fn contains(&self, key: &ContentHash) -> bool {
        self.entry_path(key).is_file()
    }

    /// Reads an entry and its blobs; `None` on a miss or a damaged entry.
    pub fn get(&self, key: &ContentHash) -> Result<Option<Cached>, CacheError> {
        let path = self.entry_path(key);
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(CacheError {
                    path,
                    action: "read",
                    source,
                });
            }
        };
        let Ok(entry) = serde_json::from_slice::<CacheEntry>(&text) else {
            tracing::warn!("{}: unreadable cache entry; ignoring it", path.display());
            let _ = std::fs::remove_file(&path);
            return Ok(None);
        };
        if entry.version != VERSION {
            return Ok(None);
        }
        let mut blobs = Vec::with_capacity(entry.blobs.len());
        for hash in &entry.blobs {
            let blob_path = self.blob_path(hash);
            match std::fs::read(&blob_path) {
                Ok(bytes) if ContentHash::of_bytes(&bytes) == *hash => blobs.push(bytes),
                Ok(_) => {
                    tracing::warn!(
                        "{}: damaged cache blob; dropping entry",
                        blob_path.display()
                    );
                    let _ = std::fs::remove_file(&blob_path);
                    let _ = std::fs::remove_file(&path);
                    return Ok(None);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let _ = std::fs::remove_file(&path);
                    return Ok(None);
                }
                Err(source) => {
                    return Err(CacheError {
                        path: blob_path,
                        action: "read",
                        source,
                    });
                }
            }
        }
        Ok(Some((entry, blobs)))
    }

    /// Stores a result: blobs first, then the entry.
    pub fn put(
        &self,
        key: &ContentHash,
        capability: Capability,
        model: &str,
        meta: serde_json::Value,
        blobs: &[&[u8]],
    ) -> Result<(), CacheError> {
        let mut hashes = Vec::with_capacity(blobs.len());
        for bytes in blobs {
            let hash = ContentHash::of_bytes(bytes);
            let path = self.blob_path(&hash);
            if !path.is_file() {
                atomic::write(&path, bytes, atomic::Kind::Cache).map_err(|source| CacheError {
                    path: path.clone(),
                    action: "write",
                    source,
                })?;
            }
            hashes.push(hash);
        }
        let entry = CacheEntry {
            version: VERSION,
            capability,
            model: model.to_owned(),
            meta,
            blobs: hashes,
            created_ms: crate::now_ms(),
            refusal: None,
        };
        self.write_entry(key, &entry)
    }
}

impl DiskCache {
    /// Remembers that `model` refused the request `key` (a safety block).
    pub fn put_refusal(
        &self,
        key: &ContentHash,
        capability: Capability,
        model: &str,
        reason: &str,
    ) -> Result<(), CacheError> {
        let entry = CacheEntry {
            version: VERSION,
            capability,
            model: model.to_owned(),
            meta: serde_json::Value::Null,
            blobs: Vec::new(),
            created_ms: crate::now_ms(),
            refusal: Some(reason.to_owned()),
        };
        self.write_entry(key, &entry)
    }

    fn write_entry(&self, key: &ContentHash, entry: &CacheEntry) -> Result<(), CacheError> {
        let path = self.entry_path(key);
        let json = serde_json::to_vec(entry).map_err(|e| CacheError {
            path: path.clone(),
            action: "write",
            source: std::io::Error::other(e),
        })?;
        atomic::write(&path, &json, atomic::Kind::Cache).map_err(|source| CacheError {
            path,
            action: "write",
            source,
        })
    }

    /// The remembered refusal of `key`, if any (reads only the small entry).
    pub fn refusal(&self, key: &ContentHash) -> Option<String> {
        let bytes = std::fs::read(self.entry_path(key)).ok()?;
        serde_json::from_slice::<CacheEntry>(&bytes).ok()?.refusal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_dedup() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::new(dir.path());
        let k1 = ContentHash::of_bytes(b"request 1");
        let k2 = ContentHash::of_bytes(b"request 2");
        assert!(!cache.contains(&k1));
        assert!(cache.get(&k1).unwrap().is_none());
        let meta = serde_json::json!({"seed": 7});
        cache
            .put(
                &k1,
                Capability::Image,
                "fal:flux-dev",
                meta.clone(),
                &[b"png-a", b"png-b"],
            )
            .unwrap();
        cache
            .put(
                &k2,
                Capability::Image,
                "fal:flux-dev",
                meta.clone(),
                &[b"png-a"],
            )
            .unwrap();
        let (entry, blobs) = cache.get(&k1).unwrap().unwrap();
        assert_eq!(entry.model, "fal:flux-dev");
        assert_eq!(entry.meta, meta);
        assert_eq!(blobs, vec![b"png-a".to_vec(), b"png-b".to_vec()]);
        let blob_files = walk(&dir.path().join("blobs"));
        assert_eq!(blob_files, 2, "identical bytes are stored once");
    }

    #[test]
    fn refusals_are_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::new(dir.path());
        let k = ContentHash::of_bytes(b"r");
        assert_eq!(cache.refusal(&k), None);
        cache
            .put_refusal(&k, Capability::Image, "fal:flux-dev", "safety filter: nsfw")
            .unwrap();
        assert_eq!(cache.refusal(&k).as_deref(), Some("safety filter: nsfw"));
        let (entry, blobs) = cache.get(&k).unwrap().unwrap();
        assert!(entry.refusal.is_some() && blobs.is_empty());
    }

    #[test]
    fn damaged_blobs_are_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::new(dir.path());
        let k = ContentHash::of_bytes(b"r");
        cache
            .put(
                &k,
                Capability::Video,
                "gemini:veo-3.1",
                serde_json::json!({}),
                &[b"mp4"],
            )
            .unwrap();
        let blob = cache.blob_path(&ContentHash::of_bytes(b"mp4"));
        std::fs::write(&blob, b"tampered").unwrap();
        assert!(cache.get(&k).unwrap().is_none());
        assert!(!cache.contains(&k), "the damaged entry is dropped");
    }

    fn walk(dir: &Path) -> usize {
        let mut n = 0;
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            n += if p.is_dir() { walk(&p) } else { 1 };
        }
        n
    }
}
