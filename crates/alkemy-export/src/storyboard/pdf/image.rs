//! Panel images as PDF image XObjects.
//!
//! 8-bit, non-interlaced grey or RGB PNGs go in as they are: their IDAT data
//! is already a zlib stream with PNG row predictors, which PDF's FlateDecode
//! reads directly with `/Predictor 15`, so nothing is decoded or compressed
//! again (the fast path for what the previz renderer writes). Anything else
//! (alpha, palettes, 16-bit, interlacing) is decoded, the alpha channel
//! becomes a soft mask, and the samples are deflated. JPEGs (8-bit grey or
//! colour) go in as they are too, read by PDF's DCTDecode.

use std::io::Cursor;

use pdf_writer::{Filter, Finish, Pdf, Ref};

/// An image ready to be written.
pub(crate) struct PdfImage {
    pub width: u32,
    pub height: u32,
    color: Color,
    /// Zlib data of the colour samples.
    data: Vec<u8>,
    /// Whether `data` carries PNG predictors (the pass-through path).
    png_predictors: bool,
    /// Whether `data` is a JPEG file (DCTDecode) rather than zlib data.
    jpeg: bool,
    /// Zlib data of an 8-bit alpha mask.
    alpha: Option<Vec<u8>>,
}

#[derive(Clone, Copy)]
enum Color {
    Gray,
    Rgb,
}

impl Color {
    fn channels(self) -> u8 {
        match self {
            Color::Gray => 1,
            Color::Rgb => 3,
        }
    }
}

/// Reads a PNG or a JPEG; the error says why it cannot be used.
pub(crate) fn from_bytes(bytes: &[u8]) -> Result<PdfImage, String> {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        return from_jpeg(bytes);
    }
    from_png(bytes)
}

/// A JPEG, embedded as it is.
fn from_jpeg(bytes: &[u8]) -> Result<PdfImage, String> {
    let info = super::super::jpeg_info(bytes).ok_or("a JPEG without a readable frame header")?;
    if info.precision != 8 {
        return Err(format!(
            "a {}-bit JPEG (PDF readers show 8-bit ones)",
            info.precision
        ));
    }
    let color = match info.components {
        1 => Color::Gray,
        3 => Color::Rgb,
        n => {
            return Err(format!(
                "a JPEG with {n} colour components (grey or RGB expected)"
            ));
        }
    };
    Ok(PdfImage {
        width: info.width,
        height: info.height,
        color,
        data: bytes.to_vec(),
        png_predictors: false,
        jpeg: true,
        alpha: None,
    })
}

/// Reads a PNG; the error says why it cannot be used.
fn from_png(bytes: &[u8]) -> Result<PdfImage, String> {
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err("neither a PNG nor a JPEG file".to_owned());
    }
    if let Some(image) = pass_through(bytes) {
        return Ok(image);
    }
    decode(bytes)
}

/// The IDAT data of a simple PNG, or `None` if it needs decoding.
fn pass_through(bytes: &[u8]) -> Option<PdfImage> {
    let mut pos = 8;
    let mut header = None;
    let mut data = Vec::new();
    while pos + 12 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().ok()?) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let body = bytes.get(pos + 8..pos.checked_add(8 + len)?)?;
        match kind {
            b"IHDR" if body.len() == 13 => {
                let width = u32::from_be_bytes(body[0..4].try_into().ok()?);
                let height = u32::from_be_bytes(body[4..8].try_into().ok()?);
                let (depth, color, interlace) = (body[8], body[9], body[12]);
                let color = match color {
                    0 => Color::Gray,
                    2 => Color::Rgb,
                    _ => return None,
                };
                if depth != 8 || interlace != 0 || width == 0 || height == 0 {
                    return None;
                }
                header = Some((width, height, color));
            }
            // Transparency or gamma/colour chunks would change the look.
            b"tRNS" | b"PLTE" => return None,
            b"IDAT" => data.extend_from_slice(body),
            b"IEND" => break,
            _ => {}
        }
        pos += 12 + len;
    }
    let (width, height, color) = header?;
    if data.is_empty() {
        return None;
    }
    Some(PdfImage {
        width,
        height,
        color,
        data,
        png_predictors: true,
        jpeg: false,
        alpha: None,
    })
}

fn decode(bytes: &[u8]) -> Result<PdfImage, String> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let size = reader.output_buffer_size().ok_or("image too large")?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    buf.truncate(info.buffer_size());
    let (color, has_alpha) = match info.color_type {
        png::ColorType::Grayscale => (Color::Gray, false),
        png::ColorType::GrayscaleAlpha => (Color::Gray, true),
        png::ColorType::Rgb => (Color::Rgb, false),
        png::ColorType::Rgba => (Color::Rgb, true),
        png::ColorType::Indexed => return Err("palette was not expanded".to_owned()),
    };
    let (samples, alpha) = if has_alpha {
        let n = usize::from(color.channels());
        let mut samples = Vec::with_capacity(buf.len() / (n + 1) * n);
        let mut alpha = Vec::with_capacity(buf.len() / (n + 1));
        for px in buf.chunks_exact(n + 1) {
            samples.extend_from_slice(&px[..n]);
            alpha.push(px[n]);
        }
        let opaque = alpha.iter().all(|&a| a == 255);
        (samples, (!opaque).then_some(alpha))
    } else {
        (buf, None)
    };
    Ok(PdfImage {
        width: info.width,
        height: info.height,
        color,
        data: miniz_oxide::deflate::compress_to_vec_zlib(&samples, 3),
        png_predictors: false,
        jpeg: false,
        alpha: alpha.map(|a| miniz_oxide::deflate::compress_to_vec_zlib(&a, 3)),
    })
}

impl PdfImage {
    /// Writes the image (and its soft mask, taking the next id) at `id`.
    pub fn write(&self, pdf: &mut Pdf, id: Ref, next: &mut Ref) {
        let mask = self.alpha.as_ref().map(|alpha| {
            let mask_id = next.bump();
            let mut mask = pdf.image_xobject(mask_id, alpha);
            mask.width(self.width as i32)
                .height(self.height as i32)
                .bits_per_component(8);
            mask.color_space().device_gray();
            mask.filter(Filter::FlateDecode);
            mask.finish();
            mask_id
        });
        let mut image = pdf.image_xobject(id, &self.data);
        image
            .width(self.width as i32)
            .height(self.height as i32)
            .bits_per_component(8);
        image.filter(if self.jpeg {
            Filter::DctDecode
        } else {
            Filter::FlateDecode
        });
        match self.color {
            Color::Gray => image.color_space().device_gray(),
            Color::Rgb => image.color_space().device_rgb(),
        };
        if self.png_predictors {
            image
                .decode_parms()
                .predictor(pdf_writer::types::Predictor::PngOptimum)
                .colors(i32::from(self.color.channels()))
                .bits_per_component(8)
                .columns(self.width as i32);
        }
        if let Some(mask_id) = mask {
            image.s_mask(mask_id);
        }
        image.finish();
    }
}
