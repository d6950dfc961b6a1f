//! `alkemy export PROJECT --format bundle --out FILE`: writes a project as
//! a portable bundle archive (project JSON + media).
//!
//! `alkemy export PROJECT --format folder --out DIR`: writes the project's
//! finished production (queued by `alkemy submit`, run by `alkemy worker`)
//! as the folder `alkemy produce` makes: frames, clips, animatic, timelines,
//! storyboards, manifest.

use std::path::PathBuf;
use std::process::ExitCode;

use alkemy_core::ProjectId;

use super::migrate::{StoreArgs, runtime, store_error};
use crate::exit::bad_input;

/// What to export.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// A portable archive of the whole project: `alkemy import` reads it.
    Bundle,
    /// The finished production's files, laid out as `alkemy produce` does.
    Folder,
}

/// Arguments of `alkemy export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project's id.
    pub project: String,
    /// What to write.
    #[arg(long, value_enum, default_value = "bundle")]
    pub format: Format,
    /// Where to write it (default: `<project id>.alkemy` for a bundle,
    /// `<project id>/` for a folder).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Act as this user (e-mail); default: the project's owner.
    #[arg(long)]
    pub user: Option<String>,
    /// Database and storage.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let project: ProjectId = args
        .project
        .parse()
        .map_err(|e| bad_input(format!("{e}")))?;
    let out = args.out.clone().unwrap_or_else(|| match args.format {
        Format::Bundle => PathBuf::from(format!("{project}.alkemy")),
        Format::Folder => PathBuf::from(project.to_string()),
    });
    if matches!(args.format, Format::Folder) && out.is_file() {
        return Err(bad_input(format!(
            "--out {}: is a file; give a folder",
            out.display()
        )));
    }
    runtime()?.block_on(async {
        let store = args.store.open(false).await?;
        let blobs = args.store.blobs()?;
        let actor = match &args.user {
            Some(email) => {
                store
                    .user_by_email(email)
                    .await
                    .map_err(|e| store_error(e, "looking up the user"))?
                    .ok_or_else(|| bad_input(format!("no user with e-mail {email}")))?
                    .id
            }
            None => store
                .project_owner(project)
                .await
                .map_err(|e| store_error(e, "finding the project"))?,
        };
        if let Format::Folder = args.format {
            let fetched = alkemy_jobs::fetch_outputs(&*store, &blobs, actor, project, &out)
                .await
                .map_err(|e| match e {
                    alkemy_jobs::FetchError::Store(e) => {
                        store_error(e, &format!("exporting project {project}"))
                    }
                    alkemy_jobs::FetchError::NotProduced { .. } => bad_input(e.to_string()),
                    other => anyhow::Error::new(other),
                })?;
            println!(
                "{}: project {project}, {} files, {} bytes",
                out.display(),
                fetched.files.len(),
                fetched.bytes
            );
            return Ok(ExitCode::SUCCESS);
        }
        let summary = alkemy_store::bundle::write_archive(&*store, &blobs, actor, project, &out)
            .await
            .map_err(|e| store_error(e, &format!("exporting project {project}")))?;
        println!(
            "{}: project {project}, {} media files, {} bytes of media",
            out.display(),
            summary.media_files,
            summary.media_bytes
        );
        Ok(ExitCode::SUCCESS)
    })
}
