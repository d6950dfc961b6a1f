//! `alkemy produce FILE --out DIR`: the whole pipeline, from screenplay to
//! animatic, storyboards and edit, offline by default.
//!
//! With a text model the order is: read the script, build the shot-proposal
//! requests, quote them (with the frames and clips of the rules' plan) and
//! check `--budget`, and only then send them; the merged plan is quoted
//! again, exactly, before any frame or clip is made.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use alkemy_core::{AspectRatio, Money, ProjectSettings, Resolution, UsageRecord};
use alkemy_export::storyboard::pdf::Grid;
use alkemy_providers::production::USAGE_JOURNAL;
use alkemy_providers::quote::ModelTotal;
use alkemy_providers::{BudgetBackend, ProductionModels, QuoteSheet, Setup, TextUse};
use alkemy_studio::produce::{
    self, Models, Prepared, ProduceError, ProduceOptions, Progress, Report, SceneSelection, Script,
    Silent, Stage, journal,
};
use alkemy_studio::propose::{ProposalQuote, ProposalReport};
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
    /// The providers: `--provider`, `--config`, `--prices`.
    #[command(flatten)]
    pub providers: ProviderArgs,
    /// Most this production may spend, in US dollars. A production quoted
    /// above it does not start; a request that would pass it is never sent.
    #[arg(long, value_parser = budget)]
    pub budget: Option<Money>,
    /// Who designs the shots. `auto`: a text model proposes them when one
    /// is configured (a Gemini or OpenAI key, `ALKEMY_OPENAI_URL`, or
    /// `[chains] text`) and `--provider` is not `local`; the rules alone
    /// otherwise. `rules`: the offline, deterministic rules only. `model`: a
    /// text model must propose them. Proposals are validated and merged with
    /// the rules, quoted before they are sent, and cached.
    #[arg(long, value_enum, default_value = "auto")]
    pub shots: ShotsFrom,
}

/// The provider flags `produce` and `worker` share.
#[derive(Debug, Clone, clap::Args)]
pub struct ProviderArgs {
    /// Put this provider (`fal`, `gemini`, `openai`, `local`) or model
    /// (`fal:flux-pro`) first in the chains. Without keys everything is
    /// made offline.
    #[arg(long)]
    pub provider: Option<String>,
    /// Providers configuration (TOML with `[chains]`, `[retry]`,
    /// `[timeouts]`…).
    #[arg(long, env = "ALKEMY_PROVIDERS_CONFIG")]
    pub config: Option<PathBuf>,
    /// A price file overriding the built-in table.
    #[arg(long, env = "ALKEMY_PRICES")]
    pub prices: Option<PathBuf>,
}

/// `--shots`: who designs the shots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShotsFrom {
    /// A text model when one is configured, the rules otherwise.
    Auto,
    /// The rules alone (offline, deterministic).
    Rules,
    /// A text model, validated and merged with the rules.
    Model,
}

impl ShotsFrom {
    fn text_use(self) -> TextUse {
        match self {
            ShotsFrom::Auto => TextUse::Auto,
            ShotsFrom::Rules => TextUse::Off,
            ShotsFrom::Model => TextUse::Required,
        }
    }
}

