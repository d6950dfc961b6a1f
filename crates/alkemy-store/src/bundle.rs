//! Bundles: a whole project as one portable archive (project JSON + media),
//! to move it between machines and between the SQLite and PostgreSQL
//! backends.
//!
//! The archive is an uncompressed POSIX tar (media is already compressed):
//! `alkemy-bundle.json` first, then `media/{storage key}` for every asset's
//! blob. Entries carry no time or owner, so the same project always gives
//! the same bytes. Import checks every blob against its recorded BLAKE3
//! before anything is written to the database.
//!
//! A bundle carries the project's content (scripts, analyses, shots with
//! overrides, characters, identities, moodboards, timelines, assets,
//! usage); not its jobs (operational state of one installation), shares or
//! activity log (they name users of the source database). Imported records
//! keep their ids and times and belong to the importing user.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use alkemy_core::{
    AnalysisId, AssetId, CharacterId, ContentHash, IdentityId, MoodboardId, MoodboardItemId,
    ProjectId, ScriptVersionId, TimelineId, UsageId, UserId,
};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::blob::{BlobKey, BlobStore};
use crate::error::{Result, StoreError};
use crate::model::{
    Analysis, Asset, CharacterRecord, IdentityRecord, Moodboard, Project, ScriptVersion,
    StoredShot, TimelineRecord, UsageRecord,
};
use crate::sql::DbId;
use crate::store::Store;

/// Name of the JSON entry in a bundle archive.
pub const BUNDLE_JSON: &str = "alkemy-bundle.json";

/// Largest single entry an import accepts (4 GiB).
const MAX_ENTRY: u64 = 4 << 30;

/// Everything a project is, as one serialisable document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectBundle {
    /// Bundle format version ([`ProjectBundle::FORMAT`]).
    pub format: u32,
    /// The project's own fields.
    pub project: Project,
    /// Script versions, oldest first.
    pub scripts: Vec<ScriptVersion>,
    /// Analyses, oldest first.
    pub analyses: Vec<Analysis>,
    /// Shots in order, with overrides.
    pub shots: Vec<StoredShot>,
    /// Characters by name.
    pub characters: Vec<CharacterRecord>,
    /// Identities.
    pub identities: Vec<IdentityRecord>,
    /// Moodboards with items.
    pub moodboards: Vec<Moodboard>,
    /// Timelines.
    pub timelines: Vec<TimelineRecord>,
    /// Asset rows (blobs travel beside the JSON).
    pub assets: Vec<Asset>,
    /// Provider usage charged to the project.
    pub usage: Vec<UsageRecord>,
}

/// What an archive held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveSummary {
    /// The project.
    pub project: ProjectId,
    /// Media files.
    pub media_files: usize,
    /// Bytes of media.
    pub media_bytes: u64,
}

impl ProjectBundle {
    /// The format this build writes and reads.
    pub const FORMAT: u32 = 1;

    /// Checks that the bundle is self-consistent: the right format, every
    /// record in its project, valid blob keys.
    pub fn check(&self) -> Result<()> {
        if self.format != Self::FORMAT {
            return Err(StoreError::Invalid(format!(
                "bundle format {} is not supported (this build reads {})",
                self.format,
                Self::FORMAT
            )));
        }
        let p = self.project.id;
        let bad = |what: &str| {
            Err(StoreError::Invalid(format!(
                "the bundle's {what} belongs to another project"
            )))
        };
        if self.scripts.iter().any(|s| s.project_id != p) {
            return bad("script version");
        }
        if self.analyses.iter().any(|a| a.project_id != p) {
            return bad("analysis");
        }
        if self.characters.iter().any(|c| c.project_id != p) {
            return bad("character");
        }
        if self.identities.iter().any(|i| i.project_id != p) {
            return bad("identity");
        }
        if self.moodboards.iter().any(|m| m.project_id != p) {
            return bad("moodboard");
        }
        if self.timelines.iter().any(|t| t.project_id != p) {
            return bad("timeline");
        }
        if self.assets.iter().any(|a| a.project_id != p) {
            return bad("asset");
        }
        if self.usage.iter().any(|u| u.project_id != Some(p)) {
            return bad("usage record");
        }
        for a in &self.assets {
            BlobKey::parse(&a.storage_key)?;
        }
        Ok(())
    }

