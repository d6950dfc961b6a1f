//! A thin drawing layer over a packed RGB buffer: axis-aligned opaque
//! rectangles written as rows of pixels, anti-aliased paths (figures,
//! arrows, strokes) through the [`scan`](super::scan) rasteriser, text from
//! the glyph cache, and a base transform that tilts everything for a Dutch
//! angle.

use tiny_skia_path::{LineCap, LineJoin, Path, PathBuilder, PathStroker, Rect, Stroke, Transform};

use super::look::Rgb;
use super::scan::{self, Rule, Scanner, Target};
use crate::text::{self, Face, Rgba, Style};

/// The picture being drawn and the picture area's geometry.
pub struct Canvas<'a> {
    /// Target pixels (RGB).
    target: Target<'a>,
    /// Rasteriser scratch.
    scan: &'a mut Scanner,
    /// Picture width.
    pub w: f32,
    /// Picture height (the caption band, if any, lies below).
    pub h: f32,
    /// Base transform (rotation for a Dutch angle).
    pub ts: Transform,
    /// Whether the base transform is the identity.
    pub straight: bool,
}

impl<'a> Canvas<'a> {
    /// A canvas over `data` (`width * height` RGB pixels) whose picture area
    /// is the top `pic_h` rows.
    pub fn new(
        data: &'a mut [u8],
        width: u32,
        height: u32,
        scan: &'a mut Scanner,
        pic_h: f32,
    ) -> Self {
        Canvas {
            target: Target {
                data,
                width: width as usize,
                height: height as usize,
            },
            scan,
            w: width as f32,
            h: pic_h,
            ts: Transform::identity(),
            straight: true,
        }
    }
}

impl Canvas<'_> {
    /// Width of the whole image in pixels.
    pub fn width(&self) -> u32 {
        self.target.width as u32
    }

    /// Height of the whole image (picture and band) in pixels.
    pub fn height(&self) -> u32 {
        self.target.height as u32
    }

    /// Fills an axis-aligned rectangle (in picture coordinates).
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: Rgb) {
        self.rect_alpha(x, y, w, h, c, 255);
    }

    /// Fills an axis-aligned rectangle with alpha.
    pub fn rect_alpha(&mut self, x: f32, y: f32, w: f32, h: f32, c: Rgb, a: u8) {
        if self.straight {
            self.rect_straight(x, y, w, h, c, a);
            return;
        }
        // Rotated: the four corners as a polygon, anti-aliased.
        let (w, h) = (w.max(0.5), h.max(0.5));
        let mut corners = [
            tiny_skia_path::Point::from_xy(x, y),
            tiny_skia_path::Point::from_xy(x + w, y),
            tiny_skia_path::Point::from_xy(x + w, y + h),
            tiny_skia_path::Point::from_xy(x, y + h),
        ];
        self.ts.map_points(&mut corners);
        let pts = corners.map(|p| (p.x, p.y));
        self.scan.fill_polygon(&mut self.target, &pts, c.bytes(), a);
    }

    /// Unrotated rectangle snapped to whole pixels: rows written directly
    /// (copied from the first row when opaque).
    fn rect_straight(&mut self, x: f32, y: f32, w: f32, h: f32, c: Rgb, a: u8) {
        let (pw, ph) = (self.target.width as i64, self.target.height as i64);
        let x0 = (x.round() as i64).clamp(0, pw);
        let x1 = ((x + w).round() as i64).clamp(0, pw).max(x0);
        let y0 = (y.round() as i64).clamp(0, ph);
        let y1 = ((y + h).round() as i64).clamp(0, ph).max(y0);
        if x0 == x1 || y0 == y1 || a == 0 {
            return;
        }
        let data = &mut *self.target.data;
        let stride = pw as usize * 3;
        let (l, r) = (x0 as usize * 3, x1 as usize * 3);
        if a < 255 {
            for row in y0 as usize..y1 as usize {
                let line = &mut data[row * stride + l..row * stride + r];
                for p in line.chunks_exact_mut(3) {
                    scan::blend(p, c.bytes(), u32::from(a));
                }
            }
            return;
        }
        let first = y0 as usize * stride;
        scan::fill(
            &mut data[first + l..first + r],
            &scan::solid_pattern(c.bytes()),
        );
        for row in y0 as usize + 1..y1 as usize {
            let (done, rest) = data.split_at_mut(row * stride);
            rest[l..r].copy_from_slice(&done[first + l..first + r]);
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

    /// Fills a path and inks its outline.
    pub fn fill_outlined(&mut self, path: &Path, c: Rgb, ink: Rgb, width: f32) {
        self.fill(path, c);
        self.stroke(path, ink, width);
    }

    /// Fills a path with alpha.
    pub fn fill_alpha(&mut self, path: &Path, c: Rgb, a: u8) {
        self.scan
            .fill_path(&mut self.target, path, self.ts, Rule::NonZero, c.bytes(), a);
    }

    /// Fills a path with the even-odd rule (holes), alpha.
    pub fn fill_even_odd(&mut self, path: &Path, c: Rgb, a: u8) {
        self.scan
            .fill_path(&mut self.target, path, self.ts, Rule::EvenOdd, c.bytes(), a);
    }

    /// Strokes a path with round caps and joins.
    pub fn stroke(&mut self, path: &Path, c: Rgb, width: f32) {
        let s = Stroke {
            width: width.max(0.5),
            line_cap: LineCap::Round,
            line_join: LineJoin::Round,
            ..Stroke::default()
        };
        let res_scale = PathStroker::compute_resolution_scale(&self.ts);
        if let Some(outline) = path.stroke(&s, res_scale) {
            self.fill(&outline, c);
        }
    }

    /// Fills a polygon.
    pub fn polygon(&mut self, pts: &[(f32, f32)], c: Rgb) {
        if self.straight {
            self.scan
                .fill_polygon(&mut self.target, pts, c.bytes(), 255);
        } else if let Some(path) = polygon(pts) {
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
        let width = self.width();
        let style = Style::new(face, px, Rgba([c.0, c.1, c.2, 255]));
        text::draw_rgb(self.target.data, width, style, at, s);
    }

    /// Like [`Canvas::label`], with a soft dark shadow for busy backgrounds.
    pub fn label_shadowed(&mut self, face: Face, px: f32, at: (f32, f32), c: Rgb, s: &str) {
        let width = self.width();
        let off = (px / 14.0).max(1.0);
        let shadow = Style::new(face, px, Rgba([0, 0, 0, 170]));
        text::draw_rgb(self.target.data, width, shadow, (at.0 + off, at.1 + off), s);
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
