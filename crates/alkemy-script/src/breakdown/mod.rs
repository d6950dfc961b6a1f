//! [`Screenplay`] to [`Breakdown`]: scenes with their beats, characters,
//! locations, element suggestions, pages, eighths and screen time.
//!
//! Two passes over the elements. The first reads every cue so that the
//! character table is complete before any action is read (a character named
//! in action before they speak is still recognised, and `EDWARD'S VOICE`
//! merges into `EDWARD` only when Edward speaks somewhere). The second builds
//! the scenes. Pagination ([`pages`]) runs over the same elements and gives
//! start pages and eighths.

mod bytes;
pub mod cue;
pub mod heading;
pub mod mentions;
pub mod pages;
pub mod suggest;
pub mod timing;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use alkemy_core::breakdown::SuggestionSource;
use alkemy_core::{
    Beat, Breakdown, Character, Element, ElementKind, ElementSuggestion, Light, Location, Scene,
    Screenplay, Span, Stats, TimeOfDay,
};

pub use pages::PageModel;

/// Breaks a screenplay down with the standard page model.
pub fn breakdown(screenplay: &Screenplay) -> Breakdown {
    breakdown_with(screenplay, PageModel::default())
}

/// Breaks a screenplay down with a given page model.
pub fn breakdown_with(screenplay: &Screenplay, model: PageModel) -> Breakdown {
    let measures = pages::measure_all(&screenplay.elements, model);
    let mut b = Builder::new(&screenplay.elements, &measures);
    b.read_cues();
    b.build_scenes();
    let layout = pages::layout(&screenplay.elements, &measures, model);
    b.finish(screenplay, &layout, model)
}

/// A character while the breakdown is built.
struct CharAcc {
    name: String,
    aliases: Vec<String>,
    blocks: u32,
    words: u32,
    scenes: Vec<usize>,
    introduction: Option<String>,
    /// Order of first appearance (scene index; prologue = 0 with offset).
    first_seen: usize,
}

/// A scene while the breakdown is built.
struct SceneAcc {
    number: String,
    heading: String,
    parsed: heading::Heading,
    element: usize,
    section: Option<String>,
    synopsis: Option<String>,
    /// Where this scene's beats, characters present and speakers begin in
    /// the builder's lists (each scene's are the tail while it is built).
    beats_from: usize,
    present_from: usize,
    speaking_from: usize,
    span: Span,
    dialogue_s: f64,
    action_s: f64,
}

struct Builder<'e> {
    elements: &'e [Element],
    /// Lines and words of each element.
    measures: &'e [pages::Measure],
    chars: Vec<CharAcc>,
    /// Upper-case names and aliases to character index.
    names: HashMap<String, usize>,
    /// Per element index: the cue's character and extensions, for cues.
    cues: Vec<Option<(usize, Vec<String>)>>,
    scenes: Vec<SceneAcc>,
    /// The beats of every scene in order; one list grows where a list per
    /// scene would be reallocated as each scene grows.
    beats: Vec<Beat>,
    /// Characters present and speaking, scene after scene.
    present: Vec<usize>,
    speaking: Vec<usize>,
    prologue: Vec<Beat>,
    prologue_dialogue_s: f64,
    prologue_action_s: f64,
    suggestions: Vec<ElementSuggestion>,
    /// Suggestions already made in the current scene.
    seen_suggestions: HashSet<String>,
    dialogue_words: u32,
    action_words: u32,
    blocks: u32,
    /// Buffers and results of the mention scan, reused paragraph to
    /// paragraph.
    scratch: mentions::Scratch<'e>,
    found: mentions::Mentions,
}

/// Pushes `x` onto `v` unless it is already among `v[from..]`.
fn push_unique(v: &mut Vec<usize>, from: usize, x: usize) {
    if !v[from..].contains(&x) {
        v.push(x);
    }
}

