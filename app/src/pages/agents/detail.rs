use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::{GlobalFreezeBanner, ShortId, ShownOnceKey};
use crate::{
    api::agents::{
        load_agent, AgentView, BindPolicy, FreezeAgent, RevokeAgentKeys, RotateAgentKey,
        UnbindPolicy, UnfreezeAgent,
    },
    api::products::{load_agent_grants, AgentGrants, GrantProduct, RevokeProductGrant},
    components::{
        confirm_first, last_error, last_success, FieldError, FormError, OutcomeBadge, PageHeader,
        RelativeTime, StatusBadge, UtcTime,
    },
    error::AppError,
    model::{
        AgentKeySummary, Binding, DecisionSummary, PolicySummary, ProductGrant, ProductSummary,
    },
    pages::{products::OperationLabel, refusal::Refusal},
};

/// The actions an admin takes on one agent; their results feed the page's notices.
#[derive(Clone, Copy)]
struct Actions {
    rotate: ServerAction<RotateAgentKey>,
    revoke: ServerAction<RevokeAgentKeys>,
    freeze: ServerAction<FreezeAgent>,
    unfreeze: ServerAction<UnfreezeAgent>,
    bind: ServerAction<BindPolicy>,
    unbind: ServerAction<UnbindPolicy>,
    grant: ServerAction<GrantProduct>,
    revoke_grant: ServerAction<RevokeProductGrant>,
}

/// Puts `message` into the page's notice whenever `action` succeeds.
fn announce<S>(
    action: ServerAction<S>,
    notice: RwSignal<Option<String>>,
    message: impl Fn(&S::Output) -> String + 'static,
) where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    Effect::new(move |_| {
        action.value().with(|latest| {
            if let Some(Ok(output)) = latest {
                notice.set(Some(message(output)));
            }
        });
    });
}

