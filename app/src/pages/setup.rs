use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::auth::{setup_status, SetupFirstAdmin},
    components::{go_to, last_error, FieldError, FormError},
    error::AppError,
    pages::refusal::Refusal,
};

/// First run: creates the first admin, then stops existing.
#[component]
pub fn SetupPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with(|query| query.get("token").unwrap_or_default());
    let open = Resource::new(token, setup_status);
    view! {
        <Title text="Set up Verdict" />
        <main id="main" class="auth-page">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match open.await {
                        Ok(true) => view! { <SetupForm token=token() /> }.into_any(),
                        Ok(false) => view! {
                            <Refusal error=AppError::not_found(
                                "Setup is complete, or this setup link is not valid.",
                            ) />
                            <p><a href="/login">"Sign in"</a></p>
                        }.into_any(),
                        Err(error) => view! { <Refusal error /> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn SetupForm(token: String) -> impl IntoView {
    let setup = ServerAction::<SetupFirstAdmin>::new();
    let error = last_error(setup);
    Effect::new(move |_| {
        if let Some(Ok(())) = setup.value().get() {
            go_to("/");
        }
    });
    view! {
        <section class="auth-card">
            <h1>"Create the first admin"</h1>
            <p class="page-summary">
                "This page works once: the person created here can then add everyone else."
            </p>
            <ActionForm action=setup>
                <input type="hidden" name="token" value=token />
                <label for="email">"Email"</label>
                <input id="email" type="email" name="email" autocomplete="username" required />
                <FieldError error field="email" />
                <label for="display_name">"Name"</label>
                <input id="display_name" type="text" name="display_name" autocomplete="name" required />
                <FieldError error field="display_name" />
                <label for="password">"Password (at least 12 characters)"</label>
                <input id="password" type="password" name="password" autocomplete="new-password" required minlength="12" />
                <FieldError error field="password" />
                <FormError error />
                <button type="submit" class="button-primary" disabled=move || setup.pending().get()>
                    "Create admin and sign in"
                </button>
            </ActionForm>
        </section>
    }
}
