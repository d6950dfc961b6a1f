//! Previz panels: determinism by pixel hash, every layout at every size and
//! odd aspect ratios, and a contact sheet of Brick & Steel for a person to
//! look at (written to the git-ignored `tests/output/`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;

use alkemy_core::{AspectRatio, Resolution, ShotSize};
use alkemy_media::{PanelOptions, PrevizRenderer, RgbImage, SheetOptions, contact_sheet};

fn output_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/output");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn hash(img: &RgbImage) -> blake3::Hash {
    blake3::hash(img.as_bytes())
}

#[test]
fn same_shot_gives_the_same_pixels() {
    let r = PrevizRenderer::new();
    for shot in support::brick_and_steel() {
        let a = r.render(&shot, 640, 360, PanelOptions::default()).unwrap();
        // Another size in between, so reused buffers are exercised.
        r.render(&shot, 320, 180, PanelOptions::default()).unwrap();
        let b = r.render(&shot, 640, 360, PanelOptions::default()).unwrap();
        assert_eq!(hash(&a), hash(&b), "{}", shot.id);
        // And from another thread (its own glyph and pixmap caches warm-up).
        let s2 = shot.clone();
        let c = std::thread::spawn(move || {
            PrevizRenderer::new()
                .render(&s2, 640, 360, PanelOptions::default())
                .unwrap()
        })
        .join()
        .unwrap();
        assert_eq!(hash(&a), hash(&c), "{}", shot.id);
    }
}

#[test]
fn different_shots_give_different_pictures() {
    let r = PrevizRenderer::new();
    let shots = support::every_layout();
    let mut seen = HashSet::new();
    for s in &shots {
        let img = r.render(s, 256, 144, PanelOptions::default()).unwrap();
        assert!(
            seen.insert(hash(&img)),
            "{} looks like an earlier shot",
            s.id
        );
    }
    // Movement alone changes the panel (its arrows), and the clean picture
    // of a moving shot is the static one's: motion belongs to the animatic.
    let moving = &shots[shots.len() - 1];
    let mut still = moving.clone();
    still.movement = alkemy_core::CameraMovement::Static;
    assert_eq!(
        hash(&r.render(moving, 256, 144, PanelOptions::clean()).unwrap()),
        hash(&r.render(&still, 256, 144, PanelOptions::clean()).unwrap())
    );
}

#[test]
fn every_layout_renders_at_every_resolution_and_aspect() {
    let r = PrevizRenderer::new();
    let shots = support::every_layout();
    let sizes: Vec<(u32, u32)> = [
        Resolution::P480.frame_size(AspectRatio::Widescreen),
        Resolution::P720.frame_size(AspectRatio::Widescreen),
        Resolution::P1080.frame_size(AspectRatio::Widescreen),
        Resolution::P480.frame_size(AspectRatio::Scope),
        Resolution::P480.frame_size(AspectRatio::Vertical),
        (64, 64),
    ]
    .to_vec();
    for (i, s) in shots.iter().enumerate() {
        // All shots at 480p; a rotating subset at the bigger sizes keeps it fast.
        for (k, &(w, h)) in sizes.iter().enumerate() {
            if k != 0 && i % sizes.len() != k {
                continue;
            }
            let img = r.render(s, w, h, PanelOptions::default()).unwrap();
            assert_eq!((img.width(), img.height()), (w, h));
            // Not blank: a panel has many colours.
            let distinct: HashSet<[u8; 3]> = img
                .as_bytes()
                .chunks_exact(3)
                .step_by(97)
                .map(|p| [p[0], p[1], p[2]])
                .collect();
            assert!(
                distinct.len() > 8,
                "{} at {w}x{h}: {} colours",
                s.id,
                distinct.len()
            );
        }
    }
}

#[test]
fn png_round_trips() {
    let r = PrevizRenderer::new();
    let shot = &support::brick_and_steel()[1];
    let png = r
        .render_png(shot, 854, 480, PanelOptions::default())
        .unwrap();
    let decoded = RgbImage::decode(&png, "panel").unwrap();
    let direct = r.render(shot, 854, 480, PanelOptions::default()).unwrap();
    assert_eq!(decoded, direct);
}

#[test]
fn panels_encoded_one_after_another_decode_to_their_own_pixels() {
    // `render_png` reuses one buffer per thread without clearing it: a
    // panel that left any pixel undrawn would show the previous panel there.
    let r = PrevizRenderer::new();
    let mut shots = support::brick_and_steel();
    shots.extend(support::every_layout());
    for (w, h) in [(256, 144), (160, 200)] {
        for s in &shots {
            let png = r.render_png(s, w, h, PanelOptions::default()).unwrap();
            let decoded = RgbImage::decode(&png, "panel").unwrap();
            let direct = r.render(s, w, h, PanelOptions::default()).unwrap();
            assert!(decoded == direct, "{} at {w}x{h}", s.id);
        }
    }
}

