//! What the `verdict` command does, one file per subcommand.

pub mod agent;
pub mod create_token;
pub mod create_user;
pub mod policy_backtest;
pub mod policy_check;
pub mod policy_publish;
pub mod seed;
pub mod serve;

use std::path::Path;

use app::{
    error::AppError,
    ssr::{
        db::{Db, DbError},
        services::decisions::journal::listen_to_other_servers,
        session_store::{DbSessionStore, SessionBackend},
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

/// Opens the database (migrating it) and assembles what the router and services need.
pub async fn open_state(
    database_url: &str,
    settings: Settings,
    site_root: &Path,
) -> Result<(AppState, DbSessionStore), DbError> {
    let (db, sessions) = Db::connect(database_url).await?;
    let leptos_options = LeptosOptions::builder()
        .output_name("verdict")
        .site_root(site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .env(Env::PROD)
        .build();
    let state = AppState::new(db, leptos_options, settings);
    if let SessionBackend::Postgres(pool) = &sessions {
        tokio::spawn(listen_to_other_servers(pool.clone(), state.journal.clone()));
    }
    Ok((state, sessions.store()))
}

/// Opens just the database, for one-shot commands.
pub async fn open_db(database_url: &str) -> Result<Db, DbError> {
    Ok(Db::connect(database_url).await?.0)
}
