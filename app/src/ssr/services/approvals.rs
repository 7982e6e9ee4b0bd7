//! Resolving approval requests: by a person, or by the clock when nobody answered in time.

use std::{collections::HashMap, sync::Arc};

use serde_json::Value;
use verdict_policy::Policy;

use crate::{
    error::{AppError, AppResult},
    model::{
        Action, Answer, ApprovalEvaluation, ApprovalItem, CurrentUser, InboxFilter, LabelledInput,
        TraceEvaluation,
    },
    ssr::{
        db::Db,
        now_millis, store,
        store::approvals::{InboxRow, PendingSlice},
        AppState,
    },
};

use super::decisions::{
    commands::{Approver, Command},
    requests::optional_long_text,
    views::DecisionView,
};

/// The exact action a request would grant, with its digest (`None`: the decision evaluated no
/// action when it asked).
pub async fn requested_action(db: &Db, approval_id: &str) -> AppResult<Option<(Action, String)>> {
    let Some(approval) = store::approvals::find(&db.pool, approval_id).await? else {
        return Ok(None);
    };
    let Some(digest) = approval.action_digest else {
        return Ok(None);
    };
    let decision = store::decisions::find(&db.pool, &approval.decision_id, None).await?;
    Ok(decision.and_then(|decision| {
        decision
            .evaluated_actions
            .into_iter()
            .rev()
            .find(|evaluated| evaluated.digest == digest)
            .map(|evaluated| (evaluated.action, digest))
    }))
}

/// Each evaluation with its inputs labelled by the policy version that judged it: the
/// `description` and `unit` that version declares for each input. An evaluation without a
/// version, or whose version no longer parses, shows its inputs unlabelled.
pub async fn labelled_evaluations(
    state: &AppState,
    evaluations: Vec<TraceEvaluation>,
) -> AppResult<Vec<ApprovalEvaluation>> {
    let mut versions: HashMap<(String, i64), Option<Arc<Policy>>> = HashMap::new();
    let mut labelled = Vec::with_capacity(evaluations.len());
    for evaluation in evaluations {
        let policy = match (&evaluation.policy_id, evaluation.version) {
            (Some(policy_id), Some(version)) => {
                let key = (policy_id.clone(), version);
                if !versions.contains_key(&key) {
                    let parsed = store::policies::version(&state.db.pool, policy_id, version)
                        .await?
                        .and_then(|row| {
                            state.policy_cache.get(&row.content_hash, &row.source).ok()
                        });
                    versions.insert(key.clone(), parsed);
                }
                versions[&key].clone()
            }
            _ => None,
        };
        labelled.push(ApprovalEvaluation {
            inputs: labelled_inputs(&evaluation.inputs, policy.as_deref()),
            evaluation,
        });
    }
    Ok(labelled)
}

/// The entries of the recorded `inputs` object in the order recorded, each with the
/// `description` and `unit` `policy` declares for it; none when the inputs are not an object
/// (the page shows those as they were recorded).
fn labelled_inputs(inputs: &Value, policy: Option<&Policy>) -> Vec<LabelledInput> {
    let Value::Object(map) = inputs else {
        return Vec::new();
    };
    map.iter()
        .map(|(name, value)| {
            let spec = policy.and_then(|policy| policy.inputs().iter().find(|s| s.name() == name));
            LabelledInput {
                name: name.clone(),
                value: value.clone(),
                description: spec.and_then(|s| s.description()).map(str::to_owned),
                unit: spec.and_then(|s| s.unit()).map(str::to_owned),
            }
        })
        .collect()
}

/// Requests the inbox lists at most, pending and resolved each.
const INBOX_SIZE: i64 = 200;

/// What waits for an answer and matches `filter`, newest first.
pub async fn pending(db: &Db, filter: &InboxFilter) -> AppResult<Vec<ApprovalItem>> {
    let slice = PendingSlice {
        route: filter.route.as_deref(),
        agent_name: filter.agent.as_deref(),
        intent_prefix: filter.intent.as_deref(),
        requested_by: filter
            .older_than_minutes
            .map(|minutes| now_millis() - minutes * 60_000),
    };
    let rows = store::approvals::pending(&db.pool, &slice, INBOX_SIZE).await?;
    Ok(rows.into_iter().map(item).collect())
}

