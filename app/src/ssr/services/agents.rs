//! Agents, their API keys, their policy bindings and freezes. Every change is audited in the
//! same transaction; keys are shown once and stored only as digests.

use serde_json::json;

use crate::ssr::db_faults::TakenOnConflict as _;
use crate::{
    error::{AppError, AppResult},
    model::{
        text::{Lines, Text},
        AgentDetail, AgentKeySummary, AgentSummary, Binding, Freeze, IssuedAgentKey,
    },
    ssr::{
        auth::tokens::issue_agent_key,
        db::Db,
        ids::new_id,
        now_millis,
        store::{
            self,
            agents::{AgentRow, KeyRow, NewAgent, NewKey},
            audit::AuditEntry,
            bindings::BindingRow,
            decisions::DecisionRow,
            flags::GLOBAL_FREEZE,
        },
    },
};

const RECENT_DECISIONS: i64 = 20;

pub struct NewAgentInput<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub owner_team: &'a str,
}

pub fn parse_name(raw: &str) -> AppResult<String> {
    let name = raw.trim();
    if super::names::is_lowercase_name(name, 64) {
        Ok(name.to_owned())
    } else {
        Err(AppError::invalid(
            "name",
            "Name agents with 1 to 64 lowercase letters, digits, '-', '_' or '.', e.g. refund-bot.",
        ))
    }
}

fn bounded(field: &str, text: &str, max: usize) -> AppResult<String> {
    Text::parse(field, text, max, Lines::One).map(Text::into_string)
}

pub async fn create(db: &Db, actor: &str, input: NewAgentInput<'_>) -> AppResult<IssuedAgentKey> {
    let name = parse_name(input.name)?;
    let description = bounded("description", input.description, 500)?;
    let owner_team = bounded("owner_team", input.owner_team, 100)?;
    let description = &description;
    let name = &name;
    let owner_team = &owner_team;
    db.write("agents.create", |mut tx| async move {
        if store::agents::name_taken(&mut *tx, name).await? {
            return Err(AppError::invalid(
                "name",
                "An agent with this name already exists.",
            ));
        }
        let now = now_millis();
        let id = new_id();
        store::agents::insert(
            &mut *tx,
            NewAgent {
                id: &id,
                name,
                description,
                owner_team,
                created_by: actor,
                now,
            },
        )
        .await
        .taken("name", "An agent with this name already exists.")?;
        let api_key = insert_key(&mut tx, &id, actor, now).await?;
        audit(
            &mut tx,
            actor,
            "agent.create",
            name,
            None,
            Some(json!({"id": id, "owner_team": owner_team})),
            now,
        )
        .await?;
        let agent = existing(&mut tx, &id).await?;
        tx.commit().await?;
        Ok(IssuedAgentKey { agent, api_key })
    })
    .await
}

pub async fn list(db: &Db) -> AppResult<Vec<AgentSummary>> {
    Ok(store::agents::list(&db.pool, now_millis())
        .await?
        .into_iter()
        .map(summary_of)
        .collect())
}

pub async fn detail(db: &Db, id_or_name: &str) -> AppResult<AgentDetail> {
    let mut conn = db.pool.acquire().await?;
    let agent = existing(&mut conn, id_or_name).await?;
    let keys = store::agents::keys(&mut *conn, &agent.id).await?;
    let bindings = store::bindings::of_agent(&mut *conn, &agent.id).await?;
    let recent = store::decisions::recent_of_agent(&mut *conn, &agent.id, RECENT_DECISIONS).await?;
    let global_freeze = global_freeze_on(&mut conn).await?;
    Ok(AgentDetail {
        agent,
        keys: keys.into_iter().map(key_summary).collect(),
        bindings: bindings.into_iter().map(binding_of).collect(),
        recent_decisions: recent.iter().map(DecisionRow::summary).collect(),
        global_freeze,
    })
}

pub async fn bindings(db: &Db, id_or_name: &str) -> AppResult<Vec<Binding>> {
    let mut conn = db.pool.acquire().await?;
    let agent = existing(&mut conn, id_or_name).await?;
    Ok(store::bindings::of_agent(&mut *conn, &agent.id)
        .await?
        .into_iter()
        .map(binding_of)
        .collect())
}

/// Issues a new key; the agent's current keys keep working for `grace_seconds` (0: not at all).
pub async fn rotate_key(
    db: &Db,
    actor: &str,
    id_or_name: &str,
    grace_seconds: u64,
) -> AppResult<IssuedAgentKey> {
    if grace_seconds > 30 * 24 * 3600 {
        return Err(AppError::invalid(
            "grace_seconds",
            "The grace period may be at most 30 days.",
        ));
    }
    let written = db
        .write("agents.rotate_key", |mut tx| async move {
            let agent = existing(&mut tx, id_or_name).await?;
            let now = now_millis();
            let grace_millis = i64::try_from(grace_seconds).unwrap_or(0) * 1000;
            store::agents::expire_keys(&mut *tx, &agent.id, now + grace_millis).await?;
            let api_key = insert_key(&mut tx, &agent.id, actor, now).await?;
            audit(
                &mut tx,
                actor,
                "agent.key.rotate",
                &agent.name,
                None,
                Some(json!({"grace_seconds": grace_seconds})),
                now,
            )
            .await?;
            let agent = existing(&mut tx, &agent.id).await?;
            tx.commit().await?;
            Ok(IssuedAgentKey { agent, api_key })
        })
        .await?;
    db.access.invalidate();
    Ok(written)
}

