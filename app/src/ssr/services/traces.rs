//! The trace explorer's reads: filtered keyset pages of decisions, one decision whole, export
//! pages, and replay (every recorded evaluation re-run with its recorded policy version and
//! inputs). Read-only: nothing here changes a decision.

use std::{collections::HashMap, sync::Arc};

use serde_json::{json, Value};
use verdict_policy::{Outcome, Policy};

use crate::{
    error::{AppError, AppResult},
    model::{
        ApprovalStatus, EventKind, EventPayload, EventWindow, PolicyEvaluated, ReplayDifference,
        ReplayReport, ReplayedEvaluation, TraceApproval, TraceApprovalRecord, TraceCursor,
        TraceDetail, TraceEvaluation, TraceEvent, TraceExportLine, TraceFilter, TracePage,
        TraceQuery, TraceSummary,
    },
    ssr::{
        db::Db,
        now_millis,
        store::{
            self,
            decisions::EventRow,
            traces::{ApprovalRecordRow, Drive, ListFilter, ListedDecision},
        },
    },
};

/// A filter checked against the database (the agent and policy exist), ready for any page.
#[derive(Debug, Clone)]
pub struct PreparedFilter(ListFilter);

impl PreparedFilter {
    pub fn list_filter(&self) -> &ListFilter {
        &self.0
    }
}

pub async fn prepare(db: &Db, filter: &TraceFilter) -> AppResult<PreparedFilter> {
    let agent_id = match &filter.agent {
        Some(agent) => Some(
            store::agents::find(&db.pool, agent, now_millis())
                .await?
                .ok_or_else(|| AppError::invalid("agent", format!("No agent {agent}.")))?
                .id,
        ),
        None => None,
    };
    if let Some(policy_id) = &filter.policy_id {
        if store::policies::find(&db.pool, policy_id).await?.is_none() {
            return Err(AppError::invalid(
                "policy",
                format!("No policy {policy_id}."),
            ));
        }
    }
    let drive = drive(db, filter).await?;
    Ok(PreparedFilter(ListFilter {
        drive,
        agent_id,
        intent_prefix: filter.intent_prefix.clone(),
        status: filter.status.map(|status| status.as_str().to_owned()),
        outcome: filter.outcome.map(|outcome| outcome.as_str().to_owned()),
        policy_id: filter.policy_id.clone(),
        policy_version: filter.policy_version,
        approver: filter.approver.clone(),
        product: filter.product.clone(),
        purpose: filter.purpose.clone(),
        risk_tier: filter.risk_tier.map(|tier| tier.as_str().to_owned()),
        from: filter.from,
        to: filter.to,
        text: filter.q.as_ref().map(|text| text.to_lowercase()),
        before: None,
    }))
}

/// Below this many matches, a filter's matches are fetched and sorted rather than found by
/// walking the newest decisions (where rare matches would mean a long walk).
const FEW_MATCHES: i64 = 2_000;

/// Where the search for a page starts: from the most selective of the intent, policy, approver
/// and product filters when it matches few decisions, else along the newest decisions.
async fn drive(db: &Db, filter: &TraceFilter) -> AppResult<Drive> {
    let mut best = (FEW_MATCHES, Drive::Recency);
    if let Some(prefix) = &filter.intent_prefix {
        let count =
            store::traces::intent_matches(&db.pool, db.backend, prefix, FEW_MATCHES).await?;
        if count < best.0 {
            best = (count, Drive::Intent);
        }
    }
    if let Some(policy_id) = &filter.policy_id {
        let count =
            store::traces::policy_matches(&db.pool, policy_id, filter.policy_version, FEW_MATCHES)
                .await?;
        if count < best.0 {
            best = (count, Drive::Policy);
        }
    }
    if let Some(approver) = &filter.approver {
        let count = store::traces::approver_matches(&db.pool, approver, FEW_MATCHES).await?;
        if count < best.0 {
            best = (count, Drive::Approver);
        }
    }
    if let Some(product) = &filter.product {
        let count = store::traces::product_matches(&db.pool, product, FEW_MATCHES).await?;
        if count < best.0 {
            best = (count, Drive::Product);
        }
    }
    Ok(best.1)
}

/// One page of the filtered decisions, newest first.
pub async fn list(db: &Db, query: &TraceQuery) -> AppResult<TracePage> {
    let filter = prepare(db, &query.filter).await?;
    page(db, &filter, query.cursor.as_ref(), query.limit).await
}

pub async fn page(
    db: &Db,
    filter: &PreparedFilter,
    cursor: Option<&TraceCursor>,
    limit: u32,
) -> AppResult<TracePage> {
    let (rows, approvals, next) = fetch(db, filter, cursor, limit).await?;
    let decisions = rows
        .iter()
        .map(|row| summary(row, approvals.get(row.id.as_str())))
        .collect();
    Ok(TracePage {
        decisions,
        next_cursor: next.as_ref().map(TraceCursor::encode),
    })
}

