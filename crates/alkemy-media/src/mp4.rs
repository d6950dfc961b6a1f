//! MP4 (ISO BMFF) for H.264: writing a clip with the `moov` box before `mdat`
//! (so browsers start playing before the whole file arrives), reading back
//! the files this crate writes, and joining clips without re-encoding.
//!
//! Design: we write the few boxes ourselves rather than use a muxer crate,
//! because joining cached clips needs the samples and parameter sets back,
//! and held frames may become variable durations (`stts` runs).

use std::io::Write;

use crate::error::{MediaError, Result};
use crate::h264::syntax::{Sps, set_idr_pic_id, slice_fields};
use crate::h264::{ParameterSets, Sample, push_nal, sample_nals};

/// Encoded H.264 video ready to be written as MP4 or joined with others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedClip {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Ticks per second of sample durations.
    pub timescale: u32,
    /// SPS and PPS every sample refers to.
    pub params: ParameterSets,
    /// Coded pictures in decoding (and display) order.
    pub samples: Vec<Sample>,
}

impl EncodedClip {
    /// Total duration in ticks.
    pub fn duration_ticks(&self) -> u64 {
        self.samples.iter().map(|s| u64::from(s.duration)).sum()
    }

    /// Total duration in milliseconds (rounded).
    pub fn duration_ms(&self) -> u64 {
        (self.duration_ticks() * 1000 + u64::from(self.timescale) / 2)
            / u64::from(self.timescale.max(1))
    }

    /// Number of samples (frames).
    pub fn frames(&self) -> usize {
        self.samples.len()
    }

    /// The MP4 file as bytes.
    pub fn to_mp4(&self) -> Vec<u8> {
        let payload: usize = self.samples.iter().map(|s| s.data.len()).sum();
        let mut out = Vec::with_capacity(payload + self.samples.len() * 12 + 4096);
        // Writing into a Vec cannot fail.
        let _ = self.write_mp4(&mut out);
        out
    }

    /// Writes the MP4 file: `ftyp`, `moov`, then `mdat`.
    pub fn write_mp4<W: Write>(&self, out: &mut W) -> std::io::Result<()> {
        let ftyp = ftyp();
        let payload: u64 = self.samples.iter().map(|s| s.data.len() as u64).sum();
        let large = payload + 16 > u64::from(u32::MAX) - 8;
        let mdat_header: u64 = if large { 16 } else { 8 };
        // The moov size does not depend on the offsets' values, only on their
        // width, so build it once with a placeholder base and then for real.
        let probe = self.moov(0, large);
        let base = ftyp.len() as u64 + probe.len() as u64 + mdat_header;
        let moov = self.moov(base, large);
        out.write_all(&ftyp)?;
        out.write_all(&moov)?;
        if large {
            out.write_all(&1u32.to_be_bytes())?;
            out.write_all(b"mdat")?;
            out.write_all(&(payload + 16).to_be_bytes())?;
        } else {
            out.write_all(&((payload + 8) as u32).to_be_bytes())?;
            out.write_all(b"mdat")?;
        }
        for s in &self.samples {
            out.write_all(&s.data)?;
        }
        Ok(())
    }

