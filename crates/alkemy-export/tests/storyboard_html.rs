//! The HTML storyboard parsed by a real HTML5 parser (html5ever via
//! `scraper`): well-formed, every panel present with its image inlined,
//! grouped by scene, and hostile script text shown as text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use alkemy_core::ShotList;
use alkemy_export::storyboard::html;
use alkemy_export::{Panel, Storyboard};
use base64::Engine as _;
use scraper::{Html, Selector};
use support::ShotBuilder;

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn board_shots() -> ShotList {
    let mut shots = Vec::new();
    for scene in 0..4 {
        for k in 0..3 {
            shots.push(
                ShotBuilder::new(scene, &format!("{}{}", scene + 1, support::shot_letter(k)))
                    .description("Steel & Brick <face off> \"at last\" 'now'")
                    .build(),
            );
        }
    }
    shots[4] = ShotBuilder::new(1, "2B")
        .description("</figure><script>alert('x')</script>")
        .dialogue("ЖЕНЯ", "Привет — 明日は雨 & <b>bold</b>")
        .build();
    ShotList {
        style: "classic".to_owned(),
        shots,
    }
}

#[test]
fn every_panel_is_present_grouped_by_scene_with_its_image_inlined() {
    let shots = board_shots();
    let pngs = support::pngs(&shots, 32, 18);
    let mut board = support::board("Brick & <Steel>", &shots, &pngs);
    board.panels[7].image = None;
    let page = String::from_utf8(html::to_bytes(&board)).unwrap();
    let doc = Html::parse_document(&page);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);

    assert_eq!(
        doc.select(&sel("title"))
            .next()
            .unwrap()
            .text()
            .collect::<String>(),
        "Brick & <Steel> · Storyboard"
    );
    let scenes: Vec<_> = doc.select(&sel("section.scene")).collect();
    assert_eq!(scenes.len(), 4);
    for (i, scene) in scenes.iter().enumerate() {
        let h2: String = scene.select(&sel("h2")).next().unwrap().text().collect();
        assert_eq!(
            h2,
            format!("Scene {} · INT. WAREHOUSE - OFFICE - NIGHT", i + 1)
        );
        assert_eq!(scene.select(&sel("figure.panel")).count(), 3);
    }
    for (i, shot) in shots.shots.iter().enumerate() {
        let figure = doc
            .select(&sel(&format!("figure#shot-{}", shot.id)))
            .next()
            .expect("panel present");
        let caption: String = figure
            .select(&sel("figcaption"))
            .next()
            .unwrap()
            .text()
            .collect();
        assert!(
            caption.contains(shot.number.as_str())
                && caption.contains("MS · eye level · static · 50 mm"),
            "{caption}"
        );
        assert!(caption.contains("3 s"), "{caption}");
        match figure.select(&sel("img")).next() {
            Some(img) => {
                let src = img.value().attr("src").unwrap();
                let b64 = src.strip_prefix("data:image/png;base64,").unwrap();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap();
                assert_eq!(bytes, pngs[i], "shot {}", shot.id);
            }
            None => {
                assert_eq!(i, 7);
                assert!(figure.select(&sel(".missing")).next().is_some());
            }
        }
    }
    assert!(page.contains("@media print") && page.contains("break-before: page"));
}

#[test]
fn script_text_is_escaped_not_executed() {
    let shots = board_shots();
    let panels = shots
        .shots
        .iter()
        .map(|shot| Panel { shot, image: None })
        .collect();
    let board = Storyboard { title: "T", panels };
    let page = String::from_utf8(html::to_bytes(&board)).unwrap();
    let doc = Html::parse_document(&page);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    assert_eq!(doc.select(&sel("script")).count(), 0);
    assert_eq!(doc.select(&sel("b")).count(), 0);
    let hostile = doc.select(&sel("figure#shot-sc2-2B")).next().unwrap();
    let desc: String = hostile
        .select(&sel("p.desc"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert_eq!(desc, "</figure><script>alert('x')</script>");
    let dialogue: String = hostile
        .select(&sel("blockquote.dialogue"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert_eq!(dialogue, "ЖЕНЯ: Привет — 明日は雨 & <b>bold</b>");
    let ordinary: String = doc
        .select(&sel("figure#shot-sc1-1A p.desc"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert_eq!(ordinary, "Steel & Brick <face off> \"at last\" 'now'");
    assert_eq!(doc.select(&sel("figure.panel")).count(), 12);
}
