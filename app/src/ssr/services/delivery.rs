//! Delivering approval requests to their route's integration. The request is recorded (and
//! waits in the inbox) before anything is sent; a worker on every server claims due deliveries,
//! posts them, keeps every attempt and retries with exponential backoff. A delivery that runs
//! out of attempts leaves the request pending in the inbox, where it can be redelivered.

use std::time::Instant;

use serde_json::{json, Value};
use verdict_receipt::KeySet;

use crate::{
    error::{AppError, AppResult},
    model::{
        Action, Answer, ApprovalRoute, ApprovalStatus, Delivery, DeliveryAttempt, Integration,
    },
    ssr::{
        now_millis,
        store::{
            self,
            approvals::InboxRow,
            deliveries::{AttemptRecord, DeliveryRow},
        },
        AppState,
    },
};

use super::{
    answer_links,
    approval_routes::route_of,
    mail::{self, Mail},
    outbound::{Outbound, SEND_TIMEOUT},
};

/// Attempts before a delivery gives up (about four minutes of retries in all).
pub const ATTEMPTS_ALLOWED: i64 = 8;
/// A claimed delivery is this server's for this long; a server that dies mid-send releases it.
const CLAIM_MILLIS: i64 = 30_000;
const CLAIM_BATCH: i64 = 16;
/// What people who do not administer Verdict read for a failed attempt: the exact error,
/// status and time it took tell an admin why, and would tell anyone else which hosts and ports
/// answer (the log was a port scanner's oracle).
const FAILED_FOR_VIEWERS: &str = "not delivered (an admin sees why)";
const LONGEST_BACKOFF_MILLIS: i64 = 5 * 60 * 1000;

/// Queues new deliveries and sends those due at `now`; returns how many were attempted.
pub async fn run_once(state: &AppState, now: i64) -> AppResult<usize> {
    let db = &state.db;
    store::deliveries::enqueue_new(&db.pool, ATTEMPTS_ALLOWED).await?;
    let claimed =
        store::deliveries::claim_due(&db.pool, db.backend, now, now + CLAIM_MILLIS, CLAIM_BATCH)
            .await?;
    let attempted = claimed.len();
    for delivery in claimed {
        attempt(state, delivery, now).await?;
    }
    Ok(attempted)
}

/// The delivery of `approval_id` with its attempts, if its route delivers anywhere. Without
/// `detailed` (for anyone but admins), a failed attempt says only that it failed.
pub async fn of_approval(
    state: &AppState,
    approval_id: &str,
    detailed: bool,
) -> AppResult<Option<Delivery>> {
    let Some(row) = store::deliveries::find(&state.db.pool, approval_id).await? else {
        return Ok(None);
    };
    let attempts = store::deliveries::attempts(&state.db.pool, approval_id).await?;
    Ok(Some(Delivery {
        route_name: row.route_name,
        route_version: row.route_version,
        state: row.state,
        next_attempt_at: row.next_attempt_at,
        attempts: attempts
            .into_iter()
            .map(|attempt| match attempt.error {
                Some(_) if !detailed => DeliveryAttempt {
                    attempt: attempt.attempt,
                    at: attempt.at,
                    status_code: None,
                    error: Some(FAILED_FOR_VIEWERS.to_owned()),
                    latency_ms: 0,
                },
                error => DeliveryAttempt {
                    attempt: attempt.attempt,
                    at: attempt.at,
                    status_code: attempt.status_code,
                    error,
                    latency_ms: attempt.latency_ms,
                },
            })
            .collect(),
    }))
}

/// Sends a pending request's delivery again at once, with a fresh set of attempts.
pub async fn redeliver(state: &AppState, approval_id: &str) -> AppResult<()> {
    let approval = store::approvals::find(&state.db.pool, approval_id)
        .await?
        .ok_or_else(|| AppError::not_found("No such approval request."))?;
    if approval.status != ApprovalStatus::Pending {
        return Err(AppError::conflict(format!(
            "The request is already {}; there is nothing to deliver.",
            approval.status
        )));
    }
    let requeued =
        store::deliveries::requeue(&state.db.pool, approval_id, now_millis(), ATTEMPTS_ALLOWED)
            .await?;
    if requeued == 0 {
        return Err(AppError::conflict(
            "This request's route delivers nowhere; it waits in the inbox.",
        ));
    }
    Ok(())
}