    fn moov(&self, mdat_start: u64, co64: bool) -> Vec<u8> {
        const CHUNK: usize = 32;
        let ticks = self.duration_ticks();
        let movie_ms = (ticks * 1000).div_ceil(u64::from(self.timescale.max(1)));
        let movie_ms32 = movie_ms.min(u64::from(u32::MAX)) as u32;

        let mut mvhd = Vec::new();
        put32(&mut mvhd, 0); // version, flags
        put32(&mut mvhd, 0);
        put32(&mut mvhd, 0);
        put32(&mut mvhd, 1000);
        put32(&mut mvhd, movie_ms32);
        put32(&mut mvhd, 0x0001_0000);
        put16(&mut mvhd, 0x0100);
        mvhd.extend_from_slice(&[0; 10]);
        matrix(&mut mvhd);
        mvhd.extend_from_slice(&[0; 24]);
        put32(&mut mvhd, 2);

        let mut tkhd = Vec::new();
        put32(&mut tkhd, 0x0000_0003);
        put32(&mut tkhd, 0);
        put32(&mut tkhd, 0);
        put32(&mut tkhd, 1);
        put32(&mut tkhd, 0);
        put32(&mut tkhd, movie_ms32);
        tkhd.extend_from_slice(&[0; 8]);
        put16(&mut tkhd, 0);
        put16(&mut tkhd, 0);
        put16(&mut tkhd, 0);
        put16(&mut tkhd, 0);
        matrix(&mut tkhd);
        put32(&mut tkhd, self.width << 16);
        put32(&mut tkhd, self.height << 16);

        let mut mdhd = Vec::new();
        put32(&mut mdhd, 0);
        put32(&mut mdhd, 0);
        put32(&mut mdhd, 0);
        put32(&mut mdhd, self.timescale);
        put32(&mut mdhd, ticks.min(u64::from(u32::MAX)) as u32);
        put16(&mut mdhd, 0x55c4); // 'und'
        put16(&mut mdhd, 0);

        let mut hdlr = Vec::new();
        put32(&mut hdlr, 0);
        put32(&mut hdlr, 0);
        hdlr.extend_from_slice(b"vide");
        hdlr.extend_from_slice(&[0; 12]);
        hdlr.extend_from_slice(b"Alkemy video\0");

        let mut vmhd = Vec::new();
        put32(&mut vmhd, 1);
        vmhd.extend_from_slice(&[0; 8]);

        let mut url = Vec::new();
        put32(&mut url, 1);
        let mut dref = Vec::new();
        put32(&mut dref, 0);
        put32(&mut dref, 1);
        dref.extend_from_slice(&boxed(b"url ", &url));
        let dinf = boxed(b"dinf", &boxed(b"dref", &dref));

        let stsd = self.stsd();

        // stts: runs of equal durations.
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for s in &self.samples {
            match runs.last_mut() {
                Some((n, d)) if *d == s.duration => *n += 1,
                _ => runs.push((1, s.duration)),
            }
        }
        let mut stts = Vec::new();
        put32(&mut stts, 0);
        put32(&mut stts, runs.len() as u32);
        for (n, d) in runs {
            put32(&mut stts, n);
            put32(&mut stts, d);
        }

        let syncs: Vec<u32> = self
            .samples
            .iter()
            .enumerate()
            .filter(|(_, s)| s.sync)
            .map(|(i, _)| i as u32 + 1)
            .collect();
        let mut stss = Vec::new();
        put32(&mut stss, 0);
        put32(&mut stss, syncs.len() as u32);
        for i in &syncs {
            put32(&mut stss, *i);
        }

        let n = self.samples.len();
        let chunks = n.div_ceil(CHUNK);
        let mut stsc = Vec::new();
        put32(&mut stsc, 0);
        // Full chunks of CHUNK samples, the last one possibly shorter.
        let last = n - chunks.saturating_sub(1) * CHUNK;
        let entries: Vec<(u32, u32)> = match chunks {
            0 => Vec::new(),
            1 => vec![(1, last as u32)],
            _ if last == CHUNK => vec![(1, CHUNK as u32)],
            _ => vec![(1, CHUNK as u32), (chunks as u32, last as u32)],
        };
        put32(&mut stsc, entries.len() as u32);
        for (first, per) in entries {
            put32(&mut stsc, first);
            put32(&mut stsc, per);
            put32(&mut stsc, 1);
        }

        let mut stsz = Vec::new();
        put32(&mut stsz, 0);
        put32(&mut stsz, 0);
        put32(&mut stsz, n as u32);
        for s in &self.samples {
            put32(&mut stsz, s.data.len() as u32);
        }

        let mut offsets = Vec::with_capacity(chunks);
        let mut pos = mdat_start;
        for chunk in self.samples.chunks(CHUNK) {
            offsets.push(pos);
            pos += chunk.iter().map(|s| s.data.len() as u64).sum::<u64>();
        }
        let mut stco = Vec::new();
        put32(&mut stco, 0);
        put32(&mut stco, offsets.len() as u32);
        for o in &offsets {
            if co64 {
                stco.extend_from_slice(&o.to_be_bytes());
            } else {
                put32(&mut stco, *o as u32);
            }
        }

        let mut stbl = Vec::new();
        stbl.extend_from_slice(&boxed(b"stsd", &stsd));
        stbl.extend_from_slice(&boxed(b"stts", &stts));
        if syncs.len() != n {
            stbl.extend_from_slice(&boxed(b"stss", &stss));
        }
        stbl.extend_from_slice(&boxed(b"stsc", &stsc));
        stbl.extend_from_slice(&boxed(b"stsz", &stsz));
        stbl.extend_from_slice(&boxed(if co64 { b"co64" } else { b"stco" }, &stco));

        let mut minf = boxed(b"vmhd", &vmhd);
        minf.extend_from_slice(&dinf);
        minf.extend_from_slice(&boxed(b"stbl", &stbl));

        let mut mdia = boxed(b"mdhd", &mdhd);
        mdia.extend_from_slice(&boxed(b"hdlr", &hdlr));
        mdia.extend_from_slice(&boxed(b"minf", &minf));

        let mut trak = boxed(b"tkhd", &tkhd);
        trak.extend_from_slice(&boxed(b"mdia", &mdia));

        let mut moov = boxed(b"mvhd", &mvhd);
        moov.extend_from_slice(&boxed(b"trak", &trak));
        boxed(b"moov", &moov)
    }

