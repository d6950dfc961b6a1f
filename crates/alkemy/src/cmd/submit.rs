//! `alkemy submit FILE --database URL --storage URL`: stores a screenplay as
//! a project's new script version and queues its whole production as jobs
//! (analyze → plan → frame × N → animate × N → render → export). Workers
//! (`alkemy worker`) run them; `alkemy export PROJECT --format folder`
//! fetches the result. Prints the project id on stdout.

use std::path::PathBuf;
use std::process::ExitCode;

use alkemy_core::{AspectRatio, Money, ProjectId, ProjectSettings, Resolution, Screenplay};
use alkemy_jobs::GraphOptions;
use alkemy_script::Format;
use alkemy_store::model::{NewProject, NewScriptVersion, NewUser, ProjectPatch};
use alkemy_studio::StylePreset;
use alkemy_studio::produce::Models;

use super::migrate::{StoreArgs, runtime, store_error};
use crate::exit::bad_input;
use crate::input::read_script;

/// The account used when `--user` is not given (a single-user set-up).
const LOCAL_USER: &str = "local@localhost";

/// Arguments of `alkemy submit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The screenplay (Fountain, Final Draft FDX, PDF or plain text; a PDF
    /// is stored as the Fountain text read from it).
    pub file: PathBuf,
    /// Add the script as a new version of this project instead of making one.
    #[arg(long)]
    pub project: Option<String>,
    /// Act as this user (e-mail); made if missing. Default: a local user.
    #[arg(long)]
    pub user: Option<String>,
    /// Title of a new project (default: the script's title).
    #[arg(long)]
    pub title: Option<String>,
    /// Frame height: 480p, 720p or 1080p (default 720p for a new project).
    #[arg(long)]
    pub resolution: Option<Resolution>,
    /// Aspect ratio, e.g. 16:9 or 2.39:1.
    #[arg(long)]
    pub aspect: Option<AspectRatio>,
    /// Frames per second.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=120))]
    pub fps: Option<u32>,
    /// Shot style: classic, documentary or tableau.
    #[arg(long)]
    pub style: Option<StylePreset>,
    /// Most the project may spend on paid models, in US dollars (`0` for
    /// nothing). Workers reserve every paid call against it before sending
    /// it, across all of them; a call that would pass it is not sent and its
    /// job fails saying why. Kept on the project; `--budget none` removes it.
    #[arg(long, value_parser = project_budget)]
    pub budget: Option<ProjectBudget>,
    /// Attempts per job before it fails for good (a killed worker costs one).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub attempts: u32,
    /// Database and storage.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// The settings the flags ask for, over `base`.
fn settings(args: &Args, base: &ProjectSettings) -> ProjectSettings {
    let mut s = base.clone();
    if let Some(r) = args.resolution {
        s.resolution = r;
    }
    if let Some(a) = args.aspect {
        s.aspect = a;
    }
    if let Some(f) = args.fps {
        s.fps = f;
    }
    if let Some(style) = args.style {
        s.style = style.name().to_owned();
    }
    if let Some(ProjectBudget(budget)) = args.budget {
        s.budget = budget;
    }
    s
}

/// A project's spending limit as `--budget` gives it (`None`: no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectBudget(pub Option<Money>);

/// `--budget`: US dollars, or `none` for no limit.
fn project_budget(s: &str) -> Result<ProjectBudget, String> {
    if s.trim().eq_ignore_ascii_case("none") {
        return Ok(ProjectBudget(None));
    }
    super::produce::budget(s).map(|m| ProjectBudget(Some(m)))
}

/// A script as a version stores it: text, in a format the workers read it
/// in, and the screenplay it reads as.
struct StoredScript {
    text: String,
    format: Format,
    screenplay: Screenplay,
}

