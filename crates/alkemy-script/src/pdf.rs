//! PDF: the text of each page with its position, grouped into printed lines
//! and handed to the shared [`layout`](crate::layout) classifier.
//!
//! The PDF object structure, stream filters and font encodings (including
//! `ToUnicode` maps of subset fonts) come from `lopdf`; this module runs the
//! page content streams' text operators (`BT`/`Tf`/`Td`/`TD`/`Tm`/`T*`/
//! `Tj`/`TJ`/`'`/`"` under `q`/`Q`/`cm`) to place every run of text.
//! Screenplays are set in Courier, so a run's width is its character count
//! times 0.6 em; columns are measured in those characters. Decompression is
//! bounded (a "zip bomb" stream is an error, not an allocation), and a PDF
//! with no text (a scan) is reported as such.
//!
//! Spans of PDF elements count printed lines from the start of the document.

use std::collections::HashMap;

use alkemy_core::{Screenplay, SourceFormat};
use lopdf::{Document, Object};

use crate::error::ReadError;
use crate::layout::{self, PlacedLine};

/// The most a page's content (or a font map) may inflate to.
const MAX_DECOMPRESSED: usize = 32 * 1024 * 1024;
/// Courier's advance width, in ems.
const COURIER_EM: f32 = 0.6;

/// A 2-D affine matrix `[a b c d e f]` as PDF writes it.
type Matrix = [f32; 6];

