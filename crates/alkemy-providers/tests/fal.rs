//! Fal clients against a mock server speaking Fal's queue and storage APIs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read as _;

use alkemy_core::{IdentityRef, InputImage, Money, ProviderErrorKind, TrainRequest};
use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn statuses(requests: &[wiremock::Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

#[tokio::test]
async fn flux_dev_runs_through_the_queue() {
    let server = MockServer::start().await;
    let expected = json!({
        "prompt": "a welder at dusk",
        "image_size": {"width": 1280, "height": 720},
        "num_images": 2,
        "seed": 42,
        "enable_safety_checker": true,
        "output_format": "png",
        "num_inference_steps": 28,
        "guidance_scale": 3.5
    });
    mount_queue(
        &server,
        "fal-ai/flux/dev",
        "fal-ai/flux",
        ResponseTemplate::new(200).set_body_json(flux_output(&server, &[false, false])),
    )
    .await;
    mount_files(&server, 2).await;
    let model = registry(&server.uri()).image("fal:flux-dev").unwrap();
    let mut request = image_request("a welder at dusk");
    request.count = 2;
    assert_eq!(
        model.quote(&request),
        "0.05".parse::<Money>().unwrap(),
        "2 × 1 MP × $0.025"
    );
    let images = model.generate(&request).await.unwrap();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0].seed, Some(1234));
    assert_eq!(images[0].cost, "0.025".parse::<Money>().unwrap());
    let got = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body, expected, "the documented flux/dev input");
    let seq = statuses(&got);
    assert_eq!(
        seq.iter().filter(|s| s.ends_with("/status")).count(),
        3,
        "{seq:?}"
    );
    assert!(got.iter().all(|r| !r.url.as_str().contains("test-fal-key")));
    let file_fetch = got
        .iter()
        .find(|r| r.url.path().starts_with("/files/"))
        .unwrap();
    assert!(
        file_fetch.headers.get("authorization").is_none(),
        "no key sent with downloads"
    );
}

#[tokio::test]
async fn identities_go_to_flux_lora_as_loras() {
    let server = MockServer::start().await;
    mount_queue(
        &server,
        "fal-ai/flux-lora",
        "fal-ai/flux-lora",
        ResponseTemplate::new(200).set_body_json(flux_output(&server, &[false])),
    )
    .await;
    mount_files(&server, 1).await;
    let model = registry(&server.uri()).image("fal:flux-dev").unwrap();
    let mut request = image_request("ohwx man welding");
    request.identities = vec![IdentityRef {
        character: "RAY".into(),
        lora_url: "https://v3.fal.media/files/ray.safetensors".into(),
        trigger: "ohwx".into(),
        scale: 0.9,
    }];
    assert_eq!(
        model.quote(&request),
        "0.035".parse::<Money>().unwrap(),
        "priced as flux-lora"
    );
    let images = model.generate(&request).await.unwrap();
    assert_eq!(images[0].model, "fal:flux-lora");
    let body: Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(
        body["loras"],
        json!([{"path": "https://v3.fal.media/files/ray.safetensors", "scale": 0.9f32}])
    );
    let pro = registry(&server.uri()).image("fal:flux-pro").unwrap();
    let err = pro.generate(&request).await.unwrap_err();
    assert_eq!(
        err.kind,
        ProviderErrorKind::ModelUnavailable,
        "pro cannot apply a LoRA: fall through"
    );
}

#[tokio::test]
async fn content_policy_and_nsfw_flags_are_safety_blocks() {
    let server = MockServer::start().await;
    mount_queue(&server, "fal-ai/flux/dev", "fal-ai/flux",
        ResponseTemplate::new(422).set_body_json(json!({"detail": [{
            "loc": ["body", "prompt"], "msg": "The content was flagged by a content checker.",
            "type": "content_policy_violation", "url": "https://docs.fal.ai/errors#content_policy_violation"}]}))).await;
    let model = registry(&server.uri()).image("fal:flux-dev").unwrap();
    let err = model.generate(&image_request("x")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::SafetyBlocked, "{err}");

    let server = MockServer::start().await;
    mount_queue(
        &server,
        "fal-ai/flux/dev",
        "fal-ai/flux",
        ResponseTemplate::new(200).set_body_json(flux_output(&server, &[true])),
    )
    .await;
    mount_files(&server, 1).await;
    let model = registry(&server.uri()).image("fal:flux-dev").unwrap();
    let err = model.generate(&image_request("x")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::SafetyBlocked);
    assert!(err.message.contains("has_nsfw_concepts"), "{err}");

    // One of two flagged: the clean one is kept.
    let server = MockServer::start().await;
    mount_queue(
        &server,
        "fal-ai/flux/dev",
        "fal-ai/flux",
        ResponseTemplate::new(200).set_body_json(flux_output(&server, &[true, false])),
    )
    .await;
    mount_files(&server, 2).await;
    let model = registry(&server.uri()).image("fal:flux-dev").unwrap();
    let mut request = image_request("x");
    request.count = 2;
    assert_eq!(model.generate(&request).await.unwrap().len(), 1);
}

