//! Parse and breakdown speed on the real corpus, side by side with the Rust
//! Fountain crates jumpcut and rustwell in the same run, and the linear-time
//! guard: 20 MB inputs (a feature repeated, and pathological markup) must
//! parse in well under a second.
//!
//! `cargo bench -p alkemy-script --bench parse`

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The `alkemy` binary's allocator, so that the bench measures what ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/corpus/");

fn load(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{CORPUS}{rel}")).unwrap()
}

fn big_fish(c: &mut Criterion) {
    let bytes = load("features/big-fish.screenplain.fountain");
    let text = String::from_utf8(bytes.clone()).unwrap();
    let mut g = c.benchmark_group("big_fish");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("alkemy read+breakdown", |b| {
        b.iter(|| {
            let sp = alkemy_script::read(black_box(&bytes), Some("big-fish.fountain")).unwrap();
            alkemy_script::breakdown(&sp)
        });
    });
    g.bench_function("alkemy read", |b| {
        b.iter(|| alkemy_script::read(black_box(&bytes), Some("big-fish.fountain")).unwrap());
    });
    let sp = alkemy_script::read(&bytes, None).unwrap();
    g.bench_function("alkemy breakdown", |b| {
        b.iter(|| alkemy_script::breakdown(black_box(&sp)))
    });
    // The floor under any parser with this output: building (here, cloning)
    // and dropping the screenplay and breakdown that `analyze` returns.
    let bd = alkemy_script::breakdown(&sp);
    g.bench_function("output alone (clone of both)", |b| {
        b.iter(|| (black_box(&sp).clone(), black_box(&bd).clone()))
    });
    g.bench_function("jumpcut 2.1.0 parse", |b| {
        b.iter(|| jumpcut::parse(black_box(&text)))
    });
    g.bench_function("rustwell 0.3.1 parse", |b| {
        b.iter(|| rustwell::parse(black_box(&text)))
    });
    g.finish();
}

fn other_formats(c: &mut Criterion) {
    let mut g = c.benchmark_group("formats");
    for rel in [
        "features/big-fish.fdx",
        "features/big-fish.latin1.fountain",
        "shorts/ifrost-torn.afterwriting-render.pdf",
        "shorts/trelby-stonehenge.plaintext.txt",
    ] {
        let bytes = load(rel);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(rel, |b| {
            b.iter(|| {
                let sp = alkemy_script::read(black_box(&bytes), Some(rel)).unwrap();
                alkemy_script::breakdown(&sp)
            });
        });
    }
    g.finish();
}

/// About 20 MB of `unit` repeated.
fn twenty_mb(unit: &str) -> Vec<u8> {
    let n = (20 * 1024 * 1024 - 1024) / unit.len();
    unit.repeat(n).into_bytes()
}

fn linear_time(c: &mut Criterion) {
    let fish = String::from_utf8(load("features/big-fish.screenplain.fountain")).unwrap();
    let cases = [
        ("big fish x140", twenty_mb(&format!("{fish}\n\n"))),
        ("unclosed notes", twenty_mb("[[ open ")),
        ("unclosed notes, a line each", twenty_mb("[[ open\n")),
        ("unclosed emphasis, one line", twenty_mb("*a _b **c ")),
        ("boneyard openers", twenty_mb("/* x\n")),
        ("cues without end", twenty_mb("BOB\nHi.\n")),
        ("one long line", twenty_mb("word ")),
    ];
    let mut g = c.benchmark_group("linear_20mb");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    for (name, bytes) in &cases {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(*name, |b| {
            b.iter(|| {
                let sp = alkemy_script::read(black_box(bytes), None).unwrap();
                alkemy_script::breakdown(&sp)
            });
        });
    }
    g.finish();
}

criterion_group!(benches, big_fish, other_formats, linear_time);
criterion_main!(benches);
