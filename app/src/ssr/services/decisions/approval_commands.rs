//! The approval steps of the decision state machine (`rules.rs`): an agent asks for an
//! approval, people (or a route's receiver) answer it, the clock expires it, an abort withdraws
//! it. Like every command, each reads and checks first and stages its writes in the journal's
//! batch only once it cannot be refused.

use verdict_policy::Outcome;

use crate::{
    error::AppError,
    model::{
        Answer, ApprovalRequested, ApprovalResolved, ApprovalStatus, ApprovalVote, ClosingAction,
        DecisionClosed, DecisionStatus, EventPayload,
    },
    ssr::{
        ids::new_id,
        services::approval_routes::{route_of, DEFAULT_EXPIRY_SECONDS},
        store::{
            agents, approval_routes,
            approvals::{self, ApprovalRow, VoteRow},
            decisions::DecisionRow,
        },
    },
};

use super::{
    batch::{Batch, Resolution},
    commands::{standing, AgentScope, Applied, Change, Conn, NewApprovalRequest, Refusal},
    rules::{check, Step},
};

pub(super) async fn request_approval(
    conn: &mut Conn,
    batch: &mut Batch,
    scope: &AgentScope,
    decision: DecisionRow,
    request: &NewApprovalRequest,
    now: i64,
) -> Result<Applied, Refusal> {
    let route_name = route_of_request(&decision, request.approval_route.as_deref())?;
    // A route named but not defined still reaches the inbox, with the defaults.
    let route = match &route_name {
        Some(name) => approval_routes::latest(&mut *conn, name).await?,
        None => None,
    };
    let require_rationale = request.require_rationale
        || route
            .as_ref()
            .is_some_and(|route| route.require_rationale != 0);
    let expires_in_millis = request.expires_in_millis.unwrap_or_else(|| {
        route
            .as_ref()
            .map_or(DEFAULT_EXPIRY_SECONDS, |route| route.default_expiry_seconds)
            * 1000
    });
    let approval = ApprovalRow {
        id: new_id(),
        decision_id: decision.id.clone(),
        agent_id: scope.agent_id.clone(),
        title: request.title.clone(),
        message: request.message.clone(),
        approval_route: route_name.clone(),
        require_rationale: i64::from(require_rationale),
        status: ApprovalStatus::Pending,
        requested_at: now,
        expires_at: now.saturating_add(expires_in_millis),
        resolved_at: None,
        resolved_by: None,
        rationale: None,
        route_version: route.as_ref().map(|route| route.version),
        required_approvals: route.as_ref().map_or(1, |route| route.required_approvals),
        action_digest: decision.latest_action_digest.clone(),
    };
    let action = decision
        .latest_action_digest
        .as_deref()
        .and_then(|digest| {
            decision
                .evaluated_actions
                .iter()
                .rev()
                .find(|e| e.digest == digest)
        })
        .map(|evaluated| evaluated.action.clone());
    let mut change = Change::new(decision, now);
    change.set_status(DecisionStatus::NeedsApproval);
    change.append(
        scope.actor(),
        ApprovalRequested {
            approval_id: approval.id.clone(),
            title: approval.title.clone(),
            message: approval.message.clone(),
            approval_route: route_name,
            route_version: approval.route_version,
            required_approvals: approval.required_approvals,
            require_rationale,
            expires_at: approval.expires_at,
            action,
            action_digest: approval.action_digest.clone(),
        },
    );
    let mut applied = change.write_within_limits(batch)?;
    batch.request_approval(approval.clone());
    applied.approval = Some(approval);
    Ok(applied)
}

/// Where an approval request goes. When the latest evaluation requires an exception, the policy
/// that required it decides (the route it named, or the default route when it named none): an
/// agent naming another route would choose its own approvers. Only a request the policies did
/// not ask for (an allowed action in `propose` or `approve` mode) may name a route.
fn route_of_request(
    decision: &DecisionRow,
    asked: Option<&str>,
) -> Result<Option<String>, Refusal> {
    let evaluated = decision.latest_route.as_deref();
    let policy_decides = standing(decision).latest_outcome == Some(Outcome::RequiresException);
    match asked {
        Some(asked) if policy_decides && Some(asked) != evaluated => Err(AppError::invalid(
            "approval_route",
            match evaluated {
                Some(route) => format!(
                    "The policy that requires this exception sends it to route {route}; \
                         leave approval_route out or name that route."
                ),
                None => "The policy that requires this exception names no route, so the \
                             default route applies; leave approval_route out."
                    .to_owned(),
            },
        )
        .into()),
        Some(asked) => Ok(Some(asked.to_owned())),
        None => Ok(evaluated.map(str::to_owned)),
    }
}

