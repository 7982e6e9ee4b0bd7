//! The OpenAPI 3.1 document. Routes are registered through `utoipa_axum::routes!`, so each route
//! and its documented path come from the same annotation and cannot drift apart.

use std::sync::Arc;

use axum::{extract::State, http::header, response::IntoResponse};
use utoipa::{
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Verdict API",
        description = "Agents open decision envelopes, record what they read, have policies evaluated, ask people for approval and commit or abort; every step is a hash-chained event. Admins provision agents, keys, bindings and policies with personal access tokens.",
    ),
    servers((url = "/api/v1")),
    modifiers(&BearerSchemes),
    tags(
        (name = "decisions", description = "The agent API: API keys (`vk_…`)."),
        (name = "admin", description = "Provisioning: admins' personal access tokens (`vp_…`)."),
        (name = "traces", description = "The trace explorer: find, read, verify, replay and export decisions; personal access tokens of any role."),
        (name = "approvals", description = "The approval inbox: approvers' personal access tokens answer requests."),
        (name = "policies", description = "Policy tooling."),
        (name = "people", description = "People and their tokens."),
        (name = "receipts", description = "Signed decision receipts, checked by anyone without a credential. The public keys are at `/.well-known/verdict-keys.json` (JWKS, outside `/api/v1`)."),
    )
)]
pub struct ApiDoc;

struct BearerSchemes;

impl Modify for BearerSchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, description) in [
            (
                "agent_key",
                "An agent's API key: `Authorization: Bearer vk_…`.",
            ),
            (
                "personal_token",
                "A person's access token: `Authorization: Bearer vp_…`.",
            ),
        ] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(description))
                        .build(),
                ),
            );
        }
        components.add_security_scheme(
            "webhook_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "webhook-signature",
                "A route's receiver signs its answer per Standard Webhooks: `webhook-id`, \
                 `webhook-timestamp` (Unix seconds, within 5 minutes) and `webhook-signature: \
                 v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the route's `whsec_` secret.",
            ))),
        );
    }
}

/// The document, serialised once at start-up.
#[derive(Clone)]
pub struct OpenApiJson(pub Arc<String>);

pub async fn serve(State(document): State<OpenApiJson>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document.0.as_str().to_owned(),
    )
}
