//! `alkemy produce` with a text model proposing the shots, end to end: the
//! built binary is pointed at a local mock of an OpenAI-compatible
//! `/v1/chat/completions` server (`ALKEMY_OPENAI_URL`, `OPENAI_API_KEY`) and
//! nothing leaves the machine.
//!
//! The mock reads the scenes from the prompt as the model would and answers
//! through the JSON schema: singles on the speaker for every line of the
//! first scene it is asked about (plus two shots that fit the schema but not
//! the scene: an insert of nothing and a stranger speaking), nothing for the
//! second, and a shot outside the third. The tests
//! prove that:
//! - the dry run quotes the text call from the price table and sends and
//!   writes nothing; a `--budget` under the quote exits 2 and sends nothing;
//! - the production sends one request, its valid shots are in `shots.json`
//!   and `shots.csv`, the invalid ones are turned down with reasons in the
//!   report and as warnings, and lines the model left uncovered keep the
//!   rules' shots; the ledger charges the call once, at the price table;
//! - a second identical run sends nothing (the answer is cached) and plans
//!   the same shots; its dry run quotes the proposals as cached and exact;
//! - a 503 and a 429 are retried until the answer comes;
//! - `--shots rules` and `--provider local` send nothing and plan exactly
//!   what a machine with no text provider plans;
//! - `alkemy shots` stays offline unless `--shots model`, which quotes,
//!   budgets and caches the proposals the same way.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

use alkemy_core::Money;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/corpus/shorts/brick-and-steel.fountain"
);

/// Test prices: answer tokens only, so a request's quote (every answer as
/// long as `max_tokens`) is known here without counting prompt bytes.
const PRICES: &str = r#"
version = 1
date = "2026-01-01"
[models."openai:gpt-4.1-mini"]
per_million_output_tokens = "10"
"#;
/// The quote of one request: 8192 answer tokens at $10 per million.
const REQUEST_QUOTE: Money = Money::from_micros(81_920);
/// What one answer costs: the mock reports 500 answer tokens.
const ANSWER_COST: Money = Money::from_micros(5_000);
const KEY: &str = "mock-openai-key";

/// A line of dialogue the mock proposed a single for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Single {
    scene: String,
    speaker: String,
    lines: (u64, u64),
}

#[derive(Default)]
struct Log {
    /// Bodies of the chat requests received.
    bodies: Vec<Value>,
    /// Valid shots proposed.
    singles: Vec<Single>,
}

struct TextMock {
    /// Statuses to answer with before answering properly.
    faults: Mutex<Vec<u16>>,
    /// Answers to give in prose (not JSON, billed all the same) before
    /// answering properly.
    prose: Mutex<u32>,
    /// Whether the first scene's answer also holds a shot whose size is not
    /// one of the schema's (`"MEDIUM"`).
    bad_size: bool,
    log: Mutex<Log>,
}

/// A scene as the prompt describes it.
struct PromptScene {
    number: String,
    lines: (u64, u64),
    /// `(first, last, speaker)` of each on-screen line.
    dialogue: Vec<(u64, u64, String)>,
}

fn span(s: &str) -> (u64, u64) {
    let (a, b) = s.split_once('-').unwrap();
    (a.parse().unwrap(), b.parse().unwrap())
}

/// Reads the scenes from the prompt: `SCENE 1 (lines 3-40): …` headers and
/// `  L5-7 NAME: text` beats (names with extensions such as V.O. skipped).
fn scenes_of(prompt: &str) -> Vec<PromptScene> {
    let mut scenes: Vec<PromptScene> = Vec::new();
    for line in prompt.lines() {
        if let Some(rest) = line.strip_prefix("SCENE ") {
            let (number, rest) = rest.split_once(" (lines ").unwrap();
            let (lines, _) = rest.split_once("):").unwrap();
            scenes.push(PromptScene {
                number: number.to_owned(),
                lines: span(lines),
                dialogue: Vec::new(),
            });
        } else if let Some(rest) = line.strip_prefix("  L") {
            let (lines, rest) = rest.split_once(' ').unwrap();
            let (who, _) = rest.split_once(": ").unwrap();
            if who != "ACTION" && who != "TRANSITION" && !who.contains('(') {
                let (a, b) = span(lines);
                scenes
                    .last_mut()
                    .unwrap()
                    .dialogue
                    .push((a, b, who.to_owned()));
            }
        }
    }
    scenes
}

