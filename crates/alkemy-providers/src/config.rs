//! Configuration: endpoints, keys, chains and router policies.
//!
//! Precedence follows the rest of Alkemy: flags (`--provider` through
//! [`ChainIds::prefer`]) > environment (`ALKEMY_*_URL`, `*_KEY`) > the
//! `[providers]` TOML (an `alkemy.toml` section or its own file) > defaults
//! derived from which keys exist.
//!
//! ```toml
//! [chains]
//! image = ["fal:flux-dev", "gemini:image", "local:previz"]
//! video = ["gemini:veo-3.1-fast", "fal:kling", "local:animatic"]
//! [concurrency]
//! fal = 4
//! [retry]
//! max_attempts = 4
//! [breaker]
//! threshold = 5
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use alkemy_core::Capability;
use reqwest::Url;
use serde::Deserialize;

use crate::backoff::RetryPolicy;
use crate::context::Timeouts;
use crate::router::{BreakerPolicy, provider_of};
use crate::secret::ApiKey;
use crate::vault::{FileKeyring, VaultError};

/// A configuration mistake; the message says what to change.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A chain names a model Alkemy does not know.
    #[error("unknown {capability} model {id:?}; known: {known}")]
    UnknownModel {
        /// The id.
        id: String,
        /// Which chain.
        capability: Capability,
        /// The ids that would work.
        known: String,
    },
    /// A provider in a chain has no key.
    #[error("{id} needs a {provider} key: set {env} or run `alkemy providers set-key {env}`")]
    MissingKey {
        /// The model.
        id: String,
        /// The provider.
        provider: &'static str,
        /// The variable.
        env: &'static str,
    },
    /// A paid model has no price, so it cannot be quoted.
    #[error("{id} has no entry in the price table; add one to your prices file (ALKEMY_PRICES)")]
    NoPrice {
        /// The model.
        id: String,
    },
    /// A base URL is not a URL.
    #[error("{var}={value:?} is not a valid URL: {message}")]
    BadUrl {
        /// The variable.
        var: &'static str,
        /// The value.
        value: String,
        /// Why.
        message: String,
    },
    /// The TOML is invalid.
    #[error("{origin}: invalid providers configuration: {message}")]
    Parse {
        /// Where it came from.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// `--provider` names nothing known.
    #[error(
        "unknown provider {name:?}; expected fal, gemini, openai, local or a provider:model id"
    )]
    UnknownProvider {
        /// The name.
        name: String,
    },
    /// The keyring could not be read.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Base URLs of the providers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Fal queue (`ALKEMY_FAL_URL`).
    pub fal_queue: Url,
    /// Fal REST/storage (`ALKEMY_FAL_REST_URL`; defaults to `ALKEMY_FAL_URL`
    /// when that is set, so one proxy or mock serves both).
    pub fal_rest: Url,
    /// Gemini API (`ALKEMY_GEMINI_URL`).
    pub gemini: Url,
    /// OpenAI-compatible API including `/v1` (`ALKEMY_OPENAI_URL`).
    pub openai: Url,
}

fn parse_url(var: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value.trim()).map_err(|e| ConfigError::BadUrl {
        var,
        value: value.to_owned(),
        message: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ConfigError::BadUrl {
            var,
            value: value.to_owned(),
            message: "expected an http(s) URL with a host".to_owned(),
        });
    }
    Ok(url)
}

impl Endpoints {
    /// The providers' public endpoints.
    #[allow(clippy::expect_used)]
    pub fn defaults() -> Self {
        // Proven invariant: with no overrides only the built-in constants are
        // parsed, and the `defaults_are_valid` test shows they are URLs.
        Self::from_lookup(|_| None).expect("built-in base URLs are valid")
    }

