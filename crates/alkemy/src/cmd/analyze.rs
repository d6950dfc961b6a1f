//! `alkemy analyze FILE [--format json|text]`.

use std::path::PathBuf;
use std::process::ExitCode;

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
    Err(bad_input(format!(
        "{}: the screenplay engine is not built yet",
        args.file.display()
    )))
}
