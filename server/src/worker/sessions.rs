use std::time::Duration;

use tower_sessions::ExpiredDeletion;

use app::ssr::session_store::DbSessionStore;

/// Deletes expired sessions every `period`, forever. tower-sessions' own loop
/// (`continuously_delete_expired`) ends at its first error, so one sweep that met a restarting
/// or full database would have stopped the sweeping for good.
pub async fn delete_expired_sessions(sessions: DbSessionStore, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = sessions.delete_expired().await {
            tracing::warn!(%error, "deleting expired sessions failed; retrying next time");
        }
    }
}