    /// The same bundle with every user reference made `user`: the importer
    /// owns what they import.
    pub fn owned_by(&self, user: UserId) -> Self {
        let mut b = self.clone();
        b.project.owner_id = user;
        for s in &mut b.scripts {
            s.created_by = user;
        }
        for a in &mut b.assets {
            a.created_by = user;
        }
        for u in &mut b.usage {
            u.user_id = user;
        }
        b
    }

    /// The same content under new ids (a duplicate). Storage keys are kept:
    /// blobs are immutable, so the copy shares them.
    pub fn with_fresh_ids(&self) -> Self {
        let mut b = self.clone();
        b.project.id = ProjectId::generate();
        let p = b.project.id;
        let mut scripts: BTreeMap<ScriptVersionId, ScriptVersionId> = BTreeMap::new();
        for s in &mut b.scripts {
            let new = ScriptVersionId::generate();
            scripts.insert(s.id, new);
            s.id = new;
            s.project_id = p;
        }
        for a in &mut b.analyses {
            a.id = AnalysisId::generate();
            a.project_id = p;
            if let Some(s) = scripts.get(&a.script_version_id) {
                a.script_version_id = *s;
            }
        }
        let mut assets: BTreeMap<AssetId, AssetId> = BTreeMap::new();
        for a in &mut b.assets {
            let new = AssetId::generate();
            assets.insert(a.id, new);
            a.id = new;
            a.project_id = p;
            a.job_id = None;
        }
        let map_asset = |a: &mut Option<AssetId>| {
            if let Some(old) = *a {
                *a = assets.get(&old).copied().or(Some(old));
            }
        };
        for a in &mut b.assets {
            map_asset(&mut a.provenance.parent);
            map_asset(&mut a.provenance.variant_of);
        }
        for s in &mut b.shots {
            map_asset(&mut s.overrides.chosen_frame);
        }
        let mut characters: BTreeMap<CharacterId, CharacterId> = BTreeMap::new();
        for c in &mut b.characters {
            let new = CharacterId::generate();
            characters.insert(c.id, new);
            c.id = new;
            c.project_id = p;
            map_asset(&mut c.reference_asset);
        }
        for i in &mut b.identities {
            i.id = IdentityId::generate();
            i.project_id = p;
            if let Some(c) = characters.get(&i.character_id) {
                i.character_id = *c;
            }
            map_asset(&mut i.weights_asset);
        }
        for m in &mut b.moodboards {
            m.id = MoodboardId::generate();
            m.project_id = p;
            for item in &mut m.items {
                item.id = MoodboardItemId::generate();
                map_asset(&mut item.asset_id);
            }
        }
        for t in &mut b.timelines {
            t.id = TimelineId::generate();
            t.project_id = p;
        }
        for u in &mut b.usage {
            u.id = UsageId::generate();
            u.project_id = Some(p);
        }
        b
    }
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> StoreError {
    let context = context.into();
    move |e| StoreError::other(context, e)
}

fn header(path: &str, size: u64) -> Result<tar::Header> {
    let mut h = tar::Header::new_ustar();
    h.set_path(path)
        .map_err(io(format!("naming bundle entry {path}")))?;
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    Ok(h)
}

/// Writes a project as a bundle archive at `out` (via a temporary file in
/// the same directory, renamed into place, so `out` is whole or absent).
pub async fn write_archive(
    store: &dyn Store,
    blobs: &BlobStore,
    actor: UserId,
    project: ProjectId,
    out: &Path,
) -> Result<ArchiveSummary> {
    let bundle = store.export_project(actor, project).await?;
    let json = serde_json::to_vec_pretty(&bundle)
        .map_err(|e| StoreError::other("encoding the bundle", e))?;
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io(format!(
        "creating a temporary file in {}",
        dir.display()
    )))?;
    let mut builder = tar::Builder::new(BufWriter::new(tmp));
    builder
        .append(&header(BUNDLE_JSON, json.len() as u64)?, json.as_slice())
        .map_err(io("writing the bundle"))?;
    let mut seen = BTreeSet::new();
    let mut summary = ArchiveSummary {
        project,
        media_files: 0,
        media_bytes: 0,
    };
    for asset in &bundle.assets {
        if !seen.insert(asset.storage_key.clone()) {
            continue;
        }
        let key = BlobKey::parse(&asset.storage_key)?;
        let bytes = blobs.get(&key).await?;
        if ContentHash::of_bytes(&bytes) != asset.content_hash {
            return Err(StoreError::Conflict(format!(
                "blob {key} does not match asset {}'s recorded hash",
                asset.id
            )));
        }
        let path = format!("media/{key}");
        builder
            .append(&header(&path, bytes.len() as u64)?, bytes.as_ref())
            .map_err(io(format!("writing {path} into the bundle")))?;
        summary.media_files += 1;
        summary.media_bytes += bytes.len() as u64;
    }
    let mut writer = builder.into_inner().map_err(io("finishing the bundle"))?;
    writer.flush().map_err(io("flushing the bundle"))?;
    let tmp = writer
        .into_inner()
        .map_err(|e| StoreError::other("flushing the bundle", e.into_error()))?;
    tmp.as_file().sync_all().map_err(io("syncing the bundle"))?;
    tmp.persist(out)
        .map_err(|e| StoreError::other(format!("writing {}", out.display()), e.error))?;
    Ok(summary)
}

