//! Reading the screenplay a command is given: one place for the checks
//! every command makes (exists, is a file, not oversized), with messages that
//! name the file.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::exit::bad_input;

/// The bytes and file name of a screenplay on disk.
pub fn read_script(path: &Path) -> anyhow::Result<(Vec<u8>, String)> {
    let meta = std::fs::metadata(path)
        .map_err(|e| bad_input(format!("{}: cannot read: {e}", path.display())))?;
    if meta.is_dir() {
        return Err(bad_input(format!(
            "{}: is a directory, not a screenplay",
            path.display()
        )));
    }
    if meta.len() > alkemy_script::MAX_INPUT_BYTES as u64 {
        return Err(bad_input(format!(
            "{}: {}",
            path.display(),
            alkemy_script::ReadError::TooLarge {
                size: usize::try_from(meta.len()).unwrap_or(usize::MAX),
                limit: alkemy_script::MAX_INPUT_BYTES,
            }
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| bad_input(format!("{}: cannot read: {e}", path.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((bytes, name))
}

/// Parses a screenplay from disk, as every command that needs one does.
pub fn read_screenplay(path: &Path) -> anyhow::Result<alkemy_core::Screenplay> {
    let (bytes, name) = read_script(path)?;
    alkemy_script::read(&bytes, Some(&name))
        .map_err(|e| bad_input(format!("{}: {e}", path.display())))
}

/// Writes a command's report to standard output; a closed pipe (`| head`)
/// is not a failure of the command.
pub fn print(out: &str) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e).context("writing to standard output"),
    }
}
