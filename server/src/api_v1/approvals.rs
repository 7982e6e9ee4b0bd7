//! The approval inbox over JSON, for approvers' personal access tokens: the same requests and
//! the same rules as the inbox page.

use axum::{
    extract::{Query, State},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use app::{
    error::AppError,
    model::{ApprovalItem, ApprovalStatus, DecisionStatus, Permission},
    ssr::{services::approvals, AppState},
};

use super::{error::ErrorBody, json_body::JsonBody, path::ApiPath, person::ApiPerson, ApiError};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApprovalsQuery {
    /// `pending` (the default) or `resolved`.
    #[serde(default)]
    status: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    outcome: ApprovalStatus,
    #[serde(default)]
    rationale: Option<String>,
    /// The hash of the decision's latest event as the approver saw it (`evidence_hash` of
    /// `GET /approvals/{id}`); if the decision changed since, the answer is refused with 409.
    evidence_hash: String,
}

/// A request and the hash an answer to it must carry.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalWithEvidence {
    #[serde(flatten)]
    approval: ApprovalItem,
    evidence_hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Resolved {
    approval_id: String,
    outcome: ApprovalStatus,
    decision_status: DecisionStatus,
}

#[utoipa::path(
    get, path = "/approvals", tag = "approvals",
    params(ApprovalsQuery),
    responses(
        (status = 200, description = "Pending requests newest first, or resolved ones latest first.", body = Vec<ApprovalItem>),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// The inbox: approval requests waiting for an answer (or answered lately).
pub async fn list(
    State(state): State<AppState>,
    person: ApiPerson,
    Query(query): Query<ApprovalsQuery>,
) -> Result<Json<Vec<ApprovalItem>>, ApiError> {
    person.require(Permission::Read)?;
    match query.status.as_deref() {
        None | Some("pending") => Ok(Json(approvals::pending(&state.db).await?)),
        Some("resolved") => Ok(Json(approvals::resolved(&state.db).await?)),
        Some(_) => Err(ApiError(AppError::invalid(
            "status",
            "status is pending or resolved.",
        ))),
    }
}

#[utoipa::path(
    get, path = "/approvals/{id}", tag = "approvals",
    params(("id" = String, Path, description = "The approval request's id")),
    responses(
        (status = 200, description = "The request and the evidence hash an answer must carry.", body = ApprovalWithEvidence),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// One request, with the hash of the decision's latest event.
pub async fn show(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ApprovalWithEvidence>, ApiError> {
    person.require(Permission::Read)?;
    let approval = approvals::find(&state.db, &id).await?;
    let evidence_hash = approvals::evidence_hash(&state.db, &approval.decision_id).await?;
    Ok(Json(ApprovalWithEvidence {
        approval,
        evidence_hash,
    }))
}

#[utoipa::path(
    post, path = "/approvals/{id}/resolve", tag = "approvals",
    params(("id" = String, Path, description = "The approval request's id")),
    request_body = ResolveBody,
    responses(
        (status = 200, description = "Answered; the decision moved on.", body = Resolved),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Already answered (the message says by whom), or the decision changed since the evidence hash.", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("personal_token" = []))
)]
/// Approve or reject a request, bound to the decision as the approver saw it.
pub async fn resolve(
    State(state): State<AppState>,
    person: ApiPerson,
    ApiPath(id): ApiPath<String>,
    JsonBody(body): JsonBody<ResolveBody>,
) -> Result<Json<Resolved>, ApiError> {
    let approver = person.require(Permission::Approve)?;
    let approve = match body.outcome {
        ApprovalStatus::Approved => true,
        ApprovalStatus::Rejected => false,
        _ => {
            return Err(ApiError(AppError::invalid(
                "outcome",
                "outcome is approved or rejected.",
            )))
        }
    };
    let decision = approvals::resolve(
        &state,
        &approver,
        approvals::ApproverAnswer {
            approval_id: &id,
            approve,
            rationale: body.rationale.as_deref(),
            evidence_hash: Some(&body.evidence_hash),
        },
    )
    .await?;
    Ok(Json(Resolved {
        approval_id: id,
        outcome: body.outcome,
        decision_status: decision.status,
    }))
}
