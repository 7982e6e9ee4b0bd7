//! Decisions, their append-only events and the projections written beside them. Only the
//! decision journal (services::decisions::journal) writes here, and `verdict seed` its whole,
//! closed histories through the same row writers.
use sqlx::{any::AnyRow, Any, Executor, FromRow, Row};
use verdict_policy::Outcome;

use crate::model::{
    AutomationMode, DecisionStatus, DecisionSummary, EvaluatedAction, PolicyUse, ProductUse,
    RiskTier,
};

use super::{
    script::{Script, StatementId},
    values::{placeholders, ROWS_PER_STATEMENT},
};

/// A decision as stored. Its names (status, mode, outcome) are text columns, read into their
/// enums here and nowhere else; `policies_used` is JSON text, read once here.
#[derive(Debug, Clone)]
pub struct DecisionRow {
    pub id: String,
    pub agent_id: String,
    pub intent: String,
    pub automation_mode: AutomationMode,
    pub actor: Option<String>,
    pub status: DecisionStatus,
    pub latest_outcome: Option<Outcome>,
    pub latest_route: Option<String>,
    pub approval_granted: i64,
    /// Every policy version the decision evaluated, in the order first evaluated.
    pub policies_used: Vec<PolicyUse>,
    pub last_sequence: i64,
    pub last_hash: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    /// The bytes of every event payload recorded so far (bounded by `decisions::limits`).
    pub payload_bytes: i64,
    /// A digest of the latest evaluation's inputs; an approval covers exactly those.
    pub latest_inputs_hash: Option<String>,
    /// Every action the decision evaluated, in order (JSON text in the column, read once here).
    pub evaluated_actions: Vec<EvaluatedAction>,
    /// The action digest of the latest evaluation, which a granted approval covers.
    pub latest_action_digest: Option<String>,
    /// Fixed by the first purpose-bound read of a catalogued product.
    pub purpose: Option<String>,
    /// The highest risk tier of the catalogued operations used (`None`: none yet).
    pub risk_tier: Option<RiskTier>,
    /// The catalogued operations used, once each, in first-use order.
    pub product_uses: Vec<ProductUse>,
}

impl DecisionRow {
    pub fn summary(&self) -> DecisionSummary {
        DecisionSummary {
            id: self.id.clone(),
            agent_id: self.agent_id.clone(),
            intent: self.intent.clone(),
            automation_mode: self.automation_mode,
            status: self.status,
            latest_outcome: self.latest_outcome,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

impl<'r> FromRow<'r, AnyRow> for DecisionRow {
    fn from_row(row: &'r AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.try_get("id")?,
            agent_id: row.try_get("agent_id")?,
            intent: row.try_get("intent")?,
            automation_mode: named(row, "automation_mode", AutomationMode::parse)?,
            actor: row.try_get("actor")?,
            status: named(row, "status", DecisionStatus::parse)?,
            latest_outcome: optional_named(row, "latest_outcome", |text| text.parse().ok())?,
            latest_route: row.try_get("latest_route")?,
            approval_granted: row.try_get("approval_granted")?,
            policies_used: policies_used(row)?,
            last_sequence: row.try_get("last_sequence")?,
            last_hash: row.try_get("last_hash")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            closed_at: row.try_get("closed_at")?,
            payload_bytes: row.try_get("payload_bytes")?,
            latest_inputs_hash: row.try_get("latest_inputs_hash")?,
            evaluated_actions: json_column(row, "evaluated_actions")?,
            latest_action_digest: row.try_get("latest_action_digest")?,
            purpose: row.try_get("purpose")?,
            risk_tier: optional_named(row, "risk_tier", |text| text.parse().ok())?,
            product_uses: json_column(row, "product_uses")?,
        })
    }
}

/// A text column holding one of a closed set of names. The tables' CHECK constraints admit only
/// those (and Verdict writes only those), so an unknown name is a damaged row.
pub(super) fn named<T>(
    row: &AnyRow,
    column: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> sqlx::Result<T> {
    let text: String = row.try_get(column)?;
    parse(&text).ok_or_else(|| unknown_name(column, &text))
}

pub(super) fn optional_named<T>(
    row: &AnyRow,
    column: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> sqlx::Result<Option<T>> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|text| parse(&text).ok_or_else(|| unknown_name(column, &text)))
        .transpose()
}

fn unknown_name(column: &str, text: &str) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: format!("{text:?} is not a {column} Verdict writes").into(),
    }
}

