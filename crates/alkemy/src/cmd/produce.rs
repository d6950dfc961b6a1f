//! `alkemy produce FILE --out DIR`: the whole pipeline, from screenplay to
//! animatic, storyboards and edit, offline by default.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use alkemy_core::{AspectRatio, Money, ProjectSettings, Resolution, UsageRecord};
use alkemy_export::storyboard::pdf::Grid;
use alkemy_providers::production::USAGE_JOURNAL;
use alkemy_providers::quote::ModelTotal;
use alkemy_providers::{ProductionModels, QuoteSheet, Setup};
use alkemy_studio::produce::{
    self, Models, ProduceError, ProduceOptions, Progress, Report, SceneSelection, Script, Stage,
    journal,
};
use alkemy_studio::{PlanOptions, StylePreset};
use anyhow::Context as _;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::exit::bad_input;
use crate::input::read_script;

/// Arguments of `alkemy produce`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The screenplay: Fountain, Final Draft (.fdx), PDF or plain text.
    pub file: PathBuf,
    /// The output folder (created if needed; an earlier run's files are
    /// reused where their inputs did not change).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Frame height: 480p, 720p or 1080p.
    #[arg(long, default_value = "720p")]
    pub resolution: Resolution,
    /// Frames per second.
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=120))]
    pub fps: u32,
    /// Frame aspect ratio: 16:9, 2.39:1, 1.85:1, 4:3, 1:1 or 9:16.
    #[arg(long, default_value = "16:9")]
    pub aspect: AspectRatio,
    /// Only these scenes, by number: `3-7`, `12A`, `1,4-6`.
    #[arg(long)]
    pub scenes: Option<SceneSelection>,
    /// Shot style: classic, documentary or tableau.
    #[arg(long, default_value = "classic")]
    pub style: StylePreset,
    /// Storyboard PDF layout: 2x3 (six panels a page) or 3x3.
    #[arg(long, default_value = "2x3", value_parser = grid)]
    pub pdf_grid: Grid,
    /// Cut scenes straight, without title cards and dissolves.
    #[arg(long)]
    pub no_title_cards: bool,
    /// Shots worked on at once (default: one per core).
    #[arg(long, short = 'j')]
    pub jobs: Option<std::num::NonZeroUsize>,
    /// Print what the production would make and cost, then stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the report as JSON on standard output.
    #[arg(long)]
    pub json: bool,
    /// Put this provider (`fal`, `gemini`, `openai`, `local`) or model
    /// (`fal:flux-pro`) first in the chains. Without keys everything is
    /// made offline.
    #[arg(long)]
    pub provider: Option<String>,
    /// Most this production may spend, in US dollars. A production quoted
    /// above it does not start; a request that would pass it is never sent.
    #[arg(long, value_parser = budget)]
    pub budget: Option<Money>,
    /// Providers configuration (TOML with `[chains]`, `[retry]`,
    /// `[timeouts]`…).
    #[arg(long, env = "ALKEMY_PROVIDERS_CONFIG")]
    pub config: Option<PathBuf>,
    /// A price file overriding the built-in table.
    #[arg(long, env = "ALKEMY_PRICES")]
    pub prices: Option<PathBuf>,
}

