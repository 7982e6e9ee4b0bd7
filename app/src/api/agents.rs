//! Agents for people: the list, one agent's keys, bindings, freeze and recent decisions, and the
//! JSON API's reference (its types are `model::api_reference`). Everyone signed in reads; only admins change anything.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    model::{AgentDetail, AgentSummary, ApiReference, Freeze, IssuedAgentKey, PolicySummary},
};

#[cfg(feature = "ssr")]
use crate::{
    model::Permission,
    ssr::{
        auth::require,
        auth::session::app_state,
        now_millis,
        services::{agents, policies},
    },
};

/// What the agents list shows; `now` is the server's clock, so relative times render the same
/// words on the server and after hydration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentsOverview {
    pub agents: Vec<AgentSummary>,
    pub global_freeze: Option<Freeze>,
    pub can_administer: bool,
    pub now: i64,
}

/// One agent's page: its detail and, for admins, the policies it may be bound to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentView {
    pub detail: AgentDetail,
    /// Published, non-archived policies (empty for people who cannot bind).
    pub bindable: Vec<PolicySummary>,
    pub can_administer: bool,
    pub now: i64,
}

#[cfg(feature = "ssr")]
fn optional_text(raw: &str) -> Option<&str> {
    let trimmed = raw.trim();
    (!trimmed.is_empty()).then_some(trimmed)
}

#[server(endpoint = "load_agents_overview", output = crate::api::codec::JsonText)]
pub async fn load_agents_overview() -> Result<AgentsOverview, AppError> {
    let me = require(Permission::Read).await?;
    let db = app_state()?.db;
    Ok(AgentsOverview {
        agents: agents::list(&db).await?,
        global_freeze: agents::global_freeze(&db).await?,
        can_administer: me.role.allows(Permission::Administer),
        now: now_millis(),
    })
}

#[server(endpoint = "load_agent", output = crate::api::codec::JsonText)]
pub async fn load_agent(name: String) -> Result<AgentView, AppError> {
    use crate::model::PolicyStatus;

    let me = require(Permission::Read).await?;
    let db = app_state()?.db;
    let detail = agents::detail(&db, &name).await?;
    let can_administer = me.role.allows(Permission::Administer);
    let bindable = if can_administer {
        policies::list(&db)
            .await?
            .into_iter()
            .filter(|policy| {
                policy.status == PolicyStatus::Published && policy.latest_version.is_some()
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(AgentView {
        detail,
        bindable,
        can_administer,
        now: now_millis(),
    })
}

#[server(endpoint = "create_agent", output = crate::api::codec::JsonText)]
pub async fn create_agent(
    name: String,
    description: String,
    owner_team: String,
) -> Result<IssuedAgentKey, AppError> {
    let admin = require(Permission::Administer).await?;
    let input = agents::NewAgentInput {
        name: &name,
        description: &description,
        owner_team: &owner_team,
    };
    agents::create(&app_state()?.db, &admin.email, input).await
}

#[server(endpoint = "rotate_agent_key", output = crate::api::codec::JsonText)]
pub async fn rotate_agent_key(
    agent: String,
    grace_seconds: String,
) -> Result<IssuedAgentKey, AppError> {
    let admin = require(Permission::Administer).await?;
    let grace_seconds = match optional_text(&grace_seconds) {
        None => 0,
        Some(text) => text.parse::<u64>().map_err(|_| {
            AppError::invalid(
                "grace_seconds",
                "Give the grace period as a whole number of seconds (0 or more).",
            )
        })?,
    };
    agents::rotate_key(&app_state()?.db, &admin.email, &agent, grace_seconds).await
}

#[server(endpoint = "revoke_agent_keys", output = crate::api::codec::JsonText)]
pub async fn revoke_agent_keys(agent: String) -> Result<AgentSummary, AppError> {
    let admin = require(Permission::Administer).await?;
    agents::revoke_keys(&app_state()?.db, &admin.email, &agent).await
}

#[server(endpoint = "freeze_agent", output = crate::api::codec::JsonText)]
pub async fn freeze_agent(agent: String, reason: String) -> Result<AgentSummary, AppError> {
    let admin = require(Permission::Administer).await?;
    agents::set_freeze(&app_state()?.db, &admin.email, &agent, Some(&reason)).await
}

#[server(endpoint = "unfreeze_agent", output = crate::api::codec::JsonText)]
pub async fn unfreeze_agent(agent: String) -> Result<AgentSummary, AppError> {
    let admin = require(Permission::Administer).await?;
    agents::set_freeze(&app_state()?.db, &admin.email, &agent, None).await
}

#[server(endpoint = "freeze_all_agents", output = crate::api::codec::JsonText)]
pub async fn freeze_all_agents(reason: String) -> Result<Option<Freeze>, AppError> {
    let admin = require(Permission::Administer).await?;
    agents::set_global_freeze(&app_state()?.db, &admin.email, Some(&reason)).await
}

#[server(endpoint = "unfreeze_all_agents", output = crate::api::codec::JsonText)]
pub async fn unfreeze_all_agents() -> Result<Option<Freeze>, AppError> {
    let admin = require(Permission::Administer).await?;
    agents::set_global_freeze(&app_state()?.db, &admin.email, None).await
}

/// Binds a policy; `version` pins it (empty: follow the latest published version).
#[server(endpoint = "bind_policy", output = crate::api::codec::JsonText)]
pub async fn bind_policy(
    agent: String,
    policy_id: String,
    version: String,
) -> Result<crate::model::Binding, AppError> {
    let admin = require(Permission::Administer).await?;
    let pinned = match optional_text(&version) {
        None => None,
        Some(text) => Some(text.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| {
            AppError::invalid(
                "version",
                "Give a version number such as 2, or leave it empty.",
            )
        })?),
    };
    if policy_id.trim().is_empty() {
        return Err(AppError::invalid("policy_id", "Choose a policy to bind."));
    }
    agents::bind(
        &app_state()?.db,
        &admin.email,
        &agent,
        policy_id.trim(),
        pinned,
    )
    .await
}

#[server(endpoint = "unbind_policy", output = crate::api::codec::JsonText)]
pub async fn unbind_policy(agent: String, policy_id: String) -> Result<(), AppError> {
    let admin = require(Permission::Administer).await?;
    agents::unbind(&app_state()?.db, &admin.email, &agent, &policy_id).await
}

#[server(endpoint = "load_api_reference", output = crate::api::codec::JsonText)]
pub async fn load_api_reference() -> Result<ApiReference, AppError> {
    use crate::ssr::api_document::{reference, ApiDocument};

    require(Permission::Read).await?;
    let document = use_context::<ApiDocument>().ok_or_else(|| {
        tracing::error!("ApiDocument missing from the request context");
        AppError::Internal
    })?;
    reference(&document.0)
}
