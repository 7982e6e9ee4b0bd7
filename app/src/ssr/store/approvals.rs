use sqlx::{Any, Executor};

use crate::model::ApprovalStatus;

use super::{
    script::{Script, StatementId},
    values::{placeholders, ROWS_PER_STATEMENT},
};

from_row! {
    #[derive(Debug, Clone)]
    pub struct ApprovalRow {
        pub id: String,
        pub decision_id: String,
        pub agent_id: String,
        pub title: String,
        pub message: String,
        pub approval_route: Option<String>,
        pub require_rationale: i64,
        pub status: ApprovalStatus as String,
        pub requested_at: i64,
        pub expires_at: i64,
        pub resolved_at: Option<i64>,
        pub resolved_by: Option<String>,
        pub rationale: Option<String>,
        /// The version of `approval_route` the request used; `None` when no such route is defined
        /// (the request then waits in the inbox for anyone who may approve).
        pub route_version: Option<i64>,
        pub required_approvals: i64,
        /// The action the request was asked on; the approval grants that action only.
        pub action_digest: Option<String>,
    }
}

const APPROVAL_COLUMNS: &str = "id, decision_id, agent_id, title, message, approval_route, \
    require_rationale, status, requested_at, expires_at, resolved_at, resolved_by, rationale, \
    route_version, required_approvals, action_digest";

/// Inserts new requests, many rows per statement.
pub fn insert_many<'q>(script: &mut Script<'q>, rows: &'q [ApprovalRow]) {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO approvals ({APPROVAL_COLUMNS}) VALUES {}",
            script.rows(chunk.len(), 16)
        );
        let (_, mut statement) = script.statement(&sql);
        for row in chunk {
            statement
                .bind(&row.id)
                .bind(&row.decision_id)
                .bind(&row.agent_id)
                .bind(&row.title)
                .bind(&row.message)
                .bind(&row.approval_route)
                .bind(row.require_rationale)
                .bind(row.status.as_str())
                .bind(row.requested_at)
                .bind(row.expires_at)
                .bind(row.resolved_at)
                .bind(&row.resolved_by)
                .bind(&row.rationale)
                .bind(row.route_version)
                .bind(row.required_approvals)
                .bind(&row.action_digest);
        }
    }
}

pub async fn find<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
) -> sqlx::Result<Option<ApprovalRow>> {
    sqlx::query_as(&format!(
        "SELECT {APPROVAL_COLUMNS} FROM approvals WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Resolves a pending request; the statement changes no row when it was no longer pending
/// (someone else resolved it).
pub fn resolve<'q>(
    script: &mut Script<'q>,
    id: &'q str,
    status: &'q str,
    by: &'q str,
    rationale: Option<&'q str>,
    now: i64,
) -> StatementId {
    let [status_param, by_param, rationale_param, at_param, id_param] = script.parameters();
    let sql = format!(
        "UPDATE approvals SET status = {status_param}, resolved_by = {by_param}, \
         rationale = {rationale_param}, resolved_at = {at_param} \
         WHERE id = {id_param} AND status = 'pending'"
    );
    let (statement_id, mut statement) = script.statement(&sql);
    statement
        .bind(status)
        .bind(by)
        .bind(rationale)
        .bind(now)
        .bind(id);
    statement_id
}

pub async fn overdue<'e>(
    db: impl Executor<'e, Database = Any>,
    now: i64,
    limit: i64,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM approvals WHERE status = 'pending' AND expires_at <= $1 \
         ORDER BY expires_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

pub async fn of_decision<'e>(
    db: impl Executor<'e, Database = Any>,
    decision_id: &str,
) -> sqlx::Result<Vec<ApprovalRow>> {
    sqlx::query_as(&format!(
        "SELECT {APPROVAL_COLUMNS} FROM approvals WHERE decision_id = $1 ORDER BY requested_at"
    ))
    .bind(decision_id)
    .fetch_all(db)
    .await
}

from_row! {
    /// An approval request with what the inbox shows beside it: the agent's name and the intent.
    #[derive(Debug, Clone)]
    pub struct InboxRow {
        pub id: String,
        pub decision_id: String,
        pub agent_name: String,
        pub intent: String,
        pub title: String,
        pub message: String,
        pub approval_route: Option<String>,
        pub require_rationale: i64,
        pub status: ApprovalStatus as String,
        pub requested_at: i64,
        pub expires_at: i64,
        pub resolved_at: Option<i64>,
        pub resolved_by: Option<String>,
        pub rationale: Option<String>,
        pub route_version: Option<i64>,
        pub required_approvals: i64,
        pub evidence_hash: String,
        /// The policy version whose `requires_exception` asked for this, and its matched rules
        /// (a JSON array).
        pub asked_by_policy: Option<String>,
        pub asked_by_rules: Option<String>,
    }
}

const INBOX_SELECT: &str = "SELECT ap.id, ap.decision_id, \
    (SELECT a.name FROM agents a WHERE a.id = ap.agent_id) AS agent_name, d.intent, ap.title, \
    ap.message, ap.approval_route, ap.require_rationale, ap.status, ap.requested_at, \
    ap.expires_at, ap.resolved_at, ap.resolved_by, ap.rationale, ap.route_version, \
    ap.required_approvals, d.last_hash AS evidence_hash, \
    (SELECT pe.policy_id || ' v' || CAST(pe.policy_version AS TEXT) FROM policy_evaluations pe \
     WHERE pe.decision_id = ap.decision_id AND pe.outcome = 'requires_exception' \
     ORDER BY pe.at DESC LIMIT 1) AS asked_by_policy, \
    (SELECT pe.matched_rules FROM policy_evaluations pe \
     WHERE pe.decision_id = ap.decision_id AND pe.outcome = 'requires_exception' \
     ORDER BY pe.at DESC LIMIT 1) AS asked_by_rules \
    FROM approvals ap JOIN decisions d ON d.id = ap.decision_id";

/// What narrows the pending list; `None` does not filter.
#[derive(Debug, Default)]
pub struct PendingSlice<'a> {
    pub route: Option<&'a str>,
    pub agent_name: Option<&'a str>,
    pub intent_prefix: Option<&'a str>,
    /// Requested at or before this time (Unix milliseconds).
    pub requested_by: Option<i64>,
}