impl<'e> Builder<'e> {
    fn new(elements: &'e [Element], measures: &'e [pages::Measure]) -> Self {
        Self {
            elements,
            measures,
            chars: Vec::new(),
            names: HashMap::default(),
            cues: vec![None; elements.len()],
            scenes: Vec::new(),
            beats: Vec::with_capacity(elements.len()),
            present: Vec::new(),
            speaking: Vec::new(),
            prologue: Vec::new(),
            prologue_dialogue_s: 0.0,
            prologue_action_s: 0.0,
            suggestions: Vec::new(),
            seen_suggestions: HashSet::default(),
            dialogue_words: 0,
            action_words: 0,
            blocks: 0,
            scratch: mentions::Scratch::default(),
            found: mentions::Mentions::default(),
        }
    }

    fn add_char(&mut self, name: &str) -> usize {
        if let Some(&i) = self.names.get(name) {
            return i;
        }
        let idx = self.chars.len();
        self.chars.push(CharAcc {
            name: name.to_owned(),
            aliases: Vec::new(),
            blocks: 0,
            words: 0,
            scenes: Vec::new(),
            introduction: None,
            first_seen: usize::MAX,
        });
        self.names.insert(name.to_owned(), idx);
        idx
    }

    fn add_alias(&mut self, idx: usize, alias: &str) {
        let c = &mut self.chars[idx];
        if alias != c.name && !c.aliases.iter().any(|a| a == alias) {
            c.aliases.push(alias.to_owned());
        }
        self.names.entry(alias.to_uppercase()).or_insert(idx);
    }

    /// First pass: every cue, canonical names, `'S VOICE` merged.
    fn read_cues(&mut self) {
        /// A cue's name: its character once known, or a voice whose owner
        /// is looked up when every plain name is known.
        enum Named {
            Plain(usize),
            Voice(String),
        }
        let elements = self.elements;
        let cue_count = elements
            .iter()
            .filter(|e| matches!(e.kind, ElementKind::Character { .. }))
            .count();
        let mut parsed: Vec<(usize, Named, Vec<String>, Option<String>)> =
            Vec::with_capacity(cue_count);
        // A feature repeats the same few cues hundreds of times: each
        // distinct cue is taken apart once.
        let mut cues: HashMap<&str, (String, Vec<String>)> = HashMap::default();
        // Plain names are added in cue order, so voices can find their
        // owners afterwards.
        for (i, e) in elements.iter().enumerate() {
            if !matches!(e.kind, ElementKind::Character { .. }) {
                continue;
            }
            let (name, extensions) = cues.entry(e.text.as_str()).or_insert_with(|| {
                let mut name = String::new();
                let extensions = cue::parse_into(&e.text, &mut name);
                (name, extensions)
            });
            if name.is_empty() {
                continue;
            }
            let extensions = extensions.clone();
            // Only a cue written in mixed case, forced or voiced can be
            // an alias; the common all-capitals cue is its own name.
            let written = (e.text.starts_with('@')
                || e.text.bytes().any(|b| b.is_ascii_lowercase())
                || !e.text.is_ascii())
            .then(|| written_name(&e.text));
            let named = if cue::voice_owner(name).is_some() {
                Named::Voice(name.clone())
            } else {
                Named::Plain(self.add_char(name))
            };
            parsed.push((i, named, extensions, written));
        }
        for (i, named, extensions, written) in parsed {
            let idx = match named {
                Named::Plain(idx) => idx,
                Named::Voice(voice) => {
                    match cue::voice_owner(&voice).and_then(|o| self.names.get(o).copied()) {
                        Some(idx) => {
                            self.add_alias(idx, &voice);
                            idx
                        }
                        None => self.add_char(&voice),
                    }
                }
            };
            if let Some(written) = written
                && written != self.chars[idx].name
            {
                self.add_alias(idx, &written);
            }
            self.cues[i] = Some((idx, extensions));
        }
    }

    /// Words of element `i`.
    fn words(&self, i: usize) -> u32 {
        self.measures.get(i).map_or(0, |m| m.words)
    }

    fn current_scene(&self) -> Option<usize> {
        self.scenes.len().checked_sub(1)
    }

