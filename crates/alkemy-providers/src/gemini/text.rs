//! Structured text from Gemini: `generateContent` with `responseMimeType:
//! application/json` and a `responseSchema`.

use alkemy_core::{Money, ProviderError, TextModel, TextRequest, TextResponse, TokenUsage};
use async_trait::async_trait;
use serde_json::{Value, json};

use super::wire::{GenerateContentResponse, UsageMetadata};
use super::{GeminiClient, refusal, token_upper_bound};
use crate::http::malformed;
use crate::prices::{Price, bill_rejected};
use crate::schema;

/// A Gemini text model (`gemini:gemini-2.5-flash`, `gemini:gemini-2.5-pro`…).
#[derive(Debug, Clone)]
pub struct GeminiText {
    id: String,
    model: String,
    client: GeminiClient,
    price: Price,
}

impl GeminiText {
    /// `model` is the API name (`gemini-2.5-flash`); `price` its table entry.
    pub fn new(client: GeminiClient, model: &str, price: Price) -> Self {
        Self {
            id: format!("gemini:{model}"),
            model: model.to_owned(),
            client,
            price,
        }
    }

    /// The request body.
    pub(crate) fn body(request: &TextRequest) -> Value {
        let mut config = json!({
            "responseMimeType": "application/json",
            "responseSchema": schema::to_gemini(&request.schema),
            "maxOutputTokens": request.max_output_tokens,
        });
        if let Some(t) = request.temperature {
            config["temperature"] = json!(t);
        }
        let mut body = json!({
            "contents": [{"role": "user", "parts": [{"text": request.prompt}]}],
            "generationConfig": config,
        });
        if !request.system.is_empty() {
            body["systemInstruction"] = json!({"parts": [{"text": request.system}]});
        }
        body
    }
}

#[async_trait]
impl TextModel for GeminiText {
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
        let answer = self
            .client
            .generate_content(&self.id, &self.model, &Self::body(request))
            .await?;
        // An answer arrived: Google billed it whether or not it is used.
        let usage = answer.usage_metadata.as_ref().map(UsageMetadata::tokens);
        match self.read(&answer, request) {
            Ok(json) => {
                let usage = usage.unwrap_or_default();
                Ok(TextResponse {
                    json,
                    usage,
                    model: self.id.clone(),
                    cost: self.price.text(usage),
                })
            }
            Err(err) => Err(bill_rejected(err, &self.price, usage)),
        }
    }
}

impl GeminiText {
    /// The JSON answer, or why it cannot be used (a safety refusal, no
    /// candidate, an answer cut off or not fitting the schema).
    fn read(
        &self,
        answer: &GenerateContentResponse,
        request: &TextRequest,
    ) -> Result<Value, ProviderError> {
        if let Some(err) = refusal(&self.id, answer) {
            return Err(err);
        }
        let candidate = answer
            .candidates
            .first()
            .ok_or_else(|| malformed(&self.id, "answer has no candidates"))?;
        let text: String = candidate
            .content
            .iter()
            .flat_map(|c| &c.parts)
            .filter(|p| !p.thought)
            .filter_map(|p| p.text.as_deref())
            .collect();
        if candidate.finish_reason.as_deref() == Some("MAX_TOKENS") {
            return Err(malformed(
                &self.id,
                format!(
                    "answer cut off at max_output_tokens ({})",
                    request.max_output_tokens
                ),
            ));
        }
        schema::parse_answer(&self.id, text.trim(), &request.schema, request.fit)
    }
}
