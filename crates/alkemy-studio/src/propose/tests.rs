//! Model proposals with a canned in-test `TextModel`: valid, partly invalid
//! and garbage answers, and provider failures.

use std::sync::Mutex;

use alkemy_core::{Beat, CameraMovement, ProviderErrorKind, SchemaFit, ShotSize, TextResponse};
use async_trait::async_trait;
use serde_json::json;

use super::*;
use crate::testkit::Script;

/// Answers each request with the next canned answer and records requests.
struct Canned {
    answers: Mutex<Vec<Result<Value, ProviderError>>>,
    seen: Mutex<Vec<TextRequest>>,
}

impl Canned {
    fn new(answers: Vec<Result<Value, ProviderError>>) -> Self {
        Self {
            answers: Mutex::new(answers),
            seen: Mutex::new(Vec::new()),
        }
    }
}

#[async_trait]
impl TextModel for Canned {
    fn id(&self) -> &str {
        "test:canned"
    }

    /// A micro-dollar per prompt byte.
    fn quote(&self, request: &TextRequest) -> Money {
        Money::from_micros(request.prompt.len() as i64)
    }

    async fn generate(&self, request: &TextRequest) -> Result<TextResponse, ProviderError> {
        self.seen.lock().unwrap().push(request.clone());
        let next = {
            let mut a = self.answers.lock().unwrap();
            if a.is_empty() {
                Ok(json!({"scenes": []}))
            } else {
                a.remove(0)
            }
        };
        next.map(|json| TextResponse {
            json,
            usage: TokenUsage {
                input: 100,
                output: 50,
            },
            model: "test:canned".into(),
            cost: Money::ZERO,
        })
    }
}

fn breakdown() -> Breakdown {
    Script::new()
        .scene("1", "EXT. PATIO - DAY")
        .duration(20.0)
        .action("BRICK sits with a BEER.", &["BRICK"])
        .prop("BEER")
        .says("STEEL", "Beer's ready.")
        .says("BRICK", "Are they cold?")
        .says("STEEL", "Ice cold.")
        .scene("2", "INT. TRAILER - NIGHT")
        .duration(10.0)
        .says("JACK", "They're retired.")
        .says("DAN", "Then let's retire them.")
        .build()
}

/// `(first_line, last_line)` of beat `i` of scene `s`.
fn lines(b: &Breakdown, s: usize, i: usize) -> (u32, u32) {
    let span = b.scenes[s].beats[i].span();
    (span.start_line, span.end_line)
}

fn shot(size: &str, cast: &[&str], speaker: &str, (a, z): (u32, u32), desc: &str) -> Value {
    json!({
        "size": size, "angle": "eye_level", "movement": "dolly_in", "lens_mm": 50,
        "cast": cast, "speaker": speaker, "subject": "",
        "first_line": a, "last_line": z, "duration_s": 4.0, "description": desc
    })
}

fn ask() -> ProposalOptions {
    ProposalOptions {
        scenes_per_request: 1,
        ..ProposalOptions::default()
    }
}

/// Every on-screen line is covered by a shot holding its speaker.
fn assert_lines_covered(b: &Breakdown, list: &ShotList) {
    for (si, scene) in b.scenes.iter().enumerate() {
        for beat in &scene.beats {
            if let Beat::Dialogue { speaker, span, .. } = beat {
                assert!(
                    list.scene(si as u32)
                        .any(|s| s.span.start_line <= span.start_line
                            && span.end_line <= s.span.end_line
                            && s.cast.iter().any(|f| f.name == speaker)),
                    "line at {span:?} by {speaker} uncovered"
                );
            }
        }
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn valid_proposals_replace_rule_shots_and_keep_invariants() {
    let b = breakdown();
    let answer = json!({"scenes": [{"scene": "1", "shots": [
        shot("WS", &["BRICK"], "", lines(&b, 0, 0), "Brick alone with his beer"),
        shot("MS", &["STEEL", "BRICK"], "STEEL", lines(&b, 0, 1), "Steel arrives"),
        shot("CU", &["BRICK"], "BRICK", lines(&b, 0, 2), "Brick, suspicious"),
        shot("CU", &["STEEL"], "STEEL", lines(&b, 0, 3), "Steel grins"),
    ]}]});
    let model = Canned::new(vec![Ok(answer)]);
    let out = block_on(plan_with_model(&b, &PlanOptions::default(), &model, &ask())).unwrap();
    assert_eq!(out.report.accepted, 4);
    assert_eq!(out.report.scenes, ["1"]);
    assert!(out.report.rejected.is_empty(), "{:?}", out.report.rejected);
    let s1: Vec<&Shot> = out.list.scene(0).collect();
    let descs: Vec<&str> = s1.iter().map(|s| s.description.as_str()).collect();
    // The model opened on a wide, so the rules' establishing shot is dropped.
    assert_eq!(
        descs,
        [
            "Brick alone with his beer",
            "Steel arrives",
            "Brick, suspicious",
            "Steel grins"
        ]
    );
    assert_eq!(s1[0].movement, CameraMovement::DollyIn);
    assert_eq!(s1[2].lens_mm, 50);
    // Scene 2 was not answered: it keeps its rules plan.
    let rules = plan(&b, &PlanOptions::default());
    let r2: Vec<&str> = rules.scene(1).map(|s| s.description.as_str()).collect();
    let o2: Vec<&str> = out.list.scene(1).map(|s| s.description.as_str()).collect();
    assert_eq!(r2, o2);
    // Invariants the rules guarantee still hold.
    for (i, scene) in b.scenes.iter().enumerate() {
        let sum: u64 = out
            .list
            .scene(i as u32)
            .map(|s| u64::from(s.duration_ms))
            .sum();
        assert_eq!(sum, (scene.duration_s * 1000.0) as u64);
    }
    let numbers: std::collections::HashSet<&str> =
        out.list.shots.iter().map(|s| s.number.as_str()).collect();
    assert_eq!(numbers.len(), out.list.shots.len());
    assert_lines_covered(&b, &out.list);
    // Blocking comes from the rules' stage: BRICK (first on stage) on the left.
    let two = s1[1];
    let x = |n: &str| two.cast.iter().find(|f| f.name == n).unwrap().x;
    assert!(x("BRICK") < x("STEEL"));
    // The request carried the schema and the numbered scene.
    let seen = model.seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].schema, schema::schema());
    assert!(
        seen[0].prompt.contains("STEEL: Beer's ready."),
        "{}",
        seen[0].prompt
    );
    assert_eq!(out.report.usage.input, 200);
}

