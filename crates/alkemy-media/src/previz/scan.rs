//! Scan conversion into a packed RGB buffer: paths (flattened to line
//! segments) are turned into per-row cells of exact area coverage, and each
//! row is swept left to right, blending the edge pixels and filling the runs
//! between edges as solid spans.
//!
//! Design: the work is proportional to the length of a shape's outline, not
//! to its area; the inside of a shape, however large, costs what a memory
//! fill costs. Coverage is the exact area of the pixel inside the shape (no
//! supersampling), summed as signed winding, so overlapping parts of one
//! path (stroke joins) simply saturate. Everything is plain `f32`
//! arithmetic in a fixed order: the same path gives the same pixels.

use tiny_skia_path::{Path, PathSegment, Point, Transform};

/// Largest distance a flattened curve may stray from the true curve, pixels.
const TOLERANCE: f32 = 0.2;
/// Most line segments one curve is cut into.
const MAX_CURVE_STEPS: u32 = 256;

/// An RGB image being drawn: packed rows, no padding.
pub struct Target<'a> {
    /// `width * height * 3` bytes.
    pub data: &'a mut [u8],
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
}

/// How overlapping parts of a path count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Inside wherever the winding number is not zero.
    NonZero,
    /// Inside wherever the winding number is odd (holes).
    EvenOdd,
}

/// Where one piece of an edge crosses a pixel of a row.
#[derive(Debug, Clone, Copy)]
struct Cell {
    x: i32,
    /// Signed coverage of this pixel alone.
    area: f32,
    /// Signed height of the edge in this pixel: coverage added to every
    /// pixel to its right.
    cover: f32,
}

/// Reusable scratch memory for filling paths.
#[derive(Debug, Default)]
pub struct Scanner {
    rows: Vec<Vec<Cell>>,
    /// Rows touched since the last sweep (first, one past last).
    touched: Option<(usize, usize)>,
    width: i32,
    height: usize,
}

impl Scanner {
    /// Fills `path` (mapped through `ts`) with `color` at opacity `alpha`.
    pub fn fill_path(
        &mut self,
        t: &mut Target<'_>,
        path: &Path,
        ts: Transform,
        rule: Rule,
        color: [u8; 3],
        alpha: u8,
    ) {
        self.begin(t);
        let map = |p: Point| -> (f32, f32) {
            if ts.is_identity() {
                (p.x, p.y)
            } else {
                (
                    p.x * ts.sx + p.y * ts.kx + ts.tx,
                    p.x * ts.ky + p.y * ts.sy + ts.ty,
                )
            }
        };
        let mut start = (0.0, 0.0);
        let mut last = (0.0, 0.0);
        let mut open = false;
        for seg in path.segments() {
            match seg {
                PathSegment::MoveTo(p) => {
                    if open {
                        self.line(last, start);
                    }
                    start = map(p);
                    last = start;
                    open = true;
                }
                PathSegment::LineTo(p) => {
                    let q = map(p);
                    self.line(last, q);
                    last = q;
                }
                PathSegment::QuadTo(c, p) => {
                    let (c, q) = (map(c), map(p));
                    self.quad(last, c, q);
                    last = q;
                }
                PathSegment::CubicTo(c1, c2, p) => {
                    let (c1, c2, q) = (map(c1), map(c2), map(p));
                    self.cubic(last, c1, c2, q);
                    last = q;
                }
                PathSegment::Close => {
                    self.line(last, start);
                    last = start;
                    open = false;
                }
            }
        }
        if open {
            self.line(last, start);
        }
        self.sweep(t, rule, color, alpha);
    }

    /// Fills a polygon given by its corners (already in pixel space).
    pub fn fill_polygon(
        &mut self,
        t: &mut Target<'_>,
        pts: &[(f32, f32)],
        color: [u8; 3],
        alpha: u8,
    ) {
        let Some(&first) = pts.first() else {
            return;
        };
        self.begin(t);
        let mut last = first;
        for &p in &pts[1..] {
            self.line(last, p);
            last = p;
        }
        self.line(last, first);
        self.sweep(t, Rule::NonZero, color, alpha);
    }

