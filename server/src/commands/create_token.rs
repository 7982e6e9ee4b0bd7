use app::{
    error::AppError,
    model::Email,
    ssr::{services::tokens, store},
};

use super::{open_db, CommandError};
use crate::config::DatabaseArgs;

#[derive(Debug, clap::Args)]
pub struct CreateTokenArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Whose token it is; it acts with their role.
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    /// Days until it expires; never, if absent.
    #[arg(long)]
    pub expires_in_days: Option<String>,
}

/// Prints a new personal access token once, for scripted installs.
pub async fn run(args: CreateTokenArgs) -> Result<(), CommandError> {
    let email = Email::parse(&args.email)?;
    let name = tokens::parse_name(&args.name)?;
    let expiry = tokens::parse_expiry_days(args.expires_in_days.as_deref().unwrap_or_default())?;
    let db = open_db(&args.database.database_url).await?;
    let owner = store::users::find_by_email(&db.pool, &email)
        .await
        .map_err(AppError::from)?
        .filter(store::users::UserRow::is_active)
        .and_then(|row| row.current_user())
        .ok_or_else(|| CommandError::Usage(format!("no active user has the email {email}")))?;
    let created = tokens::create(&db, &owner, &name, expiry).await?;
    println!("{}", created.plaintext);
    Ok(())
}
