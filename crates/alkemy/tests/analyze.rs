//! `alkemy analyze` end to end: the built binary on real files, its JSON
//! contract (BRIEF §4), the text report, and exit status 2 with a one-line
//! reason for input that is not a screenplay.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::{Command, Output};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/corpus/");

fn analyze(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alkemy"))
        .arg("analyze")
        .args(args)
        .output()
        .unwrap()
}

fn json(path: &str) -> serde_json::Value {
    let out = analyze(&[path, "--format", "json"]);
    support::stdout_json(&out)
}

#[test]
fn json_has_the_documented_fields_and_counts() {
    let v = json(&format!("{CORPUS}shorts/brick-and-steel.fountain"));
    assert_eq!(v["version"], 1);
    assert_eq!(v["title"], "BRICK & STEEL");
    let scenes = v["scenes"].as_array().unwrap();
    assert_eq!(scenes.len(), 8);
    for s in scenes {
        for key in [
            "number",
            "heading",
            "int_ext",
            "location",
            "time_of_day",
            "page",
            "eighths",
            "duration_s",
            "characters",
        ] {
            assert!(!s[key].is_null(), "scene field {key}");
        }
    }
    assert_eq!(scenes[0]["int_ext"], "ext");
    assert_eq!(scenes[0]["time_of_day"], "day");
    let chars = v["characters"].as_array().unwrap();
    for c in chars {
        for key in ["name", "aliases", "dialogue_blocks", "words", "scenes"] {
            assert!(!c[key].is_null(), "character field {key}");
        }
    }
    assert_eq!(chars[0]["name"], "STEEL");
    assert_eq!(chars[0]["dialogue_blocks"], 9);
    let locs = v["locations"].as_array().unwrap();
    assert!(
        locs.iter()
            .all(|l| l["name"].is_string() && l["scenes"].is_array())
    );
    assert_eq!(v["stats"]["scenes"], 8);
    assert_eq!(v["stats"]["speaking_characters"], 7);
}

#[test]
fn every_format_is_analysed() {
    for (path, scenes) in [
        ("features/big-fish.fdx", 190),
        ("features/big-fish.latin1.fountain", 190),
        ("shorts/ifrost-torn.afterwriting-render.pdf", 15),
    ] {
        let v = json(&format!("{CORPUS}{path}"));
        assert_eq!(v["scenes"].as_array().unwrap().len(), scenes, "{path}");
    }
    let v = json(&format!("{CORPUS}shorts/trelby-stonehenge.plaintext.txt"));
    assert_eq!(v["format"], "plain_text");
}

#[test]
fn text_report_is_readable() {
    let out = analyze(&[
        &format!("{CORPUS}shorts/brick-and-steel.fountain"),
        "--format",
        "text",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("BRICK & STEEL\n"), "{text}");
    assert!(text.contains("8 scenes"));
    assert!(text.contains("SCENES") && text.contains("CHARACTERS") && text.contains("LOCATIONS"));
    assert!(
        text.contains("BRICK’S PATIO") || text.contains("BRICK'S PATIO"),
        "{text}"
    );
}

/// Exit status 2, nothing on stdout, one line on stderr naming the file.
fn check_refused(path: &std::path::Path, why: &str) {
    let out = analyze(&[path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{why}");
    assert!(out.stdout.is_empty(), "{why}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{why}: {err}");
    assert!(
        err.contains(path.file_name().unwrap().to_str().unwrap()),
        "{why}: {err}"
    );
    assert!(!err.contains("panicked"), "{why}: {err}");
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    check_refused(&write("empty.fountain", b""), "empty");
    check_refused(&write("blank.fountain", b"   \n\n  "), "blank");
    check_refused(
        &write("image.fountain", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0"),
        "binary",
    );
    check_refused(&write("broken.pdf", b"%PDF-1.7\nnot really"), "broken pdf");
    check_refused(&dir.path().join("missing.fountain"), "missing");
    check_refused(dir.path(), "a directory");
    let big = dir.path().join("huge.fountain");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(21 * 1024 * 1024).unwrap();
    check_refused(&big, "oversized");
}