/// The `policies_used` column: a JSON list, empty when unreadable (as it always was).
pub(super) fn policies_used(row: &AnyRow) -> sqlx::Result<Vec<PolicyUse>> {
    let text: String = row.try_get("policies_used")?;
    Ok(serde_json::from_str(&text).unwrap_or_default())
}

/// A JSON list column (`evaluated_actions`, `product_uses`). Unlike `policies_used` an
/// unreadable list is a damaged row: the binding rule must not read it as "no action evaluated"
/// and let any write through, nor the tier rule as "nothing used".
pub(super) fn json_column<T: serde::de::DeserializeOwned>(
    row: &AnyRow,
    column: &str,
) -> sqlx::Result<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|error| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: Box::new(error),
    })
}

fn json_text<T: serde::Serialize>(list: &[T]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".to_owned())
}

/// `policies_used` as stored: each entry's keys sorted, as the column has always held them.
fn policies_used_text(policies: &[PolicyUse]) -> String {
    serde_json::to_value(policies)
        .unwrap_or_default()
        .to_string()
}

from_row! {
    #[derive(Debug, Clone)]
    pub struct EventRow {
        pub decision_id: String,
        pub sequence: i64,
        pub id: String,
        pub kind: String,
        pub at: i64,
        pub actor: String,
        pub payload_json: String,
        pub prev_hash: String,
        pub hash: String,
    }
}

from_row! {
    #[derive(Debug, Clone)]
    pub struct EvaluationRow {
        pub event_id: String,
        pub decision_id: String,
        pub agent_id: String,
        pub agent_name: String,
        pub policy_version: i64,
        pub outcome: String,
        pub matched_rules: String,
        pub at: i64,
    }
}

/// Every column of an event, as `EventRow` reads it.
pub(super) const EVENT_SELECT: &str = "SELECT decision_id, sequence, id, kind, at, actor, \
    payload_json, prev_hash, hash FROM decision_events";

const DECISION_COLUMNS: &str = "id, agent_id, intent, automation_mode, actor, status, \
    latest_outcome, latest_route, approval_granted, policies_used, last_sequence, last_hash, \
    created_at, updated_at, closed_at, payload_bytes, latest_inputs_hash, evaluated_actions, \
    latest_action_digest, purpose, risk_tier, product_uses";

/// Inserts new decisions, many rows per statement.
pub fn insert_many<'q>(script: &mut Script<'q>, rows: &[&'q DecisionRow]) {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO decisions ({DECISION_COLUMNS}) VALUES {}",
            script.rows(chunk.len(), 22)
        );
        let (_, mut statement) = script.statement(&sql);
        for row in chunk {
            statement
                .bind(&row.id)
                .bind(&row.agent_id)
                .bind(&row.intent)
                .bind(row.automation_mode.as_str())
                .bind(&row.actor)
                .bind(row.status.as_str())
                .bind(row.latest_outcome.map(Outcome::as_str))
                .bind(&row.latest_route)
                .bind(row.approval_granted)
                .bind(policies_used_text(&row.policies_used))
                .bind(row.last_sequence)
                .bind(&row.last_hash)
                .bind(row.created_at)
                .bind(row.updated_at)
                .bind(row.closed_at)
                .bind(row.payload_bytes)
                .bind(&row.latest_inputs_hash)
                .bind(json_text(&row.evaluated_actions))
                .bind(&row.latest_action_digest)
                .bind(&row.purpose)
                .bind(row.risk_tier.map(RiskTier::as_str))
                .bind(json_text(&row.product_uses));
        }
    }
}

/// A decision's new state, to be written only if its chain head is still `expected_sequence`.
pub struct HeadMove<'a> {
    pub row: &'a DecisionRow,
    pub expected_sequence: i64,
}

