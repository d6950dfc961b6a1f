//! Bit-level reading and writing of H.264 syntax (Exp-Golomb codes) and the
//! conversion between NAL payloads and RBSP (emulation-prevention bytes).

/// Reads bits, most significant first, from an RBSP.
pub struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
}

/// The stream ended inside a syntax element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndOfData;

impl<'a> BitReader<'a> {
    /// Reads from the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    /// Bits consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// One bit.
    pub fn bit(&mut self) -> Result<u32, EndOfData> {
        let byte = self.data.get(self.pos / 8).ok_or(EndOfData)?;
        let bit = (byte >> (7 - (self.pos % 8))) & 1;
        self.pos += 1;
        Ok(u32::from(bit))
    }

    /// `n` bits (n ≤ 32) as an unsigned number.
    pub fn bits(&mut self, n: u32) -> Result<u32, EndOfData> {
        let mut v: u64 = 0;
        for _ in 0..n {
            v = (v << 1) | u64::from(self.bit()?);
        }
        Ok(v as u32)
    }

    /// Unsigned Exp-Golomb, `ue(v)`.
    pub fn ue(&mut self) -> Result<u32, EndOfData> {
        let mut zeros = 0;
        while self.bit()? == 0 {
            zeros += 1;
            if zeros > 31 {
                return Err(EndOfData);
            }
        }
        let rest = self.bits(zeros)?;
        Ok(((1u64 << zeros) - 1 + u64::from(rest)) as u32)
    }

    /// Signed Exp-Golomb, `se(v)`.
    pub fn se(&mut self) -> Result<i32, EndOfData> {
        let k = self.ue()?;
        Ok(if k % 2 == 1 {
            k.div_ceil(2) as i32
        } else {
            -((k / 2) as i32)
        })
    }
}

/// Writes bits, most significant first.
#[derive(Default)]
pub struct BitWriter {
    out: Vec<u8>,
    acc: u8,
    used: u8,
}

impl BitWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// One bit.
    pub fn bit(&mut self, b: u32) {
        self.acc = (self.acc << 1) | (b & 1) as u8;
        self.used += 1;
        if self.used == 8 {
            self.out.push(self.acc);
            self.acc = 0;
            self.used = 0;
        }
    }

    /// The low `n` bits of `v`.
    pub fn bits(&mut self, v: u32, n: u32) {
        for i in (0..n).rev() {
            self.bit((v >> i) & 1);
        }
    }

    /// Unsigned Exp-Golomb.
    pub fn ue(&mut self, v: u32) {
        let x = u64::from(v) + 1;
        let len = 64 - x.leading_zeros();
        for _ in 0..len - 1 {
            self.bit(0);
        }
        for i in (0..len).rev() {
            self.bit(((x >> i) & 1) as u32);
        }
    }

    /// Signed Exp-Golomb.
    pub fn se(&mut self, v: i32) {
        let k = if v > 0 {
            (v as u32) * 2 - 1
        } else {
            v.unsigned_abs() * 2
        };
        self.ue(k);
    }

    /// Copies bits `[from, to)` of `src`.
    pub fn copy_bits(&mut self, src: &[u8], from: usize, to: usize) {
        let mut pos = from;
        // Bit by bit until the writer is byte-aligned, then whole bytes when
        // the source happens to be aligned the same way.
        while pos < to && (self.used != 0 || !pos.is_multiple_of(8)) {
            self.bit(u32::from((src[pos / 8] >> (7 - pos % 8)) & 1));
            pos += 1;
        }
        if self.used == 0 && pos.is_multiple_of(8) {
            let whole = (to - pos) / 8;
            self.out.extend_from_slice(&src[pos / 8..pos / 8 + whole]);
            pos += whole * 8;
        } else {
            // Unaligned: shift bytes across.
            let shift = self.used;
            while to - pos >= 8 {
                let b = read_byte_at(src, pos);
                let hi = b >> shift;
                let out = (self.acc << (8 - shift)) | hi;
                self.out.push(out);
                self.acc = b & ((1u16 << shift) - 1) as u8;
                pos += 8;
            }
        }
        while pos < to {
            self.bit(u32::from((src[pos / 8] >> (7 - pos % 8)) & 1));
            pos += 1;
        }
    }

    /// Appends `rbsp_trailing_bits` (a one, then zeros to the byte boundary)
    /// and returns the bytes.
    pub fn finish_rbsp(mut self) -> Vec<u8> {
        self.bit(1);
        while self.used != 0 {
            self.bit(0);
        }
        self.out
    }

    /// Returns the bytes; the last byte must already be complete.
    pub fn into_aligned(mut self) -> Vec<u8> {
        while self.used != 0 {
            self.bit(0);
        }
        self.out
    }
}

fn read_byte_at(src: &[u8], pos: usize) -> u8 {
    let i = pos / 8;
    let o = pos % 8;
    if o == 0 {
        src[i]
    } else {
        let a = src[i] << o;
        let b = src.get(i + 1).copied().unwrap_or(0) >> (8 - o);
        a | b
    }
}

/// Removes emulation-prevention bytes (`00 00 03` → `00 00`).
pub fn unescape(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len());
    let mut zeros = 0;
    for &b in nal {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

/// Inserts emulation-prevention bytes where needed.
pub fn escape(rbsp: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rbsp.len() + rbsp.len() / 64 + 4);
    let mut zeros = 0;
    for &b in rbsp {
        if zeros >= 2 && b <= 3 {
            out.push(3);
            zeros = 0;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_golomb_round_trip() {
        let mut w = BitWriter::new();
        let values = [0u32, 1, 2, 3, 7, 8, 254, 255, 1619, 65535, 1 << 20];
        for &v in &values {
            w.ue(v);
        }
        for v in [-3i32, 0, 5, -100] {
            w.se(v);
        }
        w.bits(0b1011, 4);
        let bytes = w.finish_rbsp();
        let mut r = BitReader::new(&bytes);
        for &v in &values {
            assert_eq!(r.ue().unwrap(), v);
        }
        for v in [-3i32, 0, 5, -100] {
            assert_eq!(r.se().unwrap(), v);
        }
        assert_eq!(r.bits(4).unwrap(), 0b1011);
    }

    #[test]
    fn known_codes() {
        // ue(0) = 1, ue(1) = 010, ue(2) = 011, ue(3) = 00100.
        let mut w = BitWriter::new();
        for v in 0..4 {
            w.ue(v);
        }
        assert_eq!(w.into_aligned(), vec![0b1010_0110, 0b0100_0000]);
    }

    #[test]
    fn copy_bits_at_any_alignment() {
        let src: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
        for lead in 0..9 {
            for from in [0usize, 3, 8, 13] {
                let to = src.len() * 8 - 5;
                let mut w = BitWriter::new();
                w.bits(0, lead);
                w.copy_bits(&src, from, to);
                let out = w.into_aligned();
                let mut r = BitReader::new(&out);
                r.bits(lead).unwrap();
                let mut s = BitReader::new(&src);
                for _ in 0..from {
                    s.bit().unwrap();
                }
                for _ in from..to {
                    assert_eq!(
                        r.bit().unwrap(),
                        s.bit().unwrap(),
                        "lead {lead} from {from}"
                    );
                }
            }
        }
    }

    #[test]
    fn emulation_prevention_round_trip() {
        let rbsp = vec![0, 0, 0, 1, 0, 0, 3, 0, 0, 2, 5, 0, 0];
        let nal = escape(&rbsp);
        assert!(!nal.windows(3).any(|w| w[0] == 0 && w[1] == 0 && w[2] <= 2));
        assert_eq!(unescape(&nal), rbsp);
    }
}