/// One agent: its keys, freeze, bound policies and latest decisions; admins act on them here.
#[component]
pub fn AgentDetailPage() -> impl IntoView {
    let params = use_params_map();
    let name = move || params.read().get("name").unwrap_or_default();
    let actions = Actions {
        rotate: ServerAction::new(),
        revoke: ServerAction::new(),
        freeze: ServerAction::new(),
        unfreeze: ServerAction::new(),
        bind: ServerAction::new(),
        unbind: ServerAction::new(),
        grant: ServerAction::new(),
        revoke_grant: ServerAction::new(),
    };
    let notice = RwSignal::new(None::<String>);
    announce(actions.rotate, notice, |_| {
        "New key issued — copy it below; it is shown only once.".to_owned()
    });
    announce(actions.revoke, notice, |_| {
        "Every key is revoked; the agent cannot call Verdict until you rotate a key in.".to_owned()
    });
    announce(actions.freeze, notice, |_| {
        "Agent frozen; its calls are refused until you unfreeze it.".to_owned()
    });
    announce(actions.unfreeze, notice, |_| {
        "Agent unfrozen; it can act again.".to_owned()
    });
    announce(actions.bind, notice, |binding| {
        match binding.pinned_version {
            Some(version) => format!("Bound {} pinned to v{version}.", binding.policy_id),
            None => format!(
                "Bound {}; it follows the latest published version.",
                binding.policy_id
            ),
        }
    });
    announce(actions.unbind, notice, |_| "Policy unbound.".to_owned());
    announce(actions.grant, notice, |grant| {
        format!(
            "Granted {} of {}.",
            grant.operations.join(", "),
            grant.product
        )
    });
    announce(actions.revoke_grant, notice, |_| {
        "Grant revoked: the agent holds no operation of that product any more.".to_owned()
    });

    let agent = Resource::new(
        move || {
            (
                name(),
                actions.rotate.version().get(),
                actions.revoke.version().get(),
                actions.freeze.version().get(),
                actions.unfreeze.version().get(),
                actions.bind.version().get(),
                actions.unbind.version().get(),
            )
        },
        |(name, ..)| load_agent(name),
    );
    // A refused grant keeps the form as it was: loaded again after a grant that succeeded only.
    let granted = last_success(actions.grant);
    let grants = Resource::new(
        move || (name(), granted.get(), actions.revoke_grant.version().get()),
        |(name, ..)| load_agent_grants(name),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match agent.await {
                    Ok(data) => {
                        let grants = grants.await;
                        view! { <AgentPage data grants actions notice /> }.into_any()
                    }
                    Err(error) => view! {
                        <PageHeader title="Agent" summary="One agent's keys, freeze, bound policies and recent decisions." />
                        <Refusal error />
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AgentPage(
    data: AgentView,
    grants: Result<AgentGrants, AppError>,
    actions: Actions,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let AgentView {
        detail,
        bindable,
        can_administer,
        now,
    } = data;
    let agent = detail.agent;
    let name = agent.name.clone();
    let rotated_key = move || {
        actions
            .rotate
            .value()
            .get()
            .and_then(Result::ok)
            .filter(|issued| issued.agent.id == agent.id)
    };
    view! {
        <Title text=name.clone() />
        <header class="page-header">
            <div>
                <p class="breadcrumb"><A href="/agents">"Agents"</A> " /"</p>
                <h1 class="mono">{name.clone()}</h1>
                <p class="page-summary">
                    {if agent.description.is_empty() { "No description.".to_owned() } else { agent.description.clone() }}
                </p>
            </div>
            <div class="page-actions">
                {match agent.frozen.clone() {
                    Some(_) => view! { <span class="badge status-frozen">"❄ frozen"</span> }.into_any(),
                    None => view! { <span class="badge status-live">"live"</span> }.into_any(),
                }}
                <A href="/api-reference" attr:class="button-link">"API reference"</A>
            </div>
        </header>
        {detail.global_freeze.map(|freeze| view! { <GlobalFreezeBanner freeze /> })}
        {agent.frozen.clone().map(|freeze| view! {
            <p class="notice notice-warning" data-testid="agent-freeze">
                <strong>"This agent is frozen: "</strong>
                {freeze.reason} " — by " {freeze.by} " at " <UtcTime unix_millis=freeze.at />
            </p>
        })}
        <Show when=move || notice.get().is_some()>
            <p class="notice notice-success" role="status">{move || notice.get()}</p>
        </Show>
        <dl class="facts">
            <dt>"Owner team"</dt>
            <dd>{if agent.owner_team.is_empty() { "—".to_owned() } else { agent.owner_team.clone() }}</dd>
            <dt>"Created"</dt>
            <dd><UtcTime unix_millis=agent.created_at /></dd>
            <dt>"Last seen"</dt>
            <dd>
                {match agent.last_seen_at {
                    Some(at) => view! { <RelativeTime unix_millis=at now /> }.into_any(),
                    None => "never".into_any(),
                }}
            </dd>
            <dt>"Active keys"</dt>
            <dd>
                {if agent.active_keys > 0 {
                    agent.active_keys.to_string().into_any()
                } else {
                    view! { <span class="badge status-warning">"⚠ no key"</span> }.into_any()
                }}
            </dd>
        </dl>
        {can_administer.then(|| view! {
            <FreezeControls agent=name.clone() frozen=agent.frozen.is_some() actions />
        })}

        <h2>"API keys"</h2>
        <p class="muted">"Agents send their key as " <code>"Authorization: Bearer vk_…"</code> ". Verdict stores only a digest and shows a key once, when it is issued."</p>
        {move || rotated_key().map(|issued| view! { <ShownOnceKey agent=issued.agent.name api_key=issued.api_key /> })}
        <KeysTable keys=detail.keys now />
        {can_administer.then(|| view! { <KeyControls agent=name.clone() actions /> })}

        <h2>"Bound policies"</h2>
        {if detail.bindings.is_empty() {
            view! { <p class="empty-state">"No policies bound — this agent's evaluations find no policy to apply. Bind a published policy below."</p> }.into_any()
        } else {
            view! { <BindingsTable agent=name.clone() bindings=detail.bindings can_administer actions /> }.into_any()
        }}
        {can_administer.then(|| view! { <BindForm agent=name.clone() bindable actions /> })}

        <h2>"Data products"</h2>
        {match grants {
            Ok(AgentGrants { grants, grantable }) => view! {
                {if grants.is_empty() {
                    view! { <p class="empty-state">"No data product granted — this agent may use no product's operations."</p> }.into_any()
                } else {
                    view! { <GrantsTable agent=name.clone() grants=grants.clone() can_administer actions /> }.into_any()
                }}
                {can_administer.then(|| view! { <GrantForm agent=name.clone() grantable held=grants actions /> })}
            }.into_any(),
            Err(error) => view! { <p class="notice notice-error" role="alert">{error.to_string()}</p> }.into_any(),
        }}

        <h2>"Recent decisions"</h2>
        {if detail.recent_decisions.is_empty() {
            view! { <p class="empty-state">"No decisions yet — they appear here once the agent opens one with its key."</p> }.into_any()
        } else {
            view! { <DecisionsTable decisions=detail.recent_decisions now /> }.into_any()
        }}
    }
}

#[component]
fn FreezeControls(agent: String, frozen: bool, actions: Actions) -> impl IntoView {
    let freeze_error = last_error(actions.freeze);
    let unfreeze_error = last_error(actions.unfreeze);
    if frozen {
        view! {
            <section class="form-card" aria-labelledby="freeze-heading">
                <h2 id="freeze-heading">"Unfreeze"</h2>
                <p>"Unfreezing lets this agent act again at once, within its policies (and any global freeze)."</p>
                <ActionForm action=actions.unfreeze attr:class="inline-form">
                    <input type="hidden" name="agent" value=agent />
                    <button type="submit" class="button-primary"
                        on:click=confirm_first("Unfreeze this agent? It can act again at once, within its policies.")>
                        "Unfreeze agent"
                    </button>
                </ActionForm>
                <FormError error=unfreeze_error />
            </section>
        }
        .into_any()
    } else {
        view! {
            <section class="form-card" aria-labelledby="freeze-heading">
                <h2 id="freeze-heading">"Freeze"</h2>
                <p>"A frozen agent's calls are refused (HTTP 423) until you unfreeze it; its keys and bindings stay."</p>
                <ActionForm action=actions.freeze>
                    <input type="hidden" name="agent" value=agent />
                    <label for="freeze-reason">"Reason (shown to people and to the agent)"</label>
                    <div class="inline-row">
                        <input id="freeze-reason" type="text" name="reason" required maxlength="500"
                            placeholder="e.g. investigating duplicate refunds" />
                        <button type="submit" class="button-danger"
                            on:click=confirm_first("Freeze this agent? Its calls are refused until you unfreeze it.")>
                            "Freeze agent"
                        </button>
                    </div>
                    <FieldError error=freeze_error field="reason" />
                    <FormError error=freeze_error />
                </ActionForm>
            </section>
        }
        .into_any()
    }
}

fn key_status(key: &AgentKeySummary, now: i64) -> (&'static str, &'static str) {
    match (key.revoked_at, key.expires_at) {
        (Some(_), _) => ("revoked", "status-inactive"),
        (None, Some(at)) if at <= now => ("expired", "status-inactive"),
        (None, Some(_)) => ("grace period", "status-warning"),
        (None, None) => ("active", "status-active"),
    }
}

#[component]
fn KeysTable(keys: Vec<AgentKeySummary>, now: i64) -> impl IntoView {
    if keys.is_empty() {
        return view! { <p class="empty-state">"No keys yet — rotate one in below."</p> }
            .into_any();
    }
    view! {
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"API keys"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Key"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Created by"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">"Revoked"</th>
                    </tr>
                </thead>
                <tbody>
                    {keys
                        .into_iter()
                        .map(|key| {
                            let (word, class) = key_status(&key, now);
                            view! {
                                <tr class:inactive=key.revoked_at.is_some()>
                                    <td class="mono">{format!("{}…", key.prefix)}</td>
                                    <td><span class=format!("badge {class}")>{word}</span></td>
                                    <td>{key.created_by.clone()}</td>
                                    <td><UtcTime unix_millis=key.created_at /></td>
                                    <td>{key.expires_at.map(|at| view! { <UtcTime unix_millis=at /> }.into_any()).unwrap_or_else(|| "never".into_any())}</td>
                                    <td>{key.revoked_at.map(|at| view! { <UtcTime unix_millis=at /> }.into_any()).unwrap_or_else(|| "—".into_any())}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn KeyControls(agent: String, actions: Actions) -> impl IntoView {
    let rotate_error = last_error(actions.rotate);
    let revoke_error = last_error(actions.revoke);
    let revoke_agent = agent.clone();
    view! {
        <section class="form-card" aria-labelledby="keys-heading">
            <h3 id="keys-heading">"Rotate or revoke"</h3>
            <ActionForm action=actions.rotate>
                <input type="hidden" name="agent" value=agent />
                <label for="grace-seconds">"Grace period for the current keys (seconds)"</label>
                <div class="inline-row">
                    <input id="grace-seconds" type="number" name="grace_seconds" value="0" min="0" max="2592000"
                        aria-describedby="grace-help" />
                    <button type="submit" class="button-primary">"Rotate key"</button>
                </div>
                <p id="grace-help" class="field-help">
                    "Issues a new key. With 0 the current keys stop working at once; otherwise they keep working this many seconds (at most 30 days) while you deploy the new one."
                </p>
                <FieldError error=rotate_error field="grace_seconds" />
                <FormError error=rotate_error />
            </ActionForm>
            <ActionForm action=actions.revoke>
                <input type="hidden" name="agent" value=revoke_agent />
                <button type="submit" class="button-danger"
                    on:click=confirm_first("Revoke every key of this agent? It cannot call Verdict until you rotate a new key in.")>
                    "Revoke all keys"
                </button>
                <FormError error=revoke_error />
            </ActionForm>
        </section>
    }
}

#[component]
fn BindingsTable(
    agent: String,
    bindings: Vec<Binding>,
    can_administer: bool,
    actions: Actions,
) -> impl IntoView {
    let unbind_error = last_error(actions.unbind);
    view! {
        <FormError error=unbind_error />
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"Policies bound to this agent"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Policy"</th>
                        <th scope="col">"Version"</th>
                        <th scope="col">"Bound by"</th>
                        <th scope="col">"Bound"</th>
                        {can_administer.then(|| view! { <th scope="col">"Actions"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {bindings
                        .into_iter()
                        .map(|binding| {
                            let href = format!("/policies/{}/edit", binding.policy_id);
                            let version = match (binding.pinned_version, binding.effective_version) {
                                (Some(pinned), _) => format!("v{pinned} (pinned)"),
                                (None, Some(latest)) => format!("latest (v{latest})"),
                                (None, None) => "latest (none published)".to_owned(),
                            };
                            let agent = agent.clone();
                            let policy_id = binding.policy_id.clone();
                            view! {
                                <tr>
                                    <td class="mono"><A href=href>{binding.policy_id.clone()}</A></td>
                                    <td>{version}</td>
                                    <td>{binding.created_by.clone()}</td>
                                    <td><UtcTime unix_millis=binding.created_at /></td>
                                    {can_administer.then(|| {
                                        let label = format!("Unbind {policy_id}");
                                        view! {
                                            <td class="row-actions">
                                                <ActionForm action=actions.unbind attr:class="inline-form">
                                                    <input type="hidden" name="agent" value=agent />
                                                    <input type="hidden" name="policy_id" value=policy_id />
                                                    <button type="submit" class="button-danger" aria-label=label
                                                        on:click=confirm_first("Unbind this policy? Evaluations for this agent stop applying it at once.")>
                                                        "Unbind"
                                                    </button>
                                                </ActionForm>
                                            </td>
                                        }
                                    })}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn BindForm(agent: String, bindable: Vec<PolicySummary>, actions: Actions) -> impl IntoView {
    let error = last_error(actions.bind);
    if bindable.is_empty() {
        return view! {
            <p class="empty-state">
                "No published policy to bind yet — publish one on the " <A href="/policies">"Policies"</A> " page."
            </p>
        }
        .into_any();
    }
    view! {
        <section class="form-card" aria-labelledby="bind-heading">
            <h3 id="bind-heading">"Bind a policy"</h3>
            <ActionForm action=actions.bind>
                <input type="hidden" name="agent" value=agent />
                <div class="form-grid">
                    <div>
                        <label for="bind-policy">"Published policy"</label>
                        <select id="bind-policy" name="policy_id" required>
                            {bindable
                                .into_iter()
                                .map(|policy| {
                                    let label = match policy.latest_version {
                                        Some(version) => format!("{} (v{version})", policy.id),
                                        None => policy.id.clone(),
                                    };
                                    view! { <option value=policy.id.clone()>{label}</option> }
                                })
                                .collect_view()}
                        </select>
                        <FieldError error field="policy_id" />
                    </div>
                    <div>
                        <label for="bind-version">"Pin to version (empty: always the latest)"</label>
                        <input id="bind-version" type="number" name="version" min="1" />
                        <FieldError error field="version" />
                    </div>
                </div>
                <FormError error />
                <button type="submit" class="button-primary">"Bind policy"</button>
            </ActionForm>
        </section>
    }
    .into_any()
}

#[component]
fn GrantsTable(
    agent: String,
    grants: Vec<ProductGrant>,
    can_administer: bool,
    actions: Actions,
) -> impl IntoView {
    let revoke_error = last_error(actions.revoke_grant);
    view! {
        <FormError error=revoke_error />
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"Data product operations granted to this agent"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Product"</th>
                        <th scope="col">"Operations"</th>
                        <th scope="col">"Granted by"</th>
                        <th scope="col">"Granted"</th>
                        {can_administer.then(|| view! { <th scope="col">"Actions"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {grants
                        .into_iter()
                        .map(|grant| {
                            let href = format!("/products/{}", grant.product);
                            let agent = agent.clone();
                            let product = grant.product.clone();
                            view! {
                                <tr>
                                    <td class="mono"><A href=href>{grant.product.clone()}</A></td>
                                    <td class="mono">{grant.operations.join(", ")}</td>
                                    <td>{grant.granted_by.clone()}</td>
                                    <td><UtcTime unix_millis=grant.granted_at /></td>
                                    {can_administer.then(|| {
                                        let label = format!("Revoke {product}");
                                        view! {
                                            <td class="row-actions">
                                                <ActionForm action=actions.revoke_grant attr:class="inline-form">
                                                    <input type="hidden" name="agent" value=agent />
                                                    <input type="hidden" name="product" value=product />
                                                    <button type="submit" class="button-danger" aria-label=label
                                                        on:click=confirm_first("Revoke this grant? The agent loses every operation of this product at once.")>
                                                        "Revoke"
                                                    </button>
                                                </ActionForm>
                                            </td>
                                        }
                                    })}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Grants the ticked operations of one active product, replacing what the agent held of it (so
/// the operations it holds start ticked).
#[component]
fn GrantForm(
    agent: String,
    grantable: Vec<ProductSummary>,
    held: Vec<ProductGrant>,
    actions: Actions,
) -> impl IntoView {
    let error = last_error(actions.grant);
    if grantable.is_empty() {
        return view! {
            <p class="empty-state">
                "No active data product to grant yet — apply one on the " <A href="/products">"Products"</A> " page."
            </p>
        }
        .into_any();
    }
    let chosen = RwSignal::new(grantable[0].name.clone());
    let grantable = StoredValue::new(grantable);
    let held = StoredValue::new(held);
    let operations = move || {
        let product = chosen.get();
        let ticked: Vec<String> = held.with_value(|held| {
            held.iter()
                .find(|grant| grant.product == product)
                .map(|grant| grant.operations.clone())
                .unwrap_or_default()
        });
        grantable.with_value(|grantable| {
            grantable
                .iter()
                .find(|candidate| candidate.name == product)
                .map(|candidate| candidate.operations.clone())
                .unwrap_or_default()
        })
        .into_iter()
        .map(|operation| {
            let checked = ticked.contains(&operation.name);
            view! {
                <label class="checkbox-row">
                    <input type="checkbox" name="operations[]" value=operation.name.clone() checked=checked />
                    " "
                    <OperationLabel operation />
                </label>
            }
        })
        .collect_view()
    };
    view! {
        <section class="form-card" aria-labelledby="grant-heading">
            <h3 id="grant-heading">"Grant a data product"</h3>
            <ActionForm action=actions.grant>
                <input type="hidden" name="agent" value=agent />
                <label for="grant-product">"Active data product"</label>
                <select id="grant-product" name="product" required
                    on:change=move |event| chosen.set(event_target_value(&event))>
                    {grantable.with_value(|grantable| {
                        grantable
                            .iter()
                            .map(|product| view! { <option value=product.name.clone()>{product.name.clone()}</option> })
                            .collect_view()
                    })}
                </select>
                <FieldError error field="product" />
                <fieldset class="operation-choices">
                    <legend>"Operations (they replace what the agent holds of this product)"</legend>
                    {operations}
                </fieldset>
                <FieldError error field="operations" />
                <FormError error />
                <button type="submit" class="button-primary">"Grant"</button>
            </ActionForm>
        </section>
    }
    .into_any()
}

#[component]
fn DecisionsTable(decisions: Vec<DecisionSummary>, now: i64) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"The agent's recent decisions"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Opened"</th>
                        <th scope="col">"Decision"</th>
                        <th scope="col">"Intent"</th>
                        <th scope="col">"Mode"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Latest outcome"</th>
                    </tr>
                </thead>
                <tbody>
                    {decisions
                        .into_iter()
                        .map(|decision| {
                            view! {
                                <tr>
                                    <td><RelativeTime unix_millis=decision.created_at now /></td>
                                    <td><A href=format!("/traces/{}", decision.id)><ShortId id=decision.id.clone() /></A></td>
                                    <td class="mono">{decision.intent.clone()}</td>
                                    <td>{decision.automation_mode.as_str()}</td>
                                    <td><StatusBadge status=decision.status.as_str() /></td>
                                    <td>{decision.latest_outcome.map(|outcome| view! { <OutcomeBadge outcome /> })}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
