//! Blob storage: the bytes of frames, clips, renders and uploads, through
//! `object_store` (a local directory by default, S3-compatible by URL).
//!
//! Keys are laid out per project — `projects/{id}/frames/{hash}.png`,
//! `projects/{id}/clips/{hash}.mp4` — and generated content is
//! content-addressed: its key is the BLAKE3 of its bytes, so writing it
//! twice (a retried job) writes the same object, and a key, once written,
//! never changes meaning. Every put is atomic (the local store writes a
//! temporary file and renames it; S3 objects appear whole), so a reader
//! never sees half a blob.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use alkemy_core::{AssetKind, ContentHash, ProjectId};
use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::error::{Result, StoreError};

/// A validated blob key: relative, `/`-separated, no empty, `.` or `..`
/// segments, only `[A-Za-z0-9._-]` in each segment.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    /// Checks a key.
    pub fn parse(key: &str) -> Result<Self> {
        let ok = !key.is_empty()
            && key.len() <= 1024
            && key.split('/').all(|seg| {
                !seg.is_empty()
                    && seg != "."
                    && seg != ".."
                    && seg
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            });
        if ok {
            Ok(Self(key.to_owned()))
        } else {
            Err(StoreError::Invalid(format!(
                "{key:?} is not a valid blob key"
            )))
        }
    }

    /// The content-addressed key of generated content:
    /// `projects/{project}/{folder}/{hash}.{ext}`.
    pub fn generated(
        project: ProjectId,
        kind: AssetKind,
        hash: &ContentHash,
        ext: &str,
    ) -> Result<Self> {
        Self::parse(&format!(
            "projects/{project}/{}/{hash}.{ext}",
            kind.folder()
        ))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True if the key lies under `projects/{project}/`.
    pub fn belongs_to(&self, project: ProjectId) -> bool {
        self.0
            .strip_prefix("projects/")
            .and_then(|rest| rest.strip_prefix(&project.to_string()))
            .is_some_and(|rest| rest.starts_with('/'))
    }
}

impl fmt::Display for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobKey({})", self.0)
    }
}

/// Settings of S3-compatible storage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Config {
    /// Endpoint of an S3-compatible server (`http://127.0.0.1:9000`);
    /// `http://` endpoints are allowed.
    pub endpoint: Option<String>,
    /// Region (default `us-east-1`).
    pub region: Option<String>,
    /// Access key id.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<String>,
    /// Session token.
    pub session_token: Option<String>,
    /// Also read every other `AWS_*` setting from the environment.
    pub inherit_env: bool,
}

impl S3Config {
    /// From the usual variables: `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT`),
    /// `AWS_REGION` (or `AWS_DEFAULT_REGION`), `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
    pub fn from_env() -> Self {
        let var = |names: &[&str]| names.iter().find_map(|n| std::env::var(n).ok());
        Self {
            endpoint: var(&["AWS_ENDPOINT_URL", "AWS_ENDPOINT"]),
            region: var(&["AWS_REGION", "AWS_DEFAULT_REGION"]),
            access_key_id: var(&["AWS_ACCESS_KEY_ID"]),
            secret_access_key: var(&["AWS_SECRET_ACCESS_KEY"]),
            session_token: var(&["AWS_SESSION_TOKEN"]),
            inherit_env: true,
        }
    }
}

/// A blob written by [`BlobStore::put_generated`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// Where it is.
    pub key: BlobKey,
    /// BLAKE3 of its bytes.
    pub hash: ContentHash,
    /// Its size.
    pub size: u64,
}

/// Blob storage behind `object_store`.
#[derive(Clone)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
    description: String,
}

impl fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobStore({})", self.description)
    }
}

fn err(context: impl Into<String>) -> impl FnOnce(object_store::Error) -> StoreError {
    let context = context.into();
    move |e| StoreError::other(context, e)
}

impl BlobStore {
    /// Opens storage from a URL: a directory path or `file:///dir`,
    /// `s3://bucket[/prefix]` (credentials, region and endpoint from the
    /// usual `AWS_*` variables, `AWS_ENDPOINT_URL` for S3-compatible
    /// servers; plain `http://` endpoints are allowed), or `memory://`
    /// (tests).
    pub fn open(url: &str) -> Result<Self> {
        if url.starts_with("s3://") {
            return Self::open_s3(url, &S3Config::from_env());
        }
        if url == "memory://" {
            return Ok(Self {
                inner: Arc::new(InMemory::new()),
                description: url.to_owned(),
            });
        }
        let dir = url.strip_prefix("file://").unwrap_or(url);
        if dir.contains("://") {
            return Err(StoreError::Invalid(format!(
                "unsupported storage URL {url:?}: use a directory, file:///dir or s3://bucket/prefix"
            )));
        }
        Self::local(Path::new(dir))
    }

