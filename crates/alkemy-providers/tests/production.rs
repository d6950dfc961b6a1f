//! The models of a production: when the text chain is routed (shot
//! proposals), and that its requests go through the production's quote
//! sheet, budget, usage ledger and disk cache like stills and clips, against
//! a mock OpenAI-compatible `/v1/chat/completions`. A dry run never sends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use alkemy_core::{
    Capability, GeneratedImage, GeneratedVideo, ImageModel, ImageRequest, Money, ProviderError,
    ProviderErrorKind, VideoModel, VideoRequest,
};
use alkemy_providers::{Endpoints, Keys, ProductionModels, Setup, SetupError, TextUse};
use async_trait::async_trait;
use common::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Stands in for `local:previz` / `local:animatic`; never called here.
struct Local(&'static str);

#[async_trait]
impl ImageModel for Local {
    fn id(&self) -> &str {
        self.0
    }
    fn quote(&self, _: &ImageRequest) -> Money {
        Money::ZERO
    }
    async fn generate(&self, _: &ImageRequest) -> Result<Vec<GeneratedImage>, ProviderError> {
        unreachable!("no still is made in these tests")
    }
}

#[async_trait]
impl VideoModel for Local {
    fn id(&self) -> &str {
        self.0
    }
    fn quote(&self, _: &VideoRequest) -> Money {
        Money::ZERO
    }
    async fn generate(&self, _: &VideoRequest) -> Result<GeneratedVideo, ProviderError> {
        unreachable!("no clip is made in these tests")
    }
}

fn setup(state: &Path, text: TextUse) -> Setup {
    Setup {
        config: None,
        prices: None,
        provider: None,
        budget: None,
        state_dir: state.to_owned(),
        dry_run: false,
        text,
        local_image: Arc::new(Local("local:previz")),
        local_video: Arc::new(Local("local:animatic")),
    }
}

/// Endpoints at `base` (the OpenAI-compatible one under `/v1`).
fn endpoints(base: &str) -> Endpoints {
    let openai = format!("{base}/v1");
    Endpoints::from_lookup(|k| (k == "ALKEMY_OPENAI_URL").then(|| openai.clone())).unwrap()
}

fn openai_key() -> Keys {
    Keys::from_lookup(|k| (k == "OPENAI_API_KEY").then(|| OPENAI_KEY.to_owned()))
}

#[test]
fn the_text_chain_is_routed_only_when_asked_for_and_configured() {
    let state = tempfile::tempdir().unwrap();
    let open = |s: &Setup, keys: Keys| ProductionModels::open_with(s, Endpoints::defaults(), keys);

    // No text provider: the rules plan, nothing is routed.
    let m = open(&setup(state.path(), TextUse::Auto), Keys::default()).unwrap();
    assert!(m.text.is_none() && m.is_offline());

    // An OpenAI key: the text chain is routed; stills and clips stay local.
    let m = open(&setup(state.path(), TextUse::Auto), openai_key()).unwrap();
    assert_eq!(m.text.as_ref().unwrap().id(), "openai:gpt-4.1-mini");
    assert_eq!(m.chains.text, ["openai:gpt-4.1-mini"]);
    assert_eq!(
        (m.image.id(), m.video.id()),
        ("local:previz", "local:animatic")
    );
    assert!(!m.is_offline());
    assert_eq!(
        m.router().unwrap().chain(Capability::Text),
        ["openai:gpt-4.1-mini"]
    );

    // `--shots rules`, or `--provider local`: offline again.
    let m = open(&setup(state.path(), TextUse::Off), openai_key()).unwrap();
    assert!(m.text.is_none() && m.is_offline() && m.chains.text.is_empty());
    let mut local = setup(state.path(), TextUse::Auto);
    local.provider = Some("local".into());
    let m = open(&local, openai_key()).unwrap();
    assert!(m.text.is_none() && m.is_offline());

    // `--provider openai:gpt-4.1` picks the text model.
    let mut pick = setup(state.path(), TextUse::Auto);
    pick.provider = Some("openai:gpt-4.1".into());
    let m = open(&pick, openai_key()).unwrap();
    assert_eq!(m.text.as_ref().unwrap().id(), "openai:gpt-4.1");

    // `--shots model` without a text model is the user's to fix.
    let err = open(&setup(state.path(), TextUse::Required), Keys::default()).unwrap_err();
    assert!(matches!(err, SetupError::NoTextModel), "{err}");
    assert!(err.is_bad_input());
    assert!(err.to_string().contains("OPENAI_API_KEY"), "{err}");
}

fn completion() -> serde_json::Value {
    json!({
        "choices": [{"index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": "{\"logline\":\"Steel bends.\"}"}}],
        "usage": {"prompt_tokens": 20, "completion_tokens": 100}
    })
}

