//! Fonts for the PDF storyboard: the embedded DejaVu Sans (Latin, Greek,
//! Cyrillic and more) plus caller-given fallback fonts (CJK and other
//! scripts), looked up per character, measured, and embedded as subsets.
//!
//! Each used face becomes a Type0 font with Identity-H encoding over a CID
//! font whose CIDs are the subset's glyph ids (`subsetter` renumbers glyphs
//! and keeps TrueType or CFF outlines), with a ToUnicode map so text can be
//! searched and copied. A character no font has is drawn as U+FFFD, visibly,
//! and reported; nothing is ever silently dropped or shown as tofu.

use std::collections::{BTreeMap, BTreeSet};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

/// DejaVu Sans, embedded (see `assets/LICENSE-DejaVu.txt`).
static DEJAVU_SANS: &[u8] = include_bytes!("../../../assets/DejaVuSans.ttf");
/// DejaVu Sans Bold, embedded.
static DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../../../assets/DejaVuSans-Bold.ttf");

/// The replacement character drawn for characters no font has.
const REPLACEMENT: char = '\u{FFFD}';

/// Which weight to set text in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// A glyph to draw: the face, its glyph id in the original font, its advance
/// in font units per em scaled to 1000, and the text it stands for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Glyph {
    pub face: usize,
    pub gid: u16,
    pub advance: f32,
    pub ch: char,
}

struct Slot<'f> {
    face: Face<'f>,
    data: &'f [u8],
    index: u32,
    scale: f32,
    remapper: GlyphRemapper,
    unicode: BTreeMap<u16, char>,
}

/// The fonts of one document and what of them has been used.
pub(crate) struct Fonts<'f> {
    slots: Vec<Slot<'f>>,
    missing: BTreeSet<char>,
}

/// A fallback font that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fallback font {index} is not an OpenType/TrueType font: {reason}")]
pub struct FontError {
    /// Position of the font in the fallback list.
    pub index: usize,
    /// What the parser said.
    pub reason: String,
}

impl<'f> Fonts<'f> {
    /// The built-in faces followed by the fallbacks (font bytes, face index
    /// within a collection).
    pub fn new(fallbacks: &'f [(Vec<u8>, u32)]) -> Result<Self, FontError> {
        let mut slots = Vec::with_capacity(2 + fallbacks.len());
        for (data, index) in [(DEJAVU_SANS, 0), (DEJAVU_SANS_BOLD, 0)] {
            // The embedded fonts are valid (tested); should that ever break,
            // the error names fallback "0" rather than panicking.
            slots.push(slot(data, index).map_err(|reason| FontError { index: 0, reason })?);
        }
        for (i, (data, index)) in fallbacks.iter().enumerate() {
            slots.push(slot(data, *index).map_err(|reason| FontError { index: i, reason })?);
        }
        Ok(Self {
            slots,
            missing: BTreeSet::new(),
        })
    }

    /// Characters no font could draw.
    pub fn missing(&self) -> &BTreeSet<char> {
        &self.missing
    }

    /// The glyphs for a text (control characters dropped, tabs as spaces).
    pub fn glyphs(&mut self, text: &str, weight: Weight) -> Vec<Glyph> {
        text.chars()
            .filter_map(|c| match c {
                '\t' | '\n' | '\r' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .map(|c| match self.lookup(c, weight) {
                Some(g) => g,
                None => {
                    self.missing.insert(c);
                    self.lookup(REPLACEMENT, Weight::Regular).unwrap_or(Glyph {
                        face: 0,
                        gid: 0,
                        advance: 600.0,
                        ch: REPLACEMENT,
                    })
                }
            })
            .collect()
    }

    fn lookup(&self, c: char, weight: Weight) -> Option<Glyph> {
        let order = match weight {
            Weight::Bold => [1, 0],
            Weight::Regular => [0, 1],
        };
        order.into_iter().chain(2..self.slots.len()).find_map(|i| {
            let slot = &self.slots[i];
            let gid = slot.face.glyph_index(c)?;
            if gid.0 == 0 {
                return None;
            }
            let advance = f32::from(slot.face.glyph_hor_advance(gid).unwrap_or(0)) * slot.scale;
            Some(Glyph {
                face: i,
                gid: gid.0,
                advance,
                ch: c,
            })
        })
    }

    /// Marks a glyph as used and returns its id in the subset.
    pub fn use_glyph(&mut self, g: Glyph) -> u16 {
        let slot = &mut self.slots[g.face];
        let new = slot.remapper.remap(g.gid);
        slot.unicode.entry(new).or_insert(g.ch);
        new
    }

    /// The resource name of a face (`F0`…).
    pub fn resource_name(face: usize) -> String {
        format!("F{face}")
    }

    /// Faces that were used, each with the Type0 font reference to give it.
    pub fn used(&self) -> impl Iterator<Item = usize> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.remapper.num_gids() > 1)
            .map(|(i, _)| i)
    }

