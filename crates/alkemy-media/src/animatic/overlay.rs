//! Burned-in subtitles: text in a translucent box, rendered once per clip and
//! alpha-blended onto each coded frame in YUV.

use crate::error::Result;
use crate::text::{self, Face, Rgba, Style};
use crate::yuv::Yuv420;

/// A translucent box of text at a fixed place in the frame.
pub struct Overlay {
    x: usize,
    y: usize,
    picture: Yuv420,
    /// Alpha per luma pixel (0..=255).
    alpha: Vec<u8>,
    /// Alpha per chroma pixel.
    alpha_c: Vec<u8>,
}

const BOX_ALPHA: u32 = 150;

impl Overlay {
    /// A subtitle (wrapped to two lines) centred near the bottom of a
    /// `width`×`height` frame.
    pub fn subtitle(line: &str, width: u32, height: u32) -> Result<Self> {
        let (w, h) = (width as f32, height as f32);
        let px = (w.min(h) * 0.048).clamp(10.0, 48.0);
        let lines = text::wrap(Face::Bold, px, line, w * 0.86, 2);
        let widest = lines
            .iter()
            .map(|l| text::measure(Face::Bold, px, l))
            .fold(0.0, f32::max);
        let pad = px * 0.5;
        let bw = ((widest + 2.0 * pad).ceil() as u32).min(width) & !1;
        let bh = ((lines.len() as f32 * px * 1.25 + pad * 1.2).ceil() as u32).min(height) & !1;
        let bw = bw.max(2);
        let bh = bh.max(2);
        let x = ((width - bw) / 2) & !1;
        let y = (height.saturating_sub(bh + (h * 0.06) as u32)) & !1;
        let mut rgba = [0u8, 0, 0, 255].repeat((bw * bh) as usize);
        let mut baseline = pad * 0.6 + px;
        for l in &lines {
            let lx = (bw as f32 - text::measure(Face::Bold, px, l)) / 2.0;
            text::draw(
                &mut rgba,
                bw,
                Style::new(Face::Bold, px, Rgba([255, 255, 255, 255])),
                (lx, baseline),
                l,
            );
            baseline += px * 1.25;
        }
        // White text coverage becomes opacity above the box's own.
        let alpha: Vec<u8> = rgba
            .chunks_exact(4)
            .map(|p| (BOX_ALPHA + (255 - BOX_ALPHA) * u32::from(p[0]) / 255) as u8)
            .collect();
        let rgb: Vec<u8> = rgba
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        let mut picture = Yuv420::new(bw, bh)?;
        super::rgb_into(&rgb, bw as usize, bh as usize, &mut picture);
        let (cw, ch) = (bw as usize / 2, bh as usize / 2);
        let mut alpha_c = vec![0u8; cw * ch];
        for cy in 0..ch {
            for cx in 0..cw {
                let i = 2 * cy * bw as usize + 2 * cx;
                let s = u32::from(alpha[i])
                    + u32::from(alpha[i + 1])
                    + u32::from(alpha[i + bw as usize])
                    + u32::from(alpha[i + bw as usize + 1]);
                alpha_c[cy * cw + cx] = ((s + 2) / 4) as u8;
            }
        }
        Ok(Self {
            x: x as usize,
            y: y as usize,
            picture,
            alpha,
            alpha_c,
        })
    }

    /// Blends the overlay onto a frame.
    pub fn apply(&self, frame: &mut Yuv420) {
        let fw = frame.width() as usize;
        let (ow, oh) = (
            self.picture.width() as usize,
            self.picture.height() as usize,
        );
        blend(
            &mut frame.y,
            fw,
            self.x,
            self.y,
            &self.picture.y,
            &self.alpha,
            ow,
            oh,
        );
        let (cw, ch) = (ow / 2, oh / 2);
        blend(
            &mut frame.u,
            fw / 2,
            self.x / 2,
            self.y / 2,
            &self.picture.u,
            &self.alpha_c,
            cw,
            ch,
        );
        blend(
            &mut frame.v,
            fw / 2,
            self.x / 2,
            self.y / 2,
            &self.picture.v,
            &self.alpha_c,
            cw,
            ch,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn blend(
    dst: &mut [u8],
    stride: usize,
    x: usize,
    y: usize,
    src: &[u8],
    alpha: &[u8],
    w: usize,
    h: usize,
) {
    for row in 0..h {
        let d = &mut dst[(y + row) * stride + x..(y + row) * stride + x + w];
        let s = &src[row * w..(row + 1) * w];
        let a = &alpha[row * w..(row + 1) * w];
        for ((o, &p), &al) in d.iter_mut().zip(s).zip(a) {
            let al = u32::from(al);
            *o = ((u32::from(*o) * (255 - al) + u32::from(p) * al + 127) / 255) as u8;
        }
    }
}
