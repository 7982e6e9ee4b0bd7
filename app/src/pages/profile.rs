use leptos::prelude::*;

use crate::{
    api::tokens::{list_tokens, CreateToken, RevokeToken},
    components::{
        confirm_first, last_error, FieldError, FormError, PageHeader, RoleBadge, ShownOnceSecret,
        UtcTime,
    },
    model::TokenSummary,
    pages::{layout::UserResource, refusal::Refusal},
};

/// The signed-in person's account and personal access tokens.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let user = expect_context::<UserResource>();
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_tokens(),
    );
    view! {
        <PageHeader title="Your profile" summary="Your account, and the personal access tokens your scripts use on the JSON API." />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                user.await.ok().flatten().map(|person| view! {
                    <dl class="facts">
                        <dt>"Name"</dt><dd>{person.display_name}</dd>
                        <dt>"Email"</dt><dd class="mono">{person.email}</dd>
                        <dt>"Role"</dt><dd><RoleBadge role=person.role /></dd>
                    </dl>
                })
            })}
        </Suspense>
        <h2>"Personal access tokens"</h2>
        <p>"A token acts as you, with your role, on " <code>"/api/v1"</code> " (send " <code>"Authorization: Bearer vp_…"</code> "). It never opens HTML pages."</p>
        <NewTokenForm create />
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match tokens.await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="empty-state">"No tokens yet — create one above for a script or CI job."</p>
                    }.into_any(),
                    Ok(list) => view! { <TokensTable list revoke /> }.into_any(),
                    Err(error) => view! { <Refusal error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NewTokenForm(create: ServerAction<CreateToken>) -> impl IntoView {
    let error = last_error(create);
    let shown_once = move || {
        create
            .value()
            .get()
            .and_then(Result::ok)
            .map(|created| created.token)
    };
    view! {
        <section class="form-card" aria-labelledby="new-token-heading">
            <h3 id="new-token-heading">"Create a token"</h3>
            <Show when=move || shown_once().is_some()>
                <ShownOnceSecret secret=Signal::derive(move || shown_once().unwrap_or_default()) test_id="new-token">
                    "Copy this token now; it is shown only once:"
                </ShownOnceSecret>
            </Show>
            <ActionForm action=create>
                <div class="form-grid">
                    <div>
                        <label for="token-name">"Name"</label>
                        <input id="token-name" type="text" name="name" placeholder="e.g. CI publish job" required />
                        <FieldError error field="name" />
                    </div>
                    <div>
                        <label for="token-expiry">"Expires after (days, optional)"</label>
                        <input id="token-expiry" type="number" name="expires_in_days" min="1" max="3650" />
                        <FieldError error field="expires_in_days" />
                    </div>
                </div>
                <FormError error />
                <button type="submit" class="button-primary">"Create token"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn TokensTable(list: Vec<TokenSummary>, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"Your personal access tokens"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Token"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col">"Status"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|token| {
                            let id = token.id.clone();
                            view! {
                                <tr>
                                    <td>{token.name}</td>
                                    <td class="mono">{format!("{}…", token.prefix)}</td>
                                    <td><UtcTime unix_millis=token.created_at /></td>
                                    <td>{token.expires_at.map(|at| view! { <UtcTime unix_millis=at /> }.into_any()).unwrap_or_else(|| "never".into_any())}</td>
                                    <td>{token.last_used_at.map(|at| view! { <UtcTime unix_millis=at /> }.into_any()).unwrap_or_else(|| "never".into_any())}</td>
                                    <td>
                                        {if token.revoked {
                                            view! { <span class="badge status-inactive">"revoked"</span> }.into_any()
                                        } else {
                                            view! {
                                                <ActionForm action=revoke attr:class="inline-form">
                                                    <input type="hidden" name="token_id" value=id />
                                                    <button type="submit" class="button-danger"
                                                        on:click=confirm_first("Revoke this token? Scripts using it stop working at once.")>
                                                        "Revoke"
                                                    </button>
                                                </ActionForm>
                                            }.into_any()
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