    /// Writes the used faces as subset Type0 fonts at the given references
    /// (five consecutive ids per face are taken from `next`).
    pub fn write(
        &self,
        pdf: &mut Pdf,
        font_refs: &BTreeMap<usize, Ref>,
        next: &mut Ref,
    ) -> Result<(), String> {
        for (&face_index, &type0) in font_refs {
            let slot = &self.slots[face_index];
            let subset = subsetter::subset(slot.data, slot.index, &slot.remapper)
                .map_err(|e| format!("cannot subset font {face_index}: {e}"))?;
            let cff = slot.face.tables().cff.is_some();
            let [cid, descriptor, file, cmap] = [0; 4].map(|_| next.bump());
            let base = format!(
                "{}+{}",
                subset_tag(face_index, &slot.remapper),
                postscript_name(&slot.face)
            );
            let base = Name(base.as_bytes());
            let system = SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"Identity"),
                supplement: 0,
            };

            pdf.type0_font(type0)
                .base_font(base)
                .encoding_predefined(Name(b"Identity-H"))
                .descendant_font(cid)
                .to_unicode(cmap);

            let mut cid_font = pdf.cid_font(cid);
            cid_font
                .subtype(if cff {
                    CidFontType::Type0
                } else {
                    CidFontType::Type2
                })
                .base_font(base)
                .system_info(system)
                .font_descriptor(descriptor)
                .default_width(0.0);
            if !cff {
                cid_font.cid_to_gid_map_predefined(Name(b"Identity"));
            }
            // Widths in the subset's glyph order (new ids 0..n).
            let widths: Vec<f32> = slot
                .remapper
                .remapped_gids()
                .map(|old| {
                    f32::from(slot.face.glyph_hor_advance(GlyphId(old)).unwrap_or(0)) * slot.scale
                })
                .collect();
            cid_font.widths().consecutive(0, widths);
            cid_font.finish();

            let bbox = slot.face.global_bounding_box();
            let s = slot.scale;
            let mut fd = pdf.font_descriptor(descriptor);
            fd.name(base)
                .flags(FontFlags::NON_SYMBOLIC)
                .bbox(Rect::new(
                    f32::from(bbox.x_min) * s,
                    f32::from(bbox.y_min) * s,
                    f32::from(bbox.x_max) * s,
                    f32::from(bbox.y_max) * s,
                ))
                .italic_angle(0.0)
                .ascent(f32::from(slot.face.ascender()) * s)
                .descent(f32::from(slot.face.descender()) * s)
                .cap_height(
                    f32::from(slot.face.capital_height().unwrap_or(slot.face.ascender())) * s,
                )
                .stem_v(if face_index == 1 { 140.0 } else { 80.0 });
            if cff {
                fd.font_file3(file);
            } else {
                fd.font_file2(file);
            }
            fd.finish();

            let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&subset, 6);
            let mut stream = pdf.stream(file, &compressed);
            stream.filter(Filter::FlateDecode);
            if cff {
                stream.pair(Name(b"Subtype"), Name(b"OpenType"));
            }
            stream.finish();

            let mut unicode = UnicodeCmap::new(Name(b"Alkemy-UTF16"), system);
            for (&gid, &ch) in &slot.unicode {
                unicode.pair(gid, ch);
            }
            pdf.cmap(cmap, &unicode.finish());
        }
        Ok(())
    }
}

fn slot(data: &[u8], index: u32) -> Result<Slot<'_>, String> {
    let face = Face::parse(data, index).map_err(|e| e.to_string())?;
    let scale = 1000.0 / f32::from(face.units_per_em().max(1));
    let mut remapper = GlyphRemapper::new();
    // Glyph 0 (.notdef) always stays glyph 0.
    remapper.remap(0);
    Ok(Slot {
        face,
        data,
        index,
        scale,
        remapper,
        unicode: BTreeMap::new(),
    })
}

/// A six-letter subset tag, deterministic for the same glyph set.
fn subset_tag(face: usize, remapper: &GlyphRemapper) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ face as u64;
    for gid in remapper.remapped_gids() {
        h = (h ^ u64::from(gid)).wrapping_mul(0x0100_0000_01b3);
    }
    (0..6)
        .map(|i| char::from(b'A' + ((h >> (i * 8)) % 26) as u8))
        .collect()
}

fn postscript_name(face: &Face<'_>) -> String {
    let name = face
        .names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
        .find_map(|n| n.to_string())
        .unwrap_or_else(|| "Font".to_owned());
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_cyrillic_and_polish_come_from_dejavu_and_unknown_scripts_are_reported() {
        let mut fonts = Fonts::new(&[]).unwrap();
        let glyphs = fonts.glyphs("Zażółć Привет", Weight::Regular);
        assert!(glyphs.iter().all(|g| g.face == 0 && g.gid != 0));
        assert!(fonts.missing().is_empty());
        let bold = fonts.glyphs("Ab", Weight::Bold);
        assert!(bold.iter().all(|g| g.face == 1));
        let jp = fonts.glyphs("日本", Weight::Regular);
        assert_eq!(fonts.missing().iter().copied().collect::<String>(), "日本");
        assert!(jp.iter().all(|g| g.ch == REPLACEMENT && g.gid != 0));
    }
}