async fn attempt(state: &AppState, delivery: DeliveryRow, now: i64) -> AppResult<()> {
    let pool = &state.db.pool;
    let approval = store::approvals::inbox_row(pool, &delivery.approval_id).await?;
    let route =
        store::approval_routes::version(pool, &delivery.route_name, delivery.route_version).await?;
    let (Some(approval), Some(route_row)) = (approval, route) else {
        store::deliveries::settle(pool, &delivery.approval_id, "withdrawn", now).await?;
        return Ok(());
    };
    if approval.status != ApprovalStatus::Pending {
        store::deliveries::settle(pool, &delivery.approval_id, "withdrawn", now).await?;
        return Ok(());
    }
    let secret = route_row.signing_secret.clone();
    let route = route_of(route_row);
    let evidence_hash = store::decisions::find(pool, &approval.decision_id, None)
        .await?
        .map(|decision| decision.last_hash)
        .unwrap_or_default();
    // The exact action an approval would grant travels with every delivery.
    let action = super::approvals::requested_action(&state.db, &approval.id).await?;
    let action = action.as_ref();
    let links = Links::new(state, &approval.id);
    let started = Instant::now();
    let (status_code, error) = match route.integration {
        Integration::Inbox => {
            store::deliveries::settle(pool, &delivery.approval_id, "withdrawn", now).await?;
            return Ok(());
        }
        Integration::Email => (
            None,
            email(state, &approval, &route, &links, action).await.err(),
        ),
        Integration::Webhook | Integration::Chat => {
            let body = if route.integration == Integration::Webhook {
                webhook_body(&approval, &route, &links, &evidence_hash, action)
            } else {
                chat_body(&approval, &links, action)
            }
            .to_string();
            let keys = state.receipt_keys.current();
            match send(
                &state.outbound,
                &route,
                Signers {
                    secret: secret.as_deref(),
                    keys: &keys,
                },
                &approval.id,
                &body,
            )
            .await
            {
                Ok(status) if (200..300).contains(&status) => (Some(i64::from(status)), None),
                Ok(status) => (
                    Some(i64::from(status)),
                    Some(format!("the receiver answered HTTP {status}")),
                ),
                Err(error) => (None, Some(error)),
            }
        }
    };
    let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    store::deliveries::record_attempt(
        pool,
        &AttemptRecord {
            approval_id: &delivery.approval_id,
            attempt: delivery.attempts,
            at: now,
            status_code,
            error: error.as_deref(),
            latency_ms,
        },
    )
    .await?;
    let (next_state, next_at) = match error {
        None => ("delivered", now),
        Some(_) if delivery.attempts >= delivery.attempts_allowed => ("failed", now),
        Some(error) => {
            tracing::warn!(approval = %delivery.approval_id, attempt = delivery.attempts, %error, "approval delivery failed; retrying");
            ("queued", now + backoff_millis(delivery.attempts))
        }
    };
    store::deliveries::settle(pool, &delivery.approval_id, next_state, next_at).await?;
    Ok(())
}

/// 1 s after the first failure, doubling, at most five minutes.
pub fn backoff_millis(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    (1000i64 << doublings).min(LONGEST_BACKOFF_MILLIS)
}

/// Where people and receivers reach the request.
struct Links {
    page: String,
    resolve: String,
    /// The confirmation page emailed links open.
    answer: String,
}

impl Links {
    fn new(state: &AppState, approval_id: &str) -> Self {
        let origin = &state.settings.link_origin;
        Self {
            page: format!("{origin}/approvals/{approval_id}"),
            resolve: format!("{origin}/api/v1/approvals/{approval_id}/resolve"),
            answer: format!("{origin}/answer"),
        }
    }
}

fn webhook_body(
    approval: &InboxRow,
    route: &ApprovalRoute,
    links: &Links,
    evidence: &str,
    action: Option<&(Action, String)>,
) -> Value {
    let action = action.map(|(action, digest)| {
        json!({"product": action.product, "operation": action.operation,
               "arguments": action.arguments, "digest": digest})
    });
    json!({
        "type": "approval.requested",
        "approval": {
            "id": approval.id,
            "decision_id": approval.decision_id,
            "agent": approval.agent_name,
            "intent": approval.intent,
            "title": approval.title,
            "message": approval.message,
            "approval_route": route.name,
            "route_version": route.version,
            "require_rationale": approval.require_rationale != 0,
            "requested_at": approval.requested_at,
            "expires_at": approval.expires_at,
            "evidence_hash": evidence,
            "action": action,
        },
        "page_url": links.page,
        "resolve_url": links.resolve,
    })
}

