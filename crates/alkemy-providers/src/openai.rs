//! Any OpenAI-compatible chat server (OpenAI, OpenRouter, Ollama, vLLM,
//! LM Studio): `POST {base}/chat/completions` with `response_format:
//! {type: "json_schema"}`. The base URL includes the version segment
//! (`https://api.openai.com/v1`, `http://localhost:11434/v1`); the key, if
//! any, goes in `Authorization: Bearer`. Local servers need none.

use std::sync::Arc;

use alkemy_core::{
    Money, ProviderError, ProviderErrorKind, TextModel, TextRequest, TextResponse, TokenUsage,
};
use async_trait::async_trait;
use reqwest::Url;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::context::ClientContext;
use crate::gemini::token_upper_bound;
use crate::http::{self, malformed};
use crate::prices::{Price, bill_rejected};
use crate::schema;
use crate::secret::ApiKey;

/// The default base URL.
pub const DEFAULT_BASE: &str = "https://api.openai.com/v1";

/// A chat model on an OpenAI-compatible server.
#[derive(Debug, Clone)]
pub struct OpenAiText {
    id: String,
    model: String,
    base: Url,
    key: Option<ApiKey>,
    price: Price,
    ctx: Arc<ClientContext>,
}

#[derive(Debug, Deserialize)]
struct Completion {
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    message: Option<Message>,
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Message {
    content: Option<String>,
    refusal: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

impl OpenAiText {
    /// `model` as the server names it.
    pub fn new(
        base: Url,
        key: Option<ApiKey>,
        model: &str,
        price: Price,
        ctx: Arc<ClientContext>,
    ) -> Self {
        Self {
            id: format!("openai:{model}"),
            model: model.to_owned(),
            base,
            key,
            price,
            ctx,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base.as_str().trim_end_matches('/'))
    }

    fn authorised(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.key {
            Some(k) => request.bearer_auth(k.expose()),
            None => request,
        }
    }

    /// The request body.
    pub(crate) fn body(&self, request: &TextRequest) -> Value {
        let mut messages = Vec::new();
        if !request.system.is_empty() {
            messages.push(json!({"role": "system", "content": request.system}));
        }
        messages.push(json!({"role": "user", "content": request.prompt}));
        let mut body = json!({
            "model": self.model,
            "messages": messages,
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": request.schema_name,
                    "schema": request.schema,
                    "strict": schema::openai_strict_ok(&request.schema),
                },
            },
            "max_tokens": request.max_output_tokens,
        });
        if let Some(t) = request.temperature {
            body["temperature"] = json!(t);
        }
        body
    }

    /// Checks the key with a free call: lists the server's models.
    pub async fn check(&self) -> Result<(), ProviderError> {
        let request = self.authorised(self.ctx.http.get(self.url("models")));
        http::send(&self.id, request).await.map(drop)
    }
}

#[async_trait]
impl TextModel for OpenAiText {
    fn id(&self) -> &str {
        &self.id
    }

    fn quote(&self, request: &TextRequest) -> Money {
        let schema = request.schema.to_string();
        let input = token_upper_bound(&[&request.system, &request.prompt, &schema]);
        self.price.text(TokenUsage {
            input,
            output: u64::from(request.max_output_tokens),
        })
    }

    async fn generate(&self, request: &TextRequest) -> Result<TextResponse, ProviderError> {
        let id = &self.id;
        let http_request = self
            .authorised(self.ctx.http.post(self.url("chat/completions")))
            .json(&self.body(request));
        let response = http::send(id, http_request).await?;
        let completion: Completion = http::read_json(id, response).await?;
        // An answer arrived: the server billed it whether or not it is used.
        let usage = completion.usage.as_ref().map(Usage::tokens);
        match answer(id, &completion, request) {
            Ok(json) => {
                let usage = usage.unwrap_or_default();
                Ok(TextResponse {
                    json,
                    usage,
                    model: id.clone(),
                    cost: self.price.text(usage),
                })
            }
            Err(err) => Err(bill_rejected(err, &self.price, usage)),
        }
    }
}

impl Usage {
    fn tokens(&self) -> TokenUsage {
        TokenUsage {
            input: self.prompt_tokens,
            output: self.completion_tokens,
        }
    }
}

/// The JSON answer of a completion, or why it cannot be used (a refusal, a
/// content filter, an answer cut off, missing or not fitting the schema).
fn answer(
    id: &str,
    completion: &Completion,
    request: &TextRequest,
) -> Result<Value, ProviderError> {
    let choice = completion
        .choices
        .first()
        .ok_or_else(|| malformed(id, "answer has no choices"))?;
    let message = choice.message.as_ref();
    if let Some(refusal) = message
        .and_then(|m| m.refusal.as_deref())
        .filter(|r| !r.is_empty())
    {
        return Err(ProviderError::new(
            id,
            ProviderErrorKind::SafetyBlocked,
            format!("model refused: {}", http::excerpt(refusal)),
        ));
    }
    match choice.finish_reason.as_deref() {
        Some("content_filter") => {
            return Err(ProviderError::new(
                id,
                ProviderErrorKind::SafetyBlocked,
                "answer stopped by the content filter",
            ));
        }
        Some("length") => {
            return Err(malformed(
                id,
                format!(
                    "answer cut off at max_tokens ({})",
                    request.max_output_tokens
                ),
            ));
        }
        _ => {}
    }
    let content = message
        .and_then(|m| m.content.as_deref())
        .ok_or_else(|| malformed(id, "answer has no content"))?;
    schema::parse_answer(id, strip_fences(content), &request.schema, request.fit)
}

/// Some local servers wrap JSON in a Markdown fence despite the schema.
fn strip_fences(s: &str) -> &str {
    let t = s.trim();
    t.strip_prefix("```json")
        .or_else(|| t.strip_prefix("```"))
        .and_then(|rest| rest.strip_suffix("```"))
        .map_or(t, str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_are_stripped() {
        assert_eq!(strip_fences("```json\n{\"a\":1}\n```"), "{\"a\":1}");
        assert_eq!(strip_fences(" {\"a\":1} "), "{\"a\":1}");
    }
}
