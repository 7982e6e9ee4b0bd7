use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    api::policies::{list_policies, CreatePolicy},
    components::{go_to, last_error, FieldError, FormError, PageHeader, UtcTime},
    model::{Permission, PolicySummary},
    pages::{forbidden::Refusal, layout::UserResource},
    policies::TEMPLATES,
};

#[component]
pub fn PoliciesPage() -> impl IntoView {
    let user = expect_context::<UserResource>();
    let policies = Resource::new(|| (), |_| list_policies());
    view! {
        <PageHeader title="Policies" summary="The rules that decide what agents may do, as versioned YAML." />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let can_author = matches!(user.await, Ok(Some(person)) if person.role.allows(Permission::AuthorPolicies));
                can_author.then(|| view! { <NewPolicyForm /> })
            })}
        </Suspense>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match policies.await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="empty-state">"No policies yet — start from a template above."</p>
                    }.into_any(),
                    Ok(list) => view! { <PoliciesTable list /> }.into_any(),
                    Err(error) => view! { <Refusal error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn NewPolicyForm() -> impl IntoView {
    let create = ServerAction::<CreatePolicy>::new();
    let error = last_error(create);
    Effect::new(move |_| {
        if let Some(Ok(draft)) = create.value().get() {
            go_to(&format!("/policies/{}/edit", draft.id));
        }
    });
    view! {
        <section class="form-card" aria-labelledby="new-policy-heading">
            <h2 id="new-policy-heading">"New policy"</h2>
            <ActionForm action=create>
                <div class="form-grid">
                    <div>
                        <label for="policy-id">"Policy id (a-z, 0-9, _ . -)"</label>
                        <input id="policy-id" name="id" type="text" required placeholder="refund_limit_eu" />
                        <FieldError error field="id" />
                    </div>
                    <div>
                        <label for="policy-template">"Start from"</label>
                        <select id="policy-template" name="template">
                            <option value="">"A blank policy"</option>
                            {TEMPLATES
                                .iter()
                                .map(|template| view! { <option value=template.key>{template.title}</option> })
                                .collect_view()}
                        </select>
                    </div>
                </div>
                <FormError error />
                <button type="submit" class="button-primary">"Create draft"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn PoliciesTable(list: Vec<PolicySummary>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"Policies"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Policy"</th>
                        <th scope="col">"Description"</th>
                        <th scope="col">"Owner"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col" class="num">"Version"</th>
                        <th scope="col">"Hash"</th>
                        <th scope="col">"Draft saved"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|policy| {
                            let edit = format!("/policies/{}/edit", policy.id);
                            let history = format!("/policies/{}/versions", policy.id);
                            let hash_title = policy.latest_hash.clone().unwrap_or_default();
                            let hash_short = policy.latest_hash.as_deref().map(|hash| hash[..12.min(hash.len())].to_owned());
                            view! {
                                <tr>
                                    <td class="mono"><A href=edit>{policy.id.clone()}</A></td>
                                    <td>{policy.description.clone().unwrap_or_default()}</td>
                                    <td>{policy.owner.clone().unwrap_or_default()}</td>
                                    <td>
                                        <span class=format!("badge status-{}", policy.status.as_str())>{policy.status.as_str()}</span>
                                        {policy.has_draft_changes.then(|| view! { " " <span class="badge draft-marker">"draft changes"</span> })}
                                    </td>
                                    <td class="num">
                                        {policy.latest_version.map(|version| view! { <A href=history.clone()>{format!("v{version}")}</A> })}
                                    </td>
                                    <td class="mono" title=hash_title>{hash_short}</td>
                                    <td><UtcTime unix_millis=policy.draft_updated_at /></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
