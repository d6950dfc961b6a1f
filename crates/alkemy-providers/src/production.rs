//! The models of one production (`alkemy produce`, later the server's jobs):
//! configuration, keys and prices turned into an image, a video and (when
//! shots are proposed by a model) a text model the pipeline uses through the
//! capability traits, with the production's budget, usage journal and result
//! cache under its state folder.
//!
//! ```text
//! config + --provider ─► ChainIds ─► head local? ─yes─► the local model itself (offline, free)
//!                                        │ no
//!                                        ▼
//!                   Router (budget, ledger = STATE/usage.jsonl, cache = STATE/provider-cache)
//!                                        ▼
//!                   Chained model: quotes recorded on a QuoteSheet
//! ```
//!
//! The text chain (shot proposals) has no local model: it is routed when
//! [`TextUse`] asks for it and the chain has a member, and left out
//! otherwise, so a production without a text provider plans with the rules
//! alone, exactly as offline.
//!
//! Design decision: a chain whose head is a local model is served by that
//! model directly, not through the router. Local models are deterministic and
//! free, so nothing would ever fall past them; going direct keeps their narrow
//! cache keys (an edit elsewhere in the script does not remake a panel) and
//! makes a production with no keys exactly the offline one.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use alkemy_core::{
    Capability, ContentHash, GeneratedImage, GeneratedVideo, ImageModel, ImageRequest, Money,
    ProviderError, ProviderErrorKind, TextModel, TextRequest, TextResponse, UsageRecord,
    VideoModel, VideoRequest,
};
use async_trait::async_trait;

use crate::budget::{Budget, BudgetBackend};
use crate::cache::DiskCache;
use crate::config::{ChainIds, ConfigError, Endpoints, Keys, ProvidersConfig};
use crate::ledger::{Ledger, LedgerError};
use crate::prices::{PriceError, PriceTable};
use crate::quote::{QuoteLine, QuoteSheet};
use crate::registry::Registry;
use crate::router::{Router, RouterOptions, provider_of};
use crate::vault::{VaultError, default_locations, existing_keyring};

/// The usage journal's file name inside the state folder.
pub const USAGE_JOURNAL: &str = "usage.jsonl";
/// The result cache's folder name inside the state folder.
pub const CACHE_DIR: &str = "provider-cache";

/// Whether a production asks a text model to propose its shots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextUse {
    /// When the text chain has a member (a Gemini or OpenAI key, an
    /// `ALKEMY_OPENAI_URL` server, or `[chains] text`), unless `--provider
    /// local` asks for an offline production.
    #[default]
    Auto,
    /// Never: the rules plan alone.
    Off,
    /// Always: a production without a text model is refused.
    Required,
}

/// What a production asks of the providers.
#[derive(Clone)]
pub struct Setup {
    /// A providers TOML (`[chains]`, `[retry]`, `[timeouts]`…).
    pub config: Option<PathBuf>,
    /// A price file overriding the built-in table.
    pub prices: Option<PathBuf>,
    /// `--provider`: a provider name or `provider:model` put first.
    pub provider: Option<String>,
    /// Hard cap on what the production may spend; `None` for no cap.
    pub budget: Option<Money>,
    /// The production's state folder (`OUT/.alkemy`).
    pub state_dir: PathBuf,
    /// Quote only: nothing is written (no journal, no cache entries) and
    /// nothing is sent (the text model answers from the cache or not at all).
    pub dry_run: bool,
    /// Whether shots are proposed by a text model.
    pub text: TextUse,
    /// The offline still model (`local:previz`).
    pub local_image: Arc<dyn ImageModel>,
    /// The offline clip model (`local:animatic`).
    pub local_video: Arc<dyn VideoModel>,
}

impl std::fmt::Debug for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setup")
            .field("config", &self.config)
            .field("prices", &self.prices)
            .field("provider", &self.provider)
            .field("budget", &self.budget)
            .field("state_dir", &self.state_dir)
            .field("dry_run", &self.dry_run)
            .field("text", &self.text)
            .finish_non_exhaustive()
    }
}

/// Why the providers of a production could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The configuration, a chain or `--provider` is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The price file is wrong.
    #[error(transparent)]
    Prices(#[from] PriceError),
    /// Stored keys could not be read.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The usage journal could not be opened.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// Shots must be proposed by a model but no text model is configured.
    #[error(
        "no text model to propose shots: set GEMINI_API_KEY or OPENAI_API_KEY (or \
         ALKEMY_OPENAI_URL for a local OpenAI-compatible server such as Ollama), or list \
         models under [chains] text in the providers configuration; or plan with the rules \
         (--shots rules)"
    )]
    NoTextModel,
    /// The state folder could not be created.
    #[error("{}: {source}", path.display())]
    Io {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl SetupError {
    /// Whether the user must fix their input (configuration, prices, flags)
    /// rather than the machine failing.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            SetupError::Config(_) | SetupError::Prices(_) | SetupError::NoTextModel
        )
    }
}

