//! `alkemy analyze FILE [--format json|text]`: parse a screenplay and print
//! its breakdown, as the versioned JSON contract or as a readable report.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use alkemy_script::report::{AnalysisJson, text};
use anyhow::Context as _;

use crate::exit::bad_input;

/// Output format of `analyze`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// The breakdown as JSON (the documented contract).
    Json,
    /// A readable report.
    Text,
}

/// Arguments of `alkemy analyze`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The screenplay: Fountain, Final Draft (.fdx), PDF or plain text.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let path = &args.file;
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
    let name = path.file_name().and_then(|n| n.to_str());
    let screenplay = alkemy_script::read(&bytes, name)
        .map_err(|e| bad_input(format!("{}: {e}", path.display())))?;
    let breakdown = alkemy_script::breakdown(&screenplay);
    let analysis = AnalysisJson::new(&screenplay, &breakdown);
    let out = match args.format {
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(&analysis).context("serialising the analysis")?;
            s.push('\n');
            s
        }
        Format::Text => text::render(&analysis),
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // A closed pipe (`| head`) is not a failure of the analysis.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e).context("writing to standard output"),
    }
}
