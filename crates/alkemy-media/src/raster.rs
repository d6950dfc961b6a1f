//! Plain RGB images: decoding stills from any provider (PNG, JPEG) under
//! limits, fast PNG encoding, and atomic file writes.

use crate::error::{MediaError, Result};

/// Largest width or height accepted from an untrusted image.
pub const MAX_DIMENSION: u32 = 8192;

/// An 8-bit RGB image, rows top to bottom, no padding.
#[derive(Clone, PartialEq, Eq)]
pub struct RgbImage {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl std::fmt::Debug for RgbImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RgbImage({}x{})", self.width, self.height)
    }
}

impl RgbImage {
    /// Wraps packed RGB bytes; the length must be `width * height * 3`.
    pub fn from_raw(width: u32, height: u32, data: Vec<u8>) -> Result<Self> {
        check_size(width, height)?;
        let want = width as usize * height as usize * 3;
        if data.len() != want {
            return Err(MediaError::param(
                "image buffer",
                format!(
                    "{} bytes for {width}x{height} RGB (want {want})",
                    data.len()
                ),
            ));
        }
        Ok(Self {
            width,
            height,
            data,
        })
    }

    /// A solid-colour image.
    pub fn filled(width: u32, height: u32, rgb: [u8; 3]) -> Result<Self> {
        check_size(width, height)?;
        let data = rgb.repeat(width as usize * height as usize);
        Ok(Self {
            width,
            height,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Packed RGB bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Packed RGB bytes, mutable.
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// The pixel at (x, y), if inside.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 3]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        Some([self.data[i], self.data[i + 1], self.data[i + 2]])
    }

    /// Decodes a PNG or JPEG (sniffed from the bytes); `what` names the input in errors.
    pub fn decode(bytes: &[u8], what: &str) -> Result<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            decode_png(bytes, what)
        } else if bytes.starts_with(&[0xFF, 0xD8]) {
            decode_jpeg(bytes, what)
        } else {
            Err(MediaError::Decode {
                what: what.to_owned(),
                message: "not a PNG or JPEG file".to_owned(),
            })
        }
    }

    /// Encodes as PNG, fast: drawn pictures (flat colours, repeated rows)
    /// at memory speed, anything else with the `png` crate's fast settings.
    pub fn to_png(&self) -> Result<Vec<u8>> {
        crate::png_encode::encode_rgb(self.width, self.height, &self.data)
    }

    /// Encodes as a baseline JPEG at `quality` (1–100; 85 keeps drawn edges
    /// clean at a third of a PNG's size): what documents that hold many
    /// pictures, such as storyboards, embed.
    pub fn to_jpeg(&self, quality: u8) -> Result<Vec<u8>> {
        let too_big = |v: u32| {
            u16::try_from(v).map_err(|_| MediaError::Limit {
                what: "JPEG dimension",
                actual: u64::from(v),
                limit: u64::from(u16::MAX),
            })
        };
        let (w, h) = (too_big(self.width)?, too_big(self.height)?);
        let mut out = Vec::with_capacity(self.data.len() / 12 + 1024);
        jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100))
            .encode(&self.data, w, h, jpeg_encoder::ColorType::Rgb)
            .map_err(|e| MediaError::Encode {
                context: format!("{}x{} JPEG", self.width, self.height),
                message: e.to_string(),
            })?;
        Ok(out)
    }
}

fn check_size(width: u32, height: u32) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(MediaError::param(
            "image size",
            format!("{width}x{height} is empty"),
        ));
    }
    for v in [width, height] {
        if v > MAX_DIMENSION {
            return Err(MediaError::Limit {
                what: "image dimension",
                actual: u64::from(v),
                limit: u64::from(MAX_DIMENSION),
            });
        }
    }
    Ok(())
}

fn decode_error(what: &str, message: impl std::fmt::Display) -> MediaError {
    MediaError::Decode {
        what: what.to_owned(),
        message: message.to_string(),
    }
}

fn decode_png(bytes: &[u8], what: &str) -> Result<RgbImage> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    decoder.set_limits(png::Limits {
        bytes: (MAX_DIMENSION as usize) * (MAX_DIMENSION as usize) * 4,
    });
    let mut reader = decoder.read_info().map_err(|e| decode_error(what, e))?;
    let (width, height) = (reader.info().width, reader.info().height);
    check_size(width, height)?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| decode_error(what, "image too large"))?;
    let mut buf = vec![0; size];
    let frame = reader
        .next_frame(&mut buf)
        .map_err(|e| decode_error(what, e))?;
    buf.truncate(frame.buffer_size());
    let pixels = width as usize * height as usize;
    let data = match frame.color_type {
        png::ColorType::Rgb => buf,
        png::ColorType::Rgba => {
            // Composite over white, as a viewer would show it.
            let mut out = Vec::with_capacity(pixels * 3);
            for p in buf.chunks_exact(4) {
                let a = u32::from(p[3]);
                for &c in &p[..3] {
                    out.push(((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8);
                }
            }
            out
        }
        png::ColorType::Grayscale => buf.iter().flat_map(|&g| [g, g, g]).collect(),
        png::ColorType::GrayscaleAlpha => buf
            .chunks_exact(2)
            .flat_map(|p| {
                let a = u32::from(p[1]);
                let g = ((u32::from(p[0]) * a + 255 * (255 - a) + 127) / 255) as u8;
                [g, g, g]
            })
            .collect(),
        png::ColorType::Indexed => {
            return Err(decode_error(what, "palette was not expanded"));
        }
    };
    RgbImage::from_raw(width, height, data)
}

fn decode_jpeg(bytes: &[u8], what: &str) -> Result<RgbImage> {
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGB)
        .set_max_width(MAX_DIMENSION as usize)
        .set_max_height(MAX_DIMENSION as usize);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(bytes, options);
    let data = decoder.decode().map_err(|e| decode_error(what, e))?;
    let info = decoder
        .info()
        .ok_or_else(|| decode_error(what, "no image header"))?;
    RgbImage::from_raw(u32::from(info.width), u32::from(info.height), data)
}
