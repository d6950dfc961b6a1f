//! Structured text from Gemini: `generateContent` with `responseMimeType:
//! application/json` and a `responseSchema`.

use alkemy_core::{Money, ProviderError, TextModel, TextRequest, TextResponse, TokenUsage};
use async_trait::async_trait;
use serde_json::{Value, json};

use super::{GeminiClient, token_upper_bound};
use crate::http::malformed;
use crate::prices::Price;
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
        self.price
            .tokens(input, u64::from(request.max_output_tokens))
    }

    async fn generate(&self, request: &TextRequest) -> Result<TextResponse, ProviderError> {
        let answer = self
            .client
            .generate_content(&self.id, &self.model, &Self::body(request))
            .await?;
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
        let json = schema::parse_answer(&self.id, text.trim(), &request.schema)?;
        let meta = answer.usage_metadata.unwrap_or_default();
        let usage = TokenUsage {
            input: meta.prompt_token_count,
            output: meta.candidates_token_count + meta.thoughts_token_count,
        };
        Ok(TextResponse {
            json,
            usage,
            model: self.id.clone(),
            cost: self.price.tokens(usage.input, usage.output),
        })
    }
}
