use std::time::Duration;

use app::ssr::{
    db::DbError,
    db_faults::{self, DbFault},
    store,
};

use super::{open_state, CommandError};
use crate::{config::ServeArgs, router, transport, worker};

const EXPIRED_SESSION_SWEEP: Duration = Duration::from_secs(3600);
const LOGIN_FAILURE_SWEEP: Duration = Duration::from_secs(600);

pub async fn run(args: ServeArgs) -> Result<(), CommandError> {
    let (state, sessions) = open_state(
        &args.database.database_url,
        args.settings(),
        &args.site_root,
    )
    .await
    .map_err(|error| match error {
        CommandError::Database(error) => start_up_failure(&args.database.database_url, error),
        error => error,
    })?;
    tracing::info!(backend = ?state.db.backend, "database ready");

    if store::users::count(&state.db.pool)
        .await
        .map_err(app::error::AppError::from)?
        == 0
    {
        let token = state.setup_token.issue();
        // Printed, never logged: the link is a one-time secret for whoever started the server.
        println!(
            "No user exists yet. Create the first admin at:\n  {}/setup?token={token}",
            args.public_url()
        );
    }

    tokio::spawn(worker::delete_expired_sessions(
        sessions.clone(),
        EXPIRED_SESSION_SWEEP,
    ));

    tokio::spawn(worker::sweep_expired_approvals(state.clone()));
    tokio::spawn(worker::deliver_approval_requests(state.clone()));

    tokio::spawn(prune_login_failures(state.clone()));

    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    tracing::info!(addr = %args.addr, url = %args.public_url(), "Verdict is listening");
    transport::serve(
        listener,
        router::build(state, sessions),
        args.transport_limits(),
        shutdown_signal(),
    )
    .await;
    tracing::info!("stopped");
    Ok(())
}

/// A database that is full, read-only or out of reach at start-up is reported as such, in one
/// line that names it, instead of as a bare driver error. A PostgreSQL URL is not repeated: it
/// may hold a password.
fn start_up_failure(url: &str, error: DbError) -> CommandError {
    let fault = match &error {
        DbError::Sqlx(sqlx) => db_faults::classify(sqlx),
        _ => None,
    };
    let database = match url.strip_prefix("sqlite:") {
        Some(path) => format!("the SQLite database {path}"),
        None => "the PostgreSQL database".to_owned(),
    };
    let why = match fault {
        Some(DbFault::NoSpace) => {
            "cannot be written: its disk is full or read-only, or the file cannot be created there"
        }
        Some(DbFault::Unreachable) => "cannot be reached",
        Some(DbFault::Busy) => "is locked by another program",
        None => return error.into(),
    };
    CommandError::Usage(format!("cannot start: {database} {why} ({error})"))
}

/// Deletes sign-in failures past their window now and then; every server does it, and a
/// delete that finds nothing costs nothing.
async fn prune_login_failures(state: app::ssr::AppState) {
    let mut every = tokio::time::interval(LOGIN_FAILURE_SWEEP);
    loop {
        every.tick().await;
        if let Err(error) = app::ssr::services::sign_in::prune_failures(&state).await {
            tracing::warn!(%error, "could not prune old sign-in failures");
        }
    }
}

/// Ctrl-C or SIGTERM: stop accepting, let requests in flight finish, then exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
