//! How much one decision may hold. A decision records one action; without a bound, one agent
//! could make its decision (and so the decision and approval pages that show it, and every
//! export) as large as it liked: 400 context notes of 60 KB made those pages 52 MB each, and 20
//! people viewing them at once took the server from 0.25 to 2.4 GB of memory.
//!
//! The bounds apply to what an agent adds (notes, reads, writes, evaluations, approval
//! requests). What people and the clock add (answers, expiry, the closing snapshot) is a handful
//! of events and is never refused, so a full decision can still be answered and closed.

use crate::{error::AppError, ssr::store::decisions::DecisionRow};

/// Events an agent may add to one decision.
pub const MAX_EVENTS: i64 = 500;
/// Bytes of event payload an agent may add to one decision (canonical JSON).
pub const MAX_PAYLOAD_BYTES: i64 = 4 * 1024 * 1024;

/// Different actions one decision may evaluate. The list is kept on the decision's row for the
/// binding rule and rewritten with each of its events, so it must stay small: a decision is a
/// permit for one action, and a handful of alternatives covers an agent narrowing it down.
pub const MAX_ACTIONS: usize = 16;

/// Refuses an evaluation that would make the decision hold more different actions than
/// `MAX_ACTIONS`.
pub fn check_actions(count: usize) -> Result<(), AppError> {
    if count > MAX_ACTIONS {
        return Err(AppError::invalid(
            "action",
            format!(
                "A decision may evaluate at most {MAX_ACTIONS} different actions. Close it and \
                 open a new one for another action."
            ),
        ));
    }
    Ok(())
}

/// Refuses the decision as an agent's change would leave it, when it exceeds a bound. Checked on
/// the change itself, after its events are linked, so the bytes counted are the bytes stored and
/// no payload is serialised twice; nothing is staged until the check passes.
pub fn check(after: &DecisionRow) -> Result<(), AppError> {
    if after.last_sequence > MAX_EVENTS {
        return Err(AppError::invalid(
            "events",
            format!(
                "A decision holds at most {MAX_EVENTS} events, and this one is full. Close it \
                 and open a new one for further work."
            ),
        ));
    }
    if after.payload_bytes > MAX_PAYLOAD_BYTES {
        return Err(AppError::invalid(
            "payload",
            format!(
                "A decision holds at most {MAX_PAYLOAD_BYTES} bytes of recorded payload, and this \
                 would exceed it. Record a summary instead of the whole data."
            ),
        ));
    }
    Ok(())
}