fn shot(size: &str, cast: &[&str], speaker: &str, (a, b): (u64, u64), desc: &str) -> Value {
    json!({
        "size": size, "angle": "low", "movement": "static", "lens_mm": 85,
        "cast": cast, "speaker": speaker, "subject": "",
        "first_line": a, "last_line": b, "duration_s": 2.5, "description": desc
    })
}

impl TextMock {
    /// The model's answer to a prompt (see the file's header).
    fn answer(&self, prompt: &str) -> Value {
        let scenes = scenes_of(prompt);
        let mut out = Vec::new();
        let mut log = self.log.lock().unwrap();
        if let Some(first) = scenes.first() {
            let mut shots = Vec::new();
            for (a, b, speaker) in &first.dialogue {
                shots.push(shot(
                    "CU",
                    &[speaker],
                    speaker,
                    (*a, *b),
                    &format!("MOCK CU {speaker} L{a}"),
                ));
                log.singles.push(Single {
                    scene: first.number.clone(),
                    speaker: speaker.clone(),
                    lines: (*a, *b),
                });
            }
            let whole = first.lines;
            shots.push(shot("INSERT", &[], "", whole, "MOCK an insert of nothing"));
            shots.push(shot("MS", &["NOBODY"], "NOBODY", whole, "MOCK a stranger"));
            if self.bad_size
                && let Some((a, b, speaker)) = first.dialogue.first()
            {
                shots.push(shot(
                    "MEDIUM",
                    &[speaker],
                    speaker,
                    (*a, *b),
                    "MOCK a size not in the schema",
                ));
            }
            out.push(json!({"scene": first.number, "shots": shots}));
        }
        if let Some(third) = scenes.get(2) {
            let after = (third.lines.1 + 10, third.lines.1 + 12);
            out.push(json!({"scene": third.number, "shots": [
                shot("WS", &[], "", after, "MOCK outside the scene")
            ]}));
        }
        json!({"scenes": out})
    }

    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        self.log.lock().unwrap().bodies.push(body.clone());
        let authorised = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some(&format!("Bearer {KEY}"));
        if request.url.path() != "/v1/chat/completions" || !authorised {
            return ResponseTemplate::new(401)
                .set_body_json(json!({"error": {"message": "bad key or path"}}));
        }
        {
            let mut faults = self.faults.lock().unwrap();
            if !faults.is_empty() {
                let status = faults.remove(0);
                return ResponseTemplate::new(status).set_body_json(
                    json!({"error": {"message": "try again", "type": "server_error"}}),
                );
            }
        }
        let prompt = body["messages"]
            .as_array()
            .and_then(|m| m.last())
            .and_then(|m| m["content"].as_str())
            .unwrap_or_default()
            .to_owned();
        let content = {
            let mut prose = self.prose.lock().unwrap();
            if *prose > 0 {
                *prose -= 1;
                "Here are the shots you asked for: a close-up on each speaker.".to_owned()
            } else {
                self.answer(&prompt).to_string()
            }
        };
        ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4.1-mini",
            "choices": [{"index": 0, "finish_reason": "stop",
                "message": {"role": "assistant", "content": content, "refusal": null}}],
            "usage": {"prompt_tokens": 3000, "completion_tokens": 500, "total_tokens": 3500}
        }))
    }
}

struct Responder(Arc<TextMock>);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.respond(request)
    }
}