/// `--budget`: US dollars, not negative.
fn budget(s: &str) -> Result<Money, String> {
    match s.parse::<Money>() {
        Ok(m) if m >= Money::ZERO => Ok(m),
        Ok(_) => Err("must not be negative".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// `--pdf-grid`: `2x3` or `3x3`.
fn grid(s: &str) -> Result<Grid, String> {
    match s {
        "2x3" => Ok(Grid::TWO_BY_THREE),
        "3x3" => Ok(Grid::THREE_BY_THREE),
        other => Err(format!("unknown layout {other:?}; expected 2x3 or 3x3")),
    }
}

fn options(args: &Args) -> anyhow::Result<ProduceOptions> {
    if args.out.is_file() {
        return Err(bad_input(format!(
            "--out {}: is a file; give a folder",
            args.out.display()
        )));
    }
    let mut options = ProduceOptions::new(&args.out);
    options.settings = ProjectSettings {
        aspect: args.aspect,
        resolution: args.resolution,
        fps: args.fps,
        style: args.style.name().to_owned(),
        budget: None,
    };
    options.plan = PlanOptions::with_style(args.style);
    options.scenes = args.scenes.clone();
    options.title_cards = !args.no_title_cards;
    options.pdf_grid = args.pdf_grid;
    if let Some(jobs) = args.jobs {
        options.concurrency = jobs.get();
    }
    Ok(options)
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let options = options(&args)?;
    let budget = args.budget;
    let (bytes, name) = read_script(&args.file)?;
    let script = Script { name, bytes };
    let offline = Models::offline();
    let setup = Setup {
        config: args.config.clone(),
        prices: args.prices.clone(),
        provider: args.provider.clone(),
        budget,
        state_dir: options.out_dir.join(journal::STATE_DIR),
        dry_run: args.dry_run,
        local_image: offline.image.clone(),
        local_video: offline.video.clone(),
    };
    let providers = ProductionModels::open(&setup).map_err(|e| {
        if e.is_bad_input() {
            bad_input(e.to_string())
        } else {
            anyhow::Error::new(e).context("setting up the providers")
        }
    })?;
    let models = Models {
        image: providers.image.clone(),
        video: providers.video.clone(),
        text: None,
    };
    if !providers.is_offline() && !args.json {
        eprintln!(
            "models: stills {}; clips {}; budget {}",
            providers.chains.image.join(" → "),
            providers.chains.video.join(" → "),
            budget.map_or_else(|| "none".to_owned(), |b| b.to_string())
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let bars = Bars::new(args.json);
    let started = Instant::now();
    let outcome = runtime.block_on(async {
        let prepared = produce::prepare(&script, &options, &models, &bars).await?;
        let quote = produce::quote(&prepared, &options, &models);
        let sheet = providers.take_quotes();
        if args.dry_run {
            return Ok(Outcome::Quote(quote, sheet));
        }
        if let Some(limit) = budget
            && quote.total > limit
        {
            return Ok(Outcome::OverBudget(quote, sheet, limit));
        }
        produce::produce_prepared(prepared, &options, &models, &bars)
            .await
            .map(Outcome::Report)
    });
    bars.clear();
    let outcome = outcome.map_err(|e: ProduceError| {
        let bad = e.is_bad_input();
        let err = anyhow::Error::new(e);
        if bad {
            bad_input(format!("{err:#}"))
        } else {
            err
        }
    })?;
    match outcome {
        Outcome::OverBudget(quote, sheet, limit) => {
            Err(bad_input(over_budget(&quote, &sheet, limit)))
        }
        Outcome::Quote(quote, sheet) if args.json => {
            print_json(&DryRun {
                quote: &quote,
                models: sheet.by_model(),
                budget,
                fits_budget: budget.is_none_or(|b| quote.total <= b),
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Quote(quote, sheet) => {
            print_quote(&quote, &sheet, budget);
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Report(report) => {
            let usage = Usage::of(&providers);
            if args.json {
                print_json(&Produced {
                    report: &report,
                    usage,
                })?;
            } else {
                print_report(&report, started.elapsed().as_secs_f64());
                print_usage(&usage, &report);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

enum Outcome {
    Quote(produce::Quote, QuoteSheet),
    OverBudget(produce::Quote, QuoteSheet, Money),
    Report(Report),
}

/// `--dry-run --json`: the studio's quote, then the router's lines per model.
#[derive(serde::Serialize)]
struct DryRun<'a> {
    #[serde(flatten)]
    quote: &'a produce::Quote,
    /// Requests per model that would answer first, cached ones included.
    models: Vec<ModelTotal>,
    budget: Option<Money>,
    fits_budget: bool,
}

/// `--json` after a run: the report and what the providers were paid.
#[derive(serde::Serialize)]
struct Produced<'a> {
    #[serde(flatten)]
    report: &'a Report,
    usage: Usage,
}

/// This run's usage ledger.
#[derive(serde::Serialize)]
struct Usage {
    /// What the calls cost, by the ledger.
    total: Money,
    /// Where the ledger is kept, relative to the output folder.
    journal: Option<String>,
    /// One record per successful call, with the models passed over.
    records: Vec<UsageRecord>,
}

impl Usage {
    fn of(providers: &ProductionModels) -> Self {
        let records = providers.run_usage();
        Self {
            total: UsageRecord::total(&records),
            journal: (!providers.is_offline())
                .then(|| format!("{}/{USAGE_JOURNAL}", journal::STATE_DIR)),
            records,
        }
    }
}

fn over_budget(quote: &produce::Quote, sheet: &QuoteSheet, limit: Money) -> String {
    let parts: Vec<String> = sheet
        .by_model()
        .iter()
        .filter(|t| t.cost > Money::ZERO)
        .map(|t| format!("{} × {} {}", t.requests, t.model, t.cost))
        .collect();
    format!(
        "the production is quoted at {} ({}), over --budget {limit}; nothing was sent. \
         Raise --budget, produce fewer scenes (--scenes) or use cheaper models \
         (--provider local is free); `--dry-run` shows the full quote",
        quote.total,
        if parts.is_empty() {
            "no paid request".to_owned()
        } else {
            parts.join(", ")
        }
    )
}

fn print_quote(quote: &produce::Quote, sheet: &QuoteSheet, budget: Option<Money>) {
    println!("Dry run: nothing was generated or sent.");
    println!(
        "  frames  {:>5} to make with {:<24} {}   ({} reusable)",
        quote.frames_to_make, quote.image_model, quote.frames_cost, quote.frames_reused
    );
    println!(
        "  clips   {:>5} to make with {:<24} {}",
        quote.clips_to_make, quote.video_model, quote.clips_cost
    );
    if sheet.lines.is_empty() {
        println!("  total   {}", quote.total);
        return;
    }
    println!("By the model that would answer first (cached: already paid for, free):");
    for line in sheet.render(budget).lines() {
        println!("  {line}");
    }
}

fn print_usage(usage: &Usage, report: &Report) {
    if usage.records.is_empty() {
        return;
    }
    let mut by_model: BTreeMap<&str, (u64, Money)> = BTreeMap::new();
    for r in &usage.records {
        let e = by_model.entry(r.model.as_str()).or_default();
        e.0 += 1;
        e.1 += r.cost;
    }
    for (model, (calls, cost)) in by_model {
        println!("  paid    {calls:>4} × {model:<24} {cost}");
    }
    for r in usage.records.iter().filter(|r| !r.skipped.is_empty()) {
        let passed: Vec<String> = r
            .skipped
            .iter()
            .map(|s| format!("{} ({})", s.model, s.reason))
            .collect();
        println!(
            "  fallback shot {} {}: made by {} after {}",
            r.shot_id.as_deref().unwrap_or("?"),
            r.capability,
            r.model,
            passed.join("; ")
        );
    }
    if usage.total != report.cost {
        println!(
            "  warning: the usage ledger says {} but the outputs record {}",
            usage.total, report.cost
        );
    }
    if let Some(journal) = &usage.journal {
        println!("  ledger  {journal}");
    }
}

fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(value).context("serialising the report")?
    );
    Ok(())
}

fn print_report(report: &Report, seconds: f64) {
    let fps = u64::from(report.fps.max(1));
    let s = report.frames.div_ceil(fps);
    println!(
        "Produced {:?} in {} in {seconds:.1} s",
        report.title,
        report.out_dir.display()
    );
    println!(
        "  {} scenes, {} shots, animatic {}:{:02}:{:02} at {} fps",
        report.scenes,
        report.shots,
        s / 3600,
        (s / 60) % 60,
        s % 60,
        report.fps
    );
    println!(
        "  frames  {} made, {} reused",
        report.frames_made, report.frames_reused
    );
    println!(
        "  clips   {} made, {} reused",
        report.clips_made, report.clips_reused
    );
    println!("  cost    {}", report.cost);
    if !report.removed.is_empty() {
        println!(
            "  removed {} files of shots that no longer exist",
            report.removed.len()
        );
    }
    for warning in &report.warnings {
        println!("  warning: {warning}");
    }
    println!(
        "  files   animatic.mp4 storyboard.html storyboard.pdf timeline.otio timeline.edl timeline.fcpxml shots.csv shots.json analysis.json manifest.json frames/ clips/"
    );
}

/// Progress bars on a terminal; one line per finished stage otherwise.
struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<Stage, ProgressBar>>,
    tty: bool,
    quiet: bool,
}

impl Bars {
    fn new(quiet: bool) -> Self {
        let tty = std::io::stderr().is_terminal() && !quiet;
        let target = if tty {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Self {
            multi: MultiProgress::with_draw_target(target),
            bars: Mutex::new(HashMap::new()),
            tty,
            quiet,
        }
    }

    fn bar(&self, stage: Stage) -> Option<ProgressBar> {
        self.bars
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&stage)
            .cloned()
    }

    fn clear(&self) {
        let _ = self.multi.clear();
    }
}

impl Progress for Bars {
    fn start(&self, stage: Stage, total: u64) {
        let bar = self.multi.add(ProgressBar::new(total));
        let style = ProgressStyle::with_template(
            "{prefix:>9} [{bar:32}] {pos:>5}/{len:<5} {elapsed:>4} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(stage.name());
        self.bars
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(stage, bar);
    }

    fn advance(&self, stage: Stage, done: u64, _reused: u64) {
        if let Some(bar) = self.bar(stage) {
            bar.inc(done);
        }
    }

    fn finish(&self, stage: Stage, summary: &str) {
        if let Some(bar) = self.bar(stage) {
            bar.finish_with_message(summary.to_owned());
        }
        if !self.tty && !self.quiet {
            eprintln!("{:>9}: {summary}", stage.name());
        }
    }
}
