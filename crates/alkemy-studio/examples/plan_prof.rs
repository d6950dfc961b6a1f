//! Profiling loop (`cargo build --release -p alkemy-studio --example
//! plan_prof`): plans Big Fish and composes its prompts `N` times and prints
//! the fastest, 10th-percentile and median run, for `perf` or `valgrind
//! --tool=callgrind` on a busy machine where criterion's wall times swing.
//! `plan_prof [N] [both|plan|prompts]`; `ALKEMY_BIG_FISH` points it at the
//! script elsewhere. It uses the `alkemy` binary's allocator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use alkemy_core::{AspectRatio, Moodboard, Rgb, Swatch};
use alkemy_studio::prompt::{PromptContext, PromptLimits, compose_all};
use alkemy_studio::{PlanOptions, plan};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BIG_FISH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/corpus/features/big-fish.fountain"
);

fn main() {
    let runs: usize = std::env::args().nth(1).map_or(600, |n| n.parse().unwrap());
    let what = std::env::args().nth(2).unwrap_or_else(|| "both".into());
    let path = std::env::var("ALKEMY_BIG_FISH").unwrap_or_else(|_| BIG_FISH.to_owned());
    let bytes = std::fs::read(path).unwrap();
    let breakdown =
        alkemy_script::breakdown(&alkemy_script::read(&bytes, Some("big-fish.fountain")).unwrap());
    // The bench's look and prompt limits, so the figures compare.
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
    let options = PlanOptions::default();
    let planned = plan(&breakdown, &options);
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| match what.as_str() {
            "plan" => {
                let t = Instant::now();
                black_box(plan(black_box(&breakdown), &options));
                t.elapsed()
            }
            "prompts" => {
                let mut list = planned.clone();
                let t = Instant::now();
                compose_all(&mut list, ctx);
                let elapsed = t.elapsed();
                black_box(list);
                elapsed
            }
            _ => {
                let t = Instant::now();
                let mut list = plan(black_box(&breakdown), &options);
                compose_all(&mut list, ctx);
                black_box(list);
                t.elapsed()
            }
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{what} ({} shots): min {:.3} ms  p10 {:.3} ms  median {:.3} ms",
        planned.shots.len(),
        ms(times[0]),
        ms(times[times.len() / 10]),
        ms(times[times.len() / 2])
    );
}