/// The mock on loopback, served by `runtime`'s threads.
struct Server {
    _server: MockServer,
    mock: Arc<TextMock>,
    uri: String,
}

impl Server {
    fn start(runtime: &tokio::runtime::Runtime, faults: &[u16]) -> Self {
        Self::start_with(runtime, faults, 0, false)
    }

    /// A mock that first fails with `faults`, then answers `prose` times in
    /// prose, then properly (with a bad size among the shots if `bad_size`).
    fn start_with(
        runtime: &tokio::runtime::Runtime,
        faults: &[u16],
        prose: u32,
        bad_size: bool,
    ) -> Self {
        let server = runtime.block_on(MockServer::start());
        let uri = server.uri();
        let mock = Arc::new(TextMock {
            faults: Mutex::new(faults.to_vec()),
            prose: Mutex::new(prose),
            bad_size,
            log: Mutex::default(),
        });
        runtime.block_on(
            Mock::given(any())
                .respond_with(Responder(mock.clone()))
                .mount(&server),
        );
        Self {
            _server: server,
            mock,
            uri,
        }
    }

    fn requests(&self) -> usize {
        self.mock.log.lock().unwrap().bodies.len()
    }
}

/// The binary with no provider configured but, when given, the mock.
fn alkemy(text: Option<&Server>, home: &Path, args: &[&str]) -> Output {
    let mut cmd = support::alkemy_in(home);
    if let Some(server) = text {
        cmd.env("OPENAI_API_KEY", KEY)
            .env("ALKEMY_OPENAI_URL", format!("{}/v1", server.uri));
    }
    cmd.env("ALKEMY_PRICES", home.join("prices.toml"))
        .args(args)
        .output()
        .unwrap()
}

fn json_of(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "alkemy failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn money(v: &Value) -> Money {
    Money::from_micros(v.as_i64().unwrap_or_else(|| panic!("not money: {v}")))
}

fn setup_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("prices.toml"), PRICES).unwrap();
    home
}

/// `produce` of scenes 1-3 at 480p into `out`, as JSON.
fn args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "produce",
        EXAMPLE,
        "--out",
        out,
        "--resolution",
        "480p",
        "--scenes",
        "1-3",
        "--no-title-cards",
        "--json",
    ];
    a.extend_from_slice(extra);
    a
}

fn shots_of(out: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&std::fs::read(out.join("shots.json")).unwrap()).unwrap();
    v["shots"].as_array().unwrap().clone()
}

fn scene_shots<'a>(shots: &'a [Value], scene: &str) -> Vec<&'a Value> {
    shots
        .iter()
        .filter(|s| s["scene_number"] == scene)
        .collect()
}

