//! The analysis as a readable report for the terminal: a summary, the
//! scene list a first assistant director would draw up, the cast and the
//! locations.

use std::fmt::Write as _;

use alkemy_core::{IntExt, TimeOfDay};

use super::AnalysisJson;

fn int_ext(ie: IntExt) -> &'static str {
    match ie {
        IntExt::Int => "INT",
        IntExt::Ext => "EXT",
        IntExt::IntExt => "I/E",
        IntExt::Unknown => "-",
    }
}

fn time(t: TimeOfDay) -> &'static str {
    match t {
        TimeOfDay::Dawn => "dawn",
        TimeOfDay::Morning => "morning",
        TimeOfDay::Day => "day",
        TimeOfDay::Afternoon => "afternoon",
        TimeOfDay::Dusk => "dusk",
        TimeOfDay::Evening => "evening",
        TimeOfDay::Night => "night",
        TimeOfDay::Continuous => "continuous",
        TimeOfDay::Unspecified => "-",
    }
}

/// `3 4/8` for 28 eighths.
pub fn pages_and_eighths(eighths: u32) -> String {
    match (eighths / 8, eighths % 8) {
        (0, e) => format!("{e}/8"),
        (p, 0) => format!("{p}"),
        (p, e) => format!("{p} {e}/8"),
    }
}

/// `1:05:03` or `4:07`.
pub fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Renders the report.
pub fn render(a: &AnalysisJson) -> String {
    let mut out = String::new();
    let s = &a.stats;
    let title = a.title.as_deref().unwrap_or("(untitled)");
    let _ = writeln!(out, "{title}");
    let _ = writeln!(out, "{}", "=".repeat(title.chars().count().max(8)));
    let _ = writeln!(
        out,
        "{} pages · {} scenes · {} speaking characters · {} words · est. {} (dialogue {}, action {})",
        s.pages,
        s.scenes,
        s.speaking_characters,
        s.words,
        clock(s.duration_s),
        clock(s.dialogue_duration_s),
        clock(s.action_duration_s)
    );
    let _ = writeln!(out, "\nSCENES");
    let _ = writeln!(
        out,
        "{:>5}  {:<4} {:<34} {:<10} {:>4} {:>6} {:>6}  characters",
        "#", "i/e", "location", "time", "page", "length", "time"
    );
    for sc in &a.scenes {
        let loc: String = sc.location.chars().take(34).collect();
        let _ = writeln!(
            out,
            "{:>5}  {:<4} {:<34} {:<10} {:>4} {:>6} {:>6}  {}",
            sc.number,
            int_ext(sc.int_ext),
            loc,
            time(sc.time_of_day),
            sc.page,
            pages_and_eighths(sc.eighths),
            clock(sc.duration_s),
            sc.characters.join(", ")
        );
    }
    let _ = writeln!(out, "\nCHARACTERS");
    let _ = writeln!(
        out,
        "{:<28} {:>7} {:>7} {:>7}  first",
        "name", "blocks", "words", "scenes"
    );
    for c in &a.characters {
        let _ = writeln!(
            out,
            "{:<28} {:>7} {:>7} {:>7}  {}",
            c.name,
            c.dialogue_blocks,
            c.words,
            c.scenes.len(),
            c.first_scene.as_deref().unwrap_or("-")
        );
    }
    let _ = writeln!(out, "\nLOCATIONS");
    for l in &a.locations {
        let _ = writeln!(
            out,
            "{:<4} {:<40} scenes {}",
            int_ext(l.int_ext),
            l.name,
            l.scenes.join(", ")
        );
    }
    if !a.elements.is_empty() {
        let _ = writeln!(out, "\nSUGGESTED ELEMENTS ({})", a.elements.len());
        for e in a.elements.iter().take(40) {
            let _ = writeln!(out, "  scene {:>5}  {:<8?} {}", e.scene, e.category, e.name);
        }
        if a.elements.len() > 40 {
            let _ = writeln!(
                out,
                "  … and {} more (see --format json)",
                a.elements.len() - 40
            );
        }
    }
    for d in &a.diagnostics {
        let _ = writeln!(out, "note: line {}: {}", d.line, d.message);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_read_like_a_breakdown_sheet() {
        assert_eq!(pages_and_eighths(3), "3/8");
        assert_eq!(pages_and_eighths(16), "2");
        assert_eq!(pages_and_eighths(28), "3 4/8");
        assert_eq!(clock(65.4), "1:05");
        assert_eq!(clock(7198.0), "1:59:58");
    }
}
