//! The trace explorer over JSON, for people's personal access tokens (every role may read):
//! filtered keyset pages of decisions, a streamed NDJSON export, one decision whole, its chain
//! verification and its replay. The filters are the explorer URL's query parameters.

use axum::{
    body::{Body, Bytes},
    extract::{Query, RawQuery, State},
    http::{header, Uri},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use tower_sessions::Session;
use utoipa::IntoParams;

use app::{
    error::AppError,
    model::{
        EventWindow, Permission, ReplayReport, TraceCursor, TraceDetail, TraceExportLine,
        TracePage, TraceQuery,
    },
    ssr::{
        auth::session::user_of_session,
        db::Db,
        services::{
            decisions::{self, views::Verification},
            traces::{self, PreparedFilter},
        },
        AppState,
    },
};

use super::{error::ErrorBody, path::ApiPath, person::ApiPerson, ApiError};

/// Decisions per page of an export: each page is one query for the decisions and one for their
/// events, written out before the next is read.
const EXPORT_PAGE: u32 = 200;

/// The explorer's filters (documentation only: the handlers parse the query string themselves,
/// so every refusal names its parameter).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct TraceParams {
    /// An agent's id or name.
    agent: Option<String>,
    /// The start of the intent, e.g. `billing.` or `billing.refund.create`.
    intent: Option<String>,
    /// open, needs_approval, approved, rejected, committed or aborted.
    status: Option<String>,
    /// The latest combined outcome: allow, requires_exception or deny.
    outcome: Option<String>,
    /// Decisions that evaluated this policy.
    policy: Option<String>,
    /// …at this version (needs `policy`).
    policy_version: Option<i64>,
    /// Decisions with an approval resolved by this person (email).
    approver: Option<String>,
    /// Decisions that read or wrote this data product, recorded or refused.
    product: Option<String>,
    /// Decisions whose purpose (fixed by their first read of a catalogued product) is this.
    purpose: Option<String>,
    /// Decisions whose risk tier (the highest of the catalogued operations they used) is
    /// exactly this: read_only, local_write, network, delegated or destructive.
    risk_tier: Option<String>,
    /// Created at or after (Unix milliseconds).
    from: Option<i64>,
    /// Created before (Unix milliseconds).
    to: Option<i64>,
    /// Free text in rationales, summaries, approval titles and messages (case-insensitive).
    q: Option<String>,
    /// The `next_cursor` of the previous page (not on export).
    cursor: Option<String>,
    /// Decisions per page, 1 to 500 (default 50; not on export).
    limit: Option<u32>,
}

fn trace_query(uri: &Uri) -> Result<TraceQuery, ApiError> {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri).map_err(|rejection| {
        ApiError(AppError::BadRequest {
            message: rejection.body_text(),
        })
    })?;
    Ok(TraceQuery::parse(pairs)?)
}

#[utoipa::path(
    get, path = "/admin/decisions", tag = "traces",
    params(TraceParams),
    responses(
        (status = 200, description = "A page of decisions, newest first, and the cursor of the next.", body = TracePage),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "A filter is malformed or names no agent or policy; `field` names it.", body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// Find decisions: filter by agent, intent prefix, status, outcome, policy (and version),
/// approver, data product, purpose, risk tier, time range and free text; page with
/// `next_cursor`.
pub async fn list(
    State(state): State<AppState>,
    person: ApiPerson,
    uri: Uri,
) -> Result<Json<TracePage>, ApiError> {
    person.require(Permission::Read)?;
    let query = trace_query(&uri)?;
    Ok(Json(traces::list(&state.db, &query).await?))
}

#[utoipa::path(
    get, path = "/admin/decisions/export", tag = "traces",
    params(TraceParams),
    responses(
        (status = 200, description = "Every matching decision, newest first, one JSON object per line with its events, streamed.",
            content_type = "application/x-ndjson", body = TraceExportLine),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// Export the filtered decisions with their events as NDJSON, streamed page by page.
pub async fn export(
    State(state): State<AppState>,
    person: ApiPerson,
    uri: Uri,
) -> Result<Response, ApiError> {
    person.require(Permission::Read)?;
    export_filtered(state, &uri).await
}

/// The same export for the explorer's "Export" link, signed in by the browser's session.
pub async fn export_for_session(
    State(state): State<AppState>,
    session: Session,
    uri: Uri,
) -> Result<Response, ApiError> {
    let person = user_of_session(&state.db, &session)
        .await?
        .ok_or(ApiError(AppError::Unauthenticated))?;
    ApiPerson(person).require(Permission::Read)?;
    export_filtered(state, &uri).await
}

async fn export_filtered(state: AppState, uri: &Uri) -> Result<Response, ApiError> {
    let query = trace_query(uri)?;
    for (field, given) in [
        ("cursor", query.cursor.is_some()),
        ("limit", query.limit != app::model::DEFAULT_PAGE_SIZE),
    ] {
        if given {
            return Err(ApiError(AppError::invalid(
                field,
                format!("An export is the whole filtered set; {field} does not apply."),
            )));
        }
    }
    let filter = traces::prepare(&state.db, &query.filter).await?;
    // The first page is read before answering, so a failure is still a JSON error.
    let (lines, next) = traces::export_page(&state.db, &filter, None, EXPORT_PAGE).await?;
    let body = Body::from_stream(export_stream(state.db.clone(), filter, lines, next));
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"decisions.ndjson\"",
            ),
        ],
        body,
    )
        .into_response())
}

