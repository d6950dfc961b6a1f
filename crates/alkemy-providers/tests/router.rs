//! The router with in-process fake models: fallback, retries, breakers,
//! limits, cache, single-flight, budgets, usage, and a fault-injection run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alkemy_core::{
    Capability, GeneratedImage, ImageModel, ImageRequest, Money, ProviderError, ProviderErrorKind,
    UsageRecord,
};
use alkemy_providers::{
    BreakerPolicy, Budget, Chains, DiskCache, Ledger, RetryPolicy, Router, RouterOptions,
};
use async_trait::async_trait;
use common::image_request;

/// Decides each call's fate.
enum Plan {
    /// Pops one outcome per call; success when empty.
    Script(Mutex<VecDeque<Option<ProviderErrorKind>>>),
    /// Rolls a seeded generator per call: `fail(roll)`.
    Random(Mutex<u64>, fn(u64) -> Option<ProviderErrorKind>),
}

struct Fake {
    id: String,
    price: Money,
    plan: Plan,
    delay: Duration,
    calls: AtomicU64,
    successes: AtomicU64,
    billed: Mutex<Money>,
    inflight: AtomicUsize,
    max_inflight: AtomicUsize,
    prompts: Mutex<Vec<String>>,
}

impl Fake {
    fn new(id: &str, price: &str, plan: Plan) -> Arc<Self> {
        Arc::new(Self {
            id: id.into(),
            price: price.parse().unwrap(),
            plan,
            delay: Duration::ZERO,
            calls: AtomicU64::new(0),
            successes: AtomicU64::new(0),
            billed: Mutex::new(Money::ZERO),
            inflight: AtomicUsize::new(0),
            max_inflight: AtomicUsize::new(0),
            prompts: Mutex::new(Vec::new()),
        })
    }

    fn ok(id: &str, price: &str) -> Arc<Self> {
        Self::new(id, price, Plan::Script(Mutex::new(VecDeque::new())))
    }

    fn script(id: &str, price: &str, outcomes: Vec<Option<ProviderErrorKind>>) -> Arc<Self> {
        Self::new(id, price, Plan::Script(Mutex::new(outcomes.into())))
    }

    fn slow(mut self: Arc<Self>, delay: Duration) -> Arc<Self> {
        Arc::get_mut(&mut self).unwrap().delay = delay;
        self
    }

    fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl ImageModel for Fake {
    fn id(&self) -> &str {
        &self.id
    }
    fn quote(&self, request: &ImageRequest) -> Money {
        self.price.times(u64::from(request.count))
    }
    async fn generate(&self, request: &ImageRequest) -> Result<Vec<GeneratedImage>, ProviderError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.prompts.lock().unwrap().push(request.prompt.clone());
        let now = self.inflight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_inflight.fetch_max(now, Ordering::SeqCst);
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        self.inflight.fetch_sub(1, Ordering::SeqCst);
        let failure = match &self.plan {
            Plan::Script(q) => q.lock().unwrap().pop_front().flatten(),
            Plan::Random(state, fail) => {
                let mut s = state.lock().unwrap();
                // xorshift64*
                *s ^= *s >> 12;
                *s ^= *s << 25;
                *s ^= *s >> 27;
                fail(s.wrapping_mul(0x2545_f491_4f6c_dd1d))
            }
        };
        if let Some(kind) = failure {
            return Err(ProviderError::new(&self.id, kind, "injected"));
        }
        self.successes.fetch_add(1, Ordering::SeqCst);
        let cost = self.quote(request);
        *self.billed.lock().unwrap() += cost;
        Ok(vec![GeneratedImage {
            bytes: format!("{}:{}", self.id, request.prompt).into_bytes(),
            mime: "image/png".into(),
            width: request.width,
            height: request.height,
            seed: Some(request.seed),
            model: self.id.clone(),
            cost,
        }])
    }
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay_ms: 1,
        max_delay_ms: 4,
        max_retry_after_ms: 1_000,
    }
}

fn router(image: Vec<Arc<Fake>>, options: RouterOptions) -> Router {
    let chains = Chains {
        image: image
            .into_iter()
            .map(|f| f as Arc<dyn ImageModel>)
            .collect(),
        ..Chains::default()
    };
    Router::new(
        chains,
        RouterOptions {
            retry: fast_retry(),
            ..options
        },
    )
}

