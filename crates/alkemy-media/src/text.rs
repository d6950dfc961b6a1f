//! Text: the embedded DejaVu Sans Condensed faces, a shared cache of
//! rasterised glyphs, measuring, wrapping and drawing onto RGBA or RGB pixels.
//!
//! Design: glyphs are rasterised once per (face, glyph, pixel size) and kept
//! for the life of the process, so drawing a caption is a handful of alpha
//! blends; rasterising on every panel cost more than drawing the panel.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use fontdue::{Font, FontSettings};

/// A typeface embedded in the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Face {
    /// DejaVu Sans Condensed.
    Regular,
    /// DejaVu Sans Condensed Bold.
    Bold,
}

static REGULAR_TTF: &[u8] = include_bytes!("../assets/fonts/DejaVuSansCondensed.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../assets/fonts/DejaVuSansCondensed-Bold.ttf");

struct Fonts {
    regular: Option<Font>,
    bold: Option<Font>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts {
        regular: Font::from_bytes(REGULAR_TTF, FontSettings::default()).ok(),
        bold: Font::from_bytes(BOLD_TTF, FontSettings::default()).ok(),
    })
}

fn font(face: Face) -> Option<&'static Font> {
    let f = fonts();
    match face {
        Face::Regular => f.regular.as_ref(),
        Face::Bold => f.bold.as_ref().or(f.regular.as_ref()),
    }
}

/// A rasterised glyph: coverage bytes and placement.
struct Glyph {
    width: usize,
    height: usize,
    /// Offset from the pen position to the bitmap's left edge.
    xmin: i32,
    /// Offset from the baseline to the bitmap's bottom edge (up is positive).
    ymin: i32,
    advance: f32,
    coverage: Vec<u8>,
}

type GlyphKey = (Face, u16, u16);

fn cache() -> &'static RwLock<HashMap<GlyphKey, Arc<Glyph>>> {
    static CACHE: OnceLock<RwLock<HashMap<GlyphKey, Arc<Glyph>>>> = OnceLock::new();
    CACHE.get_or_init(|| RwLock::new(HashMap::new()))
}

fn glyph(face: Face, index: u16, px: u16) -> Option<Arc<Glyph>> {
    let key = (face, index, px);
    if let Ok(map) = cache().read()
        && let Some(g) = map.get(&key)
    {
        return Some(Arc::clone(g));
    }
    let font = font(face)?;
    let (m, coverage) = font.rasterize_indexed(index, f32::from(px));
    let g = Arc::new(Glyph {
        width: m.width,
        height: m.height,
        xmin: m.xmin,
        ymin: m.ymin,
        advance: m.advance_width,
        coverage,
    });
    if let Ok(mut map) = cache().write() {
        map.insert(key, Arc::clone(&g));
    }
    Some(g)
}

fn glyph_index(face: Face, c: char) -> u16 {
    font(face).map_or(0, |f| f.lookup_glyph_index(c))
}

/// Pixel sizes are whole pixels so that cached glyphs are reused.
fn px_size(px: f32) -> u16 {
    px.round().clamp(4.0, 1000.0) as u16
}

/// Font metrics at a size.
#[derive(Debug, Clone, Copy)]
pub struct LineMetrics {
    /// Height above the baseline.
    pub ascent: f32,
    /// Depth below the baseline (positive).
    pub descent: f32,
}

/// Ascent and descent of a face at a size.
pub fn line_metrics(face: Face, px: f32) -> LineMetrics {
    let px = f32::from(px_size(px));
    match font(face).and_then(|f| f.horizontal_line_metrics(px)) {
        Some(m) => LineMetrics {
            ascent: m.ascent,
            descent: -m.descent,
        },
        None => LineMetrics {
            ascent: px * 0.8,
            descent: px * 0.2,
        },
    }
}

/// Width of `text` in pixels.
pub fn measure(face: Face, px: f32, text: &str) -> f32 {
    let size = px_size(px);
    text.chars()
        .filter_map(|c| glyph(face, glyph_index(face, c), size))
        .map(|g| g.advance.round())
        .sum()
}

/// Straight (non-premultiplied) colour with alpha.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgba(pub [u8; 4]);

/// How text is drawn: face, size in pixels, colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    /// Typeface.
    pub face: Face,
    /// Size in pixels (the em).
    pub px: f32,
    /// Colour and opacity.
    pub color: Rgba,
}

impl Style {
    /// A style.
    pub fn new(face: Face, px: f32, color: Rgba) -> Self {
        Self { face, px, color }
    }
}

/// Draws `text` with its left edge and baseline at `at` onto an opaque RGBA
/// buffer of `width` pixels per row. Returns the pen's end.
pub fn draw(buf: &mut [u8], width: u32, style: Style, at: (f32, f32), text: &str) -> f32 {
    draw_into::<4>(buf, width, style, at, text)
}

/// Like [`draw`], onto a packed RGB buffer (3 bytes a pixel).
pub fn draw_rgb(buf: &mut [u8], width: u32, style: Style, at: (f32, f32), text: &str) -> f32 {
    draw_into::<3>(buf, width, style, at, text)
}

