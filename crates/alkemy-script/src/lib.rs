//! Screenplay ingest and breakdown.
//!
//! Reads Fountain, Final Draft FDX, PDF and typewriter plain text into one
//! [`alkemy_core::Screenplay`], then breaks it down into scenes, characters,
//! locations, page-eighths and timings ([`alkemy_core::Breakdown`]).
//!
//! **Architecture invariant:** parsing never fails on text; it returns the
//! screenplay plus diagnostics. Only unreadable input (binary, oversized,
//! undecodable) is an error.