/// `--budget`: US dollars, not negative.
pub(crate) fn budget(s: &str) -> Result<Money, String> {
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
    let script = Script {
        name,
        bytes,
        format: None,
    };
    let offline = Models::offline();
    let setup = Setup {
        config: args.providers.config.clone(),
        prices: args.providers.prices.clone(),
        provider: args.providers.provider.clone(),
        budget,
        state_dir: options.out_dir.join(journal::STATE_DIR),
        dry_run: args.dry_run,
        text: args.shots.text_use(),
        local_image: offline.image.clone(),
        local_video: offline.video.clone(),
    };
    let providers = open_providers(&setup, None)?;
    let models = Models {
        image: providers.image.clone(),
        video: providers.video.clone(),
        text: providers.text.clone(),
    };
    if !providers.is_offline() && !args.json {
        let shots = if providers.chains.text.is_empty() {
            "rules".to_owned()
        } else {
            providers.chains.text.join(" → ")
        };
        eprintln!(
            "models: shots {shots}; stills {}; clips {}; budget {}",
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
        let planned = match plan(&script, &options, &models, &providers, &args, &bars).await? {
            Planning::Done(planned) => *planned,
            Planning::Stop(outcome) => return Ok(*outcome),
        };
        let mut sheet = planned.sheet;
        let mut quote = produce::quote(&planned.prepared, &options, &models);
        sheet.lines.extend(providers.take_quotes().lines);
        if let Some(spent) = planned.proposals_quote {
            quote = quote.with_proposals(spent, false);
        }
        if args.dry_run {
            return Ok(Outcome::Quote(quote, sheet));
        }
        if let Some(limit) = budget
            && quote.total > limit
        {
            return Ok(Outcome::OverBudget(quote, sheet, limit));
        }
        produce::produce_prepared(planned.prepared, &options, &models, &bars)
            .await
            .map(|report| Outcome::Report(report, planned.proposals))
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
        Outcome::Report(report, proposals) => {
            let usage = Usage::of(&providers);
            if args.json {
                print_json(&Produced {
                    report: &report,
                    proposals: proposals.as_ref(),
                    usage,
                })?;
            } else {
                print_report(
                    &report,
                    proposals.as_ref(),
                    usage.rejected,
                    started.elapsed().as_secs_f64(),
                );
                let proposals_cost = proposals.as_ref().map_or(Money::ZERO, |p| p.cost);
                print_usage(&usage, report.cost + proposals_cost + usage.rejected);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

enum Outcome {
    Quote(produce::Quote, QuoteSheet),
    OverBudget(produce::Quote, QuoteSheet, Money),
    Report(Report, Option<ProposalReport>),
}

/// The shots planned, or a reason to stop before they are.
enum Planning {
    Done(Box<Planned>),
    Stop(Box<Outcome>),
}

/// A plan and what its text calls were quoted at.
struct Planned {
    prepared: Prepared,
    /// What the model contributed, when it proposed shots.
    proposals: Option<ProposalReport>,
    /// The proposals as they now stand: their requests, at what they cost.
    proposals_quote: Option<ProposalQuote>,
    /// The text requests' quote lines.
    sheet: QuoteSheet,
}

/// Plans the shots. With a text model, the proposal requests are quoted
/// first; unless every answer is cached, the dry run stops there (pricing
/// the frames and clips of the rules' plan) and a budget below that quote
/// refuses the production before any request is sent.
async fn plan(
    script: &Script,
    options: &ProduceOptions,
    models: &Models,
    providers: &ProductionModels,
    args: &Args,
    bars: &Bars,
) -> Result<Planning, ProduceError> {
    let analyzed = produce::analyze(script, options, bars)?;
    let image = models.image.id();
    let Some(text) = &models.text else {
        let planned = produce::plan_shots(analyzed, options, image, None, bars).await?;
        return Ok(Planning::Done(Box::new(Planned {
            prepared: planned.prepared,
            proposals: None,
            proposals_quote: None,
            sheet: QuoteSheet::new(),
        })));
    };
    let requests = produce::proposal_requests(&analyzed, options);
    let text_quote = requests.quote(text.as_ref());
    let sheet = providers.take_quotes();
    let all_cached = sheet.lines.iter().all(|l| l.cached);
    if !all_cached && (args.dry_run || args.budget.is_some()) {
        // The model has not been asked: price the rules' plan with it.
        let rules = produce::plan_shots(analyzed.clone(), options, image, None, &Silent).await?;
        let quote = produce::quote(&rules.prepared, options, models)
            .with_proposals(text_quote.clone(), true);
        let mut estimate = sheet.clone();
        estimate.lines.extend(providers.take_quotes().lines);
        if args.dry_run {
            return Ok(Planning::Stop(Box::new(Outcome::Quote(quote, estimate))));
        }
        if let Some(limit) = args.budget
            && quote.total > limit
        {
            return Ok(Planning::Stop(Box::new(Outcome::OverBudget(
                quote, estimate, limit,
            ))));
        }
    }
    let planned = produce::plan_shots(
        analyzed,
        options,
        image,
        Some((text.as_ref(), requests)),
        bars,
    )
    .await?;
    // What the proposals cost now they are made (nothing when cached).
    let spent = ProposalQuote {
        cost: planned.proposals.as_ref().map_or(Money::ZERO, |p| p.cost),
        ..text_quote
    };
    // Lines quoted for requests now sent are spent, not quoted: the spent
    // total stands in for them.
    let sheet = if all_cached { sheet } else { QuoteSheet::new() };
    Ok(Planning::Done(Box::new(Planned {
        prepared: planned.prepared,
        proposals: planned.proposals,
        proposals_quote: Some(spent),
        sheet,
    })))
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

/// `--json` after a run: the report, the model's shot proposals and what
/// the providers were paid.
#[derive(serde::Serialize)]
struct Produced<'a> {
    #[serde(flatten)]
    report: &'a Report,
    #[serde(skip_serializing_if = "Option::is_none")]
    proposals: Option<&'a ProposalReport>,
    usage: Usage,
}

/// This run's usage ledger.
#[derive(serde::Serialize)]
struct Usage {
    /// What the calls cost, by the ledger.
    total: Money,
    /// Of `total`, what answers the providers billed but that were turned
    /// down (malformed, cut off, refused) cost.
    rejected: Money,
    /// Where the ledger is kept, relative to the output folder.
    journal: Option<String>,
    /// One record per billed call, with the models passed over; a turned-down
    /// answer's record says why (`rejected`).
    records: Vec<UsageRecord>,
}

impl Usage {
    fn of(providers: &ProductionModels) -> Self {
        let records = providers.run_usage();
        Self {
            total: UsageRecord::total(&records),
            rejected: UsageRecord::total(records.iter().filter(|r| r.is_rejected())),
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
    let sent = match &quote.proposals {
        Some(p) if !quote.shots_estimated && p.cost > Money::ZERO => format!(
            "only the shot proposals were sent ({} to {}); no frame or clip was made",
            p.cost, p.model
        ),
        _ => "nothing was sent".to_owned(),
    };
    let estimated = if quote.shots_estimated {
        " (frames and clips priced for the rules' plan, before the model proposes)"
    } else {
        ""
    };
    format!(
        "the production is quoted at {}{estimated} ({}), over --budget {limit}; {sent}. \
         Raise --budget, produce fewer scenes (--scenes), plan with the rules (--shots rules) \
         or use cheaper models (--provider local is free); `--dry-run` shows the full quote",
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
    if let Some(p) = &quote.proposals {
        println!(
            "  shots   {:>5} to ask of    {:<24} {}   (requests for {}; at most: every answer as long as allowed)",
            p.requests,
            p.model,
            p.cost,
            count(p.scenes as usize, "scene")
        );
    }
    if quote.shots_estimated {
        println!(
            "  frames and clips are priced for the rules' plan: the model has not proposed yet and may \
             change the number of shots (the budget is checked again before any frame is made)"
        );
    }
    if sheet.lines.is_empty() {
        println!("  total   {}", quote.total);
        return;
    }
    println!("By the model that would answer first (cached: already paid for, free):");
    for line in sheet.render(budget).lines() {
        println!("  {line}");
    }
}

/// `n` and the noun, plural unless `n` is 1.
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// One line on what a text model proposed: accepted (with the scenes, when
/// `scenes` is set), turned down, repaired, requests and cost.
pub(crate) fn proposals_summary(p: &ProposalReport, scenes: bool) -> String {
    let scenes = match (scenes, p.scenes.is_empty()) {
        (false, _) => String::new(),
        (true, true) => " (no scene)".to_owned(),
        (true, false) => format!(" (scenes {})", p.scenes.join(", ")),
    };
    format!(
        "{} proposed by {} accepted{scenes}, {} turned down, {} repaired; {}, {}",
        p.accepted,
        p.model,
        p.rejected.len(),
        p.repaired.len(),
        count(p.requests as usize, "request"),
        p.cost
    )
}

/// Opens the providers a run asks for, with an in-memory budget of
/// `setup.budget` or, given `shared`, reserving through that budget; a
/// wrong configuration, price file or flag is the user's to fix (exit 2).
pub(crate) fn open_providers(
    setup: &Setup,
    shared: Option<Arc<dyn BudgetBackend>>,
) -> anyhow::Result<ProductionModels> {
    let opened = match shared {
        Some(budget) => ProductionModels::open_shared(setup, budget),
        None => ProductionModels::open(setup),
    };
    opened.map_err(|e| {
        if e.is_bad_input() {
            bad_input(e.to_string())
        } else {
            anyhow::Error::new(e).context("setting up the providers")
        }
    })
}

/// `recorded`: what the outputs and proposals say this run cost.
fn print_usage(usage: &Usage, recorded: Money) {
    if usage.records.is_empty() {
        return;
    }
    let mut by_model: BTreeMap<(bool, &str), (u64, Money)> = BTreeMap::new();
    for r in &usage.records {
        let e = by_model
            .entry((r.is_rejected(), r.model.as_str()))
            .or_default();
        e.0 += 1;
        e.1 += r.cost;
    }
    for ((rejected, model), (calls, cost)) in by_model {
        if rejected {
            println!(
                "  paid    {calls:>4} × {model:<24} {cost}   (answers turned down: billed, not used)"
            );
        } else {
            println!("  paid    {calls:>4} × {model:<24} {cost}");
        }
    }
    for r in usage.records.iter() {
        if let Some(why) = &r.rejected {
            println!(
                "  turned down {} answer of {}: {why}",
                r.capability, r.model
            );
        }
    }
    for r in usage.records.iter().filter(|r| !r.skipped.is_empty()) {
        let passed: Vec<String> = r
            .skipped
            .iter()
            .map(|s| format!("{} ({})", s.model, s.reason))
            .collect();
        let what = match r.shot_id.as_deref() {
            Some(shot) => format!("shot {shot} {}", r.capability),
            None => r.capability.to_string(),
        };
        println!(
            "  fallback {what}: made by {} after {}",
            r.model,
            passed.join("; ")
        );
    }
    if usage.total != recorded {
        println!(
            "  warning: the usage ledger says {} but the outputs record {recorded}",
            usage.total
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

fn print_report(
    report: &Report,
    proposals: Option<&ProposalReport>,
    rejected: Money,
    seconds: f64,
) {
    let fps = u64::from(report.fps.max(1));
    println!(
        "Produced {:?} in {} in {seconds:.1} s",
        report.title,
        report.out_dir.display()
    );
    println!(
        "  {} scenes, {} shots, animatic {} at {} fps",
        report.scenes,
        report.shots,
        // As the progress line says it.
        alkemy_studio::produce::clock(report.frames * 1000 / fps),
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
    if let Some(p) = proposals {
        println!("  shots   {}", proposals_summary(p, true));
        let turned_down = if rejected == Money::ZERO {
            String::new()
        } else {
            format!(", {rejected} answers billed but turned down")
        };
        println!(
            "  cost    {} ({} frames and clips, {} shot proposals{turned_down})",
            report.cost + p.cost + rejected,
            report.cost,
            p.cost
        );
    } else {
        println!("  cost    {}", report.cost);
    }
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
