//! The production pipeline: from a breakdown to planned shots, prompts and
//! generated media, driven through the capability traits of `alkemy-core`.
//!
//! **Architecture invariant:** the studio asks for capabilities
//! (`ImageModel`, `VideoModel`…), never for a provider; which model answers is
//! decided by whoever builds the pipeline.
