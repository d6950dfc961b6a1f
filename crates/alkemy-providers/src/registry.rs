//! The registry: turns `provider:model` ids into models, and chains of ids
//! into a [`Router`].
//!
//! Cloud models are built on demand from the endpoints, keys and price table;
//! local models (the previz renderer, the animatic) live in other crates and
//! are registered by the binary, so this crate never depends on them.
//!
//! ```text
//! let mut registry = Registry::new(Endpoints::from_env()?, keys, PriceTable::load(None)?, Timeouts::default());
//! registry.register_image(Arc::new(alkemy_media::Previz::new()));      // "local:previz"
//! registry.register_video(Arc::new(alkemy_media::Animatic::new()));    // "local:animatic"
//! let mut ids = ChainIds::resolve(&config.chains, registry.keys(), registry.endpoints());
//! if let Some(p) = flags.provider { ids.prefer(&p)?; }
//! let router = registry.router(&ids, options)?;
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use alkemy_core::{Capability, IdentityTrainer, ImageModel, TextModel, VideoModel};

use crate::config::{ChainIds, ConfigError, Endpoints, Keys, capability_of};
use crate::context::{ClientContext, Timeouts};
use crate::fal::{FalClient, FalImage, FalTrainer, FalVideo, Flux, I2v};
use crate::gemini::{GeminiClient, GeminiImage, GeminiText, Veo};
use crate::openai::OpenAiText;
use crate::prices::{Price, PriceTable};
use crate::router::{Chains, Router, RouterOptions, provider_of};
use crate::secret::ApiKey;