    fn begin(&mut self, t: &Target<'_>) {
        if self.rows.len() < t.height {
            self.rows.resize_with(t.height, Vec::new);
        }
        self.width = i32::try_from(t.width).unwrap_or(i32::MAX);
        self.height = t.height;
        self.touched = None;
    }

    fn quad(&mut self, p0: (f32, f32), p1: (f32, f32), p2: (f32, f32)) {
        // Wang's formula: the second difference bounds the deviation.
        let dd = len(p0.0 - 2.0 * p1.0 + p2.0, p0.1 - 2.0 * p1.1 + p2.1);
        let n = steps(0.25 * dd);
        let mut last = p0;
        for i in 1..=n {
            let t = i as f32 / n as f32;
            let u = 1.0 - t;
            let p = (
                u * u * p0.0 + 2.0 * u * t * p1.0 + t * t * p2.0,
                u * u * p0.1 + 2.0 * u * t * p1.1 + t * t * p2.1,
            );
            self.line(last, p);
            last = p;
        }
    }

    fn cubic(&mut self, p0: (f32, f32), p1: (f32, f32), p2: (f32, f32), p3: (f32, f32)) {
        let d1 = len(p0.0 - 2.0 * p1.0 + p2.0, p0.1 - 2.0 * p1.1 + p2.1);
        let d2 = len(p1.0 - 2.0 * p2.0 + p3.0, p1.1 - 2.0 * p2.1 + p3.1);
        let n = steps(0.75 * d1.max(d2));
        let mut last = p0;
        for i in 1..=n {
            let t = i as f32 / n as f32;
            let u = 1.0 - t;
            let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
            let p = (
                a * p0.0 + b * p1.0 + c * p2.0 + d * p3.0,
                a * p0.1 + b * p1.1 + c * p2.1 + d * p3.1,
            );
            self.line(last, p);
            last = p;
        }
    }

    /// Adds the cells of one edge, clipped to the rows of the target.
    fn line(&mut self, a: (f32, f32), b: (f32, f32)) {
        let finite = a.0.is_finite() && a.1.is_finite() && b.0.is_finite() && b.1.is_finite();
        if !finite || a.1 == b.1 {
            // Horizontal edges cover nothing; broken ones are dropped.
            return;
        }
        // Walk downward; the sign keeps the edge's direction.
        let (sign, top, bottom) = if a.1 < b.1 { (1.0, a, b) } else { (-1.0, b, a) };
        let y_start = top.1.max(0.0);
        let y_end = bottom.1.min(self.height as f32);
        if y_start >= y_end {
            return;
        }
        let dxdy = (bottom.0 - top.0) / (bottom.1 - top.1);
        let x_at = |y: f32| top.0 + (y - top.1) * dxdy;
        let first = y_start as usize;
        let last = ((y_end.ceil() as usize).max(first + 1)).min(self.height);
        self.touched = Some(match self.touched {
            Some((lo, hi)) => (lo.min(first), hi.max(last)),
            None => (first, last),
        });
        let mut y = y_start;
        let mut x = x_at(y);
        for row in first..last {
            let row_bottom = ((row + 1) as f32).min(y_end);
            if row_bottom <= y {
                continue;
            }
            let nx = if row_bottom == bottom.1 {
                bottom.0
            } else {
                x_at(row_bottom)
            };
            let base = row as f32;
            self.row_piece(row, x, y - base, nx, row_bottom - base, sign);
            x = nx;
            y = row_bottom;
        }
    }

    /// One piece of an edge inside row `row`, from (`xa`, `ya`) to (`xb`,
    /// `yb`) with `ya` < `yb` in 0..=1 (row-relative), walking downward.
    fn row_piece(&mut self, row: usize, xa: f32, ya: f32, xb: f32, yb: f32, sign: f32) {
        let dy = (yb - ya) * sign;
        let width = self.width;
        let cells = &mut self.rows[row];
        let (xl, xr) = if xa <= xb { (xa, xb) } else { (xb, xa) };
        if xl >= width as f32 {
            return;
        }
        let cl = floor(xl);
        let cr = floor(xr);
        if cl == cr {
            if cl < 0.0 {
                cells.push(Cell {
                    x: -1,
                    area: 0.0,
                    cover: dy,
                });
            } else {
                let mid = (xa + xb) * 0.5 - cl;
                cells.push(Cell {
                    x: cl as i32,
                    area: dy * (1.0 - mid),
                    cover: dy,
                });
            }
            return;
        }
        // The edge crosses columns: share its height out by horizontal extent.
        let k = dy / (xr - xl);
        let mut c = cl;
        if c < 0.0 {
            let hi = xr.min(0.0);
            cells.push(Cell {
                x: -1,
                area: 0.0,
                cover: k * (hi - xl),
            });
            c = 0.0;
        }
        let end = cr.min((width - 1) as f32);
        while c <= end {
            let lo = xl.max(c);
            let hi = xr.min(c + 1.0);
            if hi > lo {
                let d = k * (hi - lo);
                let mid = (lo + hi) * 0.5 - c;
                cells.push(Cell {
                    x: c as i32,
                    area: d * (1.0 - mid),
                    cover: d,
                });
            }
            c += 1.0;
        }
    }

