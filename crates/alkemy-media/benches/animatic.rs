//! Animatic encoding speed as a multiple of real time, side by side with
//! `ffmpeg -c:v libx264 -preset veryfast` fed the very same frames (raw
//! yuv420p through a pipe), at 480p and 720p. With `--feature` it also
//! renders a two-hour feature's worth of shots (panels, clips, join, MP4) on
//! all cores, end to end.
//!
//! Run: `cargo bench -p alkemy-media --bench animatic [-- --feature | --panels]`
//! (`--panels`: the panel line alone).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

use alkemy_core::Shot;
use alkemy_media::{
    Animatic, AnimaticOptions, ClipSpec, EncodedClip, Frame, PanelOptions, PrevizRenderer,
    RgbImage, assemble,
};
use rayon::prelude::*;

const FPS: u32 = 24;

/// CPU seconds used so far by this process (user + system) and by its
/// waited-for children, from `/proc/self/stat`: unlike wall time, this does
/// not depend on what else the shared machine is running.
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    // Fields 14-17 of stat (1-based) are utime, stime, cutime, cstime; `after`
    // starts at field 3. Ticks are 1/100 s on Linux.
    let tick = 100.0;
    let own = (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / tick;
    let children = (f.get(13).copied().unwrap_or(0.0) + f.get(14).copied().unwrap_or(0.0)) / tick;
    (own, children)
}

/// Runs `f`, returning (wall s, own CPU s, children's CPU s, result).
fn measure<T>(f: impl FnOnce() -> T) -> (f64, f64, f64, T) {
    let (c0, k0) = cpu_seconds();
    let t = Instant::now();
    let r = f();
    let wall = t.elapsed().as_secs_f64();
    let (c1, k1) = cpu_seconds();
    (wall, c1 - c0, k1 - k0, r)
}

fn spec_of(shot: &Shot) -> ClipSpec<'_> {
    ClipSpec {
        movement: shot.movement,
        frames: shot.frames(FPS),
        subtitle: shot.dialogue.as_deref(),
        seed: 7,
    }
}

fn encode_all(
    animatic: &Animatic,
    stills: &[RgbImage],
    shots: &[Shot],
    threads: usize,
) -> Vec<EncodedClip> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        shots
            .par_iter()
            .zip(stills.par_iter())
            .map(|(s, still)| animatic.clip(still, &spec_of(s), &s.id).unwrap())
            .collect()
    })
}

fn x264(
    animatic: &Animatic,
    stills: &[RgbImage],
    shots: &[Shot],
    threads: Option<u32>,
) -> Option<f64> {
    let o = animatic.options();
    // Every frame, repeats included, as raw 4:2:0: exactly what we encode.
    let mut raw = Vec::new();
    for (s, still) in shots.iter().zip(stills) {
        let mut last: Vec<u8> = Vec::new();
        animatic
            .frames(still, &spec_of(s), &s.id, |f| {
                if let Frame::New(p) = f {
                    last.clear();
                    last.extend_from_slice(&p.y);
                    last.extend_from_slice(&p.u);
                    last.extend_from_slice(&p.v);
                }
                raw.extend_from_slice(&last);
                Ok(())
            })
            .unwrap();
    }
    let size = format!("{}x{}", o.width, o.height);
    let mut cmd = Command::new("ffmpeg");
    cmd.args([
        "-v", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", &size, "-r", "24", "-i", "-",
    ]);
    cmd.args(["-c:v", "libx264", "-preset", "veryfast"]);
    if let Some(t) = threads {
        cmd.args(["-threads", &t.to_string()]);
    }
    cmd.args(["-f", "mp4", "-y", "/dev/null"]);
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&raw);
    });
    writer.join().ok()?;
    let status = child.wait().ok()?;
    status.success().then(|| start.elapsed().as_secs_f64())
}

