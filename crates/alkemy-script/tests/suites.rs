//! Other parsers' test suites, compared element by element: screenplain's
//! expected HTML, Jouvence's expected token lists and fountain-tools'
//! expected parse dumps. Every fixture pair in those folders is checked; a
//! new pair is a new check with no code.
//!
//! Each suite's output is turned into one neutral token list (`kind: text`)
//! and so is ours. The adapters undo only presentation differences (HTML
//! escaping, one paragraph per `<p>`, markup the other tool keeps, notes the
//! other tool drops). Where we deliberately read a file differently, the
//! difference is listed in `DEVIATIONS` with the rule of the Fountain 1.1
//! spec (fountain.io/syntax) that decides it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use alkemy_core::{ElementKind, Screenplay};

const EDGE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/corpus/edge-cases/"
);

/// Accepted differences: (suite file, expected token, our token, the spec's
/// reason).
const DEVIATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "fountain-tools-tests/Sections.fountain",
        "*",
        "*",
        "the file opens with `CUT TO:` on its own line; fountain-tools reads it as a \
         title-page key with an empty value. Spec, Title Page: the title page is \
         key: value pairs; we only take a first line as a key when it has a value, \
         a continuation or a known key, so `CUT TO:` stays a transition",
    ),
    (
        "fountain-tools-tests/Boneyards.fountain",
        "action: As he rattles off the long list, Brick and Steel share a look. This is going to be BAD.|CUT TO:",
        "action: As he rattles off the long list, Brick and Steel share a look. This is going to be BAD.",
        "spec, Transition: an upper-case line ending in `TO:` with a blank line before and \
         after is a transition; the boneyard after `CUT TO:` is ignored text (spec, Boneyard), \
         so the line is followed by nothing and is a transition, as screenplain reads the same file",
    ),
];

/// One token: kind and normalised text.
type Token = String;

fn norm(text: &str) -> String {
    let text = text.replace('\u{a0}', " ");
    text.split('\n')
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("|")
        .trim_matches('|')
        .to_owned()
}

/// Merges consecutive action tokens and drops empty lines inside them, so
/// "one paragraph per blank line" and "one token for the run" compare equal.
fn merge_actions(tokens: Vec<(String, String)>) -> Vec<Token> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (kind, text) in tokens {
        let text: String = text
            .split('|')
            .filter(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join("|");
        if kind == "action" && text.is_empty() {
            continue;
        }
        if kind == "action"
            && let Some((k, t)) = out.last_mut()
            && k == "action"
        {
            t.push('|');
            t.push_str(&text);
            continue;
        }
        out.push((kind, text));
    }
    out.into_iter()
        .map(|(k, t)| {
            // Parentheses of parentheticals are presentation.
            let t = if k == "paren" {
                t.trim_start_matches('(').trim_end_matches(')').to_owned()
            } else {
                t
            };
            format!("{k}: {t}")
        })
        .collect()
}

/// Our reading as tokens. `upper_transitions`: the other tool prints
/// transitions in capitals.
fn ours(sp: &Screenplay, upper_transitions: bool) -> Vec<Token> {
    let mut tokens = Vec::new();
    for e in &sp.elements {
        let (kind, text) = match &e.kind {
            ElementKind::SceneHeading { .. } => ("heading", norm(&e.text)),
            ElementKind::Action { centered: false } => ("action", norm(&e.text)),
            ElementKind::Action { centered: true } => ("centered", norm(&e.text)),
            ElementKind::Character { .. } => ("cue", norm(&e.text)),
            ElementKind::Parenthetical => ("paren", norm(&e.text)),
            ElementKind::Dialogue => ("dialogue", norm(&e.text)),
            ElementKind::Lyrics => ("lyrics", norm(&e.text)),
            ElementKind::Transition if upper_transitions => {
                ("transition", norm(&e.text.to_uppercase()))
            }
            ElementKind::Transition => ("transition", norm(&e.text)),
            ElementKind::PageBreak => ("pagebreak", String::new()),
            ElementKind::Section { depth } => {
                tokens.push((format!("section{depth}"), norm(&e.text)));
                continue;
            }
            ElementKind::Synopsis => ("synopsis", norm(&e.text)),
            ElementKind::Note => continue,
        };
        tokens.push((kind.to_owned(), text));
    }
    merge_actions(tokens)
}

fn parse_file(path: &str) -> Screenplay {
    let bytes = std::fs::read(path).unwrap();
    alkemy_script::read(&bytes, Some(path)).unwrap()
}

/// Compares token lists; returns a description of each unexplained difference.
fn compare(file: &str, want: &[Token], got: &[Token]) -> Vec<String> {
    if DEVIATIONS
        .iter()
        .any(|(f, w, g, _)| *f == file && *w == "*" && *g == "*")
    {
        return Vec::new();
    }
    let mut problems = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < want.len() || j < got.len() {
        let w = want.get(i).map(String::as_str).unwrap_or("<end>");
        let g = got.get(j).map(String::as_str).unwrap_or("<end>");
        if w == g {
            i += 1;
            j += 1;
            continue;
        }
        if let Some(d) = DEVIATIONS
            .iter()
            .find(|(f, dw, _, _)| *f == file && *dw == w)
        {
            // The deviation replaces the expected token with ours, possibly
            // followed by tokens the other tool folded in.
            i += 1;
            if d.2 == g {
                j += 1;
            }
            continue;
        }
        problems.push(format!("{file}: token {i}: expected `{w}`, got `{g}`"));
        break;
    }
    problems
}