#[tokio::test]
async fn safety_refusal_falls_through_with_the_same_request_and_reason() {
    let head = Fake::script(
        "fal:flux-dev",
        "0.025",
        vec![Some(ProviderErrorKind::SafetyBlocked)],
    );
    let next = Fake::ok("gemini:image", "0.039");
    let r = router(vec![head.clone(), next.clone()], RouterOptions::default());
    let images = r.image().generate(&image_request("a duel")).await.unwrap();
    assert_eq!(images[0].model, "gemini:image");
    assert_eq!(
        images[0].bytes, b"gemini:image:a duel",
        "same request passed on"
    );
    assert_eq!(
        (head.calls(), next.calls()),
        (1, 1),
        "a safety block is not retried"
    );
    let records = r.ledger().records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].model, "gemini:image");
    assert_eq!(records[0].skipped[0].model, "fal:flux-dev");
    assert!(
        records[0].skipped[0].reason.starts_with("safety filter"),
        "{:?}",
        records[0].skipped
    );
}

#[tokio::test]
async fn retryable_errors_are_retried_honouring_retry_after() {
    let head = Fake::script(
        "fal:flux-dev",
        "0.025",
        vec![
            Some(ProviderErrorKind::RateLimited {
                retry_after_ms: Some(60),
            }),
            Some(ProviderErrorKind::Server { status: 503 }),
        ],
    );
    let r = router(vec![head.clone()], RouterOptions::default());
    let started = Instant::now();
    r.image().generate(&image_request("x")).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(60),
        "waited for Retry-After"
    );
    assert_eq!(head.calls(), 3);
    assert_eq!(
        r.ledger().records().len(),
        1,
        "one charge for three attempts"
    );
    assert_eq!(r.budget().spent(), "0.025".parse::<Money>().unwrap());
}

#[tokio::test]
async fn fatal_errors_stop_the_chain() {
    let head = Fake::script(
        "fal:flux-dev",
        "0.025",
        vec![Some(ProviderErrorKind::Unauthorized)],
    );
    let next = Fake::ok("local:previz", "0");
    let r = router(vec![head.clone(), next.clone()], RouterOptions::default());
    let err = r.image().generate(&image_request("x")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Unauthorized);
    assert_eq!(
        next.calls(),
        0,
        "a bad key is reported, not hidden behind a fallback"
    );
}

#[tokio::test]
async fn over_budget_requests_are_never_sent() {
    let paid = Fake::ok("fal:flux-dev", "0.30");
    let options = RouterOptions {
        budget: Budget::new(Some("0.50".parse().unwrap())),
        ..RouterOptions::default()
    };
    let r = router(vec![paid.clone()], options);
    r.image().generate(&image_request("one")).await.unwrap();
    let err = r.image().generate(&image_request("two")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BudgetExceeded);
    assert!(
        err.message.contains("nothing was sent") && err.message.contains("$0.20"),
        "{err}"
    );
    assert_eq!(paid.calls(), 1, "the second request never left");
    assert_eq!(r.budget().spent(), "0.30".parse::<Money>().unwrap());

    // With a free fallback the production goes on, within budget.
    let paid = Fake::ok("fal:flux-dev", "0.30");
    let free = Fake::ok("local:previz", "0");
    let options = RouterOptions {
        budget: Budget::new(Some("0.50".parse().unwrap())),
        ..RouterOptions::default()
    };
    let r = router(vec![paid.clone(), free.clone()], options);
    r.image().generate(&image_request("one")).await.unwrap();
    let second = r.image().generate(&image_request("two")).await.unwrap();
    assert_eq!(second[0].model, "local:previz");
    assert!(
        r.ledger().records()[1].skipped[0]
            .reason
            .starts_with("over budget")
    );
    assert_eq!(paid.calls(), 1);
}