    /// From the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// From any variable lookup (testable).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let fal = get("ALKEMY_FAL_URL");
        let fal_queue = parse_url(
            "ALKEMY_FAL_URL",
            fal.as_deref().unwrap_or(crate::fal::DEFAULT_QUEUE),
        )?;
        let fal_rest = match get("ALKEMY_FAL_REST_URL") {
            Some(v) => parse_url("ALKEMY_FAL_REST_URL", &v)?,
            None if fal.is_some() => fal_queue.clone(),
            None => parse_url("ALKEMY_FAL_REST_URL", crate::fal::DEFAULT_REST)?,
        };
        let gemini = parse_url(
            "ALKEMY_GEMINI_URL",
            get("ALKEMY_GEMINI_URL")
                .as_deref()
                .unwrap_or(crate::gemini::DEFAULT_BASE),
        )?;
        let openai = parse_url(
            "ALKEMY_OPENAI_URL",
            get("ALKEMY_OPENAI_URL")
                .as_deref()
                .unwrap_or(crate::openai::DEFAULT_BASE),
        )?;
        Ok(Self {
            fal_queue,
            fal_rest,
            gemini,
            openai,
        })
    }

    /// Every base URL.
    pub fn all(&self) -> [&Url; 4] {
        [&self.fal_queue, &self.fal_rest, &self.gemini, &self.openai]
    }

    /// Whether the OpenAI-compatible base is the default (paid) service.
    pub fn openai_is_default(&self) -> bool {
        self.openai.as_str().trim_end_matches('/') == crate::openai::DEFAULT_BASE
    }
}

/// The environment variable of each provider's key.
pub const KEY_VARS: [(&str, &str); 3] = [
    ("fal", "FAL_KEY"),
    ("gemini", "GEMINI_API_KEY"),
    ("openai", "OPENAI_API_KEY"),
];

/// Provider keys (any may be missing).
#[derive(Debug, Clone, Default)]
pub struct Keys {
    /// `FAL_KEY`.
    pub fal: Option<ApiKey>,
    /// `GEMINI_API_KEY`.
    pub gemini: Option<ApiKey>,
    /// `OPENAI_API_KEY`.
    pub openai: Option<ApiKey>,
}

impl Keys {
    /// From the process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// From any variable lookup.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            fal: get("FAL_KEY").and_then(ApiKey::new),
            gemini: get("GEMINI_API_KEY").and_then(ApiKey::new),
            openai: get("OPENAI_API_KEY").and_then(ApiKey::new),
        }
    }

    /// Fills keys missing from the environment from a keyring (stored under
    /// the same variable names). The environment wins.
    pub fn fill_from(mut self, keyring: &FileKeyring) -> Result<Self, ConfigError> {
        for (slot, var) in [
            (&mut self.fal, "FAL_KEY"),
            (&mut self.gemini, "GEMINI_API_KEY"),
            (&mut self.openai, "OPENAI_API_KEY"),
        ] {
            if slot.is_none() {
                *slot = keyring.get(var)?.and_then(ApiKey::new);
            }
        }
        Ok(self)
    }

    /// Whether a provider has a key.
    pub fn has(&self, provider: &str) -> bool {
        match provider {
            "fal" => self.fal.is_some(),
            "gemini" => self.gemini.is_some(),
            "openai" => self.openai.is_some(),
            _ => false,
        }
    }
}

/// Chains as written in configuration: each capability optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// Text chain.
    pub text: Option<Vec<String>>,
    /// Image chain.
    pub image: Option<Vec<String>>,
    /// Video chain.
    pub video: Option<Vec<String>>,
    /// Identity chain.
    pub identity: Option<Vec<String>>,
}

/// The `[providers]` configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvidersConfig {
    /// Chains per capability.
    #[serde(default)]
    pub chains: ChainConfig,
    /// Calls in flight per provider.
    #[serde(default)]
    pub concurrency: BTreeMap<String, usize>,
    /// Retry policy.
    #[serde(default)]
    pub retry: RetryPolicy,
    /// Circuit breaker policy.
    #[serde(default)]
    pub breaker: BreakerPolicy,
    /// Request timeouts and polling intervals.
    #[serde(default)]
    pub timeouts: TimeoutsConfig,
}

