//! The H.264 syntax this crate reads and writes: the parts of the sequence
//! and picture parameter sets that slice headers depend on, slice-header
//! parsing (to renumber frames), and the all-skip P slice that repeats the
//! previous picture for a few bytes.

use super::bits::{BitReader, BitWriter, EndOfData, escape, unescape};

/// NAL unit types used here.
pub mod nal_type {
    /// Coded slice of a non-IDR picture.
    pub const SLICE: u8 = 1;
    /// Coded slice of an IDR picture.
    pub const IDR: u8 = 5;
    /// Sequence parameter set.
    pub const SPS: u8 = 7;
    /// Picture parameter set.
    pub const PPS: u8 = 8;
}

/// What went wrong reading H.264 syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError(pub String);

impl From<EndOfData> for SyntaxError {
    fn from(_: EndOfData) -> Self {
        SyntaxError("truncated syntax element".to_owned())
    }
}

/// The fields of a sequence parameter set that slices depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sps {
    /// `profile_idc`.
    pub profile: u8,
    /// `constraint_set` flags byte.
    pub compat: u8,
    /// `level_idc`.
    pub level: u8,
    /// `log2_max_frame_num`.
    pub log2_max_frame_num: u32,
    /// `pic_order_cnt_type` (0 or 2 supported for renumbering).
    pub poc_type: u32,
    /// `log2_max_pic_order_cnt_lsb` (type 0).
    pub log2_max_poc_lsb: u32,
    /// `max_num_ref_frames`.
    pub max_num_ref_frames: u32,
    /// Width in macroblocks.
    pub width_mbs: u32,
    /// Height in macroblocks.
    pub height_mbs: u32,
}

impl Sps {
    /// Parses an SPS NAL unit (header byte included).
    pub fn parse(nal: &[u8]) -> Result<Self, SyntaxError> {
        let rbsp = unescape(nal.get(1..).unwrap_or_default());
        let mut r = BitReader::new(&rbsp);
        let profile = r.bits(8)? as u8;
        let compat = r.bits(8)? as u8;
        let level = r.bits(8)? as u8;
        let _sps_id = r.ue()?;
        if matches!(
            profile,
            100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
        ) {
            let chroma = r.ue()?;
            if chroma == 3 {
                r.bit()?;
            }
            r.ue()?;
            r.ue()?;
            r.bit()?;
            if r.bit()? == 1 {
                return Err(SyntaxError("scaling matrices are not supported".to_owned()));
            }
        }
        let log2_max_frame_num = r.ue()? + 4;
        let poc_type = r.ue()?;
        let mut log2_max_poc_lsb = 0;
        match poc_type {
            0 => log2_max_poc_lsb = r.ue()? + 4,
            2 => {}
            _ => {
                return Err(SyntaxError(format!(
                    "pic_order_cnt_type {poc_type} is not supported"
                )));
            }
        }
        let max_num_ref_frames = r.ue()?;
        let _gaps = r.bit()?;
        let width_mbs = r.ue()? + 1;
        let height_map_units = r.ue()? + 1;
        let frame_mbs_only = r.bit()?;
        if frame_mbs_only == 0 {
            return Err(SyntaxError(
                "interlaced streams are not supported".to_owned(),
            ));
        }
        Ok(Self {
            profile,
            compat,
            level,
            log2_max_frame_num,
            poc_type,
            log2_max_poc_lsb,
            max_num_ref_frames,
            width_mbs,
            height_mbs: height_map_units,
        })
    }
}

/// The fields of a picture parameter set that slices depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pps {
    /// `pic_parameter_set_id`.
    pub id: u32,
    /// `bottom_field_pic_order_in_frame_present_flag`.
    pub bottom_field_pic_order: bool,
    /// `num_ref_idx_l0_default_active_minus1`.
    pub num_ref_idx_l0_default_minus1: u32,
    /// `weighted_pred_flag`.
    pub weighted_pred: bool,
    /// `deblocking_filter_control_present_flag`.
    pub deblocking_control: bool,
    /// `redundant_pic_cnt_present_flag`.
    pub redundant_pic_cnt: bool,
}

