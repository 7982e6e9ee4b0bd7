use std::path::PathBuf;

use app::ssr::services::policies;

use super::{open_db, recorded_actor, CommandError};
use crate::config::DatabaseArgs;

#[derive(Debug, clap::Args)]
pub struct PolicyPublishArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Policy files; each publishes a new version of the policy it names, if it changed.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The person recorded as publisher (must exist); "command line" if absent.
    #[arg(long)]
    pub by: Option<String>,
    /// The change note recorded with each new version.
    #[arg(long, default_value = "")]
    pub note: String,
}

/// Validates, tests and publishes each file; stops at the first file that cannot be published.
pub async fn run(args: PolicyPublishArgs) -> Result<(), CommandError> {
    let db = open_db(&args.database.database_url).await?;
    let actor = recorded_actor(&db, args.by.as_deref()).await?;
    // The command is the only work in its process: one evaluation slot per core.
    let pool = app::ssr::evaluation_pool::EvaluationPool::new(0);
    for file in &args.files {
        let source = std::fs::read_to_string(file)
            .map_err(|error| CommandError::Usage(format!("{}: {error}", file.display())))?;
        let note = if args.note.is_empty() {
            format!("Published from {}.", file.display())
        } else {
            args.note.clone()
        };
        let outcome = policies::publish_source(&db, &pool, &actor, &source, &note)
            .await
            .map_err(|error| CommandError::Usage(format!("{}: {error}", file.display())))?;
        let short_hash: String = outcome.hash.chars().take(12).collect();
        if outcome.published {
            println!(
                "published {} v{} ({short_hash})",
                outcome.policy_id, outcome.version
            );
        } else {
            println!(
                "unchanged {} v{} ({short_hash})",
                outcome.policy_id, outcome.version
            );
        }
        for warning in &outcome.warnings {
            eprintln!("warning: {}: {warning}", file.display());
        }
    }
    Ok(())
}
