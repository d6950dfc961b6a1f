//! A thin drawing layer over a tiny-skia pixmap: flat fills without
//! anti-aliasing where edges are axis-aligned (much faster), anti-aliased paths
//! for figures and arrows, and a base transform that tilts everything for a
//! Dutch angle.

use tiny_skia::{FillRule, Paint, Path, PathBuilder, Pixmap, Rect, Stroke, Transform};

use super::look::Rgb;
use crate::text::{self, Face, Rgba, Style};

/// The pixmap being drawn and the picture area's geometry.
pub struct Canvas<'a> {
    /// Target pixels (opaque RGBA).
    pub pm: &'a mut Pixmap,
    /// Picture width.
    pub w: f32,
    /// Picture height (the caption band, if any, lies below).
    pub h: f32,
    /// Base transform (rotation for a Dutch angle).
    pub ts: Transform,
    /// Whether the base transform is the identity.
    pub straight: bool,
}

fn paint(color: tiny_skia::Color, aa: bool) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color(color);
    p.anti_alias = aa;
    p
}

impl Canvas<'_> {
    /// Fills an axis-aligned rectangle (in picture coordinates).
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: Rgb) {
        self.rect_alpha(x, y, w, h, c, 255);
    }

    /// Fills an axis-aligned rectangle with alpha.
    pub fn rect_alpha(&mut self, x: f32, y: f32, w: f32, h: f32, c: Rgb, a: u8) {
        if self.straight && a == 255 {
            self.rect_opaque(x, y, w, h, c);
            return;
        }
        if let Some(r) = Rect::from_xywh(x, y, w.max(0.5), h.max(0.5)) {
            // Never anti-aliased: axis-aligned edges need none, and rotated
            // (Dutch) set pieces meet similar colours or an inked edge.
            let p = paint(c.sk_alpha(a), false);
            self.pm.fill_rect(r, &p, self.ts, None);
        }
    }

    /// Opaque, unrotated rectangle: rows of pixels written directly (the
    /// general pipeline costs several times more for the same pixels).
    fn rect_opaque(&mut self, x: f32, y: f32, w: f32, h: f32, c: Rgb) {
        let (pw, ph) = (self.pm.width() as i64, self.pm.height() as i64);
        let x0 = (x.round() as i64).clamp(0, pw);
        let x1 = ((x + w).round() as i64).clamp(0, pw).max(x0);
        let y0 = (y.round() as i64).clamp(0, ph);
        let y1 = ((y + h).round() as i64).clamp(0, ph).max(y0);
        if x0 == x1 || y0 == y1 {
            return;
        }
        let px = [c.0, c.1, c.2, 255];
        let data = self.pm.data_mut();
        let stride = pw as usize * 4;
        let (a, b) = (x0 as usize * 4, x1 as usize * 4);
        let first = y0 as usize * stride;
        for p in data[first + a..first + b].chunks_exact_mut(4) {
            p.copy_from_slice(&px);
        }
        for row in y0 as usize + 1..y1 as usize {
            let (done, rest) = data.split_at_mut(row * stride);
            rest[a..b].copy_from_slice(&done[first + a..first + b]);
        }
    }

    /// Fills a vertical gradient between rows `y0` and `y1`, spanning `x0..x1`.
    pub fn vgradient(&mut self, x0: f32, x1: f32, y0: f32, y1: f32, top: Rgb, bottom: Rgb) {
        let steps = ((y1 - y0) / 6.0).clamp(1.0, 48.0) as usize;
        let dy = (y1 - y0) / steps as f32;
        for i in 0..steps {
            let t = (i as f32 + 0.5) / steps as f32;
            let y = y0 + dy * i as f32;
            // Overlap by a pixel so anti-aliased (rotated) bands leave no seams.
            self.rect(x0, y, x1 - x0, dy + 1.0, top.mix(bottom, t));
        }
    }

    /// Fills a path.
    pub fn fill(&mut self, path: &Path, c: Rgb) {
        self.fill_alpha(path, c, 255);
    }

    /// Fills a path without anti-aliasing and inks its outline (anti-aliased):
    /// the stroke hides the stair-steps, and a flat fill of a large shape
    /// costs a fraction of an anti-aliased one.
    pub fn fill_outlined(&mut self, path: &Path, c: Rgb, ink: Rgb, width: f32) {
        let p = paint(c.sk(), false);
        self.pm
            .fill_path(path, &p, FillRule::Winding, self.ts, None);
        self.stroke(path, ink, width);
    }

    /// Fills a polygon without anti-aliasing (large set pieces whose edges are inked).
    pub fn polygon_flat(&mut self, pts: &[(f32, f32)], c: Rgb) {
        if let Some(path) = polygon(pts) {
            let p = paint(c.sk(), false);
            self.pm
                .fill_path(&path, &p, FillRule::Winding, self.ts, None);
        }
    }

    /// Fills a path with alpha.
    pub fn fill_alpha(&mut self, path: &Path, c: Rgb, a: u8) {
        let p = paint(c.sk_alpha(a), true);
        self.pm
            .fill_path(path, &p, FillRule::Winding, self.ts, None);
    }

    /// Fills a path with the even-odd rule (holes), alpha.
    pub fn fill_even_odd(&mut self, path: &Path, c: Rgb, a: u8) {
        let p = paint(c.sk_alpha(a), true);
        self.pm
            .fill_path(path, &p, FillRule::EvenOdd, self.ts, None);
    }

    /// Strokes a path.
    pub fn stroke(&mut self, path: &Path, c: Rgb, width: f32) {
        let p = paint(c.sk(), true);
        let s = Stroke {
            width: width.max(0.5),
            line_cap: tiny_skia::LineCap::Round,
            line_join: tiny_skia::LineJoin::Round,
            ..Stroke::default()
        };
        self.pm.stroke_path(path, &p, &s, self.ts, None);
    }

    /// Fills a polygon.
    pub fn polygon(&mut self, pts: &[(f32, f32)], c: Rgb) {
        if let Some(path) = polygon(pts) {
            self.fill(&path, c);
        }
    }

    /// Fills an ellipse.
    pub fn ellipse(&mut self, cx: f32, cy: f32, rx: f32, ry: f32, c: Rgb) {
        if let Some(path) = ellipse(cx, cy, rx, ry) {
            self.fill(&path, c);
        }
    }

    /// Draws text in screen coordinates (never rotated), baseline at `at.1`.
    pub fn label(&mut self, face: Face, px: f32, at: (f32, f32), c: Rgb, s: &str) {
        let width = self.pm.width();
        let style = Style::new(face, px, Rgba([c.0, c.1, c.2, 255]));
        text::draw(self.pm.data_mut(), width, style, at, s);
    }

    /// Like [`Canvas::label`], with a soft dark shadow for busy backgrounds.
    pub fn label_shadowed(&mut self, face: Face, px: f32, at: (f32, f32), c: Rgb, s: &str) {
        let width = self.pm.width();
        let off = (px / 14.0).max(1.0);
        let shadow = Style::new(face, px, Rgba([0, 0, 0, 170]));
        text::draw(
            self.pm.data_mut(),
            width,
            shadow,
            (at.0 + off, at.1 + off),
            s,
        );
        self.label(face, px, at, c, s);
    }
}

