//! Writes every export of the benchmark's feature film (1,100 shots in 190
//! scenes, 320×180 stand-in panels) into a folder, for looking at the files
//! and for `benches/otio_python.py`:
//! `cargo run --release -p alkemy-export --example feature_exports -- DIR`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;

use alkemy_export::storyboard::{html, pdf};
use alkemy_export::{assemble, edl, fcpxml, otio, write_atomic};

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("usage: feature_exports DIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let shots = support::feature(190, 1_100);
    let media = support::media(&shots, 24, 12);
    let options = support::feature_options();
    let timeline = assemble(&shots, &media, &options).unwrap();
    let pngs = support::pngs(&shots, 320, 180);
    let board = support::board("Big Fish", &shots, &pngs);
    let write = |name: &str, bytes: &[u8]| write_atomic(&dir.join(name), bytes).unwrap();
    write(
        "timeline.otio",
        &otio::to_bytes(&timeline, &otio::OtioOptions::default()).unwrap(),
    );
    write(
        "timeline.edl",
        &edl::to_bytes(&timeline, &edl::EdlOptions::default()).unwrap(),
    );
    write(
        "timeline.fcpxml",
        &fcpxml::to_bytes(&timeline, &fcpxml::FcpxmlOptions::default()).unwrap(),
    );
    write("storyboard.html", &html::to_bytes(&board));
    write(
        "storyboard.pdf",
        &pdf::render(&board, &pdf::PdfOptions::default())
            .unwrap()
            .bytes,
    );
    println!(
        "wrote {} clips, {} frames to {}",
        timeline.tracks[0].clips().count(),
        timeline.frames(),
        dir.display()
    );
}