    fn push_beat(&mut self, beat: Beat, dialogue_s: f64, action_s: f64) {
        match self.scenes.last_mut() {
            Some(s) => {
                s.span = s.span.cover(beat.span());
                s.dialogue_s += dialogue_s;
                s.action_s += action_s;
                self.beats.push(beat);
            }
            None => {
                self.prologue_dialogue_s += dialogue_s;
                self.prologue_action_s += action_s;
                self.prologue.push(beat);
            }
        }
    }

    fn mark_present(&mut self, idx: usize, speaking: bool) {
        let order = self.current_scene().map_or(0, |s| s + 1);
        let c = &mut self.chars[idx];
        c.first_seen = c.first_seen.min(order);
        if let Some(s) = self.scenes.last() {
            push_unique(&mut self.present, s.present_from, idx);
            if speaking {
                push_unique(&mut self.speaking, s.speaking_from, idx);
            }
            // Scenes are built in order, so the character's list is
            // sorted: only its last entry can be this scene.
            let scene = self.scenes.len() - 1;
            let scenes = &mut self.chars[idx].scenes;
            if scenes.last() != Some(&scene) {
                scenes.push(scene);
            }
        }
    }

    /// Second pass: scenes and beats.
    fn build_scenes(&mut self) {
        self.scenes.reserve(
            self.elements
                .iter()
                .filter(|e| matches!(e.kind, ElementKind::SceneHeading { .. }))
                .count(),
        );
        let mut sections: Vec<(u8, String)> = Vec::new();
        let mut used_numbers: HashSet<String> = HashSet::default();
        let elements = self.elements;
        let mut i = 0;
        while i < elements.len() {
            let e = &elements[i];
            match &e.kind {
                ElementKind::SceneHeading { number } => {
                    self.seen_suggestions.clear();
                    let number =
                        unique_number(number.as_deref(), self.scenes.len() + 1, &mut used_numbers);
                    self.scenes.push(SceneAcc {
                        number,
                        heading: e.text.clone(),
                        parsed: heading::parse(&e.text),
                        element: i,
                        section: sections.last().map(|(_, t)| t.clone()),
                        synopsis: None,
                        beats_from: self.beats.len(),
                        present_from: self.present.len(),
                        speaking_from: self.speaking.len(),
                        span: e.span,
                        dialogue_s: 0.0,
                        action_s: 0.0,
                    });
                }
                ElementKind::Section { depth } => {
                    while sections.last().is_some_and(|(d, _)| d >= depth) {
                        sections.pop();
                    }
                    sections.push((*depth, e.text.clone()));
                }
                ElementKind::Synopsis => {
                    if let Some(s) = self.scenes.last_mut()
                        && s.beats_from == self.beats.len()
                    {
                        match &mut s.synopsis {
                            Some(text) => {
                                text.push(' ');
                                text.push_str(&e.text);
                            }
                            None => s.synopsis = Some(e.text.clone()),
                        }
                        s.span = s.span.cover(e.span);
                    }
                }
                ElementKind::Action { centered } => self.action(i, *centered),
                ElementKind::Lyrics | ElementKind::Dialogue | ElementKind::Parenthetical => {
                    // Outside a speech: sung or said by no one in particular.
                    self.action(i, false);
                }
                ElementKind::Character { dual } => {
                    i = self.speech(i, *dual);
                    continue;
                }
                ElementKind::Transition => {
                    self.push_beat(
                        Beat::Transition {
                            text: e.text.clone(),
                            span: e.span,
                        },
                        0.0,
                        0.0,
                    );
                }
                ElementKind::Note => self.note(e),
                ElementKind::PageBreak => {}
            }
            i += 1;
        }
    }

