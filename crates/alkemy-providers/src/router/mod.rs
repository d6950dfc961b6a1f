//! The router: per-capability chains of models with retries, fallback,
//! circuit breakers, concurrency limits, a content-addressed cache with
//! single-flight, budgets and usage records.
//!
//! ```text
//!  request ─► single-flight ─► cache (each member's key) ─hit─► result (free)
//!                                   │ miss
//!                                   ▼
//!        for each member: breaker? ─► quote ─► reserve budget ─► permit ─► call
//!             ▲   retryable: backoff + jitter (≥ Retry-After), same member
//!             └── fall-through (safety, quota, model gone, over budget, open
//!                 breaker, retries spent): next member, reason recorded
//!        success: settle budget, record usage, store in cache
//!        answer turned down but billed (malformed, cut off, refused, with
//!          usage): settle its cost, record it marked rejected, then retry or
//!          fall through as its kind says (the retry must fit what is left)
//!        fatal (bad key, bad request): stop
//! ```
//!
//! The router implements the capability traits itself ([`Router::image`]
//! etc.), so the pipeline holds an `Arc<dyn ImageModel>` and never learns
//! which provider answered, except from the result's `model`.
//!
//! Design decision: the cache is consulted for *every* member of the chain in
//! order, and an answer is stored under the member that gave it. A request the
//! head refused but a fallback answered is therefore not sent to anyone again,
//! and a result is never attributed to a model that did not make it. A safety
//! refusal is remembered too (a tombstone entry), so a rerun skips straight
//! past the model that refused; transient failures are not remembered and are
//! tried again on the next run. Local members (`local:…`) are deterministic
//! and free, so their results are not cached.

mod breaker;
mod member;
mod outcome;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use alkemy_core::{
    Capability, ContentHash, ErrorClass, GeneratedImage, GeneratedVideo, IdentityTrainer,
    ImageModel, ImageRequest, Money, ProviderError, ProviderErrorKind, Skipped, TextModel,
    TextRequest, TextResponse, TrainRequest, TrainedIdentity, Units, UsageRecord, VideoModel,
    VideoRequest,
};
use async_trait::async_trait;
use tokio::sync::{OnceCell, Semaphore};

use self::breaker::Breaker;
pub use self::breaker::BreakerPolicy;
use self::member::Member;
use self::outcome::{Outcome, Routable};
use crate::backoff::RetryPolicy;
use crate::budget::{Budget, BudgetBackend, BudgetError, Call};
use crate::cache::DiskCache;
use crate::ledger::Ledger;
use crate::quote::QuoteLine;

/// The models of each capability's chain, in order of preference.
#[derive(Clone, Default)]
pub struct Chains {
    /// Structured text.
    pub text: Vec<Arc<dyn TextModel>>,
    /// Stills.
    pub image: Vec<Arc<dyn ImageModel>>,
    /// Clips.
    pub video: Vec<Arc<dyn VideoModel>>,
    /// Identity training.
    pub identity: Vec<Arc<dyn IdentityTrainer>>,
}