    fn stsd(&self) -> Vec<u8> {
        let sps = &self.params.sps;
        let pps = &self.params.pps;
        let mut avcc = vec![
            1,
            sps.get(1).copied().unwrap_or(66),
            sps.get(2).copied().unwrap_or(0),
            sps.get(3).copied().unwrap_or(30),
            0xff,
            0xe1,
        ];
        put16(&mut avcc, sps.len() as u16);
        avcc.extend_from_slice(sps);
        avcc.push(1);
        put16(&mut avcc, pps.len() as u16);
        avcc.extend_from_slice(pps);

        let mut avc1 = vec![0; 6];
        put16(&mut avc1, 1); // data reference index
        avc1.extend_from_slice(&[0; 16]);
        put16(&mut avc1, self.width as u16);
        put16(&mut avc1, self.height as u16);
        put32(&mut avc1, 0x0048_0000);
        put32(&mut avc1, 0x0048_0000);
        put32(&mut avc1, 0);
        put16(&mut avc1, 1); // frame count
        let mut name = [0u8; 32];
        let label = b"Alkemy H.264";
        name[0] = label.len() as u8;
        name[1..=label.len()].copy_from_slice(label);
        avc1.extend_from_slice(&name);
        put16(&mut avc1, 0x0018);
        put16(&mut avc1, 0xffff);
        avc1.extend_from_slice(&boxed(b"avcC", &avcc));

        let mut stsd = Vec::new();
        put32(&mut stsd, 0);
        put32(&mut stsd, 1);
        stsd.extend_from_slice(&boxed(b"avc1", &avc1));
        stsd
    }

    /// Reads an MP4 file written by [`EncodedClip::write_mp4`] (or any
    /// single-track, progressive H.264 MP4 with 4-byte NAL lengths).
    pub fn from_mp4(bytes: &[u8], context: &str) -> Result<Self> {
        read_mp4(bytes).map_err(|message| MediaError::Unsupported {
            context: context.to_owned(),
            message,
        })
    }
}

/// Joins clips end to end without re-encoding: each starts with an IDR
/// picture and all share one SPS/PPS, so their samples simply follow each
/// other. Consecutive IDR pictures get distinct `idr_pic_id`s as the standard
/// requires.
pub fn assemble(clips: &[EncodedClip]) -> Result<EncodedClip> {
    let first = clips
        .first()
        .ok_or_else(|| MediaError::param("clips", "nothing to join"))?;
    let sps = Sps::parse(&first.params.sps).map_err(|e| MediaError::Incompatible {
        index: 0,
        message: e.0,
    })?;
    let mut samples = Vec::with_capacity(clips.iter().map(|c| c.samples.len()).sum());
    let mut last_idr: Option<u32> = None;
    for (index, clip) in clips.iter().enumerate() {
        let incompatible = |message: String| MediaError::Incompatible { index, message };
        if clip.params != first.params {
            return Err(incompatible(
                "its SPS/PPS differ from the first clip's (size or encoder settings changed)"
                    .to_owned(),
            ));
        }
        if (clip.width, clip.height, clip.timescale) != (first.width, first.height, first.timescale)
        {
            return Err(incompatible(format!(
                "{}x{} at timescale {} differs from {}x{} at {}",
                clip.width, clip.height, clip.timescale, first.width, first.height, first.timescale
            )));
        }
        if !clip.samples.first().is_some_and(|s| s.sync) {
            return Err(incompatible(
                "it does not start with an IDR picture".to_owned(),
            ));
        }
        for sample in &clip.samples {
            if !sample.sync {
                last_idr = None;
                samples.push(sample.clone());
                continue;
            }
            let mut data = Vec::with_capacity(sample.data.len() + 4);
            let mut id_used = None;
            for nal in sample_nals(&sample.data) {
                let (fields, _) = slice_fields(nal, &sps).map_err(|e| incompatible(e.0))?;
                let Some((_, _, id)) = fields.idr_pic_id else {
                    push_nal(&mut data, nal);
                    continue;
                };
                let wanted = match last_idr {
                    Some(prev) if prev == id => (id + 1) % 2,
                    _ => id,
                };
                id_used = Some(wanted);
                let nal = set_idr_pic_id(nal, &sps, wanted).map_err(|e| incompatible(e.0))?;
                push_nal(&mut data, &nal);
            }
            last_idr = id_used;
            samples.push(Sample {
                data,
                duration: sample.duration,
                sync: true,
                repeat: sample.repeat,
            });
        }
    }
    Ok(EncodedClip {
        width: first.width,
        height: first.height,
        timescale: first.timescale,
        params: first.params.clone(),
        samples,
    })
}

