//! H.264 encoding with OpenH264 (baseline profile, CAVLC), plus what OpenH264
//! does not offer: all-skip P frames that repeat a picture for a few bytes,
//! renumbering so skips can sit between coded frames, and the parameter sets
//! kept aside for the MP4 `avcC` box.
//!
//! Design: an animatic holds most frames (a static shot is one picture held
//! for seconds; camera motion is stepped like a drawn animatic), so only
//! changed pictures go through the encoder and every repeat is a 10-byte
//! skip slice. All frames are reference frames numbered consecutively, which
//! keeps the stream valid with OpenH264's one reference frame and POC type 2.

pub mod bits;
pub mod syntax;

use openh264::OpenH264API;
use openh264::encoder::{
    Complexity, Encoder, EncoderConfig, FrameRate, IntraFramePeriod, QpRange, RateControlMode,
    UsageType, VuiConfig,
};

use self::syntax::{Pps, Sps, nal_type, renumber_slice, skip_slice, split_annex_b};
use crate::error::{MediaError, Result};
use crate::yuv::Yuv420;

/// One coded picture as an MP4 sample: NAL units each prefixed by a 4-byte length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// Length-prefixed NAL units (no parameter sets).
    pub data: Vec<u8>,
    /// Duration in ticks of the clip's timescale.
    pub duration: u32,
    /// An IDR picture (a random-access point).
    pub sync: bool,
    /// A repeat of the previous picture (an all-skip slice).
    pub repeat: bool,
}

/// The parameter sets of a stream: clips can be joined only if theirs match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterSets {
    /// The sequence parameter set NAL unit.
    pub sps: Vec<u8>,
    /// The picture parameter set NAL unit.
    pub pps: Vec<u8>,
}

impl ParameterSets {
    pub(crate) fn parsed(&self) -> std::result::Result<(Sps, Pps), syntax::SyntaxError> {
        Ok((Sps::parse(&self.sps)?, Pps::parse(&self.pps)?))
    }
}

/// Picture quality: a fixed quantiser range (lower is better and larger).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quality {
    /// Smallest quantiser.
    pub min_qp: u8,
    /// Largest quantiser.
    pub max_qp: u8,
}

impl Default for Quality {
    /// Clean enough for drawn panels and text, small enough for a feature.
    fn default() -> Self {
        Self {
            min_qp: 22,
            max_qp: 30,
        }
    }
}

/// Encodes one clip: the first picture is an IDR, then P pictures and repeats.
pub struct H264Encoder {
    encoder: Encoder,
    context: String,
    params: Option<(ParameterSets, Sps, Pps)>,
    /// Position of the next picture in the coded video sequence.
    index: u64,
    width: u32,
    height: u32,
}

impl H264Encoder {
    /// An encoder for `width`×`height` (even) pictures at `fps`; `context`
    /// names the clip in errors.
    pub fn new(width: u32, height: u32, fps: u32, quality: Quality, context: &str) -> Result<Self> {
        if width % 2 == 1
            || height % 2 == 1
            || width < 16
            || height < 16
            || width > 3840
            || height > 3840
        {
            return Err(MediaError::param(
                "video frame size",
                format!("{width}x{height}"),
            ));
        }
        let config = EncoderConfig::new()
            .usage_type(UsageType::CameraVideoRealTime)
            .rate_control_mode(RateControlMode::Off)
            .qp(QpRange::new(quality.min_qp, quality.max_qp))
            .complexity(Complexity::Low)
            .skip_frames(false)
            .scene_change_detect(false)
            .background_detection(false)
            .adaptive_quantization(false)
            .long_term_reference(false)
            .intra_frame_period(IntraFramePeriod::from_num_frames(0))
            .max_frame_rate(FrameRate::from_hz(fps.max(1) as f32))
            .num_threads(1)
            .vui(VuiConfig::bt709());
        let encoder =
            Encoder::with_api_config(OpenH264API::from_source(), config).map_err(|e| {
                MediaError::Encode {
                    context: context.to_owned(),
                    message: e.to_string(),
                }
            })?;
        Ok(Self {
            encoder,
            context: context.to_owned(),
            params: None,
            index: 0,
            width,
            height,
        })
    }