#[tokio::test]
async fn submit_failures_are_classified() {
    let cases = [
        (
            ResponseTemplate::new(429).insert_header("retry-after", "2"),
            ProviderErrorKind::RateLimited {
                retry_after_ms: Some(2000),
            },
        ),
        (
            ResponseTemplate::new(503),
            ProviderErrorKind::Server { status: 503 },
        ),
        (
            ResponseTemplate::new(500).insert_header("x-fal-retryable", "false"),
            ProviderErrorKind::ModelUnavailable,
        ),
        (ResponseTemplate::new(401), ProviderErrorKind::Unauthorized),
        (
            ResponseTemplate::new(403)
                .set_body_json(json!({"detail": "User is locked. Reason: Exhausted balance."})),
            ProviderErrorKind::QuotaExhausted,
        ),
        (
            ResponseTemplate::new(200).set_body_string("<html>oops"),
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
            .and(path("/fal-ai/flux/dev"))
            .respond_with(template)
            .mount(&server)
            .await;
        let model = registry(&server.uri()).image("fal:flux-dev").unwrap();
        let err = model.generate(&image_request("x")).await.unwrap_err();
        assert_eq!(err.kind, want, "{err}");
        assert!(!err.to_string().contains(FAL_KEY));
    }
}

#[tokio::test]
async fn a_stuck_request_is_cancelled_after_the_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/fal-ai/flux/dev"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"request_id": "req-9"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fal-ai/flux/requests/req-9/status"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"status": "IN_QUEUE"})))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/fal-ai/flux/requests/req-9/cancel"))
        .and(header("authorization", AUTH))
        .respond_with(
            ResponseTemplate::new(202).set_body_json(json!({"status": "CANCELLATION_REQUESTED"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut t = timeouts();
    t.image = fast_poll(150);
    let model = registry_with(&server.uri(), t)
        .image("fal:flux-dev")
        .unwrap();
    let err = model.generate(&image_request("x")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Timeout);
    // The cancel is sent from a spawned task; give it a moment.
    for _ in 0..50 {
        if statuses(&server.received_requests().await.unwrap())
            .iter()
            .any(|s| s.starts_with("PUT"))
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no cancel was sent");
}

#[tokio::test]
async fn dropping_the_call_cancels_the_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/fal-ai/kling-video/v2.1/standard/image-to-video"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"request_id": "req-5"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fal-ai/kling-video/requests/req-5/status"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"status": "IN_PROGRESS"})))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/fal-ai/kling-video/requests/req-5/cancel"))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    let model = registry(&server.uri()).video("fal:kling").unwrap();
    let request = video_request(5_000);
    let call = model.generate(&request);
    let abandoned = tokio::time::timeout(std::time::Duration::from_millis(100), call).await;
    assert!(abandoned.is_err(), "still running when dropped");
    for _ in 0..50 {
        if statuses(&server.received_requests().await.unwrap())
            .iter()
            .any(|s| s.starts_with("PUT"))
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no cancel was sent after the drop");
}