/// Builds models and routers.
#[derive(Clone)]
pub struct Registry {
    endpoints: Endpoints,
    keys: Keys,
    ctx: Arc<ClientContext>,
    text: BTreeMap<String, Arc<dyn TextModel>>,
    image: BTreeMap<String, Arc<dyn ImageModel>>,
    video: BTreeMap<String, Arc<dyn VideoModel>>,
    identity: BTreeMap<String, Arc<dyn IdentityTrainer>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("endpoints", &self.endpoints)
            .field("keys", &self.keys)
            .field("registered_image", &self.image.keys().collect::<Vec<_>>())
            .field("registered_video", &self.video.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Veo ids and their API model names.
const VEO: [(&str, &str); 2] = [
    ("gemini:veo-3.1", "veo-3.1-generate-preview"),
    ("gemini:veo-3.1-fast", "veo-3.1-fast-generate-preview"),
];

impl Registry {
    /// A registry over these endpoints, keys and prices.
    pub fn new(endpoints: Endpoints, keys: Keys, prices: PriceTable, timeouts: Timeouts) -> Self {
        let ctx = Arc::new(ClientContext::new(&endpoints, Arc::new(prices), timeouts));
        Self {
            endpoints,
            keys,
            ctx,
            text: BTreeMap::new(),
            image: BTreeMap::new(),
            video: BTreeMap::new(),
            identity: BTreeMap::new(),
        }
    }

    /// The endpoints.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The keys (redacted in `Debug`).
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The shared client context.
    pub fn context(&self) -> Arc<ClientContext> {
        Arc::clone(&self.ctx)
    }

    /// The price table.
    pub fn prices(&self) -> &PriceTable {
        self.ctx.prices()
    }

    /// Registers a text model under its own id (overrides a cloud id too,
    /// which tests use).
    pub fn register_text(&mut self, model: Arc<dyn TextModel>) {
        self.text.insert(model.id().to_owned(), model);
    }

    /// Registers an image model (e.g. `local:previz`).
    pub fn register_image(&mut self, model: Arc<dyn ImageModel>) {
        self.image.insert(model.id().to_owned(), model);
    }

    /// Registers a video model (e.g. `local:animatic`).
    pub fn register_video(&mut self, model: Arc<dyn VideoModel>) {
        self.video.insert(model.id().to_owned(), model);
    }

    /// Registers an identity trainer.
    pub fn register_identity(&mut self, model: Arc<dyn IdentityTrainer>) {
        self.identity.insert(model.id().to_owned(), model);
    }

    fn price(&self, id: &str) -> Result<Price, ConfigError> {
        if let Some(p) = self.prices().get(id) {
            return Ok(p.clone());
        }
        // A self-hosted OpenAI-compatible server costs nothing per token.
        if provider_of(id) == "openai" && !self.endpoints.openai_is_default() {
            return Ok(Price {
                free: true,
                ..Price::default()
            });
        }
        Err(ConfigError::NoPrice { id: id.to_owned() })
    }

    fn key(&self, id: &str, provider: &'static str) -> Result<ApiKey, ConfigError> {
        let (key, env) = match provider {
            "fal" => (&self.keys.fal, "FAL_KEY"),
            "gemini" => (&self.keys.gemini, "GEMINI_API_KEY"),
            _ => (&self.keys.openai, "OPENAI_API_KEY"),
        };
        key.clone().ok_or(ConfigError::MissingKey {
            id: id.to_owned(),
            provider,
            env,
        })
    }

    /// A Gemini client, if a key is configured.
    pub fn gemini(&self, id: &str) -> Result<GeminiClient, ConfigError> {
        Ok(GeminiClient::new(
            self.endpoints.gemini.clone(),
            self.key(id, "gemini")?,
            Arc::clone(&self.ctx),
        ))
    }

    /// A Fal client, if a key is configured.
    pub fn fal(&self, id: &str) -> Result<FalClient, ConfigError> {
        Ok(FalClient::new(
            self.endpoints.fal_queue.clone(),
            self.endpoints.fal_rest.clone(),
            self.key(id, "fal")?,
            Arc::clone(&self.ctx),
        ))
    }

    fn unknown(&self, id: &str, capability: Capability) -> ConfigError {
        let mut known: Vec<String> = match capability {
            Capability::Text => vec!["gemini:<model>".into(), "openai:<model>".into()],
            Capability::Image => vec![
                "fal:flux-dev".into(),
                "fal:flux-pro".into(),
                "fal:flux-lora".into(),
                "fal:flux-schnell".into(),
                "gemini:image".into(),
            ],
            Capability::Video => vec![
                "gemini:veo-3.1".into(),
                "gemini:veo-3.1-fast".into(),
                "fal:kling".into(),
                "fal:kling-pro".into(),
                "fal:wan".into(),
            ],
            Capability::Identity => vec!["fal:flux-lora-fast-training".into()],
        };
        let registered: Vec<String> = match capability {
            Capability::Text => self.text.keys().cloned().collect(),
            Capability::Image => self.image.keys().cloned().collect(),
            Capability::Video => self.video.keys().cloned().collect(),
            Capability::Identity => self.identity.keys().cloned().collect(),
        };
        known.extend(registered);
        ConfigError::UnknownModel {
            id: id.to_owned(),
            capability,
            known: known.join(", "),
        }
    }

    /// The text model `id`.
    pub fn text(&self, id: &str) -> Result<Arc<dyn TextModel>, ConfigError> {
        if let Some(m) = self.text.get(id) {
            return Ok(Arc::clone(m));
        }
        match id.split_once(':') {
            Some(("gemini", model)) if capability_of(id) == Some(Capability::Text) => Ok(Arc::new(
                GeminiText::new(self.gemini(id)?, model, self.price(id)?),
            )),
            Some(("openai", model)) if !model.is_empty() => {
                let key = self.keys.openai.clone();
                if key.is_none() && self.endpoints.openai_is_default() {
                    return Err(self
                        .key(id, "openai")
                        .err()
                        .unwrap_or_else(|| self.unknown(id, Capability::Text)));
                }
                Ok(Arc::new(OpenAiText::new(
                    self.endpoints.openai.clone(),
                    key,
                    model,
                    self.price(id)?,
                    Arc::clone(&self.ctx),
                )))
            }
            _ => Err(self.unknown(id, Capability::Text)),
        }
    }

    /// The image model `id`.
    pub fn image(&self, id: &str) -> Result<Arc<dyn ImageModel>, ConfigError> {
        if let Some(m) = self.image.get(id) {
            return Ok(Arc::clone(m));
        }
        match id.split_once(':') {
            Some(("gemini", "image")) => Ok(Arc::new(GeminiImage::new(
                self.gemini(id)?,
                self.price(id)?,
            ))),
            Some(("fal", name)) => {
                let flux =
                    Flux::from_name(name).ok_or_else(|| self.unknown(id, Capability::Image))?;
                self.price(id)?;
                FalImage::new(flux, self.fal(id)?, self.prices())
                    .map(|m| Arc::new(m) as Arc<dyn ImageModel>)
                    .ok_or(ConfigError::NoPrice { id: id.to_owned() })
            }
            _ => Err(self.unknown(id, Capability::Image)),
        }
    }

    /// The video model `id`.
    pub fn video(&self, id: &str) -> Result<Arc<dyn VideoModel>, ConfigError> {
        if let Some(m) = self.video.get(id) {
            return Ok(Arc::clone(m));
        }
        if let Some((_, model)) = VEO.iter().find(|(vid, _)| *vid == id) {
            return Ok(Arc::new(Veo::new(
                self.gemini(id)?,
                id,
                model,
                self.price(id)?,
            )));
        }
        match id.split_once(':') {
            Some(("fal", name)) => {
                let m = I2v::from_name(name).ok_or_else(|| self.unknown(id, Capability::Video))?;
                Ok(Arc::new(FalVideo::new(m, self.fal(id)?, self.price(id)?)))
            }
            _ => Err(self.unknown(id, Capability::Video)),
        }
    }

    /// The identity trainer `id`.
    pub fn identity(&self, id: &str) -> Result<Arc<dyn IdentityTrainer>, ConfigError> {
        if let Some(m) = self.identity.get(id) {
            return Ok(Arc::clone(m));
        }
        if id == "fal:flux-lora-fast-training" {
            return Ok(Arc::new(FalTrainer::new(self.fal(id)?, self.price(id)?)));
        }
        Err(self.unknown(id, Capability::Identity))
    }

    /// Builds the models of every chain.
    pub fn chains(&self, ids: &ChainIds) -> Result<Chains, ConfigError> {
        Ok(Chains {
            text: ids
                .text
                .iter()
                .map(|id| self.text(id))
                .collect::<Result<_, _>>()?,
            image: ids
                .image
                .iter()
                .map(|id| self.image(id))
                .collect::<Result<_, _>>()?,
            video: ids
                .video
                .iter()
                .map(|id| self.video(id))
                .collect::<Result<_, _>>()?,
            identity: ids
                .identity
                .iter()
                .map(|id| self.identity(id))
                .collect::<Result<_, _>>()?,
        })
    }

    /// A router over the chains.
    pub fn router(&self, ids: &ChainIds, options: RouterOptions) -> Result<Router, ConfigError> {
        Ok(Router::new(self.chains(ids)?, options))
    }
}
