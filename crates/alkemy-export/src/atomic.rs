//! Atomic file writes: a temporary file in the destination's folder, written,
//! flushed and fsynced, then renamed over the destination (and the folder
//! fsynced). A crash or an error at any point leaves either the old file or
//! the new one, never half of one, and no temporary file behind on errors.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A failed atomic write.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {step}: {source}")]
pub struct AtomicWriteError {
    /// The destination.
    pub path: PathBuf,
    /// What was being done (`create temporary file`, `write`, `rename`).
    pub step: &'static str,
    /// The underlying error.
    #[source]
    pub source: io::Error,
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AtomicWriteError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes `path` atomically with a writer callback; if the callback fails the
/// destination is untouched and the temporary file removed.
pub fn write_atomic_with<F>(path: &Path, write: F) -> Result<(), AtomicWriteError>
where
    F: FnOnce(&mut BufWriter<&File>) -> io::Result<()>,
{
    let err = |step: &'static str| {
        move |source: io::Error| AtomicWriteError {
            path: path.to_owned(),
            step,
            source,
        }
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| err("name the file")(io::Error::from(io::ErrorKind::InvalidInput)))?;
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // Temporary files are private (0600); the output must get the mode a
    // plain `File::create` would (0666 less the umask), or keep the mode of
    // the file it replaces.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o666, |m| m.permissions().mode() & 0o7777);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let tmp = builder
        .tempfile_in(dir)
        .map_err(err("create temporary file"))?;
    {
        let mut w = BufWriter::new(tmp.as_file());
        write(&mut w).map_err(err("write"))?;
        w.flush().map_err(err("write"))?;
    }
    tmp.as_file().sync_all().map_err(err("sync"))?;
    tmp.persist(path).map_err(|e| err("rename")(e.error))?;
    sync_dir(dir).map_err(err("sync folder"))?;
    Ok(())
}

/// Makes the rename durable. Folders cannot be opened for syncing on Windows.
fn sync_dir(dir: &Path) -> io::Result<()> {
    if cfg!(unix) {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_the_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timeline.edl");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second version").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second version");
        assert_eq!(entries(dir.path()), vec!["timeline.edl"]);
    }

    #[cfg(unix)]
    #[test]
    fn outputs_get_the_mode_of_an_ordinary_new_file_or_keep_the_old_one() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"x").unwrap();
        let ours = dir.path().join("timeline.otio");
        write_atomic(&ours, b"{}").unwrap();
        assert_eq!(mode(&ours), mode(&plain));
        std::fs::set_permissions(&ours, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&ours, b"{ }").unwrap();
        assert_eq!(mode(&ours), 0o640);
    }

    #[test]
    fn a_failure_midway_keeps_the_old_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("storyboard.html");
        write_atomic(&path, b"old complete file").unwrap();
        let result = write_atomic_with(&path, |w| {
            w.write_all(&[b'x'; 100_000])?;
            Err(io::Error::other("renderer crashed"))
        });
        let e = result.unwrap_err();
        assert_eq!(e.step, "write");
        assert!(e.to_string().contains("storyboard.html"), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), b"old complete file");
        assert_eq!(entries(dir.path()), vec!["storyboard.html"]);
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope/manifest.json");
        let e = write_atomic(&path, b"{}").unwrap_err();
        assert_eq!(e.step, "create temporary file");
        assert!(!path.exists());
    }
}