#[tokio::test]
async fn kling_and_wan_inputs_and_results() {
    let server = MockServer::start().await;
    let video_url = format!("{}/files/clip.mp4", server.uri());
    mount_queue(
        &server,
        "fal-ai/kling-video/v2.1/pro/image-to-video",
        "fal-ai/kling-video",
        ResponseTemplate::new(200)
            .set_body_json(json!({"video": {"url": video_url, "content_type": "video/mp4"}})),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/files/clip.mp4"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(mp4(10_000, 1280, 720)))
        .mount(&server)
        .await;
    let model = registry(&server.uri()).video("fal:kling-pro").unwrap();
    let mut request = video_request(9_000);
    request.last_frame = Some(InputImage::new(png(1280, 720), "image/png"));
    let video = model.generate(&request).await.unwrap();
    assert_eq!(video.duration_ms, 10_000);
    assert_eq!(video.cost, "0.90".parse::<Money>().unwrap(), "10 s × $0.09");
    let body: Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(body["duration"], "10");
    assert!(
        body["image_url"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    assert!(
        body["tail_image_url"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );

    let server = MockServer::start().await;
    let video_url = format!("{}/files/clip.mp4", server.uri());
    mount_queue(
        &server,
        "fal-ai/wan-i2v",
        "fal-ai/wan-i2v",
        ResponseTemplate::new(200).set_body_json(json!({"video": {"url": video_url}, "seed": 3})),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/files/clip.mp4"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(mp4(5_062, 1280, 720)))
        .mount(&server)
        .await;
    let model = registry(&server.uri()).video("fal:wan").unwrap();
    let video = model.generate(&video_request(3_000)).await.unwrap();
    assert_eq!(video.cost, "0.40".parse::<Money>().unwrap(), "per clip");
    let body: Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(
        (
            body["num_frames"].as_u64(),
            body["frames_per_second"].as_u64()
        ),
        (Some(81), Some(16))
    );
    assert_eq!(body["resolution"], "720p");
    assert_eq!(body["aspect_ratio"], "16:9");
}

#[tokio::test]
async fn training_zips_uploads_and_returns_the_lora() {
    let server = MockServer::start().await;
    let upload_url = format!("{}/upload/signed-abc", server.uri());
    Mock::given(method("POST"))
        .and(path("/storage/upload/initiate"))
        .and(query_param("storage_type", "fal-cdn-v3"))
        .and(header("authorization", AUTH))
        .and(body_json(
            json!({"content_type": "application/zip", "file_name": "references.zip"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "upload_url": upload_url, "file_url": "https://v3.fal.media/files/refs.zip"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/upload/signed-abc"))
        .and(header("content-type", "application/zip"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    mount_queue(&server, "fal-ai/flux-lora-fast-training", "fal-ai/flux-lora-fast-training",
        ResponseTemplate::new(200).set_body_json(json!({
            "diffusers_lora_file": {"url": "https://v3.fal.media/files/ray.safetensors", "content_type": "application/octet-stream"},
            "config_file": {"url": "https://v3.fal.media/files/config.json"}}))).await;
    let trainer = registry(&server.uri())
        .identity("fal:flux-lora-fast-training")
        .unwrap();
    let request = TrainRequest {
        character: "RAY".into(),
        trigger_word: "ohwx".into(),
        images: vec![
            InputImage::new(png(512, 512), "image/png"),
            InputImage::new(b"\xff\xd8jpeg-bytes".to_vec(), "image/jpeg"),
        ],
        steps: 500,
    };
    assert_eq!(
        trainer.quote(&request),
        "1.00".parse::<Money>().unwrap(),
        "$2 per 1000 steps"
    );
    let identity = trainer.train(&request).await.unwrap();
    assert_eq!(
        identity.lora_url,
        "https://v3.fal.media/files/ray.safetensors"
    );
    assert_eq!(identity.trigger_word, "ohwx");
    let got = server.received_requests().await.unwrap();
    let put = got.iter().find(|r| r.method.as_str() == "PUT").unwrap();
    assert!(
        put.headers.get("authorization").is_none(),
        "no key to the signed URL"
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(put.body.clone())).unwrap();
    assert_eq!(zip.len(), 2);
    let mut first = Vec::new();
    zip.by_name("000.png")
        .unwrap()
        .read_to_end(&mut first)
        .unwrap();
    assert_eq!(first, png(512, 512));
    assert!(zip.by_name("001.jpg").is_ok());
    let submit = got
        .iter()
        .find(|r| r.url.path() == "/fal-ai/flux-lora-fast-training")
        .unwrap();
    let body: Value = serde_json::from_slice(&submit.body).unwrap();
    assert_eq!(
        body,
        json!({"images_data_url": "https://v3.fal.media/files/refs.zip",
        "trigger_word": "ohwx", "steps": 500, "create_masks": true, "is_style": false})
    );
}

#[tokio::test]
async fn downloads_follow_redirects_but_check_every_hop() {
    let server = MockServer::start().await;
    mount_queue(
        &server,
        "fal-ai/flux/dev",
        "fal-ai/flux",
        ResponseTemplate::new(200).set_body_json(flux_output(&server, &[false])),
    )
    .await;
    // out0.png redirects on the same trusted host, then to the metadata service.
    Mock::given(method("GET"))
        .and(path("/files/out0.png"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/files/moved.png"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/files/moved.png"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", "https://169.254.169.254/latest/meta-data"),
        )
        .mount(&server)
        .await;
    let model = registry(&server.uri()).image("fal:flux-dev").unwrap();
    let err = model.generate(&image_request("x")).await.unwrap_err();
    assert!(
        err.message.contains("refused") && err.message.contains("169.254.169.254"),
        "{err}"
    );

    let server = MockServer::start().await;
    mount_queue(
        &server,
        "fal-ai/flux/dev",
        "fal-ai/flux",
        ResponseTemplate::new(200).set_body_json(flux_output(&server, &[false])),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/files/out0.png"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/files/moved.png"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/files/moved.png"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(png(1280, 720)))
        .mount(&server)
        .await;
    let model = registry(&server.uri()).image("fal:flux-dev").unwrap();
    let images = model.generate(&image_request("x")).await.unwrap();
    assert_eq!(images[0].bytes, png(1280, 720));
}

#[tokio::test]
async fn clips_longer_than_the_model_makes_fall_through_unsent() {
    let server = MockServer::start().await;
    let registry = registry(&server.uri());
    for (id, too_long) in [("fal:kling", 10_001), ("fal:wan", 6_300)] {
        let model = registry.video(id).unwrap();
        let err = model.generate(&video_request(too_long)).await.unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::ModelUnavailable, "{id}: {err}");
        assert!(err.message.contains("at most"), "{id}: {err}");
    }
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing is submitted, so nothing is paid"
    );
}
