//! Persistence: projects, assets, jobs and usage in SQLite (default) or
//! PostgreSQL (with row-level security) behind one `Store` trait; media in blob
//! storage (local files or S3-compatible) through `object_store`; a durable job
//! queue with leases and heartbeats.