impl Pps {
    /// Parses a PPS NAL unit (header byte included).
    pub fn parse(nal: &[u8]) -> Result<Self, SyntaxError> {
        let rbsp = unescape(nal.get(1..).unwrap_or_default());
        let mut r = BitReader::new(&rbsp);
        let id = r.ue()?;
        let _sps_id = r.ue()?;
        if r.bit()? == 1 {
            return Err(SyntaxError("CABAC streams are not supported".to_owned()));
        }
        let bottom_field_pic_order = r.bit()? == 1;
        if r.ue()? != 0 {
            return Err(SyntaxError("slice groups are not supported".to_owned()));
        }
        let num_ref_idx_l0_default_minus1 = r.ue()?;
        let _l1 = r.ue()?;
        let weighted_pred = r.bit()? == 1;
        let _bipred = r.bits(2)?;
        let _qp = r.se()?;
        let _qs = r.se()?;
        let _chroma_qp = r.se()?;
        let deblocking_control = r.bit()? == 1;
        let _constrained_intra = r.bit()?;
        let redundant_pic_cnt = r.bit()? == 1;
        Ok(Self {
            id,
            bottom_field_pic_order,
            num_ref_idx_l0_default_minus1,
            weighted_pred,
            deblocking_control,
            redundant_pic_cnt,
        })
    }
}

/// Where the renumberable fields of a slice header sit (bit offsets in the RBSP
/// after the NAL header byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SliceFields {
    /// NAL unit type.
    pub nal_type: u8,
    /// Offset of `frame_num`.
    pub frame_num_at: usize,
    /// Current `frame_num`.
    pub frame_num: u32,
    /// Offset and bit length of `idr_pic_id` (IDR slices).
    pub idr_pic_id: Option<(usize, usize, u32)>,
    /// Offset of `pic_order_cnt_lsb` (POC type 0).
    pub poc_lsb_at: Option<usize>,
}

/// Finds the renumberable fields of a slice NAL unit.
pub fn slice_fields(nal: &[u8], sps: &Sps) -> Result<(SliceFields, Vec<u8>), SyntaxError> {
    let header = *nal
        .first()
        .ok_or_else(|| SyntaxError("empty NAL unit".to_owned()))?;
    let nal_type = header & 0x1f;
    let rbsp = unescape(&nal[1..]);
    let mut r = BitReader::new(&rbsp);
    let _first_mb = r.ue()?;
    let _slice_type = r.ue()?;
    let _pps = r.ue()?;
    let frame_num_at = r.position();
    let frame_num = r.bits(sps.log2_max_frame_num)?;
    let idr_pic_id = if nal_type == nal_type::IDR {
        let at = r.position();
        let v = r.ue()?;
        Some((at, r.position() - at, v))
    } else {
        None
    };
    let poc_lsb_at = if sps.poc_type == 0 {
        Some(r.position())
    } else {
        None
    };
    Ok((
        SliceFields {
            nal_type,
            frame_num_at,
            frame_num,
            idr_pic_id,
            poc_lsb_at,
        },
        rbsp,
    ))
}

fn put_bits(rbsp: &mut [u8], at: usize, value: u32, n: u32) {
    for i in 0..n as usize {
        let bit = ((value >> (n as usize - 1 - i)) & 1) as u8;
        let pos = at + i;
        let mask = 0x80u8 >> (pos % 8);
        if bit == 1 {
            rbsp[pos / 8] |= mask;
        } else {
            rbsp[pos / 8] &= !mask;
        }
    }
}

/// Rewrites a slice's `frame_num` (and `pic_order_cnt_lsb` for POC type 0)
/// for its position `index` in the coded video sequence, in place: both are
/// fixed-width fields, so the slice data is untouched.
pub fn renumber_slice(nal: &[u8], sps: &Sps, index: u64) -> Result<Vec<u8>, SyntaxError> {
    let (fields, mut rbsp) = slice_fields(nal, sps)?;
    let frame_num = (index % (1u64 << sps.log2_max_frame_num)) as u32;
    if fields.frame_num == frame_num && fields.poc_lsb_at.is_none() {
        return Ok(nal.to_vec());
    }
    put_bits(
        &mut rbsp,
        fields.frame_num_at,
        frame_num,
        sps.log2_max_frame_num,
    );
    if let Some(at) = fields.poc_lsb_at {
        let lsb = ((index * 2) % (1u64 << sps.log2_max_poc_lsb)) as u32;
        put_bits(&mut rbsp, at, lsb, sps.log2_max_poc_lsb);
    }
    let mut out = vec![nal[0]];
    out.extend_from_slice(&escape(&rbsp));
    Ok(out)
}