    /// Turns the cells of every touched row into pixels, and clears them.
    fn sweep(&mut self, t: &mut Target<'_>, rule: Rule, color: [u8; 3], alpha: u8) {
        let Some((first, last)) = self.touched.take() else {
            return;
        };
        let width = t.width;
        let opacity = f32::from(alpha);
        let to_alpha = |v: f32| -> u32 {
            let cov = match rule {
                Rule::NonZero => v.abs().min(1.0),
                Rule::EvenOdd => {
                    let m = v.abs() % 2.0;
                    if m > 1.0 { 2.0 - m } else { m }
                }
            };
            (cov * opacity + 0.5) as u32
        };
        let solid = solid_pattern(color);
        for row in first..last.min(t.height) {
            let cells = &mut self.rows[row];
            if cells.is_empty() {
                continue;
            }
            cells.sort_unstable_by_key(|c| c.x);
            let line = &mut t.data[row * width * 3..(row + 1) * width * 3];
            let mut acc = 0.0f32;
            let mut i = 0;
            while i < cells.len() {
                let x = cells[i].x;
                let (mut area, mut cover) = (0.0, 0.0);
                while i < cells.len() && cells[i].x == x {
                    area += cells[i].area;
                    cover += cells[i].cover;
                    i += 1;
                }
                if x >= 0 {
                    let a = to_alpha(acc + area);
                    let at = x as usize * 3;
                    blend(&mut line[at..at + 3], color, a);
                }
                acc += cover;
                let next = cells.get(i).map_or(width, |c| c.x as usize);
                let from = (x + 1) as usize;
                if next > from {
                    let a = to_alpha(acc);
                    let span = &mut line[from * 3..next * 3];
                    if a >= 255 {
                        fill(span, &solid);
                    } else if a > 0 {
                        blend_span(span, color, a);
                    }
                }
            }
            cells.clear();
        }
    }
}

/// `x.floor()` without a libm call (baseline x86-64 has no rounding
/// instruction); exact for |x| < 2³¹, saturating beyond, where only the
/// side of the image matters.
#[inline]
fn floor(x: f32) -> f32 {
    let t = x as i32 as f32;
    if t > x { t - 1.0 } else { t }
}

fn len(x: f32, y: f32) -> f32 {
    (x * x + y * y).sqrt()
}

/// Line segments for a curve whose deviation measure is `dev` pixels.
fn steps(dev: f32) -> u32 {
    let n = (dev / TOLERANCE).sqrt().ceil();
    if n.is_finite() {
        (n as u32).clamp(1, MAX_CURVE_STEPS)
    } else {
        1
    }
}

/// Blends `color` over one RGB pixel at opacity `a` (0..=255).
#[inline]
pub fn blend(p: &mut [u8], color: [u8; 3], a: u32) {
    if a >= 255 {
        p.copy_from_slice(&color);
        return;
    }
    let inv = 255 - a;
    for (d, &s) in p.iter_mut().zip(&color) {
        *d = ((u32::from(*d) * inv + u32::from(s) * a + 127) / 255) as u8;
    }
}

