use std::cmp::Reverse;

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    api::policies::{list_policies, CreatePolicy},
    components::{go_to, last_error, FieldError, FormError, PageHeader, UtcTime},
    model::{Permission, PolicySummary},
    pages::{layout::UserResource, refusal::Refusal},
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
                    Ok(list) => {
                        let query = use_query_map().get_untracked();
                        let view_of = ListView {
                            text: query.get("q").unwrap_or_default(),
                            status: query.get("status").unwrap_or_default(),
                            sort: query.get("sort").unwrap_or_default(),
                        };
                        let shown = view_of.apply(list);
                        view! { <ListFilters view_of=view_of.clone() /> <PoliciesTable list=shown /> }.into_any()
                    }
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

/// What the list shows: a text filter, a status filter and a sort, all kept in the URL so a
/// view can be shared and works without JavaScript (a plain GET form).
#[derive(Debug, Clone, Default, PartialEq)]
struct ListView {
    text: String,
    status: String,
    sort: String,
}

impl ListView {
    fn apply(&self, list: Vec<PolicySummary>) -> Vec<PolicySummary> {
        let needle = self.text.trim().to_lowercase();
        let mut shown: Vec<PolicySummary> = list
            .into_iter()
            .filter(|policy| self.status.is_empty() || policy.status.as_str() == self.status)
            .filter(|policy| {
                needle.is_empty()
                    || [
                        Some(&policy.id),
                        policy.description.as_ref(),
                        policy.owner.as_ref(),
                    ]
                    .into_iter()
                    .flatten()
                    .any(|text| text.to_lowercase().contains(&needle))
            })
            .collect();
        match self.sort.as_str() {
            "evaluations" => shown.sort_by_key(|policy| Reverse(policy.evaluations_24h)),
            "last_evaluated" => shown.sort_by_key(|policy| Reverse(policy.last_evaluated_at)),
            "agents" => shown.sort_by_key(|policy| Reverse(policy.bound_agents)),
            _ => shown.sort_by(|a, b| a.id.cmp(&b.id)),
        }
        shown
    }
}

#[component]
fn ListFilters(view_of: ListView) -> impl IntoView {
    let status_option = move |value: &'static str, label: &'static str| {
        let selected = view_of.status == value;
        view! { <option value=value selected=selected>{label}</option> }
    };
    view! {
        <form method="get" action="/policies" class="filters" role="search">
            <label for="policy-filter">"Filter"</label>
            <input id="policy-filter" name="q" type="search" value=view_of.text.clone() placeholder="id, description or owner" />
            <label for="policy-status">"Status"</label>
            <select id="policy-status" name="status">
                {status_option("", "Any")}
                {status_option("draft", "Draft")}
                {status_option("published", "Published")}
                {status_option("archived", "Archived")}
            </select>
            <label for="policy-sort">"Sort by"</label>
            <select id="policy-sort" name="sort">
                <option value="id" selected=view_of.sort.is_empty() || view_of.sort == "id">"Policy id"</option>
                <option value="evaluations" selected=view_of.sort == "evaluations">"Evaluations (24 h)"</option>
                <option value="last_evaluated" selected=view_of.sort == "last_evaluated">"Last evaluated"</option>
                <option value="agents" selected=view_of.sort == "agents">"Bound agents"</option>
            </select>
            <button type="submit">"Apply"</button>
        </form>
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
                        <th scope="col" class="num">"Agents"</th>
                        <th scope="col" class="num">"Evaluations (24 h)"</th>
                        <th scope="col">"Last evaluated"</th>
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
                                    <td class="num">{policy.bound_agents}</td>
                                    <td class="num">{policy.evaluations_24h}</td>
                                    <td>
                                        {match policy.last_evaluated_at {
                                            Some(at) => view! { <UtcTime unix_millis=at /> }.into_any(),
                                            None => view! { <span class="muted">"never"</span> }.into_any(),
                                        }}
                                    </td>
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PolicyStatus;

    fn policy(id: &str, status: PolicyStatus, evaluations_24h: i64) -> PolicySummary {
        PolicySummary {
            id: id.to_owned(),
            description: Some(format!("{id} rules")),
            owner: Some("finance".to_owned()),
            status,
            latest_version: None,
            latest_hash: None,
            has_draft_changes: false,
            draft_updated_at: 0,
            bound_agents: 0,
            evaluations_24h,
            last_evaluated_at: None,
        }
    }

    #[test]
    fn the_list_filters_by_text_and_status_and_sorts() {
        let list = vec![
            policy("refunds", PolicyStatus::Published, 5),
            policy("discounts", PolicyStatus::Published, 9),
            policy("pii", PolicyStatus::Draft, 0),
        ];
        let by = |text: &str, status: &str, sort: &str| -> Vec<String> {
            ListView {
                text: text.into(),
                status: status.into(),
                sort: sort.into(),
            }
            .apply(list.clone())
            .into_iter()
            .map(|policy| policy.id)
            .collect()
        };

        assert_eq!(by("", "", ""), ["discounts", "pii", "refunds"]);
        assert_eq!(by("REFUND", "", ""), ["refunds"]);
        assert_eq!(by("", "draft", ""), ["pii"]);
        assert_eq!(by("", "published", "evaluations"), ["discounts", "refunds"]);
        assert_eq!(by("finance", "archived", ""), Vec::<String>::new());
    }
}
