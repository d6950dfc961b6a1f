//! Shot design by a language model, validated and merged with the rules.
//!
//! [`plan_with_model`] plans with the rules first, then asks the model for
//! shots a few scenes at a time through a JSON schema ([`schema`]). Every
//! proposed shot is checked against its scene ([`validate`]): unknown sizes,
//! angles or movements, cast not in the scene, speakers without a line in the
//! shot, spans outside the scene and inserts without a subject reject the
//! shot; unknown cast, odd lenses and impossible durations are repaired with
//! a note. Accepted shots replace the rule shots of the beats they cover
//! ([`merge`]); any beat they leave uncovered keeps its rule coverage. Then
//! numbering, setups, blocking and timing are redone by the rules, so the
//! shot list keeps every invariant the rules guarantee whatever the model
//! says.
//!
//! Design decision: the requests ask the provider layer to check only the
//! answer's envelope ([`SchemaFit::Envelope`]): the answer must be JSON with
//! a `scenes` array, and each scene entry and shot is left to the checks
//! here, which turn down one bad shot (an unknown size, a string where a
//! line number belongs) with its reason and keep the rest. Checked strictly,
//! one bad enum value would make the whole answer malformed, retried and
//! paid for again, and possibly lost.
//!
//! Design decision: the requests are built before anything is sent
//! ([`ProposalRequests`]), from the breakdown and the rules' plan alone, so a
//! production can quote them ([`ProposalRequests::quote`]) and refuse an
//! over-budget run before the first request leaves; [`plan_with_model`] is
//! the two steps in one.

mod merge;
pub mod schema;
mod validate;

use alkemy_core::{
    Breakdown, ErrorClass, Money, ProviderError, SchemaFit, Shot, ShotList, TextModel, TextRequest,
    TokenUsage,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::plan::blocking::Stage;
use crate::plan::{Finisher, PlanOptions, Planner, plan};

/// How to ask the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProposalOptions {
    /// Scenes per request (at least 1).
    pub scenes_per_request: usize,
    /// Most shots accepted for one scene; more are rejected.
    pub max_shots_per_scene: usize,
    /// Output token ceiling per request.
    pub max_output_tokens: u32,
    /// Sampling temperature.
    pub temperature: Option<f32>,
}

impl Default for ProposalOptions {
    fn default() -> Self {
        Self {
            scenes_per_request: 8,
            max_shots_per_scene: 60,
            max_output_tokens: 8192,
            temperature: Some(0.4),
        }
    }
}

/// A proposal the rules did not accept, for a person to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The scene number, when known.
    pub scene: Option<String>,
    /// The shot's position in the model's list for that scene, when known.
    pub shot: Option<usize>,
    /// Why.
    pub reason: String,
}

/// What the model contributed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProposalReport {
    /// `provider:model` that answered.
    pub model: String,
    /// Requests sent.
    pub requests: u32,
    /// Requests whose answer was used at least in part.
    pub answered: u32,
    /// Proposed shots accepted.
    pub accepted: u32,
    /// Scene numbers whose plan includes model shots.
    pub scenes: Vec<String>,
    /// Shots or answers rejected, and why.
    pub rejected: Vec<Rejection>,
    /// Repairs made to accepted shots.
    pub repaired: Vec<Rejection>,
    /// Tokens used.
    pub usage: TokenUsage,
    /// What it cost.
    pub cost: Money,
}

/// A plan made with a model's help.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposed {
    /// The merged shot list.
    pub list: ShotList,
    /// What the model contributed and what was turned down.
    pub report: ProposalReport,
}

/// A failure that must stop planning: the user has to act (wrong key,
/// budget spent, cancelled). Transient failures fall back to the rules.
///
/// The provider's error is in the message and deliberately not a `source`:
/// an error chain printed in full (`{:#}`) would say it twice.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("shot proposals: {0}")]
pub struct ProposeError(pub ProviderError);

impl From<ProviderError> for ProposeError {
    fn from(e: ProviderError) -> Self {
        Self(e)
    }
}

/// What sending the proposal requests would cost, before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProposalQuote {
    /// The model that would be asked (`provider:model`, the chain's head).
    pub model: String,
    /// Requests to send.
    pub requests: u32,
    /// Scenes they cover.
    pub scenes: u32,
    /// Their price: an upper bound (every prompt byte a token, every answer
    /// as long as allowed), zero for answers already cached.
    pub cost: Money,
}

