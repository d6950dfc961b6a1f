//! The PDF storyboard, read back by an independent reader (pypdf): page
//! counts per grid, the embedded panel images, and the caption text in
//! Latin, Polish, Cyrillic and Japanese.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use alkemy_core::ShotList;
use alkemy_export::storyboard::pdf::{self, Grid, PdfOptions};
use alkemy_export::{Panel, Storyboard};
use serde_json::Value;
use support::ShotBuilder;
use support::tools::{cjk_font, python_with, run_json};

/// Three scenes of 7, 2 and 1 shots with multilingual dialogue.
fn shots() -> ShotList {
    let mut shots = Vec::new();
    for k in 0..7 {
        let mut b = ShotBuilder::new(0, &format!("1{}", support::shot_letter(k)))
            .description(&format!("Brick & Steel argue about the <deal> (beat {k})."));
        if k == 2 {
            b = b.dialogue("ANNA", "Zażółć gęślą jaźń — Привет, мир!");
        }
        shots.push(b.build());
    }
    shots.push(
        ShotBuilder::new(1, "2A")
            .dialogue("KENJI", "明日は雨が降るでしょう。")
            .build(),
    );
    shots.push(ShotBuilder::new(1, "2B").build());
    shots.push(
        ShotBuilder::new(2, "3A")
            .description("A \"long\" insert of the ledger.")
            .build(),
    );
    ShotList {
        style: "classic".to_owned(),
        shots,
    }
}

fn read(python: &std::path::PathBuf, bytes: &[u8]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("storyboard.pdf");
    std::fs::write(&path, bytes).unwrap();
    run_json(python, "pdf_read.py", &[path.to_str().unwrap()])
}

fn pages(read: &Value) -> &Vec<Value> {
    read["pages"].as_array().unwrap()
}

