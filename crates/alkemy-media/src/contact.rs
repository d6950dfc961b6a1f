//! Contact sheets: panels laid out in a grid under a title, as one PNG-ready
//! image, for reviewing a storyboard at a glance.

use crate::error::{MediaError, Result};
use crate::raster::RgbImage;
use crate::resample;
use crate::text::{self, Face, Rgba, Style};

/// How a contact sheet is laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetOptions {
    /// Panels per row (at least 1).
    pub columns: u32,
    /// Width each panel is scaled to, in pixels.
    pub cell_width: u32,
    /// Title printed across the top, if any.
    pub title: Option<String>,
}

impl Default for SheetOptions {
    fn default() -> Self {
        Self {
            columns: 4,
            cell_width: 480,
            title: None,
        }
    }
}

const PAPER: [u8; 3] = [236, 234, 228];
const GUTTER: u32 = 16;

/// Lays `panels` out in a grid; each is scaled to the cell width, keeping its
/// aspect ratio, and numbered in the corner.
pub fn contact_sheet(panels: &[RgbImage], options: &SheetOptions) -> Result<RgbImage> {
    if panels.is_empty() {
        return Err(MediaError::param("contact sheet", "no panels"));
    }
    let cols = options.columns.max(1).min(panels.len() as u32);
    let cell_w = options.cell_width.clamp(32, 4096);
    let scaled: Vec<RgbImage> = panels
        .iter()
        .map(|p| {
            let h =
                ((u64::from(p.height()) * u64::from(cell_w)) / u64::from(p.width())).max(1) as u32;
            resample::resize(p, cell_w, h)
        })
        .collect::<Result<_>>()?;
    let rows = (scaled.len() as u32).div_ceil(cols);
    let row_heights: Vec<u32> = (0..rows)
        .map(|r| {
            scaled
                .iter()
                .skip((r * cols) as usize)
                .take(cols as usize)
                .map(RgbImage::height)
                .max()
                .unwrap_or(0)
        })
        .collect();
    let title_px = 28.0;
    let header = if options.title.is_some() {
        (title_px * 2.0) as u32
    } else {
        0
    };
    let width = cols * cell_w + (cols + 1) * GUTTER;
    let height = header + row_heights.iter().sum::<u32>() + (rows + 1) * GUTTER;
    let mut sheet = RgbImage::filled(width, height, PAPER)?;
    let mut y = header + GUTTER;
    for (r, rh) in row_heights.iter().enumerate() {
        for c in 0..cols {
            let i = r * cols as usize + c as usize;
            let Some(panel) = scaled.get(i) else { break };
            let x = GUTTER + c * (cell_w + GUTTER);
            blit(&mut sheet, panel, x, y);
        }
        y += rh + GUTTER;
    }
    // Text goes through an RGBA scratch row band; simplest is to draw into an
    // RGBA copy of the header strip.
    if let Some(title) = &options.title {
        let mut rgba: Vec<u8> = Vec::with_capacity((width * header * 4) as usize);
        for p in sheet.as_bytes()[..(width * header * 3) as usize].chunks_exact(3) {
            rgba.extend_from_slice(&[p[0], p[1], p[2], 255]);
        }
        let title = text::ellipsize(
            Face::Bold,
            title_px,
            title,
            width as f32 - 2.0 * GUTTER as f32,
        );
        text::draw(
            &mut rgba,
            width,
            Style::new(Face::Bold, title_px, Rgba([30, 30, 36, 255])),
            (GUTTER as f32, title_px * 1.35),
            &title,
        );
        let bytes = sheet.as_bytes_mut();
        for (i, p) in rgba.chunks_exact(4).enumerate() {
            bytes[i * 3..i * 3 + 3].copy_from_slice(&p[..3]);
        }
    }
    Ok(sheet)
}

fn blit(dst: &mut RgbImage, src: &RgbImage, x: u32, y: u32) {
    let dw = dst.width() as usize;
    let sw = src.width() as usize;
    let rows = src.height().min(dst.height().saturating_sub(y)) as usize;
    let cols = sw.min(dw.saturating_sub(x as usize));
    let sbytes = src.as_bytes();
    let dbytes = dst.as_bytes_mut();
    for r in 0..rows {
        let s = r * sw * 3;
        let d = ((y as usize + r) * dw + x as usize) * 3;
        dbytes[d..d + cols * 3].copy_from_slice(&sbytes[s..s + cols * 3]);
    }
}