/// The models of a production and their bookkeeping.
pub struct ProductionModels {
    /// The still model: the local one, or the routed chain.
    pub image: Arc<dyn ImageModel>,
    /// The clip model: the local one, or the routed chain.
    pub video: Arc<dyn VideoModel>,
    /// The model that proposes shots (the routed text chain), when the
    /// production uses one.
    pub text: Option<Arc<dyn TextModel>>,
    /// The chains as resolved (after `--provider`); the text chain is empty
    /// when the production does not use it.
    pub chains: ChainIds,
    router: Option<Router>,
    quotes: Arc<Mutex<QuoteSheet>>,
    ledger_start: usize,
}

impl std::fmt::Debug for ProductionModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProductionModels")
            .field("image", &self.image.id())
            .field("video", &self.video.id())
            .field("text", &self.text.as_ref().map(|t| t.id().to_owned()))
            .field("chains", &self.chains)
            .field("routed", &self.router.is_some())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Guarded sections are single pushes and clones.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn is_local(chain: &[String]) -> bool {
    chain.first().is_none_or(|id| provider_of(id) == "local")
}

impl ProductionModels {
    /// Keys come from the environment, then the vault (`alkemy providers
    /// set-key`); base URLs from `ALKEMY_*_URL`.
    pub fn open(setup: &Setup) -> Result<Self, SetupError> {
        let endpoints = Endpoints::from_env()?;
        let keys = keys_from_env_and_vault()?;
        Self::open_with(setup, endpoints, keys)
    }

    /// As [`open`](Self::open), but every paid call reserves through
    /// `budget` instead of an in-memory budget of `setup.budget` (a worker:
    /// holds in the store against each job's project budget).
    pub fn open_shared(setup: &Setup, budget: Arc<dyn BudgetBackend>) -> Result<Self, SetupError> {
        let endpoints = Endpoints::from_env()?;
        let keys = keys_from_env_and_vault()?;
        Self::open_inner(setup, endpoints, keys, budget)
    }

    /// As [`open`](Self::open) with the endpoints and keys given.
    pub fn open_with(setup: &Setup, endpoints: Endpoints, keys: Keys) -> Result<Self, SetupError> {
        Self::open_inner(setup, endpoints, keys, Budget::new(setup.budget))
    }

    fn open_inner(
        setup: &Setup,
        endpoints: Endpoints,
        keys: Keys,
        budget: Arc<dyn BudgetBackend>,
    ) -> Result<Self, SetupError> {
        let config = ProvidersConfig::load(setup.config.as_deref())?;
        let prices = PriceTable::load(setup.prices.as_deref())?;
        let mut chains = ChainIds::resolve(&config.chains, &keys, &endpoints);
        if let Some(p) = &setup.provider {
            chains.prefer(p)?;
        }
        let uses_text = match setup.text {
            TextUse::Off => false,
            TextUse::Auto => {
                !chains.text.is_empty() && setup.provider.as_deref().map(str::trim) != Some("local")
            }
            TextUse::Required if chains.text.is_empty() => return Err(SetupError::NoTextModel),
            TextUse::Required => true,
        };
        if !uses_text {
            chains.text.clear();
        }
        let quotes = Arc::new(Mutex::new(QuoteSheet::new()));
        if is_local(&chains.image) && is_local(&chains.video) && !uses_text {
            let image = local_head(&chains.image, setup.local_image.id(), Capability::Image)?;
            let video = local_head(&chains.video, setup.local_video.id(), Capability::Video)?;
            return Ok(Self {
                image: Arc::clone(&setup.local_image),
                video: Arc::clone(&setup.local_video),
                text: None,
                chains: ChainIds {
                    image: vec![image],
                    video: vec![video],
                    ..chains
                },
                router: None,
                quotes,
                ledger_start: 0,
            });
        }
        let mut registry = Registry::new(endpoints, keys, prices, config.client_timeouts());
        registry.register_image(Arc::clone(&setup.local_image));
        registry.register_video(Arc::clone(&setup.local_video));
        let ledger = if setup.dry_run {
            Ledger::new()
        } else {
            std::fs::create_dir_all(&setup.state_dir).map_err(|source| SetupError::Io {
                path: setup.state_dir.clone(),
                source,
            })?;
            Ledger::with_journal(&setup.state_dir.join(USAGE_JOURNAL))?
        };
        let ledger_start = ledger.records().len();
        // The identity chain is not used by a production yet; the text chain
        // is empty unless shots are proposed.
        let routed = ChainIds {
            identity: Vec::new(),
            ..chains.clone()
        };
        let router = registry.router(
            &routed,
            RouterOptions {
                budget,
                ledger,
                cache: Some(DiskCache::new(setup.state_dir.join(CACHE_DIR))),
                retry: config.retry,
                breaker: config.breaker,
                concurrency: config.concurrency.clone(),
                ..RouterOptions::default()
            },
        )?;
        let image: Arc<dyn ImageModel> = if is_local(&chains.image) {
            Arc::clone(&setup.local_image)
        } else {
            Arc::new(Chained::new(
                router.clone(),
                chains.image.clone(),
                Arc::clone(&quotes),
            ))
        };
        let video: Arc<dyn VideoModel> = if is_local(&chains.video) {
            Arc::clone(&setup.local_video)
        } else {
            Arc::new(Chained::new(
                router.clone(),
                chains.video.clone(),
                Arc::clone(&quotes),
            ))
        };
        let text: Option<Arc<dyn TextModel>> = uses_text.then(|| {
            Arc::new(
                Chained::new(router.clone(), chains.text.clone(), Arc::clone(&quotes))
                    .sending(!setup.dry_run),
            ) as Arc<dyn TextModel>
        });
        Ok(Self {
            image,
            video,
            text,
            chains,
            router: Some(router),
            quotes,
            ledger_start,
        })
    }

