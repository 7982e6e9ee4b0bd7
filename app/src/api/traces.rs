//! The trace explorer for people: a filtered page of decisions, and one decision whole with its
//! hash chain recomputed and its evaluations replayed. Everyone signed in reads; nothing here
//! changes a decision.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    model::{ReplayReport, TraceCharts, TraceDetail, TracePage, Verification},
};

#[cfg(feature = "ssr")]
use crate::{
    model::{EventWindow, Permission, TraceQuery},
    ssr::{
        auth::{require, session::app_state},
        now_millis,
        services::{decisions, trace_charts, traces},
    },
};

/// One decision as its page shows it: everything recorded, and the proofs computed just now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTrace {
    pub detail: TraceDetail,
    pub verification: Verification,
    pub replay: ReplayReport,
}

/// A page of decisions for the explorer. `query` is the page's URL query (`agent=…&q=…`), read
/// by the same parser as `GET /api/v1/admin/decisions`, so a shared link means the same thing
/// in both places.
#[server(endpoint = "load_traces", output = crate::api::codec::JsonText)]
pub async fn load_traces(query: String) -> Result<TracePage, AppError> {
    require(Permission::Read).await?;
    let query = TraceQuery::parse(form_urlencoded::parse(query.as_bytes()))?;
    traces::list(&app_state()?.db, &query).await
}

/// The charts above the explorer's table, for the same URL query (its cursor is ignored: the
/// charts show the whole filtered set).
#[server(endpoint = "load_trace_charts", output = crate::api::codec::JsonText)]
pub async fn load_trace_charts(query: String) -> Result<TraceCharts, AppError> {
    require(Permission::Read).await?;
    let query = TraceQuery::parse(form_urlencoded::parse(query.as_bytes()))?;
    trace_charts::charts(&app_state()?.db, &query.filter, now_millis()).await
}

/// A decision's page: `after` picks the screen of events (none: the first).
#[server(endpoint = "load_decision_trace", output = crate::api::codec::JsonText)]
pub async fn load_decision_trace(
    id: String,
    after: Option<i64>,
) -> Result<DecisionTrace, AppError> {
    require(Permission::Read).await?;
    let state = app_state()?;
    let window = EventWindow::After(after.unwrap_or(0));
    let detail = traces::detail(&state.db, &id, window).await?;
    let verification = decisions::verify(&state, None, &id).await?;
    let replay = traces::replay(&state.db, &id).await?;
    Ok(DecisionTrace {
        detail,
        verification,
        replay,
    })
}
