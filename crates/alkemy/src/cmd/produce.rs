//! `alkemy produce FILE --out DIR`: the whole pipeline, from screenplay to
//! animatic, storyboards and edit, offline by default.

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use alkemy_core::{AspectRatio, ProjectSettings, Resolution};
use alkemy_export::storyboard::pdf::Grid;
use alkemy_studio::produce::{
    self, Models, ProduceError, ProduceOptions, Progress, Report, SceneSelection, Script, Stage,
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
    pub resolution: String,
    /// Frames per second.
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=120))]
    pub fps: u32,
    /// Frame aspect ratio: 16:9, 2.39:1, 1.85:1, 4:3, 1:1 or 9:16.
    #[arg(long, default_value = "16:9")]
    pub aspect: String,
    /// Only these scenes, by number: `3-7`, `12A`, `1,4-6`.
    #[arg(long)]
    pub scenes: Option<String>,
    /// Shot style: classic, documentary or tableau.
    #[arg(long, default_value = "classic")]
    pub style: String,
    /// Storyboard PDF layout: 2x3 (six panels a page) or 3x3.
    #[arg(long, default_value = "2x3")]
    pub pdf_grid: String,
    /// Cut scenes straight, without title cards and dissolves.
    #[arg(long)]
    pub no_title_cards: bool,
    /// Shots worked on at once (default: one per core).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Print what the production would make and cost, then stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the report as JSON on standard output.
    #[arg(long)]
    pub json: bool,
}

fn options(args: &Args) -> anyhow::Result<ProduceOptions> {
    let resolution: Resolution = args
        .resolution
        .parse()
        .map_err(|e| bad_input(format!("--resolution: {e}")))?;
    let aspect: AspectRatio = args
        .aspect
        .parse()
        .map_err(|e| bad_input(format!("--aspect: {e}")))?;
    let style: StylePreset = args
        .style
        .parse()
        .map_err(|e| bad_input(format!("--style: {e}")))?;
    let scenes = args
        .scenes
        .as_deref()
        .map(str::parse::<SceneSelection>)
        .transpose()
        .map_err(|e| bad_input(format!("--scenes: {e}")))?;
    let pdf_grid = match args.pdf_grid.as_str() {
        "2x3" => Grid::TWO_BY_THREE,
        "3x3" => Grid::THREE_BY_THREE,
        other => {
            return Err(bad_input(format!(
                "--pdf-grid: unknown layout {other:?}; expected 2x3 or 3x3"
            )));
        }
    };
    if args.out.is_file() {
        return Err(bad_input(format!(
            "--out {}: is a file; give a folder",
            args.out.display()
        )));
    }
    let mut options = ProduceOptions::new(&args.out);
    options.settings = ProjectSettings {
        aspect,
        resolution,
        fps: args.fps,
        style: style.name().to_owned(),
        budget: None,
    };
    options.plan = PlanOptions::with_style(style);
    options.scenes = scenes;
    options.title_cards = !args.no_title_cards;
    options.pdf_grid = pdf_grid;
    if let Some(jobs) = args.jobs {
        if jobs == 0 {
            return Err(bad_input("--jobs: must be at least 1"));
        }
        options.concurrency = jobs;
    }
    Ok(options)
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let options = options(&args)?;
    let (bytes, name) = read_script(&args.file)?;
    let script = Script { name, bytes };
    let models = Models::offline();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let bars = Bars::new(args.json);
    let started = Instant::now();
    let outcome = runtime.block_on(async {
        let prepared = produce::prepare(&script, &options, &models, &bars).await?;
        if args.dry_run {
            return Ok(Outcome::Quote(produce::quote(&prepared, &options, &models)));
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
        Outcome::Quote(quote) if args.json => print_json(&quote)?,
        Outcome::Quote(quote) => {
            println!("Dry run: nothing was generated or sent.");
            println!(
                "  frames  {:>5} to make with {:<24} {}   ({} reusable)",
                quote.frames_to_make, quote.image_model, quote.frames_cost, quote.frames_reused
            );
            println!(
                "  clips   {:>5} to make with {:<24} {}",
                quote.clips_to_make, quote.video_model, quote.clips_cost
            );
            println!("  total   {}", quote.total);
        }
        Outcome::Report(report) if args.json => print_json(&report)?,
        Outcome::Report(report) => print_report(&report, started.elapsed().as_secs_f64()),
    }
    Ok(ExitCode::SUCCESS)
}

enum Outcome {
    Quote(produce::Quote),
    Report(Report),
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