/// An email to each approver the route names, with their own approve and reject links (each
/// signed for them, single-use, valid until the request expires). Fails if any send fails; a
/// retry sends to everyone again, with new links.
async fn email(
    state: &AppState,
    approval: &InboxRow,
    route: &ApprovalRoute,
    links: &Links,
    action: Option<&(Action, String)>,
) -> Result<(), String> {
    let smtp = state
        .settings
        .smtp
        .as_ref()
        .ok_or("no mail server is configured (--smtp-host)")?;
    for recipient in &route.approver_emails {
        let link = |answer: Answer| async move {
            answer_links::issue(
                &state.db,
                &approval.id,
                answer,
                recipient,
                approval.expires_at,
            )
            .await
            .map(|token| format!("{}?token={token}", links.answer))
            .map_err(|_| "the answer links could not be signed".to_owned())
        };
        let (approve, reject) = (link(Answer::Approve).await?, link(Answer::Reject).await?);
        let subject = format!("Approval needed: {}", approval.title);
        let granted = action_lines(action);
        let text = format!(
            "{agent} asks for {intent}.\n\n{message}\n\n{granted_text}Approve: {approve}\nReject: {reject}\n\n\
             Each link asks you to confirm before it counts, works once, and stops working when \
             the request expires. The request: {page}\n",
            agent = approval.agent_name,
            intent = approval.intent,
            message = approval.message,
            page = links.page,
            granted_text = granted
                .iter()
                .map(|line| format!("{line}\n"))
                .collect::<String>()
                + if granted.is_empty() { "" } else { "\n" },
        );
        let html = format!(
            "<p><strong>{agent}</strong> asks for <code>{intent}</code>.</p><p>{message}</p>{granted_html}\
             <p><a href=\"{approve}\">Approve</a> · <a href=\"{reject}\">Reject</a> · \
             <a href=\"{page}\">Open the request</a></p><p>Each link asks you to confirm before \
             it counts, works once, and stops working when the request expires.</p>",
            agent = mail::escape_html(&approval.agent_name),
            intent = mail::escape_html(&approval.intent),
            message = mail::escape_html(&approval.message),
            granted_html = if granted.is_empty() {
                String::new()
            } else {
                format!(
                    "<ul>{}</ul>",
                    granted
                        .iter()
                        .map(|line| format!("<li><code>{}</code></li>", mail::escape_html(line)))
                        .collect::<String>()
                )
            },
            approve = mail::escape_html(&approve),
            reject = mail::escape_html(&reject),
            page = mail::escape_html(&links.page),
        );
        mail::send(
            smtp,
            Mail {
                to: recipient,
                subject: &subject,
                text,
                html,
            },
        )
        .await?;
    }
    Ok(())
}

/// A Slack-style incoming-webhook message: the request, and links to answer it on its page.
fn chat_body(approval: &InboxRow, links: &Links, action: Option<&(Action, String)>) -> Value {
    let granted: String = action_lines(action)
        .iter()
        .map(|line| format!("• `{}`\n", escape_mrkdwn(line)))
        .collect();
    let text = format!(
        "*Approval needed: {title}*\nAgent `{agent}` asks for `{intent}`.\n{message}\n{granted}\
         <{page}?answer=approve|Approve> · <{page}?answer=reject|Reject> · <{page}|Open the request>",
        title = escape_mrkdwn(&approval.title),
        agent = escape_mrkdwn(&approval.agent_name),
        intent = escape_mrkdwn(&approval.intent),
        message = escape_mrkdwn(&approval.message),
        page = links.page,
    );
    json!({ "text": text, "approval_id": approval.id })
}

/// The action an approval grants, a line a fact: what people read in chat and email.
fn action_lines(action: Option<&(Action, String)>) -> Vec<String> {
    let Some((action, digest)) = action else {
        return Vec::new();
    };
    let mut lines = vec![format!(
        "Approving grants exactly: {} {}",
        action.product, action.operation
    )];
    lines.extend(action.arguments.iter().map(|(name, value)| match value {
        Value::String(text) => format!("{name} = {text}"),
        other => format!("{name} = {other}"),
    }));
    lines.push(format!("action digest {digest}"));
    lines
}