/// The requests that ask a model for shots, built from the breakdown and the
/// rules' plan and not yet sent: they can be quoted (and the budget checked)
/// before [`send`](Self::send) spends anything.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalRequests {
    rules: ShotList,
    /// Scene indices asked about in each request, and the request.
    groups: Vec<(Vec<usize>, TextRequest)>,
    ask: ProposalOptions,
}

impl ProposalRequests {
    /// The requests for every scene of the breakdown.
    pub fn new(breakdown: &Breakdown, options: &PlanOptions, ask: &ProposalOptions) -> Self {
        Self::for_scenes(breakdown, options, ask, |_| true)
    }

    /// The requests for the scenes `wanted` accepts (by index into
    /// `breakdown.scenes`); the other scenes keep the rules' plan and cost
    /// nothing.
    pub fn for_scenes(
        breakdown: &Breakdown,
        options: &PlanOptions,
        ask: &ProposalOptions,
        wanted: impl Fn(usize) -> bool,
    ) -> Self {
        let rules = plan(breakdown, options);
        let chunk = ask.scenes_per_request.max(1);
        let indices: Vec<usize> = (0..breakdown.scenes.len()).filter(|&i| wanted(i)).collect();
        let groups = indices
            .chunks(chunk)
            .map(|group| {
                let mut prompt = String::from(
                    "Plan the shots of these scenes. Lines are numbered as in the source.\n\n",
                );
                for &i in group {
                    let scene = &breakdown.scenes[i];
                    let shots: Vec<Shot> = rules.scene(i as u32).cloned().collect();
                    schema::describe_scene(&mut prompt, scene, &shots);
                }
                let request = TextRequest {
                    system: schema::SYSTEM.to_owned(),
                    prompt,
                    schema_name: "shot_plan".to_owned(),
                    schema: schema::schema(),
                    temperature: ask.temperature,
                    max_output_tokens: ask.max_output_tokens,
                    // Every shot is validated here, one by one: a bad field
                    // turns down its shot, not the answer (and its retry).
                    fit: SchemaFit::Envelope,
                };
                (group.to_vec(), request)
            })
            .collect();
        Self {
            rules,
            groups,
            ask: ask.clone(),
        }
    }

    /// The requests, in the order they are sent.
    pub fn requests(&self) -> impl Iterator<Item = &TextRequest> {
        self.groups.iter().map(|(_, r)| r)
    }

    /// How many requests there are.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there is no request (no scene asked about).
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The rules' plan the proposals improve on.
    pub fn rules(&self) -> &ShotList {
        &self.rules
    }

    /// What `model` would charge for the requests; nothing is sent.
    pub fn quote(&self, model: &dyn TextModel) -> ProposalQuote {
        ProposalQuote {
            model: model.id().to_owned(),
            requests: self.groups.len() as u32,
            scenes: self.groups.iter().map(|(g, _)| g.len() as u32).sum(),
            cost: self.requests().map(|r| model.quote(r)).sum(),
        }
    }

    /// Sends the requests one after another, validates every proposed shot
    /// and merges the accepted ones with the rules.
    pub async fn send(
        self,
        breakdown: &Breakdown,
        options: &PlanOptions,
        model: &dyn TextModel,
    ) -> Result<Proposed, ProposeError> {
        let Self { rules, groups, ask } = self;
        let mut report = ProposalReport {
            model: model.id().to_owned(),
            ..ProposalReport::default()
        };
        // The models that answered, in order (a fallback may answer some).
        let mut answered_by: Vec<String> = Vec::new();
        // Answers by scene index: the raw shots the model proposed.
        let mut answers: Vec<Option<Vec<Value>>> = vec![None; breakdown.scenes.len()];
        for (group, request) in &groups {
            report.requests += 1;
            let response = match model.generate(request).await {
                Ok(r) => r,
                Err(e) if e.class() == ErrorClass::Fatal => return Err(ProposeError(e)),
                Err(e) => {
                    report.rejected.push(Rejection {
                        scene: None,
                        shot: None,
                        reason: format!("request failed, rules kept: {e}"),
                    });
                    continue;
                }
            };
            report.usage.input += response.usage.input;
            report.usage.output += response.usage.output;
            report.cost += response.cost;
            if !response.model.is_empty() && !answered_by.contains(&response.model) {
                answered_by.push(response.model.clone());
            }
            let used = read_answer(breakdown, group, &response.json, &mut answers, &mut report);
            report.answered += u32::from(used);
        }
        if !answered_by.is_empty() {
            report.model = answered_by.join(", ");
        }
        let list = merge_answers(breakdown, options, &ask, &rules, &answers, &mut report);
        Ok(Proposed { list, report })
    }
}

