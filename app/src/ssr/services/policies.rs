//! Drafts, publishing and archiving. Published versions are only ever inserted; a draft save
//! based on an older revision is refused rather than silently overwriting someone's work.

use serde_json::json;
use verdict_policy::{check, content_hash, Policy, PolicyId, Severity};

use crate::ssr::db_faults::TakenOnConflict as _;
use crate::{
    error::{AppError, AppResult},
    model::{
        PolicyDraft, PolicyStatus, PolicySummary, PolicyVersion, PolicyVersionSummary,
        RecentEvaluation,
    },
    policies::starter_source,
    ssr::{
        db::Db,
        evaluation_pool::EvaluationPool,
        now_millis,
        store::{
            self,
            audit::AuditEntry,
            policies::{NewVersion, PolicyRow, VersionRow, ARCHIVED},
        },
    },
};

/// Policy sources larger than this are refused; real policies are a few kilobytes.
pub const MAX_SOURCE_BYTES: usize = 256 * 1024;

pub fn parse_id(raw: &str) -> AppResult<PolicyId> {
    PolicyId::new(raw.trim()).map_err(|error| AppError::invalid("id", error.to_string()))
}

pub fn check_source_size(source: &str) -> AppResult<()> {
    if source.len() > MAX_SOURCE_BYTES {
        Err(AppError::invalid(
            "source",
            format!("A policy may be at most {} KiB.", MAX_SOURCE_BYTES / 1024),
        ))
    } else {
        Ok(())
    }
}

pub async fn create(db: &Db, actor: &str, id: &PolicyId, template: &str) -> AppResult<PolicyDraft> {
    let source = starter_source(template, id.as_str());
    create_with_source(
        db,
        actor,
        id.as_str(),
        &source,
        json!({"template": template}),
    )
    .await
}

/// Creates a policy whose draft is `source`; `origin` says in the audit entry where it came from.
async fn create_with_source(
    db: &Db,
    actor: &str,
    id: &str,
    source: &str,
    origin: serde_json::Value,
) -> AppResult<PolicyDraft> {
    let origin = &origin;
    db.write("policies.create_with_source", |mut tx| async move {
        if store::policies::find(&mut *tx, id).await?.is_some() {
            return Err(AppError::invalid(
                "id",
                "A policy with this id already exists.",
            ));
        }
        let now = now_millis();
        store::policies::insert(&mut *tx, id, source, actor, now)
            .await
            .taken("id", "A policy with this id already exists.")?;
        store::audit::record(
            &mut *tx,
            AuditEntry {
                actor,
                action: "policy.create",
                target: id,
                before: None,
                after: Some(origin.clone()),
            },
            now,
        )
        .await?;
        let row = existing(&mut tx, id).await?;
        tx.commit().await?;
        Ok(draft_of(&row))
    })
    .await
}

pub async fn list(db: &Db) -> AppResult<Vec<PolicySummary>> {
    let day_ago = now_millis() - 24 * 60 * 60 * 1000;
    let bound: std::collections::HashMap<String, i64> = store::bindings::counts_by_policy(&db.pool)
        .await?
        .into_iter()
        .collect();
    let mut conn = db.pool.acquire().await?;
    let rows = store::policies::list(&mut *conn).await?;
    let mut activity = Vec::with_capacity(rows.len());
    for row in &rows {
        activity.push(store::decisions::evaluation_activity(&mut conn, &row.id, day_ago).await?);
    }
    Ok(rows
        .into_iter()
        .zip(activity)
        .map(|(row, (evaluations_24h, last_evaluated_at))| {
            let published = row.latest_version > 0;
            let has_draft_changes = row
                .latest_hash
                .as_deref()
                .is_none_or(|hash| hash != content_hash(&row.draft_source));
            PolicySummary {
                status: status_of(&row.status, row.latest_version),
                latest_version: published.then_some(row.latest_version),
                has_draft_changes,
                description: row.latest_description,
                owner: row.latest_owner,
                latest_hash: row.latest_hash,
                draft_updated_at: row.draft_updated_at,
                bound_agents: bound.get(&row.id).copied().unwrap_or(0),
                evaluations_24h,
                last_evaluated_at,
                id: row.id,
            }
        })
        .collect())
}

pub async fn draft(db: &Db, id: &str) -> AppResult<PolicyDraft> {
    let mut conn = db.pool.acquire().await?;
    Ok(draft_of(&existing(&mut conn, id).await?))
}

pub async fn save_draft(
    db: &Db,
    actor: &str,
    id: &str,
    source: &str,
    base_revision: i64,
) -> AppResult<PolicyDraft> {
    check_source_size(source)?;
    db.write("policies.save_draft", |mut tx| async move {
        let current = existing(&mut tx, id).await?;
        refuse_archived(&current)?;
        let now = now_millis();
        if !store::policies::save_draft(&mut *tx, id, source, base_revision, actor, now).await? {
            return Err(stale_draft(&current));
        }
        let saved = existing(&mut tx, id).await?;
        tx.commit().await?;
        Ok(draft_of(&saved))
    })
    .await
}

