//! A decision envelope's vocabulary: its status, its automation mode and its event kinds.

use serde::{Deserialize, Serialize};

/// Declares a closed set of snake_case names with lossless conversion to and from text, so a
/// value read from the database or a request either is one of them or is refused.
macro_rules! named_values {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownName;

            fn try_from(text: String) -> Result<Self, UnknownName> {
                Self::parse(&text).ok_or(UnknownName(text))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// A stored name that is none of its set's (read from a damaged row).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not one of the names Verdict writes")]
pub struct UnknownName(pub String);

named_values!(
    /// Where a decision stands. `committed` and `aborted` are final.
    DecisionStatus {
        Open => "open",
        NeedsApproval => "needs_approval",
        Approved => "approved",
        Rejected => "rejected",
        Committed => "committed",
        Aborted => "aborted",
    }
);

impl DecisionStatus {
    pub fn is_closed(self) -> bool {
        matches!(self, DecisionStatus::Committed | DecisionStatus::Aborted)
    }
}

named_values!(
    /// How much the agent may do on its own; fixed when the decision opens.
    AutomationMode {
        Propose => "propose",
        Approve => "approve",
        Override => "override",
        Autonomous => "autonomous",
    }
);

impl AutomationMode {
    /// Modes in which nothing is written without a person's approval.
    pub fn needs_approval_to_act(self) -> bool {
        matches!(self, AutomationMode::Propose | AutomationMode::Approve)
    }
}

named_values!(
    /// What an event in a decision's trace records.
    EventKind {
        DecisionOpened => "decision_opened",
        ContextAdded => "context_added",
        Read => "read",
        PolicyEval => "policy_eval",
        ApprovalRequested => "approval_requested",
        ApprovalVote => "approval_vote",
        ApprovalResolved => "approval_resolved",
        ApprovalVoided => "approval_voided",
        Write => "write",
        WriteRefused => "write_refused",
        ReadRefused => "read_refused",
        Snapshot => "snapshot",
        DecisionCommitted => "decision_committed",
        DecisionAborted => "decision_aborted",
    }
);

named_values!(
    /// Why an attempt to read or write was refused, as the refusal's error code and as recorded
    /// on its `read_refused` / `write_refused` event.
    RefusalCode {
        UnknownProduct => "unknown_product",
        UnknownOperation => "unknown_operation",
        ProductArchived => "product_archived",
        NotGranted => "not_granted",
        PurposeNotAllowed => "purpose_not_allowed",
        PurposeChanged => "purpose_changed",
        TierForbidsMode => "tier_forbids_mode",
        ApprovalRequired => "approval_required",
        ActionMismatch => "action_mismatch",
        NotAllowedYet => "not_allowed_yet",
    }
);

impl RefusalCode {
    /// The HTTP status the agent hears: names it does not know are bad input (422), rules of
    /// the catalogue are forbidden (403), a change of purpose or an action that differs from
    /// the evaluated one conflicts with the decision (409).
    pub fn status_code(self) -> u16 {
        use RefusalCode::*;
        match self {
            UnknownProduct | UnknownOperation | ProductArchived => 422,
            NotGranted | PurposeNotAllowed | TierForbidsMode | ApprovalRequired => 403,
            PurposeChanged | ActionMismatch | NotAllowedYet => 409,
        }
    }
}

named_values!(
    /// Where an approval request stands.
    ApprovalStatus {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
        Expired => "expired",
    }
);

named_values!(
    /// How an agent closes a decision.
    CloseAction {
        Commit => "commit",
        Rollback => "rollback",
        Abort => "abort",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips_and_unknown_names_are_refused() {
        for status in DecisionStatus::ALL {
            assert_eq!(DecisionStatus::parse(status.as_str()), Some(*status));
        }
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(AutomationMode::parse("yolo"), None);
        assert_eq!(
            serde_json::to_string(&DecisionStatus::NeedsApproval).unwrap(),
            "\"needs_approval\""
        );
    }

    #[test]
    fn only_committed_and_aborted_are_final() {
        let closed: Vec<_> = DecisionStatus::ALL
            .iter()
            .filter(|status| status.is_closed())
            .collect();
        assert_eq!(
            closed,
            [&DecisionStatus::Committed, &DecisionStatus::Aborted]
        );
    }
}
