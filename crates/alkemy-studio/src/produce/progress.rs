//! Progress reporting: the pipeline says what it is doing; the caller shows
//! it (progress bars in the CLI, job progress in a worker, events on a server).

use std::fmt;

/// A stage of a production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// Reading and breaking down the script.
    Analyze,
    /// Planning shots and composing prompts.
    Plan,
    /// Making a still per shot.
    Frames,
    /// Animating stills into clips.
    Clips,
    /// Title cards, dissolves and joining the animatic.
    Animatic,
    /// Timeline, storyboards and the other exports.
    Exports,
}

impl Stage {
    /// Every stage in order.
    pub const ALL: [Stage; 6] = [
        Stage::Analyze,
        Stage::Plan,
        Stage::Frames,
        Stage::Clips,
        Stage::Animatic,
        Stage::Exports,
    ];

    /// A short name for people.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Analyze => "analyze",
            Stage::Plan => "plan",
            Stage::Frames => "frames",
            Stage::Clips => "clips",
            Stage::Animatic => "animatic",
            Stage::Exports => "exports",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Receives progress. Called from several threads at once.
pub trait Progress: Send + Sync {
    /// A stage starts with `total` units of work.
    fn start(&self, stage: Stage, total: u64);
    /// `done` more units of the stage are finished; `reused` of them came
    /// from earlier runs.
    fn advance(&self, stage: Stage, done: u64, reused: u64);
    /// The stage is over; `summary` says what it did in a few words.
    fn finish(&self, stage: Stage, summary: &str);
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: Stage, _: u64) {}
    fn advance(&self, _: Stage, _: u64, _: u64) {}
    fn finish(&self, _: Stage, _: &str) {}
}
