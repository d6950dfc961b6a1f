//! A chain member: any model of the capability, cloud or local, seen through
//! one interface.

use std::sync::Arc;

use alkemy_core::{
    GeneratedImage, GeneratedVideo, IdentityTrainer, ImageModel, ImageRequest, Money,
    ProviderError, TextModel, TextRequest, TextResponse, TrainRequest, TrainedIdentity, VideoModel,
    VideoRequest,
};
use async_trait::async_trait;

/// One model in a chain.
#[async_trait]
pub(crate) trait Member<Req, Out>: Send + Sync {
    /// `provider:model`.
    fn id(&self) -> &str;
    /// Its price for the request.
    fn quote(&self, request: &Req) -> Money;
    /// Makes the call.
    async fn call(&self, request: &Req) -> Result<Out, ProviderError>;
}

#[async_trait]
impl Member<TextRequest, TextResponse> for Arc<dyn TextModel> {
    fn id(&self) -> &str {
        TextModel::id(self.as_ref())
    }
    fn quote(&self, request: &TextRequest) -> Money {
        TextModel::quote(self.as_ref(), request)
    }
    async fn call(&self, request: &TextRequest) -> Result<TextResponse, ProviderError> {
        self.generate(request).await
    }
}

#[async_trait]
impl Member<ImageRequest, Vec<GeneratedImage>> for Arc<dyn ImageModel> {
    fn id(&self) -> &str {
        ImageModel::id(self.as_ref())
    }
    fn quote(&self, request: &ImageRequest) -> Money {
        ImageModel::quote(self.as_ref(), request)
    }
    async fn call(&self, request: &ImageRequest) -> Result<Vec<GeneratedImage>, ProviderError> {
        self.generate(request).await
    }
}

#[async_trait]
impl Member<VideoRequest, GeneratedVideo> for Arc<dyn VideoModel> {
    fn id(&self) -> &str {
        VideoModel::id(self.as_ref())
    }
    fn quote(&self, request: &VideoRequest) -> Money {
        VideoModel::quote(self.as_ref(), request)
    }
    async fn call(&self, request: &VideoRequest) -> Result<GeneratedVideo, ProviderError> {
        self.generate(request).await
    }
}

#[async_trait]
impl Member<TrainRequest, TrainedIdentity> for Arc<dyn IdentityTrainer> {
    fn id(&self) -> &str {
        IdentityTrainer::id(self.as_ref())
    }
    fn quote(&self, request: &TrainRequest) -> Money {
        IdentityTrainer::quote(self.as_ref(), request)
    }
    async fn call(&self, request: &TrainRequest) -> Result<TrainedIdentity, ProviderError> {
        self.train(request).await
    }
}