/// The `[timeouts]` table: overrides of [`Timeouts::default`], in
/// milliseconds (short values make tests and impatient proxies fast).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimeoutsConfig {
    /// One HTTP request.
    pub request_ms: Option<u64>,
    /// One result download.
    pub download_ms: Option<u64>,
    /// First wait after submitting a long-running job.
    pub poll_initial_ms: Option<u64>,
    /// Longest wait between polls.
    pub poll_max_ms: Option<u64>,
    /// Overall limit of an image job.
    pub image_ms: Option<u64>,
    /// Overall limit of a video job.
    pub video_ms: Option<u64>,
    /// Overall limit of a training job.
    pub training_ms: Option<u64>,
}

impl TimeoutsConfig {
    /// The defaults with these overrides applied.
    pub fn apply(&self, mut t: Timeouts) -> Timeouts {
        let ms = Duration::from_millis;
        if let Some(v) = self.request_ms {
            t.request = ms(v.max(1));
        }
        if let Some(v) = self.download_ms {
            t.download = ms(v.max(1));
        }
        for (poll, limit) in [
            (&mut t.image, self.image_ms),
            (&mut t.video, self.video_ms),
            (&mut t.training, self.training_ms),
        ] {
            if let Some(v) = self.poll_initial_ms {
                poll.initial = ms(v);
            }
            if let Some(v) = self.poll_max_ms {
                poll.max_interval = ms(v.max(1));
            }
            if let Some(v) = limit {
                poll.timeout = ms(v.max(1));
            }
        }
        t
    }
}

impl ProvidersConfig {
    /// Parses TOML; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            origin: origin.to_owned(),
            message: e.to_string().trim().replace('\n', " "),
        })
    }

    /// Reads a configuration file, or the defaults without one.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Parse {
            origin: origin.clone(),
            message: format!("cannot read: {e}"),
        })?;
        Self::parse(&text, &origin)
    }

    /// The client timeouts this configuration asks for.
    pub fn client_timeouts(&self) -> Timeouts {
        self.timeouts.apply(Timeouts::default())
    }
}

/// Chains resolved to `provider:model` ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainIds {
    /// Text.
    pub text: Vec<String>,
    /// Image.
    pub image: Vec<String>,
    /// Video.
    pub video: Vec<String>,
    /// Identity.
    pub identity: Vec<String>,
}

/// The default model of a provider for a capability.
fn default_model(provider: &str, capability: Capability) -> Option<&'static str> {
    Some(match (provider, capability) {
        ("gemini", Capability::Text) => "gemini:gemini-2.5-flash",
        ("gemini", Capability::Image) => "gemini:image",
        ("gemini", Capability::Video) => "gemini:veo-3.1-fast",
        ("fal", Capability::Image) => "fal:flux-dev",
        ("fal", Capability::Video) => "fal:kling",
        ("fal", Capability::Identity) => "fal:flux-lora-fast-training",
        ("openai", Capability::Text) => "openai:gpt-4.1-mini",
        ("local", Capability::Image) => "local:previz",
        ("local", Capability::Video) => "local:animatic",
        _ => return None,
    })
}

/// The capability a known id belongs to.
pub fn capability_of(id: &str) -> Option<Capability> {
    let (provider, model) = id.split_once(':')?;
    Some(match (provider, model) {
        ("gemini", "image") => Capability::Image,
        ("gemini", m) if m.starts_with("veo") => Capability::Video,
        ("gemini", _) => Capability::Text,
        ("fal", "flux-lora-fast-training") => Capability::Identity,
        ("fal", m) if m.starts_with("flux") => Capability::Image,
        ("fal", "kling" | "kling-pro" | "wan") => Capability::Video,
        ("openai", _) => Capability::Text,
        ("local", "previz") => Capability::Image,
        ("local", "animatic") => Capability::Video,
        _ => return None,
    })
}

