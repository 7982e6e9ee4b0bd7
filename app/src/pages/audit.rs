use leptos::prelude::*;
use leptos_router::{hooks::use_query_map, params::ParamsMap};
use serde_json::Value;

use crate::{
    api::audit::load_audit,
    components::{PageHeader, UtcTime},
    model::{AuditRecord, AUDIT_AREAS},
    pages::url_query::{query_text, ListError, Pager},
};

/// Every admin action, newest first: who did what to which record, when, and the record before
/// and after. The filter is a plain GET form, so a view is a link.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new(move || query_text(&query.read()), load_audit);
    view! {
        <PageHeader title="Audit log" summary="Every change to people, tokens, agents, keys, bindings, freezes and policies, with who made it." />
        <AuditFilterForm query=query.get_untracked() />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! {
                        {if page.entries.is_empty() {
                            view! { <p class="empty-state">"No admin action matches this filter."</p> }.into_any()
                        } else {
                            view! { <AuditTable entries=page.entries /> }.into_any()
                        }}
                        <Pager path="/audit" query=query.get_untracked() next_cursor=page.next_cursor older="Older entries →" />
                    }.into_any(),
                    Err(error) => view! { <ListError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AuditFilterForm(query: ParamsMap) -> impl IntoView {
    let area = query.get("area").unwrap_or_default();
    let actor = query.get("actor").unwrap_or_default();
    view! {
        <form method="get" action="/audit" class="filters" role="search" aria-label="Filter the audit log">
            <label>
                "Area "
                <select name="area">
                    <option value="">"all"</option>
                    {AUDIT_AREAS.iter().map(|choice| view! {
                        <option value=*choice selected=area == *choice>{*choice}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"By " <input type="email" name="actor" value=actor placeholder="email" /></label>
            <button type="submit">"Filter"</button>
            <a href="/audit">"Clear"</a>
        </form>
    }
}

#[component]
fn AuditTable(entries: Vec<AuditRecord>) -> impl IntoView {
    view! {
        // Focusable, so a keyboard can scroll it when long values make it wider than the page.
        <div class="table-wrap" tabindex="0" role="region" aria-label="Admin actions">
            <table class="audit">
                <caption class="visually-hidden">"Admin actions, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Target"</th>
                        <th scope="col">"Before"</th>
                        <th scope="col">"After"</th>
                    </tr>
                </thead>
                <tbody>
                    {entries.into_iter().map(|entry| view! {
                        <tr>
                            <td><UtcTime unix_millis=entry.at /></td>
                            <td>{entry.actor}</td>
                            <td class="mono">{entry.action}</td>
                            <td class="mono">{entry.target}</td>
                            <td><RecordState state=entry.before /></td>
                            <td><RecordState state=entry.after /></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// A record's state as compact JSON, or a dash when there was none (created, or deleted).
#[component]
fn RecordState(state: Option<Value>) -> impl IntoView {
    match state {
        Some(state) => view! { <code class="audit-state">{state.to_string()}</code> }.into_any(),
        None => view! { <span class="muted">"—"</span> }.into_any(),
    }
}
