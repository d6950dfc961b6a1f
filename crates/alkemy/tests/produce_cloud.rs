//! `alkemy produce` with cloud providers, end to end, against a local mock of
//! Fal's queue API (submit → status polling → result, files served by the
//! mock): the built binary is pointed at it through `ALKEMY_FAL_URL` and a
//! `FAL_KEY`, and nothing leaves the machine.
//!
//! - `--provider fal`: every frame is a picture the mock served (by hash),
//!   the manifest says `fal:flux-dev`, the animatic is made from them and
//!   ffprobe reads it; a second run sends nothing; the dry run sends nothing
//!   and quotes the price table; a budget below the quote refuses to start.
//! - Fault injection: ~30% of calls fail with 429 (Retry-After), 500, 503 or
//!   a timeout, ~10% of requests are refused by the content checker
//!   (deterministic, seeded); the production still completes, refusals fall
//!   down the chain (`fal:flux-schnell`, then `local:previz`) and say so, the
//!   usage ledger charges each successful call once and failed calls
//!   nothing, and the total equals the successful calls the mock counted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fal_mock;
mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use alkemy_core::{ContentHash, Money};
use serde_json::Value;

use fal_mock::{FLUX_DEV, FLUX_SCHNELL, Fal, Faults, KLING_PATH};

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/brick-and-steel.fountain"
);

/// Test prices (not the public ones), so expected totals are computed here
/// independently of the price table's megapixel rules.
const PRICES: &str = r#"
version = 1
date = "2026-01-01"
[models."fal:flux-dev"]
per_image = "0.031"
[models."fal:flux-schnell"]
per_image = "0.007"
[models."fal:kling"]
per_clip = "0.2"
"#;
const DEV: Money = Money::from_micros(31_000);
const SCHNELL: Money = Money::from_micros(7_000);
const KLING: Money = Money::from_micros(200_000);

/// Runs the binary against the mock, with no other provider and no vault.
fn alkemy(fal: &Fal, home: &Path, args: &[&str]) -> Output {
    let mut cmd = support::alkemy_in(home);
    cmd.env("FAL_KEY", "mock-fal-key")
        .env("ALKEMY_FAL_URL", &fal.uri)
        .env("ALKEMY_PRICES", home.join("prices.toml"))
        .args(args)
        .output()
        .unwrap()
}

fn json_of(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "alkemy failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn money(v: &Value) -> Money {
    Money::from_micros(v.as_i64().unwrap_or_else(|| panic!("not money: {v}")))
}

fn manifest_assets(out: &Path, kind: &str) -> Vec<Value> {
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    manifest["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == kind)
        .cloned()
        .collect()
}

fn setup_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("prices.toml"), PRICES).unwrap();
    home
}

