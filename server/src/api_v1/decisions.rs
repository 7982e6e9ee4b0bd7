//! The agent API: decision envelopes, for agents' API keys. Handlers only translate HTTP; the
//! decisions service does the work (and the MCP endpoint calls the same service).

use std::time::Duration;

use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use verdict_receipt::SignedReceipt;

use app::{
    error::{AppError, AppResult},
    model::{DecisionStatus, Permission},
    ssr::{
        auth::agent_key::AgentPrincipal,
        services::{
            decisions::{self, requests::*, views::*},
            receipts,
        },
        AppState,
    },
};

use super::{
    agent::ApiAgent, error::ErrorBody, json_body::JsonBody, path::ApiPath, person::ApiPerson,
    ApiError,
};

type Created<T> = Result<(StatusCode, Json<T>), ApiError>;

#[utoipa::path(
    post, path = "/decisions", tag = "decisions",
    request_body = OpenDecisionRequest,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "Repeating a key with the same body within 24 h returns the first answer; with another body, 422.")),
    responses(
        (status = 201, description = "The decision is open.", body = DecisionView),
        (status = 200, description = "The first answer to this Idempotency-Key.", body = DecisionView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 423, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("agent_key" = []))
)]
/// Open a decision envelope for an intent, in a fixed automation mode.
pub async fn open(
    State(state): State<AppState>,
    ApiAgent(agent): ApiAgent,
    headers: HeaderMap,
    JsonBody(body): JsonBody<OpenDecisionRequest>,
) -> Created<DecisionView> {
    let key = match headers.get("idempotency-key") {
        Some(value) => Some(value.to_str().map_err(|_| {
            ApiError(AppError::invalid(
                "Idempotency-Key",
                "The key must be visible ASCII.",
            ))
        })?),
        None => None,
    };
    let answer = decisions::open(&state, &agent, body, key).await?;
    let status = if answer.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(answer.value)))
}

#[utoipa::path(
    post, path = "/decisions/{id}/context", tag = "decisions",
    params(("id" = String, Path, description = "The decision's id")),
    request_body = ContextRequest,
    responses(
        (status = 201, description = "The note is recorded.", body = EventView),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 423, body = ErrorBody),
    ),
    security(("agent_key" = []))
)]
/// Record a note about the decision (what the agent knows, why it acts).
pub async fn add_context(
    State(state): State<AppState>,
    ApiAgent(agent): ApiAgent,
    ApiPath(id): ApiPath<String>,
    JsonBody(body): JsonBody<ContextRequest>,
) -> Created<EventView> {
    let event = decisions::add_context(&state, &agent, &id, body).await?;
    Ok((StatusCode::CREATED, Json(event)))
}

#[utoipa::path(
    post, path = "/decisions/{id}/reads", tag = "decisions",
    params(("id" = String, Path, description = "The decision's id")),
    request_body = ReadRequest,
    responses(
        (status = 201, description = "The read is recorded.", body = EventView),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 423, body = ErrorBody),
    ),
    security(("agent_key" = []))
)]
/// Record what the agent read, from which product, and why.
pub async fn record_read(
    State(state): State<AppState>,
    ApiAgent(agent): ApiAgent,
    ApiPath(id): ApiPath<String>,
    JsonBody(body): JsonBody<ReadRequest>,
) -> Created<EventView> {
    let event = decisions::record_read(&state, &agent, &id, body).await?;
    Ok((StatusCode::CREATED, Json(event)))
}

#[utoipa::path(
    post, path = "/decisions/{id}/evaluate", tag = "decisions",
    params(("id" = String, Path, description = "The decision's id")),
    request_body = EvaluateRequest,
    responses(
        (status = 200, description = "Every evaluation, each recorded as its own event, and the strictest outcome.", body = EvaluationResult),
        (status = 403, description = "policy_id is not bound to this agent.", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 423, body = ErrorBody),
    ),
    security(("agent_key" = []))
)]
/// Evaluate the agent's bound policies (or one) against inputs; each evaluation is recorded.
pub async fn evaluate(
    State(state): State<AppState>,
    ApiAgent(agent): ApiAgent,
    ApiPath(id): ApiPath<String>,
    JsonBody(body): JsonBody<EvaluateRequest>,
) -> Result<Json<EvaluationResult>, ApiError> {
    Ok(Json(decisions::evaluate(&state, &agent, &id, body).await?))
}

