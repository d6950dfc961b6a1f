//! `alkemy submit` takes what `alkemy produce` takes: a PDF is stored as the
//! Fountain text read from it, and a script in a legacy 8-bit encoding is
//! stored decoded; either way the queued production plans the shots that
//! `alkemy shots` plans from the file itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use alkemy_core::{JobKind, ProjectId};
use alkemy_script::Format;
use alkemy_store::OpenOptions;
use alkemy_store::model::ScriptVersion;

const TORN_PDF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/corpus/shorts/ifrost-torn.afterwriting-render.pdf"
);
const BRICK_AND_STEEL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/corpus/shorts/brick-and-steel.fountain"
);

/// Submits `file` to a SQLite store under `dir`; returns the project, the
/// stored script version, the number of frame jobs queued and stderr.
async fn submit(dir: &Path, file: &str) -> (ProjectId, ScriptVersion, usize, String) {
    let db = format!("sqlite://{}", dir.join("alkemy.db").display());
    let out = support::alkemy_in(dir)
        .args(["submit", file, "--database", &db, "--storage"])
        .arg(dir.join("media"))
        .output()
        .unwrap();
    let project = support::submitted_project(&out);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let store = alkemy_store::open(&db, OpenOptions::default())
        .await
        .unwrap();
    let user = store
        .user_by_email("local@localhost")
        .await
        .unwrap()
        .unwrap()
        .id;
    let mut versions = store.script_versions(user, project).await.unwrap();
    assert_eq!(versions.len(), 1);
    let frames = store
        .jobs(user, project)
        .await
        .unwrap()
        .iter()
        .filter(|j| j.kind == JobKind::Frame)
        .count();
    (project, versions.remove(0), frames, stderr)
}

/// The shots `alkemy shots` plans from `file`.
fn shot_count(file: &Path) -> usize {
    let out = support::alkemy_offline()
        .args(["shots", "--format", "json"])
        .arg(file)
        .output()
        .unwrap();
    let json = support::stdout_json(&out);
    json["shot_count"].as_u64().unwrap() as usize
}

fn headings(s: &alkemy_core::Screenplay) -> Vec<String> {
    alkemy_script::breakdown(s)
        .scenes
        .into_iter()
        .map(|s| s.heading)
        .collect()
}

#[tokio::test]
async fn a_pdf_is_queued_as_the_fountain_text_read_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_, version, frames, stderr) = submit(dir.path(), TORN_PDF).await;

    assert!(stderr.contains("stored as Fountain text"), "{stderr}");
    assert_eq!(version.source_name, "ifrost-torn.afterwriting-render.pdf");
    assert_eq!(version.format, "fountain");
    let from_pdf = alkemy_script::read(&std::fs::read(TORN_PDF).unwrap(), None).unwrap();
    let stored = alkemy_script::read_as(version.text.as_bytes(), Format::Fountain).unwrap();
    assert_eq!(headings(&stored), headings(&from_pdf));
    assert!(headings(&stored).len() >= 10);
    assert_eq!(
        frames,
        shot_count(Path::new(TORN_PDF)),
        "one frame job a shot"
    );
}

#[tokio::test]
async fn a_latin1_script_is_queued_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(BRICK_AND_STEEL).unwrap();
    text.push_str("\n\nINT. CAFÉ - NIGHT\n\nSTEEL orders a crème brûlée.\n");
    let latin1: Vec<u8> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect();
    assert!(std::str::from_utf8(&latin1).is_err(), "not UTF-8");
    let file = dir.path().join("brick-latin1.fountain");
    std::fs::write(&file, &latin1).unwrap();

    let (_, version, frames, _) = submit(dir.path(), file.to_str().unwrap()).await;

    assert_eq!(version.format, "fountain");
    assert!(version.text.ends_with("STEEL orders a crème brûlée.\n"));
    assert_eq!(frames, shot_count(&file));
}
