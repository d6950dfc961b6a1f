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

/// Accepted differences: (suite file, expected token, our tokens (one per
/// line), the spec's reason).
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
        "action: As he rattles off the long list, Brick and Steel share a look. This is going to be BAD.\ntransition: CUT TO:",
        "spec, Transition: an upper-case line ending in `TO:` with a blank line before and \
         after is a transition; the boneyard after `CUT TO:` is ignored text (spec, Boneyard), \
         so the line is followed by nothing and is a transition, as screenplain reads the same file",
    ),
    (
        "jouvence-tests/test_lyrics.yaml#1",
        "action: ~This is lyrics|But this is not",
        "lyrics: This is lyrics\naction: But this is not",
        "spec, Lyrics: a line starting with a tilde `~` is a lyric; Jouvence \
         only takes `~` lines when the whole paragraph is sung",
    ),
    (
        "jouvence-tests/test_transitions.yaml#2",
        "action: NOT A TRANSITION TO:|Because it has spaces after the colon.",
        "transition: NOT A TRANSITION TO:\naction: Because it has spaces after the colon.",
        "spec, Transition: upper case, blank lines around, ending in `TO:`; trailing \
         spaces are invisible and the spec gives them no meaning, so we trim them",
    ),
    (
        "fountain-tools-tests/Character.fountain",
        "action: 3CPO|Not work.",
        "cue: 3CPO\ndialogue: Not work.",
        "spec, Character: any line entirely in upper case with a blank line before and \
         none after; names must include at least one alphabetical character (`R2D2` \
         works), nothing forbids a leading digit",
    ),
];

