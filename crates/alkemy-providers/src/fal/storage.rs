//! Fal storage: a two-step upload (initiate on the REST API, then `PUT` the
//! bytes to the signed URL it returns), giving a file URL models can read.

use alkemy_core::ProviderError;
use reqwest::Url;
use serde::Deserialize;
use serde_json::json;

use super::FalClient;
use crate::http::{self, malformed};

#[derive(Debug, Deserialize)]
struct Initiated {
    upload_url: String,
    file_url: String,
}

impl FalClient {
    /// Uploads `bytes` and returns their file URL.
    pub(crate) async fn upload(
        &self,
        id: &str,
        bytes: Vec<u8>,
        content_type: &str,
        file_name: &str,
    ) -> Result<String, ProviderError> {
        let initiate = format!(
            "{}/storage/upload/initiate?storage_type=fal-cdn-v3",
            self.rest.as_str().trim_end_matches('/')
        );
        let request = self
            .ctx
            .http
            .post(initiate)
            .header(reqwest::header::AUTHORIZATION, self.auth())
            .json(&json!({"content_type": content_type, "file_name": file_name}));
        let initiated: Initiated = http::read_json(id, self.send(id, request).await?).await?;
        let upload = Url::parse(&initiated.upload_url)
            .map_err(|e| malformed(id, format!("bad upload URL: {e}")))?;
        // The signed URL is someone else's host: checked like any result URL,
        // and sent no key.
        self.ctx
            .downloader
            .policy()
            .check(&upload)
            .map_err(|why| malformed(id, format!("upload URL refused: {why}")))?;
        let put = self
            .ctx
            .http
            .put(upload)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(bytes);
        http::send(id, put).await?;
        Ok(initiated.file_url)
    }
}
