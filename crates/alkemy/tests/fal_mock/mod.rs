//! A mock of Fal's queue API for the binary's end-to-end tests (submit →
//! status polling → result, files served by the mock), with seeded fault
//! injection: retryable failures and content-policy refusals. The built
//! binary is pointed at it through `ALKEMY_FAL_URL` and a `FAL_KEY` of
//! `mock-fal-key`; nothing leaves the machine.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alkemy_core::ContentHash;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const FLUX_DEV: &str = "fal-ai/flux/dev";
pub const FLUX_SCHNELL: &str = "fal-ai/flux/schnell";
pub const KLING_PATH: &str = "fal-ai/kling-video/v2.1/standard/image-to-video";

/// How the mock misbehaves.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    pub seed: u64,
    /// Share of calls (submissions) failing with a retryable error.
    pub transient: f64,
    /// Share of requests the content checker refuses, per model.
    pub safety: f64,
}

#[derive(Debug)]
struct Job {
    app: String,
    model: String,
    output: Value,
    file: (String, Vec<u8>),
    blocked: bool,
    polls: u32,
    delivered: bool,
}

#[derive(Debug, Default)]
pub struct Log {
    pub requests: u64,
    pub submits: u64,
    pub transient: u64,
    pub blocked: u64,
    /// Results delivered (the calls Fal would bill), per model path.
    pub delivered: BTreeMap<String, u64>,
    /// Hashes of the files served.
    pub served: BTreeSet<ContentHash>,
    /// Calls per (model, prompt), for per-attempt fault draws.
    attempts: HashMap<(String, String), u32>,
}

pub struct FalMock {
    base: String,
    faults: Option<Faults>,
    jobs: Mutex<HashMap<String, Job>>,
    pub log: Mutex<Log>,
    clip5: Vec<u8>,
    clip10: Vec<u8>,
}