/// How many requests wait for an answer, for the navigation.
pub async fn pending_count(db: &Db) -> AppResult<i64> {
    Ok(store::approvals::pending_count(&db.pool).await?)
}

/// What was answered (or expired) lately, latest first.
pub async fn resolved(db: &Db) -> AppResult<Vec<ApprovalItem>> {
    let rows = store::approvals::resolved(&db.pool, INBOX_SIZE).await?;
    Ok(rows.into_iter().map(item).collect())
}

/// The titles of the requests among `ids` that exist, by id: one read for a bulk answer.
pub async fn titles(db: &Db, ids: &[&str]) -> AppResult<std::collections::HashMap<String, String>> {
    let mut conn = db.pool.acquire().await?;
    Ok(store::approvals::titles(&mut conn, ids)
        .await?
        .into_iter()
        .collect())
}

pub async fn find(db: &Db, approval_id: &str) -> AppResult<ApprovalItem> {
    store::approvals::inbox_row(&db.pool, approval_id)
        .await?
        .map(item)
        .ok_or_else(|| AppError::not_found("No such approval request."))
}

/// The hash of the decision's latest event: what an answer binds to.
pub async fn evidence_hash(db: &Db, decision_id: &str) -> AppResult<String> {
    store::decisions::find(&db.pool, decision_id, None)
        .await?
        .map(|decision| decision.last_hash)
        .ok_or_else(|| AppError::not_found("The approval's decision is gone."))
}

fn item(row: InboxRow) -> ApprovalItem {
    ApprovalItem {
        id: row.id,
        decision_id: row.decision_id,
        agent_name: row.agent_name,
        intent: row.intent,
        title: row.title,
        message: row.message,
        approval_route: row.approval_route,
        require_rationale: row.require_rationale != 0,
        status: row.status,
        requested_at: row.requested_at,
        expires_at: row.expires_at,
        resolved_at: row.resolved_at,
        resolved_by: row.resolved_by,
        rationale: row.rationale,
        route_version: row.route_version,
        required_approvals: row.required_approvals,
        evidence_hash: row.evidence_hash,
        asked_by: row.asked_by_policy.map(|policy| {
            let rules: Vec<String> = row
                .asked_by_rules
                .as_deref()
                .and_then(|rules| serde_json::from_str(rules).ok())
                .unwrap_or_default();
            if rules.is_empty() {
                policy
            } else {
                format!("{policy} ({})", rules.join(", "))
            }
        }),
    }
}

/// Who has approved `approval_id` so far.
pub async fn approved_by(db: &Db, approval_id: &str) -> AppResult<Vec<String>> {
    Ok(store::approvals::approvers_so_far(&db.pool, approval_id).await?)
}

/// Overdue requests expired per sweep; the rest wait for the next sweep.
const EXPIRY_BATCH: i64 = 500;

/// What an approver answers. `evidence_hash` is the decision's chain head as the approver saw
/// it; when given and the decision has moved on since, the answer is refused.
pub struct ApproverAnswer<'a> {
    pub approval_id: &'a str,
    pub answer: Answer,
    pub rationale: Option<&'a str>,
    pub evidence_hash: Option<&'a str>,
}

/// A person's answer; whether the request's route lets them answer is checked by the journal
/// command that records it (`decisions::approval_commands`), whichever way they answered.
pub async fn resolve(
    state: &AppState,
    approver: &CurrentUser,
    answer: ApproverAnswer<'_>,
) -> AppResult<DecisionView> {
    let person = Approver::Person {
        email: approver.email.clone(),
        team: approver.team.clone(),
    };
    submit_answer(state, person, answer).await
}