fn ftyp() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"isom");
    put32(&mut b, 0x200);
    for brand in [b"isom", b"iso2", b"avc1", b"mp41"] {
        b.extend_from_slice(brand);
    }
    boxed(b"ftyp", &b)
}

fn matrix(b: &mut Vec<u8>) {
    for v in [0x0001_0000u32, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000] {
        put32(b, v);
    }
}

fn put16(b: &mut Vec<u8>, v: u16) {
    b.extend_from_slice(&v.to_be_bytes());
}

fn put32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_be_bytes());
}

fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(body.len() + 8);
    put32(&mut b, (body.len() + 8) as u32);
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

/// Iterates the boxes in `data`: (type, body, offset of the body in `data`).
/// A box: its type, its body and where the body starts.
type BoxEntry<'a> = ([u8; 4], &'a [u8], usize);

fn boxes(data: &[u8]) -> std::result::Result<Vec<BoxEntry<'_>>, String> {
    let mut out = Vec::new();
    let mut i = 0usize;
    while i + 8 <= data.len() {
        let size32 = u32::from_be_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]) as u64;
        let kind = [data[i + 4], data[i + 5], data[i + 6], data[i + 7]];
        let (header, size) = match size32 {
            0 => (8u64, (data.len() - i) as u64),
            1 => {
                let s = data.get(i + 8..i + 16).ok_or("truncated box size")?;
                let mut a = [0u8; 8];
                a.copy_from_slice(s);
                (16, u64::from_be_bytes(a))
            }
            s => (8, s),
        };
        if size < header || i as u64 + size > data.len() as u64 {
            return Err(format!(
                "box {} overruns the file",
                String::from_utf8_lossy(&kind)
            ));
        }
        let body_at = i + header as usize;
        out.push((kind, &data[body_at..i + size as usize], body_at));
        i += size as usize;
    }
    Ok(out)
}

fn find<'a>(data: &'a [u8], path: &[&[u8; 4]]) -> std::result::Result<&'a [u8], String> {
    let mut cur = data;
    for kind in path {
        cur = boxes(cur)?
            .into_iter()
            .find(|(k, _, _)| k == *kind)
            .map(|(_, b, _)| b)
            .ok_or_else(|| format!("no {} box", String::from_utf8_lossy(*kind)))?;
    }
    Ok(cur)
}

fn be32(b: &[u8], at: usize) -> std::result::Result<u32, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| "truncated table".to_owned())
}

fn be16(b: &[u8], at: usize) -> std::result::Result<u16, String> {
    b.get(at..at + 2)
        .map(|s| u16::from_be_bytes([s[0], s[1]]))
        .ok_or_else(|| "truncated table".to_owned())
}

/// Upper bound on table sizes read from a file (a day of video at 240 fps).
const MAX_ENTRIES: u32 = 24 * 3600 * 240;

fn count(b: &[u8], at: usize) -> std::result::Result<usize, String> {
    let n = be32(b, at)?;
    if n > MAX_ENTRIES {
        return Err(format!("table of {n} entries is over the limit"));
    }
    Ok(n as usize)
}

