//! `alkemy import FILE --user EMAIL`: recreates a project from a bundle
//! archive written by `alkemy export --format bundle`, on either database
//! backend, ids and times kept.

use std::path::PathBuf;
use std::process::ExitCode;

use alkemy_store::model::NewUser;

use super::migrate::{StoreArgs, runtime, store_error};
use crate::exit::bad_input;

/// Arguments of `alkemy import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle archive.
    pub file: PathBuf,
    /// The user (e-mail) who will own the imported project.
    #[arg(long)]
    pub user: String,
    /// Create that user if there is none.
    #[arg(long)]
    pub create_user: bool,
    /// Database and storage.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.file.is_file() {
        return Err(bad_input(format!("{}: no such file", args.file.display())));
    }
    runtime()?.block_on(async {
        let store = args.store.open(false).await?;
        let blobs = args.store.blobs()?;
        let user = match store
            .user_by_email(&args.user)
            .await
            .map_err(|e| store_error(e, "looking up the user"))?
        {
            Some(u) => u,
            None if args.create_user => store
                .create_user(NewUser {
                    email: args.user.clone(),
                    display_name: args.user.clone(),
                    password_hash: None,
                })
                .await
                .map_err(|e| store_error(e, "creating the user"))?,
            None => {
                return Err(bad_input(format!(
                    "no user with e-mail {} (add --create-user to make one)",
                    args.user
                )));
            }
        };
        let (project, summary) =
            alkemy_store::bundle::read_archive(&*store, &blobs, user.id, &args.file)
                .await
                .map_err(|e| store_error(e, &format!("importing {}", args.file.display())))?;
        println!(
            "imported {:?} as project {} for {} ({} media files)",
            project.title, project.id, user.email, summary.media_files
        );
        Ok(ExitCode::SUCCESS)
    })
}