/// Blends `color` at opacity `a` (1..=254) over whole RGB pixels: the same
/// arithmetic as [`blend`], 16 pixels at a time in 16-bit lanes.
pub fn blend_span(span: &mut [u8], color: [u8; 3], a: u32) {
    let inv = (255 - a) as u16;
    let mut add = [0u16; 48];
    for (i, v) in add.iter_mut().enumerate() {
        // At most 255 * 255 + 127 together with `d * inv`: fits 16 bits.
        *v = (u32::from(color[i % 3]) * a + 127) as u16;
    }
    let mut chunks = span.chunks_exact_mut(48);
    for c in &mut chunks {
        for (d, &k) in c.iter_mut().zip(&add) {
            *d = ((u16::from(*d) * inv + k) / 255) as u8;
        }
    }
    for p in chunks.into_remainder().chunks_exact_mut(3) {
        blend(p, color, a);
    }
}

/// Sixteen pixels of one colour: the unit of solid fills.
pub fn solid_pattern(color: [u8; 3]) -> [u8; 48] {
    let mut p = [0u8; 48];
    for px in p.chunks_exact_mut(3) {
        px.copy_from_slice(&color);
    }
    p
}

/// Fills whole RGB pixels with the colour of `pattern`.
#[inline]
pub fn fill(span: &mut [u8], pattern: &[u8; 48]) {
    let mut chunks = span.chunks_exact_mut(48);
    for c in &mut chunks {
        c.copy_from_slice(pattern);
    }
    let rest = chunks.into_remainder();
    let n = rest.len();
    rest.copy_from_slice(&pattern[..n]);
}

#[cfg(test)]
mod tests {
    use tiny_skia_path::{PathBuilder, Rect};

    use super::*;

    fn canvas(w: usize, h: usize) -> Vec<u8> {
        vec![0u8; w * h * 3]
    }

    fn px(data: &[u8], w: usize, x: usize, y: usize) -> u8 {
        data[(y * w + x) * 3]
    }

    #[test]
    fn a_pixel_aligned_rectangle_fills_exactly_its_pixels() {
        let (w, h) = (20, 10);
        let mut data = canvas(w, h);
        let mut s = Scanner::default();
        let path = PathBuilder::from_rect(Rect::from_xywh(3.0, 2.0, 5.0, 4.0).unwrap());
        let mut t = Target {
            data: &mut data,
            width: w,
            height: h,
        };
        s.fill_path(
            &mut t,
            &path,
            Transform::identity(),
            Rule::NonZero,
            [255, 255, 255],
            255,
        );
        for y in 0..h {
            for x in 0..w {
                let inside = (3..8).contains(&x) && (2..6).contains(&y);
                assert_eq!(px(&data, w, x, y), if inside { 255 } else { 0 }, "{x},{y}");
            }
        }
    }

    #[test]
    fn edge_pixels_get_their_covered_fraction() {
        let (w, h) = (10, 4);
        let mut data = canvas(w, h);
        let mut s = Scanner::default();
        // Half of column 2, all of 3..6, a quarter of column 6.
        s.fill_polygon(
            &mut Target {
                data: &mut data,
                width: w,
                height: h,
            },
            &[(2.5, 0.0), (6.25, 0.0), (6.25, 4.0), (2.5, 4.0)],
            [200, 200, 200],
            255,
        );
        assert_eq!(px(&data, w, 1, 1), 0);
        assert_eq!(px(&data, w, 2, 1), 100);
        assert_eq!(px(&data, w, 4, 1), 200);
        assert_eq!(px(&data, w, 6, 1), 50);
        assert_eq!(px(&data, w, 7, 1), 0);
        // A diagonal edge through a pixel's corners covers half of it.
        let mut data = canvas(w, h);
        s.fill_polygon(
            &mut Target {
                data: &mut data,
                width: w,
                height: h,
            },
            &[(0.0, 0.0), (4.0, 4.0), (0.0, 4.0)],
            [200, 200, 200],
            255,
        );
        assert_eq!(px(&data, w, 1, 1), 100);
        assert_eq!(px(&data, w, 0, 1), 200);
        assert_eq!(px(&data, w, 2, 1), 0);
    }

