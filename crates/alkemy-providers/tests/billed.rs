//! Answers that arrive but are turned down are billed by the provider, so the
//! router charges them: against mock servers speaking the OpenAI-compatible
//! and Gemini wire formats, a malformed answer followed by a valid one is
//! charged twice (ledger, budget), a retry that no longer fits the budget is
//! refused before it is sent, failures with no answer stay free, and a
//! request that asks only for the schema's envelope takes an answer with bad
//! items at the first attempt. Images too: Flux images that Fal's safety
//! checker blacked out, and Gemini image answers that hold no image, are
//! charged as billed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use alkemy_core::{
    ImageModel, Money, ProviderErrorKind, SchemaFit, TextModel, TextRequest, UnitKind, UsageRecord,
};
use alkemy_providers::{Budget, Chains, Ledger, RetryPolicy, Router, RouterOptions};
use base64::Engine as _;
use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const OPENAI_PATH: &str = "/v1/chat/completions";
const GEMINI_PATH: &str = "/v1beta/models/gemini-2.5-flash:generateContent";

/// An OpenAI-compatible completion of `content` with its usage.
fn completion(content: &str, prompt_tokens: u64, completion_tokens: u64) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4.1-mini",
        "choices": [{"index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": content, "refusal": null}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}
    })
}

/// A Gemini answer of `text` with its usage (thinking billed as output).
fn gemini_answer(text: &str, prompt: u64, candidates: u64, thoughts: u64) -> Value {
    json!({
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": prompt, "candidatesTokenCount": candidates,
            "thoughtsTokenCount": thoughts, "totalTokenCount": prompt + candidates + thoughts}
    })
}

