//! Router and cache costs per call: hashing a request into its cache key, a
//! disk cache hit, and the router's own overhead around a free model.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use alkemy_core::{
    AspectRatio, ContentHash, GeneratedImage, ImageModel, ImageRequest, InputImage, Money,
    ProviderError,
};
use alkemy_providers::{Chains, DiskCache, Router, RouterOptions};
use async_trait::async_trait;
use criterion::{Criterion, criterion_group, criterion_main};

struct Instant;

#[async_trait]
impl ImageModel for Instant {
    fn id(&self) -> &str {
        "fal:flux-dev"
    }
    fn quote(&self, _: &ImageRequest) -> Money {
        Money::from_micros(25_000)
    }
    async fn generate(&self, r: &ImageRequest) -> Result<Vec<GeneratedImage>, ProviderError> {
        Ok(vec![GeneratedImage {
            bytes: vec![0; 64 * 1024],
            mime: "image/png".into(),
            width: r.width,
            height: r.height,
            seed: Some(r.seed),
            model: "fal:flux-dev".into(),
            cost: Money::from_micros(25_000),
        }])
    }
}

fn request(i: u64, references: Vec<InputImage>) -> ImageRequest {
    ImageRequest {
        prompt: format!(
            "Medium close-up, 50mm, eye level. RAY, 40s welder, soot on his face, looks up from the \
             sparks; night, sodium light through a dusty window; teal and orange palette, film grain. {i}"
        ),
        negative_prompt: "text, watermark, extra fingers".into(),
        aspect: AspectRatio::Widescreen,
        width: 1280,
        height: 720,
        seed: i,
        count: 1,
        references,
        identities: vec![],
        shot: None,
    }
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // A 200 kB reference enters the key by its hash, as in production.
    let req = request(1, vec![InputImage::new(vec![7; 200_000], "image/png")]);
    c.bench_function("cache_key/image_request", |b| {
        b.iter(|| ContentHash::of_json(&("image", "fal:flux-dev", &req)))
    });

    let dir = tempfile::tempdir().unwrap();
    let cached = Router::new(
        Chains {
            image: vec![Arc::new(Instant) as Arc<dyn ImageModel>],
            ..Chains::default()
        },
        RouterOptions {
            cache: Some(DiskCache::new(dir.path())),
            ..RouterOptions::default()
        },
    );
    let model = cached.image();
    runtime.block_on(model.generate(&req)).unwrap();
    c.bench_function("router/cache_hit_64k_image", |b| {
        b.iter(|| runtime.block_on(model.generate(&req)).unwrap())
    });
    c.bench_function("router/quote_cached", |b| {
        b.iter(|| cached.quote_image(&req))
    });

    let uncached = Router::new(
        Chains {
            image: vec![Arc::new(Instant) as Arc<dyn ImageModel>],
            ..Chains::default()
        },
        RouterOptions::default(),
    );
    let model = uncached.image();
    let mut i = 0u64;
    c.bench_function("router/overhead_per_call_no_cache", |b| {
        b.iter(|| {
            i += 1;
            let r = request(i, Vec::new());
            runtime.block_on(model.generate(&r)).unwrap()
        })
    });
}

criterion_group!(router, benches);
criterion_main!(router);
