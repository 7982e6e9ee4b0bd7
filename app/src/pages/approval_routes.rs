//! Approval routes: where a policy's `approval_route:` sends an exception and who may approve
//! it. Everyone reads; admins define a route or a new version of one.

use leptos::prelude::*;

use crate::{
    api::approval_routes::{load_approval_routes, DefineApprovalRoute},
    components::{last_error, FieldError, FormError, PageHeader, ShownOnceSecret, UtcTime},
    model::{ApprovalRoute, Integration},
    pages::refusal::Refusal,
};

#[component]
pub fn ApprovalRoutesPage() -> impl IntoView {
    let define = ServerAction::<DefineApprovalRoute>::new();
    let overview = Resource::new(move || define.version().get(), |_| load_approval_routes());
    view! {
        <PageHeader title="Approval routes" summary="Where exceptions go, who may approve them, and how many approvals they need. Each change is a new version; requests keep the version they used." />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! {
                        {if overview.routes.is_empty() {
                            view! { <p class="empty-state">"No routes yet: requests wait in the inbox for anyone who may approve."</p> }.into_any()
                        } else {
                            view! { <RoutesTable routes=overview.routes /> }.into_any()
                        }}
                        {overview.can_administer.then(|| view! { <DefineRouteForm define /> })}
                    }.into_any(),
                    Err(error) => view! { <Refusal error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RoutesTable(routes: Vec<ApprovalRoute>) -> impl IntoView {
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Approval routes">
            <table>
                <caption class="visually-hidden">"Approval routes at their latest version"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Route"</th>
                        <th scope="col" class="num">"Version"</th>
                        <th scope="col">"Integration"</th>
                        <th scope="col">"Who approves"</th>
                        <th scope="col" class="num">"Approvals"</th>
                        <th scope="col">"Expiry"</th>
                        <th scope="col">"Changed"</th>
                    </tr>
                </thead>
                <tbody>
                    {routes.into_iter().map(|route| {
                        let integration = match &route.destination {
                            Some(destination) => format!("{} → {destination}", route.integration.as_str()),
                            None => route.integration.as_str().to_owned(),
                        };
                        let approvers = if route.approver_emails.is_empty() {
                            "anyone who may approve".to_owned()
                        } else {
                            route.approver_emails.join(", ")
                        };
                        let owner_rule = if route.owner_team_may_approve { "" } else { "; not the agent's owner team" };
                        view! {
                            <tr>
                                <td class="mono">{route.name.clone()}</td>
                                <td class="num">{format!("v{}", route.version)}</td>
                                <td class="mono">{integration}</td>
                                <td>{format!("{approvers}{owner_rule}")}</td>
                                <td class="num">{route.required_approvals}</td>
                                <td>{format!("{} min", route.default_expiry_seconds / 60)}</td>
                                <td><UtcTime unix_millis=route.created_at />" by "{route.created_by.clone()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn DefineRouteForm(define: ServerAction<DefineApprovalRoute>) -> impl IntoView {
    let error = last_error(define);
    let secret = Signal::derive(move || match define.value().get() {
        Some(Ok(defined)) => defined.signing_secret.unwrap_or_default(),
        _ => String::new(),
    });
    let defined = move || match define.value().get() {
        Some(Ok(defined)) => Some(format!(
            "Saved {} v{}.",
            defined.route.name, defined.route.version
        )),
        _ => None,
    };
    view! {
        <section class="form-card" aria-labelledby="define-route-heading">
            <h2 id="define-route-heading">"Define a route or a new version"</h2>
            <Show when=move || defined().is_some()>
                <p class="notice notice-success" role="status">{defined}</p>
            </Show>
            <Show when=move || !secret.get().is_empty()>
                <ShownOnceSecret secret test_id="route-secret">
                    "The webhook signing secret, shown this once: the receiver verifies deliveries and signs its answers with it."
                </ShownOnceSecret>
            </Show>
            <ActionForm action=define>
                <label for="route-name">"Name (as policies write it in approval_route)"</label>
                <input id="route-name" name="name" required placeholder="support-managers" />
                <FieldError error field="name" />
                <label for="route-integration">"Integration"</label>
                <select id="route-integration" name="integration">
                    {Integration::ALL.into_iter().map(|integration| view! { <option value=integration.as_str()>{integration.as_str()}</option> }).collect_view()}
                </select>
                <FieldError error field="integration" />
                <label for="route-destination">"Destination URL (webhook and chat)"</label>
                <input id="route-destination" name="destination" type="url" placeholder="https://hooks.example.com/verdict" />
                <FieldError error field="destination" />
                <label for="route-approvers">"Approvers (emails, comma-separated; empty: anyone who may approve)"</label>
                <input id="route-approvers" name="approver_emails" />
                <FieldError error field="approver_emails" />
                <label for="route-required">"Approvals needed"</label>
                <input id="route-required" name="required_approvals" type="number" min="1" placeholder="1" />
                <FieldError error field="required_approvals" />
                <label for="route-expiry">"Default expiry (seconds)"</label>
                <input id="route-expiry" name="default_expiry_seconds" type="number" min="60" placeholder="3600" />
                <FieldError error field="default_expiry_seconds" />
                <label><input type="checkbox" name="require_rationale" />" A rationale is required"</label>
                <label><input type="checkbox" name="owner_team_may_approve" />" The agent's owner team may approve"</label>
                <label><input type="checkbox" name="rotate_secret" />" New signing secret (webhook)"</label>
                <FormError error />
                <button type="submit" class="button-primary">"Save route"</button>
            </ActionForm>
        </section>
    }
}