#[utoipa::path(
    post, path = "/decisions/{id}/approvals", tag = "decisions",
    params(("id" = String, Path, description = "The decision's id")),
    request_body = ApprovalRequestBody,
    responses(
        (status = 201, description = "The request is pending; the decision needs approval.", body = ApprovalCreated),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 423, body = ErrorBody),
    ),
    security(("agent_key" = []))
)]
/// Ask a person for an exception; the decision waits in needs_approval.
pub async fn request_approval(
    State(state): State<AppState>,
    ApiAgent(agent): ApiAgent,
    ApiPath(id): ApiPath<String>,
    JsonBody(body): JsonBody<ApprovalRequestBody>,
) -> Created<ApprovalCreated> {
    let created = decisions::request_approval(&state, &agent, &id, body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(
    post, path = "/decisions/{id}/writes", tag = "decisions",
    params(("id" = String, Path, description = "The decision's id")),
    request_body = WriteRequest,
    responses(
        (status = 201, description = "The write is recorded.", body = EventView),
        (status = 200, description = "The same idempotency_key was recorded before; its event.", body = EventView),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not allowed to act: waiting for approval, rejected, closed, denied, or no approval granted.", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 423, body = ErrorBody),
    ),
    security(("agent_key" = []))
)]
/// Record the change the agent makes; refused unless the evidence allows acting.
pub async fn record_write(
    State(state): State<AppState>,
    ApiAgent(agent): ApiAgent,
    ApiPath(id): ApiPath<String>,
    JsonBody(body): JsonBody<WriteRequest>,
) -> Created<EventView> {
    let answer = decisions::record_write(&state, &agent, &id, body).await?;
    let status = if answer.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(answer.value)))
}

#[utoipa::path(
    post, path = "/decisions/{id}/close", tag = "decisions",
    params(("id" = String, Path, description = "The decision's id")),
    request_body = CloseRequest,
    responses(
        (status = 200, description = "Committed or aborted, with a snapshot of the policy versions used, and the decision's signed receipt.", body = ClosedDecision),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 423, description = "Frozen: commit refused (rollback and abort still work).", body = ErrorBody),
    ),
    security(("agent_key" = []))
)]
/// Commit, roll back or abort the decision; a snapshot of the policy versions used is recorded,
/// and the answer carries the decision's signed receipt.
pub async fn close(
    State(state): State<AppState>,
    ApiAgent(agent): ApiAgent,
    ApiPath(id): ApiPath<String>,
    JsonBody(body): JsonBody<CloseRequest>,
) -> Result<Json<ClosedDecision>, ApiError> {
    Ok(Json(close_with_receipt(&state, &agent, &id, body).await?))
}

/// The close answer: the decision as it closed, and its signed receipt.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClosedDecision {
    #[serde(flatten)]
    pub decision: DecisionView,
    /// The decision's signed receipt, issued from its stored chain once the close was recorded
    /// (the same document `GET /decisions/{id}/receipt` answers). `null` only when the database
    /// could not be read right after the close: the close itself is recorded, and the receipt
    /// can be fetched from `GET /decisions/{id}/receipt`.
    #[schema(value_type = Option<super::receipts::SignedReceiptDocument>)]
    pub receipt: Option<SignedReceipt>,
}

