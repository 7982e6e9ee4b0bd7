use std::time::Duration;

use app::ssr::{now_millis, services::delivery, AppState};

/// A new approval request is sent within about this long of being recorded.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Sends approval requests to their routes' integrations, retrying failures, forever.
pub async fn deliver_approval_requests(state: AppState) {
    let mut ticks = tokio::time::interval(POLL_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = delivery::run_once(&state, now_millis()).await {
            tracing::warn!(%error, "approval delivery round failed; retrying");
        }
    }
}
