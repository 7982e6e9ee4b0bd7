use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use crate::{
    api::policies::{load_policy_version, policy_versions, version_diff},
    components::{DiffView, PageHeader, UtcTime},
    model::PolicyVersionSummary,
    pages::refusal::Refusal,
};

use super::code_editor::CodeEditor;

/// Every published version, any one read-only, and a diff between any two.
#[component]
pub fn PolicyHistoryPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let number = move |key: &str| {
        query
            .read()
            .get(key)
            .and_then(|value| value.parse::<i64>().ok())
    };
    let versions = Resource::new(id, policy_versions);
    let shown = Resource::new(
        move || (id(), number("view")),
        |(id, version)| async move {
            match version {
                Some(version) => load_policy_version(id, version).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let diff = Resource::new(
        move || (id(), number("from"), number("to")),
        |(id, from, to)| async move {
            match (from, to) {
                (Some(from), Some(to)) => version_diff(id, from, to).await.map(Some),
                _ => Ok(None),
            }
        },
    );
    view! {
        <PageHeader title="Policy history" summary="Every published version of this policy; published versions never change." />
        <p><A href=move || format!("/policies/{}/edit", id())>"Back to the editor"</A></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match versions.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty-state">"Not published yet — publish the draft from the editor."</p> }.into_any(),
                    Ok(list) => view! { <VersionsTable list /> }.into_any(),
                    Err(error) => view! { <Refusal error /> }.into_any(),
                }
            })}
        </Suspense>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                diff.await.ok().flatten().map(|lines| view! {
                    <h2>"Diff"</h2>
                    <DiffView lines />
                })
            })}
        </Suspense>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match shown.await {
                    Ok(Some(version)) => view! {
                        <h2 id="version-heading">{format!("Version {} (read-only)", version.summary.version)}</h2>
                        <p class="mono" title=version.summary.content_hash.clone()>{format!("sha256 {}", version.summary.content_hash)}</p>
                        <CodeEditor id="version-source" text=version.source read_only=true labelled_by="version-heading" />
                    }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(error) => view! { <Refusal error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn VersionsTable(list: Vec<PolicyVersionSummary>) -> impl IntoView {
    let newest = list.first().map(|version| version.version).unwrap_or(1);
    let previous = (newest - 1).max(1);
    view! {
        <form method="get" class="inline-form diff-form">
            <label for="diff-from">"Diff from"</label>
            <input id="diff-from" type="number" name="from" min="1" value=previous.to_string() />
            <label for="diff-to">"to"</label>
            <input id="diff-to" type="number" name="to" min="1" value=newest.to_string() />
            <button type="submit" class="button-quiet">"Show diff"</button>
        </form>
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"Published versions"</caption>
                <thead>
                    <tr>
                        <th scope="col" class="num">"Version"</th>
                        <th scope="col">"Hash"</th>
                        <th scope="col">"Published by"</th>
                        <th scope="col">"When"</th>
                        <th scope="col">"Change note"</th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|version| {
                        let hash_title = version.content_hash.clone();
                        view! {
                            <tr>
                                <td class="num"><a href=format!("?view={}", version.version)>{format!("v{}", version.version)}</a></td>
                                <td class="mono" title=hash_title>{version.content_hash[..12].to_owned()}</td>
                                <td>{version.published_by}</td>
                                <td><UtcTime unix_millis=version.published_at /></td>
                                <td>{version.change_note}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