/// Draws onto a buffer of `BPP` bytes per pixel whose first three are RGB.
fn draw_into<const BPP: usize>(
    buf: &mut [u8],
    width: u32,
    style: Style,
    at: (f32, f32),
    text: &str,
) -> f32 {
    let Style { face, px, color } = style;
    let (x, y) = at;
    let size = px_size(px);
    let width = width as i64;
    let height = (buf.len() as i64) / (width * BPP as i64).max(1);
    let mut pen = x.round();
    let base = y.round() as i64;
    let [cr, cg, cb, ca] = color.0;
    for c in text.chars() {
        let Some(g) = glyph(face, glyph_index(face, c), size) else {
            continue;
        };
        let left = pen as i64 + i64::from(g.xmin);
        let top = base - i64::from(g.ymin) - g.height as i64;
        for row in 0..g.height {
            let py = top + row as i64;
            if py < 0 || py >= height {
                continue;
            }
            let cov_row = &g.coverage[row * g.width..(row + 1) * g.width];
            for (col, &cov) in cov_row.iter().enumerate() {
                if cov == 0 {
                    continue;
                }
                let px_x = left + col as i64;
                if px_x < 0 || px_x >= width {
                    continue;
                }
                let a = u32::from(cov) * u32::from(ca) / 255;
                let i = ((py * width + px_x) * BPP as i64) as usize;
                let p = &mut buf[i..i + 3];
                p[0] = blend(p[0], cr, a);
                p[1] = blend(p[1], cg, a);
                p[2] = blend(p[2], cb, a);
            }
        }
        pen += g.advance.round();
    }
    pen
}

#[inline]
fn blend(dst: u8, src: u8, a: u32) -> u8 {
    ((u32::from(dst) * (255 - a) + u32::from(src) * a + 127) / 255) as u8
}

/// Breaks `text` into at most `max_lines` lines no wider than `max_width`;
/// what does not fit ends in an ellipsis.
pub fn wrap(face: Face, px: f32, text: &str, max_width: f32, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let space = measure(face, px, " ");
    let mut current_w = 0.0;
    let mut truncated = false;
    for word in text.split_whitespace() {
        let w = measure(face, px, word);
        if current.is_empty() {
            current.push_str(word);
            current_w = w;
        } else if current_w + space + w <= max_width {
            current.push(' ');
            current.push_str(word);
            current_w += space + w;
        } else {
            lines.push(std::mem::take(&mut current));
            if lines.len() == max_lines {
                truncated = true;
                break;
            }
            current.push_str(word);
            current_w = w;
        }
    }
    if !current.is_empty() && lines.len() < max_lines {
        lines.push(current);
    }
    for line in &mut lines {
        if measure(face, px, line) > max_width {
            *line = ellipsize(face, px, line, max_width);
        }
    }
    if truncated && let Some(last) = lines.last_mut() {
        let with = format!("{last}…");
        *last = if measure(face, px, &with) <= max_width {
            with
        } else {
            ellipsize(face, px, &with, max_width)
        };
    }
    lines
}

/// Shortens `text` to fit `max_width`, ending it with an ellipsis.
pub fn ellipsize(face: Face, px: f32, text: &str, max_width: f32) -> String {
    if measure(face, px, text) <= max_width {
        return text.to_owned();
    }
    let mut out: String = text.to_owned();
    while !out.is_empty() {
        out.pop();
        let candidate = format!("{}…", out.trim_end());
        if measure(face, px, &candidate) <= max_width {
            return candidate;
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fonts_load_and_measure() {
        assert!(font(Face::Regular).is_some());
        assert!(font(Face::Bold).is_some());
        let short = measure(Face::Regular, 20.0, "Hi");
        let long = measure(Face::Regular, 20.0, "Hello there");
        assert!(short > 5.0 && long > short * 2.0, "{short} {long}");
    }

    #[test]
    fn wrap_respects_width_and_lines() {
        let text = "The quick brown fox jumps over the lazy dog again and again and again";
        let lines = wrap(Face::Regular, 20.0, text, 150.0, 2);
        assert_eq!(lines.len(), 2);
        for l in &lines {
            assert!(measure(Face::Regular, 20.0, l) <= 150.0, "{l}");
        }
        assert!(lines[1].ends_with('…'), "{lines:?}");
        let all = wrap(Face::Regular, 20.0, "short line", 500.0, 3);
        assert_eq!(all, vec!["short line".to_owned()]);
    }

    #[test]
    fn draw_changes_pixels_under_text_only() {
        let (w, h) = (100u32, 40u32);
        let mut buf = vec![255u8; (w * h * 4) as usize];
        let style = Style::new(Face::Bold, 24.0, Rgba([0, 0, 0, 255]));
        draw(&mut buf, w, style, (5.0, 30.0), "Ag");
        let dark = buf.chunks_exact(4).filter(|p| p[0] < 128).count();
        assert!(dark > 50, "{dark}");
        // The right part of the buffer, past the text, stays white.
        for y in 0..h {
            let i = ((y * w + 95) * 4) as usize;
            assert_eq!(buf[i], 255);
        }
    }
}
