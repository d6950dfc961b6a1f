//! Whole-file writes: a temporary file in the same directory, synced, then
//! renamed over the target, so a reader sees the old file or the new one and
//! never half of either.

use std::io::Write;
use std::path::Path;

/// What a file holds, which decides its mode and whether it is synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Keys and key material: mode 0600, synced to disk before the rename.
    Secret,
    /// Cache entries: mode 0644, not synced (a torn entry after a crash is
    /// detected on read and treated as a miss, so speed wins).
    Cache,
}

/// Writes `bytes` to `path` atomically, creating parent directories.
pub(crate) fn write(path: &Path, bytes: &[u8], kind: Kind) -> std::io::Result<()> {
    let private = kind == Kind::Secret;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    // tempfile creates files with mode 0600 already; `private` documents the
    // intent and keeps it so on platforms where that default differs.
    #[cfg(unix)]
    if !private {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    #[cfg(not(unix))]
    let _ = private;
    tmp.write_all(bytes)?;
    if kind == Kind::Secret {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_files_and_keeps_private_ones_private() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b/file.json");
        write(&p, b"one", Kind::Cache).unwrap();
        write(&p, b"two", Kind::Secret).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let leftovers = std::fs::read_dir(p.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary files left behind");
    }
}
