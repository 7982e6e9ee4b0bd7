//! A decision's events as sentences a person reads ("refund-bot asked finance for an exception:
//! …"); the raw JSON stays one click away on the timeline.

use serde_json::Value;

use crate::model::{
    ApprovalStatus, ClosingAction, EventKind, EventPayload, PolicyEvaluated, TraceEvent,
};

/// Who acted, as people name them: `agent:refund-bot` reads as `refund-bot`.
fn who(actor: &str) -> &str {
    actor.strip_prefix("agent:").unwrap_or(actor)
}

/// `: text` when there is text to add, else nothing.
fn colon(text: Option<&str>) -> String {
    match text.map(str::trim) {
        Some(text) if !text.is_empty() => format!(": {text}"),
        _ => String::new(),
    }
}

/// One event as a sentence; an event whose payload does not read as its kind's falls back to
/// its kind's name.
pub(crate) fn event_sentence(event: &TraceEvent) -> String {
    let payload = EventKind::parse(&event.kind)
        .and_then(|kind| EventPayload::parse(kind, event.payload.clone()).ok());
    match payload {
        Some(payload) => payload_sentence(who(&event.actor), &payload),
        None => event.kind.replace('_', " "),
    }
}

fn payload_sentence(actor: &str, payload: &EventPayload) -> String {
    match payload {
        EventPayload::DecisionOpened(opened) => format!(
            "{actor} opened a decision to {} ({} mode){}",
            opened.intent,
            opened.automation_mode.as_str(),
            opened
                .actor
                .as_deref()
                .map(|on_behalf| format!(" on behalf of {on_behalf}"))
                .unwrap_or_default()
        ),
        EventPayload::ContextAdded(context) => {
            format!("{actor} added context{}", colon(Some(&context.summary)))
        }
        EventPayload::Read(read) => format!(
            "{actor} read {}{}{}{} {} {}{}",
            read.product,
            read.operation
                .as_deref()
                .map(|operation| format!(" ({operation})"))
                .unwrap_or_default(),
            read.risk_tier
                .map(|tier| format!(" [{tier}]"))
                .unwrap_or_default(),
            match read.record_count {
                Some(1) => " (1 record)".to_owned(),
                Some(count) => format!(" ({count} records)"),
                None => String::new(),
            },
            // A catalogued read names a purpose (`support`); others said why in words.
            if read.operation.is_some() {
                "for"
            } else {
                "to"
            },
            read.purpose,
            colon(read.summary.as_deref())
        ),
        EventPayload::PolicyEvaluated(evaluation) => evaluation_sentence(evaluation),
        EventPayload::ApprovalRequested(requested) => format!(
            "{actor} asked {} for an exception{}{}",
            requested
                .approval_route
                .as_deref()
                .unwrap_or("the approvers' inbox"),
            match requested.required_approvals {
                count if count > 1 => format!(" ({count} approvals needed)"),
                _ => String::new(),
            },
            colon(Some(&requested.title))
        ),
        EventPayload::ApprovalVote(vote) => format!(
            "{} approved ({} of {} approvals){}",
            vote.by,
            vote.approvals,
            vote.required_approvals,
            colon(vote.rationale.as_deref())
        ),
        EventPayload::ApprovalResolved(resolved) => match resolved.outcome {
            ApprovalStatus::Expired => "the approval request expired unanswered".to_owned(),
            ApprovalStatus::Approved => format!(
                "{} approved the request{}",
                resolved.by,
                colon(resolved.rationale.as_deref())
            ),
            ApprovalStatus::Rejected => format!(
                "{} rejected the request{}",
                resolved.by,
                colon(resolved.rationale.as_deref())
            ),
            ApprovalStatus::Pending => format!("{} left the request pending", resolved.by),
        },
        EventPayload::ApprovalVoided(voided) => {
            format!("the approval was voided{}", colon(Some(&voided.reason)))
        }
        EventPayload::Write(write) => format!(
            "{actor} wrote {} {}{}{}",
            write.product,
            write.operation,
            write
                .risk_tier
                .map(|tier| format!(" [{tier}]"))
                .unwrap_or_default(),
            colon(write.summary.as_deref())
        ),
        EventPayload::ReadRefused(refused) => format!(
            "{actor}'s read of {}{} for {} was refused ({}){}",
            refused.product,
            refused
                .operation
                .as_deref()
                .map(|operation| format!(" ({operation})"))
                .unwrap_or_default(),
            refused.purpose,
            refused.code,
            colon(Some(&refused.reason))
        ),
        EventPayload::WriteRefused(refused) => match refused.differing.as_slice() {
            [] => format!(
                "write refused{}{}",
                refused
                    .code
                    .map(|code| format!(" ({code})"))
                    .unwrap_or_default(),
                colon(Some(&refused.reason))
            ),
            [one] => format!("write refused: {one} differs"),
            many => format!("write refused: {} differ", many.join(", ")),
        },
        EventPayload::Snapshot(snapshot) if snapshot.policies.is_empty() => {
            "recorded that no policy version was used".to_owned()
        }
        EventPayload::Snapshot(snapshot) => format!(
            "recorded the policy versions used: {}",
            snapshot
                .policies
                .iter()
                .map(|used| format!("{} v{}", used.policy_id, used.version))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        EventPayload::DecisionCommitted(closed) => {
            format!(
                "{actor} committed the decision{}",
                colon(closed.reason.as_deref())
            )
        }
        EventPayload::DecisionAborted(closed) => match closed.action {
            ClosingAction::Expired => format!(
                "the decision was aborted{}",
                colon(closed.reason.as_deref().or(Some("its approval expired")))
            ),
            ClosingAction::Rollback => format!(
                "{actor} rolled the decision back{}",
                colon(closed.reason.as_deref())
            ),
            ClosingAction::Abort | ClosingAction::Commit => {
                format!(
                    "{actor} aborted the decision{}",
                    colon(closed.reason.as_deref())
                )
            }
        },
    }
}

fn evaluation_sentence(evaluation: &PolicyEvaluated) -> String {
    match (&evaluation.policy_id, evaluation.version) {
        (Some(policy_id), Some(version)) => format!(
            "policy {policy_id} v{version} said {}{}",
            evaluation.outcome.as_str(),
            colon(Some(&evaluation.rationale))
        ),
        _ => format!(
            "no bound policy applied, so: {}{}",
            evaluation.outcome.as_str(),
            colon(Some(&evaluation.rationale))
        ),
    }
}

/// An input's value as a person reads it: text as itself, anything else as compact JSON.
pub(crate) fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// An evaluation's inputs as (name, value) rows, in the order recorded; inputs that are not an
/// object read as one row named `inputs`.
pub(crate) fn input_rows(inputs: &Value) -> Vec<(String, String)> {
    match inputs {
        Value::Object(map) => map
            .iter()
            .map(|(name, value)| (name.clone(), value_text(value)))
            .collect(),
        Value::Null => Vec::new(),
        other => vec![("inputs".to_owned(), value_text(other))],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::event::tests::stored_today;

    fn event(kind: &str, actor: &str, payload: Value) -> TraceEvent {
        TraceEvent {
            event_id: "e".into(),
            sequence: 1,
            kind: kind.into(),
            at: 0,
            actor: actor.into(),
            payload,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn events_read_as_sentences() {
        let requested = event(
            "approval_requested",
            "agent:refund-bot",
            json!({"approval_id":"a1","approval_route":"support-managers","expires_at":5,
                   "message":"m","require_rationale":true,"title":"Refund 950 USD"}),
        );
        let evaluated = event(
            "policy_eval",
            "agent:refund-bot",
            json!({"approval_route":"support-managers","decided_by":"large","hash":"h",
                   "inputs":{"amount":950},"matched_rules":["large"],
                   "outcome":"requires_exception","policy_id":"refund_limit",
                   "rationale":"refund of 950 USD is above the 200 limit","version":1}),
        );
        let refused = event(
            "write_refused",
            "agent:refund-bot",
            json!({"attempted":null,"attempted_digest":null,"closest_digest":null,
                   "differing":["arguments.amount"],"reason":"differs"}),
        );

        assert_eq!(
            event_sentence(&requested),
            "refund-bot asked support-managers for an exception: Refund 950 USD"
        );
        assert_eq!(
            event_sentence(&evaluated),
            "policy refund_limit v1 said requires_exception: refund of 950 USD is above the 200 limit"
        );
        assert_eq!(
            event_sentence(&refused),
            "write refused: arguments.amount differs"
        );
    }

    #[test]
    fn every_stored_kind_reads_as_a_sentence_and_unknown_ones_as_their_name() {
        for (kind, text, _) in stored_today() {
            let sentence = event_sentence(&event(
                kind,
                "agent:bot",
                serde_json::from_str(text).unwrap(),
            ));
            assert_ne!(sentence, kind.replace('_', " "), "{kind} fell back");
            assert!(!sentence.contains("agent:"), "{sentence}");
        }
        assert_eq!(
            event_sentence(&event("teleport", "x", json!({}))),
            "teleport"
        );
    }

    #[test]
    fn inputs_read_as_rows() {
        assert_eq!(
            input_rows(&json!({"amount": 950, "currency": "USD", "tags": ["a"]})),
            vec![
                ("amount".to_owned(), "950".to_owned()),
                ("currency".to_owned(), "USD".to_owned()),
                ("tags".to_owned(), r#"["a"]"#.to_owned()),
            ]
        );
        assert!(input_rows(&Value::Null).is_empty());
    }
}
