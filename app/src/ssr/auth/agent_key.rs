//! `Authorization: Bearer vk_…` (an agent's API key) on the agent API: which agent is asking and
//! whether it is frozen.

use crate::{
    error::{AppError, AppResult},
    ssr::{db::Db, now_millis, services::decisions::commands::AgentScope, store},
};

use super::tokens::{digest, AGENT_KEY_PREFIX};

/// `last_seen_at` is refreshed at most this often per agent, so busy agents do not write on
/// every request.
const LAST_SEEN_RESOLUTION_MILLIS: i64 = 60_000;

/// The agent behind a request's API key.
#[derive(Debug, Clone)]
pub struct AgentPrincipal {
    pub agent_id: String,
    pub agent_name: String,
    /// Why the agent may not act now (its own freeze or the global one), if it may not.
    pub frozen: Option<String>,
}

impl AgentPrincipal {
    pub fn scope(&self) -> AgentScope {
        AgentScope {
            agent_id: self.agent_id.clone(),
            agent_name: self.agent_name.clone(),
        }
    }

    /// Refuses with 423 while the agent or every agent is frozen.
    pub fn require_unfrozen(&self) -> AppResult<()> {
        match &self.frozen {
            Some(reason) => Err(AppError::Frozen {
                message: reason.clone(),
            }),
            None => Ok(()),
        }
    }
}

pub async fn authenticate(db: &Db, presented: &str) -> AppResult<AgentPrincipal> {
    if !presented.starts_with(AGENT_KEY_PREFIX) {
        return Err(AppError::Unauthenticated);
    }
    let now = now_millis();
    let key_digest = digest(presented);
    let holder = match db.access.key_holder(&key_digest) {
        Some(holder) => holder,
        None => {
            let read_at = db.access.generation();
            let holder = store::agents::key_holder(&db.pool, &key_digest, now)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            if holder
                .last_seen_at
                .is_none_or(|seen| now - seen >= LAST_SEEN_RESOLUTION_MILLIS)
            {
                store::agents::touch(&db.pool, &holder.agent_id, now).await?;
            }
            db.access
                .keep_key_holder(&key_digest, read_at, holder.clone());
            holder
        }
    };
    // A copy may outlive a rotated key's grace period by up to its freshness; this check may not.
    if holder.key_expires_at.is_some_and(|expires| expires <= now) {
        return Err(AppError::Unauthenticated);
    }
    let frozen = match (holder.global_freeze, holder.frozen_reason) {
        (Some(reason), _) => Some(format!("All agents are frozen: {reason}")),
        (None, Some(reason)) => Some(format!("This agent is frozen: {reason}")),
        (None, None) => None,
    };
    Ok(AgentPrincipal {
        agent_id: holder.agent_id,
        agent_name: holder.agent_name,
        frozen,
    })
}
