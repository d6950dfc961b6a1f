//! Final Draft XML (`.fdx`): body paragraphs by their `Type`, scene numbers,
//! dual dialogue, script notes, scene summaries and the title page.
//!
//! Read with a streaming XML reader that never resolves external entities
//! (only the five predefined ones and character references) and never
//! builds a tree, so memory stays proportional to one paragraph. Paragraphs
//! are taken only from the document's `Content` (and the `TitlePage`), never
//! from the style sheets, headers or outline panels Final Draft also stores
//! as `Paragraph`s. Spans are the XML source lines.

use alkemy_core::{Element, ElementKind, Screenplay, SourceFormat, Span, TitleEntry};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::error::ReadError;

/// Deepest nesting read; deeper elements are skipped (a guard against
/// pathological input).
const MAX_DEPTH: usize = 64;

/// Where a paragraph being read belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Body,
    TitlePage,
    Note,
    Summary,
}

/// A paragraph being read.
struct Para {
    target: Target,
    kind: String,
    number: Option<String>,
    centered: bool,
    dual_index: Option<u32>,
    text: String,
    line: u32,
    /// Depth of the `Paragraph` element itself.
    depth: usize,
}

/// Parses FDX text.
pub fn parse(text: &str) -> Result<Screenplay, ReadError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<String> = Vec::new();
    let mut paras: Vec<Para> = Vec::new();
    let mut elements: Vec<Element> = Vec::new();
    let mut notes: Vec<Element> = Vec::new();
    let mut title_lines: Vec<String> = Vec::new();
    let mut pending_summary: Vec<(String, u32)> = Vec::new();
    let mut dual_cues: Option<u32> = None;
    let mut in_text: Option<bool> = None; // Some(all_caps) inside <Text>
    let mut line_counter = LineCounter::default();
    loop {
        let pos = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| ReadError::Fdx {
            offset: reader.error_position(),
            reason: e.to_string(),
        })?;
        match event {
            Event::Start(start) => {
                let name = AsRef::<str>::as_ref(&start.local_name()).to_owned();
                let line = line_counter.line_at(text, pos);
                if stack.len() < MAX_DEPTH {
                    open(
                        &name,
                        &start,
                        &stack,
                        line,
                        &mut paras,
                        &mut dual_cues,
                        &mut in_text,
                    );
                }
                stack.push(name);
            }
            Event::End(_) => {
                let Some(name) = stack.pop() else { continue };
                match name.as_str() {
                    "Text" => in_text = None,
                    "DualDialogue" => dual_cues = None,
                    "Paragraph" => {
                        if let Some(p) = paras.pop_if(|p| p.depth == stack.len()) {
                            close(
                                p,
                                &mut elements,
                                &mut notes,
                                &mut title_lines,
                                &mut pending_summary,
                            );
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let (Some(caps), Some(p)) = (in_text, paras.last_mut()) {
                    push_text(&mut p.text, &t, caps);
                }
            }
            Event::CData(t) => {
                if let (Some(caps), Some(p)) = (in_text, paras.last_mut()) {
                    push_text(&mut p.text, &t, caps);
                }
            }
            Event::GeneralRef(r) => {
                if let (Some(caps), Some(p)) = (in_text, paras.last_mut()) {
                    let resolved = resolve_entity(&r);
                    push_text(&mut p.text, &resolved, caps);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if elements.is_empty() && !text.contains("<FinalDraft") {
        return Err(ReadError::Fdx {
            offset: 0,
            reason: "no FinalDraft element".into(),
        });
    }
    if !notes.is_empty() {
        elements.extend(notes);
        elements.sort_by_key(|e| e.span.start_line);
    }
    Ok(Screenplay {
        format: SourceFormat::Fdx,
        title_page: title_page(title_lines),
        elements,
        diagnostics: Vec::new(),
    })
}

/// Counts lines up to a byte offset, incrementally.
#[derive(Default)]
struct LineCounter {
    pos: usize,
    line: u32,
}

impl LineCounter {
    fn line_at(&mut self, text: &str, pos: usize) -> u32 {
        let pos = pos.min(text.len());
        if pos > self.pos {
            let n = memchr::memchr_iter(b'\n', &text.as_bytes()[self.pos..pos]).count();
            self.line += u32::try_from(n).unwrap_or(u32::MAX);
            self.pos = pos;
        }
        self.line + 1
    }
}

fn in_body(stack: &[String]) -> bool {
    stack.len() >= 2 && stack[0] == "FinalDraft" && stack[1] == "Content"
}

fn attr(start: &BytesStart<'_>, key: &str) -> Option<String> {
    start
        .attributes()
        .flatten()
        .find(|a| AsRef::<str>::as_ref(&a.key.local_name()) == key)
        .map(|a| unescape_attr(&a.value))
}

fn unescape_attr(raw: &str) -> String {
    if !raw.contains('&') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        match rest[amp..].find(';') {
            Some(semi) if semi < 12 => {
                out.push_str(&resolve_entity(&rest[amp + 1..amp + semi]));
                rest = &rest[amp + semi + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[amp + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The five predefined entities and character references; anything else is
/// kept as written (no DTD, no external entities).
fn resolve_entity(name: &str) -> String {
    match name {
        "amp" => "&".into(),
        "lt" => "<".into(),
        "gt" => ">".into(),
        "quot" => "\"".into(),
        "apos" => "'".into(),
        _ => {
            let code =
                if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = name.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
            match code.and_then(char::from_u32) {
                Some(c) => c.to_string(),
                None => format!("&{name};"),
            }
        }
    }
}

fn push_text(out: &mut String, raw: &str, caps: bool) {
    if caps {
        out.extend(raw.chars().flat_map(char::to_uppercase));
    } else {
        out.push_str(raw);
    }
}

#[allow(clippy::too_many_arguments)]
fn open(
    name: &str,
    start: &BytesStart<'_>,
    stack: &[String],
    line: u32,
    paras: &mut Vec<Para>,
    dual_cues: &mut Option<u32>,
    in_text: &mut Option<bool>,
) {
    match name {
        "Paragraph" => {
            let parent = stack.last().map(String::as_str);
            let target = if in_body(stack) && matches!(parent, Some("Content" | "DualDialogue")) {
                if stack.len() != 2 && parent != Some("DualDialogue") {
                    return;
                }
                Target::Body
            } else if stack.len() == 3
                && stack[0] == "FinalDraft"
                && stack[1] == "TitlePage"
                && parent == Some("Content")
            {
                Target::TitlePage
            } else if stack.iter().any(|s| s == "ScriptNote") && in_body(stack) {
                Target::Note
            } else if parent == Some("Summary") && in_body(stack) {
                Target::Summary
            } else {
                return;
            };
            let kind = attr(start, "Type").unwrap_or_default();
            let dual_index = if target == Target::Body && kind == "Character" {
                dual_cues.as_mut().map(|n| {
                    *n += 1;
                    *n
                })
            } else {
                None
            };
            paras.push(Para {
                target,
                kind,
                number: attr(start, "Number").filter(|n| !n.trim().is_empty()),
                centered: attr(start, "Alignment")
                    .is_some_and(|a| a.eq_ignore_ascii_case("Center")),
                dual_index,
                text: String::new(),
                line,
                depth: stack.len(),
            });
        }
        "DualDialogue" => *dual_cues = Some(0),
        "Text" => {
            // Text belongs to the innermost open paragraph only.
            if let Some(p) = paras.last()
                && stack.len() == p.depth + 1
            {
                let caps = attr(start, "Style").is_some_and(|s| s.contains("AllCaps"));
                *in_text = Some(caps);
            }
        }
        _ => {}
    }
}

fn close(
    p: Para,
    elements: &mut Vec<Element>,
    notes: &mut Vec<Element>,
    title_lines: &mut Vec<String>,
    pending_summary: &mut Vec<(String, u32)>,
) {
    let text = p.text.trim().to_owned();
    let span = Span::line(p.line);
    match p.target {
        Target::TitlePage => title_lines.push(text),
        Target::Note => {
            if !text.is_empty() {
                notes.push(Element {
                    kind: ElementKind::Note,
                    text,
                    span,
                });
            }
        }
        Target::Summary => {
            if !text.is_empty() {
                pending_summary.push((text, p.line));
            }
        }
        Target::Body => {
            if text.is_empty() {
                return;
            }
            let kind = match p.kind.as_str() {
                "Scene Heading" => ElementKind::SceneHeading { number: p.number },
                "Character" => ElementKind::Character {
                    dual: p.dual_index.is_some_and(|n| n >= 2),
                },
                "Dialogue" => ElementKind::Dialogue,
                "Parenthetical" => ElementKind::Parenthetical,
                "Transition" => ElementKind::Transition,
                "Lyrics" | "Singing" => ElementKind::Lyrics,
                "New Act" | "End of Act" => ElementKind::Section { depth: 1 },
                k if k.starts_with("Outline ") && k != "Outline Body" => {
                    let depth = k["Outline ".len()..].trim().parse().unwrap_or(1);
                    ElementKind::Section { depth }
                }
                "Outline Body" => ElementKind::Synopsis,
                _ => ElementKind::Action {
                    centered: p.centered,
                },
            };
            let is_heading = matches!(kind, ElementKind::SceneHeading { .. });
            elements.push(Element { kind, text, span });
            if is_heading {
                // A scene summary (read before the heading's text closed)
                // becomes the scene's synopsis.
                for (summary, line) in pending_summary.drain(..) {
                    elements.push(Element {
                        kind: ElementKind::Synopsis,
                        text: summary,
                        span: Span::line(line),
                    });
                }
            }
        }
    }
}

/// Final Draft's title page is free text: the first line is the title, a
/// line starting with "by" or "written by" is the credit and the next the
/// author; the rest are notes.
pub(crate) fn title_page(lines: Vec<String>) -> Vec<TitleEntry> {
    let mut entries: Vec<TitleEntry> = Vec::new();
    let mut iter = lines.into_iter().filter(|l| !l.is_empty()).peekable();
    if let Some(title) = iter.next() {
        entries.push(TitleEntry {
            key: "Title".into(),
            values: vec![title],
        });
    }
    let mut rest = Vec::new();
    while let Some(line) = iter.next() {
        let lower = line.to_lowercase();
        if (lower == "by" || lower.starts_with("written by") || lower.starts_with("screenplay by"))
            && !entries.iter().any(|e| e.key == "Credit")
        {
            entries.push(TitleEntry {
                key: "Credit".into(),
                values: vec![line],
            });
            if let Some(author) = iter.next() {
                entries.push(TitleEntry {
                    key: "Author".into(),
                    values: vec![author],
                });
            }
        } else {
            rest.push(line);
        }
    }
    if !rest.is_empty() {
        entries.push(TitleEntry {
            key: "Notes".into(),
            values: rest,
        });
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE x [ <!ENTITY ext SYSTEM "file:///etc/passwd"> ]>
<FinalDraft DocumentType="Script" Version="5">
  <Content>
    <Paragraph Type="Scene Heading" Number="12A">
      <SceneProperties><Summary><Paragraph><Text>They meet.</Text></Paragraph></Summary></SceneProperties>
      <Text>INT. HOUSE - DAY</Text>
    </Paragraph>
    <Paragraph Type="Action"><ScriptNote><Paragraph><Text>Buy a lamp</Text></Paragraph></ScriptNote><Text>Tom &amp; Jerry &#233;&ext;</Text></Paragraph>
    <Paragraph><DualDialogue>
      <Paragraph Type="Character"><Text>BRICK</Text></Paragraph>
      <Paragraph Type="Dialogue"><Text>Hey.</Text></Paragraph>
      <Paragraph Type="Character"><Text Style="AllCaps">steel</Text></Paragraph>
      <Paragraph Type="Dialogue"><Text>Hi.</Text></Paragraph>
    </DualDialogue></Paragraph>
    <Paragraph Type="Action" Alignment="Center"><Text>THE END</Text></Paragraph>
  </Content>
  <HeaderAndFooter><Header><Paragraph Type="Action"><Text>furniture</Text></Paragraph></Header></HeaderAndFooter>
  <TitlePage><Content><Paragraph><Text>BRICK &amp; STEEL</Text></Paragraph><Paragraph><Text>Written by</Text></Paragraph><Paragraph><Text>Stu</Text></Paragraph></Content></TitlePage>
</FinalDraft>"#;

    #[test]
    fn body_paragraphs_notes_dual_dialogue_and_title_page() {
        let sp = parse(DOC).unwrap();
        let kinds: Vec<(&ElementKind, &str)> = sp
            .elements
            .iter()
            .map(|e| (&e.kind, e.text.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                (
                    &ElementKind::SceneHeading {
                        number: Some("12A".into())
                    },
                    "INT. HOUSE - DAY"
                ),
                (&ElementKind::Synopsis, "They meet."),
                (
                    &ElementKind::Action { centered: false },
                    "Tom & Jerry é&ext;"
                ),
                (&ElementKind::Note, "Buy a lamp"),
                (&ElementKind::Character { dual: false }, "BRICK"),
                (&ElementKind::Dialogue, "Hey."),
                (&ElementKind::Character { dual: true }, "STEEL"),
                (&ElementKind::Dialogue, "Hi."),
                (&ElementKind::Action { centered: true }, "THE END"),
            ]
        );
        assert_eq!(sp.title_value("title"), Some("BRICK & STEEL"));
        assert_eq!(sp.title_value("author"), Some("Stu"));
        assert_eq!(sp.elements[0].span.start_line, 5);
    }

    #[test]
    fn broken_xml_is_an_error_with_a_position() {
        let err = parse("<FinalDraft><Content><Paragraph Type=\"Action\"><Text>x</Paragraph>")
            .unwrap_err();
        assert!(matches!(err, ReadError::Fdx { .. }), "{err}");
    }
}
