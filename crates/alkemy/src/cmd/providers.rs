//! `alkemy providers list|check|quote|set-key|remove-key`: see and test the
//! cloud providers, their chains and prices, and manage keys in the vault.

use std::io::{BufRead as _, IsTerminal as _};
use std::path::PathBuf;
use std::process::ExitCode;

use alkemy_core::{Capability, Money};
use alkemy_providers::check::{check_all, fal_check_quote};
use alkemy_providers::config::{ChainIds, KEY_VARS};
use alkemy_providers::vault::{FileKeyring, MasterKey, default_locations};
use alkemy_providers::{Endpoints, Keys, PriceTable, ProvidersConfig, Registry, Timeouts};
use anyhow::Context as _;

use crate::exit::bad_input;

/// Arguments of `alkemy providers`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Providers configuration (TOML with `[chains]`, `[concurrency]`…).
    #[arg(long, global = true, env = "ALKEMY_PROVIDERS_CONFIG")]
    pub config: Option<PathBuf>,
    /// A price file overriding the built-in table.
    #[arg(long, global = true, env = "ALKEMY_PRICES")]
    pub prices: Option<PathBuf>,
    /// Put this provider (`fal`, `gemini`, `openai`, `local`) or model
    /// (`fal:flux-pro`) first in the chains.
    #[arg(long, global = true)]
    pub provider: Option<String>,
    #[command(subcommand)]
    pub action: Action,
}

/// What to do.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Show the chains, which keys are set (never their values) and prices.
    List,
    /// Call each configured provider once, as cheaply as possible, and report
    /// which keys work.
    Check {
        /// Also run Fal's check, which makes one tiny paid image.
        #[arg(long)]
        paid: bool,
    },
    /// Price one request with the head of a chain.
    Quote {
        /// `image`, `video`, `text` or `identity`.
        kind: String,
        /// Images, or clips, wanted.
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// Width in pixels.
        #[arg(long, default_value_t = 1280)]
        width: u32,
        /// Height in pixels.
        #[arg(long, default_value_t = 720)]
        height: u32,
        /// Clip length in seconds.
        #[arg(long, default_value_t = 8)]
        seconds: u32,
        /// Tokens in and out, for text.
        #[arg(long, default_value_t = 10_000)]
        tokens: u64,
    },
    /// Store a key in the encrypted vault, read from standard input.
    SetKey {
        /// `FAL_KEY`, `GEMINI_API_KEY` or `OPENAI_API_KEY`.
        name: String,
    },
    /// Remove a key from the vault.
    RemoveKey {
        /// The key's name.
        name: String,
    },
}

fn keyring() -> anyhow::Result<FileKeyring> {
    let (master, ring) = default_locations()
        .context("cannot find a config directory: set ALKEMY_CONFIG_DIR and ALKEMY_DATA_DIR")?;
    let key = MasterKey::load_or_create(&master)?;
    Ok(FileKeyring::new(ring, key))
}

fn check_name(name: &str) -> anyhow::Result<()> {
    if KEY_VARS.iter().any(|(_, var)| *var == name) {
        Ok(())
    } else {
        Err(bad_input(format!(
            "unknown key name {name:?}; expected FAL_KEY, GEMINI_API_KEY or OPENAI_API_KEY"
        )))
    }
}

fn registry(args: &Args) -> anyhow::Result<(Registry, ChainIds)> {
    let endpoints = Endpoints::from_env().map_err(|e| bad_input(e.to_string()))?;
    let mut keys = Keys::from_env();
    if let Ok(ring) = keyring() {
        keys = keys.fill_from(&ring)?;
    }
    let prices = PriceTable::load(args.prices.as_deref()).map_err(|e| bad_input(e.to_string()))?;
    let config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| bad_input(format!("{}: {e}", path.display())))?;
            ProvidersConfig::parse(&text, &path.display().to_string())
                .map_err(|e| bad_input(e.to_string()))?
        }
        None => ProvidersConfig::default(),
    };
    let mut ids = ChainIds::resolve(&config.chains, &keys, &endpoints);
    if let Some(p) = &args.provider {
        ids.prefer(p).map_err(|e| bad_input(e.to_string()))?;
    }
    Ok((
        Registry::new(endpoints, keys, prices, Timeouts::default()),
        ids,
    ))
}