#[test]
fn invalid_proposals_are_rejected_with_reasons_and_repaired_when_safe() {
    let b = breakdown();
    let (_, scene_end) = (b.scenes[0].span.start_line, b.scenes[0].span.end_line);
    let mut bad_lens = shot(
        "MCU",
        &["BRICK", "SANDRA"],
        "BRICK",
        lines(&b, 0, 2),
        "Brick asks",
    );
    bad_lens["lens_mm"] = json!(5000);
    bad_lens["duration_s"] = json!(-3);
    let answer = json!({"scenes": [{"scene": "1", "shots": [
        shot("GIANT", &["BRICK"], "", lines(&b, 0, 0), "unknown size"),
        shot("MS", &["STEEL"], "STEEL", (scene_end + 5, scene_end + 9), "outside the scene"),
        shot("INSERT", &[], "", lines(&b, 0, 0), "insert of nothing"),
        shot("MS", &["KARL"], "KARL", lines(&b, 0, 1), "a stranger speaks"),
        shot("MS", &["BRICK"], "STEEL", lines(&b, 0, 2), "wrong speaker for the line"),
        {"size": "CU"},
        bad_lens,
    ]}]});
    let model = Canned::new(vec![Ok(answer)]);
    let out = block_on(plan_with_model(&b, &PlanOptions::default(), &model, &ask())).unwrap();
    let reasons: Vec<&str> = out
        .report
        .rejected
        .iter()
        .map(|r| r.reason.as_str())
        .collect();
    assert_eq!(out.report.rejected.len(), 6, "{reasons:#?}");
    assert!(reasons[0].contains("unknown size"));
    assert!(reasons[1].contains("outside the scene"));
    assert!(reasons[2].contains("needs a subject"));
    assert!(reasons[3].contains("not in the scene"));
    assert!(reasons[4].contains("no line"));
    assert!(reasons[5].contains("unknown angle"));
    assert_eq!(out.report.rejected[4].shot, Some(4));
    // The repaired shot: stranger dropped, lens and duration replaced.
    assert_eq!(out.report.accepted, 1);
    let repaired: Vec<&str> = out
        .report
        .repaired
        .iter()
        .map(|r| r.reason.as_str())
        .collect();
    assert_eq!(repaired.len(), 3, "{repaired:?}");
    let kept = out
        .list
        .shots
        .iter()
        .find(|s| s.description == "Brick asks")
        .unwrap();
    assert_eq!(kept.cast.len(), 1);
    assert_eq!(
        kept.lens_mm,
        StylePreset::Classic
            .params()
            .lenses
            .for_size(ShotSize::MediumCloseUp)
    );
    // Lines the model failed to cover keep the rules' coverage.
    assert_lines_covered(&b, &out.list);
    assert!(
        out.list
            .shots
            .iter()
            .any(|s| s.description.starts_with("Establishing"))
    );
}

use crate::plan::StylePreset;