/// Publishes the draft as the next version, if it is the revision the author saw, is valid,
/// passes its own tests and differs from the latest version.
pub async fn publish(
    db: &Db,
    evaluations: &EvaluationPool,
    actor: &str,
    id: &str,
    base_revision: i64,
    change_note: &str,
) -> AppResult<PolicyVersionSummary> {
    let change_note = change_note.trim();
    if change_note.is_empty() || change_note.chars().count() > 2000 {
        return Err(AppError::invalid(
            "change_note",
            "Say what changed and why (1 to 2000 characters).",
        ));
    }
    // The draft's checks (parsing, its tests) run on the evaluation pool before the write
    // transaction, so no write waits on them; the transaction then publishes that revision only.
    let checked = existing(&mut *db.pool.acquire().await?, id).await?;
    refuse_archived(&checked)?;
    if checked.draft_revision != base_revision {
        return Err(stale_draft(&checked));
    }
    let policy = evaluations.run(move || publishable(&checked)).await??;
    let policy = &policy;
    let written = db
        .write("policies.publish", |mut tx| async move {
            let row = existing(&mut tx, id).await?;
            refuse_archived(&row)?;
            if row.draft_revision != base_revision {
                return Err(stale_draft(&row));
            }
            let hash = content_hash(&row.draft_source);
            if let Some(latest) = store::policies::version(&mut *tx, id, row.latest_version).await?
            {
                if latest.content_hash == hash {
                    return Err(AppError::conflict(format!(
                        "Nothing to publish: the draft is identical to version {}.",
                        latest.version
                    )));
                }
            }
            let now = now_millis();
            let version = row.latest_version + 1;
            store::policies::insert_version(
                &mut tx,
                NewVersion {
                    policy_id: id,
                    version,
                    source: &row.draft_source,
                    content_hash: &hash,
                    description: policy.description(),
                    owner: policy.owner(),
                    change_note,
                    published_by: actor,
                    now,
                },
            )
            .await?;
            store::audit::record(
                &mut *tx,
                AuditEntry {
                    actor,
                    action: "policy.publish",
                    target: id,
                    before: (row.latest_version > 0)
                        .then(|| json!({"version": row.latest_version})),
                    after: Some(
                        json!({"version": version, "hash": hash, "change_note": change_note}),
                    ),
                },
                now,
            )
            .await?;
            tx.commit().await?;
            Ok(PolicyVersionSummary {
                policy_id: id.to_owned(),
                version,
                content_hash: hash,
                change_note: change_note.to_owned(),
                published_by: actor.to_owned(),
                published_at: now,
            })
        })
        .await?;
    db.access.invalidate();
    Ok(written)
}