/// Mounts `answers` on `route` in order, one request each.
async fn answer_in_turn(server: &MockServer, route: &str, answers: Vec<ResponseTemplate>) {
    for template in answers {
        Mock::given(method("POST"))
            .and(path(route))
            .respond_with(template)
            .up_to_n_times(1)
            .mount(server)
            .await;
    }
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// A router over one text model, with quick retries, `budget` and a ledger,
/// and the in-memory budget it reserves from.
fn router(model: Arc<dyn TextModel>, budget: Option<Money>) -> (Router, Arc<Budget>) {
    router_over(
        Chains {
            text: vec![model],
            ..Chains::default()
        },
        budget,
    )
}

/// The same over one image model.
fn image_router(model: Arc<dyn ImageModel>, budget: Option<Money>) -> (Router, Arc<Budget>) {
    router_over(
        Chains {
            image: vec![model],
            ..Chains::default()
        },
        budget,
    )
}

fn router_over(chains: Chains, budget: Option<Money>) -> (Router, Arc<Budget>) {
    let budget = Budget::new(budget);
    let router = Router::new(
        chains,
        RouterOptions {
            budget: budget.clone(),
            ledger: Ledger::new(),
            retry: RetryPolicy {
                max_attempts: 3,
                base_delay_ms: 1,
                max_delay_ms: 5,
                max_retry_after_ms: 10_000,
            },
            ..RouterOptions::default()
        },
    );
    (router, budget)
}

async fn sent(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

fn tokens(record: &UsageRecord) -> (u64, u64) {
    (
        record.quantity(UnitKind::InputToken),
        record.quantity(UnitKind::OutputToken),
    )
}

#[tokio::test]
async fn an_openai_answer_that_misses_the_schema_is_charged_and_the_retry_too() {
    let server = MockServer::start().await;
    answer_in_turn(
        &server,
        OPENAI_PATH,
        vec![
            ok(completion(r#"{"other": 1}"#, 2000, 500)),
            ok(completion(r#"{"logline": "Steel bends."}"#, 1000, 250)),
        ],
    )
    .await;
    let model = registry(&server.uri()).text("openai:gpt-4.1-mini").unwrap();
    let (router, budget) = router(model, Some(Money::from_cents(1)));

    let out = router.text().generate(&text_request()).await.unwrap();

    assert_eq!(out.json, json!({"logline": "Steel bends."}));
    assert_eq!(sent(&server).await, 2);
    // Built-in prices: $0.40/M input, $1.60/M output.
    let rejected_cost = Money::from_micros(800 + 800); // 2000 in, 500 out
    let answer_cost = Money::from_micros(400 + 400); // 1000 in, 250 out
    assert_eq!(out.cost, answer_cost, "the answer carries its own cost");
    let records = router.ledger().records();
    assert_eq!(records.len(), 2, "{records:#?}");
    let (first, second) = (&records[0], &records[1]);
    let reason = first.rejected.as_deref().unwrap();
    assert!(
        reason.starts_with("malformed: answer does not fit the schema"),
        "{reason}"
    );
    assert_eq!(
        (first.model.as_str(), first.cost, tokens(first)),
        ("openai:gpt-4.1-mini", rejected_cost, (2000, 500))
    );
    assert!(!second.is_rejected());
    assert_eq!((second.cost, tokens(second)), (answer_cost, (1000, 250)));
    assert_eq!(first.request_hash, second.request_hash);
    let total = rejected_cost + answer_cost;
    assert_eq!(router.ledger().total(), total);
    assert_eq!(budget.spent(), total);
    assert_eq!(budget.reserved(), Money::ZERO);
}

#[tokio::test]
async fn a_gemini_answer_that_is_not_json_is_charged_and_the_retry_too() {
    let server = MockServer::start().await;
    answer_in_turn(
        &server,
        GEMINI_PATH,
        vec![
            ok(gemini_answer(
                "Here is your logline: steel bends.",
                1000,
                150,
                50,
            )),
            ok(gemini_answer(
                r#"{"logline": "Steel bends."}"#,
                1000,
                100,
                0,
            )),
        ],
    )
    .await;
    let model = registry(&server.uri())
        .text("gemini:gemini-2.5-flash")
        .unwrap();
    let (router, budget) = router(model, Some(Money::from_cents(1)));

    let out = router.text().generate(&text_request()).await.unwrap();

    assert_eq!(out.json["logline"], "Steel bends.");
    assert_eq!(sent(&server).await, 2);
    // Built-in prices: $0.30/M input, $2.50/M output (thoughts included).
    let rejected_cost = Money::from_micros(300 + 500); // 1000 in, 200 out
    let answer_cost = Money::from_micros(300 + 250); // 1000 in, 100 out
    let records = router.ledger().records();
    assert_eq!(records.len(), 2, "{records:#?}");
    let reason = records[0].rejected.as_deref().unwrap();
    assert!(reason.contains("answer is not JSON"), "{reason}");
    assert_eq!(
        (records[0].cost, tokens(&records[0])),
        (rejected_cost, (1000, 200))
    );
    assert_eq!(
        (records[1].cost, records[1].rejected.as_deref()),
        (answer_cost, None)
    );
    assert_eq!(budget.spent(), rejected_cost + answer_cost);
    assert_eq!(router.ledger().total(), rejected_cost + answer_cost);
}

#[tokio::test]
async fn a_retry_that_no_longer_fits_the_budget_is_refused_before_it_is_sent() {
    let server = MockServer::start().await;
    answer_in_turn(
        &server,
        OPENAI_PATH,
        vec![
            // Cut off at max_tokens: billed, unusable.
            ok(json!({
                "choices": [{"index": 0, "finish_reason": "length",
                    "message": {"role": "assistant", "content": "{\"logline\": \"Steel"}}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 256}
            })),
            ok(completion(r#"{"logline": "Steel bends."}"#, 100, 10)),
        ],
    )
    .await;
    let model = registry(&server.uri()).text("openai:gpt-4.1-mini").unwrap();
    let request = text_request();
    let quote = model.quote(&request);
    let charged = Money::from_micros(40 + 410); // 100 in, 256 out
    assert!(charged <= quote, "the quote is an upper bound");
    // The first attempt fits; after its charge, a second quote does not.
    let limit = quote + charged - Money::from_micros(1);
    let (router, budget) = router(model, Some(limit));

    let err = router.text().generate(&request).await.unwrap_err();

    assert_eq!(err.kind, ProviderErrorKind::BudgetExceeded, "{err}");
    assert!(err.message.contains("nothing was sent"), "{err}");
    assert!(err.billed.is_none(), "the router settled the charge itself");
    assert_eq!(sent(&server).await, 1, "the retry was sent over budget");
    let records = router.ledger().records();
    assert_eq!(records.len(), 1, "{records:#?}");
    let reason = records[0].rejected.as_deref().unwrap();
    assert!(reason.contains("cut off at max_tokens"), "{reason}");
    assert_eq!(records[0].cost, charged);
    assert_eq!(budget.spent(), charged);
    assert_eq!(budget.reserved(), Money::ZERO);
}

#[tokio::test]
async fn failures_without_an_answer_or_its_usage_stay_free() {
    let server = MockServer::start().await;
    answer_in_turn(
        &server,
        OPENAI_PATH,
        vec![
            ResponseTemplate::new(503),
            ResponseTemplate::new(429).insert_header("retry-after", "0"),
            // Malformed, and no usage reported: nothing is known to be billed.
            ok(json!({"choices": [{"index": 0, "finish_reason": "stop",
                "message": {"role": "assistant", "content": "not json"}}]})),
            ok(completion(r#"{"logline": "Steel bends."}"#, 1000, 250)),
        ],
    )
    .await;
    let model = registry(&server.uri()).text("openai:gpt-4.1-mini").unwrap();
    let router = Router::new(
        Chains {
            text: vec![model],
            ..Chains::default()
        },
        RouterOptions {
            retry: RetryPolicy {
                max_attempts: 4,
                base_delay_ms: 1,
                max_delay_ms: 5,
                max_retry_after_ms: 10_000,
            },
            ..RouterOptions::default()
        },
    );

    let out = router.text().generate(&text_request()).await.unwrap();

    assert_eq!(sent(&server).await, 4);
    let records = router.ledger().records();
    assert_eq!(records.len(), 1, "{records:#?}");
    assert!(!records[0].is_rejected());
    assert_eq!(router.budget().spent(), out.cost);
}

/// A request whose schema types the items of an array, and an answer with one
/// bad item among good ones.
fn items_request(fit: SchemaFit) -> TextRequest {
    TextRequest {
        schema_name: "shots".into(),
        schema: json!({
            "type": "object",
            "properties": {"shots": {"type": "array", "items": {
                "type": "object",
                "properties": {"size": {"type": "string", "enum": ["WS", "MS", "CU"]}},
                "required": ["size"]
            }}},
            "required": ["shots"]
        }),
        fit,
        ..text_request()
    }
}

const ITEMS_ANSWER: &str = r#"{"shots": [{"size": "WS"}, {"size": "MEDIUM"}, {"size": "CU"}]}"#;

#[tokio::test]
async fn an_envelope_request_takes_bad_items_at_the_first_attempt_and_a_strict_one_does_not() {
    for (fit, want_requests) in [(SchemaFit::Envelope, 1), (SchemaFit::Strict, 3)] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(OPENAI_PATH))
            .respond_with(ok(completion(ITEMS_ANSWER, 100, 50)))
            .mount(&server)
            .await;
        let model = registry(&server.uri()).text("openai:gpt-4.1-mini").unwrap();
        let (router, _) = router(model, None);
        let result = router.text().generate(&items_request(fit)).await;
        assert_eq!(sent(&server).await, want_requests, "{fit:?}");
        let records = router.ledger().records();
        assert_eq!(records.len(), want_requests, "every answer was billed");
        match fit {
            SchemaFit::Envelope => {
                let out = result.unwrap();
                assert_eq!(out.json["shots"][1]["size"], "MEDIUM", "left to the caller");
                assert!(!records[0].is_rejected());
            }
            SchemaFit::Strict => {
                let err = result.unwrap_err();
                assert_eq!(err.kind, ProviderErrorKind::Malformed, "{err}");
                assert!(err.message.contains("$.shots[1].size"), "{err}");
                assert!(records.iter().all(UsageRecord::is_rejected));
            }
        }
        // What the provider is told is the same: the whole schema.
        let body: Value =
            serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
        assert_eq!(
            body["response_format"]["json_schema"]["schema"],
            items_request(fit).schema
        );
    }
}

#[tokio::test]
async fn gemini_envelope_requests_are_lenient_too() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GEMINI_PATH))
        .respond_with(ok(gemini_answer(ITEMS_ANSWER, 100, 50, 0)))
        .mount(&server)
        .await;
    let model = registry(&server.uri())
        .text("gemini:gemini-2.5-flash")
        .unwrap();
    let out = model
        .generate(&items_request(SchemaFit::Envelope))
        .await
        .unwrap();
    assert_eq!(out.json["shots"].as_array().unwrap().len(), 3);
    let err = model
        .generate(&items_request(SchemaFit::Strict))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Malformed);
    // The client reports what the rejected answer cost; the router charges it.
    let billed = err.billed.unwrap();
    assert_eq!(billed.cost, out.cost);
    assert_eq!(billed.units, out.usage.units());
}

const GEMINI_IMAGE_PATH: &str = "/v1beta/models/gemini-2.5-flash-image:generateContent";

fn money(s: &str) -> Money {
    s.parse().unwrap()
}

#[tokio::test]
async fn a_flux_image_blacked_out_by_the_safety_checker_is_charged() {
    let server = MockServer::start().await;
    mount_queue(
        &server,
        "fal-ai/flux/dev",
        "fal-ai/flux",
        ok(flux_output(&server, &[true])),
    )
    .await;
    mount_files(&server, 1).await;
    let model = registry(&server.uri()).image("fal:flux-dev").unwrap();
    let (router, budget) = image_router(model, Some(money("1")));

    let err = router
        .image()
        .generate(&image_request("x"))
        .await
        .unwrap_err();

    assert_eq!(err.kind, ProviderErrorKind::SafetyBlocked, "{err}");
    // Fal bills the image it made: 1 MP × $0.025.
    let records = router.ledger().records();
    assert_eq!(records.len(), 1, "{records:#?}");
    let reason = records[0].rejected.as_deref().unwrap();
    assert!(reason.contains("has_nsfw_concepts"), "{reason}");
    assert_eq!(records[0].cost, money("0.025"));
    assert_eq!(records[0].quantity(UnitKind::Image), 1);
    assert_eq!(budget.spent(), money("0.025"));
    assert_eq!(budget.reserved(), Money::ZERO);
    assert!(
        !server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .any(|r| r.url.path().starts_with("/files/")),
        "a blacked-out image is not downloaded"
    );
}

#[tokio::test]
async fn flagged_flux_images_beside_kept_ones_are_charged_with_them() {
    let server = MockServer::start().await;
    mount_queue(
        &server,
        "fal-ai/flux/dev",
        "fal-ai/flux",
        ok(flux_output(&server, &[true, false])),
    )
    .await;
    mount_files(&server, 2).await;
    let model = registry(&server.uri()).image("fal:flux-dev").unwrap();
    let (router, budget) = image_router(model, None);
    let mut request = image_request("x");
    request.count = 2;

    let images = router.image().generate(&request).await.unwrap();

    assert_eq!(images.len(), 1, "the clean image is kept");
    // Both images were made and billed: 2 × 1 MP × $0.025.
    assert_eq!(images[0].cost, money("0.05"));
    assert_eq!(router.ledger().total(), money("0.05"));
    assert_eq!(budget.spent(), money("0.05"));
}

#[tokio::test]
async fn gemini_image_answers_without_an_image_are_charged_their_tokens() {
    for (answer, why) in [
        (
            json!({"candidates": [{"finishReason": "IMAGE_SAFETY"}],
                "usageMetadata": {"promptTokenCount": 1000, "totalTokenCount": 1000}}),
            "safety filter (IMAGE_SAFETY)",
        ),
        (
            json!({"candidates": [{"content": {"parts": [{"text": "I can't draw that."}]},
                "finishReason": "STOP"}],
                "usageMetadata": {"promptTokenCount": 1000, "candidatesTokenCount": 8}}),
            "declined to draw",
        ),
    ] {
        let server = MockServer::start().await;
        answer_in_turn(&server, GEMINI_IMAGE_PATH, vec![ok(answer)]).await;
        let model = registry(&server.uri()).image("gemini:image").unwrap();
        let (router, budget) = image_router(model, Some(money("1")));

        let err = router
            .image()
            .generate(&image_request("x"))
            .await
            .unwrap_err();

        assert_eq!(err.kind, ProviderErrorKind::SafetyBlocked, "{err}");
        let records = router.ledger().records();
        assert_eq!(records.len(), 1, "{records:#?}");
        assert!(
            records[0].rejected.as_deref().unwrap().contains(why),
            "{why}"
        );
        // 1,000 prompt tokens at $0.30/M; the table prices no text output
        // for `gemini:image`.
        assert_eq!(records[0].cost, Money::from_micros(300), "{why}");
        assert_eq!(records[0].quantity(UnitKind::InputToken), 1000);
        assert_eq!(budget.spent(), Money::from_micros(300), "{why}");
    }
}

#[tokio::test]
async fn gemini_images_made_before_a_refusal_stay_charged() {
    let server = MockServer::start().await;
    let b64 = base64::engine::general_purpose::STANDARD;
    answer_in_turn(
        &server,
        GEMINI_IMAGE_PATH,
        vec![
            ok(json!({
                "candidates": [{"content": {"parts": [{"inlineData": {
                    "mimeType": "image/png", "data": b64.encode(png(1344, 768))}}]},
                    "finishReason": "STOP"}],
                "usageMetadata": {"promptTokenCount": 100}
            })),
            ok(json!({"promptFeedback": {"blockReason": "OTHER"},
                "usageMetadata": {"promptTokenCount": 100}})),
        ],
    )
    .await;
    let model = registry(&server.uri()).image("gemini:image").unwrap();
    let (router, budget) = image_router(model, None);
    let mut request = image_request("x");
    request.count = 2;

    let err = router.image().generate(&request).await.unwrap_err();

    assert_eq!(err.kind, ProviderErrorKind::SafetyBlocked, "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    // The first image ($0.039 + 100 tokens at $0.30/M) and the refused
    // second call's 100 tokens.
    let first = money("0.039") + Money::from_micros(30);
    let total = first + Money::from_micros(30);
    let records = router.ledger().records();
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(records[0].cost, total);
    assert_eq!(records[0].quantity(UnitKind::Image), 1);
    assert_eq!(records[0].quantity(UnitKind::InputToken), 100);
    assert_eq!(budget.spent(), total);
}