impl std::fmt::Debug for Chains {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chains")
            .field(
                "text",
                &self.text.iter().map(|m| m.id()).collect::<Vec<_>>(),
            )
            .field(
                "image",
                &self.image.iter().map(|m| m.id()).collect::<Vec<_>>(),
            )
            .field(
                "video",
                &self.video.iter().map(|m| m.id()).collect::<Vec<_>>(),
            )
            .field(
                "identity",
                &self.identity.iter().map(|m| m.id()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// How the router behaves.
#[derive(Debug, Clone)]
pub struct RouterOptions {
    /// The production's budget: in memory ([`Budget`]) or a shared one.
    pub budget: Arc<dyn BudgetBackend>,
    /// Where usage is recorded.
    pub ledger: Arc<Ledger>,
    /// The result cache, if any.
    pub cache: Option<DiskCache>,
    /// Retries per member.
    pub retry: RetryPolicy,
    /// Circuit breaker per provider.
    pub breaker: BreakerPolicy,
    /// Calls in flight at once, per provider name (`fal`, `gemini`…).
    pub concurrency: BTreeMap<String, usize>,
    /// Calls in flight at once for providers not named above.
    pub default_concurrency: usize,
}

impl Default for RouterOptions {
    fn default() -> Self {
        Self {
            budget: Budget::unlimited(),
            ledger: Ledger::new(),
            cache: None,
            retry: RetryPolicy::default(),
            breaker: BreakerPolicy::default(),
            concurrency: BTreeMap::new(),
            default_concurrency: 4,
        }
    }
}

/// The provider part of `provider:model`.
pub fn provider_of(id: &str) -> &str {
    id.split_once(':').map_or(id, |(p, _)| p)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Guarded sections do not panic half-way (plain inserts and counters).
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Shared {
    options: RouterOptions,
    breakers: Mutex<HashMap<String, Breaker>>,
    permits: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Shared {
    fn breaker_allow(&self, provider: &str) -> bool {
        lock(&self.breakers)
            .entry(provider.to_owned())
            .or_insert_with(|| Breaker::new(self.options.breaker))
            .allow(Instant::now())
    }

    fn breaker_open(&self, provider: &str) -> bool {
        lock(&self.breakers)
            .get(provider)
            .is_some_and(|b| b.is_open(Instant::now()))
    }

    fn breaker_report(&self, provider: &str, outcome: Result<(), &ProviderErrorKind>) {
        let mut breakers = lock(&self.breakers);
        let b = breakers
            .entry(provider.to_owned())
            .or_insert_with(|| Breaker::new(self.options.breaker));
        match outcome {
            Ok(()) => b.on_success(),
            Err(kind) => b.on_failure(kind, Instant::now()),
        }
    }

    fn breaker_neutral(&self, provider: &str) {
        if let Some(b) = lock(&self.breakers).get_mut(provider) {
            b.on_neutral();
        }
    }

    fn semaphore(&self, provider: &str) -> Arc<Semaphore> {
        let mut permits = lock(&self.permits);
        Arc::clone(permits.entry(provider.to_owned()).or_insert_with(|| {
            let n = self
                .options
                .concurrency
                .get(provider)
                .copied()
                .unwrap_or(self.options.default_concurrency)
                .max(1);
            Arc::new(Semaphore::new(n))
        }))
    }
}

type Flight<Out> = Arc<OnceCell<Result<Out, ProviderError>>>;

struct Route<Req, Out> {
    members: Vec<Arc<dyn Member<Req, Out>>>,
    ids: Vec<String>,
    inflight: Mutex<HashMap<ContentHash, Flight<Out>>>,
}

/// The cache key of `request` sent to `model`.
fn cache_key<Req: Routable>(model: &str, request: &Req) -> ContentHash {
    ContentHash::of_json(&(Req::CAPABILITY, model, request))
}

fn cacheable(model: &str) -> bool {
    provider_of(model) != "local"
}

fn describe(err: &ProviderError) -> String {
    let what = match err.kind {
        ProviderErrorKind::SafetyBlocked => "safety filter",
        ProviderErrorKind::QuotaExhausted => "quota exhausted",
        ProviderErrorKind::ModelUnavailable => "model unavailable",
        ProviderErrorKind::BudgetExceeded => "over budget",
        ProviderErrorKind::RateLimited { .. } => "rate limited, retries spent",
        ProviderErrorKind::Server { .. } => "server error, retries spent",
        ProviderErrorKind::Timeout => "timed out, retries spent",
        ProviderErrorKind::Connection => "connection failed, retries spent",
        ProviderErrorKind::Malformed => "malformed answers, retries spent",
        _ => "failed",
    };
    format!("{what}: {}", err.message)
}

/// Why an answer that arrived (and was billed) was turned down, for the
/// ledger.
fn rejection(err: &ProviderError) -> String {
    let what = match err.kind {
        ProviderErrorKind::Malformed => "malformed",
        ProviderErrorKind::SafetyBlocked => "refused by the safety filter",
        _ => "not used",
    };
    format!("{what}: {}", err.message)
}

/// The ledger's record of one billed call to `model` for `request`, whose
/// cache key under the member called is `key`.
fn usage_record<Req: Routable>(
    model: String,
    request: &Req,
    key: ContentHash,
    units: Vec<Units>,
    cost: Money,
    skipped: Vec<Skipped>,
    rejected: Option<String>,
) -> UsageRecord {
    UsageRecord {
        provider: provider_of(&model).to_owned(),
        request_hash: key,
        model,
        capability: Req::CAPABILITY,
        units,
        cost,
        shot_id: request.shot_id().map(str::to_owned),
        at_ms: crate::now_ms(),
        skipped,
        rejected,
    }
}

impl<Req: Routable, Out: Outcome> Route<Req, Out> {
    fn new(members: Vec<Arc<dyn Member<Req, Out>>>) -> Self {
        let ids = members.iter().map(|m| m.id().to_owned()).collect();
        Self {
            members,
            ids,
            inflight: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, shared: &Shared, request: &Req) -> Option<Out> {
        let cache = shared.options.cache.as_ref()?;
        for id in self.ids.iter().filter(|id| cacheable(id)) {
            match cache.get(&cache_key(id, request)) {
                Ok(Some((entry, blobs))) if entry.refusal.is_none() => {
                    if let Some(out) = Out::from_parts(entry.meta, blobs) {
                        tracing::debug!("{} {}: cache hit", id, Req::CAPABILITY);
                        return Some(out.free());
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("{e}"),
            }
        }
        None
    }

    /// A refusal this member gave this exact request before.
    fn remembered_refusal(&self, shared: &Shared, id: &str, request: &Req) -> Option<String> {
        let cache = shared.options.cache.as_ref()?;
        if !cacheable(id) {
            return None;
        }
        cache.refusal(&cache_key(id, request))
    }

    fn quote(&self, shared: &Shared, request: &Req) -> QuoteLine {
        let capability = Req::CAPABILITY;
        for member in &self.members {
            let id = member.id();
            if let Some(cache) = shared.options.cache.as_ref().filter(|_| cacheable(id)) {
                let key = cache_key(id, request);
                if cache.refusal(&key).is_some() {
                    continue;
                }
                if cache.contains(&key) {
                    return QuoteLine::new(capability, id.to_owned(), Money::ZERO, true);
                }
            }
            if shared.breaker_open(provider_of(id)) {
                continue;
            }
            return QuoteLine::new(capability, id.to_owned(), member.quote(request), false);
        }
        match self.members.first() {
            Some(m) => QuoteLine::new(capability, m.id().to_owned(), m.quote(request), false),
            None => QuoteLine::new(capability, "none".to_owned(), Money::ZERO, false),
        }
    }

    async fn run(&self, shared: &Shared, request: &Req) -> Result<Out, ProviderError> {
        let flight_key = ContentHash::of_json(&(Req::CAPABILITY, &self.ids, request));
        let cell = Arc::clone(lock(&self.inflight).entry(flight_key).or_default());
        let result = cell
            .get_or_init(|| self.run_once(shared, request))
            .await
            .clone();
        let mut inflight = lock(&self.inflight);
        if inflight
            .get(&flight_key)
            .is_some_and(|c| Arc::ptr_eq(c, &cell))
        {
            inflight.remove(&flight_key);
        }
        result
    }

    async fn run_once(&self, shared: &Shared, request: &Req) -> Result<Out, ProviderError> {
        let capability = Req::CAPABILITY;
        if let Some(hit) = self.cached(shared, request) {
            return Ok(hit);
        }
        let mut skipped: Vec<Skipped> = Vec::new();
        let mut last: Option<ProviderError> = None;
        for member in &self.members {
            let id = member.id();
            let provider = provider_of(id);
            if let Some(reason) = self.remembered_refusal(shared, id, request) {
                skipped.push(Skipped {
                    model: id.to_owned(),
                    reason: format!("{reason} (remembered)"),
                });
                continue;
            }
            let mut attempt = 0u32;
            loop {
                if !shared.breaker_allow(provider) {
                    skipped.push(Skipped {
                        model: id.to_owned(),
                        reason: "circuit open after repeated failures".to_owned(),
                    });
                    break;
                }
                let quote = member.quote(request);
                let call = Call {
                    model: id,
                    capability,
                    shot_id: request.shot_id(),
                    request_hash: cache_key(id, request),
                };
                let reservation = match shared.options.budget.hold(quote, &call).await {
                    Ok(r) => r,
                    Err(BudgetError::Unavailable(why)) => {
                        return Err(ProviderError::new(id, ProviderErrorKind::Cancelled, why));
                    }
                    Err(BudgetError::Over(over)) => {
                        shared.breaker_neutral(provider);
                        let err = ProviderError::new(
                            id,
                            ProviderErrorKind::BudgetExceeded,
                            over.to_string(),
                        );
                        skipped.push(Skipped {
                            model: id.to_owned(),
                            reason: describe(&err),
                        });
                        last = Some(err);
                        break;
                    }
                };
                let semaphore = shared.semaphore(provider);
                let permit = semaphore.acquire_owned().await.ok();
                tracing::debug!("{id} {capability}: attempt {}", attempt + 1);
                let result = member.call(request).await;
                drop(permit);
                match result {
                    Ok(out) => {
                        shared.breaker_report(provider, Ok(()));
                        let cost = out.cost();
                        reservation.settle(cost).await;
                        let key = cache_key(id, request);
                        let model = if out.model().is_empty() {
                            id.to_owned()
                        } else {
                            out.model().to_owned()
                        };
                        shared.options.ledger.record(usage_record(
                            model,
                            request,
                            key,
                            out.units(),
                            cost,
                            skipped,
                            None,
                        ));
                        if let (Some(cache), true) = (&shared.options.cache, cacheable(id)) {
                            let (meta, blobs) = out.to_parts();
                            if let Err(e) = cache.put(&key, capability, id, meta, &blobs) {
                                tracing::warn!("{e}");
                            }
                        }
                        return Ok(out);
                    }
                    Err(mut err) => {
                        match err.billed.take() {
                            // The answer arrived and the provider billed it,
                            // though it is not used: charged like a result,
                            // so a retry must fit in what is left.
                            Some(billed) => {
                                reservation.settle(billed.cost).await;
                                shared.options.ledger.record(usage_record(
                                    id.to_owned(),
                                    request,
                                    cache_key(id, request),
                                    billed.units,
                                    billed.cost,
                                    Vec::new(),
                                    Some(rejection(&err)),
                                ));
                            }
                            None => reservation.release().await,
                        }
                        shared.breaker_report(provider, Err(&err.kind));
                        tracing::info!("{id} {capability}: attempt {} failed: {err}", attempt + 1);
                        match err.class() {
                            ErrorClass::Fatal => return Err(err),
                            ErrorClass::FallThrough => {
                                let reason = describe(&err);
                                if err.kind == ProviderErrorKind::SafetyBlocked
                                    && cacheable(id)
                                    && let Some(cache) = &shared.options.cache
                                {
                                    let key = cache_key(id, request);
                                    if let Err(e) = cache.put_refusal(&key, capability, id, &reason)
                                    {
                                        tracing::warn!("{e}");
                                    }
                                }
                                skipped.push(Skipped {
                                    model: id.to_owned(),
                                    reason,
                                });
                                last = Some(err);
                                break;
                            }
                            ErrorClass::Retryable => {
                                match shared.options.retry.delay(attempt, err.retry_after()) {
                                    Some(wait) => {
                                        tokio::time::sleep(wait).await;
                                        attempt += 1;
                                    }
                                    None => {
                                        skipped.push(Skipped {
                                            model: id.to_owned(),
                                            reason: describe(&err),
                                        });
                                        last = Some(err);
                                        break;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let kind = last
            .as_ref()
            .map_or(ProviderErrorKind::ModelUnavailable, |e| e.kind.clone());
        let reasons = if skipped.is_empty() {
            "the chain is empty".to_owned()
        } else {
            skipped
                .iter()
                .map(|s| format!("{} ({})", s.model, s.reason))
                .collect::<Vec<_>>()
                .join("; ")
        };
        Err(ProviderError::new(
            format!("router:{capability}"),
            kind,
            format!("no provider could answer: {reasons}"),
        ))
    }
}

struct Inner {
    shared: Shared,
    text: Route<TextRequest, TextResponse>,
    image: Route<ImageRequest, Vec<GeneratedImage>>,
    video: Route<VideoRequest, GeneratedVideo>,
    identity: Route<TrainRequest, TrainedIdentity>,
}

/// Routes each capability's requests through its chain. Cheap to clone.
#[derive(Clone)]
pub struct Router {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("text", &self.inner.text.ids)
            .field("image", &self.inner.image.ids)
            .field("video", &self.inner.video.ids)
            .field("identity", &self.inner.identity.ids)
            .finish()
    }
}

fn members<Req, Out, M>(models: Vec<M>) -> Vec<Arc<dyn Member<Req, Out>>>
where
    M: Member<Req, Out> + 'static,
{
    models
        .into_iter()
        .map(|m| Arc::new(m) as Arc<dyn Member<Req, Out>>)
        .collect()
}

impl Router {
    /// A router over `chains`.
    pub fn new(chains: Chains, options: RouterOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                shared: Shared {
                    options,
                    breakers: Mutex::new(HashMap::new()),
                    permits: Mutex::new(HashMap::new()),
                },
                text: Route::new(members(chains.text)),
                image: Route::new(members(chains.image)),
                video: Route::new(members(chains.video)),
                identity: Route::new(members(chains.identity)),
            }),
        }
    }

    /// The chain of a capability, as `provider:model` ids.
    pub fn chain(&self, capability: Capability) -> &[String] {
        match capability {
            Capability::Text => &self.inner.text.ids,
            Capability::Image => &self.inner.image.ids,
            Capability::Video => &self.inner.video.ids,
            Capability::Identity => &self.inner.identity.ids,
        }
    }

    /// The production's budget.
    pub fn budget(&self) -> &Arc<dyn BudgetBackend> {
        &self.inner.shared.options.budget
    }

    /// The usage ledger.
    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.inner.shared.options.ledger
    }

    /// The routed text model.
    pub fn text(&self) -> Arc<dyn TextModel> {
        Arc::new(Routed(self.clone()))
    }

    /// The routed image model.
    pub fn image(&self) -> Arc<dyn ImageModel> {
        Arc::new(Routed(self.clone()))
    }

    /// The routed video model.
    pub fn video(&self) -> Arc<dyn VideoModel> {
        Arc::new(Routed(self.clone()))
    }

    /// The routed identity trainer.
    pub fn identity(&self) -> Arc<dyn IdentityTrainer> {
        Arc::new(Routed(self.clone()))
    }

    /// What a text request would cost now, and who would answer.
    pub fn quote_text(&self, request: &TextRequest) -> QuoteLine {
        self.inner.text.quote(&self.inner.shared, request)
    }

    /// The cached answer to a text request, from whichever member of the
    /// chain gave it; nothing is sent (a dry run's proposals).
    pub fn cached_text(&self, request: &TextRequest) -> Option<TextResponse> {
        self.inner.text.cached(&self.inner.shared, request)
    }

    /// What an image request would cost now, and who would answer.
    pub fn quote_image(&self, request: &ImageRequest) -> QuoteLine {
        self.inner
            .image
            .quote(&self.inner.shared, request)
            .for_shot(request.shot.as_ref().map(|s| s.id.to_string()))
    }

    /// What a video request would cost now, and who would answer.
    pub fn quote_video(&self, request: &VideoRequest) -> QuoteLine {
        self.inner
            .video
            .quote(&self.inner.shared, request)
            .for_shot(request.shot.as_ref().map(|s| s.id.to_string()))
    }

    /// What a training request would cost now, and who would answer.
    pub fn quote_identity(&self, request: &TrainRequest) -> QuoteLine {
        self.inner
            .identity
            .quote(&self.inner.shared, request)
            .for_shot(Some(request.character.clone()))
    }
}

struct Routed(Router);

#[async_trait]
impl TextModel for Routed {
    fn id(&self) -> &str {
        "router:text"
    }
    fn quote(&self, request: &TextRequest) -> Money {
        self.0.quote_text(request).cost
    }
    async fn generate(&self, request: &TextRequest) -> Result<TextResponse, ProviderError> {
        let inner = &self.0.inner;
        inner.text.run(&inner.shared, request).await
    }
}

#[async_trait]
impl ImageModel for Routed {
    fn id(&self) -> &str {
        "router:image"
    }
    fn quote(&self, request: &ImageRequest) -> Money {
        self.0.quote_image(request).cost
    }
    async fn generate(&self, request: &ImageRequest) -> Result<Vec<GeneratedImage>, ProviderError> {
        let inner = &self.0.inner;
        inner.image.run(&inner.shared, request).await
    }
}

#[async_trait]
impl VideoModel for Routed {
    fn id(&self) -> &str {
        "router:video"
    }
    fn quote(&self, request: &VideoRequest) -> Money {
        self.0.quote_video(request).cost
    }
    async fn generate(&self, request: &VideoRequest) -> Result<GeneratedVideo, ProviderError> {
        let inner = &self.0.inner;
        inner.video.run(&inner.shared, request).await
    }
}

#[async_trait]
impl IdentityTrainer for Routed {
    fn id(&self) -> &str {
        "router:identity"
    }
    fn quote(&self, request: &TrainRequest) -> Money {
        self.0.quote_identity(request).cost
    }
    async fn train(&self, request: &TrainRequest) -> Result<TrainedIdentity, ProviderError> {
        let inner = &self.0.inner;
        inner.identity.run(&inner.shared, request).await
    }
}