#[tokio::test]
async fn the_cache_answers_repeats_across_routers_for_free() {
    let dir = tempfile::tempdir().unwrap();
    let cloud = Fake::ok("fal:flux-dev", "0.025");
    let options = || RouterOptions {
        cache: Some(DiskCache::new(dir.path())),
        ..RouterOptions::default()
    };
    let r = router(vec![cloud.clone()], options());
    let request = image_request("cached");
    let quote = r.quote_image(&request);
    assert!(!quote.cached && quote.cost == "0.025".parse().unwrap());
    let first = r.image().generate(&request).await.unwrap();
    let again = r.image().generate(&request).await.unwrap();
    assert_eq!(first[0].bytes, again[0].bytes);
    assert_eq!(again[0].cost, Money::ZERO, "a cache hit costs nothing");
    assert_eq!(cloud.calls(), 1);
    let quote = r.quote_image(&request);
    assert!(quote.cached && quote.cost == Money::ZERO);
    // A new process (new router) over the same cache.
    let fresh = router(vec![cloud.clone()], options());
    fresh.image().generate(&request).await.unwrap();
    assert_eq!(cloud.calls(), 1, "never sent twice");
    assert!(
        fresh.ledger().records().is_empty(),
        "nothing spent, nothing recorded"
    );
    // A different seed is a different request.
    let mut other = request.clone();
    other.seed += 1;
    fresh.image().generate(&other).await.unwrap();
    assert_eq!(cloud.calls(), 2);
}