/// Reads `bytes` (checking it is a screenplay before anything is stored)
/// into what a script version stores. Text in a legacy encoding is kept
/// decoded; a PDF is kept as the Fountain text of what was read from it.
fn stored_script(bytes: &[u8], name: &str) -> anyhow::Result<StoredScript> {
    let bad = |e: alkemy_script::ReadError| bad_input(format!("{name}: {e}"));
    if alkemy_script::detect::is_pdf(bytes) {
        let screenplay = alkemy_script::read(bytes, Some(name)).map_err(bad)?;
        let text = alkemy_script::fountain::write(&screenplay);
        eprintln!(
            "{name}: read from the PDF ({} elements) and stored as Fountain text",
            screenplay.elements.len()
        );
        return Ok(StoredScript {
            text,
            format: Format::Fountain,
            screenplay,
        });
    }
    let (text, _encoding) = alkemy_script::decode::decode(bytes).map_err(bad)?;
    let text = text.into_owned();
    let format = match alkemy_script::detect::detect_text(&text, Some(name)) {
        Format::Pdf => Format::Fountain,
        other => other,
    };
    let screenplay = alkemy_script::read_as(text.as_bytes(), format).map_err(bad)?;
    Ok(StoredScript {
        text,
        format,
        screenplay,
    })
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (bytes, name) = read_script(&args.file)?;
    let script = stored_script(&bytes, &name)?;
    let project_id = args
        .project
        .as_deref()
        .map(str::parse::<ProjectId>)
        .transpose()
        .map_err(|e| bad_input(format!("--project: {e}")))?;
    runtime()?.block_on(async {
        let store = args.store.open(false).await?;
        let email = args.user.clone().unwrap_or_else(|| LOCAL_USER.to_owned());
        let user = match store
            .user_by_email(&email)
            .await
            .map_err(|e| store_error(e, "looking up the user"))?
        {
            Some(u) => u,
            None => store
                .create_user(NewUser {
                    email: email.clone(),
                    display_name: email.clone(),
                    password_hash: None,
                })
                .await
                .map_err(|e| store_error(e, "creating the user"))?,
        };
        let project = match project_id {
            Some(id) => {
                let project = store
                    .project(user.id, id)
                    .await
                    .map_err(|e| store_error(e, &format!("project {id}")))?;
                let wanted = settings(&args, &project.settings);
                if wanted == project.settings {
                    project
                } else {
                    let patch = ProjectPatch {
                        settings: Some(wanted),
                        ..ProjectPatch::default()
                    };
                    store
                        .update_project(user.id, id, project.version, patch)
                        .await
                        .map_err(|e| store_error(e, &format!("updating project {id}")))?
                }
            }
            None => {
                let breakdown = alkemy_script::breakdown(&script.screenplay);
                let title = args
                    .title
                    .clone()
                    .or(breakdown.title.filter(|t| !t.trim().is_empty()))
                    .unwrap_or_else(|| name.clone());
                store
                    .create_project(
                        user.id,
                        NewProject {
                            title,
                            settings: settings(&args, &ProjectSettings::default()),
                            ..NewProject::default()
                        },
                    )
                    .await
                    .map_err(|e| store_error(e, "creating the project"))?
            }
        };
        let version = store
            .add_script_version(
                user.id,
                project.id,
                NewScriptVersion {
                    source_name: name.clone(),
                    format: script.format.stored_name().to_owned(),
                    text: script.text,
                },
            )
            .await
            .map_err(|e| store_error(e, "storing the script"))?;
        let graph = GraphOptions {
            max_attempts: args.attempts,
            ..GraphOptions::default()
        };
        let submitted = alkemy_jobs::enqueue_production(
            &*store,
            user.id,
            project.id,
            &version,
            &Models::offline(),
            graph,
        )
        .await
        .map_err(|e| match e {
            alkemy_jobs::SubmitError::Store(e) => store_error(e, "queueing the production"),
            other => bad_input(format!("{name}: {other}")),
        })?;
        eprintln!(
            "queued {:?} (script version {}): {} shots, {} jobs; run `alkemy worker --drain` to produce it",
            submitted.title,
            version.number,
            submitted.shots,
            submitted.jobs.len()
        );
        println!("{}", project.id);
        Ok(ExitCode::SUCCESS)
    })
}
