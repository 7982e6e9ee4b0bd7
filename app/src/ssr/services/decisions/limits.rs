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

/// Refuses adding `events` events carrying `bytes` bytes when the decision would exceed a bound.
pub fn check_room(decision: &DecisionRow, events: usize, bytes: usize) -> Result<(), AppError> {
    let events = i64::try_from(events).unwrap_or(i64::MAX);
    let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
    if decision.last_sequence.saturating_add(events) > MAX_EVENTS {
        return Err(AppError::invalid(
            "events",
            format!(
                "This decision already holds {} events; a decision holds at most {MAX_EVENTS}. \
                 Close it and open a new one for further work.",
                decision.last_sequence
            ),
        ));
    }
    if decision.payload_bytes.saturating_add(bytes) > MAX_PAYLOAD_BYTES {
        return Err(AppError::invalid(
            "payload",
            format!(
                "This decision already holds {} bytes of recorded payload; a decision holds at \
                 most {MAX_PAYLOAD_BYTES} bytes. Record a summary instead of the whole data.",
                decision.payload_bytes
            ),
        ));
    }
    Ok(())
}