const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `m × n` in PDF's row-vector convention.
fn mul(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

fn translate(tx: f32, ty: f32) -> Matrix {
    [1.0, 0.0, 0.0, 1.0, tx, ty]
}

/// A run of text placed on a page.
#[derive(Debug, Clone)]
struct Run {
    page: u32,
    x: f32,
    y: f32,
    /// Width of one character (points).
    cw: f32,
    text: String,
}

fn pdf_error(e: impl std::fmt::Display) -> ReadError {
    ReadError::Pdf {
        reason: e.to_string(),
    }
}

fn num(o: &Object) -> f32 {
    match o {
        Object::Integer(i) => *i as f32,
        Object::Real(r) => *r,
        _ => 0.0,
    }
}

/// Reads a PDF.
pub fn read(bytes: &[u8]) -> Result<Screenplay, ReadError> {
    let doc = Document::load_mem(bytes).map_err(pdf_error)?;
    if doc.is_encrypted() {
        return Err(ReadError::Pdf {
            reason: "it is encrypted; save an unprotected copy".into(),
        });
    }
    let mut runs = Vec::new();
    for (page_no, page_id) in doc.get_pages() {
        let content = doc
            .get_page_content_with_limit(page_id, MAX_DECOMPRESSED)
            .map_err(pdf_error)?;
        let ops = lopdf::content::Content::decode(&content).map_err(pdf_error)?;
        let fonts = doc.get_page_fonts(page_id).unwrap_or_default();
        let mut encodings = HashMap::new();
        for (name, dict) in &fonts {
            if let Ok(enc) = dict.get_font_encoding_with_limit(&doc, MAX_DECOMPRESSED) {
                encodings.insert(name.clone(), enc);
            }
        }
        run_page(page_no, &ops.operations, &encodings, &mut runs);
    }
    if runs.iter().all(|r| r.text.trim().is_empty()) {
        return Err(ReadError::Pdf {
            reason: "it has no text (a scan?); run OCR first or use the script's source file"
                .into(),
        });
    }
    let (title_page, placed) = place(runs);
    Ok(Screenplay {
        format: SourceFormat::Pdf,
        title_page,
        elements: layout::classify(&placed),
        diagnostics: Vec::new(),
    })
}

/// Runs one page's text operators.
fn run_page(
    page: u32,
    ops: &[lopdf::content::Operation],
    encodings: &HashMap<Vec<u8>, lopdf::Encoding<'_>>,
    out: &mut Vec<Run>,
) {
    let mut ctm = IDENTITY;
    let mut stack: Vec<Matrix> = Vec::new();
    let mut tm = IDENTITY;
    let mut tlm = IDENTITY;
    let mut font: Vec<u8> = Vec::new();
    let mut size = 12.0f32;
    let mut leading = 0.0f32;
    for op in ops {
        let a = &op.operands;
        match op.operator.as_str() {
            "q" if stack.len() < 64 => stack.push(ctm),
            "Q" => ctm = stack.pop().unwrap_or(IDENTITY),
            "cm" if a.len() == 6 => {
                let m = [
                    num(&a[0]),
                    num(&a[1]),
                    num(&a[2]),
                    num(&a[3]),
                    num(&a[4]),
                    num(&a[5]),
                ];
                ctm = mul(&m, &ctm);
            }
            "BT" => {
                tm = IDENTITY;
                tlm = IDENTITY;
            }
            "Tf" if a.len() == 2 => {
                if let Object::Name(n) = &a[0] {
                    font.clone_from(n);
                }
                size = num(&a[1]);
            }
            "TL" if a.len() == 1 => leading = num(&a[0]),
            "Td" if a.len() == 2 => {
                tlm = mul(&translate(num(&a[0]), num(&a[1])), &tlm);
                tm = tlm;
            }
            "TD" if a.len() == 2 => {
                leading = -num(&a[1]);
                tlm = mul(&translate(num(&a[0]), num(&a[1])), &tlm);
                tm = tlm;
            }
            "Tm" if a.len() == 6 => {
                tlm = [
                    num(&a[0]),
                    num(&a[1]),
                    num(&a[2]),
                    num(&a[3]),
                    num(&a[4]),
                    num(&a[5]),
                ];
                tm = tlm;
            }
            "T*" => {
                tlm = mul(&translate(0.0, -leading), &tlm);
                tm = tlm;
            }
            "Tj" | "'" | "\"" | "TJ" => {
                if op.operator == "'" || op.operator == "\"" {
                    tlm = mul(&translate(0.0, -leading), &tlm);
                    tm = tlm;
                }
                let mut text = String::new();
                let mut advance = 0.0f32;
                let decode = |bytes: &[u8], text: &mut String| match encodings
                    .get(&font)
                    .map(|e| e.bytes_to_string(bytes))
                {
                    Some(Ok(s)) => text.push_str(&s),
                    _ => text.push_str(&crate::decode::windows_1252(bytes)),
                };
                for operand in a {
                    match operand {
                        Object::String(bytes, _) => {
                            let before = text.chars().count();
                            decode(bytes, &mut text);
                            let n = text.chars().count() - before;
                            advance += n as f32 * COURIER_EM * size;
                        }
                        Object::Array(items) => {
                            for item in items {
                                match item {
                                    Object::String(bytes, _) => {
                                        let before = text.chars().count();
                                        decode(bytes, &mut text);
                                        let n = text.chars().count() - before;
                                        advance += n as f32 * COURIER_EM * size;
                                    }
                                    other => {
                                        let adj = num(other) / 1000.0 * size;
                                        advance -= adj;
                                        // A wide negative kern is a word gap.
                                        if num(other) < -250.0 && !text.ends_with(' ') {
                                            text.push(' ');
                                        }
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
                let trm = mul(&tm, &ctm);
                let scale = (trm[0] * trm[0] + trm[1] * trm[1]).sqrt().max(0.01);
                let cw = COURIER_EM * size * scale;
                if !text.trim().is_empty()
                    && cw.is_finite()
                    && trm[4].is_finite()
                    && trm[5].is_finite()
                {
                    out.push(Run {
                        page,
                        x: trm[4],
                        y: trm[5],
                        cw,
                        text,
                    });
                }
                tm = mul(&translate(advance, 0.0), &tm);
            }
            _ => {}
        }
    }
}

/// A printed line: its runs left to right.
struct PrintedLine {
    page: u32,
    y: f32,
    runs: Vec<Run>,
}

/// Groups runs into printed lines, takes the title page off, and measures
/// each line's column.
fn place(mut runs: Vec<Run>) -> (Vec<alkemy_core::TitleEntry>, Vec<PlacedLine>) {
    // Top of the page first: PDF's y grows upwards.
    runs.sort_by(|a, b| {
        a.page
            .cmp(&b.page)
            .then(b.y.total_cmp(&a.y))
            .then(a.x.total_cmp(&b.x))
    });
    let mut lines: Vec<PrintedLine> = Vec::new();
    for r in runs {
        match lines.last_mut() {
            Some(l) if l.page == r.page && (l.y - r.y).abs() < r.cw * 0.4 => l.runs.push(r),
            _ => lines.push(PrintedLine {
                page: r.page,
                y: r.y,
                runs: vec![r],
            }),
        }
    }
    for l in &mut lines {
        l.runs.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    let cw = {
        let mut ws: Vec<f32> = lines
            .iter()
            .flat_map(|l| l.runs.iter().map(|r| r.cw))
            .collect();
        ws.sort_by(f32::total_cmp);
        ws.get(ws.len() / 2).copied().unwrap_or(7.2)
    };
    // The action margin in points: the smallest left edge a tenth share.
    let mut lefts: Vec<f32> = lines.iter().map(|l| l.runs[0].x).collect();
    lefts.sort_by(f32::total_cmp);
    let need = (lefts.len() / 10).max(1);
    let margin = lefts
        .iter()
        .enumerate()
        .find(|&(i, &x)| {
            lefts[i..]
                .iter()
                .take_while(|&&y| y - x <= cw * 0.5)
                .count()
                >= need
        })
        .map_or(0.0, |(_, &x)| x);

    // Title page: a first page with no scene heading, when more follow.
    let pages = lines.last().map_or(0, |l| l.page);
    let first_page = lines.first().map_or(0, |l| l.page);
    let first_has_heading = lines.iter().filter(|l| l.page == first_page).any(|l| {
        crate::fountain::is_heading(l.runs[0].text.trim()) || line_text(l, cw, margin).1.len() > 70
    });
    let mut title_lines = Vec::new();
    let mut placed = Vec::new();
    let mut prev: Option<(u32, f32)> = None;
    let mut counter = 0u32;
    for l in &lines {
        let (number, text, x) = line_text(l, cw, margin);
        if pages > first_page && l.page == first_page && !first_has_heading {
            title_lines.push(text.trim().to_owned());
            continue;
        }
        counter += 1;
        let gap_before = match prev {
            Some((page, y)) if page == l.page => (y - l.y) > cw / COURIER_EM * 1.5,
            _ => true,
        };
        prev = Some((l.page, l.y));
        placed.push(PlacedLine {
            text: text.trim().to_owned(),
            column: (x - margin) / cw,
            line: counter,
            page: l.page,
            gap_before,
            margin_number: number,
        });
    }
    (crate::fdx::title_page(title_lines), placed)
}

/// The text of a printed line with spaces where the runs leave room; a
/// short number set in the left or right margin is returned apart.
fn line_text(l: &PrintedLine, cw: f32, margin: f32) -> (Option<String>, String, f32) {
    let mut number = None;
    let mut runs: Vec<&Run> = l.runs.iter().collect();
    let is_number = |t: &str| {
        let t = t.trim();
        !t.is_empty()
            && t.len() <= 6
            && t.chars().any(|c| c.is_ascii_digit())
            && t.chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
    };
    if runs.len() > 1 && runs[0].x < margin - cw * 2.0 && is_number(&runs[0].text) {
        number = Some(runs[0].text.trim().trim_end_matches('.').to_owned());
        runs.remove(0);
    }
    if runs.len() > 1
        && let Some(last) = runs.last()
        && last.x > margin + cw * 62.0
        && is_number(&last.text)
    {
        if number.is_none() {
            number = Some(last.text.trim().trim_end_matches('.').to_owned());
        }
        runs.pop();
    }
    let x = runs.first().map_or(margin, |r| r.x);
    let mut text = String::new();
    let mut cursor = x;
    for r in runs {
        if r.x > cursor + cw * 0.5 && !text.is_empty() {
            let gap = ((r.x - cursor) / cw).round().clamp(1.0, 200.0) as usize;
            text.extend(std::iter::repeat_n(' ', gap));
        }
        text.push_str(&r.text);
        cursor = r.x + r.text.chars().count() as f32 * cw;
    }
    (number, text, x)
}