fn panels(shots: &[Shot]) {
    let r = PrevizRenderer::new();
    let (w, h) = (1280, 720);
    let n = 600;
    let images: Vec<RgbImage> = shots
        .iter()
        .map(|s| r.render(s, w, h, PanelOptions::default()).unwrap())
        .collect();
    let (_, draw, _, _) = measure(|| {
        for i in 0..n {
            std::hint::black_box(
                r.render(&shots[i % shots.len()], w, h, PanelOptions::default())
                    .unwrap(),
            );
        }
    });
    let (_, png, _, _) = measure(|| {
        for i in 0..n {
            std::hint::black_box(images[i % images.len()].to_png().unwrap());
        }
    });
    let (_, both, _, _) = measure(|| {
        for i in 0..n {
            std::hint::black_box(
                r.render_png(&shots[i % shots.len()], w, h, PanelOptions::default())
                    .unwrap(),
            );
        }
    });
    let per = |cpu: f64| cpu * 1000.0 / n as f64;
    println!(
        "panels 720p, CPU ms per panel over {n}: draw {:.2}, PNG encode {:.2}, draw + PNG {:.2} ({:.0} panels/s per core)",
        per(draw),
        per(png),
        per(both),
        n as f64 / both
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let shots = support::brick_and_steel();
    panels(&shots);
    if args.iter().any(|a| a == "--panels") {
        return;
    }
    let seconds: f64 = shots
        .iter()
        .map(|s| f64::from(s.frames(FPS)) / f64::from(FPS))
        .sum();
    println!(
        "Brick & Steel shot list: {} shots, {seconds:.1} s of animatic at {FPS} fps",
        shots.len()
    );
    println!(
        "{:<6} {:<36} {:>8} {:>8} {:>14} {:>10}",
        "size", "encoder", "wall s", "CPU s", "× real time/CPU", "size KiB"
    );
    for (w, h) in [(854, 480), (1280, 720)] {
        let animatic = Animatic::new(AnimaticOptions::new(w, h, FPS)).unwrap();
        let r = PrevizRenderer::new();
        let stills: Vec<RgbImage> = shots
            .iter()
            .map(|s| r.render(s, w, h, PanelOptions::clean()).unwrap())
            .collect();
        let label = format!("{h}p");
        for threads in [1, 2] {
            let (wall, cpu, _, clips) = measure(|| encode_all(&animatic, &stills, &shots, threads));
            let bytes: usize = clips.iter().map(|c| c.to_mp4().len()).sum();
            println!(
                "{label:<6} {:<36} {wall:>8.3} {cpu:>8.3} {:>14.0} {:>10}",
                format!("alkemy (openh264 + skips), {threads} thr"),
                seconds / cpu,
                bytes / 1024
            );
        }
        for threads in [Some(1), None] {
            let (_, _, cpu, ok) = measure(|| x264(&animatic, &stills, &shots, threads));
            match ok {
                Some(wall) => println!(
                    "{label:<6} {:<36} {wall:>8.3} {cpu:>8.3} {:>14.0}",
                    format!(
                        "ffmpeg libx264 veryfast, {}",
                        threads.map_or("auto thr".to_owned(), |t| format!("{t} thr"))
                    ),
                    seconds / cpu
                ),
                None => println!("{label:<6} ffmpeg not available"),
            }
        }
    }
    if args.iter().any(|a| a == "--feature") {
        feature(&shots);
    }
}

/// A feature-length animatic at 480p: Brick & Steel's shots repeated to two
/// hours, every panel drawn, every clip encoded on all cores, joined, written.
fn feature(base: &[Shot]) {
    let target_s = 7200.0;
    let mut shots = Vec::new();
    let mut total = 0.0;
    let mut n = 0;
    while total < target_s {
        let mut s = base[n % base.len()].clone();
        s.id = format!("{}-{n}", s.id).into();
        total += f64::from(s.frames(FPS)) / f64::from(FPS);
        shots.push(s);
        n += 1;
    }
    let (w, h) = (854, 480);
    let animatic = Animatic::new(AnimaticOptions::new(w, h, FPS)).unwrap();
    let r = PrevizRenderer::new();
    let (c0, _) = cpu_seconds();
    let start = Instant::now();
    let clips: Vec<EncodedClip> = shots
        .par_iter()
        .map(|s| {
            let still = r.render(s, w, h, PanelOptions::clean()).unwrap();
            // The storyboard panel is drawn and encoded too, as produce does.
            let _png = r.render_png(s, w, h, PanelOptions::default()).unwrap();
            animatic.clip(&still, &spec_of(s), &s.id).unwrap()
        })
        .collect();
    let encoded = start.elapsed().as_secs_f64();
    let joined = assemble(&clips).unwrap();
    let mp4 = joined.to_mp4();
    let path = std::env::temp_dir().join("alkemy-feature-bench.mp4");
    std::fs::write(&path, &mp4).unwrap();
    let all = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds().0 - c0;
    println!(
        "feature: {} shots, {total:.0} s at 480p: panels+clips {encoded:.1} s, joined+written {all:.1} s wall ({:.0}× real time), {cpu:.1} CPU s, {} MiB",
        shots.len(),
        total / all,
        mp4.len() >> 20
    );
    let _ = std::fs::remove_file(path);
}