    /// The parameter sets, once the first picture is encoded.
    pub fn parameter_sets(&self) -> Option<&ParameterSets> {
        self.params.as_ref().map(|p| &p.0)
    }

    fn err(&self, message: impl Into<String>) -> MediaError {
        MediaError::Encode {
            context: self.context.clone(),
            message: message.into(),
        }
    }

    /// Encodes a new picture.
    pub fn encode(&mut self, frame: &Yuv420, duration: u32) -> Result<Sample> {
        if frame.width() != self.width || frame.height() != self.height {
            return Err(self.err(format!(
                "{}x{} frame for a {}x{} stream",
                frame.width(),
                frame.height(),
                self.width,
                self.height
            )));
        }
        let stream = match self.encoder.encode(frame) {
            Ok(bits) => bits.to_vec(),
            Err(e) => return Err(self.err(e.to_string())),
        };
        let units = split_annex_b(&stream);
        let mut sps = None;
        let mut pps = None;
        let mut slices: Vec<&[u8]> = Vec::new();
        let mut idr = false;
        for unit in units {
            match unit.first().map(|b| b & 0x1f) {
                Some(nal_type::SPS) => sps = Some(unit.to_vec()),
                Some(nal_type::PPS) => pps = Some(unit.to_vec()),
                Some(nal_type::IDR) => {
                    idr = true;
                    slices.push(unit);
                }
                Some(nal_type::SLICE) => slices.push(unit),
                _ => {}
            }
        }
        if let (Some(sps), Some(pps)) = (sps, pps) {
            let sets = ParameterSets { sps, pps };
            let (s, p) = sets.parsed().map_err(|e| self.err(e.0))?;
            if let Some((old, _, _)) = &self.params
                && *old != sets
            {
                return Err(self.err("the encoder changed its parameter sets mid-clip"));
            }
            self.params = Some((sets, s, p));
        }
        if slices.is_empty() {
            // The encoder dropped the picture: hold the previous one instead.
            return self.repeat(duration);
        }
        let Some((_, sps, _)) = &self.params else {
            return Err(self.err("the first picture came without parameter sets"));
        };
        if idr {
            self.index = 0;
        }
        let mut data = Vec::with_capacity(stream.len() + 16);
        for slice in slices {
            let nal = renumber_slice(slice, sps, self.index).map_err(|e| self.err(e.0))?;
            push_nal(&mut data, &nal);
        }
        self.index += 1;
        Ok(Sample {
            data,
            duration,
            sync: idr,
            repeat: false,
        })
    }

    /// Repeats the previous picture (an all-skip P frame).
    pub fn repeat(&mut self, duration: u32) -> Result<Sample> {
        let Some((_, sps, pps)) = &self.params else {
            return Err(self.err("a repeat needs a coded picture before it"));
        };
        let nal = skip_slice(sps, pps, self.index).map_err(|e| self.err(e.0))?;
        self.index += 1;
        let mut data = Vec::with_capacity(nal.len() + 4);
        push_nal(&mut data, &nal);
        Ok(Sample {
            data,
            duration,
            sync: false,
            repeat: true,
        })
    }
}

/// Appends a NAL unit with its 4-byte big-endian length.
pub(crate) fn push_nal(out: &mut Vec<u8>, nal: &[u8]) {
    out.extend_from_slice(&(nal.len() as u32).to_be_bytes());
    out.extend_from_slice(nal);
}

/// Splits a length-prefixed sample into NAL units.
pub(crate) fn sample_nals(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 <= data.len() {
        let len = u32::from_be_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]) as usize;
        let end = (i + 4 + len).min(data.len());
        out.push(&data[i + 4..end]);
        i = end;
    }
    out
}
