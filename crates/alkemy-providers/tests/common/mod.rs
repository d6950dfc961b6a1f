//! Shared helpers for the provider tests: a registry aimed at a mock server,
//! fast polling, and small valid media.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use alkemy_core::{AspectRatio, ImageRequest, InputImage, SchemaFit, TextRequest, VideoRequest};
use alkemy_providers::backoff::PollPolicy;
use alkemy_providers::{Endpoints, Keys, PriceTable, Registry, Timeouts};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const FAL_KEY: &str = "test-fal-key-123";
pub const GEMINI_KEY: &str = "test-gemini-key-456";
pub const OPENAI_KEY: &str = "test-openai-key-789";

pub fn fast_poll(timeout_ms: u64) -> PollPolicy {
    PollPolicy {
        initial: Duration::from_millis(5),
        max_interval: Duration::from_millis(20),
        timeout: Duration::from_millis(timeout_ms),
        max_poll_errors: 3,
    }
}

pub fn timeouts() -> Timeouts {
    Timeouts {
        request: Duration::from_millis(800),
        image: fast_poll(3_000),
        video: fast_poll(3_000),
        training: fast_poll(3_000),
        download: Duration::from_secs(2),
    }
}

/// A registry whose every base URL is the mock server.
pub fn registry(base: &str) -> Registry {
    registry_with(base, timeouts())
}

pub fn registry_with(base: &str, timeouts: Timeouts) -> Registry {
    let vars = [
        ("ALKEMY_FAL_URL", base.to_owned()),
        ("ALKEMY_GEMINI_URL", base.to_owned()),
        ("ALKEMY_OPENAI_URL", format!("{base}/v1")),
    ];
    let lookup = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    let endpoints = Endpoints::from_lookup(lookup).unwrap();
    let keys = Keys::from_lookup(|k| match k {
        "FAL_KEY" => Some(FAL_KEY.into()),
        "GEMINI_API_KEY" => Some(GEMINI_KEY.into()),
        "OPENAI_API_KEY" => Some(OPENAI_KEY.into()),
        _ => None,
    });
    Registry::new(endpoints, keys, PriceTable::builtin().unwrap(), timeouts)
}

/// A PNG header claiming `w × h` (enough for size sniffing).
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend_from_slice(&w.to_be_bytes());
    b.extend_from_slice(&h.to_be_bytes());
    b.extend_from_slice(&[8, 2, 0, 0, 0, 0xde, 0xad]);
    b
}

fn boxed(name: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut b = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(name);
    b.extend_from_slice(payload);
    b
}

/// A minimal MP4 with a duration and a video track size.
pub fn mp4(duration_ms: u32, w: u32, h: u32) -> Vec<u8> {
    let mut mvhd = vec![0u8; 100];
    mvhd[12..16].copy_from_slice(&1000u32.to_be_bytes());
    mvhd[16..20].copy_from_slice(&duration_ms.to_be_bytes());
    let mut tkhd = vec![0u8; 84];
    tkhd[76..80].copy_from_slice(&(w << 16).to_be_bytes());
    tkhd[80..84].copy_from_slice(&(h << 16).to_be_bytes());
    let mut moov = boxed(b"mvhd", &mvhd);
    moov.extend(boxed(b"trak", &boxed(b"tkhd", &tkhd)));
    let mut out = boxed(b"ftyp", b"isom\0\0\0\0");
    out.extend(boxed(b"moov", &moov));
    out
}

pub fn image_request(prompt: &str) -> ImageRequest {
    ImageRequest {
        prompt: prompt.into(),
        negative_prompt: String::new(),
        aspect: AspectRatio::Widescreen,
        width: 1280,
        height: 720,
        seed: 42,
        count: 1,
        references: vec![],
        identities: vec![],
        shot: None,
    }
}

pub fn video_request(duration_ms: u32) -> VideoRequest {
    VideoRequest {
        prompt: "slow push in".into(),
        negative_prompt: String::new(),
        first_frame: InputImage::new(png(1280, 720), "image/png"),
        last_frame: None,
        duration_ms,
        aspect: AspectRatio::Widescreen,
        width: 1280,
        height: 720,
        fps: 24,
        seed: 7,
        shot: None,
    }
}

pub fn text_request() -> TextRequest {
    TextRequest {
        system: "You are a script analyst.".into(),
        prompt: "Give a logline.".into(),
        schema_name: "logline".into(),
        schema: json!({
            "type": "object",
            "properties": {"logline": {"type": "string"}},
            "required": ["logline"],
            "additionalProperties": false
        }),
        temperature: Some(0.2),
        max_output_tokens: 256,
        fit: SchemaFit::Strict,
    }
}

// --- Fal's queue API -----------------------------------------------------------

/// The `Authorization` header Fal expects for [`FAL_KEY`].
pub const AUTH: &str = "Key test-fal-key-123";

/// Mounts submit → IN_QUEUE → IN_PROGRESS → COMPLETED → result for a model.
pub async fn mount_queue(
    server: &MockServer,
    model_path: &str,
    app: &str,
    result: ResponseTemplate,
) {
    let base = format!("{}/{app}/requests/req-1", server.uri());
    Mock::given(method("POST"))
        .and(path(format!("/{model_path}")))
        .and(header("authorization", AUTH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "request_id": "req-1",
            "status_url": format!("{base}/status"),
            "response_url": base,
            "cancel_url": format!("{base}/cancel"),
            "queue_position": 2
        })))
        .expect(1)
        .mount(server)
        .await;
    let status = format!("/{app}/requests/req-1/status");
    Mock::given(method("GET"))
        .and(path(&status))
        .and(header("authorization", AUTH))
        .respond_with(
            ResponseTemplate::new(202)
                .set_body_json(json!({"status": "IN_QUEUE", "queue_position": 1})),
        )
        .up_to_n_times(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(&status))
        .respond_with(
            ResponseTemplate::new(202).set_body_json(json!({"status": "IN_PROGRESS", "logs": []})),
        )
        .up_to_n_times(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(&status))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "COMPLETED"})))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/{app}/requests/req-1")))
        .and(header("authorization", AUTH))
        .respond_with(result)
        .mount(server)
        .await;
}

/// A Flux result of one 1280×720 image per flag, flagged as `nsfw` says.
pub fn flux_output(server: &MockServer, nsfw: &[bool]) -> Value {
    let images: Vec<Value> = (0..nsfw.len())
        .map(|i| json!({"url": format!("{}/files/out{i}.png", server.uri()), "width": 1280, "height": 720, "content_type": "image/png"}))
        .collect();
    json!({"images": images, "seed": 1234, "has_nsfw_concepts": nsfw, "prompt": "p"})
}

/// Serves the images of [`flux_output`].
pub async fn mount_files(server: &MockServer, n: usize) {
    for i in 0..n {
        Mock::given(method("GET"))
            .and(path(format!("/files/out{i}.png")))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(png(1280, 720)))
            .mount(server)
            .await;
    }
}
