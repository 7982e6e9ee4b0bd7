//! Where policy work runs: dry runs, agents' evaluations, publish-time tests and backtests go to
//! blocking threads, at most one per slot (by default one per core), never on the request
//! workers. A slow evaluation can then never stop health checks, people's pages or other agents;
//! when every slot is busy, callers are told to come back instead of queueing without bound.

use std::{sync::Arc, time::Duration};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{AppError, AppResult};

/// How long a caller waits for a free slot before it is refused: long enough to ride out a burst
/// of previews (each a few milliseconds), short enough never to hold a request for long.
const SLOT_WAIT: Duration = Duration::from_millis(200);
/// How long a caller refused by a full pool is asked to wait.
const RETRY_AFTER_SECONDS: u64 = 1;

#[derive(Debug, Clone)]
pub struct EvaluationPool {
    slots: Arc<Semaphore>,
}

impl EvaluationPool {
    /// `slots` 0: one per core.
    pub fn new(slots: usize) -> Self {
        let slots = if slots == 0 {
            std::thread::available_parallelism().map_or(2, usize::from)
        } else {
            slots
        };
        Self {
            slots: Arc::new(Semaphore::new(slots)),
        }
    }

    /// Runs `work` on a blocking thread once a slot is free, or answers 503 with `Retry-After`
    /// when none frees up in time. The slot is held until `work` ends, even if the caller has
    /// gone: the thread is busy until then either way.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        let permit = tokio::time::timeout(SLOT_WAIT, self.slots.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| {
                AppError::unavailable(
                    "Every policy evaluation slot is busy; try again in a moment.",
                    RETRY_AFTER_SECONDS,
                )
            })?;
        Self::spawn(permit, work).await
    }

    /// Like [`Self::run`], but waits as long as it takes for a slot: for background work (a
    /// backtest's pages), which no request is waiting on.
    pub async fn run_queued<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        let permit = self.slots.clone().acquire_owned().await.map_err(|_| {
            tracing::error!("the evaluation pool was closed");
            AppError::Internal
        })?;
        Self::spawn(permit, work).await
    }

    async fn spawn<T: Send + 'static>(
        permit: OwnedSemaphorePermit,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        tokio::task::spawn_blocking(move || {
            let _slot = permit;
            work()
        })
        .await
        .map_err(|error| {
            tracing::error!(%error, "a policy evaluation task panicked");
            AppError::Internal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_pool_answers_unavailable_with_a_retry_after() {
        let pool = EvaluationPool::new(1);
        let (release, held) = std::sync::mpsc::channel::<()>();
        let busy = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(move || held.recv().is_ok()).await }
        });
        // Let the first task take the only slot.
        while pool.slots.available_permits() > 0 {
            tokio::task::yield_now().await;
        }

        let refused = pool.run(|| 1).await;

        assert_eq!(refused.as_ref().map_err(AppError::status_code), Err(503));
        assert_eq!(refused.err().and_then(|e| e.retry_after_seconds()), Some(1));
        release.send(()).ok();
        assert_eq!(busy.await.ok().and_then(Result::ok), Some(true));
        assert_eq!(pool.run(|| 2).await.ok(), Some(2));
    }

    #[tokio::test]
    async fn queued_work_waits_for_a_slot_instead_of_failing() {
        let pool = EvaluationPool::new(1);
        let first = pool.run_queued(|| 1);
        let second = pool.run_queued(|| 2);
        let (a, b) = tokio::join!(first, second);
        assert_eq!((a.ok(), b.ok()), (Some(1), Some(2)));
    }
}
