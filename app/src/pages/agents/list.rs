use leptos::prelude::*;
use leptos_router::components::A;

use super::{GlobalFreezeBanner, ShownOnceKey};
use crate::{
    api::agents::{load_agents_overview, CreateAgent, FreezeAllAgents, UnfreezeAllAgents},
    components::{confirm_first, last_error, FieldError, FormError, PageHeader, RelativeTime},
    model::{AgentSummary, Freeze, Permission},
    pages::{layout::UserResource, refusal::Refusal},
};

/// Every agent at a glance; admins register agents and freeze them all at once.
#[component]
pub fn AgentsPage() -> impl IntoView {
    let user = expect_context::<UserResource>();
    let create = ServerAction::<CreateAgent>::new();
    let freeze_all = ServerAction::<FreezeAllAgents>::new();
    let unfreeze_all = ServerAction::<UnfreezeAllAgents>::new();
    let overview = Resource::new(
        move || {
            (
                create.version().get(),
                freeze_all.version().get(),
                unfreeze_all.version().get(),
            )
        },
        |_| load_agents_overview(),
    );
    view! {
        <PageHeader title="Agents" summary="The AI agents that call Verdict, their API keys and the policies bound to them.">
            <A href="/api-reference" attr:class="button-link">"API reference"</A>
        </PageHeader>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! {
                        {overview.global_freeze.map(|freeze| view! { <GlobalFreezeBanner freeze /> })}
                        {if overview.agents.is_empty() {
                            view! {
                                <p class="empty-state">"No agents yet — create one and bind a policy."</p>
                            }.into_any()
                        } else {
                            view! { <AgentsTable list=overview.agents now=overview.now /> }.into_any()
                        }}
                    }.into_any(),
                    Err(error) => view! { <Refusal error /> }.into_any(),
                }
            })}
        </Transition>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let is_admin = matches!(user.await, Ok(Some(person)) if person.role.allows(Permission::Administer));
                is_admin.then(|| view! { <NewAgentForm create /> })
            })}
        </Suspense>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                overview.await.ok().filter(|overview| overview.can_administer).map(|overview| view! {
                    <GlobalFreezeSwitch current=overview.global_freeze freeze_all unfreeze_all />
                })
            })}
        </Transition>
    }
}

#[component]
fn AgentsTable(list: Vec<AgentSummary>, now: i64) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"Agents"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Agent"</th>
                        <th scope="col">"Owner team"</th>
                        <th scope="col">"Description"</th>
                        <th scope="col">"Keys"</th>
                        <th scope="col" class="num">"Bindings"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Last seen"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|agent| {
                            let href = format!("/agents/{}", agent.name);
                            view! {
                                <tr>
                                    <td class="mono"><A href=href>{agent.name.clone()}</A></td>
                                    <td>{agent.owner_team.clone()}</td>
                                    <td>{agent.description.clone()}</td>
                                    <td>
                                        {if agent.active_keys > 0 {
                                            view! {
                                                <span class="badge status-active">
                                                    {format!("{} active", agent.active_keys)}
                                                </span>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <span class="badge status-warning" title="This agent cannot call the API until a key is rotated in.">
                                                    "⚠ no key"
                                                </span>
                                            }.into_any()
                                        }}
                                    </td>
                                    <td class="num">{agent.bindings}</td>
                                    <td>
                                        {match agent.frozen.clone() {
                                            Some(freeze) => view! {
                                                <span class="badge status-frozen">"❄ frozen"</span>
                                                " " <span class="muted">{freeze.reason}</span>
                                            }.into_any(),
                                            None => view! { <span class="badge status-live">"live"</span> }.into_any(),
                                        }}
                                    </td>
                                    <td>
                                        {match agent.last_seen_at {
                                            Some(at) => view! { <RelativeTime unix_millis=at now /> }.into_any(),
                                            None => view! { <span class="muted">"never"</span> }.into_any(),
                                        }}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Freezes every agent (their calls get 423 until lifted) or lifts the freeze.
#[component]
fn GlobalFreezeSwitch(
    current: Option<Freeze>,
    freeze_all: ServerAction<FreezeAllAgents>,
    unfreeze_all: ServerAction<UnfreezeAllAgents>,
) -> impl IntoView {
    let freeze_error = last_error(freeze_all);
    let unfreeze_error = last_error(unfreeze_all);
    view! {
        <section class="form-card freeze-switch" aria-labelledby="global-freeze-heading">
            <h2 id="global-freeze-heading">"Freeze all agents"</h2>
            {match current {
                Some(_) => view! {
                    <p>"Every agent is refused (HTTP 423) until you lift the freeze."</p>
                    <ActionForm action=unfreeze_all attr:class="inline-form">
                        <button type="submit" class="button-primary"
                            on:click=confirm_first("Lift the global freeze? Agents can act again at once, within their own freezes and policies.")>
                            "Unfreeze all agents"
                        </button>
                    </ActionForm>
                    <FormError error=unfreeze_error />
                }.into_any(),
                None => view! {
                    <p>"An emergency stop: every agent's calls are refused (HTTP 423) until the freeze is lifted."</p>
                    <ActionForm action=freeze_all>
                        <label for="global-freeze-reason">"Reason (shown to people and to the refused agents)"</label>
                        <div class="inline-row">
                            <input id="global-freeze-reason" type="text" name="reason" required maxlength="500"
                                placeholder="e.g. incident INC-142: refunds misfiring" />
                            <button type="submit" class="button-danger"
                                on:click=confirm_first("Freeze ALL agents? Every agent call is refused until the freeze is lifted.")>
                                "Freeze all agents"
                            </button>
                        </div>
                        <FieldError error=freeze_error field="reason" />
                        <FormError error=freeze_error />
                    </ActionForm>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn NewAgentForm(create: ServerAction<CreateAgent>) -> impl IntoView {
    let error = last_error(create);
    let issued = move || create.value().get().and_then(Result::ok);
    view! {
        <section class="form-card" aria-labelledby="new-agent-heading">
            <h2 id="new-agent-heading">"New agent"</h2>
            {move || issued().map(|issued| {
                let href = format!("/agents/{}", issued.agent.name);
                view! {
                    <ShownOnceKey agent=issued.agent.name.clone() api_key=issued.api_key />
                    <p>
                        "Next: " <A href=href>{format!("bind a policy to {}", issued.agent.name)}</A> "."
                    </p>
                }
            })}
            <ActionForm action=create>
                <div class="form-grid">
                    <div>
                        <label for="agent-name">"Name (a-z, 0-9, - _ .)"</label>
                        <input id="agent-name" type="text" name="name" required maxlength="64" placeholder="refund-bot" />
                        <FieldError error field="name" />
                    </div>
                    <div>
                        <label for="agent-team">"Owner team"</label>
                        <input id="agent-team" type="text" name="owner_team" maxlength="100" placeholder="payments" />
                        <FieldError error field="owner_team" />
                    </div>
                    <div>
                        <label for="agent-description">"Description"</label>
                        <input id="agent-description" type="text" name="description" maxlength="500" placeholder="What this agent does" />
                        <FieldError error field="description" />
                    </div>
                </div>
                <FormError error />
                <button type="submit" class="button-primary" disabled=move || create.pending().get()>"Create agent and key"</button>
            </ActionForm>
        </section>
    }
}
