//! Defining approval routes and reading them. A definition is always a new version; a webhook
//! route's signing secret is made with its first version (or on request) and carried over.

use base64::Engine as _;
use rand::RngCore as _;
use serde_json::json;

use crate::{
    error::{AppError, AppResult},
    model::{ApprovalRoute, DefinedRoute, Email, Integration},
    ssr::{
        db::Db,
        now_millis,
        services::outbound::Outbound,
        store::{
            self,
            approval_routes::RouteRow,
            audit::{self, AuditEntry},
        },
    },
};

/// Requests expire after an hour unless the route or the agent says otherwise.
pub const DEFAULT_EXPIRY_SECONDS: i64 = 3600;
const MAX_EXPIRY_SECONDS: i64 = 30 * 24 * 3600;
const MAX_REQUIRED_APPROVALS: i64 = 10;
const MAX_APPROVERS: usize = 100;

/// What an admin asks for; absent fields take the defaults.
#[derive(Debug, Clone, Default)]
pub struct RouteDefinition {
    pub name: String,
    pub integration: String,
    pub destination: Option<String>,
    pub approver_emails: Vec<String>,
    pub required_approvals: Option<i64>,
    pub require_rationale: Option<bool>,
    pub default_expiry_seconds: Option<i64>,
    pub owner_team_may_approve: Option<bool>,
    /// Make a new signing secret even though the previous version had one.
    pub rotate_secret: bool,
}

/// A route name as policies write it in `approval_route:`.
pub fn parse_name(raw: &str) -> AppResult<String> {
    let name = raw.trim();
    if super::names::is_lowercase_name(name, 100) {
        Ok(name.to_owned())
    } else {
        Err(AppError::invalid(
            "name",
            "Name routes with 1 to 100 lowercase letters, digits, '-', '_' or '.', as policies \
             write them in approval_route.",
        ))
    }
}

