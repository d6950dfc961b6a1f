//! `alkemy shots FILE [--format csv|json] [--style NAME]`: plan the shots of
//! a screenplay with the offline director of photography and print the shot
//! list, as production CSV or as versioned JSON with composed prompts.
//!
//! Offline and deterministic by default. `--shots model` asks the text chain
//! (keys from the environment or the vault, `--config`, `--provider`) to
//! propose the shots, validated and merged with the rules as in `produce`:
//! the requests are quoted first (`--budget` refuses before anything is
//! sent), answers are cached and usage journalled under the data directory
//! (`shots/`), so a rerun prints the same list without a request, and what
//! was turned down goes to standard error.

use std::path::PathBuf;
use std::process::ExitCode;

use alkemy_core::{AspectRatio, Breakdown, Money, ShotList};
use alkemy_providers::{Setup, TextUse};
use alkemy_studio::produce::Models;
use alkemy_studio::prompt::{PromptContext, PromptLimits, compose_all};
use alkemy_studio::propose::{ProposalOptions, ProposalRequests};
use alkemy_studio::wire::ShotsJson;
use alkemy_studio::{PlanOptions, StylePreset, plan, shotlist_csv};
use anyhow::Context as _;

use crate::exit::bad_input;

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
    /// Who designs the shots: `rules` (offline and deterministic) or `model`
    /// (a text model proposes them, validated and merged with the rules;
    /// needs a Gemini or OpenAI key, `ALKEMY_OPENAI_URL` or `[chains] text`).
    #[arg(long, value_enum, default_value = "rules")]
    pub shots: Designer,
    /// With `--shots model`: put this provider or text model
    /// (`openai:gpt-4.1`) first in the text chain.
    #[arg(long)]
    pub provider: Option<String>,
    /// With `--shots model`: most the proposals may cost, in US dollars;
    /// above the quote nothing is sent.
    #[arg(long, value_parser = super::produce::budget)]
    pub budget: Option<Money>,
    /// With `--shots model`: providers configuration (TOML).
    #[arg(long, env = "ALKEMY_PROVIDERS_CONFIG")]
    pub config: Option<PathBuf>,
    /// With `--shots model`: a price file overriding the built-in table.
    #[arg(long, env = "ALKEMY_PRICES")]
    pub prices: Option<PathBuf>,
}

/// `--shots`: who designs the shots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Designer {
    /// The offline director of photography alone.
    Rules,
    /// A text model, validated and merged with the rules.
    Model,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (style, aspect) = (args.style, args.aspect);
    let breakdown = alkemy_script::breakdown(&crate::input::read_screenplay(&args.file)?);
    if args.shots == Designer::Rules && (args.provider.is_some() || args.budget.is_some()) {
        return Err(bad_input(
            "--provider and --budget choose and limit a text model: add --shots model",
        ));
    }
    let options = PlanOptions::with_style(style);
    let mut list = match args.shots {
        Designer::Rules => plan(&breakdown, &options),
        Designer::Model => propose(&args, &breakdown, &options)?,
    };
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

/// The shot list with a text model's proposals merged; the proposals are
/// quoted and checked against `--budget` before any is sent.
fn propose(args: &Args, breakdown: &Breakdown, options: &PlanOptions) -> anyhow::Result<ShotList> {
    // The data directory holds the vault's keyring; the proposals' cache and
    // usage journal live beside it.
    let state_dir = alkemy_providers::vault::default_locations()
        .and_then(|(_, ring)| ring.parent().map(|d| d.join("shots")))
        .context("cannot find a data directory for the proposals' cache: set ALKEMY_DATA_DIR")?;
    let offline = Models::offline();
    let setup = Setup {
        config: args.config.clone(),
        prices: args.prices.clone(),
        provider: args.provider.clone(),
        budget: args.budget,
        state_dir,
        dry_run: false,
        text: TextUse::Required,
        local_image: offline.image,
        local_video: offline.video,
    };
    let providers = super::produce::open_providers(&setup, None)?;
    let text = providers
        .text
        .clone()
        .context("the providers gave no text model")?;
    let requests = ProposalRequests::new(breakdown, options, &ProposalOptions::default());
    let quote = requests.quote(text.as_ref());
    if let Some(limit) = args.budget
        && quote.cost > limit
    {
        return Err(bad_input(format!(
            "the shot proposals are quoted at {} ({} to {}), over --budget {limit}; \
             nothing was sent. Raise --budget or plan with the rules (--shots rules)",
            quote.cost,
            super::produce::count(quote.requests as usize, "request"),
            quote.model
        )));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let proposed = runtime
        .block_on(requests.send(breakdown, options, text.as_ref()))
        .map_err(|e| {
            let bad = matches!(
                e.0.kind,
                alkemy_core::ProviderErrorKind::BadRequest
                    | alkemy_core::ProviderErrorKind::Unauthorized
                    | alkemy_core::ProviderErrorKind::BudgetExceeded
            );
            if bad {
                bad_input(e.to_string())
            } else {
                anyhow::Error::new(e)
            }
        })?;
    let r = &proposed.report;
    for rejection in &r.rejected {
        eprintln!(
            "warning: {} proposal for scene {} turned down: {}",
            r.model,
            rejection.scene.as_deref().unwrap_or("?"),
            rejection.reason
        );
    }
    eprintln!("shots: {}", super::produce::proposals_summary(r, false));
    Ok(proposed.list)
}
