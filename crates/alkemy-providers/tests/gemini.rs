//! Gemini and Veo clients against a mock server speaking the Gemini API's
//! documented wire format.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use alkemy_core::{InputImage, Money, ProviderErrorKind};
use base64::Engine as _;
use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TEXT_PATH: &str = "/v1beta/models/gemini-2.5-flash:generateContent";

fn answer(text: &str) -> Value {
    json!({
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 1000, "candidatesTokenCount": 150, "thoughtsTokenCount": 50, "totalTokenCount": 1200}
    })
}

#[tokio::test]
async fn text_sends_the_documented_body_and_parses_the_answer() {
    let server = MockServer::start().await;
    let expected = json!({
        "contents": [{"role": "user", "parts": [{"text": "Give a logline."}]}],
        "generationConfig": {
            "responseMimeType": "application/json",
            "responseSchema": {
                "type": "object",
                "properties": {"logline": {"type": "string"}},
                "required": ["logline"],
                "propertyOrdering": ["logline"]
            },
            "maxOutputTokens": 256,
            "temperature": 0.2f32
        },
        "systemInstruction": {"parts": [{"text": "You are a script analyst."}]}
    });
    Mock::given(method("POST"))
        .and(path(TEXT_PATH))
        .and(header("x-goog-api-key", GEMINI_KEY))
        .and(body_json(&expected))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(answer(r#"{"logline": "A welder fights back."}"#)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let model = registry(&server.uri())
        .text("gemini:gemini-2.5-flash")
        .unwrap();
    let out = model.generate(&text_request()).await.unwrap();
    assert_eq!(out.json, json!({"logline": "A welder fights back."}));
    assert_eq!(
        (out.usage.input, out.usage.output),
        (1000, 200),
        "thoughts billed as output"
    );
    // $0.30/M × 1000 + $2.50/M × 200 = $0.0003 + $0.0005.
    assert_eq!(out.cost, "0.0008".parse::<Money>().unwrap());
    assert_eq!(out.model, "gemini:gemini-2.5-flash");
    let sent = &server.received_requests().await.unwrap()[0];
    assert!(
        !sent.url.as_str().contains(GEMINI_KEY),
        "key never in the URL"
    );
}

#[tokio::test]
async fn text_safety_blocks_are_classified() {
    let cases = [
        json!({"promptFeedback": {"blockReason": "SAFETY"}}),
        json!({"candidates": [{"finishReason": "SAFETY", "content": {"parts": []}}]}),
        json!({"candidates": [{"finishReason": "PROHIBITED_CONTENT"}]}),
    ];
    for body in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(TEXT_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_json(&body))
            .mount(&server)
            .await;
        let model = registry(&server.uri())
            .text("gemini:gemini-2.5-flash")
            .unwrap();
        let err = model.generate(&text_request()).await.unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::SafetyBlocked, "{body}");
    }
}

#[tokio::test]
async fn http_failures_are_classified() {
    let cases: Vec<(ResponseTemplate, ProviderErrorKind)> = vec![
        (
            ResponseTemplate::new(429).insert_header("retry-after", "7"),
            ProviderErrorKind::RateLimited { retry_after_ms: Some(7000) },
        ),
        (
            ResponseTemplate::new(429).set_body_json(json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
                "message": "quota", "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}]}})),
            ProviderErrorKind::RateLimited { retry_after_ms: Some(37_000) },
        ),
        (ResponseTemplate::new(500), ProviderErrorKind::Server { status: 500 }),
        (ResponseTemplate::new(503), ProviderErrorKind::Server { status: 503 }),
        (
            ResponseTemplate::new(400).set_body_json(json!({"error": {"code": 400, "status": "INVALID_ARGUMENT",
                "message": "API key not valid. Please pass a valid API key."}})),
            ProviderErrorKind::Unauthorized,
        ),
        (ResponseTemplate::new(404), ProviderErrorKind::ModelUnavailable),
        (ResponseTemplate::new(200).set_body_string("{not json"), ProviderErrorKind::Malformed),
        (
            ResponseTemplate::new(200).set_body_json(answer("this is not JSON")),
            ProviderErrorKind::Malformed,
        ),
        (
            ResponseTemplate::new(200).set_body_json(answer(r#"{"title": "missing logline"}"#)),
            ProviderErrorKind::Malformed,
        ),
        (
            ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(3)),
            ProviderErrorKind::Timeout,
        ),
    ];
    for (template, want) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(TEXT_PATH))
            .respond_with(template)
            .mount(&server)
            .await;
        let model = registry(&server.uri())
            .text("gemini:gemini-2.5-flash")
            .unwrap();
        let err = model.generate(&text_request()).await.unwrap_err();
        assert_eq!(err.kind, want, "{err}");
        assert!(!err.to_string().contains(GEMINI_KEY));
    }
}

