//! The caption band under the picture (scene and shot, size · angle ·
//! movement · lens, duration, the dialogue line), the close object card of an
//! insert, and the prompt card drawn when there is no planned shot.

use alkemy_core::Shot;

use super::canvas::{Canvas, rounded_rect};
use super::look::{Palette, Rgb};
use crate::text::{self, Face};

const BAND: Rgb = Rgb(24, 24, 30);
const WHITE: Rgb = Rgb(245, 245, 240);
const GREY: Rgb = Rgb(170, 172, 180);
const ACCENT: Rgb = Rgb(255, 196, 80);

/// Caption text size for a panel of this size.
pub fn caption_px(width: u32, height: u32) -> f32 {
    (width.min(height) as f32 * 0.032).clamp(10.0, 34.0)
}

/// Height of the caption band for a panel of this size.
pub fn band_height(width: u32, height: u32) -> u32 {
    let px = caption_px(width, height);
    let h = (px * 1.3 * 3.0 + px * 0.9).round() as u32;
    h.min(height / 3)
}

/// Draws the band across the bottom `band_h` rows of the image.
pub fn draw_band(c: &mut Canvas<'_>, shot: &Shot, band_h: f32) {
    let width = c.width() as f32;
    let full_h = c.height() as f32;
    let y0 = full_h - band_h;
    let saved = (c.ts, c.straight);
    c.ts = tiny_skia_path::Transform::identity();
    c.straight = true;
    c.rect(0.0, y0, width, band_h, BAND);
    c.rect(0.0, y0, width, (band_h * 0.03).max(1.0), ACCENT);
    let px = caption_px(c.width(), c.height());
    let pad = px * 0.6;
    let line = px * 1.3;
    let inner = width - 2.0 * pad;

    // Line 1: shot identity left, duration right.
    let head = format!("SC {}  ·  SHOT {}", shot.scene_number, shot.number);
    let dur = format!("{:.1} s", shot.duration_s());
    let dur_w = text::measure(Face::Bold, px, &dur);
    let head = text::ellipsize(Face::Bold, px, &head, inner - dur_w - pad);
    let mut y = y0 + pad + px * 0.9;
    c.label(Face::Bold, px, (pad, y), WHITE, &head);
    c.label(Face::Bold, px, (width - pad - dur_w, y), ACCENT, &dur);

    // Line 2: the camera.
    y += line;
    let camera = format!(
        "{}  ·  {}  ·  {}  ·  {} mm",
        shot.size.abbrev(),
        shot.angle.name(),
        shot.movement.name(),
        shot.lens_mm
    );
    let small = px * 0.9;
    let camera = text::ellipsize(Face::Regular, small, &camera, inner);
    c.label(Face::Regular, small, (pad, y), GREY, &camera);

    // Line 3: the dialogue line, or what happens.
    y += line;
    let (body, color) = match (&shot.speaker, &shot.dialogue) {
        (Some(who), Some(line)) => (format!("{who}: “{line}”"), WHITE),
        (None, Some(line)) => (format!("“{line}”"), WHITE),
        _ => (shot.description.clone(), GREY),
    };
    let body = text::ellipsize(Face::Regular, px, &body, inner);
    c.label(Face::Regular, px, (pad, y), color, &body);
    c.ts = saved.0;
    c.straight = saved.1;
}

/// Draws an insert: the object on a surface, as a card with its name.
pub fn draw_insert(c: &mut Canvas<'_>, shot: &Shot, pal: &Palette) {
    let (w, h) = (c.w, c.h);
    let surface = pal.floor.mix(pal.wall, 0.3);
    // A tilted (Dutch) surface reaches past the edges, so no corner is left bare.
    let m = if c.straight { 0.0 } else { w.max(h) * 0.35 };
    c.vgradient(
        -m,
        w + m,
        -m,
        h + m,
        surface.scale(0.8),
        surface.scale(1.05),
    );
    let subject = shot
        .subject
        .as_deref()
        .unwrap_or(&shot.description)
        .to_uppercase();
    let cw = w * 0.62;
    let ch = h * 0.5;
    let (x, y) = ((w - cw) / 2.0, (h - ch) / 2.0);
    let shadow = (h * 0.02).max(2.0);
    if let Some(p) = rounded_rect(x + shadow, y + shadow, cw, ch, h * 0.03) {
        c.fill_alpha(&p, Rgb(0, 0, 0), 90);
    }
    if let Some(p) = rounded_rect(x, y, cw, ch, h * 0.03) {
        c.fill(&p, Rgb(250, 246, 232));
        c.stroke(&p, pal.ink, (h * 0.006).max(1.0));
    }
    let small = (h * 0.05).clamp(9.0, 40.0);
    let tag = "INSERT";
    let tw = text::measure(Face::Bold, small, tag);
    c.label(
        Face::Bold,
        small,
        ((w - tw) / 2.0, y + small * 1.4),
        Rgb(200, 70, 50),
        tag,
    );
    let mut px = (h * 0.1).clamp(10.0, 90.0);
    let lines = loop {
        let lines = text::wrap(Face::Bold, px, &subject, cw * 0.88, 3);
        let fits = lines
            .iter()
            .all(|l| text::measure(Face::Bold, px, l) <= cw * 0.88);
        if (fits && !lines.last().is_some_and(|l| l.ends_with('…'))) || px <= 10.0 {
            break lines;
        }
        px *= 0.85;
    };
    let total = lines.len() as f32 * px * 1.2;
    let mut ly = y + ch / 2.0 - total / 2.0 + px * 0.95;
    for l in &lines {
        let lw = text::measure(Face::Bold, px, l);
        c.label(Face::Bold, px, ((w - lw) / 2.0, ly), Rgb(30, 30, 36), l);
        ly += px * 1.2;
    }
}

/// Draws a card showing a prompt (an image request with no planned shot).
pub fn draw_prompt_card(c: &mut Canvas<'_>, prompt: &str) {
    let (w, h) = (c.width() as f32, c.height() as f32);
    c.vgradient(0.0, w, 0.0, h, Rgb(58, 64, 82), Rgb(30, 32, 42));
    let px = (w.min(h) * 0.045).clamp(10.0, 40.0);
    let tag = "PREVIZ · PROMPT";
    c.label(Face::Bold, px * 0.8, (px, px * 1.6), ACCENT, tag);
    let max_lines = ((h - px * 4.0) / (px * 1.3)).max(1.0) as usize;
    let lines = text::wrap(Face::Regular, px, prompt, w - px * 2.0, max_lines.min(12));
    let mut y = px * 3.4;
    for l in &lines {
        c.label(Face::Regular, px, (px, y), WHITE, l);
        y += px * 1.3;
    }
}