/// An answer from a route's receiver, whose signature the caller verified with the route's
/// secret; recorded as `integration:ROUTE`, or `integration:ROUTE:PERSON` when the receiver says
/// on whose behalf it answers. The receiver enforces who may approve on its side.
pub async fn resolve_by_integration(
    state: &AppState,
    route_name: &str,
    on_behalf_of: Option<&str>,
    answer: ApproverAnswer<'_>,
) -> AppResult<DecisionView> {
    let on_behalf_of = optional_long_text("on_behalf_of", on_behalf_of.map(str::trim))?
        .filter(|text| !text.is_empty());
    let voter = match on_behalf_of {
        Some(person) => format!("integration:{route_name}:{person}"),
        None => format!("integration:{route_name}"),
    };
    submit_answer(state, Approver::Integration { voter }, answer).await
}

/// The signing secret of the route version an approval request used, if it has one.
pub async fn signing_secret_of(db: &Db, approval_id: &str) -> AppResult<Option<(String, String)>> {
    let Some(approval) = store::approvals::find(&db.pool, approval_id).await? else {
        return Ok(None);
    };
    let (Some(name), Some(version)) = (approval.approval_route, approval.route_version) else {
        return Ok(None);
    };
    Ok(store::approval_routes::version(&db.pool, &name, version)
        .await?
        .and_then(|route| route.signing_secret.map(|secret| (name, secret))))
}

async fn submit_answer(
    state: &AppState,
    approver: Approver,
    answer: ApproverAnswer<'_>,
) -> AppResult<DecisionView> {
    let ApproverAnswer {
        approval_id,
        answer,
        rationale,
        evidence_hash,
    } = answer;
    let rationale =
        optional_long_text("rationale", rationale.map(str::trim))?.filter(|text| !text.is_empty());
    let applied = state
        .journal
        .submit(Command::ResolveApproval {
            approval_id: approval_id.to_owned(),
            approver,
            answer,
            rationale,
            evidence_hash: evidence_hash.map(str::to_owned),
        })
        .await?;
    Ok(DecisionView::of(&applied.decision))
}

/// Expires every overdue pending request (its decision is aborted); returns how many.
pub async fn expire_overdue(state: &AppState) -> AppResult<usize> {
    let overdue = store::approvals::overdue(&state.db.pool, now_millis(), EXPIRY_BATCH).await?;
    let mut expired = 0;
    for approval_id in overdue {
        // Another server (or an approver) may have resolved it since; that is not an error.
        if state
            .journal
            .submit(Command::ExpireApproval { approval_id })
            .await
            .is_ok()
        {
            expired += 1;
        }
    }
    Ok(expired)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const POLICY: &str = "policy: p
inputs:
  amount: { type: number, description: How much to refund, unit: EUR }
  note: { type: string }
rules:
  - { name: r, when: 'true', outcome: allow }
";

    #[test]
    fn inputs_are_labelled_by_their_declarations() {
        let policy = Policy::parse(POLICY).expect("valid");
        let rows = labelled_inputs(
            &json!({"note": "lost parcel", "amount": 950.0, "extra": 1}),
            Some(&policy),
        );
        let shown: Vec<_> = rows
            .iter()
            .map(|row| {
                (
                    row.name.as_str(),
                    row.description.as_deref(),
                    row.unit.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("amount", Some("How much to refund"), Some("EUR")),
                ("extra", None, None),
                ("note", None, None),
            ]
        );
        assert_eq!(rows[0].value, json!(950.0));
    }

    #[test]
    fn without_a_policy_or_an_object_the_inputs_are_unlabelled() {
        let rows = labelled_inputs(&json!({"amount": 1}), None);
        assert_eq!(
            (rows[0].description.clone(), rows[0].unit.clone()),
            (None, None)
        );
        let policy = Policy::parse(POLICY).expect("valid");
        assert!(labelled_inputs(&Value::Null, Some(&policy)).is_empty());
        assert!(labelled_inputs(&json!([1, 2]), Some(&policy)).is_empty());
    }
}