#[tokio::test]
async fn image_sends_references_inline_and_decodes_the_answer() {
    let server = MockServer::start().await;
    let reference = InputImage::new(png(64, 64), "image/png");
    let b64 = base64::engine::general_purpose::STANDARD;
    let out_png = png(1344, 768);
    Mock::given(method("POST"))
        .and(path(
            "/v1beta/models/gemini-2.5-flash-image:generateContent",
        ))
        .and(header("x-goog-api-key", GEMINI_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "candidates": [{"content": {"parts": [
                {"text": "Here it is."},
                {"inlineData": {"mimeType": "image/png", "data": b64.encode(&out_png)}}
            ]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 300}
        })))
        .expect(2)
        .mount(&server)
        .await;
    let model = registry(&server.uri()).image("gemini:image").unwrap();
    let mut request = image_request("a welder at dusk");
    request.negative_prompt = "text".into();
    request.references = vec![reference.clone()];
    request.count = 2;
    let images = model.generate(&request).await.unwrap();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0].bytes, out_png);
    assert_eq!((images[0].width, images[0].height), (1344, 768));
    let sent: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let parts = &sent[0]["contents"][0]["parts"];
    assert_eq!(parts[0]["text"], "a welder at dusk\nAvoid: text");
    assert_eq!(parts[1]["inlineData"]["data"], b64.encode(&reference.bytes));
    assert_eq!(
        sent[0]["generationConfig"]["responseModalities"],
        json!(["IMAGE"])
    );
    assert_eq!(
        sent[0]["generationConfig"]["imageConfig"]["aspectRatio"],
        "16:9"
    );
    assert_ne!(
        sent[0]["generationConfig"]["seed"], sent[1]["generationConfig"]["seed"],
        "variants differ"
    );
    // $0.039 per image + 300 input tokens at $0.30/M.
    assert_eq!(images[0].cost, "0.03909".parse::<Money>().unwrap());
}

#[tokio::test]
async fn image_refusal_in_words_is_a_safety_block() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1beta/models/gemini-2.5-flash-image:generateContent"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "candidates": [{"content": {"parts": [{"text": "I can't create that image."}]}, "finishReason": "STOP"}]
        })))
        .mount(&server)
        .await;
    let model = registry(&server.uri()).image("gemini:image").unwrap();
    let err = model.generate(&image_request("x")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::SafetyBlocked);
}

const VEO_SUBMIT: &str = "/v1beta/models/veo-3.1-generate-preview:predictLongRunning";
const OP: &str = "models/veo-3.1-generate-preview/operations/op123";