    fn action(&mut self, i: usize, centered: bool) {
        let e: &'e Element = &self.elements[i];
        let mut found = std::mem::take(&mut self.found);
        mentions::scan(&e.text, &self.names, &mut self.scratch, &mut found);
        for (phrase, owner) in &found.introductions {
            let idx = match owner {
                Some(idx) => {
                    self.add_alias(*idx, phrase);
                    *idx
                }
                None => self.add_char(phrase),
            };
            self.introduce(idx, &e.text, phrase);
            self.mark_present(idx, false);
        }
        let mut characters: Vec<String> = Vec::with_capacity(found.known.len());
        for &idx in &found.known {
            let name = self.chars[idx].name.clone();
            self.introduce(idx, &e.text, &name);
            self.mark_present(idx, false);
            characters.push(name);
        }
        for (phrase, owner) in &found.introductions {
            let name = match owner {
                Some(idx) => self.chars[*idx].name.clone(),
                None => phrase.clone(),
            };
            if !characters.contains(&name) {
                characters.push(name);
            }
        }
        if let Some(scene) = self.current_scene() {
            for phrase in found.other.drain(..) {
                if suggest::worth_suggesting(&phrase) && !self.seen_suggestions.contains(&phrase) {
                    self.seen_suggestions.insert(phrase.clone());
                    self.suggestions.push(ElementSuggestion {
                        category: suggest::categorise(&phrase),
                        name: phrase,
                        scene: self.scenes[scene].number.clone(),
                        source: SuggestionSource::Capitals,
                        span: e.span,
                    });
                }
            }
        }
        self.found = found;
        self.action_words += self.words(i);
        let secs = timing::action_seconds(&e.text);
        self.push_beat(
            Beat::Action {
                text: e.text.clone(),
                centered,
                characters,
                span: e.span,
            },
            0.0,
            secs,
        );
    }

    /// Records the line that introduces a character, the first time.
    fn introduce(&mut self, idx: usize, text: &str, name: &str) {
        if self.chars[idx].introduction.is_some() {
            return;
        }
        let line = text
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or(text)
            .trim();
        self.chars[idx].introduction = Some(line.to_owned());
    }

    /// A speech starting at the cue `i`; returns the index after it.
    fn speech(&mut self, i: usize, dual: bool) -> usize {
        let elements = self.elements;
        let mut j = i + 1;
        let mut parentheticals = Vec::new();
        let mut text = String::new();
        let mut words = 0u32;
        let mut span = elements[i].span;
        while j < elements.len() {
            let e = &elements[j];
            match e.kind {
                ElementKind::Parenthetical => parentheticals.push(e.text.clone()),
                ElementKind::Dialogue | ElementKind::Lyrics => {
                    if !text.is_empty() {
                        text.push('\n');
                    }
                    text.push_str(&e.text);
                    words += self.words(j);
                }
                _ => break,
            }
            span = span.cover(e.span);
            j += 1;
        }
        let Some((idx, extensions)) = self.cues.get_mut(i).and_then(Option::take) else {
            // A cue with no name (`@` alone): keep the words as action.
            return j;
        };
        self.chars[idx].blocks += 1;
        self.chars[idx].words += words;
        self.dialogue_words += words;
        self.blocks += 1;
        self.mark_present(idx, true);
        let secs = timing::dialogue_seconds(&text);
        let speaker = self.chars[idx].name.clone();
        self.push_beat(
            Beat::Dialogue {
                speaker,
                extensions,
                parentheticals,
                text,
                dual,
                span,
            },
            secs,
            0.0,
        );
        j
    }

    fn note(&mut self, e: &Element) {
        let Some(scene) = self.current_scene() else {
            return;
        };
        let name: String = e.text.chars().take(120).collect();
        if name.trim().is_empty() || !self.seen_suggestions.insert(name.clone()) {
            return;
        }
        self.suggestions.push(ElementSuggestion {
            category: suggest::categorise(&name),
            name,
            scene: self.scenes[scene].number.clone(),
            source: SuggestionSource::Note,
            span: e.span,
        });
    }

