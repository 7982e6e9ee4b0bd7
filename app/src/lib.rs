//! Verdict's web application: the pages people use, the server functions behind them and, with
//! the `ssr` feature, the storage and services they run on.

#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;
pub mod policies;
pub mod products;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, SsrMode,
};

use pages::{
    agents::{AgentDetailPage, AgentsPage, ApiReferencePage},
    answer_link::AnswerLinkPage,
    approval_routes::ApprovalRoutesPage,
    approvals::{ApprovalRequestPage, ApprovalsPage},
    audit::AuditLogPage,
    home::HomePage,
    layout::SignedInLayout,
    login::LoginPage,
    not_found::NotFound,
    policies::{PoliciesPage, PolicyEditorPage, PolicyHistoryPage},
    products::{ProductDetailPage, ProductsPage},
    profile::ProfilePage,
    setup::SetupPage,
    traces::{DecisionTracePage, TracesPage},
    users::UsersPage,
};

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    ssr::security_policy::set_for_this_page();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="verdict" href="/pkg/verdict.css" />
        <Title formatter=|page: String| format!("{page} · Verdict") />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async />
                <Route path=path!("/answer") view=AnswerLinkPage ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=SignedInLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=HomePage />
                    <Route path=path!("/policies") view=PoliciesPage />
                    <Route path=path!("/policies/:id/edit") view=PolicyEditorPage />
                    <Route path=path!("/policies/:id/versions") view=PolicyHistoryPage />
                    <Route path=path!("/agents") view=AgentsPage />
                    <Route path=path!("/agents/:name") view=AgentDetailPage />
                    <Route path=path!("/products") view=ProductsPage />
                    <Route path=path!("/products/:name") view=ProductDetailPage />
                    <Route path=path!("/api-reference") view=ApiReferencePage />
                    <Route path=path!("/approvals") view=ApprovalsPage />
                    <Route path=path!("/approval-routes") view=ApprovalRoutesPage />
                    <Route path=path!("/approvals/:id") view=ApprovalRequestPage />
                    <Route path=path!("/traces") view=TracesPage />
                    <Route path=path!("/traces/:id") view=DecisionTracePage />
                    <Route path=path!("/audit") view=AuditLogPage />
                    <Route path=path!("/users") view=UsersPage />
                    <Route path=path!("/profile") view=ProfilePage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    // A marker for browser tests: after this, clicks reach the reactive handlers.
    if let Some(window) = web_sys::window() {
        let _ = js_sys::Reflect::set(&window, &"__verdictHydrated".into(), &true.into());
    }
}
