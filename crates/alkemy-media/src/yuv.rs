//! YUV 4:2:0 frames (BT.709, limited range) and fast conversion from RGB.
//!
//! The conversion is integer-only and works on two rows at a time so the
//! chroma of each 2×2 block is averaged in the same pass; the inner loops are
//! plain slices of fixed stride that the compiler vectorises.

use crate::error::{MediaError, Result};
use crate::raster::RgbImage;

/// A planar YUV 4:2:0 picture with even dimensions.
#[derive(Clone, PartialEq, Eq)]
pub struct Yuv420 {
    width: usize,
    height: usize,
    /// Luma, `width × height`.
    pub y: Vec<u8>,
    /// Cb, `width/2 × height/2`.
    pub u: Vec<u8>,
    /// Cr, `width/2 × height/2`.
    pub v: Vec<u8>,
}

impl std::fmt::Debug for Yuv420 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Yuv420({}x{})", self.width, self.height)
    }
}

impl Yuv420 {
    /// A black frame; `width` and `height` must be even and non-zero.
    pub fn new(width: u32, height: u32) -> Result<Self> {
        if width == 0 || height == 0 || width % 2 == 1 || height % 2 == 1 {
            return Err(MediaError::param(
                "video frame size",
                format!("{width}x{height}; 4:2:0 video needs even, non-zero sides"),
            ));
        }
        let (w, h) = (width as usize, height as usize);
        Ok(Self {
            width: w,
            height: h,
            y: vec![16; w * h],
            u: vec![128; w * h / 4],
            v: vec![128; w * h / 4],
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width as u32
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height as u32
    }

    /// Converts an RGB image of the same size into this frame.
    pub fn fill_from_rgb(&mut self, rgb: &RgbImage) -> Result<()> {
        if rgb.width() as usize != self.width || rgb.height() as usize != self.height {
            return Err(MediaError::param(
                "video frame size",
                format!(
                    "{}x{} image for a {}x{} frame",
                    rgb.width(),
                    rgb.height(),
                    self.width,
                    self.height
                ),
            ));
        }
        rgb_to_yuv420(
            rgb.as_bytes(),
            self.width,
            self.height,
            &mut self.y,
            &mut self.u,
            &mut self.v,
        );
        Ok(())
    }

    /// Converts an RGB image (even sides) to a new frame.
    pub fn from_rgb(rgb: &RgbImage) -> Result<Self> {
        let mut f = Self::new(rgb.width(), rgb.height())?;
        f.fill_from_rgb(rgb)?;
        Ok(f)
    }

    /// Converts back to RGB (for tests, thumbnails and dissolves).
    pub fn to_rgb(&self) -> Result<RgbImage> {
        let (w, h) = (self.width, self.height);
        let mut out = vec![0u8; w * h * 3];
        for row in 0..h {
            for col in 0..w {
                let yv = (i32::from(self.y[row * w + col]) - 16) * 298;
                let ci = (row / 2) * (w / 2) + col / 2;
                let d = i32::from(self.u[ci]) - 128;
                let e = i32::from(self.v[ci]) - 128;
                // BT.709 limited range inverse, 8-bit fixed point.
                let r = (yv + 459 * e + 128) >> 8;
                let g = (yv - 55 * d - 136 * e + 128) >> 8;
                let b = (yv + 541 * d + 128) >> 8;
                let o = (row * w + col) * 3;
                out[o] = r.clamp(0, 255) as u8;
                out[o + 1] = g.clamp(0, 255) as u8;
                out[o + 2] = b.clamp(0, 255) as u8;
            }
        }
        RgbImage::from_raw(w as u32, h as u32, out)
    }

    /// Blends `other` over this frame with weight `t` in 0..=256 (256: all `other`).
    pub fn blend_from(&mut self, a: &Yuv420, b: &Yuv420, t: u32) {
        let t = t.min(256);
        let mix = |dst: &mut [u8], x: &[u8], y: &[u8]| {
            for ((d, &p), &q) in dst.iter_mut().zip(x).zip(y) {
                *d = ((u32::from(p) * (256 - t) + u32::from(q) * t + 128) >> 8) as u8;
            }
        };
        mix(&mut self.y, &a.y, &b.y);
        mix(&mut self.u, &a.u, &b.u);
        mix(&mut self.v, &a.v, &b.v);
    }
}

impl openh264::formats::YUVSource for Yuv420 {
    fn dimensions(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    fn strides(&self) -> (usize, usize, usize) {
        (self.width, self.width / 2, self.width / 2)
    }

    fn y(&self) -> &[u8] {
        &self.y
    }

    fn u(&self) -> &[u8] {
        &self.u
    }

    fn v(&self) -> &[u8] {
        &self.v
    }
}

/// Luma from RGB, BT.709 limited range (coefficients × 256: 47, 157, 16).
#[inline(always)]
fn luma(r: u32, g: u32, b: u32) -> u8 {
    (((47 * r + 157 * g + 16 * b + 128) >> 8) + 16) as u8
}

/// Converts packed RGB (even `w`, `h`) to 4:2:0 planes.
pub fn rgb_to_yuv420(rgb: &[u8], w: usize, h: usize, y: &mut [u8], u: &mut [u8], v: &mut [u8]) {
    let cw = w / 2;
    for row in 0..h / 2 {
        let top = &rgb[(2 * row) * w * 3..(2 * row + 1) * w * 3];
        let bottom = &rgb[(2 * row + 1) * w * 3..(2 * row + 2) * w * 3];
        let (y0, y1) = y[2 * row * w..(2 * row + 2) * w].split_at_mut(w);
        let urow = &mut u[row * cw..(row + 1) * cw];
        let vrow = &mut v[row * cw..(row + 1) * cw];
        for (((yt, yb), (t, b)), (cu, cv)) in y0
            .chunks_exact_mut(2)
            .zip(y1.chunks_exact_mut(2))
            .zip(top.chunks_exact(6).zip(bottom.chunks_exact(6)))
            .zip(urow.iter_mut().zip(vrow.iter_mut()))
        {
            let px =
                |s: &[u8], i: usize| (u32::from(s[i]), u32::from(s[i + 1]), u32::from(s[i + 2]));
            let (r0, g0, b0) = px(t, 0);
            let (r1, g1, b1) = px(t, 3);
            let (r2, g2, b2) = px(b, 0);
            let (r3, g3, b3) = px(b, 3);
            yt[0] = luma(r0, g0, b0);
            yt[1] = luma(r1, g1, b1);
            yb[0] = luma(r2, g2, b2);
            yb[1] = luma(r3, g3, b3);
            let (r, g, bl) = (
                (r0 + r1 + r2 + r3) as i32,
                (g0 + g1 + g2 + g3) as i32,
                (b0 + b1 + b2 + b3) as i32,
            );
            // Sums of four pixels: divide by 4 × 256 = 1024.
            *cu = ((((-26 * r - 87 * g + 113 * bl) + 512) >> 10) + 128) as u8;
            *cv = ((((112 * r - 102 * g - 10 * bl) + 512) >> 10) + 128) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_colours_convert_to_bt709_limited() {
        for (rgb, yuv) in [
            ([0u8, 0, 0], (16u8, 128u8, 128u8)),
            ([255, 255, 255], (235, 128, 128)),
            ([255, 0, 0], (63, 102, 240)),
            ([0, 0, 255], (32, 240, 118)),
        ] {
            let img = RgbImage::filled(4, 2, rgb).unwrap();
            let f = Yuv420::from_rgb(&img).unwrap();
            let got = (f.y[0], f.u[0], f.v[0]);
            let close = |a: u8, b: u8| (i32::from(a) - i32::from(b)).abs() <= 1;
            assert!(
                close(got.0, yuv.0) && close(got.1, yuv.1) && close(got.2, yuv.2),
                "{rgb:?}: {got:?} vs {yuv:?}"
            );
        }
    }

    #[test]
    fn round_trip_is_close() {
        let mut data = Vec::new();
        for i in 0..(8 * 8) {
            data.extend_from_slice(&[(i * 4) as u8, 200 - i as u8, 90]);
        }
        let img = RgbImage::from_raw(8, 8, data).unwrap();
        let back = Yuv420::from_rgb(&img).unwrap().to_rgb().unwrap();
        for (a, b) in img.as_bytes().iter().zip(back.as_bytes()) {
            assert!((i32::from(*a) - i32::from(*b)).abs() <= 24, "{a} {b}");
        }
    }

    #[test]
    fn odd_sizes_are_refused() {
        assert!(Yuv420::new(853, 480).is_err());
        assert!(Yuv420::new(0, 480).is_err());
    }
}