/// An aborted decision's open requests can no longer be answered; the inbox should not show them.
pub(super) async fn withdraw_pending_approvals(
    conn: &mut Conn,
    batch: &mut Batch,
    decision_id: &str,
    now: i64,
) -> Result<(), Refusal> {
    let withdrawal = Resolution {
        approval_id: String::new(),
        status: ApprovalStatus::Expired,
        by: "system".to_owned(),
        rationale: Some("the decision was aborted".to_owned()),
        at: now,
        must_apply: false,
    };
    for approval in approvals::of_decision(&mut *conn, decision_id).await? {
        if approval.status == ApprovalStatus::Pending {
            batch.resolve_approval(Resolution {
                approval_id: approval.id,
                ..withdrawal.clone()
            });
        }
    }
    batch.resolve_new_approvals(decision_id, &withdrawal);
    Ok(())
}

/// Who answers an approval request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approver {
    /// A signed-in person, a person's token, or the person an answer link was sent to.
    Person { email: String, team: Option<String> },
    /// A route's receiver, whose signature was verified with the route's secret; it enforces who
    /// may approve on its side. `voter` is `integration:ROUTE` or `integration:ROUTE:PERSON`.
    Integration { voter: String },
}

impl Approver {
    /// How the answer is recorded among the request's votes.
    fn voter(&self) -> &str {
        match self {
            Approver::Person { email, .. } => email,
            Approver::Integration { voter } => voter,
        }
    }

    /// How the answer's event names who gave it.
    fn actor(&self) -> String {
        match self {
            Approver::Person { email, .. } => format!("user:{email}"),
            Approver::Integration { voter } => voter.clone(),
        }
    }
}

/// A person's (or a receiver's) answer to an approval request.
pub struct ApprovalAnswer<'a> {
    pub approval_id: &'a str,
    pub approver: &'a Approver,
    pub answer: Answer,
    pub rationale: Option<&'a str>,
    /// The decision's chain head when the approver looked; the answer binds to it.
    pub evidence_hash: Option<&'a str>,
}

/// The route an approval used decides who may answer it: only the people it names, if it
/// names any, and nobody of the agent's owner team unless it allows that. A request without a
/// route, or whose route is named by the policy but not defined, follows the default route's
/// rules: anyone who may answer approvals, except the agent's owner team. Checked here, inside
/// the transaction that records the answer, so every way of answering (inbox, REST, answer
/// links) passes the same check; route versions never change, so the read cannot go stale.
async fn check_may_answer(
    conn: &mut Conn,
    approval: &ApprovalRow,
    approver: &Approver,
) -> Result<(), Refusal> {
    let Approver::Person { email, team } = approver else {
        return Ok(());
    };
    let route = match (approval.approval_route.as_deref(), approval.route_version) {
        (Some(name), Some(version)) => approval_routes::version(&mut *conn, name, version)
            .await?
            .map(route_of),
        _ => None,
    };
    if let Some(route) = &route {
        if !route.approver_emails.is_empty() && !route.approver_emails.contains(email) {
            return Err(AppError::NotPermitted {
                message: format!(
                    "Route {} names who may approve its requests, and you are not among them.",
                    route.name
                ),
            }
            .into());
        }
    }
    let owner_team_may_approve = route
        .as_ref()
        .is_some_and(|route| route.owner_team_may_approve);
    if !owner_team_may_approve && team.is_some() {
        let owner_team = agents::owner_team(&mut *conn, &approval.agent_id).await?;
        if *team == owner_team {
            return Err(AppError::NotPermitted {
                message: "You are on the agent's owner team; this request needs someone outside \
                          it to approve."
                    .to_owned(),
            }
            .into());
        }
    }
    Ok(())
}