const CAPABILITIES: [Capability; 4] = [
    Capability::Text,
    Capability::Image,
    Capability::Video,
    Capability::Identity,
];

impl ChainIds {
    /// Chains from configuration, with missing capabilities defaulted from
    /// the keys present (and `local:` fallbacks last).
    pub fn resolve(config: &ChainConfig, keys: &Keys, endpoints: &Endpoints) -> Self {
        let auto = |cap: Capability| -> Vec<String> {
            let mut ids = Vec::new();
            let order: &[&str] = match cap {
                Capability::Video => &["gemini", "fal", "local"],
                _ => &["fal", "gemini", "openai", "local"],
            };
            for p in order {
                let usable = match *p {
                    "local" => true,
                    "openai" => keys.has("openai") || !endpoints.openai_is_default(),
                    other => keys.has(other),
                };
                if let (true, Some(m)) = (usable, default_model(p, cap)) {
                    ids.push(m.to_owned());
                }
            }
            ids
        };
        let pick = |given: &Option<Vec<String>>, cap| given.clone().unwrap_or_else(|| auto(cap));
        Self {
            text: pick(&config.text, Capability::Text),
            image: pick(&config.image, Capability::Image),
            video: pick(&config.video, Capability::Video),
            identity: pick(&config.identity, Capability::Identity),
        }
    }

    /// The chain of a capability.
    pub fn get(&self, capability: Capability) -> &[String] {
        match capability {
            Capability::Text => &self.text,
            Capability::Image => &self.image,
            Capability::Video => &self.video,
            Capability::Identity => &self.identity,
        }
    }

    fn get_mut(&mut self, capability: Capability) -> &mut Vec<String> {
        match capability {
            Capability::Text => &mut self.text,
            Capability::Image => &mut self.image,
            Capability::Video => &mut self.video,
            Capability::Identity => &mut self.identity,
        }
    }

