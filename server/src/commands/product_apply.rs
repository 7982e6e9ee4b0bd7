use std::path::PathBuf;

use app::ssr::services::products;

use super::{open_db, recorded_actor, CommandError};
use crate::config::DatabaseArgs;

#[derive(Debug, clap::Args)]
pub struct ProductApplyArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Data product files; each applies a new version of the product it names, if it changed.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The person recorded as publisher (must exist); "command line" if absent.
    #[arg(long)]
    pub by: Option<String>,
}

/// Validates and applies each file; stops at the first file that cannot be applied.
pub async fn run(args: ProductApplyArgs) -> Result<(), CommandError> {
    let db = open_db(&args.database.database_url).await?;
    let actor = recorded_actor(&db, args.by.as_deref()).await?;
    for file in &args.files {
        let source = std::fs::read_to_string(file)
            .map_err(|error| CommandError::Usage(format!("{}: {error}", file.display())))?;
        let outcome = products::apply_source(&db, &actor, &source)
            .await
            .map_err(|error| CommandError::Usage(format!("{}: {error}", file.display())))?;
        let short_hash: String = outcome.hash.chars().take(12).collect();
        let verb = if outcome.applied {
            "applied"
        } else {
            "unchanged"
        };
        println!(
            "{verb} {} v{} ({short_hash})",
            outcome.product, outcome.version
        );
        for warning in &outcome.warnings {
            eprintln!("warning: {}: {warning}", file.display());
        }
    }
    Ok(())
}
