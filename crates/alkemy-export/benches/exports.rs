//! Every export for a feature film: 1,100 shots in 190 scenes at 24 fps with
//! 320×180 panels (`cargo bench -p alkemy-export --bench exports`).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;

use alkemy_core::{ContentHash, Money};
use alkemy_export::manifest::{AssetKind, ManifestAsset};
use alkemy_export::storyboard::{html, pdf};
use alkemy_export::{Manifest, assemble, edl, fcpxml, otio};
use criterion::{Criterion, criterion_group, criterion_main};

fn exports(c: &mut Criterion) {
    let shots = support::feature(190, 1_100);
    let media = support::media(&shots, 24, 12);
    let options = support::feature_options();
    let timeline = assemble(&shots, &media, &options).unwrap();
    let pngs = support::pngs(&shots, 320, 180);
    let board = support::board("Big Fish", &shots, &pngs);

    let mut g = c.benchmark_group("feature_1100_shots");
    g.sample_size(10);
    g.bench_function("assemble", |b| {
        b.iter(|| assemble(black_box(&shots), &media, &options).unwrap())
    });
    g.bench_function("otio", |b| {
        b.iter(|| otio::to_bytes(black_box(&timeline), &otio::OtioOptions::default()).unwrap())
    });
    g.bench_function("edl", |b| {
        b.iter(|| edl::to_bytes(black_box(&timeline), &edl::EdlOptions::default()).unwrap())
    });
    g.bench_function("fcpxml", |b| {
        b.iter(|| {
            fcpxml::to_bytes(black_box(&timeline), &fcpxml::FcpxmlOptions::default()).unwrap()
        })
    });
    g.bench_function("storyboard_html", |b| {
        b.iter(|| html::to_bytes(black_box(&board)))
    });
    g.bench_function("storyboard_pdf_2x3", |b| {
        b.iter(|| pdf::render(black_box(&board), &pdf::PdfOptions::default()).unwrap())
    });
    let nine = pdf::PdfOptions {
        grid: pdf::Grid::THREE_BY_THREE,
        ..pdf::PdfOptions::default()
    };
    g.bench_function("storyboard_pdf_3x3", |b| {
        b.iter(|| pdf::render(black_box(&board), &nine).unwrap())
    });
    g.bench_function("manifest_2200_assets", |b| {
        b.iter(|| {
            let mut m = Manifest::new("Big Fish", "alkemy bench");
            for shot in &shots.shots {
                for (kind, dir) in [(AssetKind::Frame, "frames"), (AssetKind::Clip, "clips")] {
                    m.record(ManifestAsset {
                        path: format!("{dir}/{}.png", shot.id),
                        kind,
                        shot_id: Some(shot.id.to_string()),
                        inputs_hash: ContentHash::of_bytes(shot.id.as_bytes()),
                        provider: "local".to_owned(),
                        model: "previz".to_owned(),
                        seed: Some(1),
                        cost: Money::ZERO,
                        cached: false,
                        time_ms: 3,
                        bytes: 40_000,
                    });
                }
            }
            m.to_json()
        })
    });
    g.finish();
}

criterion_group!(benches, exports);
criterion_main!(benches);
