//! A parsed screenplay: the title page and the sequence of screenplay elements,
//! each with the lines of the source it came from.
//!
//! Every input format (Fountain, FDX, PDF, plain text) is read into this one
//! shape, so the breakdown and everything after it never know which format the
//! writer used. Parsing never fails on text: problems become [`Diagnostic`]s.

use serde::{Deserialize, Serialize};

/// The lines of the source an element came from: 1-based, inclusive.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Span {
    /// First line (1-based).
    pub start_line: u32,
    /// Last line (1-based, inclusive).
    pub end_line: u32,
}

impl Span {
    /// A span of one line.
    pub const fn line(line: u32) -> Self {
        Self {
            start_line: line,
            end_line: line,
        }
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start_line: self.start_line.min(other.start_line),
            end_line: self.end_line.max(other.end_line),
        }
    }
}

/// The format a screenplay was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// Fountain 1.1 markup.
    Fountain,
    /// Final Draft XML.
    Fdx,
    /// Text extracted from a PDF, classified by position.
    Pdf,
    /// Typewriter-layout plain text, classified by indentation.
    PlainText,
}

/// One key of the title page, e.g. `Title` with its (possibly several) lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TitleEntry {
    /// The key as written (`Title`, `Credit`, `Draft date`…).
    pub key: String,
    /// One entry per line of the value, markup removed.
    pub values: Vec<String>,
}

/// A screenplay element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Element {
    /// What kind of element this is.
    #[serde(flatten)]
    pub kind: ElementKind,
    /// The element's text with Fountain markup resolved (forcing characters,
    /// emphasis markers and escapes removed; line breaks kept as `\n`).
    pub text: String,
    /// Where it came from.
    pub span: Span,
}

/// The kinds of screenplay element (Fountain 1.1 vocabulary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ElementKind {
    /// A scene heading (slugline); `number` is the scene number written in the
    /// script (`#12A#` in Fountain, `Number` in FDX), if any.
    SceneHeading {
        /// The scene number as written.
        number: Option<String>,
    },
    /// Action (description). `centered` for `>text<`.
    Action {
        /// Centered text.
        centered: bool,
    },
    /// A character cue; the text is the cue without the dual marker.
    Character {
        /// The cue is the right-hand side of dual dialogue (`^`).
        dual: bool,
    },
    /// A parenthetical, including its parentheses.
    Parenthetical,
    /// A dialogue line or paragraph.
    Dialogue,
    /// A lyric line (`~`).
    Lyrics,
    /// A transition (`CUT TO:`).
    Transition,
    /// A forced page break (`===`).
    PageBreak,
    /// An outline section (`#`, `##`…): `depth` is the number of `#`.
    Section {
        /// Nesting depth, starting at 1.
        depth: u8,
    },
    /// A synopsis (`=`).
    Synopsis,
    /// A note (`[[…]]`) that stands on its own.
    Note,
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; the parse is fine.
    Info,
    /// Probably not what the writer meant.
    Warning,
}

/// Something the parser noticed: it never stops parsing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// The source line (1-based).
    pub line: u32,
    /// What was noticed, in words.
    pub message: String,
}

/// A parsed screenplay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screenplay {
    /// The format it was read from.
    pub format: SourceFormat,
    /// The title page, in source order.
    pub title_page: Vec<TitleEntry>,
    /// The body, in source order.
    pub elements: Vec<Element>,
    /// What the parser noticed.
    pub diagnostics: Vec<Diagnostic>,
}

impl Screenplay {
    /// The first value of a title-page key, compared case-insensitively.
    pub fn title_value(&self, key: &str) -> Option<&str> {
        self.title_page
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
            .and_then(|e| e.values.first())
            .map(String::as_str)
    }
}