    fn finish(mut self, sp: &Screenplay, layout: &pages::Layout, model: PageModel) -> Breakdown {
        let accs = std::mem::take(&mut self.scenes);
        let numbers: Vec<String> = accs.iter().map(|s| s.number.clone()).collect();
        let starts: Vec<pages::Pos> = accs.iter().map(|s| layout.starts[s.element]).collect();
        // Where each scene's part of the flat lists ends.
        let ends: Vec<(usize, usize, usize)> = accs
            .iter()
            .skip(1)
            .map(|s| (s.beats_from, s.present_from, s.speaking_from))
            .chain([(self.beats.len(), self.present.len(), self.speaking.len())])
            .collect();
        let names_of = |ids: &[usize]| -> Vec<String> {
            ids.iter().map(|&i| self.chars[i].name.clone()).collect()
        };
        let mut beats = std::mem::take(&mut self.beats).into_iter();
        let mut scenes = Vec::with_capacity(accs.len());
        let mut light = None;
        let mut stats = Stats::default();
        for (k, s) in accs.into_iter().enumerate() {
            let (beats_to, present_to, speaking_to) = ends[k];
            let start = starts[k];
            let end = starts.get(k + 1).copied().unwrap_or(layout.end);
            let l = light_of(s.parsed.time, light);
            light = Some(l);
            let location = if s.parsed.path.is_empty() {
                s.heading.to_uppercase()
            } else {
                s.parsed.path.join(" - ")
            };
            let duration_s = s.dialogue_s + s.action_s;
            stats.dialogue_duration_s += s.dialogue_s;
            stats.action_duration_s += s.action_s;
            scenes.push(Scene {
                number: s.number,
                heading: s.heading,
                int_ext: s.parsed.int_ext,
                location,
                location_path: s.parsed.path,
                time_of_day: s.parsed.time,
                light: l,
                page: start.page,
                eighths: pages::eighths(start, end, model.lines_per_page),
                duration_s,
                characters: names_of(&self.present[s.present_from..present_to]),
                speaking: names_of(&self.speaking[s.speaking_from..speaking_to]),
                synopsis: s.synopsis,
                section: s.section,
                span: s.span,
                beats: beats.by_ref().take(beats_to - s.beats_from).collect(),
            });
        }
        stats.dialogue_duration_s += self.prologue_dialogue_s;
        stats.action_duration_s += self.prologue_action_s;
        stats.duration_s = stats.dialogue_duration_s + stats.action_duration_s;

        let mut locations: Vec<Location> = Vec::new();
        let mut loc_index: HashMap<String, usize> = HashMap::default();
        for s in &scenes {
            let li = *loc_index.entry(s.location.clone()).or_insert_with(|| {
                locations.push(Location {
                    name: s.location.clone(),
                    int_ext: s.int_ext,
                    scenes: Vec::new(),
                    times_of_day: Vec::new(),
                });
                locations.len() - 1
            });
            let loc = &mut locations[li];
            loc.scenes.push(s.number.clone());
            if s.time_of_day != TimeOfDay::Unspecified && !loc.times_of_day.contains(&s.time_of_day)
            {
                loc.times_of_day.push(s.time_of_day);
            }
        }

        let mut order: Vec<usize> = (0..self.chars.len())
            .filter(|&i| self.chars[i].blocks > 0 || !self.chars[i].scenes.is_empty())
            .collect();
        order.sort_by(|&a, &b| {
            let (ca, cb) = (&self.chars[a], &self.chars[b]);
            cb.blocks
                .cmp(&ca.blocks)
                .then(cb.words.cmp(&ca.words))
                .then(ca.first_seen.cmp(&cb.first_seen))
                .then(a.cmp(&b))
        });
        let characters: Vec<Character> = order
            .iter()
            .map(|&i| {
                let c = &self.chars[i];
                let scene_numbers: Vec<String> =
                    c.scenes.iter().map(|&s| numbers[s].clone()).collect();
                Character {
                    name: c.name.clone(),
                    aliases: c.aliases.clone(),
                    dialogue_blocks: c.blocks,
                    words: c.words,
                    first_scene: scene_numbers.first().cloned(),
                    scenes: scene_numbers,
                    introduction: c.introduction.clone(),
                }
            })
            .collect();

        stats.pages = layout.pages();
        stats.scenes = u32::try_from(scenes.len()).unwrap_or(u32::MAX);
        stats.words = sp
            .elements
            .iter()
            .zip(self.measures)
            .filter(|(e, _)| {
                !matches!(
                    e.kind,
                    ElementKind::Section { .. } | ElementKind::Synopsis | ElementKind::Note
                )
            })
            .map(|(_, m)| m.words)
            .sum();
        stats.dialogue_words = self.dialogue_words;
        stats.action_words = self.action_words;
        stats.dialogue_blocks = self.blocks;
        stats.speaking_characters =
            u32::try_from(characters.iter().filter(|c| c.dialogue_blocks > 0).count())
                .unwrap_or(u32::MAX);

        Breakdown {
            title: sp.title_value("title").map(str::to_owned),
            scenes,
            prologue: self.prologue,
            characters,
            locations,
            elements: self.suggestions,
            stats,
        }
    }
}

