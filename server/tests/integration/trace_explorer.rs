//! The trace explorer's pages, through their server functions and the export URL: finding
//! decisions by a word, one decision with its proofs, refused filters, the export of the filtered
//! set and the charts.

use crate::common;

use axum::http::StatusCode;
use serde_json::Value;

use app::model::Role;
use common::trace_history::{history, History};

#[tokio::test]
async fn people_find_decisions_by_a_word_and_read_one_with_its_proofs() {
    let History { app, ids, .. } = history().await;
    let viewer = app.signed_in(Role::Viewer).await;

    let page = app
        .server_fn("load_traces", &[("query", "q=damaged")], Some(&viewer))
        .await;
    let trace = app
        .server_fn("load_decision_trace", &[("id", &ids[0])], Some(&viewer))
        .await;

    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let found: Vec<&str> = page.body["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|decision| decision["id"].as_str().unwrap())
        .collect();
    assert_eq!(found, vec![ids[0].as_str()]);
    assert_eq!(trace.status, StatusCode::OK, "{}", trace.text);
    assert_eq!(trace.body["verification"]["intact"], true);
    assert_eq!(trace.body["replay"]["identical"], true);
    assert_eq!(trace.body["detail"]["decision"]["status"], "committed");
}

#[tokio::test]
async fn the_explorer_refuses_a_bad_filter_naming_it_and_strangers_entirely() {
    let History { app, ids, .. } = history().await;
    let viewer = app.signed_in(Role::Viewer).await;

    let bad_status = app
        .server_fn(
            "load_traces",
            &[("query", "status=finished")],
            Some(&viewer),
        )
        .await;
    let stranger = app.server_fn("load_traces", &[("query", "")], None).await;
    let missing = app
        .server_fn(
            "load_decision_trace",
            &[("id", "no-such-decision")],
            Some(&viewer),
        )
        .await;
    let page_of_missing = app.get("/traces/no-such-decision", Some(&viewer)).await;
    let page_of_found = app.get(&format!("/traces/{}", ids[1]), Some(&viewer)).await;

    assert_eq!(
        bad_status.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad_status.text
    );
    assert_eq!(bad_status.body["field"], "status");
    assert_eq!(stranger.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(page_of_missing.status, StatusCode::NOT_FOUND);
    assert_eq!(page_of_found.status, StatusCode::OK);
    assert!(
        page_of_found.text.contains("Chain intact"),
        "the page proves the chain"
    );
    assert!(
        page_of_found.text.contains("zebra stripes"),
        "the approver's rationale is on the timeline"
    );
}

#[tokio::test]
async fn the_explorer_exports_the_filtered_set_for_a_signed_in_person() {
    let History { app, ids, .. } = history().await;
    let viewer = app.signed_in(Role::Viewer).await;

    let export = app
        .get("/traces.ndjson?agent=discount-bot", Some(&viewer))
        .await;
    let stranger = app.get("/traces.ndjson", None).await;
    let bad_filter = app
        .get("/traces.ndjson?outcome=perhaps", Some(&viewer))
        .await;

    assert_eq!(export.status, StatusCode::OK, "{}", export.text);
    let exported: Vec<String> = export
        .text
        .lines()
        .map(|line| {
            let line: Value = serde_json::from_str(line).unwrap();
            line["decision"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(exported, vec![ids[3].clone(), ids[2].clone()]);
    assert_eq!(stranger.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad_filter.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_filter.body["error"]["field"], "outcome");
}

#[tokio::test]
async fn the_charts_count_the_filtered_decisions_by_outcome_and_their_approval_times() {
    let History { app, .. } = history().await;
    let viewer = app.signed_in(Role::Viewer).await;

    let everything = app
        .server_fn("load_trace_charts", &[("query", "")], Some(&viewer))
        .await;
    let refunds = app
        .server_fn(
            "load_trace_charts",
            &[("query", "agent=refund-bot")],
            Some(&viewer),
        )
        .await;

    assert_eq!(everything.status, StatusCode::OK, "{}", everything.text);
    let sum = |reply: &common::Reply, field: &str| -> i64 {
        reply.body["volume"]
            .as_array()
            .unwrap()
            .iter()
            .map(|bucket| bucket[field].as_i64().unwrap())
            .sum()
    };
    // allow: decisions 1 and 3; requires_exception: 2; deny: 4; never evaluated: 5.
    assert_eq!(
        [
            sum(&everything, "allow"),
            sum(&everything, "requires_exception"),
            sum(&everything, "deny"),
            sum(&everything, "not_evaluated"),
        ],
        [2, 1, 1, 1]
    );
    assert_eq!(everything.body["bucket_millis"], 3_600_000 * 24);
    let answered: Vec<i64> = everything.body["approval_times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|bucket| bucket["answered"].as_i64().unwrap())
        .collect();
    assert_eq!(answered, vec![1, 0, 0, 0, 0, 0]);
    assert_eq!(
        [
            sum(&refunds, "allow"),
            sum(&refunds, "requires_exception"),
            sum(&refunds, "deny"),
            sum(&refunds, "not_evaluated"),
        ],
        [1, 1, 0, 1]
    );
}
