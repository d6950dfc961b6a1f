//! Planning and prompt composition for a whole feature (Big Fish: 190
//! scenes), from an already parsed breakdown.
//!
//! `cargo bench -p alkemy-studio --bench plan`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod inputs;

use std::hint::black_box;

use alkemy_studio::prompt::compose_all;
use alkemy_studio::{PlanOptions, StylePreset, plan, shotlist_csv};
use criterion::{Criterion, criterion_group, criterion_main};

/// The `alkemy` binary's allocator, so that the bench measures what ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench(c: &mut Criterion) {
    let breakdown = inputs::big_fish();
    let look = inputs::look();
    let ctx = inputs::context(&breakdown, &look);
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
    // The same on one thread: what a machine with one free core gets.
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    group.bench_function("plan+prompts/classic/one-thread", |b| {
        b.iter(|| {
            one.install(|| {
                let mut list = plan(black_box(&breakdown), &options);
                compose_all(&mut list, ctx);
                list
            })
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