/// Moves each decision to its new state in one statement per chunk; returns how many moved.
/// Fewer than `moves.len()` means another writer (another server) moved one first.
pub fn advance_many<'q>(script: &mut Script<'q>, moves: &[HeadMove<'q>]) -> Vec<StatementId> {
    let mut statements = Vec::new();
    for chunk in moves.chunks(ROWS_PER_STATEMENT) {
        // A named VALUES list joined by UPDATE … FROM reads the same on SQLite and PostgreSQL.
        let sql = format!(
            "WITH moved (id, expected_sequence, status, latest_outcome, latest_route, \
             approval_granted, policies_used, last_sequence, last_hash, updated_at, closed_at, \
             payload_bytes, latest_inputs_hash, evaluated_actions, latest_action_digest, \
             purpose, risk_tier, product_uses) AS (VALUES {}) \
             UPDATE decisions SET status = moved.status, latest_outcome = moved.latest_outcome, \
             latest_route = moved.latest_route, approval_granted = moved.approval_granted, \
             policies_used = moved.policies_used, last_sequence = moved.last_sequence, \
             last_hash = moved.last_hash, updated_at = moved.updated_at, \
             closed_at = moved.closed_at, payload_bytes = moved.payload_bytes, \
             latest_inputs_hash = moved.latest_inputs_hash, \
             evaluated_actions = moved.evaluated_actions, \
             latest_action_digest = moved.latest_action_digest, purpose = moved.purpose, \
             risk_tier = moved.risk_tier, product_uses = moved.product_uses FROM moved \
             WHERE decisions.id = moved.id \
             AND decisions.last_sequence = moved.expected_sequence",
            script.rows(chunk.len(), 18)
        );
        let (id, mut statement) = script.statement(&sql);
        for head in chunk {
            let row = head.row;
            statement
                .bind(&row.id)
                .bind(head.expected_sequence)
                .bind(row.status.as_str())
                .bind(row.latest_outcome.map(Outcome::as_str))
                .bind(&row.latest_route)
                .bind(row.approval_granted)
                .bind(policies_used_text(&row.policies_used))
                .bind(row.last_sequence)
                .bind(&row.last_hash)
                .bind(row.updated_at)
                .bind(row.closed_at)
                .bind(row.payload_bytes)
                .bind(&row.latest_inputs_hash)
                .bind(json_text(&row.evaluated_actions))
                .bind(&row.latest_action_digest)
                .bind(&row.purpose)
                .bind(row.risk_tier.map(RiskTier::as_str))
                .bind(json_text(&row.product_uses));
        }
        statements.push(id);
    }
    statements
}

/// The decision, if it belongs to `agent_id` (`None` looks it up for anyone: people's views).
pub async fn find<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    agent_id: Option<&str>,
) -> sqlx::Result<Option<DecisionRow>> {
    sqlx::query_as(&format!(
        "SELECT {DECISION_COLUMNS} FROM decisions WHERE id = $1 AND ($2 IS NULL OR agent_id = $2)"
    ))
    .bind(id)
    .bind(agent_id)
    .fetch_optional(db)
    .await
}

/// The decisions among `ids` that exist, in no particular order.
pub async fn find_many(
    conn: &mut sqlx::AnyConnection,
    ids: &[&str],
) -> sqlx::Result<Vec<DecisionRow>> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT {DECISION_COLUMNS} FROM decisions WHERE id IN {}",
            placeholders(conn, 1, chunk.len())
        );
        let mut query = sqlx::query_as(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        rows.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(rows)
}

pub async fn recent_of_agent<'e>(
    db: impl Executor<'e, Database = Any>,
    agent_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<DecisionRow>> {
    sqlx::query_as(&format!(
        "SELECT {DECISION_COLUMNS} FROM decisions WHERE agent_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(agent_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Appends events, many rows per statement.
pub fn insert_events<'q>(script: &mut Script<'q>, events: &'q [EventRow]) {
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO decision_events (decision_id, sequence, id, kind, at, actor, \
             payload_json, prev_hash, hash) VALUES {}",
            script.rows(chunk.len(), 9)
        );
        let (_, mut statement) = script.statement(&sql);
        for event in chunk {
            statement
                .bind(&event.decision_id)
                .bind(event.sequence)
                .bind(&event.id)
                .bind(&event.kind)
                .bind(event.at)
                .bind(&event.actor)
                .bind(&event.payload_json)
                .bind(&event.prev_hash)
                .bind(&event.hash);
        }
    }
}

pub async fn events<'e>(
    db: impl Executor<'e, Database = Any>,
    decision_id: &str,
) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(&format!(
        "{EVENT_SELECT} WHERE decision_id = $1 ORDER BY sequence"
    ))
    .bind(decision_id)
    .fetch_all(db)
    .await
}

/// Up to `limit` events after `after`, in chain order.
pub async fn events_after<'e>(
    db: impl Executor<'e, Database = Any>,
    decision_id: &str,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(&format!(
        "{EVENT_SELECT} WHERE decision_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3"
    ))
    .bind(decision_id)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// A decision's events of one kind, in chain order.