const CAPS: [Capability; 4] = [
    Capability::Text,
    Capability::Image,
    Capability::Video,
    Capability::Identity,
];

fn price_summary(prices: &PriceTable, id: &str) -> String {
    let Some(p) = prices.get(id) else {
        return "no price".to_owned();
    };
    if p.free {
        return "free".to_owned();
    }
    let mut parts = Vec::new();
    let mut add = |m: Option<Money>, unit: &str| {
        if let Some(m) = m {
            parts.push(format!("{m}/{unit}"));
        }
    };
    add(p.per_image, "image");
    add(p.per_megapixel, "MP");
    add(p.per_video_second, "s");
    add(p.per_clip, "clip");
    add(p.per_million_input_tokens, "M in");
    add(p.per_million_output_tokens, "M out");
    add(p.per_training_run, "run");
    parts.join(", ")
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match &args.action {
        Action::SetKey { name } => {
            check_name(name)?;
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprintln!("paste the {name} value and press Enter:");
            }
            let mut line = String::new();
            stdin.lock().read_line(&mut line)?;
            let secret = line.trim();
            if secret.is_empty() {
                return Err(bad_input("no key given on standard input"));
            }
            keyring()?.set(name, secret)?;
            println!("{name} stored, encrypted");
            return Ok(ExitCode::SUCCESS);
        }
        Action::RemoveKey { name } => {
            check_name(name)?;
            let removed = keyring()?.remove(name)?;
            println!(
                "{name} {}",
                if removed { "removed" } else { "was not stored" }
            );
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let (registry, ids) = registry(&args)?;
    match args.action {
        Action::List => {
            println!("prices dated {}", registry.prices().date());
            for cap in CAPS {
                println!("{cap}:");
                if ids.get(cap).is_empty() {
                    println!("  (none: offline rules only)");
                }
                for id in ids.get(cap) {
                    println!("  {id:<34} {}", price_summary(registry.prices(), id));
                }
            }
            println!("keys:");
            for (provider, var) in KEY_VARS {
                let set = if registry.keys().has(provider) {
                    "set"
                } else {
                    "not set"
                };
                println!("  {var:<16} {set}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Check { paid } => {
            if paid {
                println!(
                    "the Fal check will cost about {}",
                    fal_check_quote(&registry)
                );
            }
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let results = runtime.block_on(check_all(&registry, paid));
            let mut failed = false;
            for r in &results {
                match &r.result {
                    Ok(what) => println!("{:<7} ok      {what} (cost {})", r.provider, r.cost),
                    Err(why) if !r.configured => println!("{:<7} absent  {why}", r.provider),
                    Err(why) => {
                        failed = true;
                        println!("{:<7} FAILED  {why}", r.provider);
                    }
                }
            }
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Action::Quote {
            kind,
            count,
            width,
            height,
            seconds,
            tokens,
        } => {
            let cap = CAPS
                .into_iter()
                .find(|c| c.as_str() == kind)
                .ok_or_else(|| {
                    bad_input(format!(
                        "unknown kind {kind:?}; expected text, image, video or identity"
                    ))
                })?;
            let Some(head) = ids.get(cap).first() else {
                return Err(bad_input(format!("the {cap} chain is empty")));
            };
            let Some(p) = registry.prices().get(head) else {
                return Err(bad_input(format!("{head} has no price")));
            };
            let cost = match cap {
                Capability::Image => p.images(count, width, height),
                Capability::Video => p.video(seconds).times(u64::from(count)),
                Capability::Text => p.tokens(tokens, tokens),
                Capability::Identity => p.training(1000).times(u64::from(count)),
            };
            println!("{head}: {cost}");
            Ok(ExitCode::SUCCESS)
        }
        Action::SetKey { .. } | Action::RemoveKey { .. } => Ok(ExitCode::SUCCESS),
    }
}