#[test]
fn jpeg_is_smaller_than_png_and_close_to_the_pixels() {
    let r = PrevizRenderer::new();
    let shot = &support::brick_and_steel()[1];
    let direct = r.render(shot, 480, 270, PanelOptions::default()).unwrap();
    let jpeg = direct.to_jpeg(85).unwrap();
    assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
    // Smaller than the lossless PNG, and at least 20 times smaller than the
    // pixels (the PNG encoder now compresses drawn panels about twice as
    // well as when this test compared the JPEG with half a PNG's size).
    let png = direct.to_png().unwrap();
    assert!(jpeg.len() < png.len(), "{} vs {}", jpeg.len(), png.len());
    assert!(
        jpeg.len() * 20 < direct.as_bytes().len(),
        "{} bytes",
        jpeg.len()
    );
    let decoded = RgbImage::decode(&jpeg, "panel").unwrap();
    assert_eq!((decoded.width(), decoded.height()), (480, 270));
    let error: u64 = decoded
        .as_bytes()
        .iter()
        .zip(direct.as_bytes())
        .map(|(a, b)| u64::from(a.abs_diff(*b)))
        .sum();
    let mean = error as f64 / direct.as_bytes().len() as f64;
    assert!(mean < 3.0, "mean error {mean:.2} per sample");
}

#[test]
fn bad_sizes_are_refused_not_panicked() {
    let r = PrevizRenderer::new();
    let shot = &support::brick_and_steel()[0];
    assert!(r.render(shot, 0, 480, PanelOptions::default()).is_err());
    assert!(r.render(shot, 10, 10, PanelOptions::default()).is_err());
    assert!(
        r.render(shot, 100_000, 480, PanelOptions::default())
            .is_err()
    );
}

#[test]
fn brick_and_steel_contact_sheet() {
    let r = PrevizRenderer::new();
    let shots = support::brick_and_steel();
    let panels: Vec<RgbImage> = shots
        .iter()
        .map(|s| r.render(s, 854, 480, PanelOptions::default()).unwrap())
        .collect();
    let sheet = contact_sheet(
        &panels,
        &SheetOptions {
            columns: 3,
            cell_width: 560,
            title: Some("BRICK & STEEL — previz".to_owned()),
        },
    )
    .unwrap();
    assert!(sheet.width() > 3 * 560);
    std::fs::write(
        output_dir().join("brick-and-steel-contact.png"),
        sheet.to_png().unwrap(),
    )
    .unwrap();
    // The layout sheet: every size and angle, for review.
    let layouts: Vec<RgbImage> = support::every_layout()
        .iter()
        .filter(|s| s.size != ShotSize::Insert || s.id.ends_with('1'))
        .take(56)
        .map(|s| r.render(s, 640, 360, PanelOptions::default()).unwrap())
        .collect();
    let sheet = contact_sheet(
        &layouts,
        &SheetOptions {
            columns: 7,
            cell_width: 320,
            title: Some("Layouts: size × angle".to_owned()),
        },
    )
    .unwrap();
    std::fs::write(
        output_dir().join("layouts-contact.png"),
        sheet.to_png().unwrap(),
    )
    .unwrap();
}

#[test]
fn prompt_card_when_no_shot() {
    let r = PrevizRenderer::new();
    let img = r
        .render_prompt(
            "A lighthouse keeper climbs the spiral stairs at night, lantern in hand",
            640,
            360,
        )
        .unwrap();
    let other = r
        .render_prompt("Something else entirely", 640, 360)
        .unwrap();
    assert_ne!(hash(&img), hash(&other));
}

#[test]
fn annotating_a_clean_picture_gives_the_marked_panel() {
    let r = PrevizRenderer::new();
    let arrows_only = PanelOptions {
        caption: false,
        arrows: true,
    };
    let mut moving = 0;
    for shot in support::brick_and_steel() {
        if shot.angle == alkemy_core::CameraAngle::Dutch {
            continue; // the panel tilts its arrows with the horizon
        }
        let clean = r.render(&shot, 480, 270, PanelOptions::clean()).unwrap();
        let marked = r.render(&shot, 480, 270, arrows_only).unwrap();
        let annotated = r.annotate(&clean, &shot, arrows_only).unwrap();
        assert_eq!(hash(&annotated), hash(&marked), "{}", shot.id);
        if shot.movement != alkemy_core::CameraMovement::Static {
            moving += 1;
            assert_ne!(
                hash(&annotated),
                hash(&clean),
                "{}: no arrows drawn",
                shot.id
            );
        }
    }
    assert!(moving > 0, "the fixture has moving shots");
}

#[test]
fn any_still_can_carry_marks_and_a_caption_band() {
    let r = PrevizRenderer::new();
    let shot = support::brick_and_steel().into_iter().next().unwrap();
    let still = RgbImage::filled(640, 360, [40, 90, 160]).unwrap();
    let panel = r.annotate(&still, &shot, PanelOptions::default()).unwrap();
    assert_eq!((panel.width(), panel.height()), (640, 360));
    // The band darkens the bottom rows; the top-left corner keeps the still.
    assert_eq!(panel.pixel(2, 2), Some([40, 90, 160]));
    assert_ne!(panel.pixel(320, 355), Some([40, 90, 160]));
}