fn read_mp4(bytes: &[u8]) -> std::result::Result<EncodedClip, String> {
    let stbl = find(bytes, &[b"moov", b"trak", b"mdia", b"minf", b"stbl"])?;
    let mdhd = find(bytes, &[b"moov", b"trak", b"mdia", b"mdhd"])?;
    let timescale = if mdhd.first() == Some(&1) {
        be32(mdhd, 20)?
    } else {
        be32(mdhd, 12)?
    };
    let stsd = find(stbl, &[b"stsd"])?;
    let avc1 = find(stsd.get(8..).ok_or("empty stsd")?, &[b"avc1"])?;
    let width = u32::from(be16(avc1, 24)?);
    let height = u32::from(be16(avc1, 26)?);
    let avcc = find(avc1.get(78..).ok_or("short avc1")?, &[b"avcC"])?;
    if avcc.get(4).map(|b| b & 3) != Some(3) {
        return Err("only 4-byte NAL lengths are supported".to_owned());
    }
    let mut at = 5;
    let nsps = usize::from(*avcc.get(at).ok_or("short avcC")? & 0x1f);
    at += 1;
    let mut sps = Vec::new();
    for _ in 0..nsps {
        let len = usize::from(be16(avcc, at)?);
        sps = avcc.get(at + 2..at + 2 + len).ok_or("short SPS")?.to_vec();
        at += 2 + len;
    }
    let npps = usize::from(*avcc.get(at).ok_or("short avcC")?);
    at += 1;
    let mut pps = Vec::new();
    for _ in 0..npps {
        let len = usize::from(be16(avcc, at)?);
        pps = avcc.get(at + 2..at + 2 + len).ok_or("short PPS")?.to_vec();
        at += 2 + len;
    }
    if nsps != 1 || npps != 1 {
        return Err("exactly one SPS and one PPS are supported".to_owned());
    }

    let stts = find(stbl, &[b"stts"])?;
    let mut durations = Vec::new();
    for e in 0..count(stts, 4)? {
        let n = be32(stts, 8 + e * 8)?;
        let d = be32(stts, 12 + e * 8)?;
        if durations.len() as u64 + u64::from(n) > u64::from(MAX_ENTRIES) {
            return Err("too many samples".to_owned());
        }
        durations.extend(std::iter::repeat_n(d, n as usize));
    }
    let stsz = find(stbl, &[b"stsz"])?;
    let fixed = be32(stsz, 4)?;
    let n = count(stsz, 8)?;
    let sizes: Vec<u32> = if fixed != 0 {
        vec![fixed; n]
    } else {
        (0..n)
            .map(|i| be32(stsz, 12 + i * 4))
            .collect::<std::result::Result<_, _>>()?
    };
    if sizes.len() != durations.len() {
        return Err("stts and stsz disagree on the sample count".to_owned());
    }
    let syncs: Option<Vec<u32>> = match find(stbl, &[b"stss"]) {
        Ok(stss) => Some(
            (0..count(stss, 4)?)
                .map(|i| be32(stss, 8 + i * 4))
                .collect::<std::result::Result<_, _>>()?,
        ),
        Err(_) => None,
    };
    let offsets: Vec<u64> = if let Ok(stco) = find(stbl, &[b"stco"]) {
        (0..count(stco, 4)?)
            .map(|i| be32(stco, 8 + i * 4).map(u64::from))
            .collect::<std::result::Result<_, _>>()?
    } else {
        let co64 = find(stbl, &[b"co64"])?;
        (0..count(co64, 4)?)
            .map(|i| {
                Ok((u64::from(be32(co64, 8 + i * 8)?) << 32) | u64::from(be32(co64, 12 + i * 8)?))
            })
            .collect::<std::result::Result<_, String>>()?
    };
    let stsc = find(stbl, &[b"stsc"])?;
    let runs: Vec<(u32, u32)> = (0..count(stsc, 4)?)
        .map(|i| Ok((be32(stsc, 8 + i * 12)?, be32(stsc, 12 + i * 12)?)))
        .collect::<std::result::Result<_, String>>()?;

    let mut samples = Vec::with_capacity(n);
    let mut s = 0usize;
    for (ci, &offset) in offsets.iter().enumerate() {
        let chunk_no = ci as u32 + 1;
        let per = runs
            .iter()
            .rev()
            .find(|(first, _)| *first <= chunk_no)
            .map(|r| r.1)
            .ok_or("stsc has no entry for a chunk")?;
        let mut pos = offset;
        for _ in 0..per {
            if s >= n {
                break;
            }
            let size = sizes[s] as u64;
            let start = usize::try_from(pos).map_err(|_| "offset overflow")?;
            let end = usize::try_from(pos + size).map_err(|_| "offset overflow")?;
            let data = bytes
                .get(start..end)
                .ok_or("sample lies outside the file")?
                .to_vec();
            let sync = syncs
                .as_ref()
                .is_none_or(|v| v.binary_search(&(s as u32 + 1)).is_ok());
            let repeat = data.len() < 64 && !sync && is_skip_sample(&data);
            samples.push(Sample {
                data,
                duration: durations[s],
                sync,
                repeat,
            });
            pos += size;
            s += 1;
        }
    }
    if samples.len() != n {
        return Err(format!("found {} of {n} samples", samples.len()));
    }
    Ok(EncodedClip {
        width,
        height,
        timescale,
        params: ParameterSets { sps, pps },
        samples,
    })
}

/// A one-slice sample whose NAL header matches the skip slices we write.
fn is_skip_sample(data: &[u8]) -> bool {
    let nals = sample_nals(data);
    nals.len() == 1 && nals[0].first() == Some(&0x41)
}
