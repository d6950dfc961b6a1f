//! Camera-movement arrows drawn as storyboard artists draw them: converging
//! corner arrows into an end frame for a push-in, outward for a pull-out, a
//! long arrow across the frame for a pan or track, vertical arrows for tilts
//! and cranes, a zig-zag for handheld. Drawn unrotated on top of the picture.

use alkemy_core::CameraMovement;
use tiny_skia_path::{PathBuilder, Transform};

use super::canvas::{Canvas, polygon, polyline};
use super::look::Rgb;
use crate::text::{self, Face};

const ARROW: Rgb = Rgb(232, 64, 44);
const EDGE: Rgb = Rgb(255, 255, 255);

/// Draws the arrow(s) for a movement; nothing for a static camera.
pub fn draw(c: &mut Canvas<'_>, movement: CameraMovement) {
    let saved = c.ts;
    let saved_straight = c.straight;
    c.ts = Transform::identity();
    c.straight = true;
    let (w, h) = (c.w, c.h);
    let s = w.min(h);
    let thick = (s * 0.014).max(2.0);
    let label_px = (s * 0.045).clamp(10.0, 40.0);
    match movement {
        CameraMovement::Static => {}
        CameraMovement::DollyIn | CameraMovement::DollyOut => {
            let inset = 0.2;
            let (ix0, iy0, ix1, iy1) = (w * inset, h * inset, w * (1.0 - inset), h * (1.0 - inset));
            dashed_rect(c, ix0, iy0, ix1, iy1, (thick * 0.5).max(1.5));
            let outer = 0.05;
            let corners = [
                ((w * outer, h * outer), (ix0, iy0)),
                ((w * (1.0 - outer), h * outer), (ix1, iy0)),
                ((w * outer, h * (1.0 - outer)), (ix0, iy1)),
                ((w * (1.0 - outer), h * (1.0 - outer)), (ix1, iy1)),
            ];
            for (o, i) in corners {
                if movement == CameraMovement::DollyIn {
                    arrow(c, o, i, thick);
                } else {
                    arrow(c, i, o, thick);
                }
            }
            let name = if movement == CameraMovement::DollyIn {
                "PUSH IN"
            } else {
                "PULL OUT"
            };
            label(c, name, ix0 + thick, iy0 + label_px * 1.1, label_px);
        }
        CameraMovement::PanLeft | CameraMovement::PanRight => {
            let y = h * 0.12;
            let (a, b) = ends(movement == CameraMovement::PanRight, w * 0.22, w * 0.78);
            arrow(c, (a, y), (b, y), thick * 1.3);
            label(c, "PAN", w * 0.5 - label_px, y + label_px * 1.5, label_px);
        }
        CameraMovement::TrackLeft | CameraMovement::TrackRight => {
            let y = h * 0.9;
            let (a, b) = ends(movement == CameraMovement::TrackRight, w * 0.2, w * 0.8);
            arrow(c, (a, y), (b, y), thick * 1.3);
            arrow(c, (a, y - thick * 3.0), (b, y - thick * 3.0), thick * 0.6);
            label(
                c,
                "TRACK",
                w * 0.5 - label_px * 1.5,
                y - thick * 4.5,
                label_px,
            );
        }
        CameraMovement::TiltUp | CameraMovement::TiltDown => {
            let x = w * 0.92;
            let (a, b) = ends(movement == CameraMovement::TiltDown, h * 0.2, h * 0.8);
            arrow(c, (x, a), (x, b), thick * 1.3);
            label(c, "TILT", x - label_px * 3.2, h * 0.5, label_px);
        }
        CameraMovement::CraneUp | CameraMovement::CraneDown => {
            let x = w * 0.08;
            let up = movement == CameraMovement::CraneUp;
            let (a, b) = ends(up, h * 0.78, h * 0.22);
            // The jib: a curved arm from the base to the arrow.
            let mut pb = PathBuilder::new();
            pb.move_to(x + w * 0.05, h * 0.92);
            pb.quad_to(x, h * 0.9, x, a);
            if let Some(p) = pb.finish() {
                c.stroke(&p, EDGE, thick * 1.6);
                c.stroke(&p, ARROW, thick * 0.8);
            }
            arrow(c, (x, a), (x, b), thick * 1.3);
            label(c, "CRANE", x + thick * 2.5, h * 0.5, label_px);
        }
        CameraMovement::Handheld => {
            let (x0, x1, y) = (w * 0.62, w * 0.94, h * 0.1);
            let n = 8;
            let pts: Vec<(f32, f32)> = (0..=n)
                .map(|i| {
                    let t = i as f32 / n as f32;
                    let dy = if i % 2 == 0 { -1.0 } else { 1.0 } * h * 0.025;
                    (x0 + (x1 - x0) * t, y + dy)
                })
                .collect();
            if let Some(p) = polyline(&pts) {
                c.stroke(&p, EDGE, thick * 1.8);
                c.stroke(&p, ARROW, thick);
            }
            label(c, "HANDHELD", x0, y + h * 0.025 + label_px * 1.3, label_px);
        }
        CameraMovement::Steadicam => {
            let mut pb = PathBuilder::new();
            let start = (w * 0.5, h * 0.95);
            let end = (w * 0.56, h * 0.62);
            pb.move_to(start.0, start.1);
            pb.quad_to(w * 0.42, h * 0.78, end.0, end.1);
            if let Some(p) = pb.finish() {
                c.stroke(&p, EDGE, thick * 2.2);
                c.stroke(&p, ARROW, thick * 1.3);
            }
            arrow(c, (w * 0.53, h * 0.68), end, thick * 1.3);
            label(c, "STEADICAM", w * 0.6, h * 0.86, label_px);
        }
    }
    c.ts = saved;
    c.straight = saved_straight;
}

