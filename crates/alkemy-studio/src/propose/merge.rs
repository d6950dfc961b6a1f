//! Merging accepted proposals with the rules' coverage of a scene: model
//! shots replace rule shots for the beats they cover; beats the model left
//! uncovered keep their rule shots, so every line stays covered.

use alkemy_core::{Beat, Scene, ShotSize, Span};

use crate::plan::grammar::is_off_screen;
use crate::plan::{Draft, DraftRole};

fn contains(outer: Span, inner: Span) -> bool {
    outer.start_line <= inner.start_line && inner.end_line <= outer.end_line
}

/// Whether some proposed shot covers a beat: holds its lines, and for
/// on-screen dialogue frames its speaker.
fn covered(beat: &Beat, proposed: &[Draft]) -> bool {
    let span = beat.span();
    proposed.iter().any(|d| {
        contains(d.span, span)
            && match beat {
                Beat::Dialogue {
                    speaker,
                    extensions,
                    ..
                } if !is_off_screen(extensions) => d.cast.iter().any(|f| f.name == speaker),
                _ => true,
            }
    })
}

/// The scene's shots: proposals plus the rule shots still needed, in
/// script order.
pub fn merge(scene: &Scene, rules: Vec<Draft>, proposed: Vec<Draft>) -> Vec<Draft> {
    let uncovered: Vec<Span> = scene
        .beats
        .iter()
        .filter(|b| !matches!(b, Beat::Transition { .. }) && !covered(b, &proposed))
        .map(Beat::span)
        .collect();
    let first_beat = scene
        .beats
        .first()
        .map_or(scene.span.end_line, |b| b.span().start_line);
    let proposed_opening = proposed
        .iter()
        .any(|d| d.span.start_line <= first_beat && d.size <= ShotSize::Wide);
    let mut out: Vec<(u32, u8, usize, Draft)> = Vec::with_capacity(rules.len() + proposed.len());
    for (i, d) in proposed.into_iter().enumerate() {
        out.push((d.span.start_line, 1, i, d));
    }
    for (i, d) in rules.into_iter().enumerate() {
        let keep = match d.role {
            DraftRole::Establishing => !proposed_opening,
            _ => uncovered.iter().any(|s| contains(d.span, *s)),
        };
        if keep {
            let class = if d.role == DraftRole::Establishing {
                0
            } else {
                2
            };
            out.push((d.span.start_line, class, i, d));
        }
    }
    out.sort_by_key(|(line, class, i, _)| (*line, *class, *i));
    out.into_iter().map(|(_, _, _, d)| d).collect()
}
