//! Quotes: what a production would cost before anything is sent.
//!
//! The pipeline asks the router for a [`QuoteLine`] per request (who would
//! answer, at what price, or that the cache already holds it) and collects
//! them in a [`QuoteSheet`], which `produce --dry-run` prints.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use alkemy_core::{Capability, Money};
use serde::Serialize;

/// The quote for one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuoteLine {
    /// Which capability.
    pub capability: Capability,
    /// The `provider:model` that would answer first.
    pub model: String,
    /// Its price (zero when cached).
    pub cost: Money,
    /// The cache already holds the answer.
    pub cached: bool,
    /// The shot (or character) it is for, if any.
    pub label: Option<String>,
}

impl QuoteLine {
    /// A line.
    pub fn new(capability: Capability, model: String, cost: Money, cached: bool) -> Self {
        Self {
            capability,
            model,
            cost,
            cached,
            label: None,
        }
    }

    /// The same line labelled with a shot id.
    pub fn for_shot(mut self, label: Option<String>) -> Self {
        self.label = label;
        self
    }
}

/// Totals of one model in a sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelTotal {
    /// `provider:model`.
    pub model: String,
    /// Capability.
    pub capability: Capability,
    /// Requests to send.
    pub requests: u64,
    /// Requests answered from the cache.
    pub cached: u64,
    /// Their cost.
    pub cost: Money,
}

/// The quote for a whole production.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QuoteSheet {
    /// Every request's line.
    pub lines: Vec<QuoteLine>,
}

impl QuoteSheet {
    /// An empty sheet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a line.
    pub fn push(&mut self, line: QuoteLine) {
        self.lines.push(line);
    }

    /// The total cost.
    pub fn total(&self) -> Money {
        self.lines.iter().map(|l| l.cost).sum()
    }

    /// Whether the total fits a budget (`None`: no limit).
    pub fn fits(&self, budget: Option<Money>) -> bool {
        budget.is_none_or(|b| self.total() <= b)
    }

    /// Totals per model, in first-seen order of capability then model name.
    pub fn by_model(&self) -> Vec<ModelTotal> {
        let mut map: BTreeMap<(u8, String), ModelTotal> = BTreeMap::new();
        for l in &self.lines {
            let order = match l.capability {
                Capability::Text => 0,
                Capability::Identity => 1,
                Capability::Image => 2,
                Capability::Video => 3,
            };
            let t = map
                .entry((order, l.model.clone()))
                .or_insert_with(|| ModelTotal {
                    model: l.model.clone(),
                    capability: l.capability,
                    requests: 0,
                    cached: 0,
                    cost: Money::ZERO,
                });
            if l.cached {
                t.cached += 1;
            } else {
                t.requests += 1;
            }
            t.cost += l.cost;
        }
        map.into_values().collect()
    }

    /// A table for people: one row per model, then the total and the budget.
    pub fn render(&self, budget: Option<Money>) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<9} {:<34} {:>8} {:>7} {:>12}",
            "kind", "model", "requests", "cached", "cost"
        );
        for t in self.by_model() {
            let _ = writeln!(
                out,
                "{:<9} {:<34} {:>8} {:>7} {:>12}",
                t.capability.as_str(),
                t.model,
                t.requests,
                t.cached,
                t.cost.to_string()
            );
        }
        let _ = writeln!(
            out,
            "{:<9} {:<34} {:>8} {:>7} {:>12}",
            "total",
            "",
            "",
            "",
            self.total().to_string()
        );
        if let Some(b) = budget {
            let verdict = if self.fits(Some(b)) {
                "fits"
            } else {
                "EXCEEDS"
            };
            let _ = writeln!(out, "budget {b}: the quote {verdict} it");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_group_by_model_and_check_budget() {
        let mut s = QuoteSheet::new();
        for i in 0..3 {
            s.push(
                QuoteLine::new(
                    Capability::Image,
                    "fal:flux-dev".into(),
                    Money::from_cents(3),
                    false,
                )
                .for_shot(Some(format!("sc1-{i}"))),
            );
        }
        s.push(QuoteLine::new(
            Capability::Image,
            "fal:flux-dev".into(),
            Money::ZERO,
            true,
        ));
        s.push(QuoteLine::new(
            Capability::Video,
            "gemini:veo-3.1".into(),
            Money::from_cents(320),
            false,
        ));
        assert_eq!(s.total(), Money::from_cents(329));
        let by = s.by_model();
        assert_eq!(by.len(), 2);
        assert_eq!(
            (by[0].requests, by[0].cached, by[0].cost),
            (3, 1, Money::from_cents(9))
        );
        assert!(s.fits(Some(Money::from_cents(329))));
        assert!(!s.fits(Some(Money::from_cents(328))));
        let text = s.render(Some(Money::from_cents(100)));
        assert!(
            text.contains("gemini:veo-3.1") && text.contains("$3.29") && text.contains("EXCEEDS"),
            "{text}"
        );
    }
}