fn ends(forward: bool, a: f32, b: f32) -> (f32, f32) {
    if forward { (a, b) } else { (b, a) }
}

/// A thick arrow from `a` to `b` with a white edge.
fn arrow(c: &mut Canvas<'_>, a: (f32, f32), b: (f32, f32), thick: f32) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / len, dy / len);
    let (nx, ny) = (-uy, ux);
    let head = (thick * 4.0).min(len * 0.5);
    let hw = thick * 2.4;
    let shaft_end = (b.0 - ux * head * 0.8, b.1 - uy * head * 0.8);
    let t = thick / 2.0;
    let pts = [
        (a.0 + nx * t, a.1 + ny * t),
        (shaft_end.0 + nx * t, shaft_end.1 + ny * t),
        (b.0 - ux * head + nx * hw, b.1 - uy * head + ny * hw),
        b,
        (b.0 - ux * head - nx * hw, b.1 - uy * head - ny * hw),
        (shaft_end.0 - nx * t, shaft_end.1 - ny * t),
        (a.0 - nx * t, a.1 - ny * t),
    ];
    if let Some(p) = polygon(&pts) {
        c.stroke(&p, EDGE, (thick * 0.5).max(1.5));
        c.fill(&p, ARROW);
    }
}

fn dashed_rect(c: &mut Canvas<'_>, x0: f32, y0: f32, x1: f32, y1: f32, width: f32) {
    let dash = width * 6.0;
    let seg = |c: &mut Canvas<'_>, a: (f32, f32), b: (f32, f32)| {
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let n = (len / (dash * 2.0)).floor().max(1.0) as usize;
        for i in 0..n {
            let t0 = (i as f32 * 2.0 * dash) / len;
            let t1 = ((i as f32 * 2.0 + 1.0) * dash / len).min(1.0);
            let p0 = (a.0 + (b.0 - a.0) * t0, a.1 + (b.1 - a.1) * t0);
            let p1 = (a.0 + (b.0 - a.0) * t1, a.1 + (b.1 - a.1) * t1);
            c.rect(
                p0.0.min(p1.0) - width / 2.0,
                p0.1.min(p1.1) - width / 2.0,
                (p1.0 - p0.0).abs() + width,
                (p1.1 - p0.1).abs() + width,
                EDGE,
            );
        }
    };
    seg(c, (x0, y0), (x1, y0));
    seg(c, (x0, y1), (x1, y1));
    seg(c, (x0, y0), (x0, y1));
    seg(c, (x1, y0), (x1, y1));
}

fn label(c: &mut Canvas<'_>, s: &str, x: f32, y: f32, px: f32) {
    let w = text::measure(Face::Bold, px, s);
    let x = x.clamp(2.0, (c.w - w - 2.0).max(2.0));
    c.label_shadowed(Face::Bold, px, (x, y), ARROW.mix(EDGE, 0.15), s);
}

/// Darkens the frame's edges into an iris: a point-of-view shot.
pub fn pov_iris(c: &mut Canvas<'_>) {
    let (w, h) = (c.w, c.h);
    let mut pb = PathBuilder::new();
    if let Some(outer) = tiny_skia_path::Rect::from_xywh(-w, -h, w * 3.0, h * 3.0) {
        pb.push_rect(outer);
    }
    if let Some(r) = tiny_skia_path::Rect::from_xywh(w * 0.03, h * 0.04, w * 0.94, h * 0.92) {
        pb.push_oval(r);
    }
    if let Some(p) = pb.finish() {
        let saved = c.ts;
        c.ts = Transform::identity();
        c.fill_even_odd(&p, Rgb(0, 0, 0), 150);
        c.ts = saved;
    }
    let px = (w.min(h) * 0.05).clamp(10.0, 40.0);
    c.label_shadowed(
        Face::Bold,
        px,
        (w * 0.04, h * 0.04 + px),
        Rgb(255, 255, 255),
        "POV",
    );
}
