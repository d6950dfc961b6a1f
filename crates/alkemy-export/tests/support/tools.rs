//! Finding the external readers the tests validate with (see `scripts/test-env`).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

fn strict() -> bool {
    std::env::var("ALKEMY_TEST_STRICT").is_ok_and(|v| v == "1")
}

/// The Python with `module` importable, or `None` (after printing why) when
/// it is missing and the run is not strict.
pub fn python_with(module: &str) -> Option<PathBuf> {
    let python = std::env::var_os("ALKEMY_TEST_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/alkemy-test/venv/bin/python"))
        })
        .unwrap_or_else(|| PathBuf::from("python3"));
    let ok = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    let why = format!(
        "{} cannot import {module}; run `source scripts/test-env`",
        python.display()
    );
    assert!(!strict(), "ALKEMY_TEST_STRICT=1 and {why}");
    eprintln!("skipping: {why}");
    None
}

/// Runs a script from `tests/` and parses the JSON it prints.
pub fn run_json(python: &PathBuf, script: &str, args: &[&str]) -> serde_json::Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(script);
    let out = Command::new(python)
        .arg(&script)
        .args(args)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("script prints JSON")
}

/// A font with Japanese glyphs installed by `scripts/test-env`, or `None`
/// (after printing why) when missing and the run is not strict.
pub fn cjk_font() -> Option<Vec<u8>> {
    let path = std::env::var("ALKEMY_TEST_CJK_FONT")
        .unwrap_or_else(|_| "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf".to_owned());
    match std::fs::read(&path) {
        Ok(data) => Some(data),
        Err(e) => {
            let why = format!("no CJK font at {path} ({e}); run `source scripts/test-env`");
            assert!(!strict(), "ALKEMY_TEST_STRICT=1 and {why}");
            eprintln!("skipping: {why}");
            None
        }
    }
}
