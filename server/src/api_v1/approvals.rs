//! The approval inbox over JSON, for approvers' personal access tokens: the same requests and
//! the same rules as the inbox page.

use axum::{
    body::Body,
    extract::{FromRequest, FromRequestParts, RawQuery, Request, State},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use app::{
    error::AppError,
    model::{ApprovalItem, ApprovalStatus, CurrentUser, DecisionStatus, InboxFilter, Permission},
    ssr::{services::approvals, AppState},
};

use super::{error::ErrorBody, json_body::JsonBody, path::ApiPath, person::ApiPerson, ApiError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    outcome: ApprovalStatus,
    #[serde(default)]
    rationale: Option<String>,
    /// The hash of the decision's latest event as the approver saw it (`evidence_hash` of
    /// `GET /approvals/{id}`); if the decision changed since, the answer is refused with 409.
    evidence_hash: String,
    /// For a route's signed receiver only: the person it answers for, as it knows them.
    #[serde(default)]
    on_behalf_of: Option<String>,
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
    params(
        ("status" = Option<String>, Query, description = "`pending` (the default) or `resolved`"),
        ("route" = Option<String>, Query, description = "Pending requests on this route"),
        ("agent" = Option<String>, Query, description = "Pending requests of this agent (its name)"),
        ("intent" = Option<String>, Query, description = "Pending requests whose decision's intent starts with this"),
        ("older_than_minutes" = Option<i64>, Query, description = "Pending requests waiting at least this many minutes"),
    ),
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
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<ApprovalItem>>, ApiError> {
    person.require(Permission::Read)?;
    let query = query.unwrap_or_default();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let filter = InboxFilter::parse(pairs.iter().map(|(key, value)| (key, value)))?;
    let status = pairs
        .iter()
        .find(|(key, _)| key == "status")
        .map(|(_, value)| value.as_str());
    match status {
        None | Some("pending") => Ok(Json(approvals::pending(&state.db, &filter).await?)),
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
        (status = 200, description = "Answered; the decision moved on (or, with approvals still needed, the answer was counted).", body = Resolved),
        (status = 401, description = "No valid token, or a webhook signature that does not verify or is over 5 minutes old.", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Already answered (the message says by whom), or the decision changed since the evidence hash.", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("personal_token" = []), ("webhook_signature" = []))
)]
/// Approve or reject a request, bound to the decision as the approver saw it. An approver sends
/// a personal access token; a route's webhook receiver instead signs the body with the route's
/// secret (`webhook-id`, `webhook-timestamp`, `webhook-signature`, per Standard Webhooks).
pub async fn resolve(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    answer: Answer,
) -> Result<Json<Resolved>, ApiError> {
    let body = answer.body;
    let choice = match body.outcome {
        ApprovalStatus::Approved => app::model::Answer::Approve,
        ApprovalStatus::Rejected => app::model::Answer::Reject,
        _ => {
            return Err(ApiError(AppError::invalid(
                "outcome",
                "outcome is approved or rejected.",
            )))
        }
    };
    let answered = approvals::ApproverAnswer {
        approval_id: &id,
        answer: choice,
        rationale: body.rationale.as_deref(),
        evidence_hash: Some(&body.evidence_hash),
    };
    let decision = match answer.by {
        Answerer::Person(approver) => {
            if body.on_behalf_of.is_some() {
                return Err(ApiError(AppError::invalid(
                    "on_behalf_of",
                    "on_behalf_of is for a route's signed receiver; a person answers as themselves.",
                )));
            }
            approvals::resolve(&state, &approver, answered).await?
        }
        Answerer::Integration { route } => {
            approvals::resolve_by_integration(
                &state,
                &route,
                body.on_behalf_of.as_deref(),
                answered,
            )
            .await?
        }
    };
    Ok(Json(Resolved {
        approval_id: id,
        outcome: body.outcome,
        decision_status: decision.status,
    }))
}

/// Who answers: an approver by personal access token, or a route's receiver by signature.
pub enum Answerer {
    Person(CurrentUser),
    Integration { route: String },
}

/// A resolution's body with who sent it. The signature covers the exact body bytes, so the
/// body is read before it is parsed.
pub struct Answer {
    by: Answerer,
    body: ResolveBody,
}

impl FromRequest<AppState> for Answer {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        if !parts.headers.contains_key("webhook-signature") {
            let ApiPerson(person) = ApiPerson::from_request_parts(&mut parts, state).await?;
            if !person.role.allows(Permission::Approve) {
                return Err(ApiError(AppError::Forbidden));
            }
            let JsonBody(body) =
                JsonBody::from_request(Request::from_parts(parts, body), state).await?;
            return Ok(Self {
                by: Answerer::Person(person),
                body,
            });
        }
        let ApiPath(id) = ApiPath::<String>::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, state.settings.max_body_bytes)
            .await
            .map_err(|_| ApiError(AppError::TooLarge))?;
        let bad_signature = || {
            ApiError(AppError::BadSignature {
                message: "The webhook signature does not verify with the route's secret, or \
                          its timestamp is more than 5 minutes away."
                    .to_owned(),
            })
        };
        let (route, secret) = approvals::signing_secret_of(&state.db, &id)
            .await?
            .ok_or_else(bad_signature)?;
        standardwebhooks::Webhook::new(&secret)
            .and_then(|verifier| verifier.verify(&bytes, &parts.headers))
            .map_err(|_| bad_signature())?;
        let JsonBody(body) =
            JsonBody::from_request(Request::from_parts(parts, Body::from(bytes)), state).await?;
        Ok(Self {
            by: Answerer::Integration { route },
            body,
        })
    }
}