/// One page of the filtered decisions with their events, as export lines; and where the next
/// page starts.
pub async fn export_page(
    db: &Db,
    filter: &PreparedFilter,
    cursor: Option<&TraceCursor>,
    limit: u32,
) -> AppResult<(Vec<TraceExportLine>, Option<TraceCursor>)> {
    let (rows, approvals, next) = fetch(db, filter, cursor, limit).await?;
    let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
    let mut conn = db.pool.acquire().await?;
    let mut events: HashMap<String, Vec<TraceEvent>> = HashMap::new();
    for event in store::traces::events_of(&mut conn, &ids).await? {
        events
            .entry(event.decision_id.clone())
            .or_default()
            .push(TraceEvent::from(&event));
    }
    let lines = rows
        .iter()
        .map(|row| TraceExportLine {
            decision: summary(row, approvals.get(row.id.as_str())),
            products_used: row.product_uses.clone(),
            events: events.remove(&row.id).unwrap_or_default(),
        })
        .collect();
    Ok((lines, next))
}

/// The page's rows, each decision's latest approval, and the next page's cursor.
async fn fetch(
    db: &Db,
    filter: &PreparedFilter,
    cursor: Option<&TraceCursor>,
    limit: u32,
) -> AppResult<(
    Vec<ListedDecision>,
    HashMap<String, (ApprovalStatus, Option<String>)>,
    Option<TraceCursor>,
)> {
    let mut list_filter = filter.0.clone();
    list_filter.before = cursor.map(|cursor| (cursor.created_at, cursor.id.clone()));
    let mut rows =
        store::traces::list(&db.pool, db.backend, &list_filter, i64::from(limit) + 1).await?;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|row| TraceCursor {
            created_at: row.created_at,
            id: row.id.clone(),
        })
    } else {
        None
    };
    let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
    let mut conn = db.pool.acquire().await?;
    let mut latest = HashMap::new();
    // Oldest first, so the last one inserted for a decision is its latest.
    for approval in store::traces::approvals_of(&mut conn, &ids).await? {
        latest.insert(
            approval.decision_id,
            (approval.status, approval.resolved_by),
        );
    }
    Ok((rows, latest, next))
}

fn summary(
    row: &ListedDecision,
    approval: Option<&(ApprovalStatus, Option<String>)>,
) -> TraceSummary {
    TraceSummary {
        id: row.id.clone(),
        created_at: row.created_at,
        agent_id: row.agent_id.clone(),
        agent_name: row.agent_name.clone(),
        intent: row.intent.clone(),
        automation_mode: row.automation_mode,
        status: row.status,
        latest_outcome: row.latest_outcome,
        policies_used: row.policies_used.clone(),
        approval: approval.map(|(status, approver)| TraceApproval {
            status: *status,
            approver: approver.clone(),
        }),
        duration_ms: row.closed_at.map(|closed| closed - row.created_at),
        purpose: row.purpose.clone(),
        risk_tier: row.risk_tier,
    }
}

async fn existing(db: &Db, decision_id: &str) -> AppResult<ListedDecision> {
    store::traces::find(&db.pool, decision_id)
        .await?
        .ok_or_else(|| AppError::not_found("No such decision."))
}

/// A decision with one screen of its events, every evaluation and every approval request.
/// Screens keep a large decision's pages and answers small: a decision may hold up to
/// `decisions::limits::MAX_EVENTS` events and 4 MiB of payload.
pub async fn detail(db: &Db, decision_id: &str, window: EventWindow) -> AppResult<TraceDetail> {
    let row = existing(db, decision_id).await?;
    let total = row.last_sequence;
    let after = match window {
        EventWindow::After(after) => after.max(0),
        EventWindow::Latest => (total - EventWindow::SCREEN).max(0),
    };
    let events =
        store::decisions::events_after(&db.pool, decision_id, after, EventWindow::SCREEN).await?;
    let evaluations =
        store::decisions::events_of_kind(&db.pool, decision_id, EventKind::PolicyEval.as_str())
            .await?;
    let mut conn = db.pool.acquire().await?;
    let approvals = store::traces::approvals_of(&mut conn, &[decision_id]).await?;
    let latest = approvals
        .last()
        .map(|approval| (approval.status, approval.resolved_by.clone()));
    let next_after = events
        .last()
        .map(|event| event.sequence)
        .filter(|last| *last < total);
    Ok(TraceDetail {
        decision: summary(&row, latest.as_ref()),
        actor: row.actor.clone(),
        evaluations: evaluations
            .iter()
            .filter_map(recorded_evaluation)
            .map(|(event, recorded)| trace_evaluation(event, recorded))
            .collect(),
        events: events.iter().map(TraceEvent::from).collect(),
        approvals: approvals.into_iter().map(approval_record).collect(),
        events_total: total,
        next_after,
    })
}

fn approval_record(row: ApprovalRecordRow) -> TraceApprovalRecord {
    TraceApprovalRecord {
        status: row.status,
        id: row.id,
        title: row.title,
        message: row.message,
        approval_route: row.approval_route,
        requested_at: row.requested_at,
        expires_at: row.expires_at,
        resolved_at: row.resolved_at,
        resolved_by: row.resolved_by,
        rationale: row.rationale,
    }
}

