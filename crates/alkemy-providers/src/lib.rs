//! Cloud AI providers behind the capability traits of `alkemy-core`: Gemini
//! (text, image), Veo (video), Fal.ai (Flux, LoRA training, image-to-video) and
//! any OpenAI-compatible chat server; and the router that chains them with
//! retries, fallback, a content-addressed cache, prices and budgets.
//!
//! **Architecture invariant:** no key is ever logged or written in clear.