/// The name as written in the cue, extensions and markers removed, case kept.
fn written_name(text: &str) -> String {
    let t = text.trim();
    let t = t.strip_prefix('@').unwrap_or(t);
    let t = t.strip_suffix('^').unwrap_or(t);
    let t = match t.find('(') {
        Some(p) => &t[..p],
        None => t,
    };
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The scene number as written, or the next in sequence, never repeated.
fn unique_number(written: Option<&str>, sequential: usize, used: &mut HashSet<String>) -> String {
    let base = written.map_or_else(|| sequential.to_string(), str::to_owned);
    if used.insert(base.clone()) {
        return base;
    }
    let mut n = 2;
    loop {
        let candidate = format!("{base}-{n}");
        if used.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

/// The light a scene is shot in; `CONTINUOUS` and unstated times follow the
/// scene before.
fn light_of(time: TimeOfDay, previous: Option<Light>) -> Light {
    match time {
        TimeOfDay::Dawn => Light::Dawn,
        TimeOfDay::Morning | TimeOfDay::Day | TimeOfDay::Afternoon => Light::Day,
        TimeOfDay::Dusk | TimeOfDay::Evening => Light::Dusk,
        TimeOfDay::Night => Light::Night,
        TimeOfDay::Continuous | TimeOfDay::Unspecified => previous.unwrap_or(Light::Day),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn breakdown_of(text: &str) -> Breakdown {
        let sp = crate::read(text.as_bytes(), Some("test.fountain")).unwrap();
        breakdown(&sp)
    }

    #[test]
    fn a_characters_scenes_are_listed_once_each_in_order() {
        let b = breakdown_of(
            "INT. KITCHEN - DAY\n\n\
             MARY\nHello.\n\n\
             MARY\nHello again.\n\n\
             MARY waves.\n\n\
             INT. HALL - DAY\n\n\
             Nobody here.\n\n\
             EXT. YARD - DAY\n\n\
             MARY runs. MARY stops.\n\n\
             MARY\nDone.\n",
        );
        let mary = b.character("MARY").unwrap();
        assert_eq!(mary.scenes, ["1", "3"]);
        assert_eq!(mary.first_scene.as_deref(), Some("1"));
        assert_eq!(mary.dialogue_blocks, 3);
    }

    #[test]
    fn element_suggestions_are_made_once_per_scene() {
        let b = breakdown_of(
            "INT. GARAGE - DAY\n\n\
             The SHOTGUN hangs on the wall. Mary takes the SHOTGUN.\n\n\
             [[Rig a fake barrel]]\n\n\
             [[Rig a fake barrel]]\n\n\
             EXT. FIELD - NIGHT\n\n\
             The SHOTGUN fires.\n\n\
             [[Rig a fake barrel]]\n",
        );
        let got: Vec<(&str, &str, SuggestionSource)> = b
            .elements
            .iter()
            .map(|e| (e.name.as_str(), e.scene.as_str(), e.source))
            .collect();
        assert_eq!(
            got,
            [
                ("SHOTGUN", "1", SuggestionSource::Capitals),
                ("Rig a fake barrel", "1", SuggestionSource::Note),
                ("SHOTGUN", "2", SuggestionSource::Capitals),
                ("Rig a fake barrel", "2", SuggestionSource::Note),
            ]
        );
    }
}
