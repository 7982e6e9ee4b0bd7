use leptos::prelude::*;

/// A secret (API key, access token) just issued: shown this once, in a box it can be copied
/// from; `children` say what it is and what to do with it.
#[component]
pub fn ShownOnceSecret(
    #[prop(into)] secret: Signal<String>,
    test_id: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="notice notice-success key-once" role="status">
            <p>{children()}</p>
            <code class="secret" data-testid=test_id>{move || secret.get()}</code>
        </div>
    }
}
