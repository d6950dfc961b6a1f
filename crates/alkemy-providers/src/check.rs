//! `alkemy providers check`: one cheap call per configured provider to see
//! which keys work.
//!
//! Gemini and OpenAI-compatible servers are checked with free metadata calls
//! (a model's description, the model list). Fal has no free authenticated
//! call, so it is checked with the cheapest real generation: one 256×256
//! `flux/schnell` image (4 steps), whose quote is reported before it runs.

use alkemy_core::{Money, ProviderErrorKind};
use serde::Serialize;

use crate::fal::{FalImage, Flux};
use crate::openai::OpenAiText;
use crate::registry::Registry;

/// The outcome of checking one provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyCheck {
    /// Provider name.
    pub provider: String,
    /// Whether a key (or a key-less local server) is configured.
    pub configured: bool,
    /// `Ok(what was checked)` or `Err(why it failed)`.
    pub result: Result<String, String>,
    /// What the check cost.
    pub cost: Money,
}

/// Whether the failure means the key itself is wrong.
fn describe(kind: &ProviderErrorKind, message: &str) -> String {
    match kind {
        ProviderErrorKind::Unauthorized => format!("key rejected: {message}"),
        ProviderErrorKind::QuotaExhausted => {
            format!("key works but the account has no credit: {message}")
        }
        _ => message.to_owned(),
    }
}

/// The price of the Fal check.
pub fn fal_check_quote(registry: &Registry) -> Money {
    registry
        .prices()
        .get("fal:flux-schnell")
        .map_or(Money::ZERO, |p| p.images(1, 256, 256))
}

/// Checks every provider; `include_paid` allows the paid Fal check.
pub async fn check_all(registry: &Registry, include_paid: bool) -> Vec<KeyCheck> {
    let mut out = Vec::new();

    let gemini = match registry.gemini("gemini:gemini-2.5-flash") {
        Ok(client) => KeyCheck {
            provider: "gemini".into(),
            configured: true,
            result: client
                .check("gemini-2.5-flash")
                .await
                .map(|()| "read model gemini-2.5-flash (free)".to_owned())
                .map_err(|e| describe(&e.kind, &e.message)),
            cost: Money::ZERO,
        },
        Err(e) => not_configured("gemini", &e.to_string()),
    };
    out.push(gemini);

    let openai_configured =
        registry.keys().openai.is_some() || !registry.endpoints().openai_is_default();
    if openai_configured {
        let client = OpenAiText::new(
            registry.endpoints().openai.clone(),
            registry.keys().openai.clone(),
            "check",
            crate::prices::Price {
                free: true,
                ..Default::default()
            },
            registry.context(),
        );
        out.push(KeyCheck {
            provider: "openai".into(),
            configured: true,
            result: client
                .check()
                .await
                .map(|()| format!("listed models at {} (free)", registry.endpoints().openai))
                .map_err(|e| describe(&e.kind, &e.message)),
            cost: Money::ZERO,
        });
    } else {
        out.push(not_configured(
            "openai",
            "set OPENAI_API_KEY or ALKEMY_OPENAI_URL",
        ));
    }

    let fal = match registry.fal("fal:flux-schnell") {
        Ok(_) if !include_paid => KeyCheck {
            provider: "fal".into(),
            configured: true,
            result: Err(format!(
                "not checked: Fal has no free call; the check makes one 256×256 image ({}); pass --paid",
                fal_check_quote(registry)
            )),
            cost: Money::ZERO,
        },
        Ok(client) => match FalImage::new(Flux::Schnell, client, registry.prices()) {
            Some(model) => {
                use alkemy_core::ImageModel as _;
                let mut request = alkemy_core::ImageRequest {
                    prompt: "a grey test card".into(),
                    negative_prompt: String::new(),
                    aspect: alkemy_core::AspectRatio::Square,
                    width: 256,
                    height: 256,
                    seed: 1,
                    count: 1,
                    references: vec![],
                    identities: vec![],
                    shot: None,
                };
                request.count = 1;
                match model.generate(&request).await {
                    Ok(images) => KeyCheck {
                        provider: "fal".into(),
                        configured: true,
                        result: Ok("generated one 256×256 flux/schnell image".into()),
                        cost: images.iter().map(|i| i.cost).sum(),
                    },
                    Err(e) => KeyCheck {
                        provider: "fal".into(),
                        configured: true,
                        result: Err(describe(&e.kind, &e.message)),
                        cost: Money::ZERO,
                    },
                }
            }
            None => not_configured("fal", "fal:flux-schnell has no price"),
        },
        Err(e) => not_configured("fal", &e.to_string()),
    };
    out.push(fal);
    out
}

fn not_configured(provider: &str, why: &str) -> KeyCheck {
    KeyCheck {
        provider: provider.into(),
        configured: false,
        result: Err(why.to_owned()),
        cost: Money::ZERO,
    }
}
