//! Planning and prompt composition for a whole feature (Big Fish: 190
//! scenes), from an already parsed breakdown.
//!
//! `cargo bench -p alkemy-studio --bench plan`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use alkemy_core::{AspectRatio, Moodboard, Rgb, Swatch};
use alkemy_studio::prompt::{PromptContext, PromptLimits, compose_all};
use alkemy_studio::{PlanOptions, StylePreset, plan, shotlist_csv};
use criterion::{Criterion, criterion_group, criterion_main};

/// The `alkemy` binary's allocator, so that the bench measures what ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BIG_FISH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/corpus/features/big-fish.fountain"
);

fn bench(c: &mut Criterion) {
    // `ALKEMY_BIG_FISH` points a copied bench binary at the script elsewhere.
    let path = std::env::var("ALKEMY_BIG_FISH").unwrap_or_else(|_| BIG_FISH.to_owned());
    let bytes = std::fs::read(path).unwrap();
    let breakdown =
        alkemy_script::breakdown(&alkemy_script::read(&bytes, Some("big-fish.fountain")).unwrap());
    let look = Moodboard {
        summary: "Southern fable".into(),
        style_keywords: vec!["35mm film".into(), "warm grain".into(), "storybook".into()],
        palette: vec![Swatch {
            name: "sun yellow".into(),
            rgb: Rgb([240, 200, 80]),
        }],
        avoid: vec!["cartoon".into()],
    };
    let ctx = PromptContext {
        project: "big-fish",
        breakdown: &breakdown,
        identities: &[],
        moodboard: Some(&look),
        aspect: AspectRatio::Scope,
        limits: PromptLimits::for_model("fal:flux-dev"),
    };
    let mut group = c.benchmark_group("big_fish");
    for style in StylePreset::ALL {
        let options = PlanOptions::with_style(style);
        group.bench_function(format!("plan/{style}"), |b| {
            b.iter(|| plan(black_box(&breakdown), black_box(&options)))
        });
    }
    let options = PlanOptions::default();
    group.bench_function("plan+prompts/classic", |b| {
        b.iter(|| {
            let mut list = plan(black_box(&breakdown), &options);
            compose_all(&mut list, ctx);
            list
        })
    });
    let list = plan(&breakdown, &options);
    group.bench_function("csv/classic", |b| {
        b.iter(|| shotlist_csv::to_string(black_box(&list)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