/// Revokes every key of the agent at once; it cannot call the API until a key is rotated in.
pub async fn revoke_keys(db: &Db, actor: &str, id_or_name: &str) -> AppResult<AgentSummary> {
    let written = db
        .write("agents.revoke_keys", |mut tx| async move {
            let agent = existing(&mut tx, id_or_name).await?;
            let now = now_millis();
            let revoked = store::agents::revoke_keys(&mut *tx, &agent.id, now).await?;
            audit(
                &mut tx,
                actor,
                "agent.key.revoke",
                &agent.name,
                None,
                Some(json!({"keys_revoked": revoked})),
                now,
            )
            .await?;
            let agent = existing(&mut tx, &agent.id).await?;
            tx.commit().await?;
            Ok(agent)
        })
        .await?;
    db.access.invalidate();
    Ok(written)
}

pub async fn bind(
    db: &Db,
    actor: &str,
    id_or_name: &str,
    policy_id: &str,
    pinned_version: Option<i64>,
) -> AppResult<Binding> {
    let written = db.write("agents.bind", |mut tx| async move {
        let agent = existing(&mut tx, id_or_name).await?;
        let policy = store::policies::find(&mut *tx, policy_id)
            .await?
            .ok_or_else(|| AppError::invalid("policy_id", format!("No policy {policy_id}.")))?;
        if policy.status == store::policies::ARCHIVED {
            return Err(AppError::invalid(
                "policy_id",
                format!("{policy_id} is archived."),
            ));
        }
        if policy.latest_version == 0 {
            return Err(AppError::invalid(
                "policy_id",
                format!("{policy_id} has no published version yet; publish it first."),
            ));
        }
        if let Some(version) = pinned_version {
            if store::policies::version(&mut *tx, policy_id, version)
                .await?
                .is_none()
            {
                return Err(AppError::invalid(
                    "version",
                    format!("{policy_id} has no version {version}."),
                ));
            }
        }
        let now = now_millis();
        let before = store::bindings::of_agent(&mut *tx, &agent.id)
            .await?
            .into_iter()
            .find(|binding| binding.policy_id == policy_id)
            .map(|binding| json!({"policy_id": binding.policy_id, "pinned_version": binding.pinned_version}));
        store::bindings::upsert(&mut *tx, &agent.id, policy_id, pinned_version, actor, now).await?;
        audit(
            &mut tx,
            actor,
            "agent.bind",
            &agent.name,
            before,
            Some(json!({"policy_id": policy_id, "pinned_version": pinned_version})),
            now,
        )
        .await?;
        let binding = store::bindings::of_agent(&mut *tx, &agent.id)
            .await?
            .into_iter()
            .find(|binding| binding.policy_id == policy_id)
            .map(binding_of)
            .ok_or(AppError::Internal)?;
        tx.commit().await?;
        Ok(binding)
    })
    .await?;
    db.access.invalidate();
    Ok(written)
}

