//! The trace explorer over the data product catalogue: decisions found by the product they read
//! or wrote (recorded or refused), by purpose and by risk tier; their purpose and tier in the
//! summaries, the decision page and the export; and the chart of decisions by tier.

use axum::http::StatusCode;
use serde_json::{json, Value};

use app::{
    model::Role,
    ssr::store::traces::{self, Drive, ListFilter},
};

use crate::product_access::{profile_read, setup, Setup};

/// Four decisions of `support-bot`, oldest first: a `support` read of customer profiles
/// (read_only), a `testing` read at the network tier, a refused read of payments (not granted:
/// no purpose, no tier), and one that read nothing.
struct Explored {
    s: Setup,
    profiles: String,
    network: String,
    refused: String,
    untouched: String,
}

async fn explored() -> Explored {
    let s = setup().await;
    let profiles = opened_with_read(
        &s,
        "autonomous",
        profile_read("support"),
        StatusCode::CREATED,
    )
    .await;
    let network = opened_with_read(
        &s,
        "override",
        json!({"product": "tiers", "operation": "op.network", "purpose": "testing"}),
        StatusCode::CREATED,
    )
    .await;
    let refused = opened_with_read(
        &s,
        "autonomous",
        json!({"product": "payments", "operation": "payment.read", "purpose": "support"}),
        StatusCode::FORBIDDEN,
    )
    .await;
    let untouched = s.open("autonomous").await;
    Explored {
        s,
        profiles,
        network,
        refused,
        untouched,
    }
}

/// A decision opened in `mode` that then tried the read `body`, answered with `answer`.
async fn opened_with_read(s: &Setup, mode: &str, body: Value, answer: StatusCode) -> String {
    let decision = s.open(mode).await;
    let read = s.read(&decision, body).await;
    assert_eq!(read.status, answer, "{}", read.text);
    decision
}

impl Explored {
    /// The REST explorer's answer to `query`.
    async fn find(&self, query: &str) -> crate::common::Reply {
        self.s
            .app
            .call(
                "GET",
                &format!("/api/v1/admin/decisions?{query}"),
                Some(&self.s.admin),
                None,
            )
            .await
    }

