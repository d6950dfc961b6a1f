//! `alkemy migrate --database URL`: applies the database migrations.
//!
//! Also holds the `--database` / `--storage` flags that `worker`, `export`
//! and `import` share.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::exit::bad_input;

/// Where the database and the media live.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    /// Database URL: `postgres://user@host/db`, `sqlite://path` or a file
    /// path. Default: `alkemy.db` in the data directory.
    #[arg(long, env = "ALKEMY_DATABASE_URL")]
    pub database: Option<String>,
    /// Media storage: a directory, `file:///dir` or `s3://bucket/prefix`
    /// (with the usual `AWS_*` variables). Default: `media/` in the data
    /// directory.
    #[arg(long, env = "ALKEMY_STORAGE_URL")]
    pub storage: Option<String>,
    /// Data directory for the defaults above.
    #[arg(long, env = "ALKEMY_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

impl StoreArgs {
    fn data_dir(&self) -> PathBuf {
        if let Some(d) = &self.data_dir {
            return d.clone();
        }
        if let Some(d) = std::env::var_os("XDG_DATA_HOME") {
            return PathBuf::from(d).join("alkemy");
        }
        match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(".local/share/alkemy"),
            None => PathBuf::from(".alkemy"),
        }
    }

    /// The database URL.
    pub fn database_url(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.database {
            return Ok(url.clone());
        }
        let dir = self.data_dir();
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating the data directory {}", dir.display()))?;
        Ok(format!("sqlite://{}", dir.join("alkemy.db").display()))
    }

    /// The storage URL.
    pub fn storage_url(&self) -> String {
        match &self.storage {
            Some(url) => url.clone(),
            None => self.data_dir().join("media").display().to_string(),
        }
    }

    /// Opens the store.
    pub async fn open(
        &self,
        migrate: bool,
    ) -> anyhow::Result<std::sync::Arc<dyn alkemy_store::Store>> {
        let url = self.database_url()?;
        alkemy_store::open(
            &url,
            alkemy_store::OpenOptions {
                migrate,
                ..alkemy_store::OpenOptions::default()
            },
        )
        .await
        .map_err(|e| store_error(e, &format!("opening {}", redact(&url))))
    }

    /// Opens the blob storage.
    pub fn blobs(&self) -> anyhow::Result<alkemy_store::BlobStore> {
        let url = self.storage_url();
        alkemy_store::BlobStore::open(&url).map_err(|e| store_error(e, &format!("opening {url}")))
    }
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A store error as a CLI error: what the caller got wrong exits 2.
pub fn store_error(e: alkemy_store::StoreError, context: &str) -> anyhow::Error {
    use alkemy_store::StoreError;
    match e {
        StoreError::NotFound(_)
        | StoreError::Invalid(_)
        | StoreError::Forbidden(_)
        | StoreError::Conflict(_) => bad_input(format!("{context}: {e}")),
        other => anyhow::Error::new(other).context(context.to_owned()),
    }
}

/// Builds the async runtime the store commands run on.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Arguments of `alkemy migrate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Database and storage.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let url = args.store.database_url()?;
    runtime()?.block_on(async {
        alkemy_store::migrate(&url)
            .await
            .map_err(|e| store_error(e, &format!("migrating {}", redact(&url))))
    })?;
    eprintln!("migrated {}", redact(&url));
    Ok(ExitCode::SUCCESS)
}