#[test]
fn garbage_answers_leave_the_rules_plan() {
    let b = breakdown();
    let model = Canned::new(vec![
        Ok(json!("I'm sorry, I can't do shots")),
        Ok(json!({"scenes": [42, {"scene": "99", "shots": []}]})),
    ]);
    let out = block_on(plan_with_model(&b, &PlanOptions::default(), &model, &ask())).unwrap();
    assert_eq!(out.list, plan(&b, &PlanOptions::default()));
    assert_eq!(out.report.accepted, 0);
    assert_eq!(out.report.rejected.len(), 3, "{:?}", out.report.rejected);
    assert_eq!(out.report.answered, 0);
}

#[test]
fn transient_failures_fall_back_and_fatal_ones_stop() {
    let b = breakdown();
    let transient = Canned::new(vec![Err(ProviderError::new(
        "test:canned",
        ProviderErrorKind::Timeout,
        "no answer",
    ))]);
    let out = block_on(plan_with_model(
        &b,
        &PlanOptions::default(),
        &transient,
        &ask(),
    ))
    .unwrap();
    assert_eq!(out.list, plan(&b, &PlanOptions::default()));
    assert!(out.report.rejected[0].reason.contains("rules kept"));

    let fatal = Canned::new(vec![Err(ProviderError::new(
        "test:canned",
        ProviderErrorKind::Unauthorized,
        "bad key",
    ))]);
    let err = block_on(plan_with_model(&b, &PlanOptions::default(), &fatal, &ask())).unwrap_err();
    assert!(err.to_string().contains("bad key"), "{err}");
}

#[test]
fn requests_are_built_and_quoted_before_anything_is_sent() {
    let b = breakdown();
    let model = Canned::new(vec![Ok(json!({"scenes": [{"scene": "2", "shots": [
        shot("CU", &["JACK"], "JACK", lines(&b, 1, 0), "Jack, flat"),
    ]}]}))]);
    // Only scene 2 is asked about.
    let requests = ProposalRequests::for_scenes(&b, &PlanOptions::default(), &ask(), |i| i == 1);
    assert_eq!(requests.len(), 1);
    let prompt = &requests.requests().next().unwrap().prompt;
    assert!(
        prompt.contains("SCENE 2 ") && !prompt.contains("SCENE 1 "),
        "{prompt}"
    );
    let quote = requests.quote(&model);
    assert_eq!(
        (quote.requests, quote.scenes, quote.cost),
        (1, 1, Money::from_micros(prompt.len() as i64))
    );
    assert_eq!(quote.model, "test:canned");
    assert!(
        model.seen.lock().unwrap().is_empty(),
        "quoting sent a request"
    );
    // Sending sends exactly the quoted request.
    let sent = requests.requests().next().unwrap().clone();
    let out = block_on(requests.send(&b, &PlanOptions::default(), &model)).unwrap();
    assert_eq!(*model.seen.lock().unwrap(), [sent]);
    assert_eq!(out.report.accepted, 1);
    assert_eq!(out.report.scenes, ["2"]);
    // Scene 1 was not asked about: the rules' plan.
    let rules = plan(&b, &PlanOptions::default());
    assert!(rules.scene(0).eq(out.list.scene(0)));
    // Every scene of a chunked breakdown is asked about once.
    let all = ProposalRequests::new(&b, &PlanOptions::default(), &ask());
    assert_eq!(all.len(), 2);
    assert_eq!(all.quote(&model).scenes, 2);
}

#[test]
fn proposals_ask_only_for_the_envelope_and_leave_the_shots_to_the_checks_here() {
    let b = breakdown();
    let requests = ProposalRequests::new(&b, &PlanOptions::default(), &ask());
    assert!(
        requests.requests().all(|r| r.fit == SchemaFit::Envelope),
        "a strict fit would make one bad shot lose the whole answer"
    );
}