    #[test]
    fn shapes_beyond_the_edges_are_clipped_not_wrapped() {
        let (w, h) = (8, 8);
        let mut data = canvas(w, h);
        let mut s = Scanner::default();
        // A huge triangle below the diagonal, and one fully outside.
        s.fill_polygon(
            &mut Target {
                data: &mut data,
                width: w,
                height: h,
            },
            &[(-1e6, -1e6), (1e6, 1e6), (-1e6, 1e6)],
            [255, 0, 0],
            255,
        );
        s.fill_polygon(
            &mut Target {
                data: &mut data,
                width: w,
                height: h,
            },
            &[(20.0, 0.0), (30.0, 0.0), (25.0, 8.0)],
            [0, 255, 0],
            255,
        );
        assert!(data.chunks_exact(3).all(|p| p[1] == 0));
        assert_eq!(px(&data, w, 0, 7), 255);
        assert_eq!(px(&data, w, 7, 0), 0);
        let diagonal = px(&data, w, 5, 5);
        assert!((100..=155).contains(&diagonal), "{diagonal}");
        // Non-finite points are ignored.
        s.fill_polygon(
            &mut Target {
                data: &mut data,
                width: w,
                height: h,
            },
            &[(f32::NAN, 0.0), (3.0, f32::INFINITY), (1.0, 1.0)],
            [0, 0, 255],
            255,
        );
        assert!(data.chunks_exact(3).all(|p| p[2] == 0));
    }

    #[test]
    fn even_odd_leaves_holes_and_non_zero_does_not() {
        let (w, h) = (12, 12);
        let mut pb = PathBuilder::new();
        pb.push_rect(Rect::from_xywh(0.0, 0.0, 12.0, 12.0).unwrap());
        pb.push_rect(Rect::from_xywh(4.0, 4.0, 4.0, 4.0).unwrap());
        let path = pb.finish().unwrap();
        let mut s = Scanner::default();
        for (rule, centre) in [(Rule::EvenOdd, 0), (Rule::NonZero, 255)] {
            let mut data = canvas(w, h);
            s.fill_path(
                &mut Target {
                    data: &mut data,
                    width: w,
                    height: h,
                },
                &path,
                Transform::identity(),
                rule,
                [255, 255, 255],
                255,
            );
            assert_eq!(px(&data, w, 6, 6), centre, "{rule:?}");
            assert_eq!(px(&data, w, 1, 1), 255, "{rule:?}");
        }
    }

    #[test]
    fn a_circle_covers_its_area() {
        let (w, h) = (64, 64);
        let mut data = canvas(w, h);
        let path = PathBuilder::from_circle(32.0, 32.0, 20.0).unwrap();
        Scanner::default().fill_path(
            &mut Target {
                data: &mut data,
                width: w,
                height: h,
            },
            &path,
            Transform::identity(),
            Rule::NonZero,
            [255, 255, 255],
            255,
        );
        let total: f64 = data.chunks_exact(3).map(|p| f64::from(p[0]) / 255.0).sum();
        // Flattened chords lie inside the arc, by at most the tolerance.
        let want = std::f64::consts::PI * 400.0;
        let chord_loss = 2.0 * std::f64::consts::PI * 20.0 * f64::from(TOLERANCE);
        assert!(
            total <= want + 1.0 && total >= want - chord_loss,
            "{total} vs {want}"
        );
    }

    #[test]
    fn span_blending_matches_pixel_blending() {
        let base: Vec<u8> = (0..150u32).map(|i| (i * 37 % 256) as u8).collect();
        for a in [1, 90, 128, 254] {
            let mut fast = base.clone();
            blend_span(&mut fast, [250, 3, 128], a);
            let mut slow = base.clone();
            for p in slow.chunks_exact_mut(3) {
                blend(p, [250, 3, 128], a);
            }
            assert_eq!(fast, slow, "alpha {a}");
        }
    }

    #[test]
    fn floor_matches_the_standard_one() {
        for x in [-2.5f32, -2.0, -0.25, 0.0, 0.75, 1.0, 1279.99, 1e6, -1e6] {
            assert_eq!(floor(x), x.floor(), "{x}");
        }
    }

    #[test]
    fn translucent_fills_blend() {
        let (w, h) = (4, 4);
        let mut data = vec![100u8; w * h * 3];
        Scanner::default().fill_polygon(
            &mut Target {
                data: &mut data,
                width: w,
                height: h,
            },
            &[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)],
            [0, 0, 0],
            128,
        );
        assert!(data.iter().all(|&v| v == 50), "{:?}", &data[..6]);
    }
}
