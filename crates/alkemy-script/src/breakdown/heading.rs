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
    // Every separator starts with `-` or with 0xE2, the lead byte of the
    // en and em dashes: jump from one such byte to the next.
    while let Some(off) = memchr::memchr2(b'-', 0xE2, &b[i..]) {
        i += off;
        let sep_len = if b[i..].starts_with(b"--") {
            2
        } else if b[i..].starts_with("\u{2013}".as_bytes())
            || b[i..].starts_with("\u{2014}".as_bytes())
        {
            3
        } else if b[i] == b'-'
            && i > 0
            && b[i - 1] == b' '
            && b.get(i + 1).is_none_or(|&c| c == b' ')
        {
            1
        } else {
            i += 1;
            continue;
        };
        out.push(s[start..i].trim());
        i += sep_len;
        while i < b.len() && b[i] == b'-' {
            i += 1;
        }
        start = i;
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

/// [`normalise`] of a short ASCII `s` into `buf`, if it fits.
fn ascii_key<'b>(s: &str, buf: &'b mut [u8; 32]) -> Option<&'b str> {
    // ASCII without vertical tabs splits on ASCII whitespace as
    // `split_whitespace` does (see `cue::push_words`).
    if !s.is_ascii() || s.contains('\u{b}') {
        return None;
    }
    let mut len = 0;
    for word in s.split_ascii_whitespace() {
        let space = usize::from(len > 0);
        let to = buf.get_mut(len..len + space + word.len())?;
        if space == 1 {
            to[0] = b' ';
        }
        to[space..].copy_from_slice(word.as_bytes());
        len += space + word.len();
    }
    let mut key = buf.get_mut(..len)?;
    key.make_ascii_uppercase();
    while let [rest @ .., b'.' | b','] = key {
        key = rest;
    }
    std::str::from_utf8(key).ok()
}

/// The time of day a heading's last level names, if it names one.
pub fn time_of_day(level: &str) -> Option<TimeOfDay> {
    // Ignore a trailing parenthesis: `NIGHT (1973)`, `DAY (FLASHBACK)`.
    let core = match level.find('(') {
        Some(p) if p > 0 => &level[..p],
        _ => level,
    };
    // The longest time of day is 15 bytes: a short ASCII level is
    // normalised on the stack, anything else as a string.
    let mut buf = [0u8; 32];
    let key = match ascii_key(core, &mut buf) {
        Some(key) => key,
        None => &normalise(core),
    };
    let t = match key {
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

    /// Splitting byte by byte, as before the jump between candidates.
    fn split_levels_bytewise(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut start = 0;
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let sep_len = if b[i..].starts_with(b"--") {
                2
            } else if b[i..].starts_with("\u{2013}".as_bytes())
                || b[i..].starts_with("\u{2014}".as_bytes())
            {
                3
            } else if b[i] == b'-'
                && i > 0
                && b[i - 1] == b' '
                && b.get(i + 1).is_none_or(|&c| c == b' ')
            {
                1
            } else {
                0
            };
            if sep_len == 0 {
                i += 1;
                continue;
            }
            out.push(s[start..i].trim());
            i += sep_len;
            while i < b.len() && b[i] == b'-' {
                i += 1;
            }
            start = i;
        }
        out.push(s[start..].trim());
        out.retain(|p| !p.is_empty());
        out
    }

    proptest::proptest! {
        #[test]
        fn levels_split_as_byte_by_byte(s in "([A-Z]{1,5}| |-|--|–|—|’|é|\\.){0,30}") {
            proptest::prop_assert_eq!(split_levels(&s), split_levels_bytewise(&s));
        }

        #[test]
        fn stack_keys_normalise_as_strings(s in "([A-Za-z]{1,9}| |  |\t|\u{b}|\\.|,|é){0,12}") {
            let mut buf = [0u8; 32];
            match ascii_key(&s, &mut buf) {
                Some(key) => proptest::prop_assert_eq!(key, normalise(&s)),
                None => {
                    let vt = s.contains('\u{b}');
                    let long = s.split_ascii_whitespace().map(|w| w.len() + 1).sum::<usize>() > 33;
                    proptest::prop_assert!(!s.is_ascii() || vt || long);
                }
            }
        }
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