/// Plans with the rules and the model's proposals merged: builds the
/// requests for every scene and sends them (see [`ProposalRequests`] to
/// quote them first).
pub async fn plan_with_model(
    breakdown: &Breakdown,
    options: &PlanOptions,
    model: &dyn TextModel,
    ask: &ProposalOptions,
) -> Result<Proposed, ProposeError> {
    ProposalRequests::new(breakdown, options, ask)
        .send(breakdown, options, model)
        .await
}

/// Files one answer's scenes under their index; returns whether any part of
/// it was used.
fn read_answer(
    breakdown: &Breakdown,
    group: &[usize],
    json: &Value,
    answers: &mut [Option<Vec<Value>>],
    report: &mut ProposalReport,
) -> bool {
    let Some(scenes) = json.get("scenes").and_then(Value::as_array) else {
        report.rejected.push(Rejection {
            scene: None,
            shot: None,
            reason: "answer has no \"scenes\" array; rules kept".to_owned(),
        });
        return false;
    };
    let mut used = false;
    for raw in scenes {
        let number = match raw.get("scene") {
            Some(Value::String(s)) => Some(s.trim().to_owned()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let (Some(number), Some(Value::Array(shots))) = (number.clone(), raw.get("shots")) else {
            let reason = if raw.is_object() && number.is_some() {
                "its \"shots\" is not a list".to_owned()
            } else {
                "a scene entry is not {scene, shots}".to_owned()
            };
            report.rejected.push(Rejection {
                scene: number,
                shot: None,
                reason,
            });
            continue;
        };
        let Some(&i) = group
            .iter()
            .find(|&&i| breakdown.scenes[i].number == number)
        else {
            report.rejected.push(Rejection {
                scene: Some(number),
                shot: None,
                reason: "not a scene of this request".to_owned(),
            });
            continue;
        };
        if answers[i].is_some() {
            report.rejected.push(Rejection {
                scene: Some(number),
                shot: None,
                reason: "scene answered twice; first answer kept".to_owned(),
            });
            continue;
        }
        answers[i] = Some(shots.clone());
        used = true;
    }
    used
}

/// The shot list: each scene's accepted proposals merged with its rule
/// coverage, then finished by the rules (numbers, setups, timing).
fn merge_answers(
    breakdown: &Breakdown,
    options: &PlanOptions,
    ask: &ProposalOptions,
    rules: &ShotList,
    answers: &[Option<Vec<Value>>],
    report: &mut ProposalReport,
) -> ShotList {
    let planner = Planner::new(breakdown);
    let mut finisher = Finisher::with_capacity(rules.shots.len() * 2);
    let mut shots = Vec::with_capacity(rules.shots.len());
    for (i, scene) in breakdown.scenes.iter().enumerate() {
        let params = options.params_for(&scene.number);
        let rule_drafts = planner.cover(breakdown, i, &params);
        let mut accepted = Vec::new();
        if let Some(raw_shots) = &answers[i] {
            let stage = Stage::of_scene(scene);
            for (k, raw) in raw_shots.iter().enumerate() {
                let reject = |reason: String| Rejection {
                    scene: Some(scene.number.clone()),
                    shot: Some(k),
                    reason,
                };
                if k >= ask.max_shots_per_scene {
                    report.rejected.push(reject(format!(
                        "more than {} shots",
                        ask.max_shots_per_scene
                    )));
                    continue;
                }
                match validate::check(breakdown, scene, &stage, raw) {
                    Ok(checked) => {
                        for note in checked.notes {
                            report.repaired.push(reject(note));
                        }
                        accepted.push(checked.draft);
                    }
                    Err(reason) => report.rejected.push(reject(reason)),
                }
            }
        }
        let drafts = if accepted.is_empty() {
            rule_drafts
        } else {
            report.accepted += accepted.len() as u32;
            report.scenes.push(scene.number.clone());
            merge::merge(scene, rule_drafts, accepted)
        };
        finisher.finish(scene, i, drafts, &params, &mut shots);
    }
    ShotList {
        style: options.style.name().to_owned(),
        shots,
    }
}

#[cfg(test)]
mod tests;
