//! Gemini API wire types (`generateContent`, long-running operations), as
//! documented for `v1beta`. Only the fields Alkemy reads are declared;
//! unknown fields are ignored so additions on Google's side do not break us.

use alkemy_core::TokenUsage;
use serde::Deserialize;

/// `GenerateContentResponse`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GenerateContentResponse {
    #[serde(default)]
    pub candidates: Vec<Candidate>,
    pub prompt_feedback: Option<PromptFeedback>,
    pub usage_metadata: Option<UsageMetadata>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Candidate {
    pub content: Option<Content>,
    pub finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Content {
    #[serde(default)]
    pub parts: Vec<Part>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Part {
    pub text: Option<String>,
    pub inline_data: Option<InlineData>,
    #[serde(default)]
    pub thought: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InlineData {
    pub mime_type: String,
    pub data: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PromptFeedback {
    pub block_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UsageMetadata {
    #[serde(default)]
    pub prompt_token_count: u64,
    #[serde(default)]
    pub candidates_token_count: u64,
    #[serde(default)]
    pub thoughts_token_count: u64,
}

impl UsageMetadata {
    /// The billed tokens: thinking tokens are billed as output.
    pub(crate) fn tokens(&self) -> TokenUsage {
        TokenUsage {
            input: self.prompt_token_count,
            output: self.candidates_token_count + self.thoughts_token_count,
        }
    }
}

/// A long-running operation.
#[derive(Debug, Deserialize)]
pub(crate) struct Operation {
    pub name: Option<String>,
    #[serde(default)]
    pub done: bool,
    pub error: Option<Status>,
    pub response: Option<OperationResponse>,
}

/// `google.rpc.Status`.
#[derive(Debug, Deserialize)]
pub(crate) struct Status {
    #[serde(default)]
    pub code: i64,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OperationResponse {
    pub generate_video_response: Option<GenerateVideoResponse>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GenerateVideoResponse {
    #[serde(default)]
    pub generated_samples: Vec<Sample>,
    #[serde(default)]
    pub rai_media_filtered_count: u32,
    #[serde(default)]
    pub rai_media_filtered_reasons: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Sample {
    pub video: Option<VideoRef>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct VideoRef {
    pub uri: Option<String>,
}

/// The error body of the Gemini API.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorDetail {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub details: Vec<serde_json::Value>,
}

/// Finish reasons that mean a safety or policy refusal.
pub(crate) const SAFETY_FINISH: &[&str] = &[
    "SAFETY",
    "BLOCKLIST",
    "PROHIBITED_CONTENT",
    "SPII",
    "IMAGE_SAFETY",
    "IMAGE_PROHIBITED_CONTENT",
    "RECITATION",
];