async fn mount_veo(server: &MockServer, done: Value) {
    Mock::given(method("POST"))
        .and(path(VEO_SUBMIT))
        .and(header("x-goog-api-key", GEMINI_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": OP})))
        .expect(1)
        .mount(server)
        .await;
    // Two polls still running, one transient failure, then done.
    Mock::given(method("GET"))
        .and(path(format!("/v1beta/{OP}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": OP, "done": false})))
        .up_to_n_times(2)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1beta/{OP}")))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1beta/{OP}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(done))
        .mount(server)
        .await;
}

fn done_with(uri: &str) -> Value {
    json!({"name": OP, "done": true, "response": {
        "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse",
        "generateVideoResponse": {"generatedSamples": [{"video": {"uri": uri}}]}}})
}

#[tokio::test]
async fn veo_polls_the_operation_and_downloads_with_the_key_on_its_origin() {
    let server = MockServer::start().await;
    let uri = format!("{}/v1beta/files/vid1:download?alt=media", server.uri());
    mount_veo(&server, done_with(&uri)).await;
    let clip = mp4(8_000, 1280, 720);
    Mock::given(method("GET"))
        .and(path("/v1beta/files/vid1:download"))
        .and(header("x-goog-api-key", GEMINI_KEY))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "video/mp4")
                .set_body_bytes(clip.clone()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let model = registry(&server.uri()).video("gemini:veo-3.1").unwrap();
    let mut request = video_request(5_000);
    request.negative_prompt = "cartoon".into();
    request.last_frame = Some(InputImage::new(png(1280, 720), "image/png"));
    assert_eq!(model.quote(&request), "3.20".parse::<Money>().unwrap());
    let video = model.generate(&request).await.unwrap();
    assert_eq!(video.bytes, clip);
    assert_eq!(
        (video.duration_ms, video.width, video.height),
        (8_000, 1280, 720)
    );
    assert_eq!(video.cost, "3.20".parse::<Money>().unwrap(), "8 s at $0.40");
    let sent = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&sent[0].body).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    assert_eq!(
        body["parameters"]["durationSeconds"], 8,
        "a last frame needs 8 s"
    );
    assert_eq!(body["parameters"]["aspectRatio"], "16:9");
    assert_eq!(body["parameters"]["resolution"], "720p");
    assert_eq!(body["parameters"]["negativePrompt"], "cartoon");
    assert_eq!(body["instances"][0]["prompt"], "slow push in");
    assert_eq!(
        body["instances"][0]["image"]["bytesBase64Encoded"],
        b64.encode(png(1280, 720))
    );
    assert_eq!(body["instances"][0]["lastFrame"]["mimeType"], "image/png");
}

#[tokio::test]
async fn veo_never_sends_the_key_to_another_origin() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    let uri = format!("{}/clip.mp4", elsewhere.uri());
    mount_veo(&server, done_with(&uri)).await;
    Mock::given(method("GET"))
        .and(path("/clip.mp4"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(mp4(4_000, 1280, 720)))
        .expect(1)
        .mount(&elsewhere)
        .await;
    let model = registry(&server.uri()).video("gemini:veo-3.1").unwrap();
    let video = model.generate(&video_request(4_000)).await.unwrap();
    assert_eq!(video.duration_ms, 4_000);
    assert_eq!(video.cost, "1.60".parse::<Money>().unwrap(), "4 s at $0.40");
    let got = &elsewhere.received_requests().await.unwrap()[0];
    assert!(
        got.headers.get("x-goog-api-key").is_none(),
        "key stays on its origin"
    );
}

#[tokio::test]
async fn veo_refuses_private_download_addresses() {
    let server = MockServer::start().await;
    mount_veo(
        &server,
        done_with("https://169.254.169.254/latest/meta-data"),
    )
    .await;
    let model = registry(&server.uri()).video("gemini:veo-3.1").unwrap();
    let err = model.generate(&video_request(8_000)).await.unwrap_err();
    assert!(err.message.contains("refused"), "{err}");
    assert_eq!(err.kind, ProviderErrorKind::ModelUnavailable);
}

#[tokio::test]
async fn veo_safety_filter_and_operation_errors() {
    let server = MockServer::start().await;
    mount_veo(
        &server,
        json!({"name": OP, "done": true, "response": {"generateVideoResponse": {
        "raiMediaFilteredCount": 1,
        "raiMediaFilteredReasons": ["The video was filtered because it violates our policies."]}}}),
    )
    .await;
    let model = registry(&server.uri()).video("gemini:veo-3.1").unwrap();
    let err = model.generate(&video_request(8_000)).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::SafetyBlocked);
    assert!(err.message.contains("violates our policies"), "{err}");

    let server = MockServer::start().await;
    mount_veo(
        &server,
        json!({"name": OP, "done": true, "error": {"code": 13, "message": "internal"}}),
    )
    .await;
    let model = registry(&server.uri()).video("gemini:veo-3.1").unwrap();
    let err = model.generate(&video_request(8_000)).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Server { status: 500 });
}

#[tokio::test]
async fn veo_gives_up_after_the_overall_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(VEO_SUBMIT))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": OP})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1beta/{OP}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": OP, "done": false})))
        .mount(&server)
        .await;
    let mut t = timeouts();
    t.video = fast_poll(200);
    let model = registry_with(&server.uri(), t)
        .video("gemini:veo-3.1")
        .unwrap();
    let err = model.generate(&video_request(8_000)).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Timeout);
    let polls = server.received_requests().await.unwrap().len() - 1;
    assert!(polls >= 3, "polled {polls} times before giving up");
}
