//! The finished production out of blob storage: the files the newest
//! succeeded production export lists, written into a folder with the same
//! layout `alkemy produce` makes (`frames/`, `clips/`, `animatic.mp4`,
//! timelines, storyboards, `manifest.json`).

use std::path::{Component, Path};

use alkemy_core::{ContentHash, JobKind, JobState, ProjectId, UserId};
use alkemy_store::{BlobKey, BlobStore, Store};

use crate::error::FetchError;
use crate::handlers::PRODUCTION_FORMAT;
use crate::results::ExportResult;

/// What [`fetch_outputs`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// Files written, by path in the folder.
    pub files: Vec<String>,
    /// Their total size.
    pub bytes: u64,
}

/// The newest finished production export of a project.
pub async fn latest_export(
    store: &dyn Store,
    actor: UserId,
    project: ProjectId,
) -> Result<ExportResult, FetchError> {
    let jobs = store.jobs(actor, project).await?;
    jobs.iter()
        .rev()
        .filter(|j| {
            j.kind == JobKind::Export
                && j.state == JobState::Succeeded
                && j.payload["format"].as_str() == Some(PRODUCTION_FORMAT)
        })
        .find_map(|j| serde_json::from_value(j.result.clone()?).ok())
        .ok_or_else(|| FetchError::NotProduced {
            project: project.to_string(),
        })
}

/// Writes a project's finished production into `dir`; every file is checked
/// against its recorded hash and written atomically.
pub async fn fetch_outputs(
    store: &dyn Store,
    blobs: &BlobStore,
    actor: UserId,
    project: ProjectId,
    dir: &Path,
) -> Result<Fetched, FetchError> {
    let export = latest_export(store, actor, project).await?;
    let mut fetched = Fetched {
        files: Vec::with_capacity(export.files.len()),
        bytes: 0,
    };
    for file in &export.files {
        let path = &file.entry.path;
        let relative = Path::new(path);
        if !inside_folder(relative) {
            return Err(FetchError::Corrupt {
                path: path.clone(),
                message: "not a relative path inside the folder".to_owned(),
            });
        }
        let bytes = blobs.get(&BlobKey::parse(&file.key)?).await?;
        if ContentHash::of_bytes(&bytes) != file.entry.hash {
            return Err(FetchError::Corrupt {
                path: path.clone(),
                message: format!("blob {} does not hold what was recorded", file.key),
            });
        }
        let target = dir.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| FetchError::Write {
                path: parent.display().to_string(),
                message: e.to_string(),
            })?;
        }
        alkemy_export::write_atomic(&target, &bytes).map_err(|e| FetchError::Write {
            path: target.display().to_string(),
            message: e.to_string(),
        })?;
        fetched.bytes += bytes.len() as u64;
        fetched.files.push(path.clone());
    }
    Ok(fetched)
}

/// True for a relative path that stays inside the folder (no root, no `..`).
fn inside_folder(path: &Path) -> bool {
    path.components().next().is_some()
        && path.components().all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_paths_cannot_leave_the_folder() {
        for ok in ["animatic.mp4", "frames/sc1-1.png", "clips/title-2.mp4"] {
            assert!(inside_folder(Path::new(ok)), "{ok}");
        }
        for bad in ["", "/etc/passwd", "../x", "frames/../../x", "./../x"] {
            assert!(!inside_folder(Path::new(bad)), "{bad}");
        }
    }
}
