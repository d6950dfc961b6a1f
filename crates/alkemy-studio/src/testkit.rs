//! A small builder of hand-made breakdowns for the rules' unit tests: scenes
//! from a heading, beats with consecutive source lines, props, characters.

use alkemy_core::{
    Beat, Breakdown, Character, ElementCategory, ElementSuggestion, IntExt, Light, Scene, Span,
    Stats, TimeOfDay,
};

/// Builds a [`Breakdown`] scene by scene.
pub(crate) struct Script {
    scenes: Vec<Scene>,
    elements: Vec<ElementSuggestion>,
    intros: Vec<(String, String)>,
    line: u32,
}

fn parse_heading(heading: &str) -> (IntExt, String, TimeOfDay) {
    let (int_ext, rest) = if let Some(r) = heading.strip_prefix("INT./EXT. ") {
        (IntExt::IntExt, r)
    } else if let Some(r) = heading.strip_prefix("INT. ") {
        (IntExt::Int, r)
    } else if let Some(r) = heading.strip_prefix("EXT. ") {
        (IntExt::Ext, r)
    } else {
        (IntExt::Unknown, heading)
    };
    let (location, time) = match rest.rsplit_once(" - ") {
        Some((loc, t)) => {
            let time = match t {
                "DAY" => TimeOfDay::Day,
                "NIGHT" => TimeOfDay::Night,
                "DAWN" => TimeOfDay::Dawn,
                "DUSK" => TimeOfDay::Dusk,
                "CONTINUOUS" => TimeOfDay::Continuous,
                _ => return (int_ext, rest.to_owned(), TimeOfDay::Unspecified),
            };
            (loc.to_owned(), time)
        }
        None => (rest.to_owned(), TimeOfDay::Unspecified),
    };
    (int_ext, location, time)
}

impl Script {
    pub(crate) fn new() -> Self {
        Self {
            scenes: Vec::new(),
            elements: Vec::new(),
            intros: Vec::new(),
            line: 1,
        }
    }

    fn next_span(&mut self, lines: u32) -> Span {
        let span = Span {
            start_line: self.line,
            end_line: self.line + lines - 1,
        };
        self.line += lines + 1;
        span
    }

    fn current(&mut self) -> &mut Scene {
        self.scenes.last_mut().expect("add a scene first")
    }

    /// Starts a scene; its screen time defaults to 60 s.
    pub(crate) fn scene(mut self, number: &str, heading: &str) -> Self {
        let (int_ext, location, time_of_day) = parse_heading(heading);
        let light = match time_of_day {
            TimeOfDay::Night | TimeOfDay::Evening => Light::Night,
            TimeOfDay::Dawn => Light::Dawn,
            TimeOfDay::Dusk => Light::Dusk,
            TimeOfDay::Continuous => self.scenes.last().map_or(Light::Day, |s| s.light),
            _ => Light::Day,
        };
        let span = self.next_span(1);
        let location_path = location.split(" - ").map(str::to_owned).collect();
        self.scenes.push(Scene {
            number: number.to_owned(),
            heading: heading.to_owned(),
            int_ext,
            location,
            location_path,
            time_of_day,
            light,
            page: 1,
            eighths: 8,
            duration_s: 60.0,
            characters: Vec::new(),
            speaking: Vec::new(),
            synopsis: None,
            section: None,
            span,
            beats: Vec::new(),
        });
        self
    }

    /// Sets the current scene's screen time.
    pub(crate) fn duration(mut self, seconds: f64) -> Self {
        self.current().duration_s = seconds;
        self
    }

    fn present(&mut self, name: &str) {
        let scene = self.current();
        if !scene.characters.iter().any(|c| c == name) {
            scene.characters.push(name.to_owned());
        }
    }

    fn push(&mut self, beat: Beat) {
        let span = beat.span();
        let scene = self.current();
        scene.span.end_line = span.end_line;
        scene.beats.push(beat);
    }

    /// An action paragraph naming `characters`.
    pub(crate) fn action(mut self, text: &str, characters: &[&str]) -> Self {
        for c in characters {
            self.present(c);
        }
        let span = self.next_span(1);
        self.push(Beat::Action {
            text: text.to_owned(),
            centered: false,
            characters: characters.iter().map(|s| s.to_string()).collect(),
            span,
        });
        self
    }

    /// Centred text.
    pub(crate) fn centered(mut self, text: &str) -> Self {
        let span = self.next_span(1);
        self.push(Beat::Action {
            text: text.to_owned(),
            centered: true,
            characters: Vec::new(),
            span,
        });
        self
    }