type ExportState = (
    Db,
    PreparedFilter,
    Option<Vec<TraceExportLine>>,
    Option<TraceCursor>,
);

/// One chunk per page: the given first page, then each following page read when the client is
/// ready for it. A failure mid-way ends the body abruptly, so a truncated export is noticed.
fn export_stream(
    db: Db,
    filter: PreparedFilter,
    first: Vec<TraceExportLine>,
    next: Option<TraceCursor>,
) -> impl futures_util::Stream<Item = Result<Bytes, AppError>> + Send + 'static {
    let start: Option<ExportState> = Some((db, filter, Some(first), next));
    futures_util::stream::unfold(start, |state| async move {
        let (db, filter, lines, next) = state?;
        let (lines, next) = match lines {
            Some(lines) => (lines, next),
            None => match traces::export_page(&db, &filter, next.as_ref(), EXPORT_PAGE).await {
                Ok(page) => page,
                Err(error) => return Some((Err(error), None)),
            },
        };
        let mut chunk = Vec::with_capacity(lines.len() * 2048);
        for line in &lines {
            if serde_json::to_writer(&mut chunk, line).is_err() {
                return Some((Err(AppError::Internal), None));
            }
            chunk.push(b'\n');
        }
        let following = next.map(|cursor| (db, filter, None, Some(cursor)));
        Some((Ok(Bytes::from(chunk)), following))
    })
}

#[utoipa::path(
    get, path = "/admin/decisions/{id}", tag = "traces",
    params(
        ("id" = String, Path, description = "The decision's id"),
        ("after" = Option<i64>, Query, description = "Show the events after this sequence number (the previous answer's `next_after`); default 0, the first events"),
    ),
    responses(
        (status = 200, description = "The decision with one screen of events (100 at most), every evaluation and approval request.", body = TraceDetail),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// One decision: a screen of its events in chain order, its evaluations and approval requests.
pub async fn show(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(id): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<TraceDetail>, ApiError> {
    person.require(Permission::Read)?;
    let mut after = 0;
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if key == "after" {
            after = value
                .parse::<i64>()
                .ok()
                .filter(|after| *after >= 0)
                .ok_or_else(|| {
                    AppError::invalid("after", "after must be a sequence number (0 or more).")
                })?;
        }
    }
    Ok(Json(
        traces::detail(&state.db, &id, EventWindow::After(after)).await?,
    ))
}

#[utoipa::path(
    get, path = "/admin/decisions/{id}/verify", tag = "traces",
    params(("id" = String, Path, description = "The decision's id")),
    responses(
        (status = 200, description = "Whether the hash chain is intact, and the first event that does not match.", body = Verification),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// Recompute the decision's hash chain on the server.
pub async fn verify(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Verification>, ApiError> {
    person.require(Permission::Read)?;
    Ok(Json(decisions::verify(&state, None, &id).await?))
}

#[utoipa::path(
    get, path = "/admin/decisions/{id}/replay", tag = "traces",
    params(("id" = String, Path, description = "The decision's id")),
    responses(
        (status = 200, description = "Each recorded evaluation re-run with its recorded policy version and inputs.", body = ReplayReport),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// Re-run every recorded evaluation and show whether each is identical, or what differs.
pub async fn replay(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ReplayReport>, ApiError> {
    person.require(Permission::Read)?;
    Ok(Json(traces::replay(&state.db, &id).await?))
}