    /// Opens `s3://bucket[/prefix]` with explicit settings.
    pub fn open_s3(url: &str, config: &S3Config) -> Result<Self> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| StoreError::Invalid(format!("{url:?} is not an s3:// URL")))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(StoreError::Invalid(format!("{url:?} names no bucket")));
        }
        let mut builder = if config.inherit_env {
            AmazonS3Builder::from_env()
        } else {
            AmazonS3Builder::new()
        }
        .with_bucket_name(bucket)
        .with_region(config.region.as_deref().unwrap_or("us-east-1"));
        if let Some(endpoint) = &config.endpoint {
            builder = builder
                .with_allow_http(endpoint.starts_with("http://"))
                .with_endpoint(endpoint);
        }
        if let (Some(id), Some(secret)) = (&config.access_key_id, &config.secret_access_key) {
            builder = builder
                .with_access_key_id(id)
                .with_secret_access_key(secret);
        }
        if let Some(token) = &config.session_token {
            builder = builder.with_token(token);
        }
        let s3 = builder
            .build()
            .map_err(err(format!("opening blob storage {url}")))?;
        let prefix = prefix.trim_matches('/');
        let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, prefix))
        };
        Ok(Self {
            inner,
            description: url.to_owned(),
        })
    }

    /// Storage in a local directory (made if missing).
    pub fn local(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::other(format!("creating the media directory {}", dir.display()), e)
        })?;
        let fs = LocalFileSystem::new_with_prefix(dir).map_err(err(format!(
            "opening the media directory {}",
            dir.display()
        )))?;
        Ok(Self {
            inner: Arc::new(fs),
            description: dir.display().to_string(),
        })
    }

    /// Writes a blob (atomically; replacing any blob at the key).
    pub async fn put(&self, key: &BlobKey, bytes: Bytes) -> Result<()> {
        self.inner
            .put(&ObjectPath::from(key.as_str()), PutPayload::from(bytes))
            .await
            .map_err(err(format!("writing blob {key}")))?;
        Ok(())
    }

    /// Writes generated content under its content-addressed key, unless a
    /// blob of the same size is already there (same key means same bytes).
    pub async fn put_generated(
        &self,
        project: ProjectId,
        kind: AssetKind,
        ext: &str,
        bytes: Bytes,
    ) -> Result<StoredBlob> {
        let hash = ContentHash::of_bytes(&bytes);
        let key = BlobKey::generated(project, kind, &hash, ext)?;
        let size = bytes.len() as u64;
        if self.size(&key).await? != Some(size) {
            self.put(&key, bytes).await?;
        }
        Ok(StoredBlob { key, hash, size })
    }

    /// Reads a whole blob.
    pub async fn get(&self, key: &BlobKey) -> Result<Bytes> {
        let path = ObjectPath::from(key.as_str());
        match self.inner.get(&path).await {
            Ok(got) => got
                .bytes()
                .await
                .map_err(err(format!("reading blob {key}"))),
            Err(object_store::Error::NotFound { .. }) => {
                Err(StoreError::NotFound(format!("blob {key}")))
            }
            Err(e) => Err(err(format!("reading blob {key}"))(e)),
        }
    }

    /// The size of a blob, or `None` if there is none at the key.
    pub async fn size(&self, key: &BlobKey) -> Result<Option<u64>> {
        match self.inner.head(&ObjectPath::from(key.as_str())).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(err(format!("looking up blob {key}"))(e)),
        }
    }

    /// Deletes a blob (no error if there is none).
    pub async fn delete(&self, key: &BlobKey) -> Result<()> {
        match self.inner.delete(&ObjectPath::from(key.as_str())).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(err(format!("deleting blob {key}"))(e)),
        }
    }

    /// Every key under a prefix (`projects/{id}`), sorted.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let prefix = ObjectPath::from(prefix);
        let mut keys: Vec<String> = self
            .inner
            .list(Some(&prefix))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .map_err(err(format!("listing blobs under {prefix}")))?;
        keys.sort();
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked() {
        for good in ["projects/x/frames/a.png", "a", "a-b_c.d/e"] {
            assert!(BlobKey::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "", "/abs", "a//b", "a/../b", "./a", "a/b/", "a b", "a\\b", "é",
        ] {
            assert!(BlobKey::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn generated_keys_are_laid_out_per_project() {
        let project: ProjectId = "0190a5b2-6c1e-7d3a-9f00-1234567890ab".parse().unwrap();
        let other: ProjectId = "0190a5b2-6c1e-7d3a-9f00-1234567890ac".parse().unwrap();
        let hash = ContentHash::of_bytes(b"frame");
        let key = BlobKey::generated(project, AssetKind::Clip, &hash, "mp4").unwrap();
        assert_eq!(
            key.as_str(),
            format!("projects/0190a5b2-6c1e-7d3a-9f00-1234567890ab/clips/{hash}.mp4")
        );
        assert!(key.belongs_to(project));
        assert!(!key.belongs_to(other));
    }

    #[tokio::test]
    async fn content_addressed_puts_are_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::local(dir.path()).unwrap();
        let project: ProjectId = "0190a5b2-6c1e-7d3a-9f00-1234567890ab".parse().unwrap();
        let a = blobs
            .put_generated(
                project,
                AssetKind::Frame,
                "png",
                Bytes::from_static(b"pixels"),
            )
            .await
            .unwrap();
        let b = blobs
            .put_generated(
                project,
                AssetKind::Frame,
                "png",
                Bytes::from_static(b"pixels"),
            )
            .await
            .unwrap();
        assert_eq!(a, b);
        assert_eq!(blobs.get(&a.key).await.unwrap().as_ref(), b"pixels");
        assert_eq!(
            blobs.list(&format!("projects/{project}")).await.unwrap(),
            vec![a.key.to_string()]
        );
        // The file sits under the project's folder on disk.
        assert!(dir.path().join(a.key.as_str()).is_file());
        let missing = BlobKey::parse("projects/none/frames/x.png").unwrap();
        assert!(matches!(
            blobs.get(&missing).await,
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(blobs.size(&missing).await.unwrap(), None);
    }
}