/// Whole files read differently on purpose: (file, the spec's reason).
const FILE_DEVIATIONS: &[(&str, &str)] = &[
    (
        "fountain-tools-tests/Tags.fountain",
        "`#tag` after a heading is a fountain-tools extension, not Fountain 1.1: the \
         spec's only trailing `#…#` is a scene number, so the tags stay in the heading",
    ),
    (
        "fountain-tools-tests/Notes.fountain",
        "fountain-tools folds the paragraphs after a blank line into the dialogue above; \
         spec, Dialogue: dialogue runs to the next blank line, and a note may not \
         contain a blank line (spec, Notes: only a two-space line), so the note opened \
         after `Testing a note without spaces` is plain text",
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
            // fountain-tools drops a `(CONT'D)` extension from the cue.
            let t = if k == "cue" {
                t.replace(" (CONT'D)", "").replace(" (CONT’D)", "")
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
    if FILE_DEVIATIONS.iter().any(|(f, _)| *f == file)
        || DEVIATIONS
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
            for ours in d.2.split('\n') {
                if got.get(j).map(String::as_str) == Some(ours) {
                    j += 1;
                }
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

// ---- Jouvence ---------------------------------------------------------

/// Jouvence keeps emphasis markup in its tokens; the spec removes it.
fn unmark(text: &str) -> String {
    text.split('\n')
        .map(alkemy_script::fountain::inline::clean)
        .collect::<Vec<_>>()
        .join("\n")
}

fn jouvence_token(raw: &str) -> (String, String) {
    let (kind, rest) = if raw == "<pagebreak>" {
        ("pagebreak", "")
    } else if let Some(r) = raw.strip_prefix("!><") {
        ("centered", r)
    } else {
        let first = raw.chars().next().unwrap();
        let kind = match first {
            '.' => "heading",
            '!' => "action",
            '@' => "cue",
            '=' => "dialogue",
            '_' => "paren",
            '>' => "transition",
            '~' => "lyrics",
            '+' => "synopsis",
            '#' => "section",
            other => panic!("unknown Jouvence token {other}"),
        };
        (kind, &raw[first.len_utf8()..])
    };
    (kind.to_owned(), norm(&unmark(rest)))
}

#[test]
fn jouvence_expected_tokens_element_by_element() {
    use yaml_rust2::YamlLoader;
    let dir = format!("{EDGE}jouvence-tests/");
    let mut problems = Vec::new();
    let mut cases = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = format!(
            "jouvence-tests/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        let docs = YamlLoader::load_from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for (n, doc) in docs.iter().enumerate() {
            let Some(input) = doc["in"].as_str() else {
                continue;
            };
            cases += 1;
            let want: Vec<(String, String)> = doc["out"]
                .as_vec()
                .map(|v| {
                    v.iter()
                        .map(|t| jouvence_token(t.as_str().unwrap()))
                        .collect()
                })
                .unwrap_or_default();
            // Jouvence numbers section depth in the token (`##`); ours too.
            let want: Vec<(String, String)> = want
                .into_iter()
                .map(|(k, t)| {
                    if k == "section" {
                        let depth = t.chars().take_while(|&c| c == '#').count() + 1;
                        (
                            format!("section{depth}"),
                            t.trim_start_matches('#').trim().to_owned(),
                        )
                    } else {
                        (k, t)
                    }
                })
                .collect();
            let want = merge_actions(want);
            let sp = match alkemy_script::read(input.as_bytes(), None) {
                Ok(sp) => sp,
                Err(alkemy_script::ReadError::Empty) => {
                    // Jouvence returns no tokens (or one blank action) for
                    // blank input; we refuse it as empty.
                    assert!(want.is_empty(), "{name} #{n}");
                    continue;
                }
                Err(e) => panic!("{name} #{n}: {e}"),
            };
            let got = ours(&sp, false);
            problems.extend(compare(&format!("{name}#{n}"), &want, &got));
            if let Some(title) = doc["title"].as_hash() {
                for (k, v) in title {
                    let key = k.as_str().unwrap();
                    let want_v = norm(&unmark(v.as_str().unwrap_or("")));
                    let got_v = sp
                        .title_page
                        .iter()
                        .find(|e| e.key.eq_ignore_ascii_case(key))
                        .map(|e| norm(&e.values.join("\n")));
                    if got_v.as_deref() != Some(want_v.as_str()) {
                        problems.push(format!(
                            "{name}#{n}: title {key}: expected {want_v:?}, got {got_v:?}"
                        ));
                    }
                }
            }
        }
    }
    assert!(cases >= 40, "only {cases} cases");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---- fountain-tools ---------------------------------------------------

/// Reads fountain-tools' dump: `KIND:"text"` (text may span lines), then
/// optional `(flags)`, `"(extension)"`.
fn fountain_tools_tokens(dump: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = dump;
    while !rest.trim().is_empty() {
        rest = rest.trim_start_matches(['\n', '\r']);
        // Placeholders such as `[[0]]NOTE:` and `/*0*/BONEYARD:` prefix a line.
        let line_start = rest;
        let colon = line_start.find(":\"").unwrap();
        let head = &line_start[..colon];
        let kind_name = head
            .rsplit([']', '/'])
            .next()
            .unwrap()
            .trim_start_matches('*');
        let after = &line_start[colon + 2..];
        if kind_name == "TITLEENTRY" {
            // `TITLEENTRY:"Key":"value"`, the value possibly over lines.
            let value = &after[after.find("\":\"").unwrap() + 3..];
            let close = value
                .match_indices('"')
                .find(|(i, _)| matches!(value.as_bytes().get(i + 1), None | Some(b'\n' | b'\r')))
                .unwrap()
                .0;
            rest = &value[close + 1..];
            continue;
        }
        // The text ends at the quote that ends a line or precedes a flag.
        let mut end = 0;
        let bytes = after.as_bytes();
        loop {
            let q = after[end..].find('"').unwrap() + end;
            let next = bytes.get(q + 1).copied();
            if matches!(next, None | Some(b'\n') | Some(b' ') | Some(b'\r')) || (next == Some(b':'))
            {
                end = q;
                break;
            }
            end = q + 1;
        }
        let mut text = after[..end].to_owned();
        let line_end = after[end..].find('\n').map_or(after.len(), |i| end + i);
        let tail = &after[end + 1..line_end];
        rest = &after[line_end..];
        if kind_name == "TITLEENTRY" {
            continue;
        }
        let kind = match kind_name {
            "HEADING" => "heading",
            "ACTION" if tail.contains("(centered)") => "centered",
            "ACTION" => "action",
            "CHARACTER" => {
                if let Some(ext) = tail
                    .trim()
                    .strip_prefix('"')
                    .and_then(|t| t.split('"').next())
                {
                    text = format!("{text} {ext}");
                }
                "cue"
            }
            "DIALOGUE" => "dialogue",
            "PARENTHETICAL" => "paren",
            "TRANSITION" => "transition",
            "LYRIC" => "lyrics",
            "PAGEBREAK" => "pagebreak",
            "SYNOPSIS" => "synopsis",
            "SECTION" => {
                let depth = tail.trim().trim_start_matches('(').trim_end_matches(')');
                tokens.push((format!("section{depth}"), norm(&unmark(&text))));
                continue;
            }
            "NOTE" | "BONEYARD" => continue,
            other => panic!("unknown fountain-tools kind {other}"),
        };
        // Placeholders for notes and boneyard left in the text.
        let mut clean = String::new();
        let mut t = text.as_str();
        while let Some(open) = t.find(['[', '/']) {
            let (placeholder_end, is_placeholder) = if t[open..].starts_with("[[") {
                match t[open + 2..].find("]]") {
                    Some(e)
                        if t[open + 2..open + 2 + e]
                            .chars()
                            .all(|c| c.is_ascii_digit()) =>
                    {
                        (open + 2 + e + 2, true)
                    }
                    _ => (open + 1, false),
                }
            } else if t[open..].starts_with("/*") {
                match t[open + 2..].find("*/") {
                    Some(e)
                        if t[open + 2..open + 2 + e]
                            .chars()
                            .all(|c| c.is_ascii_digit()) =>
                    {
                        (open + 2 + e + 2, true)
                    }
                    _ => (open + 1, false),
                }
            } else {
                (open + 1, false)
            };
            if is_placeholder {
                clean.push_str(&t[..open]);
            } else {
                clean.push_str(&t[..placeholder_end]);
            }
            t = &t[placeholder_end..];
        }
        clean.push_str(t);
        let mut text = norm(&unmark(&clean));
        if kind == "dialogue"
            && let Some((k, prev)) = tokens.last_mut()
            && k == "dialogue"
        {
            // The unmerged dump gives one token per line.
            prev.push('|');
            prev.push_str(&text);
            continue;
        }
        if kind == "paren" {
            text = text
                .trim_start_matches('(')
                .trim_end_matches(')')
                .to_owned();
        }
        tokens.push((kind.to_owned(), text));
    }
    merge_actions(tokens)
}

#[test]
fn fountain_tools_expected_parse_element_by_element() {
    let dir = format!("{EDGE}fountain-tools-tests/");
    let mut problems = Vec::new();
    let mut pairs = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let p = path.to_string_lossy().into_owned();
        let Some(base) = p.strip_suffix(".fountain") else {
            continue;
        };
        let expected = std::fs::read_to_string(format!("{base}-Merged.txt"))
            .or_else(|_| std::fs::read_to_string(format!("{base}.txt")));
        let Ok(expected) = expected else { continue };
        // `Formatted.txt` is an HTML rendering of emphasis, not a parse
        // dump; emphasis is covered by the unit tests of `inline`, from the
        // spec's own examples.
        if !expected.lines().next().is_some_and(|l| l.contains(":\"")) {
            continue;
        }
        pairs += 1;
        let name = format!(
            "fountain-tools-tests/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        let want = fountain_tools_tokens(&expected);
        let got = ours(&parse_file(&p), false);
        problems.extend(compare(&name, &want, &got));
    }
    assert!(pairs >= 15, "only {pairs} pairs");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