/// A closed polygon path.
pub fn polygon(pts: &[(f32, f32)]) -> Option<Path> {
    let (first, rest) = pts.split_first()?;
    let mut pb = PathBuilder::new();
    pb.move_to(first.0, first.1);
    for p in rest {
        pb.line_to(p.0, p.1);
    }
    pb.close();
    pb.finish()
}

/// An ellipse path.
pub fn ellipse(cx: f32, cy: f32, rx: f32, ry: f32) -> Option<Path> {
    let r = Rect::from_xywh(cx - rx, cy - ry, 2.0 * rx.max(0.1), 2.0 * ry.max(0.1))?;
    PathBuilder::from_oval(r)
}

/// A rounded rectangle path.
pub fn rounded_rect(x: f32, y: f32, w: f32, h: f32, r: f32) -> Option<Path> {
    let r = r.min(w / 2.0).min(h / 2.0).max(0.0);
    let k = 0.552_284_8 * r;
    let mut pb = PathBuilder::new();
    pb.move_to(x + r, y);
    pb.line_to(x + w - r, y);
    pb.cubic_to(x + w - r + k, y, x + w, y + r - k, x + w, y + r);
    pb.line_to(x + w, y + h - r);
    pb.cubic_to(x + w, y + h - r + k, x + w - r + k, y + h, x + w - r, y + h);
    pb.line_to(x + r, y + h);
    pb.cubic_to(x + r - k, y + h, x, y + h - r + k, x, y + h - r);
    pb.line_to(x, y + r);
    pb.cubic_to(x, y + r - k, x + r - k, y, x + r, y);
    pb.close();
    pb.finish()
}

/// A polyline path (open).
pub fn polyline(pts: &[(f32, f32)]) -> Option<Path> {
    let (first, rest) = pts.split_first()?;
    let mut pb = PathBuilder::new();
    pb.move_to(first.0, first.1);
    for p in rest {
        pb.line_to(p.0, p.1);
    }
    pb.finish()
}