#[test]
fn one_bad_field_turns_down_its_shot_and_keeps_the_rest_of_the_answer() {
    let b = breakdown();
    let mut bad_enum = shot(
        "MEDIUM",
        &["STEEL", "BRICK"],
        "STEEL",
        lines(&b, 0, 1),
        "bad size",
    );
    bad_enum["angle"] = json!("eye_level");
    let mut wrong_type = shot("MS", &["BRICK"], "", lines(&b, 0, 0), "size is a number");
    wrong_type["size"] = json!(5);
    let mut words_for_lines = shot("MS", &["BRICK"], "", lines(&b, 0, 0), "lines in words");
    words_for_lines["first_line"] = json!("twelve");
    let mut speaker_object = shot("CU", &["BRICK"], "", lines(&b, 0, 2), "speaker object");
    speaker_object["speaker"] = json!({"name": "BRICK"});
    // Extra fields, a cast given as one string and a lens as text: accepted,
    // repaired where needed.
    let mut loose = shot("CU", &["STEEL"], "STEEL", lines(&b, 0, 3), "Steel grins");
    loose["focus_puller"] = json!("Ann");
    loose["lens_mm"] = json!("85");
    loose["cast"] = json!("STEEL");
    let answer = json!({"scenes": [
        {"scene": 1, "shots": [
            bad_enum,
            shot("CU", &["BRICK"], "BRICK", lines(&b, 0, 2), "Brick, suspicious"),
            wrong_type,
            null,
            42,
            "CU",
            ["CU", "eye_level", "static"],
            words_for_lines,
            speaker_object,
            {},
            loose,
        ]},
        {"scene": "2", "shots": "none today"},
    ]});
    let model = Canned::new(vec![Ok(answer)]);
    let ask = ProposalOptions {
        scenes_per_request: 2,
        ..ProposalOptions::default()
    };
    let out = block_on(plan_with_model(&b, &PlanOptions::default(), &model, &ask)).unwrap();
    assert_eq!(model.seen.lock().unwrap().len(), 1, "one request, no retry");
    assert_eq!(out.report.answered, 1);
    assert_eq!(out.report.accepted, 2, "{:#?}", out.report);
    let rejected: Vec<(Option<usize>, &str)> = out
        .report
        .rejected
        .iter()
        .map(|r| (r.shot, r.reason.as_str()))
        .collect();
    // The answer's scene entries are read first, then each scene's shots.
    let want: [(Option<usize>, &str); 10] = [
        (None, "its \"shots\" is not a list"),
        (Some(0), "unknown size \"MEDIUM\""),
        (Some(2), "unknown size 5"),
        (Some(3), "shot null is not an object"),
        (Some(4), "shot 42 is not an object"),
        (Some(5), "shot \"CU\" is not an object"),
        (Some(6), "is not an object"),
        (Some(7), "missing first_line/last_line"),
        (Some(8), "speaker {\"name\":\"BRICK\"} is not a name"),
        (Some(9), "unknown size null"),
    ];
    assert_eq!(rejected.len(), want.len(), "{rejected:#?}");
    for ((shot, reason), (want_shot, want_reason)) in rejected.iter().zip(want) {
        assert_eq!(*shot, want_shot, "{reason}");
        assert!(
            reason.contains(want_reason),
            "{reason:?} should say {want_reason:?}"
        );
    }
    assert_eq!(out.report.rejected[0].scene.as_deref(), Some("2"));
    let repaired: Vec<&str> = out
        .report
        .repaired
        .iter()
        .map(|r| r.reason.as_str())
        .collect();
    assert!(
        repaired
            .iter()
            .any(|r| r.contains("cast \"STEEL\" ignored: not a list")),
        "{repaired:?}"
    );
    assert!(
        repaired.iter().any(|r| r.contains("added speaker STEEL")),
        "{repaired:?}"
    );
    let grins = out
        .list
        .shots
        .iter()
        .find(|s| s.description == "Steel grins")
        .unwrap();
    assert_eq!((grins.lens_mm, grins.cast[0].name.as_str()), (85, "STEEL"));
    assert!(
        out.list
            .shots
            .iter()
            .any(|s| s.description == "Brick, suspicious")
    );
    assert_lines_covered(&b, &out.list);
}

#[test]
fn any_json_in_any_field_is_checked_without_panicking() {
    let b = breakdown();
    let fields = [
        "size",
        "angle",
        "movement",
        "lens_mm",
        "cast",
        "speaker",
        "subject",
        "first_line",
        "last_line",
        "duration_s",
        "description",
    ];
    let odd = [
        json!(null),
        json!(true),
        json!(-1),
        json!(0),
        json!(1e300),
        json!(-0.5),
        json!(""),
        json!("x"),
        json!([]),
        json!([1, null, "BRICK"]),
        json!({}),
        json!({"a": {"b": []}}),
        json!("É".repeat(10_000)),
    ];
    let base = shot("MCU", &["BRICK"], "BRICK", lines(&b, 0, 2), "base");
    let mut shots = Vec::new();
    let mut changed = Vec::new();
    for field in fields {
        for value in &odd {
            let mut s = base.clone();
            s[field] = value.clone();
            shots.push(s);
            changed.push(field);
        }
    }
    let n = shots.len();
    let model = Canned::new(vec![Ok(
        json!({"scenes": [{"scene": "1", "shots": shots}]}),
    )]);
    let ask = ProposalOptions {
        scenes_per_request: 2,
        max_shots_per_scene: n,
        ..ProposalOptions::default()
    };
    let out = block_on(plan_with_model(&b, &PlanOptions::default(), &model, &ask)).unwrap();
    assert_eq!(out.report.accepted as usize + out.report.rejected.len(), n);
    for r in &out.report.rejected {
        let field = changed[r.shot.unwrap()];
        assert!(
            r.reason.contains(field),
            "shot with an odd {field} turned down for {:?}",
            r.reason
        );
    }
    assert_lines_covered(&b, &out.list);
}