    /// A prop in capitals in the last action paragraph.
    pub(crate) fn prop(mut self, name: &str) -> Self {
        let scene = self.current();
        let number = scene.number.clone();
        let span = scene.beats.last().expect("an action first").span();
        self.elements.push(ElementSuggestion {
            category: ElementCategory::Prop,
            name: name.to_owned(),
            scene: number,
            source: alkemy_core::breakdown::SuggestionSource::Capitals,
            span,
        });
        self
    }

    /// A sound called out in capitals in the last action paragraph.
    pub(crate) fn sound(mut self, name: &str) -> Self {
        self = self.prop(name);
        if let Some(e) = self.elements.last_mut() {
            e.category = ElementCategory::Sound;
        }
        self
    }

    /// A line of dialogue.
    pub(crate) fn says(self, speaker: &str, text: &str) -> Self {
        self.line_with(speaker, &[], &[], text, false)
    }

    /// A line with cue extensions (`V.O.`, `O.S.`).
    pub(crate) fn says_ext(self, speaker: &str, ext: &str, text: &str) -> Self {
        self.line_with(speaker, &[ext], &[], text, false)
    }

    /// A line with a parenthetical.
    pub(crate) fn says_paren(self, speaker: &str, paren: &str, text: &str) -> Self {
        self.line_with(speaker, &[], &[paren], text, false)
    }

    /// The right-hand side of dual dialogue.
    pub(crate) fn dual(self, speaker: &str, text: &str) -> Self {
        self.line_with(speaker, &[], &[], text, true)
    }

    fn line_with(
        mut self,
        speaker: &str,
        ext: &[&str],
        parens: &[&str],
        text: &str,
        dual: bool,
    ) -> Self {
        self.present(speaker);
        let scene = self.current();
        if !scene.speaking.iter().any(|c| c == speaker) {
            scene.speaking.push(speaker.to_owned());
        }
        let span = self.next_span(2 + parens.len() as u32);
        self.push(Beat::Dialogue {
            speaker: speaker.to_owned(),
            extensions: ext.iter().map(|s| s.to_string()).collect(),
            parentheticals: parens.iter().map(|s| s.to_string()).collect(),
            text: text.to_owned(),
            dual,
            span,
        });
        self
    }

    /// A transition.
    pub(crate) fn transition(mut self, text: &str) -> Self {
        let span = self.next_span(1);
        self.push(Beat::Transition {
            text: text.to_owned(),
            span,
        });
        self
    }

    /// A character's introduction line.
    pub(crate) fn intro(mut self, name: &str, text: &str) -> Self {
        self.intros.push((name.to_owned(), text.to_owned()));
        self
    }

    pub(crate) fn build(self) -> Breakdown {
        let mut characters: Vec<Character> = Vec::new();
        for scene in &self.scenes {
            for c in &scene.characters {
                let i = match characters.iter().position(|x| &x.name == c) {
                    Some(i) => i,
                    None => {
                        characters.push(Character {
                            name: c.clone(),
                            aliases: Vec::new(),
                            dialogue_blocks: 0,
                            words: 0,
                            scenes: Vec::new(),
                            first_scene: Some(scene.number.clone()),
                            introduction: self
                                .intros
                                .iter()
                                .find(|(n, _)| n == c)
                                .map(|(_, t)| t.clone()),
                        });
                        characters.len() - 1
                    }
                };
                characters[i].scenes.push(scene.number.clone());
            }
        }
        let duration_s = self.scenes.iter().map(|s| s.duration_s).sum();
        Breakdown {
            title: Some("Test".into()),
            stats: Stats {
                scenes: self.scenes.len() as u32,
                duration_s,
                ..Stats::default()
            },
            scenes: self.scenes,
            prologue: Vec::new(),
            characters,
            locations: Vec::new(),
            elements: self.elements,
        }
    }
}

/// Runs `f` on a pool of `threads` threads, so tests can show a parallel
/// step gives the same result on any machine.
pub(crate) fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(f),
        Err(e) => panic!("a pool of {threads} threads: {e}"),
    }
}

/// A script longer than one parallel task takes: `scenes` scenes numbered
/// by `number`, moving between three places and lights.
pub(crate) fn long_script(scenes: usize, number: impl Fn(usize) -> String) -> Breakdown {
    let headings = [
        "INT. ROOM - DAY",
        "EXT. FIELD - NIGHT",
        "INT. ROOM - NIGHT",
        "INT./EXT. CAR - DUSK",
    ];
    (0..scenes)
        .fold(Script::new(), |script, i| {
            script
                .scene(&number(i), headings[i % headings.len()])
                .action("BRICK walks to the door.", &["BRICK"])
                .says("BRICK", "One.")
                .says("STEEL", "Two.")
                .says("BRICK", "Three.")
        })
        .build()
}