/// Reads a bundle archive: checks it whole (JSON, every blob against its
/// hash), stores the blobs, then recreates the project owned by `actor`.
pub async fn read_archive(
    store: &dyn Store,
    blobs: &BlobStore,
    actor: UserId,
    path: &Path,
) -> Result<(Project, ArchiveSummary)> {
    let file = std::fs::File::open(path).map_err(io(format!("opening {}", path.display())))?;
    let mut archive = tar::Archive::new(std::io::BufReader::new(file));
    let entries = archive
        .entries()
        .map_err(io(format!("reading {}", path.display())))?;
    let mut bundle: Option<ProjectBundle> = None;
    let mut media: BTreeMap<String, Bytes> = BTreeMap::new();
    for entry in entries {
        let mut entry = entry.map_err(io(format!("reading {}", path.display())))?;
        let name = entry
            .path()
            .map_err(io("reading an entry name"))?
            .to_string_lossy()
            .into_owned();
        let size = entry.header().size().map_err(io("reading an entry size"))?;
        if size > MAX_ENTRY {
            return Err(StoreError::Invalid(format!(
                "bundle entry {name} is too large ({size} bytes)"
            )));
        }
        let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        entry
            .read_to_end(&mut buf)
            .map_err(io(format!("reading bundle entry {name}")))?;
        if name == BUNDLE_JSON {
            let b: ProjectBundle = serde_json::from_slice(&buf).map_err(|e| {
                StoreError::Invalid(format!("{}: {BUNDLE_JSON}: {e}", path.display()))
            })?;
            bundle = Some(b);
        } else if let Some(key) = name.strip_prefix("media/") {
            let key = BlobKey::parse(key)?;
            media.insert(key.to_string(), Bytes::from(buf));
        } else {
            return Err(StoreError::Invalid(format!(
                "{}: unexpected entry {name:?}",
                path.display()
            )));
        }
    }
    let bundle = bundle
        .ok_or_else(|| StoreError::Invalid(format!("{}: no {BUNDLE_JSON}", path.display())))?;
    bundle.check()?;
    for asset in &bundle.assets {
        let bytes = media.get(&asset.storage_key).ok_or_else(|| {
            StoreError::Invalid(format!(
                "{}: no media for asset {} ({})",
                path.display(),
                asset.id,
                asset.storage_key
            ))
        })?;
        if ContentHash::of_bytes(bytes) != asset.content_hash {
            return Err(StoreError::Invalid(format!(
                "{}: media {} is corrupt (hash mismatch)",
                path.display(),
                asset.storage_key
            )));
        }
    }
    let mut summary = ArchiveSummary {
        project: bundle.project.id,
        media_files: 0,
        media_bytes: 0,
    };
    let referenced: BTreeSet<&str> = bundle
        .assets
        .iter()
        .map(|a| a.storage_key.as_str())
        .collect();
    if let Some(extra) = media.keys().find(|k| !referenced.contains(k.as_str())) {
        return Err(StoreError::Invalid(format!(
            "{}: media {extra} belongs to no asset",
            path.display()
        )));
    }
    for (key, bytes) in media {
        let key = BlobKey::parse(&key)?;
        // Never overwrite a different blob: keys are immutable, and a bundle
        // must not be able to change another project's media.
        match blobs.size(&key).await? {
            None => blobs.put(&key, bytes.clone()).await?,
            Some(_) => {
                let existing = blobs.get(&key).await?;
                if existing != bytes {
                    return Err(StoreError::Conflict(format!(
                        "blob {key} already exists with other content"
                    )));
                }
            }
        }
        summary.media_files += 1;
        summary.media_bytes += bytes.len() as u64;
    }
    let project = store.import_project(actor, &bundle).await?;
    Ok((project, summary))
}