/// The evaluation a `policy_eval` event records; `None` for other events.
fn recorded_evaluation(event: &EventRow) -> Option<(&EventRow, PolicyEvaluated)> {
    match EventPayload::read(&event.kind, &event.payload_json)? {
        EventPayload::PolicyEvaluated(recorded) => Some((event, recorded)),
        _ => None,
    }
}

fn trace_evaluation(event: &EventRow, recorded: PolicyEvaluated) -> TraceEvaluation {
    TraceEvaluation {
        event_id: event.id.clone(),
        sequence: event.sequence,
        at: event.at,
        policy_id: recorded.policy_id,
        version: recorded.version,
        hash: recorded.hash,
        inputs: recorded.inputs,
        outcome: recorded.outcome,
        rationale: recorded.rationale,
        decided_by: recorded.decided_by,
        matched_rules: recorded.matched_rules,
        approval_route: recorded.approval_route,
    }
}

/// A published version's content hash and its parsed policy.
type ParsedVersion = (String, Arc<Policy>);

/// Re-runs every recorded evaluation of the decision with the recorded policy version's source
/// and the recorded inputs, and says for each whether the result is identical, or what differs.
pub async fn replay(db: &Db, decision_id: &str) -> AppResult<ReplayReport> {
    existing(db, decision_id).await?;
    let events = store::decisions::events(&db.pool, decision_id).await?;
    let mut versions: HashMap<(String, i64), Option<ParsedVersion>> = HashMap::new();
    let mut evaluations = Vec::new();
    for (event, recorded) in events.iter().filter_map(recorded_evaluation) {
        let (Some(policy_id), Some(version)) = (recorded.policy_id.clone(), recorded.version)
        else {
            evaluations.push(not_replayed(
                event,
                &recorded,
                recorded.outcome == Outcome::Deny,
                "No bound policy applied to the intent, so the decision was denied without \
                 an evaluation; there is nothing to re-run.",
            ));
            continue;
        };
        let key = (policy_id.clone(), version);
        if !versions.contains_key(&key) {
            let loaded = match store::policies::version(&db.pool, &policy_id, version).await? {
                Some(row) => Policy::parse(&row.source)
                    .ok()
                    .map(|policy| (row.content_hash, Arc::new(policy))),
                None => None,
            };
            versions.insert(key.clone(), loaded);
        }
        let Some((content_hash, policy)) = versions.get(&key).and_then(Option::as_ref) else {
            evaluations.push(not_replayed(
                event,
                &recorded,
                false,
                &format!("{policy_id} v{version} is not a published version that parses."),
            ));
            continue;
        };
        let evaluation = policy.evaluate(&recorded.inputs);
        let replayed_rules: Vec<String> = evaluation
            .matched_rules
            .iter()
            .map(|rule| rule.as_str().to_owned())
            .collect();
        let replayed_decider = evaluation.decided_by.map(|rule| rule.as_str().to_owned());
        let mut differences = Vec::new();
        let mut compare = |field: &str, recorded: Value, replayed: Value| {
            if recorded != replayed {
                differences.push(ReplayDifference {
                    field: field.to_owned(),
                    recorded,
                    replayed,
                });
            }
        };
        compare(
            "hash",
            json!(recorded.hash),
            json!(Some(content_hash.as_str())),
        );
        compare(
            "outcome",
            json!(recorded.outcome),
            json!(evaluation.outcome),
        );
        compare(
            "matched_rules",
            json!(recorded.matched_rules),
            json!(replayed_rules),
        );
        compare(
            "rationale",
            json!(recorded.rationale),
            json!(evaluation.rationale),
        );
        compare(
            "decided_by",
            json!(recorded.decided_by),
            json!(replayed_decider),
        );
        compare(
            "approval_route",
            json!(recorded.approval_route),
            json!(evaluation.approval_route),
        );
        evaluations.push(ReplayedEvaluation {
            event_id: event.id.clone(),
            sequence: event.sequence,
            policy_id: Some(policy_id),
            version: Some(version),
            recorded_outcome: recorded.outcome,
            replayed_outcome: Some(evaluation.outcome),
            identical: differences.is_empty(),
            differences,
            note: None,
        });
    }
    Ok(ReplayReport {
        decision_id: decision_id.to_owned(),
        identical: evaluations.iter().all(|evaluation| evaluation.identical),
        evaluations,
    })
}

fn not_replayed(
    event: &EventRow,
    recorded: &PolicyEvaluated,
    identical: bool,
    note: &str,
) -> ReplayedEvaluation {
    ReplayedEvaluation {
        event_id: event.id.clone(),
        sequence: event.sequence,
        policy_id: recorded.policy_id.clone(),
        version: recorded.version,
        recorded_outcome: recorded.outcome,
        replayed_outcome: None,
        identical,
        differences: Vec::new(),
        note: Some(note.to_owned()),
    }
}