#[test]
fn produce_with_fal_makes_every_frame_at_the_mock_and_pays_once() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fal = Fal::start(&runtime, None);
    let home = setup_home();
    let out = home.path().join("film");
    let out_s = out.to_str().unwrap();
    let base = [
        "produce",
        EXAMPLE,
        "--out",
        out_s,
        "--resolution",
        "480p",
        "--provider",
        "fal",
        "--jobs",
        "8",
        "--json",
    ];

    // The dry run quotes the price table and sends nothing.
    let quote = json_of(&alkemy(
        &fal,
        home.path(),
        &[&base[..], &["--dry-run"][..]].concat(),
    ));
    let shots = quote["frames_to_make"].as_u64().unwrap();
    assert!(shots >= 8, "{quote}");
    assert_eq!(quote["image_model"], "fal:flux-dev");
    assert_eq!(money(&quote["frames_cost"]), DEV.times(shots));
    let flux = quote["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == "fal:flux-dev")
        .unwrap_or_else(|| panic!("no fal:flux-dev line: {quote}"));
    assert_eq!(flux["requests"], shots);
    assert_eq!(money(&flux["cost"]), DEV.times(shots));
    assert!(money(&quote["clips_cost"]) > Money::ZERO, "{quote}");
    assert_eq!(
        money(&quote["total"]),
        money(&quote["frames_cost"]) + money(&quote["clips_cost"])
    );
    assert_eq!(fal.requests(), 0, "a dry run sends nothing");
    assert!(!out.exists(), "a dry run writes nothing");

    // A budget below the quote refuses to start, naming the quote.
    let o = alkemy(
        &fal,
        home.path(),
        &[&base[..], &["--budget", "0.05"][..]].concat(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("over --budget $0.05"), "{err}");
    assert!(err.contains("fal:flux-dev"), "{err}");
    assert_eq!(fal.requests(), 0, "nothing sent over budget");

    // The production: every frame from the mock.
    let report = json_of(&alkemy(&fal, home.path(), &base));
    assert_eq!(report["frames_made"], shots);
    let log = fal.mock.log.lock().unwrap();
    let fallbacks: Vec<&Value> = report["usage"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["skipped"].as_array().is_some_and(|s| !s.is_empty()))
        .collect();
    assert_eq!(
        log.delivered.get(FLUX_DEV),
        Some(&shots),
        "{:?} {fallbacks:?}",
        log.delivered
    );
    let frames = manifest_assets(&out, "frame");
    assert_eq!(frames.len() as u64, shots);
    for frame in &frames {
        assert_eq!(frame["provider"], "fal", "{frame}");
        assert_eq!(frame["model"], "flux-dev", "{frame}");
        assert_eq!(money(&frame["cost_micros"]), DEV, "{frame}");
        let bytes = std::fs::read(out.join(frame["path"].as_str().unwrap())).unwrap();
        assert!(
            log.served.contains(&ContentHash::of_bytes(&bytes)),
            "{} is not a picture the mock served",
            frame["path"]
        );
    }
    // Clips: Kling where its 5/10 s grid covers the shot, the animatic beyond.
    let kling_clips = log.delivered.get(KLING_PATH).copied().unwrap_or(0);
    assert!(kling_clips > 0, "{:?}", log.delivered);
    let clips = manifest_assets(&out, "clip");
    let from_kling = clips.iter().filter(|c| c["model"] == "kling").count() as u64;
    assert_eq!(from_kling, kling_clips);
    assert!(
        clips
            .iter()
            .all(|c| c["model"] == "kling" || c["model"] == "animatic"),
        "{clips:?}"
    );
    // Money: the ledger, the report and the mock agree, each call once.
    let expected = DEV.times(shots) + KLING.times(kling_clips);
    assert_eq!(money(&report["cost"]), expected);
    assert_eq!(money(&report["usage"]["total"]), expected);
    let records = report["usage"]["records"].as_array().unwrap();
    let paid = records
        .iter()
        .filter(|r| money(&r["cost"]) > Money::ZERO)
        .count() as u64;
    assert_eq!(paid, shots + kling_clips);
    let journal = std::fs::read_to_string(out.join(".alkemy/usage.jsonl")).unwrap();
    assert_eq!(journal.lines().count(), records.len());
    drop(log);

    // The animatic is made from those frames and reads clean.
    assert_animatic(&out, report["frames"].as_u64().unwrap());

    // A second run sends nothing and costs nothing.
    let before = fal.requests();
    let again = json_of(&alkemy(&fal, home.path(), &base));
    assert_eq!(fal.requests(), before, "the second run sent requests");
    assert_eq!(again["frames_made"], 0);
    assert_eq!(again["clips_made"], 0);
    assert_eq!(money(&again["cost"]), Money::ZERO);
    assert_eq!(again["usage"]["records"].as_array().unwrap().len(), 0);
}

fn assert_animatic(out: &Path, timeline_frames: u64) {
    let Some(ffprobe) = support::ffprobe() else {
        return;
    };
    let v = support::probe(&ffprobe, &out.join("animatic.mp4"));
    let stream = &v["streams"][0];
    assert_eq!(stream["codec_name"], "h264");
    assert_eq!(stream["pix_fmt"], "yuv420p");
    assert_eq!(stream["width"], 854);
    let counted: u64 = stream["nb_read_frames"].as_str().unwrap().parse().unwrap();
    assert_eq!(counted, timeline_frames);
}

#[test]
fn faults_and_safety_blocks_still_finish_every_shot_with_no_double_charge() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let faults = Faults {
        seed: 7,
        transient: 0.3,
        safety: 0.1,
    };
    let fal = Fal::start(&runtime, Some(faults));
    let home = setup_home();
    let config = home.path().join("providers.toml");
    // Short delays so the test takes seconds; a breaker that does not open,
    // so every shot exercises the retries and the chain.
    std::fs::write(
        &config,
        r#"
[chains]
image = ["fal:flux-dev", "fal:flux-schnell", "local:previz"]
video = ["local:animatic"]
[retry]
max_attempts = 6
base_delay_ms = 5
max_delay_ms = 40
[breaker]
threshold = 1000
[timeouts]
request_ms = 700
poll_initial_ms = 5
poll_max_ms = 20
"#,
    )
    .unwrap();
    let out = home.path().join("faulty");
    let o = alkemy(
        &fal,
        home.path(),
        &[
            "produce",
            EXAMPLE,
            "--out",
            out.to_str().unwrap(),
            "--resolution",
            "480p",
            "--config",
            config.to_str().unwrap(),
            "--jobs",
            "8",
            "--json",
        ],
    );
    let report = json_of(&o);
    let shots = report["shots"].as_u64().unwrap();
    assert_eq!(report["frames_made"], shots, "every shot has its frame");

    let log = fal.mock.log.lock().unwrap();
    let failed_share = log.transient as f64 / log.submits as f64;
    assert!(
        (0.1..0.5).contains(&failed_share),
        "{} of {} calls failed",
        log.transient,
        log.submits
    );
    assert!(log.blocked > 0, "the seed blocks some requests");

    // The ledger: one record per frame, each request once, by the model the
    // mock says delivered it; failed calls are not in it.
    let records = report["usage"]["records"].as_array().unwrap();
    assert_eq!(records.len() as u64, shots, "one record per frame");
    let hashes: BTreeSet<&str> = records
        .iter()
        .map(|r| r["request_hash"].as_str().unwrap())
        .collect();
    assert_eq!(hashes.len(), records.len(), "a request charged twice");
    let count = |model: &str| records.iter().filter(|r| r["model"] == model).count() as u64;
    let dev = log.delivered.get(FLUX_DEV).copied().unwrap_or(0);
    let schnell = log.delivered.get(FLUX_SCHNELL).copied().unwrap_or(0);
    assert_eq!(count("fal:flux-dev"), dev);
    assert_eq!(count("fal:flux-schnell"), schnell);
    assert_eq!(count("local:previz"), shots - dev - schnell);
    let expected = DEV.times(dev) + SCHNELL.times(schnell);
    assert_eq!(money(&report["usage"]["total"]), expected);
    assert_eq!(money(&report["cost"]), expected, "report = ledger = mock");

    // Refusals fall down the chain, and say so.
    let refused: Vec<&Value> = records
        .iter()
        .filter(|r| {
            r["skipped"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|s| s["reason"].as_str().unwrap().contains("safety"))
            })
        })
        .collect();
    assert_eq!(refused.len() as u64, log.blocked - blocked_twice(records));
    assert!(refused.iter().all(|r| r["model"] != "fal:flux-dev"));
    let frames = manifest_assets(&out, "frame");
    for r in records {
        let shot = r["shot_id"].as_str().unwrap();
        let frame = frames.iter().find(|f| f["shot_id"] == shot).unwrap();
        let (provider, model) = r["model"].as_str().unwrap().split_once(':').unwrap();
        assert_eq!(
            (frame["provider"].as_str(), frame["model"].as_str()),
            (Some(provider), Some(model))
        );
    }
    drop(log);
    assert_animatic(&out, report["frames"].as_u64().unwrap());
}

/// Requests refused by both Fal models count twice at the mock but are one
/// record (made by `local:previz`).
fn blocked_twice(records: &[Value]) -> u64 {
    records
        .iter()
        .filter(|r| {
            r["skipped"].as_array().is_some_and(|s| {
                s.iter()
                    .filter(|s| s["reason"].as_str().unwrap().contains("safety"))
                    .count()
                    == 2
            })
        })
        .count() as u64
}

#[test]
fn bad_provider_flags_exit_2_before_anything_is_sent() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fal = Fal::start(&runtime, None);
    let home = setup_home();
    let out = home.path().join("x");
    let out_s = out.to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["--provider", "midjourney"], "unknown provider"),
        (&["--provider", "fal:nonsense"], "unknown provider"),
        (&["--budget", "a lot"], "--budget"),
        (
            &["--config", "/no/such/providers.toml"],
            "/no/such/providers.toml",
        ),
    ];
    for (extra, needle) in cases {
        let args = [&["produce", EXAMPLE, "--out", out_s][..], extra].concat();
        let o = alkemy(&fal, home.path(), &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(needle), "{extra:?}: {err}");
    }
    assert_eq!(fal.requests(), 0);
}
