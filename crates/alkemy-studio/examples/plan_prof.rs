//! Profiling loop (`cargo build --release -p alkemy-studio --example
//! plan_prof`): plans Big Fish and composes its prompts `N` times and prints
//! the fastest, 10th-percentile and median run, for `perf` or `valgrind
//! --tool=callgrind` on a busy machine where criterion's wall times swing.
//! `plan_prof [N] [both|plan|prompts]`; `ALKEMY_BIG_FISH` points it at the
//! script elsewhere. It uses the `alkemy` binary's allocator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/inputs/mod.rs"]
mod inputs;

use std::hint::black_box;
use std::time::{Duration, Instant};

use alkemy_studio::prompt::compose_all;
use alkemy_studio::{PlanOptions, plan};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let runs: usize = std::env::args().nth(1).map_or(600, |n| n.parse().unwrap());
    let what = std::env::args().nth(2).unwrap_or_else(|| "both".into());
    // The bench's inputs, so the figures compare.
    let breakdown = inputs::big_fish();
    let look = inputs::look();
    let ctx = inputs::context(&breakdown, &look);
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
