//! Usage records: what one paid (or free) model call consumed and cost.
//!
//! A record is written for every call the provider billed: every call that
//! produced a result, by whichever provider answered, and every attempt whose
//! answer arrived with its usage but was turned down (malformed, cut off,
//! refused), marked [`rejected`](UsageRecord::rejected). Attempts that failed
//! before an answer arrived (rate limits, server errors, timeouts) and cache
//! hits cost nothing and leave no record, so summing a ledger gives the bill.
//! The same record feeds `manifest.json`, the store's usage table and the
//! costs dashboard, which is why it lives here rather than in a provider crate.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::hash::ContentHash;
use crate::money::Money;

/// Which capability a call exercised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Structured text ([`TextModel`](crate::TextModel)).
    Text,
    /// Stills ([`ImageModel`](crate::ImageModel)).
    Image,
    /// Clips ([`VideoModel`](crate::VideoModel)).
    Video,
    /// Identity training ([`IdentityTrainer`](crate::IdentityTrainer)).
    Identity,
}

impl Capability {
    /// The lowercase name used in configuration (`image`, `video`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Text => "text",
            Capability::Image => "image",
            Capability::Video => "video",
            Capability::Identity => "identity",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of a billed unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// One generated image.
    Image,
    /// One megapixel of generated image (rounded up per image).
    Megapixel,
    /// One second of generated video (rounded up).
    VideoSecond,
    /// One generated clip, whatever its length.
    VideoClip,
    /// One prompt token.
    InputToken,
    /// One answer token (reasoning tokens included).
    OutputToken,
    /// One identity training run.
    TrainingRun,
}

/// A quantity of one unit kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Units {
    /// What is counted.
    pub kind: UnitKind,
    /// How many.
    pub quantity: u64,
}

impl Units {
    /// `quantity` units of `kind`.
    pub const fn new(kind: UnitKind, quantity: u64) -> Self {
        Self { kind, quantity }
    }
}

/// A provider that was tried for a call and did not answer it, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// `provider:model` that was passed over.
    pub model: String,
    /// Why, for people (`safety filter: …`, `circuit open`…).
    pub reason: String,
}

/// One billed model call: a result, or an answer turned down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRecord {
    /// Provider name (`fal`, `gemini`, `openai`, `local`).
    pub provider: String,
    /// `provider:model` that answered.
    pub model: String,
    /// Which capability was used.
    pub capability: Capability,
    /// What was consumed.
    pub units: Vec<Units>,
    /// What it cost.
    pub cost: Money,
    /// The shot the call was made for, if any.
    pub shot_id: Option<String>,
    /// Hash of the canonical request: the cache key, and the link to the asset.
    pub request_hash: ContentHash,
    /// When the call finished, in milliseconds since the Unix epoch (UTC).
    pub at_ms: u64,
    /// Providers earlier in the chain that did not answer, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    /// Why the answer was not used, when it was not: the provider answered
    /// and billed this attempt, but the answer was turned down (`malformed:
    /// answer does not fit the schema: …`) and the request was retried or
    /// passed on. `None` for a result that was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
}

impl UsageRecord {
    /// The total cost of a set of records.
    pub fn total<'a>(records: impl IntoIterator<Item = &'a UsageRecord>) -> Money {
        records.into_iter().map(|r| r.cost).sum()
    }

    /// Whether the provider billed this call for an answer that was turned
    /// down (see [`rejected`](Self::rejected)).
    pub fn is_rejected(&self) -> bool {
        self.rejected.is_some()
    }

    /// How many units of `kind` this record holds.
    pub fn quantity(&self, kind: UnitKind) -> u64 {
        self.units
            .iter()
            .filter(|u| u.kind == kind)
            .map(|u| u.quantity)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(cost: i64, units: Vec<Units>) -> UsageRecord {
        UsageRecord {
            provider: "fal".into(),
            model: "fal:flux-dev".into(),
            capability: Capability::Image,
            units,
            cost: Money::from_micros(cost),
            shot_id: Some("sc1-1".into()),
            request_hash: ContentHash::of_bytes(b"req"),
            at_ms: 1_700_000_000_000,
            skipped: vec![],
            rejected: None,
        }
    }

    #[test]
    fn totals_and_quantities() {
        let a = record(25_000, vec![Units::new(UnitKind::Image, 2)]);
        let b = record(
            1_250,
            vec![
                Units::new(UnitKind::InputToken, 100),
                Units::new(UnitKind::OutputToken, 40),
            ],
        );
        assert_eq!(UsageRecord::total([&a, &b]), Money::from_micros(26_250));
        assert_eq!(a.quantity(UnitKind::Image), 2);
        assert_eq!(b.quantity(UnitKind::Image), 0);
        assert_eq!(b.quantity(UnitKind::OutputToken), 40);
    }

    #[test]
    fn serialises_with_snake_case_kinds_and_round_trips() {
        let r = record(1, vec![Units::new(UnitKind::VideoSecond, 8)]);
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains(r#""kind":"video_second""#), "{json}");
        assert!(json.contains(r#""capability":"image""#), "{json}");
        assert!(
            !json.contains("skipped") && !json.contains("rejected"),
            "empty skipped list and used result's mark are omitted: {json}"
        );
        let back: UsageRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn rejected_attempts_are_marked_and_old_records_read_as_used() {
        let mut r = record(1, vec![Units::new(UnitKind::OutputToken, 8)]);
        r.rejected = Some("malformed: answer is not JSON".into());
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains(r#""rejected":"malformed"#), "{json}");
        assert!(
            serde_json::from_str::<UsageRecord>(&json)
                .unwrap()
                .is_rejected()
        );
        // A journal line written before the field existed.
        let old = json.replace(r#","rejected":"malformed: answer is not JSON""#, "");
        let back: UsageRecord = serde_json::from_str(&old).unwrap();
        assert!(!back.is_rejected());
    }
}