    /// Whether every model is local: nothing is sent anywhere, nothing costs.
    pub fn is_offline(&self) -> bool {
        self.router.is_none()
    }

    /// The router, when some chain is remote.
    pub fn router(&self) -> Option<&Router> {
        self.router.as_ref()
    }

    /// The budget's limit.
    pub fn budget(&self) -> Option<Money> {
        self.router.as_ref().and_then(|r| r.budget().limit())
    }

    /// The quote lines recorded since the last call (each `quote` the
    /// pipeline asked of a routed model), emptied.
    pub fn take_quotes(&self) -> QuoteSheet {
        std::mem::take(&mut *lock(&self.quotes))
    }

    /// The usage records of this run (the journal also holds earlier runs').
    pub fn run_usage(&self) -> Vec<UsageRecord> {
        self.router
            .as_ref()
            .map(|r| r.ledger().records().split_off(self.ledger_start))
            .unwrap_or_default()
    }
}

/// Keys from the environment, then an existing vault (nothing is created).
fn keys_from_env_and_vault() -> Result<Keys, SetupError> {
    let mut keys = Keys::from_env();
    if let Some((master, ring)) = default_locations()
        && let Some(ring) = existing_keyring(&master, &ring)?
    {
        keys = keys.fill_from(&ring)?;
    }
    Ok(keys)
}

/// The id of a local head, checked against the model registered for it.
fn local_head(chain: &[String], id: &str, capability: Capability) -> Result<String, ConfigError> {
    match chain.first() {
        Some(head) if head != id => Err(ConfigError::UnknownModel {
            id: head.clone(),
            capability,
            known: id.to_owned(),
        }),
        _ => Ok(id.to_owned()),
    }
}

/// A routed chain seen as one model: its cache key names the whole chain
/// (changing `--provider` makes new pictures; the router's cache still
/// answers for free what a member made before), and every quote is recorded.
struct Chained {
    router: Router,
    chain: Vec<String>,
    id: String,
    quotes: Arc<Mutex<QuoteSheet>>,
    /// False in a dry run: text is answered from the cache or not at all.
    send: bool,
}

impl Chained {
    fn new(router: Router, chain: Vec<String>, quotes: Arc<Mutex<QuoteSheet>>) -> Self {
        // The head names the model for prompt limits and reports.
        let id = chain.first().cloned().unwrap_or_default();
        Self {
            router,
            chain,
            id,
            quotes,
            send: true,
        }
    }

    /// Whether requests may be sent (`false`: cached answers only).
    fn sending(mut self, send: bool) -> Self {
        self.send = send;
        self
    }

    fn key<R: serde::Serialize>(&self, capability: Capability, request: &R) -> ContentHash {
        ContentHash::of_json(&("chain-v1", capability, &self.chain, request))
    }

    fn record(&self, line: QuoteLine) -> Money {
        let cost = line.cost;
        lock(&self.quotes).push(line);
        cost
    }
}

#[async_trait]
impl ImageModel for Chained {
    fn id(&self) -> &str {
        &self.id
    }
    fn quote(&self, request: &ImageRequest) -> Money {
        self.record(self.router.quote_image(request))
    }
    fn cache_key(&self, request: &ImageRequest) -> ContentHash {
        self.key(Capability::Image, request)
    }
    async fn generate(&self, request: &ImageRequest) -> Result<Vec<GeneratedImage>, ProviderError> {
        self.router.image().generate(request).await
    }
}

#[async_trait]
impl VideoModel for Chained {
    fn id(&self) -> &str {
        // Never a local id: the pipeline must not take these clips for its
        // own encodings.
        "router:video"
    }
    fn quote(&self, request: &VideoRequest) -> Money {
        self.record(self.router.quote_video(request))
    }
    fn cache_key(&self, request: &VideoRequest) -> ContentHash {
        self.key(Capability::Video, request)
    }
    async fn generate(&self, request: &VideoRequest) -> Result<GeneratedVideo, ProviderError> {
        self.router.video().generate(request).await
    }
}

#[async_trait]
impl TextModel for Chained {
    fn id(&self) -> &str {
        &self.id
    }
    fn quote(&self, request: &TextRequest) -> Money {
        self.record(self.router.quote_text(request))
    }
    async fn generate(&self, request: &TextRequest) -> Result<TextResponse, ProviderError> {
        if self.send {
            return self.router.text().generate(request).await;
        }
        self.router.cached_text(request).ok_or_else(|| {
            ProviderError::new(
                &self.id,
                ProviderErrorKind::Cancelled,
                "a dry run sends nothing and this answer is not cached",
            )
        })
    }
}