fn text(read: &Value) -> String {
    pages(read)
        .iter()
        .map(|p| p["text"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn grids_paginate_by_scene_and_embed_every_panel() {
    let Some(python) = python_with("pypdf") else {
        return;
    };
    let shots = shots();
    let pngs = support::pngs(&shots, 96, 54);
    let board = support::board("Brick & Steel", &shots, &pngs);

    // 2×3, a scene per page: 7 shots → 2 pages, then 1 and 1.
    let out = pdf::render(&board, &PdfOptions::default()).unwrap();
    assert_eq!(out.pages, 4);
    let r = read(&python, &out.bytes);
    let images: Vec<u64> = pages(&r)
        .iter()
        .map(|p| p["images"].as_u64().unwrap())
        .collect();
    assert_eq!(images, vec![6, 1, 2, 1]);
    assert_eq!(pages(&r)[0]["image_sizes"][0], serde_json::json!([96, 54]));
    // Pixel (20, 5) of panel k, as `panel_png` draws it: checker band 1.
    for (k, probe) in pages(&r)[0]["probes"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let red = (k as u8).wrapping_mul(37).wrapping_add(60);
        assert_eq!(probe, &serde_json::json!([red, 20, 5]), "panel {k}");
    }
    assert!(
        pages(&r)[0]["width"].as_f64().unwrap() > pages(&r)[0]["height"].as_f64().unwrap(),
        "landscape"
    );
    let first = pages(&r)[0]["text"].as_str().unwrap();
    assert!(first.contains("Brick & Steel"), "{first}");
    assert!(first.contains("INT. WAREHOUSE - OFFICE - NIGHT"), "{first}");
    assert!(first.contains("Page 1 of 4"), "{first}");
    assert!(
        first.contains("Shot 1A") && first.contains("Shot 1F"),
        "{first}"
    );
    assert!(
        !first.contains("Shot 1G"),
        "the seventh shot goes on page 2: {first}"
    );
    assert!(first.contains("MS · eye level · static · 50 mm"), "{first}");
    let second = pages(&r)[1]["text"].as_str().unwrap();
    assert!(
        second.contains("(continued)") && second.contains("Shot 1G"),
        "{second}"
    );
    assert_eq!(r["title"], "Brick & Steel · Storyboard");

    // 3×3, scenes flowing: 10 shots → 2 pages of 9 and 1.
    let options = PdfOptions {
        grid: Grid::THREE_BY_THREE,
        scene_per_page: false,
        ..PdfOptions::default()
    };
    let out = pdf::render(&board, &options).unwrap();
    let r = read(&python, &out.bytes);
    let images: Vec<u64> = pages(&r)
        .iter()
        .map(|p| p["images"].as_u64().unwrap())
        .collect();
    assert_eq!(images, vec![9, 1]);
    assert!(
        pages(&r)[0]["text"]
            .as_str()
            .unwrap()
            .contains("Scenes 1–2")
    );
}

#[test]
fn polish_and_cyrillic_come_out_as_text_and_japanese_uses_the_fallback_font() {
    let Some(python) = python_with("pypdf") else {
        return;
    };
    let shots = shots();
    let panels = shots
        .shots
        .iter()
        .map(|shot| Panel { shot, image: None })
        .collect();
    let board = Storyboard {
        title: "Wielka ryba — Большая рыба",
        panels,
    };

    // Without a CJK font: Latin, Polish and Cyrillic are real text; the
    // Japanese line is drawn as visible replacement characters and reported.
    let out = pdf::render(&board, &PdfOptions::default()).unwrap();
    let japanese = "明日は雨が降るでしょう。";
    assert!(
        out.missing_chars.iter().all(|c| japanese.contains(*c)),
        "{:?}",
        out.missing_chars
    );
    assert!(
        "日明雨降".chars().all(|c| out.missing_chars.contains(&c)),
        "{:?}",
        out.missing_chars
    );
    let all = text(&read(&python, &out.bytes));
    assert!(all.contains("Zażółć gęślą jaźń"), "{all}");
    assert!(all.contains("Привет, мир!"), "{all}");
    assert!(all.contains("Wielka ryba — Большая рыба"), "{all}");
    assert!(all.contains('\u{FFFD}'), "{all}");
    assert!(all.contains("no panel"), "{all}");

    // With one, the Japanese line is real text too.
    let Some(font) = cjk_font() else { return };
    let options = PdfOptions {
        fallback_fonts: vec![(font, 0)],
        ..PdfOptions::default()
    };
    let out = pdf::render(&board, &options).unwrap();
    assert!(out.missing_chars.is_empty(), "{:?}", out.missing_chars);
    assert!(
        out.bytes.len() < 400_000,
        "fonts are subset: {} bytes",
        out.bytes.len()
    );
    let all = text(&read(&python, &out.bytes));
    assert!(all.contains(japanese), "{all}");
    assert!(!all.contains('\u{FFFD}'), "{all}");
}

#[test]
fn images_with_alpha_palettes_or_garbage_do_not_stop_the_pdf() {
    let Some(python) = python_with("pypdf") else {
        return;
    };
    let shots = shots();
    // An RGBA PNG (decoded, soft mask), a small RGB one, and bytes that are no PNG.
    let mut rgba = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut rgba, 64, 36);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let pixels: Vec<u8> = (0..64 * 36)
            .flat_map(|i| [200, 100, 50, (i % 256) as u8])
            .collect();
        enc.write_header()
            .unwrap()
            .write_image_data(&pixels)
            .unwrap();
    }
    let small = support::panel_png(16, 9, 1);
    let garbage = b"\x89PNG\r\n\x1a\nnot really".to_vec();
    let images: [&[u8]; 3] = [&rgba, &small, &garbage];
    let panels = shots.shots[..3]
        .iter()
        .zip(images)
        .map(|(shot, image)| Panel {
            shot,
            image: Some(image),
        })
        .collect();
    let board = Storyboard { title: "T", panels };
    let out = pdf::render(&board, &PdfOptions::default()).unwrap();
    assert_eq!(out.unreadable_images.len(), 1);
    assert_eq!(out.unreadable_images[0].0, shots.shots[2].id);
    let r = read(&python, &out.bytes);
    assert_eq!(pages(&r)[0]["images"], 2);
    assert_eq!(pages(&r)[0]["image_sizes"][0], serde_json::json!([64, 36]));
    // The RGBA panel's colour survives decoding (its alpha became a mask).
    assert_eq!(pages(&r)[0]["probes"][0], serde_json::json!([200, 100, 50]));
}