    /// The lines of the REST export of the decisions `query` finds.
    async fn export(&self, query: &str) -> Vec<Value> {
        let reply = self
            .s
            .app
            .call(
                "GET",
                &format!("/api/v1/admin/decisions/export?{query}"),
                Some(&self.s.admin),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
        reply
            .text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// The ids the REST explorer finds for `query`, sorted.
    async fn ids(&self, query: &str) -> Vec<String> {
        let reply = self.find(query).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
        let mut ids: Vec<String> = reply.body["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|decision| decision["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    }
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|id| (*id).clone()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn decisions_are_found_by_product_purpose_and_risk_tier() {
    let e = explored().await;

    assert_eq!(
        e.ids("product=customer_profiles").await,
        sorted(&[&e.profiles])
    );
    assert_eq!(e.ids("product=tiers").await, sorted(&[&e.network]));
    // A refused read counts: the explorer finds who tried.
    assert_eq!(e.ids("product=payments").await, sorted(&[&e.refused]));
    assert_eq!(e.ids("product=nothing_like_it").await, sorted(&[]));
    assert_eq!(e.ids("purpose=support").await, sorted(&[&e.profiles]));
    assert_eq!(e.ids("purpose=testing").await, sorted(&[&e.network]));
    assert_eq!(e.ids("risk_tier=read_only").await, sorted(&[&e.profiles]));
    assert_eq!(e.ids("risk_tier=network").await, sorted(&[&e.network]));
    assert_eq!(e.ids("risk_tier=destructive").await, sorted(&[]));
    assert_eq!(
        e.ids("product=customer_profiles&risk_tier=network").await,
        sorted(&[])
    );
    assert_eq!(
        e.ids("").await,
        sorted(&[&e.profiles, &e.network, &e.refused, &e.untouched])
    );
}

#[tokio::test]
async fn summaries_carry_the_purpose_and_the_risk_tier() {
    let e = explored().await;

    let page = e.find("").await;

    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let summary = |id: &str| -> Value {
        page.body["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|decision| decision["id"] == id)
            .cloned()
            .unwrap()
    };
    let profiles = summary(&e.profiles);
    assert_eq!(
        (&profiles["purpose"], &profiles["risk_tier"]),
        (&json!("support"), &json!("read_only"))
    );
    let network = summary(&e.network);
    assert_eq!(
        (&network["purpose"], &network["risk_tier"]),
        (&json!("testing"), &json!("network"))
    );
    for id in [&e.refused, &e.untouched] {
        let untiered = summary(id);
        assert_eq!(
            (&untiered["purpose"], &untiered["risk_tier"]),
            (&Value::Null, &Value::Null)
        );
    }
}

#[tokio::test]
async fn a_bad_tier_or_product_is_refused_naming_its_parameter() {
    let e = explored().await;

    for (query, field) in [
        ("risk_tier=risky", "risk_tier"),
        ("risk_tier=none", "risk_tier"),
        ("product=%07", "product"),
        ("purpose=a&purpose=b", "purpose"),
    ] {
        let reply = e.find(query).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            reply.text
        );
        assert_eq!(reply.body["error"]["field"], field, "{query}");
    }
    let reply = e.find("risk_tier=risky").await;
    let message = reply.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("read_only, local_write"), "{message}");
}

#[tokio::test]
async fn the_product_filter_finds_the_same_decisions_whichever_way_the_search_is_driven() {
    let e = explored().await;
    let db = &e.s.app.state.db;

    for product in ["customer_profiles", "payments", "tiers", "nothing_like_it"] {
        let mut found = Vec::new();
        for drive in [Drive::Recency, Drive::Product] {
            let filter = ListFilter {
                drive,
                product: Some(product.to_owned()),
                ..ListFilter::default()
            };
            let rows = traces::list(&db.pool, db.backend, &filter, 10)
                .await
                .unwrap();
            found.push(rows.into_iter().map(|row| row.id).collect::<Vec<_>>());
        }
        assert_eq!(found[0], found[1], "{product}");
    }
}

#[tokio::test]
async fn the_chart_counts_decisions_by_tier_for_the_filter() {
    let e = explored().await;
    let viewer = e.s.app.signed_in(Role::Viewer).await;

    let tiers = |query: &'static str| {
        let app = &e.s.app;
        let viewer = viewer.clone();
        async move {
            let charts = app
                .server_fn("load_trace_charts", &[("query", query)], Some(&viewer))
                .await;
            assert_eq!(charts.status, StatusCode::OK, "{}", charts.text);
            charts.body["risk_tiers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|count| {
                    (
                        count["tier"].as_str().unwrap_or("none").to_owned(),
                        count["decisions"].as_i64().unwrap(),
                    )
                })
                .collect::<Vec<(String, i64)>>()
        }
    };
    let expected = |counts: [i64; 6]| {
        [
            "read_only",
            "local_write",
            "network",
            "delegated",
            "destructive",
            "none",
        ]
        .into_iter()
        .map(str::to_owned)
        .zip(counts)
        .collect::<Vec<_>>()
    };

    assert_eq!(tiers("").await, expected([1, 0, 1, 0, 0, 2]));
    assert_eq!(
        tiers("product=customer_profiles").await,
        expected([1, 0, 0, 0, 0, 0])
    );
    assert_eq!(
        tiers("risk_tier=network").await,
        expected([0, 0, 1, 0, 0, 0])
    );
}

#[tokio::test]
async fn export_lines_carry_the_purpose_the_tier_and_the_products_used() {
    let e = explored().await;

    let lines = e.export("product=customer_profiles").await;
    let payments = e.export("product=payments").await;

    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(line["decision"]["id"], e.profiles.as_str());
    assert_eq!(line["decision"]["purpose"], "support");
    assert_eq!(line["decision"]["risk_tier"], "read_only");
    assert_eq!(
        line["products_used"],
        json!([{"product": "customer_profiles", "version": 1, "operation": "profile.read",
                "kind": "read", "risk_tier": "read_only"}])
    );
    // A refused read used nothing: it is among the events, not the products used.
    let refused = &payments[0];
    assert_eq!(refused["decision"]["id"], e.refused.as_str());
    assert_eq!(refused["products_used"], json!([]));
    assert_eq!(refused["decision"]["risk_tier"], Value::Null);
    assert!(
        refused["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|event| event["kind"] == "read_refused"),
        "{refused}"
    );
}

#[tokio::test]
async fn the_decision_page_and_the_list_show_purpose_and_tier() {
    let e = explored().await;
    let viewer = e.s.app.signed_in(Role::Viewer).await;

    let page =
        e.s.app
            .get(&format!("/traces/{}", e.network), Some(&viewer))
            .await;
    let untouched =
        e.s.app
            .get(&format!("/traces/{}", e.untouched), Some(&viewer))
            .await;
    let list =
        e.s.app
            .get("/traces?risk_tier=network", Some(&viewer))
            .await;

    assert_eq!(page.status, StatusCode::OK);
    let fact = |text: &str, testid: &str| -> String {
        let start = text
            .find(&format!("data-testid=\"{testid}\""))
            .unwrap_or_else(|| panic!("no {testid}"));
        let end = start + text[start..].find("</dd>").unwrap();
        text[start..end].to_owned()
    };
    assert!(fact(&page.text, "decision-purpose").contains("testing"));
    assert!(fact(&page.text, "decision-risk-tier").contains("tier-network"));
    assert!(fact(&untouched.text, "decision-risk-tier").contains("none"));
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.text.contains(&e.network),
        "the network decision is listed"
    );
    assert!(!list.text.contains(&e.profiles), "the read_only one is not");
    assert!(
        list.text.contains("<option value=\"network\" selected"),
        "the form keeps the tier chosen"
    );
}
