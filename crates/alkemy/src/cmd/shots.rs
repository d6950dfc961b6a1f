//! `alkemy shots FILE [--format csv|json] [--style NAME]`: plan the shots of
//! a screenplay with the offline director of photography and print the shot
//! list, as production CSV or as versioned JSON with composed prompts.

use std::path::PathBuf;
use std::process::ExitCode;

use alkemy_core::AspectRatio;
use alkemy_studio::prompt::{PromptContext, PromptLimits, compose_all};
use alkemy_studio::wire::ShotsJson;
use alkemy_studio::{PlanOptions, StylePreset, plan, shotlist_csv};
use anyhow::Context as _;

/// Output format of `shots`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// The shot list with the production columns.
    Csv,
    /// Every shot field, blocking and prompts included (versioned).
    Json,
}

/// Arguments of `alkemy shots`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The screenplay: Fountain, Final Draft (.fdx), PDF or plain text.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    /// Style preset: classic, documentary or tableau.
    #[arg(long, default_value = "classic")]
    pub style: StylePreset,
    /// Frame aspect ratio the prompts are composed for (JSON output).
    #[arg(long, default_value = "16:9")]
    pub aspect: AspectRatio,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (style, aspect) = (args.style, args.aspect);
    let breakdown = alkemy_script::breakdown(&crate::input::read_screenplay(&args.file)?);
    let mut list = plan(&breakdown, &PlanOptions::with_style(style));
    let out = match args.format {
        Format::Csv => shotlist_csv::to_string(&list)?,
        Format::Json => {
            let project = breakdown.title.clone().unwrap_or_else(|| {
                args.file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
            compose_all(
                &mut list,
                PromptContext {
                    project: &project,
                    breakdown: &breakdown,
                    identities: &[],
                    moodboard: None,
                    aspect,
                    limits: PromptLimits::default(),
                },
            );
            let wire = ShotsJson::new(breakdown.title.clone(), &list);
            let mut s = serde_json::to_string_pretty(&wire).context("serialising the shot list")?;
            s.push('\n');
            s
        }
    };
    crate::input::print(&out)
}