fn unit(parts: &impl Hash) -> f64 {
    let mut h = DefaultHasher::new();
    parts.hash(&mut h);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

fn clip(seconds: u32) -> Vec<u8> {
    let still = alkemy_media::RgbImage::filled(320, 180, [40, 90, 160]).unwrap();
    let animatic =
        alkemy_media::Animatic::new(alkemy_media::AnimaticOptions::new(320, 180, 24)).unwrap();
    animatic
        .clip(&still, &alkemy_media::ClipSpec::hold(seconds * 24), "mock")
        .unwrap()
        .to_mp4()
}

impl FalMock {
    fn json(status: u16, body: Value) -> ResponseTemplate {
        ResponseTemplate::new(status).set_body_json(body)
    }

    fn submit(&self, model: &str, body: &Value) -> ResponseTemplate {
        let prompt = body["prompt"].as_str().unwrap_or_default().to_owned();
        let mut log = self.log.lock().unwrap();
        log.submits += 1;
        let attempt = {
            let n = log
                .attempts
                .entry((model.to_owned(), prompt.clone()))
                .or_default();
            *n += 1;
            *n
        };
        let mut blocked = false;
        if let Some(f) = self.faults {
            let r = unit(&(f.seed, model, &prompt, attempt));
            if r < f.transient {
                log.transient += 1;
                let share = r / f.transient;
                return if share < 0.3 {
                    Self::json(429, json!({"detail": "rate limited"}))
                        .insert_header("retry-after", "1")
                } else if share < 0.6 {
                    Self::json(500, json!({"detail": "internal error"}))
                } else if share < 0.85 {
                    Self::json(503, json!({"detail": "service unavailable"}))
                } else {
                    // Longer than the client's request timeout.
                    Self::json(200, json!({"request_id": "too-late"}))
                        .set_delay(Duration::from_millis(2_000))
                };
            }
            blocked = unit(&(f.seed, "safety", model, &prompt)) < f.safety;
        }
        let id = format!("req-{}", log.submits);
        let app = {
            let parts: Vec<&str> = model.splitn(3, '/').collect();
            parts[..parts.len().min(2)].join("/")
        };
        let (output, file) = if model == KLING_PATH {
            let long = body["duration"] == "10";
            let bytes = if long {
                self.clip10.clone()
            } else {
                self.clip5.clone()
            };
            let name = format!("{id}.mp4");
            let url = format!("{}/files/{name}", self.base);
            (json!({"video": {"url": url}}), (name, bytes))
        } else {
            let w = body["image_size"]["width"].as_u64().unwrap() as u32;
            let h = body["image_size"]["height"].as_u64().unwrap() as u32;
            let mut hasher = DefaultHasher::new();
            (&prompt, model).hash(&mut hasher);
            let [r, g, b, ..] = hasher.finish().to_le_bytes();
            let png = alkemy_media::RgbImage::filled(w, h, [r, g, b])
                .unwrap()
                .to_png()
                .unwrap();
            let name = format!("{id}.png");
            let url = format!("{}/files/{name}", self.base);
            let output = json!({
                "images": [{"url": url, "width": w, "height": h, "content_type": "image/png"}],
                "seed": body["seed"],
                "has_nsfw_concepts": [false],
                "prompt": prompt,
            });
            (output, (name, png))
        };
        let answer = json!({
            "request_id": id,
            "status_url": format!("{}/{app}/requests/{id}/status", self.base),
            "response_url": format!("{}/{app}/requests/{id}", self.base),
            "cancel_url": format!("{}/{app}/requests/{id}/cancel", self.base),
        });
        drop(log);
        self.jobs.lock().unwrap().insert(
            id,
            Job {
                app,
                model: model.to_owned(),
                output,
                file,
                blocked,
                polls: 0,
                delivered: false,
            },
        );
        Self::json(200, answer)
    }

    fn get(&self, path: &str) -> ResponseTemplate {
        if let Some(name) = path.strip_prefix("/files/") {
            let jobs = self.jobs.lock().unwrap();
            let Some(job) = jobs.values().find(|j| j.file.0 == name) else {
                return ResponseTemplate::new(404);
            };
            let bytes = job.file.1.clone();
            self.log
                .lock()
                .unwrap()
                .served
                .insert(ContentHash::of_bytes(&bytes));
            let mime = if name.ends_with(".mp4") {
                "video/mp4"
            } else {
                "image/png"
            };
            return ResponseTemplate::new(200).set_body_raw(bytes, mime);
        }
        let mut jobs = self.jobs.lock().unwrap();
        let Some((app, rest)) = path.split_once("/requests/") else {
            return ResponseTemplate::new(404);
        };
        let id = rest.split('/').next().unwrap_or_default().to_owned();
        let Some(job) = jobs.get_mut(&id).filter(|j| format!("/{}", j.app) == app) else {
            return ResponseTemplate::new(404);
        };
        if path.ends_with("/status") {
            job.polls += 1;
            return if job.polls == 1 {
                Self::json(202, json!({"status": "IN_QUEUE", "queue_position": 0}))
            } else {
                Self::json(200, json!({"status": "COMPLETED", "request_id": id}))
            };
        }
        if job.blocked {
            let mut log = self.log.lock().unwrap();
            if !job.delivered {
                log.blocked += 1;
                job.delivered = true;
            }
            return Self::json(
                422,
                json!({"detail": [{
                    "loc": ["body", "prompt"],
                    "msg": "The content could not be processed: flagged by a content checker",
                    "type": "content_policy_violation"
                }]}),
            );
        }
        if !job.delivered {
            job.delivered = true;
            *self
                .log
                .lock()
                .unwrap()
                .delivered
                .entry(job.model.clone())
                .or_default() += 1;
        }
        Self::json(200, job.output.clone())
    }
}

struct Responder(Arc<FalMock>);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mock = &self.0;
        mock.log.lock().unwrap().requests += 1;
        let path = request.url.path().to_owned();
        let authorised = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some("Key mock-fal-key");
        if !authorised && !path.starts_with("/files/") {
            return FalMock::json(401, json!({"detail": "bad key"}));
        }
        match request.method.as_str() {
            "POST" => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                mock.submit(path.trim_start_matches('/'), &body)
            }
            "GET" => mock.get(&path),
            "PUT" => FalMock::json(200, json!({"status": "CANCELLATION_REQUESTED"})),
            _ => ResponseTemplate::new(405),
        }
    }
}

/// A mock Fal on loopback, served by `runtime`'s threads.
pub struct Fal {
    _server: MockServer,
    pub mock: Arc<FalMock>,
    pub uri: String,
}

impl Fal {
    pub fn start(runtime: &tokio::runtime::Runtime, faults: Option<Faults>) -> Self {
        let server = runtime.block_on(MockServer::start());
        let uri = server.uri();
        let mock = Arc::new(FalMock {
            base: uri.clone(),
            faults,
            jobs: Mutex::default(),
            log: Mutex::default(),
            clip5: clip(5),
            clip10: clip(10),
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

    pub fn requests(&self) -> u64 {
        self.mock.log.lock().unwrap().requests
    }
}
