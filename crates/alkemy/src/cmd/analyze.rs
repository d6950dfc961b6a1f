//! `alkemy analyze FILE [--format json|text]`: parse a screenplay and print
//! its breakdown, as the versioned JSON contract or as a readable report.

use std::path::PathBuf;
use std::process::ExitCode;

use alkemy_script::report::{AnalysisJson, text};
use anyhow::Context as _;

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
    let screenplay = crate::input::read_screenplay(&args.file)?;
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
    crate::input::print(&out)
}
