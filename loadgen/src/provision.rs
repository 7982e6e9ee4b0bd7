//! Creates what the run needs through the admin API: the policy, the agents and their bindings.

use std::fmt;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{Api, ApiError};

const POLICY_ID: &str = "loadgen-refund-limit";
const POLICY_SOURCE: &str = include_str!("policy.yaml");

#[derive(Debug, Deserialize)]
struct PublishReply {
    policy_id: String,
    // Only printed, so any JSON type the server picks for it will do.
    version: Value,
    published: bool,
}

#[derive(Debug, Deserialize)]
struct CreateAgentReply {
    agent: CreatedAgent,
    api_key: String,
}

#[derive(Debug, Deserialize)]
struct CreatedAgent {
    id: String,
}

#[derive(Debug)]
pub struct ProvisionError {
    step: String,
    cause: ApiError,
}

impl fmt::Display for ProvisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: {}", self.step, self.cause)
    }
}

impl std::error::Error for ProvisionError {}

fn during(step: impl Into<String>) -> impl FnOnce(ApiError) -> ProvisionError {
    let step = step.into();
    move |cause| ProvisionError { step, cause }
}

/// A suffix for this run's agent names, so that reruns on one database do not collide.
pub fn new_run_id() -> String {
    format!("{:08x}", fastrand::u32(..))
}

/// The load-test data products (`--catalogue`) and the operation each agent is granted.
const PRODUCTS: [(&str, &str); 2] = [
    (
        include_str!("products/loadgen_profiles.yaml"),
        "profile.read",
    ),
    (
        include_str!("products/loadgen_payments.yaml"),
        "refund.create",
    ),
];

/// Publishes the load-test policy, creates `count` agents bound to it and returns their API keys;
/// with `catalogue`, applies the load-test products and grants them to every agent.
pub async fn provision(
    api: &Api,
    admin_token: &str,
    run_id: &str,
    count: u32,
    catalogue: bool,
) -> Result<Vec<String>, ProvisionError> {
    publish_policy(api, admin_token).await?;
    if catalogue {
        for (source, _) in PRODUCTS {
            let body = json!({ "source_yaml": source });
            api.post_ignoring_reply("/api/v1/admin/products", admin_token, &body)
                .await
                .map_err(during("applying the load-test data products"))?;
        }
    }
    let mut api_keys = Vec::new();
    for index in 0..count {
        let name = format!("loadgen-{run_id}-{index}");
        let (id, key) = create_bound_agent(api, admin_token, &name).await?;
        if catalogue {
            for (source, operation) in PRODUCTS {
                let product = source
                    .lines()
                    .next()
                    .and_then(|line| line.strip_prefix("product: "))
                    .unwrap_or_default();
                let grant = json!({ "product": product, "operations": [operation] });
                api.post_ignoring_reply(
                    &format!("/api/v1/admin/agents/{id}/grants"),
                    admin_token,
                    &grant,
                )
                .await
                .map_err(during(format!("granting {product} to agent {name}")))?;
            }
        }
        api_keys.push(key);
    }
    eprintln!("created {count} agents loadgen-{run_id}-*, each bound to {POLICY_ID}");
    Ok(api_keys)
}

async fn publish_policy(api: &Api, admin_token: &str) -> Result<(), ProvisionError> {
    let body = json!({ "source_yaml": POLICY_SOURCE, "change_note": "load test" });
    let reply: PublishReply = api
        .post("/api/v1/admin/policies", admin_token, &body)
        .await
        .map_err(during(format!("publishing policy {POLICY_ID}")))?;
    let state = if reply.published {
        "published"
    } else {
        "unchanged"
    };
    eprintln!(
        "policy {} version {} {state}",
        reply.policy_id, reply.version
    );
    Ok(())
}

/// Creates an agent bound to the load-test policy; its id and API key.
async fn create_bound_agent(
    api: &Api,
    admin_token: &str,
    name: &str,
) -> Result<(String, String), ProvisionError> {
    let body = json!({
        "name": name,
        "description": "created by loadgen",
        "owner_team": "load",
    });
    let created: CreateAgentReply = api
        .post("/api/v1/admin/agents", admin_token, &body)
        .await
        .map_err(during(format!("creating agent {name}")))?;
    let binding = json!({ "policy_id": POLICY_ID });
    api.post_ignoring_reply(
        &format!("/api/v1/admin/agents/{}/bindings", created.agent.id),
        admin_token,
        &binding,
    )
    .await
    .map_err(during(format!("binding agent {name} to {POLICY_ID}")))?;
    Ok((created.agent.id, created.api_key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_policy_has_the_id_that_gets_bound() {
        assert!(POLICY_SOURCE.starts_with(&format!("policy: {POLICY_ID}\n")));
    }

    #[test]
    fn embedded_products_name_themselves_first_and_define_the_granted_operation() {
        for (source, operation) in PRODUCTS {
            assert!(source.starts_with("product: loadgen_"), "{source}");
            assert!(
                source.contains(&format!("- name: {operation}\n")),
                "{source}"
            );
        }
    }
}