pub async fn archive(db: &Db, actor: &str, id: &str) -> AppResult<()> {
    db.write("policies.archive", |mut tx| async move {
        let row = existing(&mut tx, id).await?;
        refuse_archived(&row)?;
        let now = now_millis();
        store::policies::set_status(&mut *tx, id, ARCHIVED).await?;
        store::audit::record(
            &mut *tx,
            AuditEntry {
                actor,
                action: "policy.archive",
                target: id,
                before: Some(json!({"status": row.status, "version": row.latest_version})),
                after: Some(json!({"status": ARCHIVED})),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    db.access.invalidate();
    Ok(())
}

/// The latest evaluations of a policy by agents, newest first.
pub async fn recent_evaluations(db: &Db, id: &str, limit: i64) -> AppResult<Vec<RecentEvaluation>> {
    Ok(
        store::decisions::recent_evaluations_of_policy(&db.pool, id, limit)
            .await?
            .into_iter()
            .map(|row| RecentEvaluation {
                matched_rules: serde_json::from_str(&row.matched_rules).unwrap_or_default(),
                event_id: row.event_id,
                decision_id: row.decision_id,
                agent_name: row.agent_name,
                version: row.policy_version,
                outcome: row.outcome,
                at: row.at,
            })
            .collect(),
    )
}

pub async fn versions(db: &Db, id: &str) -> AppResult<Vec<PolicyVersionSummary>> {
    Ok(store::policies::versions(&db.pool, id)
        .await?
        .iter()
        .map(version_summary)
        .collect())
}

pub async fn version(db: &Db, id: &str, version: i64) -> AppResult<PolicyVersion> {
    let row = store::policies::version(&db.pool, id, version)
        .await?
        .ok_or_else(|| AppError::not_found(format!("{id} has no version {version}.")))?;
    Ok(PolicyVersion {
        summary: version_summary(&row),
        source: row.source,
    })
}

/// The draft as a policy, or every reason it cannot be published.
fn publishable(row: &PolicyRow) -> AppResult<Policy> {
    let report = check(&row.draft_source);
    let mut reasons: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == Severity::Error)
        .map(|diagnostic| {
            format!(
                "line {}:{}: {}",
                diagnostic.line, diagnostic.column, diagnostic.message
            )
        })
        .collect();
    reasons.extend(report.tests.iter().filter(|test| !test.passed).map(|test| {
        format!(
            "test \"{}\" failed: expected {}, got {}",
            test.name,
            test.expected.as_str(),
            test.actual.as_str()
        )
    }));
    let policy = Policy::parse(&row.draft_source).ok();
    if let Some(policy) = &policy {
        if policy.id().as_str() != row.id {
            reasons.push(format!(
                "the source says `policy: {}` but this policy is {}",
                policy.id().as_str(),
                row.id
            ));
        }
    }
    match policy {
        Some(policy) if reasons.is_empty() => Ok(policy),
        _ => Err(AppError::invalid(
            "source",
            format!("Cannot publish: {}.", reasons.join("; ")),
        )),
    }
}

async fn existing(conn: &mut sqlx::AnyConnection, id: &str) -> AppResult<PolicyRow> {
    store::policies::find(&mut *conn, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("No policy {id}.")))
}

fn refuse_archived(row: &PolicyRow) -> AppResult<()> {
    if row.status == ARCHIVED {
        Err(AppError::conflict(format!(
            "{} is archived; it can no longer change.",
            row.id
        )))
    } else {
        Ok(())
    }
}

fn stale_draft(current: &PolicyRow) -> AppError {
    AppError::conflict(format!(
        "{} saved this draft since you opened it (revision {}). Reload to see their changes; \
         your text is still in the editor.",
        current.draft_updated_by, current.draft_revision
    ))
}

fn status_of(status: &str, latest_version: i64) -> PolicyStatus {
    match (status, latest_version) {
        (ARCHIVED, _) => PolicyStatus::Archived,
        (_, 0) => PolicyStatus::Draft,
        _ => PolicyStatus::Published,
    }
}

fn draft_of(row: &PolicyRow) -> PolicyDraft {
    PolicyDraft {
        id: row.id.clone(),
        status: status_of(&row.status, row.latest_version),
        source: row.draft_source.clone(),
        revision: row.draft_revision,
        updated_by: row.draft_updated_by.clone(),
        updated_at: row.draft_updated_at,
        latest_version: (row.latest_version > 0).then_some(row.latest_version),
        sample_context: sample_context(&row.draft_source),
    }
}

fn sample_context(source: &str) -> String {
    let first_test_inputs = Policy::parse(source)
        .ok()
        .and_then(|policy| policy.tests().first().map(|test| test.inputs().clone()))
        .unwrap_or_default();
    serde_json::to_string_pretty(&first_test_inputs).unwrap_or_else(|_| "{}".to_owned())
}

fn version_summary(row: &VersionRow) -> PolicyVersionSummary {
    PolicyVersionSummary {
        policy_id: row.policy_id.clone(),
        version: row.version,
        content_hash: row.content_hash.clone(),
        change_note: row.change_note.clone(),
        published_by: row.published_by.clone(),
        published_at: row.published_at,
    }
}

/// What publishing a policy file did: a new version, or nothing because the source is the
/// latest version already.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SourcePublished {
    pub policy_id: String,
    pub version: i64,
    pub hash: String,
    pub published: bool,
    /// What the author should know, e.g. that a route the policy names is not defined.
    pub warnings: Vec<String>,
}

/// Publishes `source` as the next version of the policy it names, creating the policy if it is
/// new; for scripted provisioning, where the file is the draft.
pub async fn publish_source(
    db: &Db,
    evaluations: &EvaluationPool,
    actor: &str,
    source: &str,
    change_note: &str,
) -> AppResult<SourcePublished> {
    check_source_size(source)?;
    let parsed = Policy::parse(source).map_err(|diagnostics| {
        let reasons: Vec<String> = diagnostics
            .iter()
            .map(|d| format!("line {}:{}: {}", d.line, d.column, d.message))
            .collect();
        AppError::invalid(
            "source_yaml",
            format!("Not a valid policy: {}.", reasons.join("; ")),
        )
    })?;
    let id = parsed.id().as_str().to_owned();
    let warnings: Vec<String> = super::approval_routes::undefined_warning(
        &super::approval_routes::undefined_in(db, &parsed).await?,
    )
    .into_iter()
    .collect();
    let hash = content_hash(source);
    let existing_row = store::policies::find(&db.pool, &id).await?;
    if let Some(row) = &existing_row {
        if let Some(latest) = store::policies::version(&db.pool, &id, row.latest_version).await? {
            if latest.content_hash == hash {
                return Ok(SourcePublished {
                    policy_id: id,
                    version: latest.version,
                    hash,
                    published: false,
                    warnings,
                });
            }
        }
    }
    let revision = match existing_row {
        Some(row) => {
            save_draft(db, actor, &id, source, row.draft_revision)
                .await?
                .revision
        }
        None => {
            create_with_source(db, actor, &id, source, json!({"from": "source"}))
                .await?
                .revision
        }
    };
    let note = if change_note.trim().is_empty() {
        "Published from a file."
    } else {
        change_note
    };
    let version = publish(db, evaluations, actor, &id, revision, note)
        .await
        .map_err(|error| match error {
            AppError::Invalid { message, .. } => AppError::invalid("source_yaml", message),
            other => other,
        })?;
    Ok(SourcePublished {
        policy_id: id,
        version: version.version,
        hash: version.content_hash,
        published: true,
        warnings,
    })
}
