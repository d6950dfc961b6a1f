//! The `alkemy` binary: one command line for the whole pipeline.
//!
//! `main` parses flags, sets up logging and hands over to one module per
//! subcommand in [`cmd`]. Every subcommand returns `anyhow::Result`; errors
//! that are the caller's fault (bad file, bad flag) carry a [`exit::BadInput`]
//! so the process exits with status 2, everything else with 1.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod exit;
mod input;

/// mimalloc instead of the system allocator: a parse and breakdown of a
/// feature allocates some ten thousand strings, and glibc's allocator (which
/// also returns and re-faults large blocks) cost a quarter of that time
/// (`docs/benchmarks.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Alkemy: from screenplay to storyboard, animatic and edit.
#[derive(Debug, Parser)]
#[command(name = "alkemy", version, about, propagate_version = true)]
struct Cli {
    /// More log output (-v info, -vv debug); `RUST_LOG` overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse a screenplay and print its breakdown.
    Analyze(cmd::analyze::Args),
    /// Plan the shots of a screenplay and print the shot list.
    Shots(cmd::shots::Args),
    /// Produce a screenplay: storyboard, animatic, edit and exports.
    Produce(cmd::produce::Args),
    /// Apply the database migrations.
    Migrate(cmd::migrate::Args),
    /// Queue the production of a screenplay as jobs on the store.
    Submit(cmd::submit::Args),
    /// Run queued jobs (many workers may share a PostgreSQL queue).
    Worker(cmd::worker::Args),
    /// Export a project (`--format bundle`: a portable archive; `--format
    /// folder`: its finished production).
    Export(cmd::export::Args),
    /// Import a project bundle written by `alkemy export --format bundle`.
    Import(cmd::import::Args),
    /// Cloud providers: chains, prices, key checks and the key vault.
    Providers(cmd::providers::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let result = match cli.command {
        Command::Analyze(args) => cmd::analyze::run(args),
        Command::Shots(args) => cmd::shots::run(args),
        Command::Produce(args) => cmd::produce::run(args),
        Command::Migrate(args) => cmd::migrate::run(args),
        Command::Submit(args) => cmd::submit::run(args),
        Command::Worker(args) => cmd::worker::run(args),
        Command::Export(args) => cmd::export::run(args),
        Command::Import(args) => cmd::import::run(args),
        Command::Providers(args) => cmd::providers::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => exit::report(&err),
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
