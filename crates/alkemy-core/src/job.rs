//! Jobs: the units of work a production is made of, and their life cycle.
//!
//! A production is a graph of jobs (analyze → plan → frame × shots → animate ×
//! shots → render → export). The store keeps them in a durable queue; workers
//! claim, run and complete them. This module only names the kinds and states
//! so every crate speaks the same words.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a job does. The pipeline registers one handler per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Parse and break down a script version (and enrich it).
    Analyze,
    /// Plan the shots of an analysis.
    Plan,
    /// Generate a shot's still(s).
    Frame,
    /// Animate a shot's still(s) into a clip.
    Animate,
    /// Render a timeline (animatic, final cut).
    Render,
    /// Write an export (interchange files, storyboard, bundle).
    Export,
    /// Train a character identity (LoRA).
    TrainIdentity,
}

impl JobKind {
    /// Every kind, in pipeline order.
    pub const ALL: [JobKind; 7] = [
        JobKind::Analyze,
        JobKind::Plan,
        JobKind::Frame,
        JobKind::Animate,
        JobKind::Render,
        JobKind::Export,
        JobKind::TrainIdentity,
    ];

    /// The stored name (`train_identity`).
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Analyze => "analyze",
            JobKind::Plan => "plan",
            JobKind::Frame => "frame",
            JobKind::Animate => "animate",
            JobKind::Render => "render",
            JobKind::Export => "export",
            JobKind::TrainIdentity => "train_identity",
        }
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown job kind or state name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct ParseJobError {
    what: &'static str,
    value: String,
}

impl FromStr for JobKind {
    type Err = ParseJobError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ParseJobError {
                what: "job kind",
                value: s.to_owned(),
            })
    }
}

/// Where a job is in its life.
///
/// `Queued → Running → Succeeded | Failed | Cancelled`; a running job whose
/// lease expires, or that fails with attempts left, goes back to `Queued`; a
/// failed or cancelled job can be retried by a person, which queues it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for a worker (and for its dependencies to succeed).
    Queued,
    /// Claimed by a worker holding a lease.
    Running,
    /// Done; its result and assets are committed.
    Succeeded,
    /// Gave up after its last attempt, or failed for good.
    Failed,
    /// Stopped by a person (or because a job it depends on was).
    Cancelled,
}

impl JobState {
    /// Every state.
    pub const ALL: [JobState; 5] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Failed,
        JobState::Cancelled,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    /// True once the job will not run again unless a person retries it.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Succeeded | JobState::Failed | JobState::Cancelled
        )
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobState {
    type Err = ParseJobError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobState::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ParseJobError {
                what: "job state",
                value: s.to_owned(),
            })
    }
}

/// How far a running job has got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Progress {
    /// Fraction done, 0.0 to 1.0.
    pub fraction: f32,
    /// What it is doing now (`framing shot 12A`).
    pub message: Option<String>,
}

impl Progress {
    /// Progress with a message; the fraction is clamped to 0..=1 (NaN is 0).
    pub fn new(fraction: f32, message: impl Into<String>) -> Self {
        let fraction = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        Self {
            fraction,
            message: Some(message.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in JobKind::ALL {
            assert_eq!(kind.as_str().parse::<JobKind>().unwrap(), kind);
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.as_str())
            );
        }
        for state in JobState::ALL {
            assert_eq!(state.as_str().parse::<JobState>().unwrap(), state);
        }
        assert!("sleep".parse::<JobKind>().is_err());
    }

    #[test]
    fn progress_is_clamped() {
        assert_eq!(Progress::new(1.5, "x").fraction, 1.0);
        assert_eq!(Progress::new(-1.0, "x").fraction, 0.0);
        assert_eq!(Progress::new(f32::NAN, "x").fraction, 0.0);
    }
}
