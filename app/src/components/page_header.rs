use leptos::prelude::*;
use leptos_meta::Title;

/// The header every page has: its title, one sentence on what it is for, and its primary action.
#[component]
pub fn PageHeader(
    title: &'static str,
    summary: &'static str,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <Title text=title />
        <header class="page-header">
            <div>
                <h1>{title}</h1>
                <p class="page-summary">{summary}</p>
            </div>
            <div class="page-actions">{children.map(|children| children())}</div>
        </header>
    }
}