#[tokio::test]
async fn identical_requests_in_flight_share_one_call() {
    let cloud = Fake::ok("fal:flux-dev", "0.025").slow(Duration::from_millis(50));
    let r = router(vec![cloud.clone()], RouterOptions::default());
    let model = r.image();
    let request = image_request("same");
    let calls = (0..10).map(|_| model.generate(&request));
    let results = futures_join(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(cloud.calls(), 1);
    assert_eq!(r.ledger().records().len(), 1);
}

#[tokio::test]
async fn the_breaker_skips_a_failing_provider() {
    let outages = vec![Some(ProviderErrorKind::Server { status: 503 }); 100];
    let sick = Fake::script("fal:flux-dev", "0.025", outages);
    let backup = Fake::ok("local:previz", "0");
    let options = RouterOptions {
        breaker: BreakerPolicy {
            threshold: 3,
            cooldown_ms: 60_000,
        },
        retry: RetryPolicy {
            max_attempts: 2,
            ..fast_retry()
        },
        ..RouterOptions::default()
    };
    let r = Router::new(
        Chains {
            image: vec![sick.clone() as Arc<dyn ImageModel>, backup.clone()],
            ..Chains::default()
        },
        options,
    );
    for i in 0..5 {
        r.image()
            .generate(&image_request(&format!("r{i}")))
            .await
            .unwrap();
    }
    assert_eq!(sick.calls(), 3, "opened after three failures, then skipped");
    assert_eq!(backup.calls(), 5);
    let last = r.ledger().records().pop().unwrap();
    assert!(
        last.skipped[0].reason.contains("circuit open"),
        "{:?}",
        last.skipped
    );
}

#[tokio::test]
async fn concurrency_is_limited_per_provider() {
    let cloud = Fake::ok("fal:flux-dev", "0.025").slow(Duration::from_millis(20));
    let options = RouterOptions {
        concurrency: [("fal".to_owned(), 2)].into(),
        ..RouterOptions::default()
    };
    let r = router(vec![cloud.clone()], options);
    let model = r.image();
    let requests: Vec<_> = (0..8).map(|i| image_request(&format!("p{i}"))).collect();
    let results = futures_join(requests.iter().map(|q| model.generate(q))).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(cloud.max_inflight.load(Ordering::SeqCst), 2);
}

/// 30% of calls fail with mixed retryable errors and 10% are safety-blocked,
/// over 200 image requests through a chain ending in a free local model.
#[tokio::test]
async fn fault_injection_completes_everything_without_double_charges() {
    fn fate(roll: u64) -> Option<ProviderErrorKind> {
        match roll % 100 {
            0..=9 => Some(ProviderErrorKind::SafetyBlocked),
            10..=17 => Some(ProviderErrorKind::RateLimited {
                retry_after_ms: Some(2),
            }),
            18..=24 => Some(ProviderErrorKind::Server { status: 503 }),
            25..=30 => Some(ProviderErrorKind::Server { status: 500 }),
            31..=35 => Some(ProviderErrorKind::Timeout),
            36..=39 => Some(ProviderErrorKind::Connection),
            _ => None,
        }
    }
    let cloud = Fake::new(
        "fal:flux-dev",
        "0.025",
        Plan::Random(Mutex::new(0x9e37_79b9_7f4a_7c15), fate),
    );
    let local = Fake::ok("local:previz", "0");
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::with_journal(&dir.path().join("usage.jsonl")).unwrap();
    let budget = Budget::new(Some("100".parse().unwrap()));
    let options = RouterOptions {
        budget: budget.clone(),
        ledger: ledger.clone(),
        cache: Some(DiskCache::new(dir.path().join("cache"))),
        concurrency: [("fal".to_owned(), 8)].into(),
        ..RouterOptions::default()
    };
    let r = router(vec![cloud.clone(), local.clone()], options);
    let model = r.image();
    let requests: Vec<ImageRequest> = (0..200)
        .map(|i| image_request(&format!("shot {i}")))
        .collect();
    let results = futures_join(requests.iter().map(|q| model.generate(q))).await;

    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "every request completes: {failed:?}");
    let records = ledger.records();
    assert_eq!(records.len(), 200, "one usage record per request");
    let hashes: HashSet<_> = records.iter().map(|r| r.request_hash).collect();
    assert_eq!(hashes.len(), 200, "no request charged twice");
    let cloud_ok = cloud.successes.load(Ordering::SeqCst);
    let local_ok = local.successes.load(Ordering::SeqCst);
    assert_eq!(cloud_ok + local_ok, 200);
    assert!(
        cloud.calls() > cloud_ok,
        "faults were injected ({} calls)",
        cloud.calls()
    );
    assert!(
        local_ok > 0,
        "safety blocks fell through to the local model"
    );
    let by_model = |m: &str| records.iter().filter(|r| r.model == m).count() as u64;
    assert_eq!(
        (by_model("fal:flux-dev"), by_model("local:previz")),
        (cloud_ok, local_ok)
    );
    let billed = *cloud.billed.lock().unwrap();
    assert_eq!(
        UsageRecord::total(&records),
        billed,
        "ledger total = sum of successful calls"
    );
    assert_eq!(budget.spent(), billed, "budget reconciled to actual usage");
    assert_eq!(budget.reserved(), Money::ZERO, "no reservation left behind");
    assert!(records.iter().all(|r| r.capability == Capability::Image));
    // The journal holds the same ledger.
    let reopened = Ledger::with_journal(&dir.path().join("usage.jsonl")).unwrap();
    assert_eq!(reopened.total(), billed);
    // Rerunning the whole batch: what the cloud answered comes from the
    // cache, what it refused is not asked again; only requests whose cloud
    // attempts failed transiently go back to it.
    let answered_or_refused: HashSet<String> = records
        .iter()
        .filter(|r| {
            r.model == "fal:flux-dev"
                || r.skipped
                    .iter()
                    .any(|s| s.reason.starts_with("safety filter"))
        })
        .map(|r| {
            let i = requests
                .iter()
                .position(|q| {
                    alkemy_core::ContentHash::of_json(&(Capability::Image, r.model.as_str(), q))
                        == r.request_hash
                })
                .unwrap();
            requests[i].prompt.clone()
        })
        .collect();
    assert!(answered_or_refused.len() >= cloud_ok as usize);
    let before = cloud.prompts.lock().unwrap().len();
    let again = futures_join(requests.iter().map(|q| model.generate(q))).await;
    assert!(again.iter().all(Result::is_ok));
    let resent: Vec<String> = cloud.prompts.lock().unwrap()[before..].to_vec();
    assert!(
        resent.iter().all(|p| !answered_or_refused.contains(p)),
        "never sent twice: {resent:?}"
    );
}

/// Runs futures concurrently on the current task.
async fn futures_join<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let handles: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut slots: Vec<Option<F::Output>> = handles.iter().map(|_| None).collect();
    let mut pending: Vec<_> = handles.into_iter().enumerate().collect();
    std::future::poll_fn(move |cx| {
        pending.retain_mut(|(i, f)| match f.as_mut().poll(cx) {
            std::task::Poll::Ready(out) => {
                slots[*i] = Some(out);
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() {
            std::task::Poll::Ready(slots.drain(..).map(|s| s.unwrap()).collect::<Vec<_>>())
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}