pub(super) async fn resolve(
    conn: &mut Conn,
    batch: &mut Batch,
    answer: ApprovalAnswer<'_>,
    now: i64,
) -> Result<Applied, Refusal> {
    let ApprovalAnswer {
        approval_id,
        approver,
        answer,
        rationale,
        evidence_hash,
    } = answer;
    let approve = answer == Answer::Approve;
    let approval = pending_approval(conn, approval_id).await?;
    check_may_answer(conn, &approval, approver).await?;
    let voter = approver.voter();
    if approval.require_rationale != 0 && rationale.is_none_or(|text| text.trim().is_empty()) {
        return Err(AppError::invalid("rationale", "This approval needs a rationale.").into());
    }
    let decision = batch
        .decision(conn, &approval.decision_id)
        .await?
        .ok_or_else(|| AppError::not_found("The approval's decision is gone."))?;
    if evidence_hash.is_some_and(|seen| seen != decision.last_hash) {
        return Err(AppError::conflict(
            "The decision changed since you looked at it; look again before you answer.",
        )
        .into());
    }
    check(Step::ResolveApproval, &standing(&decision))?;
    // The state machine keeps this from happening today (no evaluation while a request waits);
    // checked here so that no change to it can let an approval grant an action it was not
    // asked on.
    if approve && approval.action_digest != decision.latest_action_digest {
        return Err(AppError::conflict(
            "The agent evaluated another action since it asked; an approval grants the action it \
             was asked on only, so this request can no longer be approved (reject it, or let the \
             agent ask again).",
        )
        .into());
    }
    let mut approvers = approvals::approvers_so_far(&mut *conn, approval_id).await?;
    approvers.extend(batch.staged_approvers(approval_id));
    if approvers.iter().any(|earlier| earlier == voter) {
        return Err(AppError::conflict("You have already approved this request.").into());
    }
    batch.record_vote(VoteRow {
        approval_id: approval_id.to_owned(),
        voter: voter.to_owned(),
        approve,
        rationale: rationale.map(str::to_owned),
        at: now,
    });
    if approve {
        approvers.push(voter.to_owned());
    }
    let mut change = Change::new(decision, now);
    let still_needed = approval.required_approvals - approvers.len() as i64;
    if approve && still_needed > 0 {
        change.append(
            approver.actor(),
            ApprovalVote {
                approval_id: approval.id.clone(),
                by: voter.to_owned(),
                rationale: rationale.map(str::to_owned),
                approvals: approvers.len() as i64,
                required_approvals: approval.required_approvals,
            },
        );
        return Ok(change.write(batch));
    }
    let (status, decision_status) = if approve {
        (ApprovalStatus::Approved, DecisionStatus::Approved)
    } else {
        (ApprovalStatus::Rejected, DecisionStatus::Rejected)
    };
    change.set_status(decision_status);
    if approve {
        change.decision.approval_granted = 1;
    }
    // The head the answer binds to: what the approver saw (a different one was refused above).
    let evidence_hash = Some(change.decision.last_hash.clone());
    change.append(
        approver.actor(),
        ApprovalResolved {
            approval_id: approval.id.clone(),
            outcome: status,
            by: voter.to_owned(),
            approvers: Some(approvers),
            rationale: rationale.map(str::to_owned),
            evidence_hash,
        },
    );
    let applied = change.write(batch);
    batch.resolve_approval(Resolution {
        approval_id: approval_id.to_owned(),
        status,
        by: voter.to_owned(),
        rationale: rationale.map(str::to_owned),
        at: now,
        must_apply: true,
    });
    Ok(applied)
}

pub(super) async fn expire(
    conn: &mut Conn,
    batch: &mut Batch,
    approval_id: &str,
    now: i64,
) -> Result<Applied, Refusal> {
    let approval = pending_approval(conn, approval_id).await?;
    if approval.expires_at > now {
        return Err(AppError::conflict("The approval has not expired yet.").into());
    }
    let decision = batch
        .decision(conn, &approval.decision_id)
        .await?
        .ok_or_else(|| AppError::not_found("The approval's decision is gone."))?;
    check(Step::Abort, &standing(&decision))?;
    let resolution = ApprovalResolved {
        approval_id: approval.id.clone(),
        outcome: ApprovalStatus::Expired,
        by: "system".to_owned(),
        approvers: None,
        rationale: None,
        evidence_hash: None,
    };
    let mut change = Change::new(decision, now);
    change.set_status(DecisionStatus::Aborted);
    change.decision.closed_at = Some(now);
    change.append("system".to_owned(), resolution);
    change.snapshot("system".to_owned());
    change.append(
        "system".to_owned(),
        EventPayload::DecisionAborted(DecisionClosed {
            action: ClosingAction::Expired,
            reason: Some("the approval request expired".to_owned()),
        }),
    );
    let applied = change.write(batch);
    batch.resolve_approval(Resolution {
        approval_id: approval_id.to_owned(),
        status: ApprovalStatus::Expired,
        by: "system".to_owned(),
        rationale: None,
        at: now,
        must_apply: true,
    });
    Ok(applied)
}

async fn pending_approval(conn: &mut Conn, approval_id: &str) -> Result<ApprovalRow, Refusal> {
    let approval = approvals::find(&mut *conn, approval_id)
        .await?
        .ok_or_else(|| AppError::not_found("No such approval request."))?;
    if approval.status != ApprovalStatus::Pending {
        let by = approval
            .resolved_by
            .map(|by| format!(" by {by}"))
            .unwrap_or_default();
        return Err(AppError::conflict(format!(
            "The approval request is already {}{by}.",
            approval.status
        ))
        .into());
    }
    Ok(approval)
}