/// Closes the decision, then issues its receipt: REST's close and MCP's `decision_close`.
pub(crate) async fn close_with_receipt(
    state: &AppState,
    agent: &AgentPrincipal,
    id: &str,
    body: CloseRequest,
) -> AppResult<ClosedDecision> {
    let decision = decisions::close(state, agent, id, body).await?;
    // The close is committed: an agent must hear so even if the receipt cannot be built now, or
    // it would send the close again and be told the decision is already closed.
    let receipt = match receipts::issue(state, &decision.decision_id).await {
        Ok(receipt) => Some(receipt),
        Err(error) => {
            tracing::warn!(decision = %decision.decision_id, %error,
                "decision closed, but its receipt could not be issued now; answered without it");
            None
        }
    };
    Ok(ClosedDecision { decision, receipt })
}

#[utoipa::path(
    get, path = "/decisions/{id}", tag = "decisions",
    params(("id" = String, Path, description = "The decision's id")),
    responses((status = 200, body = DecisionView), (status = 404, body = ErrorBody)),
    security(("agent_key" = []))
)]
/// The decision's status and summary.
pub async fn show(
    State(state): State<AppState>,
    ApiAgent(agent): ApiAgent,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<DecisionView>, ApiError> {
    Ok(Json(decisions::get(&state, &agent, &id).await?))
}

#[utoipa::path(
    get, path = "/decisions/{id}/trace", tag = "decisions",
    params(("id" = String, Path, description = "The decision's id")),
    responses((status = 200, description = "Every event in order.", body = Trace), (status = 404, body = ErrorBody)),
    security(("agent_key" = []))
)]
/// Every event of the decision, in order, with its hash chain.
pub async fn trace(
    State(state): State<AppState>,
    ApiAgent(agent): ApiAgent,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Trace>, ApiError> {
    Ok(Json(decisions::trace(&state, &agent, &id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WaitParams {
    /// Seconds to wait at most (default 30, at most 60).
    timeout: Option<u64>,
    /// The status the agent last saw; defaults to the status when the call arrives.
    since: Option<DecisionStatus>,
}

#[utoipa::path(
    get, path = "/decisions/{id}/wait", tag = "decisions",
    params(("id" = String, Path, description = "The decision's id"), WaitParams),
    responses(
        (status = 200, description = "The status changed (changed: true) or the timeout passed (changed: false).", body = WaitResult),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, description = "The agent already holds as many waits open as the server allows (`--max-waits-per-agent`), or is over its rate.", body = ErrorBody),
    ),
    security(("agent_key" = []))
)]
/// Long-poll until the decision's status changes or the timeout passes.
pub async fn wait(
    State(state): State<AppState>,
    ApiAgent(agent): ApiAgent,
    ApiPath(id): ApiPath<String>,
    params: Result<Query<WaitParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<WaitResult>, ApiError> {
    let Query(params) = params.map_err(|rejection| {
        ApiError(AppError::BadRequest {
            message: rejection.body_text(),
        })
    })?;
    let timeout = Duration::from_secs(params.timeout.unwrap_or(30));
    // Held until the answer is sent or the agent hangs up (the future is dropped).
    let _slot = state.wait_slots.enter(&agent.agent_id)?;
    Ok(Json(
        decisions::wait(&state, &agent, &id, params.since, timeout).await?,
    ))
}

#[utoipa::path(
    get, path = "/decisions/{id}/verify", tag = "decisions",
    params(("id" = String, Path, description = "The decision's id")),
    responses(
        (status = 200, description = "Whether the hash chain is intact, and where it breaks.", body = Verification),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("agent_key" = []), ("personal_token" = []))
)]
/// Recompute the decision's hash chain and report where it breaks, if anywhere.
pub async fn verify(
    State(state): State<AppState>,
    agent: Result<ApiAgent, ApiError>,
    person: Result<ApiPerson, ApiError>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Verification>, ApiError> {
    let verification = match (agent, person) {
        (Ok(ApiAgent(agent)), _) => decisions::verify(&state, Some(&agent), &id).await?,
        (Err(_), Ok(person)) => {
            person.require(Permission::Administer)?;
            decisions::verify(&state, None, &id).await?
        }
        (Err(error), Err(_)) => return Err(error),
    };
    Ok(Json(verification))
}
