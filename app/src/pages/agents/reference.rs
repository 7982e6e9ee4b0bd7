use leptos::prelude::*;

use crate::{
    api::agents::load_api_reference,
    components::PageHeader,
    model::{ApiField, ApiOperation, ApiReference},
    pages::refusal::Refusal,
};

/// The JSON API, read from the OpenAPI document the server serves: every operation, its body
/// fields, its answers and a curl command to start from.
#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let reference = Resource::new(|| (), |_| load_api_reference());
    view! {
        <PageHeader title="API reference" summary="What agents and scripts send to Verdict's JSON API, and what comes back.">
            <a href="/api/v1/openapi.json" class="button-link">"OpenAPI document"</a>
        </PageHeader>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match reference.await {
                    Ok(reference) => view! { <Reference reference /> }.into_any(),
                    Err(error) => view! { <Refusal error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Text whose `backticked` parts are code, as the OpenAPI descriptions write them.
#[component]
fn Prose(text: String) -> impl IntoView {
    text.split('`')
        .enumerate()
        .map(|(index, part)| {
            if index % 2 == 1 {
                view! { <code>{part.to_owned()}</code> }.into_any()
            } else {
                part.to_owned().into_any()
            }
        })
        .collect_view()
}

fn anchor(operation: &ApiOperation) -> String {
    let path: String = operation
        .path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("op-{}{}", operation.method.to_lowercase(), path)
}

#[component]
fn Reference(reference: ApiReference) -> impl IntoView {
    let base = reference.base_path.clone();
    view! {
        <section class="api-intro">
            <p><Prose text=reference.description.clone() /></p>
            <p>
                "Paths below start at " <code>{format!("$VERDICT_URL{base}")}</code>
                ". Set " <code>"VERDICT_URL"</code> " to this server's address, "
                <code>"VERDICT_AGENT_KEY"</code> " to an agent's key (" <code>"vk_…"</code> ", from the Agents page) and "
                <code>"VERDICT_TOKEN"</code> " to a personal access token (" <code>"vp_…"</code> ", from your profile)."
                " Version " {reference.version.clone()} "."
            </p>
        </section>
        <nav class="api-toc" aria-label="Operations">
            {reference
                .groups
                .iter()
                .map(|group| view! {
                    <div>
                        <h2 class="api-toc-tag">{group.tag.clone()}</h2>
                        <ul>
                            {group
                                .operations
                                .iter()
                                .map(|operation| view! {
                                    <li>
                                        <a href=format!("#{}", anchor(operation))>
                                            <span class=format!("method method-{}", operation.method.to_lowercase())>{operation.method.clone()}</span>
                                            " " <span class="mono">{operation.path.clone()}</span>
                                        </a>
                                    </li>
                                })
                                .collect_view()}
                        </ul>
                    </div>
                })
                .collect_view()}
        </nav>
        {reference
            .groups
            .into_iter()
            .map(|group| {
                let heading = format!("api-group-{}", group.tag);
                let labelled_by = heading.clone();
                view! {
                    <section class="api-group" aria-labelledby=labelled_by>
                        <h2 id=heading>{group.tag.clone()}</h2>
                        <p class="muted"><Prose text=group.description.clone() /></p>
                        {group
                            .operations
                            .into_iter()
                            .map(|operation| view! { <Operation operation /> })
                            .collect_view()}
                    </section>
                }
            })
            .collect_view()}
    }
}

#[component]
fn Operation(operation: ApiOperation) -> impl IntoView {
    let id = anchor(&operation);
    let method_class = format!("method method-{}", operation.method.to_lowercase());
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <article class="api-operation" id=id aria-labelledby=labelled_by>
            <h3 id=title_id>
                <span class=method_class>{operation.method.clone()}</span>
                " " <span class="mono">{operation.path.clone()}</span>
                " " <span class="muted api-operation-id">{operation.operation_id.clone()}</span>
            </h3>
            {operation.summary.clone().map(|summary| view! { <p><Prose text=summary /></p> })}
            {operation.description.clone().map(|description| view! { <p><Prose text=description /></p> })}
            {(!operation.auth.is_empty()).then(|| view! {
                <p class="muted">"Credentials: " <Prose text=operation.auth.join(" or ") /></p>
            })}
            {(!operation.parameters.is_empty()).then(|| view! {
                <FieldsTable caption="Parameters" fields=operation.parameters.clone() />
            })}
            {operation.body_schema.clone().map(|schema| view! {
                <p class="api-body-title">"Request body " <code>{schema}</code> " (JSON)"</p>
            })}
            {(!operation.body_fields.is_empty()).then(|| view! {
                <FieldsTable caption="Request body fields" fields=operation.body_fields.clone() />
            })}
            <p class="api-body-title">"Responses"</p>
            <ul class="api-responses">
                {operation
                    .responses
                    .iter()
                    .map(|response| {
                        let class = match response.status.chars().next() {
                            Some('2') => "badge status-active",
                            Some('4') | Some('5') => "badge status-inactive",
                            _ => "badge",
                        };
                        view! {
                            <li><span class=class>{response.status.clone()}</span> " " <Prose text=response.description.clone() /></li>
                        }
                    })
                    .collect_view()}
            </ul>
            <p class="api-body-title">"Example"</p>
            <pre class="code-view curl" data-testid="curl"><code>{operation.curl.clone()}</code></pre>
        </article>
    }
}

#[component]
fn FieldsTable(caption: &'static str, fields: Vec<ApiField>) -> impl IntoView {
    view! {
        <div class="table-wrap api-fields">
            <table>
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"In"</th>
                        <th scope="col">"Type"</th>
                        <th scope="col">"Required"</th>
                        <th scope="col">"Description"</th>
                    </tr>
                </thead>
                <tbody>
                    {fields
                        .into_iter()
                        .map(|field| view! {
                            <tr>
                                <td class="mono">{field.name}</td>
                                <td>{field.location}</td>
                                <td class="mono">{field.type_name}</td>
                                <td>{if field.required { "required" } else { "optional" }}</td>
                                <td><Prose text=field.description /></td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
