//! The decision state machine, exactly:
//! `open → needs_approval → approved | rejected`; `open | approved → committed`;
//! `open | needs_approval | approved | rejected → aborted`; and `approved → open` when an
//! evaluation of other inputs voids the approval (it covered only the inputs it was asked on).
//! Everything else is refused with 409 naming the current state.

use verdict_policy::Outcome;

use crate::{
    error::AppError,
    model::{AutomationMode, DecisionStatus},
};

/// A step an agent (or an approver, or the clock) asks of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    AddNote,
    Evaluate,
    RequestApproval,
    ResolveApproval,
    Write,
    Commit,
    Abort,
}

impl Step {
    fn describe(self) -> &'static str {
        match self {
            Step::AddNote => "adding to its record",
            Step::Evaluate => "evaluating policies",
            Step::RequestApproval => "requesting an approval",
            Step::ResolveApproval => "resolving an approval",
            Step::Write => "recording a write",
            Step::Commit => "committing",
            Step::Abort => "aborting",
        }
    }

    fn allowed_in(self, status: DecisionStatus) -> bool {
        use DecisionStatus::*;
        match self {
            Step::AddNote => !status.is_closed(),
            Step::Evaluate | Step::Write | Step::Commit => matches!(status, Open | Approved),
            Step::RequestApproval => status == Open,
            Step::ResolveApproval => status == NeedsApproval,
            Step::Abort => matches!(status, Open | NeedsApproval | Approved | Rejected),
        }
    }
}

/// What the rules need to know about a decision.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    pub status: DecisionStatus,
    pub mode: AutomationMode,
    pub latest_outcome: Option<Outcome>,
    pub approval_granted: bool,
}

/// Refuses `step` when the state machine or the decision's evidence does not allow it.
pub fn check(step: Step, standing: &Standing) -> Result<(), AppError> {
    if !step.allowed_in(standing.status) {
        return Err(AppError::conflict(format!(
            "The decision is {}; {} is not possible in that state.",
            standing.status,
            step.describe()
        )));
    }
    if matches!(step, Step::Write | Step::Commit) {
        if let Some(reason) = acting_refusal(standing) {
            return Err(AppError::conflict(format!(
                "Not allowed to act yet: {reason}."
            )));
        }
    }
    Ok(())
}

/// Why the agent may not write or commit yet, if it may not.
fn acting_refusal(standing: &Standing) -> Option<String> {
    match standing.latest_outcome {
        None => return Some("no policy has been evaluated for this decision".to_owned()),
        Some(Outcome::Deny) => return Some("the latest evaluation is deny".to_owned()),
        Some(Outcome::RequiresException) if !standing.approval_granted => {
            return Some(
                "the latest evaluation requires an exception and no approval was granted"
                    .to_owned(),
            )
        }
        _ => {}
    }
    if standing.mode.needs_approval_to_act() && !standing.approval_granted {
        return Some(format!(
            "automation mode {} acts only after an approval is granted",
            standing.mode
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use DecisionStatus::*;

    fn standing(status: DecisionStatus) -> Standing {
        Standing {
            status,
            mode: AutomationMode::Autonomous,
            latest_outcome: Some(Outcome::Allow),
            approval_granted: false,
        }
    }

    #[test]
    fn every_step_is_allowed_exactly_in_the_states_the_machine_names() {
        let expected: &[(Step, &[DecisionStatus])] = &[
            (Step::AddNote, &[Open, NeedsApproval, Approved, Rejected]),
            (Step::Evaluate, &[Open, Approved]),
            (Step::RequestApproval, &[Open]),
            (Step::ResolveApproval, &[NeedsApproval]),
            (Step::Write, &[Open, Approved]),
            (Step::Commit, &[Open, Approved]),
            (Step::Abort, &[Open, NeedsApproval, Approved, Rejected]),
        ];
        for (step, allowed) in expected {
            for status in DecisionStatus::ALL {
                let result = check(*step, &standing(*status));
                assert_eq!(
                    result.is_ok(),
                    allowed.contains(status),
                    "{step:?} in {status}"
                );
                if let Err(error) = result {
                    assert_eq!(error.status_code(), 409);
                    assert!(error.to_string().contains(status.as_str()));
                }
            }
        }
    }

    #[test]
    fn acting_needs_an_allowing_evaluation_or_a_granted_exception() {
        let mut decision = standing(Open);
        decision.latest_outcome = None;
        assert!(check(Step::Write, &decision).is_err());
        decision.latest_outcome = Some(Outcome::Deny);
        decision.approval_granted = true;
        assert!(check(Step::Commit, &decision).is_err());
        decision.latest_outcome = Some(Outcome::RequiresException);
        decision.approval_granted = false;
        assert!(check(Step::Write, &decision).is_err());
        decision.approval_granted = true;
        assert!(check(Step::Write, &decision).is_ok());
    }

    #[test]
    fn propose_and_approve_modes_act_only_after_approval() {
        for mode in [AutomationMode::Propose, AutomationMode::Approve] {
            let mut decision = standing(Open);
            decision.mode = mode;
            assert!(check(Step::Write, &decision).is_err());
            decision.approval_granted = true;
            assert!(check(Step::Write, &decision).is_ok());
        }
        let mut overriding = standing(Open);
        overriding.mode = AutomationMode::Override;
        assert!(check(Step::Commit, &overriding).is_ok());
    }
}