pub async fn unbind(db: &Db, actor: &str, id_or_name: &str, policy_id: &str) -> AppResult<()> {
    db.write("agents.unbind", |mut tx| async move {
        let agent = existing(&mut tx, id_or_name).await?;
        if !store::bindings::delete(&mut *tx, &agent.id, policy_id).await? {
            return Err(AppError::not_found(format!(
                "{} is not bound to {policy_id}.",
                agent.name
            )));
        }
        audit(
            &mut tx,
            actor,
            "agent.unbind",
            &agent.name,
            Some(json!({"policy_id": policy_id})),
            None,
            now_millis(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    db.access.invalidate();
    Ok(())
}

/// Freezes the agent with a reason, or unfreezes it with `None`.
pub async fn set_freeze(
    db: &Db,
    actor: &str,
    id_or_name: &str,
    reason: Option<&str>,
) -> AppResult<AgentSummary> {
    let reason = freeze_reason(reason)?;
    let reason = &reason;
    let written = db
        .write("agents.set_freeze", |mut tx| async move {
            let agent = existing(&mut tx, id_or_name).await?;
            let now = now_millis();
            store::agents::set_freeze(
                &mut *tx,
                &agent.id,
                reason.as_deref().map(|reason| (reason, actor, now)),
            )
            .await?;
            let (action, after) = match &reason {
                Some(reason) => ("agent.freeze", json!({"reason": reason})),
                None => ("agent.unfreeze", json!({"frozen": false})),
            };
            let before = agent
                .frozen
                .as_ref()
                .map(|freeze| json!({"reason": freeze.reason}));
            audit(
                &mut tx,
                actor,
                action,
                &agent.name,
                before,
                Some(after),
                now,
            )
            .await?;
            let agent = existing(&mut tx, &agent.id).await?;
            tx.commit().await?;
            Ok(agent)
        })
        .await?;
    db.access.invalidate();
    Ok(written)
}

/// Freezes every agent with a reason, or lifts the global freeze with `None`.
pub async fn set_global_freeze(
    db: &Db,
    actor: &str,
    reason: Option<&str>,
) -> AppResult<Option<Freeze>> {
    let reason = freeze_reason(reason)?;
    let reason = &reason;
    let written = db
        .write("agents.set_global_freeze", |mut tx| async move {
            let before = global_freeze_on(&mut tx).await?;
            let now = now_millis();
            match &reason {
                Some(reason) => {
                    store::flags::set(&mut *tx, GLOBAL_FREEZE, reason, actor, now).await?
                }
                None => {
                    store::flags::clear(&mut *tx, GLOBAL_FREEZE).await?;
                }
            }
            let action = if reason.is_some() {
                "agents.freeze_all"
            } else {
                "agents.unfreeze_all"
            };
            audit(
                &mut tx,
                actor,
                action,
                "all agents",
                before.map(|freeze| json!({"reason": freeze.reason})),
                reason.as_ref().map(|reason| json!({"reason": reason})),
                now,
            )
            .await?;
            let after = global_freeze_on(&mut tx).await?;
            tx.commit().await?;
            Ok(after)
        })
        .await?;
    db.access.invalidate();
    Ok(written)
}

pub async fn global_freeze(db: &Db) -> AppResult<Option<Freeze>> {
    let mut conn = db.pool.acquire().await?;
    global_freeze_on(&mut conn).await
}

fn freeze_reason(reason: Option<&str>) -> AppResult<Option<String>> {
    match reason {
        None => Ok(None),
        Some(reason) => {
            let reason = bounded("reason", reason, 500)?;
            if reason.is_empty() {
                Err(AppError::invalid(
                    "reason",
                    "Say why you are freezing (people and agents see it).",
                ))
            } else {
                Ok(Some(reason))
            }
        }
    }
}

async fn global_freeze_on(conn: &mut sqlx::AnyConnection) -> AppResult<Option<Freeze>> {
    Ok(store::flags::get(&mut *conn, GLOBAL_FREEZE)
        .await?
        .map(|flag| Freeze {
            reason: flag.value,
            by: flag.updated_by,
            at: flag.updated_at,
        }))
}

async fn insert_key(
    tx: &mut sqlx::AnyConnection,
    agent_id: &str,
    actor: &str,
    now: i64,
) -> AppResult<String> {
    let key = issue_agent_key();
    store::agents::insert_key(
        &mut *tx,
        NewKey {
            id: &new_id(),
            agent_id,
            prefix: &key.prefix,
            digest: &key.digest,
            created_by: actor,
            now,
        },
    )
    .await?;
    Ok(key.plaintext)
}

async fn audit(
    tx: &mut sqlx::AnyConnection,
    actor: &str,
    action: &str,
    target: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    now: i64,
) -> AppResult<()> {
    store::audit::record(
        &mut *tx,
        AuditEntry {
            actor,
            action,
            target,
            before,
            after,
        },
        now,
    )
    .await?;
    Ok(())
}

async fn existing(conn: &mut sqlx::AnyConnection, id_or_name: &str) -> AppResult<AgentSummary> {
    store::agents::find(&mut *conn, id_or_name, now_millis())
        .await?
        .map(summary_of)
        .ok_or_else(|| AppError::not_found(format!("No agent {id_or_name}.")))
}

fn summary_of(row: AgentRow) -> AgentSummary {
    let frozen = match (row.frozen_reason, row.frozen_by, row.frozen_at) {
        (Some(reason), Some(by), Some(at)) => Some(Freeze { reason, by, at }),
        _ => None,
    };
    AgentSummary {
        id: row.id,
        name: row.name,
        description: row.description,
        owner_team: row.owner_team,
        frozen,
        last_seen_at: row.last_seen_at,
        active_keys: row.active_keys,
        bindings: row.bindings,
        created_at: row.created_at,
    }
}

fn key_summary(row: KeyRow) -> AgentKeySummary {
    AgentKeySummary {
        id: row.id,
        prefix: row.key_prefix,
        created_by: row.created_by,
        created_at: row.created_at,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
    }
}

fn binding_of(row: BindingRow) -> Binding {
    let effective = row
        .pinned_version
        .or((row.latest_version > 0).then_some(row.latest_version));
    Binding {
        policy_id: row.policy_id,
        pinned_version: row.pinned_version,
        effective_version: effective,
        created_by: row.created_by,
        created_at: row.created_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_names_are_lowercase_slugs() {
        assert_eq!(parse_name(" refund-bot ").unwrap(), "refund-bot");
        assert_eq!(parse_name("Refund Bot").unwrap_err().field(), Some("name"));
        assert!(parse_name("-bot").is_err());
        assert!(parse_name(&"a".repeat(65)).is_err());
    }
}
