//! The tamper-evident chain: each event's hash is SHA-256 over the previous event's hash and the
//! event's canonical bytes, so altering, removing or reordering any event breaks every later hash.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{
    model::{ChainBreak, EventPayload},
    ssr::{ids::new_id, store::decisions::EventRow},
};

/// The `prev_hash` of a decision's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// JSON with object keys sorted at every level and no insignificant whitespace, so the same
/// event always yields the same bytes whatever serde_json's map ordering is.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by_key(|(key, _)| *key);
            out.push('{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[derive(Serialize)]
struct HashedFields<'a> {
    decision_id: &'a str,
    sequence: i64,
    id: &'a str,
    kind: &'a str,
    at: i64,
    actor: &'a str,
    payload: &'a Value,
}

/// Where a decision's chain currently ends: its last event's sequence and hash (0 and
/// [`GENESIS`] before the first event).
#[derive(Debug, Clone, Copy)]
pub struct Head<'a> {
    pub sequence: i64,
    pub hash: &'a str,
}

/// A new event chained after `head`: the next sequence number, a fresh id, the payload in its
/// canonical form, and its hash. The journal and the seed both build events only through this.
pub fn link(
    decision_id: &str,
    head: Head<'_>,
    at: i64,
    actor: String,
    payload: &EventPayload,
) -> EventRow {
    let kind = payload.kind();
    let payload = &payload.to_value();
    let mut event = EventRow {
        decision_id: decision_id.to_owned(),
        sequence: head.sequence + 1,
        id: new_id(),
        kind: kind.as_str().to_owned(),
        at,
        actor,
        payload_json: canonical_json(payload),
        prev_hash: head.hash.to_owned(),
        hash: String::new(),
    };
    event.hash = event_hash(&event, payload);
    event
}

/// The hash of an event whose fields are given and whose predecessor's hash is `prev_hash`.
pub fn event_hash(event: &EventRow, payload: &Value) -> String {
    let fields = HashedFields {
        decision_id: &event.decision_id,
        sequence: event.sequence,
        id: &event.id,
        kind: &event.kind,
        at: event.at,
        actor: &event.actor,
        payload,
    };
    let canonical = canonical_json(&serde_json::to_value(fields).unwrap_or(Value::Null));
    let mut hasher = Sha256::new();
    hasher.update(event.prev_hash.as_bytes());
    hasher.update(canonical.as_bytes());
    hex::encode(hasher.finalize())
}

/// Recomputes every hash in order; the first event that does not match, if any.
pub fn verify(events: &[EventRow]) -> Option<ChainBreak> {
    let mut expected_prev = GENESIS.to_owned();
    for (index, event) in events.iter().enumerate() {
        let broken = |reason: &str| ChainBreak {
            sequence: event.sequence,
            event_id: event.id.clone(),
            reason: reason.to_owned(),
        };
        if event.sequence != index as i64 + 1 {
            return Some(broken("sequence numbers are not consecutive"));
        }
        if event.prev_hash != expected_prev {
            return Some(broken("does not point at the previous event's hash"));
        }
        let Ok(payload) = serde_json::from_str::<Value>(&event.payload_json) else {
            return Some(broken("payload is not valid JSON"));
        };
        if event_hash(event, &payload) != event.hash {
            return Some(broken("content does not match its hash"));
        }
        expected_prev = event.hash.clone();
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn chain(payloads: &[Value]) -> Vec<EventRow> {
        let mut prev = GENESIS.to_owned();
        payloads
            .iter()
            .enumerate()
            .map(|(index, payload)| {
                let mut event = EventRow {
                    decision_id: "d1".into(),
                    sequence: index as i64 + 1,
                    id: format!("e{index}"),
                    kind: "context_added".into(),
                    at: 1_700_000_000_000 + index as i64,
                    actor: "agent:test".into(),
                    payload_json: canonical_json(payload),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                event.hash = event_hash(&event, payload);
                prev = event.hash.clone();
                event
            })
            .collect()
    }

    #[test]
    fn typed_payloads_store_the_bytes_stored_before_they_existed() {
        for (kind, stored, payload) in crate::model::event::tests::stored_today() {
            let event = link(
                "d1",
                Head {
                    sequence: 0,
                    hash: GENESIS,
                },
                1,
                "agent:a".into(),
                &payload,
            );
            assert_eq!(event.kind, kind);
            assert_eq!(event.payload_json, stored, "{kind}");
            let read: Value = serde_json::from_str(stored).unwrap();
            assert_eq!(event.hash, event_hash(&event, &read), "{kind}");
        }
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let value = json!({"b": 1, "a": {"d": [true, null], "c": "x"}});
        assert_eq!(
            canonical_json(&value),
            r#"{"a":{"c":"x","d":[true,null]},"b":1}"#
        );
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let events = chain(&[json!({"n": 1}), json!({"n": 2}), json!({"n": 3})]);
        assert_eq!(verify(&events), None);
    }

    #[test]
    fn altering_a_payload_breaks_the_chain_at_that_event() {
        let mut events = chain(&[json!({"n": 1}), json!({"n": 2}), json!({"n": 3})]);
        events[1].payload_json = r#"{"n":20}"#.into();
        let broken = verify(&events).expect("tampering is detected");
        assert_eq!(broken.sequence, 2);
    }

    #[test]
    fn removing_an_event_breaks_the_chain() {
        let mut events = chain(&[json!({"n": 1}), json!({"n": 2}), json!({"n": 3})]);
        events.remove(1);
        assert_eq!(verify(&events).map(|broken| broken.sequence), Some(3));
    }

    #[test]
    fn rewriting_hashes_after_a_change_still_breaks_at_the_change() {
        let mut events = chain(&[json!({"n": 1}), json!({"n": 2})]);
        events[0].actor = "agent:mallory".into();
        assert_eq!(verify(&events).map(|broken| broken.sequence), Some(1));
    }
}