/// Rewrites an IDR slice's `idr_pic_id` (a variable-length field: the rest of
/// the slice is shifted bit by bit).
pub fn set_idr_pic_id(nal: &[u8], sps: &Sps, id: u32) -> Result<Vec<u8>, SyntaxError> {
    let (fields, rbsp) = slice_fields(nal, sps)?;
    let Some((at, len, old)) = fields.idr_pic_id else {
        return Err(SyntaxError("not an IDR slice".to_owned()));
    };
    if old == id {
        return Ok(nal.to_vec());
    }
    // The RBSP ends with its stop bit: find it so trailing zeros are not copied.
    let end = last_one_bit(&rbsp).ok_or_else(|| SyntaxError("slice has no stop bit".to_owned()))?;
    let mut w = BitWriter::new();
    w.copy_bits(&rbsp, 0, at);
    w.ue(id);
    w.copy_bits(&rbsp, at + len, end);
    let mut out = vec![nal[0]];
    out.extend_from_slice(&escape(&w.finish_rbsp()));
    Ok(out)
}

fn last_one_bit(rbsp: &[u8]) -> Option<usize> {
    let (i, b) = rbsp.iter().enumerate().rev().find(|(_, b)| **b != 0)?;
    Some(i * 8 + 7 - b.trailing_zeros() as usize)
}

/// Builds a P slice in which every macroblock is skipped: the decoder repeats
/// the reference picture. It is a reference picture itself (so the next coded
/// picture predicts from an identical frame) numbered `index` in the sequence.
pub fn skip_slice(sps: &Sps, pps: &Pps, index: u64) -> Result<Vec<u8>, SyntaxError> {
    if pps.weighted_pred {
        return Err(SyntaxError(
            "weighted prediction is not supported".to_owned(),
        ));
    }
    let mut w = BitWriter::new();
    w.ue(0); // first_mb_in_slice
    w.ue(0); // slice_type: P
    w.ue(pps.id);
    w.bits(
        (index % (1u64 << sps.log2_max_frame_num)) as u32,
        sps.log2_max_frame_num,
    );
    if sps.poc_type == 0 {
        let lsb = ((index * 2) % (1u64 << sps.log2_max_poc_lsb)) as u32;
        w.bits(lsb, sps.log2_max_poc_lsb);
        if pps.bottom_field_pic_order {
            w.se(0);
        }
    }
    if pps.redundant_pic_cnt {
        w.ue(0);
    }
    w.bit(0); // num_ref_idx_active_override_flag
    w.bit(0); // ref_pic_list_modification_flag_l0
    w.bit(0); // adaptive_ref_pic_marking_mode_flag (sliding window)
    w.se(0); // slice_qp_delta
    if pps.deblocking_control {
        w.ue(1); // disable_deblocking_filter_idc: nothing to filter
    }
    w.ue(sps.width_mbs * sps.height_mbs); // mb_skip_run: the whole picture
    let rbsp = w.finish_rbsp();
    // nal_ref_idc 2, type 1 (non-IDR slice).
    let mut nal = vec![0x41];
    nal.extend_from_slice(&escape(&rbsp));
    Ok(nal)
}

/// Splits an Annex B byte stream into NAL units (start codes removed).
pub fn split_annex_b(stream: &[u8]) -> Vec<&[u8]> {
    let mut units = Vec::new();
    let mut i = 0;
    let mut start: Option<usize> = None;
    while i + 3 <= stream.len() {
        if stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1 {
            if let Some(s) = start {
                let mut end = i;
                while end > s && stream[end - 1] == 0 {
                    end -= 1;
                }
                units.push(&stream[s..end]);
            }
            i += 3;
            start = Some(i);
        } else {
            i += 1;
        }
    }
    if let Some(s) = start
        && s < stream.len()
    {
        units.push(&stream[s..]);
    }
    units
}
