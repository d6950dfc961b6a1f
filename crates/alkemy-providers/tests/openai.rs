//! The OpenAI-compatible client against a mock `/v1/chat/completions`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use alkemy_core::{Money, ProviderErrorKind};
use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn completion(content: Value, finish: &str) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4.1-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": null}, "finish_reason": finish}],
        "usage": {"prompt_tokens": 2000, "completion_tokens": 500, "total_tokens": 2500}
    })
}

#[tokio::test]
async fn sends_json_schema_response_format_with_bearer_auth() {
    let server = MockServer::start().await;
    let request = text_request();
    let expected = json!({
        "model": "gpt-4.1-mini",
        "messages": [
            {"role": "system", "content": "You are a script analyst."},
            {"role": "user", "content": "Give a logline."}
        ],
        "response_format": {"type": "json_schema", "json_schema": {
            "name": "logline", "schema": request.schema, "strict": true}},
        "max_tokens": 256,
        "temperature": 0.2f32
    });
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header(
            "authorization",
            format!("Bearer {OPENAI_KEY}").as_str(),
        ))
        .and(body_json(&expected))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(completion(json!("{\"logline\":\"Steel bends.\"}"), "stop")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let model = registry(&server.uri()).text("openai:gpt-4.1-mini").unwrap();
    let out = model.generate(&request).await.unwrap();
    assert_eq!(out.json["logline"], "Steel bends.");
    // $0.40/M × 2000 + $1.60/M × 500 = $0.0008 + $0.0008.
    assert_eq!(out.cost, "0.0016".parse::<Money>().unwrap());
}

#[tokio::test]
async fn refusals_filters_and_bad_answers_are_classified() {
    let cases = [
        (
            json!({"choices": [{"message": {"content": null, "refusal": "I can't help with that."}, "finish_reason": "stop"}]}),
            ProviderErrorKind::SafetyBlocked,
        ),
        (
            completion(json!(""), "content_filter"),
            ProviderErrorKind::SafetyBlocked,
        ),
        (
            completion(json!("{\"logline\": \"cut"), "length"),
            ProviderErrorKind::Malformed,
        ),
        (
            completion(json!("not json"), "stop"),
            ProviderErrorKind::Malformed,
        ),
        (
            completion(json!("{\"other\": 1}"), "stop"),
            ProviderErrorKind::Malformed,
        ),
        (json!({"choices": []}), ProviderErrorKind::Malformed),
    ];
    for (body, want) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/chat/completions"))
            .respond_with(ResponseTemplate::new(200).set_body_json(&body))
            .mount(&server)
            .await;
        let model = registry(&server.uri()).text("openai:gpt-4.1-mini").unwrap();
        let err = model.generate(&text_request()).await.unwrap_err();
        assert_eq!(err.kind, want, "{body}");
    }
}

#[tokio::test]
async fn http_errors_are_classified() {
    let cases = [
        (ResponseTemplate::new(429).insert_header("retry-after", "1"), ProviderErrorKind::RateLimited { retry_after_ms: Some(1000) }),
        (ResponseTemplate::new(429).set_body_json(json!({"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "code": "insufficient_quota"}})), ProviderErrorKind::QuotaExhausted),
        (ResponseTemplate::new(404).set_body_json(json!({"error": {"code": "model_not_found"}})), ProviderErrorKind::ModelUnavailable),
        (ResponseTemplate::new(401), ProviderErrorKind::Unauthorized),
        (ResponseTemplate::new(502), ProviderErrorKind::Server { status: 502 }),
        (ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(3)), ProviderErrorKind::Timeout),
    ];
    for (template, want) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/chat/completions"))
            .respond_with(template)
            .mount(&server)
            .await;
        let model = registry(&server.uri()).text("openai:gpt-4.1-mini").unwrap();
        let err = model.generate(&text_request()).await.unwrap_err();
        assert_eq!(err.kind, want, "{err}");
    }
}

#[tokio::test]
async fn local_servers_need_no_key_and_cost_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(
            json!("```json\n{\"logline\":\"x\"}\n```"),
            "stop",
        )))
        .mount(&server)
        .await;
    let base = server.uri();
    let vars = [("ALKEMY_OPENAI_URL", format!("{base}/v1"))];
    let endpoints = alkemy_providers::Endpoints::from_lookup(|k| {
        vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
    })
    .unwrap();
    let registry = alkemy_providers::Registry::new(
        endpoints,
        alkemy_providers::Keys::default(),
        alkemy_providers::PriceTable::builtin().unwrap(),
        timeouts(),
    );
    let model = registry.text("openai:llama3.1").unwrap();
    let out = model.generate(&text_request()).await.unwrap();
    assert_eq!(out.json["logline"], "x");
    assert_eq!(out.cost, Money::ZERO);
    let got = &server.received_requests().await.unwrap()[0];
    assert!(got.headers.get("authorization").is_none());
}