#[tokio::test]
async fn routed_text_is_quoted_budgeted_ledgered_cached_and_never_sent_by_a_dry_run() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&server)
        .await;
    let sent = || async { server.received_requests().await.unwrap().len() };
    let state = tempfile::tempdir().unwrap();
    let open = |s: &Setup| ProductionModels::open_with(s, endpoints(&server.uri()), openai_key());
    let request = text_request();

    // A dry run quotes and does not send.
    let mut dry = setup(state.path(), TextUse::Auto);
    dry.dry_run = true;
    let m = open(&dry).unwrap();
    let text = m.text.clone().unwrap();
    // Built-in prices: every prompt byte a token at $0.40/M, 256 answer
    // tokens at $1.60/M.
    let quoted = text.quote(&request);
    assert!(quoted > Money::ZERO);
    let sheet = m.take_quotes();
    assert_eq!(sheet.lines.len(), 1);
    assert_eq!(sheet.lines[0].capability, Capability::Text);
    assert_eq!(sheet.lines[0].model, "openai:gpt-4.1-mini");
    assert!(!sheet.lines[0].cached);
    let err = text.generate(&request).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Cancelled, "{err}");
    assert_eq!(sent().await, 0, "a dry run sent a request");
    assert!(!state.path().exists() || std::fs::read_dir(state.path()).unwrap().count() == 0);

    // A budget below the quote: refused, nothing sent.
    let mut tight = setup(state.path(), TextUse::Auto);
    tight.budget = Some(Money::from_micros(1));
    let m = open(&tight).unwrap();
    let err = m
        .text
        .clone()
        .unwrap()
        .generate(&request)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BudgetExceeded, "{err}");
    assert_eq!(sent().await, 0);

    // The production: sent once, recorded in the ledger at the table price.
    let mut real = setup(state.path(), TextUse::Auto);
    real.budget = Some(Money::from_cents(10));
    let m = open(&real).unwrap();
    let out = m.text.clone().unwrap().generate(&request).await.unwrap();
    assert_eq!(out.json["logline"], "Steel bends.");
    // $0.40/M × 20 + $1.60/M × 100.
    let cost = Money::from_micros(8 + 160);
    assert_eq!(out.cost, cost);
    assert!(cost <= quoted, "the quote is an upper bound");
    assert_eq!(sent().await, 1);
    let usage = m.run_usage();
    assert_eq!(usage.len(), 1);
    assert_eq!(
        (usage[0].capability, usage[0].cost),
        (Capability::Text, cost)
    );
    assert!(state.path().join("usage.jsonl").is_file());

    // A rerun (a new production in the same folder) is served by the cache:
    // quoted as cached and free, answered without a request.
    let m = open(&real).unwrap();
    let text = m.text.clone().unwrap();
    assert_eq!(text.quote(&request), Money::ZERO);
    assert!(m.take_quotes().lines[0].cached);
    let again = text.generate(&request).await.unwrap();
    assert_eq!(again.json, out.json);
    assert_eq!(again.cost, Money::ZERO);
    assert!(m.run_usage().is_empty());
    // And a dry run answers from the cache too.
    let m = open(&dry).unwrap();
    let cached = m.text.clone().unwrap().generate(&request).await.unwrap();
    assert_eq!(cached.json, out.json);
    assert_eq!(sent().await, 1, "cached answers were sent again");
}
