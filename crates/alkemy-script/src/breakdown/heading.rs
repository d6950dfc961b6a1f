//! Scene headings: interior/exterior, location levels and time of day.
//!
//! `INT.  WILL’S BEDROOM - NIGHT (1973)` → `Int`, `["WILL’S BEDROOM"]`,
//! `Night`. Levels are split on ` - `, `--`, en and em dashes; the last level
//! is the time of day when it names one (a trailing parenthesis such as a year
//! or `(FLASHBACK)` is ignored for that test).

use alkemy_core::{IntExt, TimeOfDay};

/// A heading taken apart.
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    /// Interior / exterior.
    pub int_ext: IntExt,
    /// Location levels, outermost first, normalised (upper case, single spaces).
    pub path: Vec<String>,
    /// Time of day.
    pub time: TimeOfDay,
}

/// Takes a heading apart.
pub fn parse(heading: &str) -> Heading {
    let (int_ext, rest) = prefix(heading.trim());
    let mut parts: Vec<&str> = split_levels(rest);
    let mut time = TimeOfDay::Unspecified;
    if let Some(last) = parts.last()
        && let Some(t) = time_of_day(last)
    {
        time = t;
        parts.pop();
    } else if parts.len() == 1
        && let Some((head, word)) = parts[0].rsplit_once(' ')
        && let Some(t) = time_of_day(word)
    {
        // `INT HOUSE DAY`: no separator before the time.
        time = t;
        parts[0] = head;
    }
    let path = parts
        .into_iter()
        .map(normalise)
        .filter(|p| !p.is_empty())
        .collect();
    Heading {
        int_ext,
        path,
        time,
    }
}

/// Strips the `INT.`-style prefix.
fn prefix(h: &str) -> (IntExt, &str) {
    const PREFIXES: [(&str, IntExt); 9] = [
        ("INT./EXT.", IntExt::IntExt),
        ("INT./EXT", IntExt::IntExt),
        ("INT/EXT.", IntExt::IntExt),
        ("INT/EXT", IntExt::IntExt),
        ("EXT./INT.", IntExt::IntExt),
        ("I./E.", IntExt::IntExt),
        ("I/E.", IntExt::IntExt),
        ("I/E", IntExt::IntExt),
        ("EST", IntExt::Ext),
    ];
    let b = h.as_bytes();
    for (p, ie) in PREFIXES {
        if b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p.as_bytes()) {
            return (ie, strip_sep(&h[p.len()..]));
        }
    }
    for (p, ie) in [("INT", IntExt::Int), ("EXT", IntExt::Ext)] {
        if b.len() > p.len()
            && b[..p.len()].eq_ignore_ascii_case(p.as_bytes())
            && matches!(b[p.len()], b'.' | b' ' | b'-')
        {
            return (ie, strip_sep(&h[p.len()..]));
        }
    }
    (IntExt::Unknown, h)
}

fn strip_sep(s: &str) -> &str {
    s.trim_start_matches(['.', ' ', '-', '\t'])
}

/// Splits on ` - `, `--`, `–`, `—` (and a bare `-` between spaces).
fn split_levels(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let (sep_len, is_sep) = if b[i..].starts_with(b"--") {
            (2, true)
        } else if b[i..].starts_with("\u{2013}".as_bytes())
            || b[i..].starts_with("\u{2014}".as_bytes())
        {
            (3, true)
        } else if b[i] == b'-'
            && i > 0
            && b[i - 1] == b' '
            && b.get(i + 1).is_none_or(|&c| c == b' ')
        {
            (1, true)
        } else {
            (1, false)
        };
        if is_sep {
            out.push(s[start..i].trim());
            i += sep_len;
            while i < b.len() && b[i] == b'-' {
                i += 1;
            }
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(s[start..].trim());
    out.retain(|p| !p.is_empty());
    out
}

/// Upper case, single spaces, no trailing dot.
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    super::cue::push_words(&mut out, s);
    while out.ends_with('.') || out.ends_with(',') {
        out.pop();
    }
    out
}

/// The time of day a heading's last level names, if it names one.
pub fn time_of_day(level: &str) -> Option<TimeOfDay> {
    // Ignore a trailing parenthesis: `NIGHT (1973)`, `DAY (FLASHBACK)`.
    let core = match level.find('(') {
        Some(p) if p > 0 => &level[..p],
        _ => level,
    };
    let key = normalise(core);
    let t = match key.as_str() {
        "DAWN" | "SUNRISE" | "FIRST LIGHT" | "DAYBREAK" | "EARLY MORNING" => TimeOfDay::Dawn,
        "MORNING" | "LATE MORNING" => TimeOfDay::Morning,
        "DAY" | "NOON" | "MIDDAY" | "DAYTIME" | "LATE DAY" => TimeOfDay::Day,
        "AFTERNOON" | "LATE AFTERNOON" | "EARLY AFTERNOON" => TimeOfDay::Afternoon,
        "DUSK" | "SUNSET" | "MAGIC HOUR" | "TWILIGHT" | "GOLDEN HOUR" | "SUNDOWN" => {
            TimeOfDay::Dusk
        }
        "EVENING" | "EARLY EVENING" | "LATE EVENING" => TimeOfDay::Evening,
        "NIGHT" | "MIDNIGHT" | "LATE NIGHT" | "NIGHTTIME" | "PRE-DAWN" => TimeOfDay::Night,
        "CONTINUOUS" | "CONT" | "CONT'D" | "SAME" | "SAME TIME" | "MOMENTS LATER" | "LATER"
        | "MOMENTS AFTER" | "SECONDS LATER" | "MINUTES LATER" | "A MOMENT LATER" | "CONTINUING" => {
            TimeOfDay::Continuous
        }
        _ => return None,
    };
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(h: &str, ie: IntExt, path: &[&str], time: TimeOfDay) {
        let got = parse(h);
        assert_eq!(got.int_ext, ie, "{h}");
        assert_eq!(got.path, path, "{h}");
        assert_eq!(got.time, time, "{h}");
    }

    #[test]
    fn headings_are_taken_apart() {
        check(
            "INT.  WILL’S BEDROOM - NIGHT (1973)",
            IntExt::Int,
            &["WILL’S BEDROOM"],
            TimeOfDay::Night,
        );
        check(
            "EXT. HOUSE - KITCHEN - DAY",
            IntExt::Ext,
            &["HOUSE", "KITCHEN"],
            TimeOfDay::Day,
        );
        check("EXT. PARK--DAY", IntExt::Ext, &["PARK"], TimeOfDay::Day);
        check(
            "INT./EXT. CAR — CONTINUOUS",
            IntExt::IntExt,
            &["CAR"],
            TimeOfDay::Continuous,
        );
        check(
            "I/E car - moments later",
            IntExt::IntExt,
            &["CAR"],
            TimeOfDay::Continuous,
        );
        check(
            "EST. CITY SKYLINE",
            IntExt::Ext,
            &["CITY SKYLINE"],
            TimeOfDay::Unspecified,
        );
        check(
            "KITCHEN",
            IntExt::Unknown,
            &["KITCHEN"],
            TimeOfDay::Unspecified,
        );
        check(
            "INT. LAB - X-RAY ROOM - DUSK",
            IntExt::Int,
            &["LAB", "X-RAY ROOM"],
            TimeOfDay::Dusk,
        );
        check("INT HOUSE DAY", IntExt::Int, &["HOUSE"], TimeOfDay::Day);
    }
}
