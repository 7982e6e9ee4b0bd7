use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::{
    api::auth::{who_am_i, Login},
    components::{go_to, last_error, FieldError, FormError},
};

#[component]
pub fn LoginPage() -> impl IntoView {
    let signed_in = Resource::new(|| (), |_| who_am_i());
    let login = ServerAction::<Login>::new();
    let error = last_error(login);
    Effect::new(move |_| {
        if let Some(Ok(_)) = login.value().get() {
            go_to("/");
        }
    });
    view! {
        <Title text="Sign in" />
        <main id="main" class="auth-page">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    matches!(signed_in.await, Ok(Some(_))).then(|| view! { <Redirect path="/" /> })
                })}
            </Suspense>
            <section class="auth-card">
                <h1>"Sign in to Verdict"</h1>
                <p class="page-summary">"Decide, in advance and on the record, what your AI agents may do."</p>
                <ActionForm action=login>
                    <label for="email">"Email"</label>
                    <input id="email" type="email" name="email" autocomplete="username" required />
                    <FieldError error field="email" />
                    <label for="password">"Password"</label>
                    <input id="password" type="password" name="password" autocomplete="current-password" required />
                    <FieldError error field="password" />
                    <FormError error />
                    <button type="submit" class="button-primary" disabled=move || login.pending().get()>
                        "Sign in"
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}