/// Agent-supplied text is data in a chat message, never markup: Slack's mrkdwn forms links and
/// mentions (`<https://…|Approve>`, `<!channel>`, `<@U…>`) only from `<…>`, and its documented
/// escaping is `&`, `<` and `>` as entities, so a title can no longer put a link or a mention
/// beside the real Approve and Reject links.
pub(crate) fn escape_mrkdwn(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            other => out.push(other),
        }
    }
    out
}

/// What signs a webhook delivery: the route's shared secret (`v1`, HMAC-SHA256) and the
/// server's receipt keys (`v1a`, Ed25519 by the active key).
struct Signers<'a> {
    secret: Option<&'a str>,
    keys: &'a KeySet,
}

/// Posts `body`; a webhook is signed per Standard Webhooks twice, space-separated in one
/// `webhook-signature` header: `v1,<HMAC>` with the route's secret and `v1a,<Ed25519>` with the
/// server's active receipt key, which receivers can check against
/// `/.well-known/verdict-keys.json` without a shared secret. The HTTP status, or why nothing was
/// answered. The destination is checked again here, not only when the route was defined: its
/// name may resolve elsewhere now.
async fn send(
    outbound: &Outbound,
    route: &ApprovalRoute,
    signers: Signers<'_>,
    approval_id: &str,
    body: &str,
) -> Result<u16, String> {
    let destination = route
        .destination
        .as_deref()
        .ok_or("the route has no destination")?;
    let url = reqwest::Url::parse(destination)
        .map_err(|_| "the route's destination is not a URL".to_owned())?;
    outbound.check(&url).await?;
    let mut request = outbound
        .client()?
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned());
    if route.integration == Integration::Webhook {
        let secret = signers
            .secret
            .ok_or("the webhook route has no signing secret")?;
        let signer = standardwebhooks::Webhook::new(secret)
            .map_err(|_| "the route's signing secret is unreadable".to_owned())?;
        let message_id = format!("msg_{approval_id}");
        let timestamp = now_millis() / 1000;
        let signature = signer
            .sign(&message_id, timestamp, body.as_bytes())
            .map_err(|_| "the request could not be signed".to_owned())?;
        let asymmetric = signers
            .keys
            .sign_webhook(&message_id, timestamp, body.as_bytes());
        request = request
            .header("webhook-id", message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", format!("{signature} {asymmetric}"));
    }
    match request.send().await {
        Ok(response) => Ok(response.status().as_u16()),
        Err(error) if error.is_timeout() => {
            Err(format!("no answer within {} s", SEND_TIMEOUT.as_secs()))
        }
        Err(error) if error.is_connect() => Err("could not connect to the receiver".to_owned()),
        Err(_) => Err("the request could not be sent".to_owned()),
    }
}

#[cfg(test)]
mod chat_text_tests {
    use super::{action_lines, escape_mrkdwn, Action};

    #[test]
    fn people_are_told_the_exact_action_an_approval_grants() {
        let action = Action {
            product: "payments".into(),
            operation: "refund.create".into(),
            arguments: serde_json::json!({"amount": 950, "order": "A-1"})
                .as_object()
                .cloned()
                .unwrap(),
        };
        let lines = action_lines(Some(&(action, "sha256:ab".into())));
        assert_eq!(
            lines,
            [
                "Approving grants exactly: payments refund.create",
                "amount = 950",
                "order = A-1",
                "action digest sha256:ab"
            ]
        );
        assert!(action_lines(None).is_empty());
    }

    #[test]
    fn agent_text_cannot_form_links_or_mentions_in_chat() {
        let escaped =
            escape_mrkdwn("<https://evil.example/phish|Approve> *urgent* <!channel> <@U123> & co");
        assert!(
            !escaped.contains('<') && !escaped.contains('>'),
            "{escaped}"
        );
        assert_eq!(
            escaped,
            "&lt;https://evil.example/phish|Approve&gt; *urgent* &lt;!channel&gt; &lt;@U123&gt; \
             &amp; co"
        );
    }
}
