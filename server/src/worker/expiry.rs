use std::time::Duration;

use app::ssr::{services::approvals, AppState};

/// Overdue approval requests are expired within about this long of their deadline.
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);

/// Expires overdue approval requests (aborting their decisions), forever.
pub async fn sweep_expired_approvals(state: AppState) {
    let mut ticks = tokio::time::interval(SWEEP_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match approvals::expire_overdue(&state).await {
            Ok(0) => {}
            Ok(expired) => tracing::info!(expired, "expired overdue approval requests"),
            Err(error) => tracing::warn!(%error, "approval expiry sweep failed; retrying"),
        }
    }
}