/// Requests still waiting for an answer, newest first.
pub async fn pending<'e>(
    db: impl Executor<'e, Database = Any>,
    slice: &PendingSlice<'_>,
    limit: i64,
) -> sqlx::Result<Vec<InboxRow>> {
    // Each filter is written with its own placeholder or not at all, in ascending order.
    let mut conditions = vec!["ap.status = 'pending'".to_owned()];
    let mut next = 0;
    let mut placeholder = || {
        next += 1;
        format!("${next}")
    };
    if slice.route.is_some() {
        conditions.push(format!("ap.approval_route = {}", placeholder()));
    }
    if slice.agent_name.is_some() {
        conditions.push(format!(
            "ap.agent_id IN (SELECT a.id FROM agents a WHERE a.name = {})",
            placeholder()
        ));
    }
    if slice.intent_prefix.is_some() {
        conditions.push(format!(
            "substr(d.intent, 1, length({0})) = {0}",
            placeholder()
        ));
    }
    if slice.requested_by.is_some() {
        conditions.push(format!("ap.requested_at <= {}", placeholder()));
    }
    let sql = format!(
        "{INBOX_SELECT} WHERE {} ORDER BY ap.requested_at DESC, ap.id DESC LIMIT {}",
        conditions.join(" AND "),
        placeholder()
    );
    let mut query = sqlx::query_as(&sql);
    for text in [slice.route, slice.agent_name, slice.intent_prefix]
        .into_iter()
        .flatten()
    {
        query = query.bind(text);
    }
    if let Some(requested_by) = slice.requested_by {
        query = query.bind(requested_by);
    }
    query.bind(limit).fetch_all(db).await
}

/// How many requests wait for an answer.
pub async fn pending_count<'e>(db: impl Executor<'e, Database = Any>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM approvals WHERE status = 'pending'")
        .fetch_one(db)
        .await
}

/// Answered and expired requests, most recently resolved first.
pub async fn resolved<'e>(
    db: impl Executor<'e, Database = Any>,
    limit: i64,
) -> sqlx::Result<Vec<InboxRow>> {
    sqlx::query_as(&format!(
        "{INBOX_SELECT} WHERE ap.status <> 'pending' ORDER BY ap.resolved_at DESC, ap.id DESC \
         LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn inbox_row<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
) -> sqlx::Result<Option<InboxRow>> {
    sqlx::query_as(&format!("{INBOX_SELECT} WHERE ap.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// One person's answer to a request; a request that needs several approvals collects these.
#[derive(Debug, Clone)]
pub struct VoteRow {
    pub approval_id: String,
    pub voter: String,
    pub approve: bool,
    pub rationale: Option<String>,
    pub at: i64,
}

pub fn insert_votes<'q>(script: &mut Script<'q>, rows: &'q [VoteRow]) {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO approval_votes (approval_id, voter, approve, rationale, at) VALUES {}",
            script.rows(chunk.len(), 5)
        );
        let (_, mut statement) = script.statement(&sql);
        for row in chunk {
            statement
                .bind(&row.approval_id)
                .bind(&row.voter)
                .bind(i64::from(row.approve))
                .bind(&row.rationale)
                .bind(row.at);
        }
    }
}

/// Who has approved `approval_id` so far.
pub async fn approvers_so_far<'e>(
    db: impl Executor<'e, Database = Any>,
    approval_id: &str,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT voter FROM approval_votes WHERE approval_id = $1 AND approve = 1 ORDER BY at, voter",
    )
    .bind(approval_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(voter,)| voter).collect())
}

/// The titles of the requests among `ids` that exist, as `(id, title)`, in one statement a chunk.
pub async fn titles(
    conn: &mut sqlx::AnyConnection,
    ids: &[&str],
) -> sqlx::Result<Vec<(String, String)>> {
    let mut titles = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT id, title FROM approvals WHERE id IN {}",
            placeholders(conn, 1, chunk.len())
        );
        let mut query = sqlx::query_as(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        titles.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(titles)
}