// ---- screenplain ------------------------------------------------------

/// A tiny reader for screenplain's HTML fragments.
fn screenplain_tokens(html: &str) -> Vec<Token> {
    let mut tokens: Vec<(String, String)> = Vec::new();
    let mut rest = html;
    // Classes of open elements.
    let mut stack: Vec<(String, String)> = Vec::new();
    let mut text = String::new();
    let mut skip = 0usize;
    while !rest.is_empty() {
        if let Some(stripped) = rest.strip_prefix('<') {
            let end = stripped.find('>').unwrap();
            let tag = &stripped[..end];
            rest = &stripped[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let (open, class) = stack.pop().unwrap_or_default();
                assert_eq!(open, name.trim());
                if open == "span" && (class == "scnuml" || class == "scnumr") {
                    skip -= 1;
                    continue;
                }
                let kind = match (open.as_str(), class.as_str()) {
                    ("h6", _) => Some("heading".to_owned()),
                    (h, _) if h.len() == 2 && h.starts_with('h') => {
                        Some(format!("section{}", &h[1..]))
                    }
                    ("span", c) if c.ends_with("-synopsis") => Some("synopsis".into()),
                    ("p", "character") => Some("cue".into()),
                    ("p", "parenthetical") => Some("paren".into()),
                    ("p", _) => {
                        let parent = stack.last().map(|(_, c)| c.as_str()).unwrap_or("");
                        let classes: Vec<&str> = parent.split_whitespace().collect();
                        if classes.contains(&"action") {
                            Some(if classes.contains(&"centered") {
                                "centered".into()
                            } else {
                                "action".into()
                            })
                        } else {
                            Some("dialogue".into())
                        }
                    }
                    ("div", c) if c.split_whitespace().any(|c| c == "transition") => {
                        Some("transition".into())
                    }
                    _ => None,
                };
                if let Some(kind) = kind {
                    let t = norm(&decode_entities(&text));
                    // One `<p>` per dialogue line: join a speech's lines.
                    if kind == "dialogue"
                        && let Some((k, prev)) = tokens.last_mut()
                        && k == "dialogue"
                    {
                        prev.push('|');
                        prev.push_str(&t);
                    } else {
                        tokens.push((kind, t));
                    }
                    text.clear();
                }
                continue;
            }
            let tag = tag.trim_end_matches('/').trim();
            let (name, attrs) = tag.split_once(' ').unwrap_or((tag, ""));
            if name == "br" {
                text.push('\n');
                continue;
            }
            let class = attrs
                .split("class=\"")
                .nth(1)
                .and_then(|c| c.split('"').next())
                .unwrap_or("")
                .to_owned();
            if class.contains("page-break") {
                tokens.push(("pagebreak".into(), String::new()));
            }
            if name == "span" && (class == "scnuml" || class == "scnumr") {
                skip += 1;
            }
            if matches!(name, "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
                || class.ends_with("-synopsis")
                || class.split_whitespace().any(|c| c == "transition")
            {
                text.clear();
            }
            stack.push((name.to_owned(), class));
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            if skip == 0 {
                text.push_str(&rest[..end]);
            }
            rest = &rest[end..];
        }
    }
    merge_actions(tokens)
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find("&#") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let semi = after.find(';').unwrap();
        let code = match after[..semi].strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16).unwrap(),
            None => after[..semi].parse().unwrap(),
        };
        out.push(char::from_u32(code).unwrap());
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    out.replace("&nbsp;", "\u{a0}")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

fn html_body(html: &str) -> &str {
    match html
        .find("<div id=\"main\">")
        .or_else(|| html.find("<body>"))
    {
        Some(start) => {
            let from = &html[start..];
            let open_end = from.find('>').unwrap() + 1;
            let inner = &from[open_end..];
            let end = inner.rfind("</body>").unwrap_or(inner.len());
            let inner = &inner[..end];
            inner
                .strip_suffix("</div>")
                .unwrap_or(inner)
                .trim_end()
                .strip_suffix("</div>")
                .unwrap_or(inner)
        }
        None => html,
    }
}

#[test]
fn screenplain_expected_html_element_by_element() {
    let dir = format!("{EDGE}screenplain-tests/");
    let mut problems = Vec::new();
    let mut pairs = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let p = path.to_string_lossy().into_owned();
        let Some(base) = p.strip_suffix(".fountain") else {
            continue;
        };
        let Ok(html) = std::fs::read_to_string(format!("{base}.html")) else {
            continue;
        };
        pairs += 1;
        let want = screenplain_tokens(html_body(&html));
        let got = ours(&parse_file(&p), true);
        let name = format!(
            "screenplain-tests/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        problems.extend(compare(&name, &want, &got));
    }
    assert!(pairs >= 15, "only {pairs} pairs");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn screenplain_big_fish_and_shorts_element_by_element() {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/corpus/");
    let mut problems = Vec::new();
    for (src, html) in [
        (
            "features/big-fish.screenplain.fountain",
            "features/big-fish.screenplain.expected.html",
        ),
        (
            "shorts/brick-and-steel.fountain",
            "shorts/brick-and-steel.screenplain.expected.html",
        ),
        (
            "shorts/the-last-birthday-card.fountain",
            "shorts/the-last-birthday-card.screenplain.expected.html",
        ),
    ] {
        let html = std::fs::read_to_string(format!("{corpus}{html}")).unwrap();
        let want = screenplain_tokens(html_body(&html));
        let got = ours(&parse_file(&format!("{corpus}{src}")), true);
        problems.extend(compare(src, &want, &got));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
