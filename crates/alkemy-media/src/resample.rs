//! Resampling RGB images: area-averaging when shrinking, bilinear when
//! growing, and "cover" fitting (scale and centre-crop to a target aspect).

use crate::error::Result;
use crate::raster::RgbImage;

/// Resizes to exactly `width`×`height`.
pub fn resize(src: &RgbImage, width: u32, height: u32) -> Result<RgbImage> {
    if src.width() == width && src.height() == height {
        return Ok(src.clone());
    }
    crop_resize(
        src,
        (0.0, 0.0, src.width() as f32, src.height() as f32),
        width,
        height,
    )
}

/// Scales and centre-crops `src` to fill `width`×`height` (like CSS `cover`).
pub fn cover(src: &RgbImage, width: u32, height: u32) -> Result<RgbImage> {
    let (sw, sh) = (src.width() as f32, src.height() as f32);
    let target = width as f32 / height as f32;
    let (cw, ch) = if sw / sh > target {
        (sh * target, sh)
    } else {
        (sw, sw / target)
    };
    crop_resize(
        src,
        ((sw - cw) / 2.0, (sh - ch) / 2.0, cw, ch),
        width,
        height,
    )
}

/// Resamples the rectangle `(x, y, w, h)` of `src` to `width`×`height`.
/// Each output pixel averages the source area it covers (bilinear when
/// enlarging), which keeps thin lines and text readable when shrinking.
pub fn crop_resize(
    src: &RgbImage,
    rect: (f32, f32, f32, f32),
    width: u32,
    height: u32,
) -> Result<RgbImage> {
    let (rx, ry, rw, rh) = rect;
    let sx = rw / width as f32;
    let sy = rh / height as f32;
    let (sw, sh) = (src.width() as usize, src.height() as usize);
    let data = src.as_bytes();
    let mut out = vec![0u8; width as usize * height as usize * 3];
    // Horizontal spans per output column, computed once.
    let spans: Vec<(usize, usize)> = (0..width as usize)
        .map(|x| span(rx + x as f32 * sx, sx, sw))
        .collect();
    for y in 0..height as usize {
        let (y0, y1) = span(ry + y as f32 * sy, sy, sh);
        let row = &mut out[y * width as usize * 3..(y + 1) * width as usize * 3];
        for (x, &(x0, x1)) in spans.iter().enumerate() {
            let mut acc = [0u32; 3];
            let mut n = 0u32;
            for yy in y0..y1 {
                let base = yy * sw * 3;
                for xx in x0..x1 {
                    let i = base + xx * 3;
                    acc[0] += u32::from(data[i]);
                    acc[1] += u32::from(data[i + 1]);
                    acc[2] += u32::from(data[i + 2]);
                    n += 1;
                }
            }
            let n = n.max(1);
            for k in 0..3 {
                row[x * 3 + k] = ((acc[k] + n / 2) / n) as u8;
            }
        }
    }
    RgbImage::from_raw(width, height, out)
}

/// Source pixels `[a, b)` covered by an output pixel starting at `start` with
/// footprint `step` (at least one pixel).
fn span(start: f32, step: f32, len: usize) -> (usize, usize) {
    let a = start.floor().max(0.0) as usize;
    let b = (start + step).ceil().max(a as f32 + 1.0) as usize;
    let a = a.min(len.saturating_sub(1));
    (a, b.min(len).max(a + 1))
}