pub async fn events_of_kind<'e>(
    db: impl Executor<'e, Database = Any>,
    decision_id: &str,
    kind: &str,
) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(&format!(
        "{EVENT_SELECT} WHERE decision_id = $1 AND kind = $2 ORDER BY sequence"
    ))
    .bind(decision_id)
    .bind(kind)
    .fetch_all(db)
    .await
}

/// A row of the `policy_evaluations` projection, written beside its `policy_eval` event.
#[derive(Debug, Clone)]
pub struct NewEvaluation {
    pub event_id: String,
    pub decision_id: String,
    pub agent_id: String,
    pub policy_id: String,
    pub policy_version: i64,
    pub policy_hash: String,
    pub outcome: String,
    pub matched_rules: String,
    pub at: i64,
}

pub fn insert_evaluations<'q>(script: &mut Script<'q>, evaluations: &'q [NewEvaluation]) {
    for chunk in evaluations.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO policy_evaluations (event_id, decision_id, agent_id, policy_id, \
             policy_version, policy_hash, outcome, matched_rules, at) VALUES {}",
            script.rows(chunk.len(), 9)
        );
        let (_, mut statement) = script.statement(&sql);
        for evaluation in chunk {
            statement
                .bind(&evaluation.event_id)
                .bind(&evaluation.decision_id)
                .bind(&evaluation.agent_id)
                .bind(&evaluation.policy_id)
                .bind(evaluation.policy_version)
                .bind(&evaluation.policy_hash)
                .bind(&evaluation.outcome)
                .bind(&evaluation.matched_rules)
                .bind(evaluation.at);
        }
    }
}

pub async fn recent_evaluations_of_policy<'e>(
    db: impl Executor<'e, Database = Any>,
    policy_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<EvaluationRow>> {
    sqlx::query_as(
        "SELECT e.event_id, e.decision_id, e.agent_id, a.name AS agent_name, e.policy_version, \
         e.outcome, e.matched_rules, e.at FROM policy_evaluations e \
         JOIN agents a ON a.id = e.agent_id WHERE e.policy_id = $1 \
         ORDER BY e.at DESC, e.event_id DESC LIMIT $2",
    )
    .bind(policy_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// A policy's evaluations since `since`, and the time of its latest one ever; both are range
/// scans of the (policy_id, at) index, so the cost does not grow with other policies' history.
pub async fn evaluation_activity(
    conn: &mut sqlx::AnyConnection,
    policy_id: &str,
    since: i64,
) -> sqlx::Result<(i64, Option<i64>)> {
    let (recent,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM policy_evaluations WHERE policy_id = $1 AND at >= $2")
            .bind(policy_id)
            .bind(since)
            .fetch_one(&mut *conn)
            .await?;
    let (latest,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(at) FROM policy_evaluations WHERE policy_id = $1")
            .bind(policy_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok((recent, latest))
}

from_row! {
    #[derive(Debug, Clone)]
    pub struct IdempotencyRow {
        pub request_hash: String,
        pub response_json: String,
        pub created_at: i64,
    }
}

pub async fn idempotency_record(
    conn: &mut sqlx::AnyConnection,
    agent_id: &str,
    scope: &str,
) -> sqlx::Result<Option<IdempotencyRow>> {
    sqlx::query_as(
        "SELECT request_hash, response_json, created_at FROM idempotency_records \
         WHERE agent_id = $1 AND scope = $2",
    )
    .bind(agent_id)
    .bind(scope)
    .fetch_optional(conn)
    .await
}

/// An `Idempotency-Key`'s first request and answer, kept so a repeat gets the same answer.
#[derive(Debug, Clone)]
pub struct NewIdempotencyRecord {
    pub agent_id: String,
    pub scope: String,
    pub request_hash: String,
    pub response_json: String,
    pub created_at: i64,
}

/// Saves records, replacing expired ones under the same key; `records` holds each key once.
pub fn save_idempotency_records<'q>(script: &mut Script<'q>, records: &[&'q NewIdempotencyRecord]) {
    for chunk in records.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO idempotency_records (agent_id, scope, request_hash, response_json, \
             created_at) VALUES {} ON CONFLICT (agent_id, scope) DO UPDATE SET \
             request_hash = excluded.request_hash, response_json = excluded.response_json, \
             created_at = excluded.created_at",
            script.rows(chunk.len(), 5)
        );
        let (_, mut statement) = script.statement(&sql);
        for record in chunk {
            statement
                .bind(&record.agent_id)
                .bind(&record.scope)
                .bind(&record.request_hash)
                .bind(&record.response_json)
                .bind(record.created_at);
        }
    }
}
