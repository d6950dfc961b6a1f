//! Previz panels at 720p: drawing, PNG encoding, and both, over the Brick &
//! Steel shot list (one shot per iteration, in turn).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;

use alkemy_media::{PanelOptions, PrevizRenderer};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn panels(c: &mut Criterion) {
    let shots = support::brick_and_steel();
    let r = PrevizRenderer::new();
    let (w, h) = (1280, 720);
    let images: Vec<_> = shots
        .iter()
        .map(|s| r.render(s, w, h, PanelOptions::default()).unwrap())
        .collect();
    let mut g = c.benchmark_group("panel_720p");
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("draw", |b| {
        b.iter(|| {
            i = (i + 1) % shots.len();
            black_box(r.render(&shots[i], w, h, PanelOptions::default()).unwrap())
        })
    });
    g.bench_function("png_encode", |b| {
        b.iter(|| {
            i = (i + 1) % images.len();
            black_box(images[i].to_png().unwrap())
        })
    });
    g.bench_function("draw_and_png", |b| {
        b.iter(|| {
            i = (i + 1) % shots.len();
            black_box(
                r.render_png(&shots[i], w, h, PanelOptions::default())
                    .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, panels);
criterion_main!(benches);