/// What identifies a shot's design (numbers and timing are the rules').
fn design(s: &Value) -> (String, String, Value, String) {
    (
        s["description"].as_str().unwrap().to_owned(),
        s["size"].to_string(),
        s["span"].clone(),
        s["cast"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect::<Vec<_>>()
            .join("+"),
    )
}

#[test]
fn proposals_are_quoted_first_then_validated_merged_reported_and_cached() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = Server::start(&runtime, &[]);
    let home = setup_home();
    let out = home.path().join("film");
    let out_s = out.to_str().unwrap();

    // The dry run quotes the text call and sends and writes nothing.
    let quote = json_of(&alkemy(
        Some(&server),
        home.path(),
        &args(out_s, &["--dry-run"]),
    ));
    let p = &quote["proposals"];
    assert_eq!(p["model"], "openai:gpt-4.1-mini", "{quote}");
    assert_eq!(
        (p["requests"].as_u64(), p["scenes"].as_u64()),
        (Some(1), Some(3))
    );
    assert_eq!(money(&p["cost"]), REQUEST_QUOTE);
    assert_eq!(quote["shots_estimated"], true, "{quote}");
    assert_eq!(
        money(&quote["total"]),
        money(&quote["frames_cost"]) + money(&quote["clips_cost"]) + REQUEST_QUOTE
    );
    let line = quote["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == "openai:gpt-4.1-mini")
        .unwrap_or_else(|| panic!("no text line: {quote}"));
    assert_eq!(
        (line["requests"].as_u64(), line["cached"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(server.requests(), 0, "a dry run sends nothing");
    assert!(!out.exists(), "a dry run writes nothing");

    // A budget under the quote refuses before anything is sent.
    let o = alkemy(
        Some(&server),
        home.path(),
        &args(out_s, &["--budget", "0.05"]),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("over --budget $0.05"), "{err}");
    assert!(err.contains("openai:gpt-4.1-mini"), "{err}");
    assert!(err.contains("nothing was sent"), "{err}");
    assert_eq!(server.requests(), 0, "nothing sent over budget");

    // The production, within a budget that covers the quote.
    let report = json_of(&alkemy(
        Some(&server),
        home.path(),
        &args(out_s, &["--budget", "0.10"]),
    ));
    assert_eq!(server.requests(), 1, "three scenes fit one request");
    let body = server.mock.log.lock().unwrap().bodies[0].clone();
    assert_eq!(body["model"], "gpt-4.1-mini");
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(body["response_format"]["json_schema"]["name"], "shot_plan");
    let prompt = body["messages"][1]["content"].as_str().unwrap();
    let asked: Vec<String> = scenes_of(prompt).into_iter().map(|s| s.number).collect();
    assert_eq!(
        asked,
        ["1", "2", "3"],
        "only the selected scenes are asked about"
    );

    let singles = server.mock.log.lock().unwrap().singles.clone();
    assert!(singles.len() >= 4, "scene 1 has dialogue: {singles:?}");
    let p = &report["proposals"];
    assert_eq!(p["model"], "openai:gpt-4.1-mini", "{report}");
    assert_eq!(p["accepted"].as_u64(), Some(singles.len() as u64), "{p}");
    assert_eq!(p["scenes"], json!(["1"]));
    let reasons: Vec<&str> = p["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons[0].contains("needs a subject"), "{reasons:?}");
    assert!(reasons[1].contains("not in the scene"), "{reasons:?}");
    assert!(reasons[2].contains("outside the scene"), "{reasons:?}");
    let warnings: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(
        warnings
            .iter()
            .filter(|w| w.contains("turned down"))
            .count(),
        3,
        "{warnings:?}"
    );
    // The ledger: one text call, charged once at the table's price.
    let records = report["usage"]["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["capability"], "text");
    assert_eq!(money(&records[0]["cost"]), ANSWER_COST);
    assert_eq!(money(&p["cost"]), ANSWER_COST);
    assert_eq!(money(&report["usage"]["total"]), ANSWER_COST);

    // The shot list holds the proposals, as proposed.
    let shots = shots_of(&out);
    for single in &singles {
        let desc = format!("MOCK CU {} L{}", single.speaker, single.lines.0);
        let s = shots
            .iter()
            .find(|s| s["description"] == desc.as_str())
            .unwrap_or_else(|| panic!("{desc} is not in shots.json"));
        assert_eq!(s["scene_number"], single.scene.as_str());
        assert_eq!(s["size"], "CU");
        assert_eq!(s["angle"], "low");
        assert_eq!(s["lens_mm"], 85);
        assert_eq!(s["speaker"], single.speaker.as_str());
        assert_eq!(s["cast"][0]["name"], single.speaker.as_str());
        assert_eq!(
            (
                s["span"]["start_line"].as_u64(),
                s["span"]["end_line"].as_u64()
            ),
            (Some(single.lines.0), Some(single.lines.1))
        );
    }
    let mocked = shots
        .iter()
        .filter(|s| s["description"].as_str().unwrap().starts_with("MOCK"))
        .count();
    assert_eq!(mocked, singles.len(), "only the valid proposals are in");
    let csv = std::fs::read_to_string(out.join("shots.csv")).unwrap();
    assert_eq!(csv.matches("MOCK CU").count(), singles.len());

    // Against the rules alone: scenes 2 and 3 are the rules' plan, and in
    // scene 1 the rules' shots stay for what the model left uncovered.
    let rules_out = home.path().join("rules");
    let rules_s = rules_out.to_str().unwrap();
    let before = server.requests();
    json_of(&alkemy(
        Some(&server),
        home.path(),
        &args(rules_s, &["--shots", "rules"]),
    ));
    assert_eq!(server.requests(), before, "--shots rules sends nothing");
    let rules = shots_of(&rules_out);
    for scene in ["2", "3"] {
        let a: Vec<_> = scene_shots(&shots, scene).into_iter().map(design).collect();
        let b: Vec<_> = scene_shots(&rules, scene).into_iter().map(design).collect();
        assert_eq!(a, b, "scene {scene} keeps the rules' plan");
    }
    let rule_designs: Vec<_> = scene_shots(&rules, "1").into_iter().map(design).collect();
    let kept: Vec<_> = scene_shots(&shots, "1")
        .into_iter()
        .filter(|s| !s["description"].as_str().unwrap().starts_with("MOCK"))
        .map(design)
        .collect();
    assert!(!kept.is_empty(), "the action keeps rule coverage");
    for d in &kept {
        assert!(
            rule_designs.contains(d),
            "{d:?} is neither proposed nor the rules'"
        );
    }
    assert!(
        kept.len() < rule_designs.len(),
        "the proposals replaced the rules' coverage of the lines"
    );

    // A second identical run sends nothing and plans the same shots.
    let shots_bytes = std::fs::read(out.join("shots.json")).unwrap();
    let again = json_of(&alkemy(
        Some(&server),
        home.path(),
        &args(out_s, &["--budget", "0.10"]),
    ));
    assert_eq!(server.requests(), before, "the answer is cached");
    assert_eq!(std::fs::read(out.join("shots.json")).unwrap(), shots_bytes);
    assert_eq!(again["proposals"]["accepted"], p["accepted"]);
    assert_eq!(money(&again["proposals"]["cost"]), Money::ZERO);
    assert_eq!(again["usage"]["records"].as_array().unwrap().len(), 0);
    // Its dry run is exact: the proposals are cached, the frames made.
    let quote = json_of(&alkemy(
        Some(&server),
        home.path(),
        &args(out_s, &["--dry-run"]),
    ));
    assert_eq!(server.requests(), before);
    assert!(quote.get("shots_estimated").is_none(), "{quote}");
    assert_eq!(money(&quote["proposals"]["cost"]), Money::ZERO);
    assert_eq!(quote["frames_to_make"], 0, "{quote}");
    assert_eq!(quote["frames_reused"].as_u64(), Some(shots.len() as u64));
    let line = quote["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == "openai:gpt-4.1-mini")
        .unwrap();
    assert_eq!(
        (line["requests"].as_u64(), line["cached"].as_u64()),
        (Some(0), Some(1))
    );
}

#[test]
fn server_errors_and_rate_limits_are_retried_and_charged_once() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = Server::start(&runtime, &[503, 429]);
    let home = setup_home();
    let config = home.path().join("providers.toml");
    std::fs::write(
        &config,
        "[retry]\nmax_attempts = 4\nbase_delay_ms = 5\nmax_delay_ms = 40\n",
    )
    .unwrap();
    let out = home.path().join("film");
    let report = json_of(&alkemy(
        Some(&server),
        home.path(),
        &args(
            out.to_str().unwrap(),
            &["--config", config.to_str().unwrap()],
        ),
    ));
    assert_eq!(server.requests(), 3, "503, 429, then the answer");
    let singles = server.mock.log.lock().unwrap().singles.len() as u64;
    assert_eq!(report["proposals"]["accepted"].as_u64(), Some(singles));
    assert_eq!(report["proposals"]["requests"], 1);
    let records = report["usage"]["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(money(&records[0]["cost"]), ANSWER_COST);
    assert!(records[0]["skipped"].as_array().is_none_or(Vec::is_empty));
}

#[test]
fn without_a_text_model_the_rules_plan_as_offline() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = Server::start(&runtime, &[]);
    let home = setup_home();

    // No provider at all, and the rules chosen with a text model present.
    let offline = home.path().join("offline");
    let rules = home.path().join("rules");
    let a = json_of(&alkemy(
        None,
        home.path(),
        &args(offline.to_str().unwrap(), &[]),
    ));
    let b = json_of(&alkemy(
        Some(&server),
        home.path(),
        &args(rules.to_str().unwrap(), &["--shots", "rules"]),
    ));
    assert!(a.get("proposals").is_none() && b.get("proposals").is_none());
    for file in ["shots.json", "shots.csv"] {
        assert_eq!(
            std::fs::read(offline.join(file)).unwrap(),
            std::fs::read(rules.join(file)).unwrap(),
            "{file}"
        );
    }
    // `--provider local` is an offline production.
    let quote = json_of(&alkemy(
        Some(&server),
        home.path(),
        &args(
            rules.to_str().unwrap(),
            &["--provider", "local", "--dry-run"],
        ),
    ));
    assert!(quote.get("proposals").is_none(), "{quote}");
    assert_eq!(server.requests(), 0);

    // `--shots model` with no text model is the user's to fix.
    let o = alkemy(
        None,
        home.path(),
        &args(offline.to_str().unwrap(), &["--shots", "model"]),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("no text model"), "{err}");
}

#[test]
fn shots_asks_the_model_only_when_told_and_quotes_and_caches_like_produce() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = Server::start(&runtime, &[]);
    let home = setup_home();
    let shots = |text: Option<&Server>, extra: &[&str]| {
        alkemy(
            text,
            home.path(),
            &[&["shots", EXAMPLE][..], extra].concat(),
        )
    };
    let stdout = |o: &Output| {
        assert!(
            o.status.success(),
            "alkemy shots failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout.clone()).unwrap()
    };

    // By default `shots` is offline, even with a text model configured.
    let offline = stdout(&shots(None, &[]));
    assert_eq!(stdout(&shots(Some(&server), &[])), offline);
    assert_eq!(server.requests(), 0);
    let o = shots(Some(&server), &["--budget", "1"]);
    assert_eq!(o.status.code(), Some(2), "--budget without --shots model");

    // Over budget: refused before anything is sent.
    let o = shots(Some(&server), &["--shots", "model", "--budget", "0.05"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("over --budget $0.05") && err.contains("nothing was sent"),
        "{err}"
    );
    assert_eq!(server.requests(), 0);

    // `--shots model`: the proposals are in the list, the rejections on stderr.
    let o = shots(Some(&server), &["--shots", "model", "--budget", "0.10"]);
    let proposed = stdout(&o);
    assert_eq!(server.requests(), 1, "eight scenes fit one request");
    let singles = server.mock.log.lock().unwrap().singles.len();
    assert!(singles >= 4);
    assert_eq!(proposed.matches("MOCK CU").count(), singles);
    assert_ne!(proposed, offline);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.matches("warning:").count(), 3, "{err}");
    assert_eq!(
        err.matches("turned down").count(),
        4,
        "three warnings and the summary: {err}"
    );
    assert!(
        err.contains(&format!("{singles} proposed by openai:gpt-4.1-mini")),
        "{err}"
    );

    // A rerun prints the same list from the cache.
    assert_eq!(
        stdout(&shots(Some(&server), &["--shots", "model"])),
        proposed
    );
    assert_eq!(server.requests(), 1, "the answer is cached");
}

#[test]
fn one_shot_with_a_size_not_in_the_schema_is_turned_down_alone_at_the_first_answer() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = Server::start_with(&runtime, &[], 0, true);
    let home = setup_home();
    let out = home.path().join("film");
    let report = json_of(&alkemy(
        Some(&server),
        home.path(),
        &args(out.to_str().unwrap(), &["--budget", "0.10"]),
    ));
    assert_eq!(server.requests(), 1, "the answer was used, not retried");
    let singles = server.mock.log.lock().unwrap().singles.len() as u64;
    let p = &report["proposals"];
    assert_eq!(p["accepted"].as_u64(), Some(singles), "{p}");
    let rejected = p["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 4, "{rejected:?}");
    let bad = rejected
        .iter()
        .find(|r| r["reason"].as_str().unwrap().contains("size"))
        .unwrap_or_else(|| panic!("no reason names the size: {rejected:?}"));
    assert!(
        bad["reason"]
            .as_str()
            .unwrap()
            .contains("unknown size \"MEDIUM\""),
        "{bad}"
    );
    assert_eq!(bad["scene"], "1");
    let shots = shots_of(&out);
    assert!(
        !shots
            .iter()
            .any(|s| s["description"] == "MOCK a size not in the schema")
    );
    let records = report["usage"]["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert!(records[0].get("rejected").is_none(), "{records:?}");
    assert_eq!(money(&report["usage"]["total"]), ANSWER_COST);
}

#[test]
fn an_answer_in_prose_is_charged_and_its_retry_must_fit_the_budget() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let home = setup_home();
    let config = home.path().join("providers.toml");
    std::fs::write(
        &config,
        "[retry]\nmax_attempts = 3\nbase_delay_ms = 5\nmax_delay_ms = 40\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();

    // Within budget: the prose answer is charged, the retry answers.
    let server = Server::start_with(&runtime, &[], 1, false);
    let out = home.path().join("film");
    let report = json_of(&alkemy(
        Some(&server),
        home.path(),
        &args(
            out.to_str().unwrap(),
            &["--budget", "0.10", "--config", config],
        ),
    ));
    assert_eq!(server.requests(), 2, "prose, then the answer");
    let singles = server.mock.log.lock().unwrap().singles.len() as u64;
    assert_eq!(report["proposals"]["accepted"].as_u64(), Some(singles));
    let records = report["usage"]["records"].as_array().unwrap();
    assert_eq!(records.len(), 2, "{records:?}");
    let why = records[0]["rejected"].as_str().unwrap();
    assert!(why.starts_with("malformed: answer is not JSON"), "{why}");
    assert_eq!(money(&records[0]["cost"]), ANSWER_COST);
    assert!(records[1].get("rejected").is_none(), "{records:?}");
    assert_eq!(money(&report["usage"]["total"]), ANSWER_COST + ANSWER_COST);
    assert_eq!(money(&report["usage"]["rejected"]), ANSWER_COST);
    assert_eq!(money(&report["proposals"]["cost"]), ANSWER_COST);
    let journal = std::fs::read_to_string(out.join(".alkemy/usage.jsonl")).unwrap();
    assert_eq!(journal.lines().count(), 2, "{journal}");

    // A budget that holds one request's quote but not a second after the
    // charge: the retry is refused, nothing more is sent.
    let server = Server::start_with(&runtime, &[], 1, false);
    let out = home.path().join("tight");
    let o = alkemy(
        Some(&server),
        home.path(),
        &args(
            out.to_str().unwrap(),
            &["--budget", "0.085", "--config", config],
        ),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(
        err.matches("nothing was sent").count(),
        1,
        "said once: {err}"
    );
    assert!(err.contains("$0.005 spent"), "the charge is counted: {err}");
    assert_eq!(server.requests(), 1, "the retry was sent over budget");
    let journal = std::fs::read_to_string(out.join(".alkemy/usage.jsonl")).unwrap();
    let lines: Vec<Value> = journal
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{journal}");
    assert_eq!(money(&lines[0]["cost"]), ANSWER_COST);
    assert!(lines[0]["rejected"].is_string(), "{journal}");
}
