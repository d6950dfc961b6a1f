//! Writing any screenplay as Fountain and reading it back gives the same
//! title page and elements, and the same breakdown, on every file of the
//! corpus whatever its format (Fountain, FDX, PDF, plain text).
//!
//! Two things Fountain cannot say are compared as Fountain says them: a
//! title-page value of several lines is that many values, and dialogue
//! paragraphs in a row under one cue (FDX has them) are one paragraph of
//! several lines.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use alkemy_core::{ElementKind, Screenplay};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/corpus/");

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn content(s: &Screenplay) -> Vec<(ElementKind, String)> {
    let mut out: Vec<(ElementKind, String)> = Vec::with_capacity(s.elements.len());
    for e in &s.elements {
        match out.last_mut() {
            Some((ElementKind::Dialogue, text)) if e.kind == ElementKind::Dialogue => {
                text.push('\n');
                text.push_str(&e.text);
            }
            _ => out.push((e.kind.clone(), e.text.clone())),
        }
    }
    out
}

fn title_page(s: &Screenplay) -> Vec<(String, Vec<String>)> {
    s.title_page
        .iter()
        .map(|t| {
            let values = t
                .values
                .iter()
                .flat_map(|v| v.split('\n'))
                .map(|v| v.trim().to_owned())
                .collect();
            (t.key.clone(), values)
        })
        .collect()
}

/// What a breakdown says of a script, spans and line numbers aside.
fn facts(s: &Screenplay) -> serde_json::Value {
    let b = alkemy_script::breakdown(s);
    let scenes: Vec<_> = b
        .scenes
        .iter()
        .map(|c| {
            (
                &c.number,
                &c.heading,
                c.eighths,
                c.page,
                c.duration_s,
                &c.characters,
                &c.speaking,
            )
        })
        .collect();
    let characters: Vec<_> = b
        .characters
        .iter()
        .map(|c| {
            (
                &c.name,
                c.dialogue_blocks,
                c.words,
                &c.scenes,
                &c.introduction,
            )
        })
        .collect();
    serde_json::json!({"scenes": scenes, "characters": characters, "stats": b.stats})
}

#[test]
fn every_corpus_script_comes_back_from_fountain() {
    let mut paths = Vec::new();
    files(Path::new(CORPUS), &mut paths);
    paths.sort();
    let mut read = 0;
    let mut failures = Vec::new();
    for path in &paths {
        let name = path.to_string_lossy().into_owned();
        let bytes = std::fs::read(path).unwrap();
        let Ok(first) = alkemy_script::read(&bytes, Some(&name)) else {
            continue;
        };
        read += 1;
        let text = alkemy_script::fountain::write(&first);
        let again = alkemy_script::fountain::parse(&text);
        if title_page(&again) != title_page(&first) {
            failures.push(format!(
                "{name}: title page {:?} != {:?}",
                again.title_page, first.title_page
            ));
            continue;
        }
        let (a, b) = (content(&again), content(&first));
        if a != b {
            let at = a
                .iter()
                .zip(&b)
                .position(|(x, y)| x != y)
                .unwrap_or(a.len().min(b.len()));
            failures.push(format!(
                "{name}: element {at} of {}/{}: {:?} != {:?}",
                a.len(),
                b.len(),
                a.get(at),
                b.get(at)
            ));
            continue;
        }
        if facts(&again) != facts(&first) {
            failures.push(format!("{name}: the breakdown differs"));
        }
    }
    assert!(read >= 150, "{read} files read");
    assert!(
        failures.is_empty(),
        "{} of {read}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