    /// Puts `head` first (`--provider`): a `provider:model` id goes to the
    /// head of its capability's chain; a provider name moves that provider's
    /// members to the front of every chain, adding its default model where
    /// a chain lacks it. The rest of each chain stays behind as fallback.
    pub fn prefer(&mut self, head: &str) -> Result<(), ConfigError> {
        let head = head.trim();
        if head.contains(':') {
            let cap = capability_of(head).ok_or_else(|| ConfigError::UnknownProvider {
                name: head.to_owned(),
            })?;
            let chain = self.get_mut(cap);
            chain.retain(|id| id != head);
            chain.insert(0, head.to_owned());
            return Ok(());
        }
        if !matches!(head, "fal" | "gemini" | "openai" | "local") {
            return Err(ConfigError::UnknownProvider {
                name: head.to_owned(),
            });
        }
        for cap in CAPABILITIES {
            let chain = self.get_mut(cap);
            let (mut mine, rest): (Vec<String>, Vec<String>) =
                chain.drain(..).partition(|id| provider_of(id) == head);
            if mine.is_empty()
                && let Some(m) = default_model(head, cap)
            {
                mine.push(m.to_owned());
            }
            mine.extend(rest);
            *chain = mine;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_are_valid() {
        let e = Endpoints::defaults();
        assert_eq!(e.fal_queue.as_str(), "https://queue.fal.run/");
        assert_eq!(e.fal_rest.host_str(), Some("rest.alpha.fal.ai"));
        assert!(e.openai_is_default());
    }

    #[test]
    fn base_urls_come_from_the_environment() {
        let e = Endpoints::from_lookup(lookup(&[
            ("ALKEMY_FAL_URL", "http://127.0.0.1:9000"),
            ("ALKEMY_OPENAI_URL", "http://localhost:11434/v1"),
        ]))
        .unwrap();
        assert_eq!(e.fal_rest, e.fal_queue, "one mock serves both");
        assert!(!e.openai_is_default());
        let err = Endpoints::from_lookup(lookup(&[("ALKEMY_GEMINI_URL", "ftp://x")])).unwrap_err();
        assert!(err.to_string().contains("ALKEMY_GEMINI_URL"), "{err}");
    }

    #[test]
    fn default_chains_follow_the_keys() {
        let e = Endpoints::defaults();
        let none = ChainIds::resolve(&ChainConfig::default(), &Keys::default(), &e);
        assert_eq!(none.image, vec!["local:previz"]);
        assert_eq!(none.video, vec!["local:animatic"]);
        assert!(none.text.is_empty() && none.identity.is_empty());
        let keys = Keys::from_lookup(lookup(&[("FAL_KEY", "k"), ("GEMINI_API_KEY", "g")]));
        let both = ChainIds::resolve(&ChainConfig::default(), &keys, &e);
        assert_eq!(
            both.image,
            vec!["fal:flux-dev", "gemini:image", "local:previz"]
        );
        assert_eq!(
            both.video,
            vec!["gemini:veo-3.1-fast", "fal:kling", "local:animatic"]
        );
        assert_eq!(both.identity, vec!["fal:flux-lora-fast-training"]);
    }

    #[test]
    fn timeouts_table_overrides_the_defaults() {
        let config = ProvidersConfig::parse(
            "[timeouts]\nrequest_ms = 700\npoll_initial_ms = 5\npoll_max_ms = 20\nvideo_ms = 3000\n",
            "t.toml",
        )
        .unwrap();
        let t = config.client_timeouts();
        let d = Timeouts::default();
        assert_eq!(t.request, Duration::from_millis(700));
        assert_eq!(t.image.initial, Duration::from_millis(5));
        assert_eq!(t.video.max_interval, Duration::from_millis(20));
        assert_eq!(t.video.timeout, Duration::from_millis(3000));
        assert_eq!(
            t.image.timeout, d.image.timeout,
            "unset limits keep defaults"
        );
        assert_eq!(t.download, d.download);
        let err = ProvidersConfig::parse("[timeouts]\nrequest = 1\n", "t.toml").unwrap_err();
        assert!(err.to_string().contains("request"), "{err}");
        let missing = ProvidersConfig::load(Some(Path::new("/no/such/providers.toml")));
        assert!(missing.unwrap_err().to_string().contains("/no/such"));
    }

    #[test]
    fn provider_flag_picks_the_head() {
        let config = ProvidersConfig::parse(
            r#"
            [chains]
            image = ["gemini:image", "fal:flux-dev", "local:previz"]
            video = ["gemini:veo-3.1", "local:animatic"]
            [concurrency]
            fal = 2
            [retry]
            max_attempts = 2
            "#,
            "alkemy.toml",
        )
        .unwrap();
        assert_eq!(config.concurrency.get("fal"), Some(&2));
        assert_eq!(config.retry.max_attempts, 2);
        let mut ids = ChainIds::resolve(&config.chains, &Keys::default(), &Endpoints::defaults());
        ids.prefer("fal").unwrap();
        assert_eq!(
            ids.image,
            vec!["fal:flux-dev", "gemini:image", "local:previz"]
        );
        assert_eq!(
            ids.video,
            vec!["fal:kling", "gemini:veo-3.1", "local:animatic"]
        );
        ids.prefer("fal:flux-pro").unwrap();
        assert_eq!(ids.image[0], "fal:flux-pro");
        assert!(ids.prefer("midjourney").is_err());
        assert!(ids.prefer("fal:nonsense").is_err());
        assert_eq!(config.client_timeouts(), Timeouts::default());
        let bad = ProvidersConfig::parse("[chains]\nimages = []\n", "alkemy.toml").unwrap_err();
        assert!(bad.to_string().contains("images"), "{bad}");
    }
}
