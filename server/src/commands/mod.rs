//! What the `verdict` command does, one file per subcommand.

pub mod agent;
pub mod create_token;
pub mod create_user;
pub mod keys;
pub mod policy_backtest;
pub mod policy_check;
pub mod policy_publish;
pub mod product_apply;
pub mod receipt;
pub mod seed;
pub mod serve;

use std::path::Path;

use app::{
    error::AppError,
    ssr::{
        db::{Db, DbError},
        services::decisions::journal::listen_to_other_servers,
        session_store::DbSessionStore,
        AppState, Settings,
    },
};
use leptos::config::{Env, LeptosOptions};

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("database: {0}")]
    Database(#[from] DbError),
    #[error("{0}")]
    App(#[from] AppError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Usage(String),
}

/// Opens the database (migrating it) and the receipt signing key file (creating it), and
/// assembles what the router and services need.
pub async fn open_state(
    database_url: &str,
    settings: Settings,
    site_root: &Path,
) -> Result<(AppState, DbSessionStore), CommandError> {
    let key_file = keys::signing_key_file(settings.signing_key_file.as_deref(), database_url);
    let receipt_keys = verdict_receipt::KeyStore::open(&key_file)
        .map_err(|error| CommandError::Usage(format!("cannot start: {error}")))?;
    let (db, listener) = Db::connect(database_url).await?;
    let sessions = DbSessionStore::new(&db);
    let leptos_options = LeptosOptions::builder()
        .output_name("verdict")
        .site_root(site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .env(Env::PROD)
        .build();
    let mut state = AppState::new(db, leptos_options, settings);
    state.receipt_keys = std::sync::Arc::new(receipt_keys);
    if let Some(pool) = listener {
        tokio::spawn(listen_to_other_servers(pool, state.journal.clone()));
    }
    Ok((state, sessions))
}

/// The person a command records as acting: `by` (who must exist), or "command line".
pub async fn recorded_actor(db: &Db, by: Option<&str>) -> Result<String, CommandError> {
    let Some(email) = by else {
        return Ok("command line".to_owned());
    };
    let email = app::model::Email::parse(email)?;
    app::ssr::store::users::find_by_email(&db.pool, &email)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| CommandError::Usage(format!("no person {}", email.as_str())))?;
    Ok(email.as_str().to_owned())
}

/// Opens just the database, for one-shot commands.
pub async fn open_db(database_url: &str) -> Result<Db, DbError> {
    Ok(Db::connect(database_url).await?.0)
}