/// Defines a route; a webhook or chat destination must be a public address unless `outbound`
/// allows its host (see `outbound`).
pub async fn define(
    db: &Db,
    outbound: &Outbound,
    actor: &str,
    definition: RouteDefinition,
) -> AppResult<DefinedRoute> {
    let name = parse_name(&definition.name)?;
    let integration = Integration::parse(definition.integration.trim()).ok_or_else(|| {
        AppError::invalid(
            "integration",
            "integration is one of inbox, webhook or chat.",
        )
    })?;
    let destination = destination(integration, definition.destination.as_deref())?;
    if let Some(url) = &destination {
        let url = reqwest::Url::parse(url)
            .map_err(|_| AppError::invalid("destination", "destination is not a URL."))?;
        outbound
            .check(&url)
            .await
            .map_err(|refusal| AppError::invalid("destination", refusal))?;
    }
    let approver_emails = approvers(&definition.approver_emails)?;
    if integration == Integration::Email && approver_emails.is_empty() {
        return Err(AppError::invalid(
            "approver_emails",
            "An email route sends to the approvers it names; name at least one.",
        ));
    }
    let required_approvals = definition.required_approvals.unwrap_or(1);
    if !(1..=MAX_REQUIRED_APPROVALS).contains(&required_approvals) {
        return Err(AppError::invalid(
            "required_approvals",
            format!("required_approvals is 1 to {MAX_REQUIRED_APPROVALS}."),
        ));
    }
    if !approver_emails.is_empty() && (approver_emails.len() as i64) < required_approvals {
        return Err(AppError::invalid(
            "required_approvals",
            "More approvals are required than people are named to give them.",
        ));
    }
    let default_expiry_seconds = definition
        .default_expiry_seconds
        .unwrap_or(DEFAULT_EXPIRY_SECONDS);
    if !(60..=MAX_EXPIRY_SECONDS).contains(&default_expiry_seconds) {
        return Err(AppError::invalid(
            "default_expiry_seconds",
            format!("default_expiry_seconds is 60 to {MAX_EXPIRY_SECONDS}."),
        ));
    }

    let approver_emails = &approver_emails;
    let destination = &destination;
    let name = &name;
    db.write("approval_routes.define", |mut tx| async move {
        let previous = store::approval_routes::latest(&mut *tx, name).await?;
        let carried_secret = previous
            .as_ref()
            .and_then(|previous| previous.signing_secret.clone())
            .filter(|_| !definition.rotate_secret);
        let (signing_secret, shown_secret) = match (integration, carried_secret) {
            (Integration::Webhook, Some(secret)) => (Some(secret), None),
            (Integration::Webhook, None) => {
                let secret = new_signing_secret();
                (Some(secret.clone()), Some(secret))
            }
            _ => (None, None),
        };
        let now = now_millis();
        let row = RouteRow {
            version: previous.as_ref().map_or(1, |previous| previous.version + 1),
            name: name.clone(),
            integration: integration.as_str().to_owned(),
            destination: destination.clone(),
            signing_secret,
            approver_emails: json!(approver_emails).to_string(),
            required_approvals,
            require_rationale: i64::from(definition.require_rationale.unwrap_or(false)),
            default_expiry_seconds,
            owner_team_may_approve: i64::from(definition.owner_team_may_approve.unwrap_or(false)),
            created_by: actor.to_owned(),
            created_at: now,
        };
        store::approval_routes::insert(&mut *tx, &row).await?;
        let route = route_of(row);
        audit::record(
            &mut *tx,
            AuditEntry {
                actor,
                action: "route.define",
                target: &route.name,
                before: previous.map(|previous| json!(route_of(previous))),
                after: Some(json!(route)),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(DefinedRoute {
            route,
            signing_secret: shown_secret,
        })
    })
    .await
}

pub async fn list(db: &Db) -> AppResult<Vec<ApprovalRoute>> {
    Ok(store::approval_routes::list_latest(&db.pool)
        .await?
        .into_iter()
        .map(route_of)
        .collect())
}

fn destination(integration: Integration, raw: Option<&str>) -> AppResult<Option<String>> {
    let raw = raw.map(str::trim).filter(|text| !text.is_empty());
    match (integration, raw) {
        (Integration::Inbox | Integration::Email, None) => Ok(None),
        (Integration::Inbox, Some(_)) => Err(AppError::invalid(
            "destination",
            "An inbox route delivers nowhere; leave destination out.",
        )),
        (Integration::Email, Some(_)) => Err(AppError::invalid(
            "destination",
            "An email route writes to its approvers; leave destination out.",
        )),
        (_, None) => Err(AppError::invalid(
            "destination",
            "Webhook and chat routes need the URL to deliver to.",
        )),
        (_, Some(url)) => {
            let valid = url.len() <= 2000
                && (url.starts_with("https://") || url.starts_with("http://"))
                && reqwest::Url::parse(url).is_ok_and(|parsed| parsed.host_str().is_some());
            if valid {
                Ok(Some(url.to_owned()))
            } else {
                Err(AppError::invalid(
                    "destination",
                    "destination is an http:// or https:// URL.",
                ))
            }
        }
    }
}

fn approvers(raw: &[String]) -> AppResult<Vec<String>> {
    if raw.len() > MAX_APPROVERS {
        return Err(AppError::invalid(
            "approver_emails",
            format!("Name at most {MAX_APPROVERS} approvers."),
        ));
    }
    let mut emails = Vec::with_capacity(raw.len());
    for text in raw {
        let email = Email::parse(text).map_err(|_| {
            AppError::invalid("approver_emails", format!("{text:?} is not an email."))
        })?;
        if !emails.contains(&email.as_str().to_owned()) {
            emails.push(email.as_str().to_owned());
        }
    }
    Ok(emails)
}

/// `whsec_` and 32 random bytes in base64, as Standard Webhooks libraries expect.
fn new_signing_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

pub fn route_of(row: RouteRow) -> ApprovalRoute {
    ApprovalRoute {
        integration: Integration::parse(&row.integration).unwrap_or(Integration::Inbox),
        approver_emails: serde_json::from_str(&row.approver_emails).unwrap_or_default(),
        name: row.name,
        version: row.version,
        destination: row.destination,
        required_approvals: row.required_approvals,
        require_rationale: row.require_rationale != 0,
        default_expiry_seconds: row.default_expiry_seconds,
        owner_team_may_approve: row.owner_team_may_approve != 0,
        created_by: row.created_by,
        created_at: row.created_at,
    }
}

/// The routes `policy` names that no admin has defined, in the order the rules name them.
/// Requests sent to such a route still reach the inbox, under the default route's rules (one
/// approval, nobody of the agent's owner team); authors are warned so that they define it.
pub async fn undefined_in(db: &Db, policy: &verdict_policy::Policy) -> AppResult<Vec<String>> {
    let mut undefined: Vec<String> = Vec::new();
    for name in policy
        .rules()
        .iter()
        .filter_map(|rule| rule.approval_route())
    {
        if undefined.iter().any(|known| known == name) {
            continue;
        }
        if store::approval_routes::latest(&db.pool, name)
            .await?
            .is_none()
        {
            undefined.push(name.to_owned());
        }
    }
    Ok(undefined)
}

/// The warning shown for `undefined_in`'s routes, or `None` when every route is defined.
pub fn undefined_warning(undefined: &[String]) -> Option<String> {
    (!undefined.is_empty()).then(|| {
        format!(
            "No approval route named {} is defined: its requests reach the inbox under the \
             default rules (one approval, nobody of the agent's owner team). Define it on the \
             Approval routes page.",
            undefined.join(", ")
        )
    })
}
