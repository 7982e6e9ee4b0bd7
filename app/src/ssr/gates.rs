//! Caps on work that one caller can multiply: long-polls held open per agent and password
//! hashes running at once. Beyond a cap the caller is told to come back, instead of the server
//! running out of descriptors or memory for everyone.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{AppError, AppResult};

/// How long a caller refused by a full gate is asked to wait.
const RETRY_AFTER_SECONDS: u64 = 1;

/// Long-polls (`GET …/wait`, MCP's `decision_wait`) open per agent. Each holds a connection for
/// up to a minute; without a cap one key could hold every descriptor the server has.
#[derive(Debug)]
pub struct WaitSlots {
    per_agent: usize,
    open: Arc<Mutex<HashMap<String, usize>>>,
}

/// One open long-poll; dropping it (the answer sent, or the caller gone) frees the slot.
#[derive(Debug)]
pub struct WaitSlot {
    agent_id: String,
    open: Arc<Mutex<HashMap<String, usize>>>,
}

impl WaitSlots {
    /// `per_agent` 0: no cap.
    pub fn new(per_agent: usize) -> Self {
        Self {
            per_agent,
            open: Arc::default(),
        }
    }

    /// Long-polls `agent_id` holds open now.
    pub fn open(&self, agent_id: &str) -> usize {
        lock(&self.open).get(agent_id).copied().unwrap_or(0)
    }

    /// A slot for one more long-poll of `agent_id`, or 429 when it holds its cap already.
    pub fn enter(&self, agent_id: &str) -> AppResult<WaitSlot> {
        let mut open = lock(&self.open);
        let count = open.entry(agent_id.to_owned()).or_default();
        if self.per_agent > 0 && *count >= self.per_agent {
            return Err(AppError::RateLimited {
                retry_after_seconds: RETRY_AFTER_SECONDS,
            });
        }
        *count += 1;
        Ok(WaitSlot {
            agent_id: agent_id.to_owned(),
            open: self.open.clone(),
        })
    }
}

impl Drop for WaitSlot {
    fn drop(&mut self) {
        let mut open = lock(&self.open);
        if let Some(count) = open.get_mut(&self.agent_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                // Agents come and go; only those waiting now keep an entry.
                open.remove(&self.agent_id);
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock only means another thread panicked between two integer updates.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Password hashes (argon2id, ~19 MiB each) running at once, with a short line of callers
/// waiting for one to finish. A sign-in beyond both is answered 503 with Retry-After before any
/// memory is spent on it: a burst of sign-ins with made-up emails cannot take the server's
/// memory, and people signing in during a normal rush only wait their turn.
#[derive(Debug)]
pub struct HashGate {
    /// Running plus waiting; taken without waiting, so a full line is refused at once.
    admitted: Arc<Semaphore>,
    running: Arc<Semaphore>,
}

/// Leave to run one hash; dropping it lets the next caller in.
#[derive(Debug)]
pub struct HashPermit {
    _running: OwnedSemaphorePermit,
    _admitted: OwnedSemaphorePermit,
}

impl HashGate {
    /// `running` at least 1.
    pub fn new(running: usize, waiting: usize) -> Self {
        let running = running.max(1);
        Self {
            admitted: Arc::new(Semaphore::new(running.saturating_add(waiting))),
            running: Arc::new(Semaphore::new(running)),
        }
    }

    /// Waits for a free hash among those admitted; 503 at once when the line is full.
    pub async fn enter(&self) -> AppResult<HashPermit> {
        let admitted = self.admitted.clone().try_acquire_owned().map_err(|_| {
            // Each refusal is in the request log already; this says why.
            tracing::debug!("every password hash slot is taken; sign-in answered 503");
            AppError::unavailable(
                "Too many sign-ins at once; try again in a moment.",
                RETRY_AFTER_SECONDS,
            )
        })?;
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| AppError::Internal)?;
        Ok(HashPermit {
            _running: running,
            _admitted: admitted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agent_gets_its_cap_of_waits_and_a_slot_back_when_one_ends() {
        let slots = WaitSlots::new(2);
        let first = slots.enter("a").unwrap();
        let _second = slots.enter("a").unwrap();
        assert!(matches!(
            slots.enter("a"),
            Err(AppError::RateLimited { .. })
        ));
        assert!(slots.enter("b").is_ok(), "another agent has its own cap");
        drop(first);
        assert!(slots.enter("a").is_ok());
    }

    #[tokio::test]
    async fn hashes_beyond_the_running_and_waiting_ones_are_refused() {
        let gate = HashGate::new(1, 1);
        let running = gate.enter().await.unwrap();
        let waiting = tokio::spawn({
            let admitted = gate.admitted.clone();
            let running = gate.running.clone();
            async move { HashGate { admitted, running }.enter().await.map(drop) }
        });
        // The waiter took its admission before blocking on the running hash.
        while gate.admitted.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let refused = gate.enter().await.unwrap_err();
        assert_eq!(refused.status_code(), 503);
        assert_eq!(refused.retry_after_seconds(), Some(RETRY_AFTER_SECONDS));
        drop(running);
        waiting.await.unwrap().unwrap();
        assert!(gate.enter().await.is_ok());
    }
}