/// The `export` job handler for bundles: writes the project's bundle
/// archive into blob storage (`projects/{id}/exports/{hash}.alkemy`) and
/// records it as an export asset. Payload: `{"format": "bundle"}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct BundleExport;

#[async_trait::async_trait]
impl crate::worker::JobHandler for BundleExport {
    async fn run(
        &self,
        ctx: &crate::worker::JobContext,
    ) -> std::result::Result<crate::model::JobOutput, crate::worker::JobError> {
        use crate::worker::JobError;
        let format = ctx.job.payload["format"].as_str().unwrap_or("bundle");
        if format != "bundle" {
            return Err(JobError::fatal(format!(
                "this worker exports bundles only, not {format:?}"
            )));
        }
        let dir = tempfile::tempdir()
            .map_err(|e| JobError::retry(format!("temporary directory: {e}")))?;
        let path = dir.path().join("project.alkemy");
        let project = ctx.job.project_id;
        write_archive(&*ctx.store, &ctx.blobs, ctx.user(), project, &path).await?;
        let bytes = std::fs::read(&path)
            .map_err(|e| JobError::retry(format!("reading the bundle: {e}")))?;
        let blob = ctx
            .blobs
            .put_generated(
                project,
                alkemy_core::AssetKind::Export,
                "alkemy",
                Bytes::from(bytes),
            )
            .await?;
        Ok(crate::model::JobOutput {
            result: serde_json::json!({"format": "bundle", "key": blob.key.as_str(), "hash": blob.hash, "size": blob.size}),
            assets: vec![crate::model::NewAsset {
                kind: alkemy_core::AssetKind::Export,
                storage_key: blob.key.to_string(),
                mime: "application/x-tar".to_owned(),
                size_bytes: blob.size,
                content_hash: blob.hash,
                media: alkemy_core::MediaInfo::default(),
                provenance: alkemy_core::Provenance {
                    provider: Some("local".to_owned()),
                    model: Some("bundle".to_owned()),
                    ..alkemy_core::Provenance::default()
                },
                shot_id: None,
            }],
            usage: Vec::new(),
        })
    }
}
