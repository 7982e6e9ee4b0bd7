use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};

use crate::{
    api::{
        approvals::pending_approval_count,
        auth::{who_am_i, Logout},
    },
    components::{go_to, RoleBadge},
    model::{CurrentUser, Permission},
};

/// How often the navigation's count of waiting approval requests is refreshed.
const COUNT_REFRESH: std::time::Duration = std::time::Duration::from_secs(10);

/// The signed-in person, loaded once per page and shared with every page below the layout.
pub type UserResource = Resource<Result<Option<CurrentUser>, crate::error::AppError>>;

/// Navigation and the signed-in person around every page but sign-in and setup.
#[component]
pub fn SignedInLayout() -> impl IntoView {
    let user: UserResource = Resource::new(|| (), |_| who_am_i());
    provide_context(user);
    let waiting = waiting_approvals();
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="top-bar">
            <A href="/" attr:class="brand">"Verdict"</A>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(person)) => view! { <TopNavigation person waiting /> }.into_any(),
                        Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(error) => view! { <p class="notice notice-error">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </header>
        <main id="main" class="page">
            <Outlet />
        </main>
    }
}

/// The number of approval requests waiting for an answer, known only in the browser.
///
/// It is deliberately not rendered on the server. Every version that was (a resource awaited
/// with the person, a `Transition` inside the link) made some pages fail to hydrate now and then:
/// suspense boundaries and resources take hydration ids in creation order, and the server
/// resolves the navigation and the page concurrently. A plain signal filled after hydration
/// keeps both renders identical: no count at all until the browser asks.
fn waiting_approvals() -> ReadSignal<Option<i64>> {
    let (waiting, set_waiting) = signal(None::<i64>);
    Effect::new(move |_| {
        let refresh = move || {
            leptos::task::spawn_local(async move {
                if let Ok(count) = pending_approval_count().await {
                    set_waiting.set(Some(count));
                }
            });
        };
        refresh();
        if let Ok(handle) = set_interval_with_handle(refresh, COUNT_REFRESH) {
            on_cleanup(move || handle.clear());
        }
    });
    waiting
}

#[component]
fn TopNavigation(person: CurrentUser, waiting: ReadSignal<Option<i64>>) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            go_to("/login");
        }
    });
    let is_admin = person.role.allows(Permission::Administer);
    view! {
        <nav aria-label="Main">
            <ul class="nav-links">
                <li><A href="/policies">"Policies"</A></li>
                <li><A href="/agents">"Agents"</A></li>
                <li>
                    <A href="/approvals">
                        "Approvals"
                        {move || waiting.get().filter(|count| *count > 0).map(|count| view! {
                            " " <span class="badge nav-count" data-testid="nav-pending-count" aria-label=format!("{count} waiting")>{count}</span>
                        })}
                    </A>
                </li>
                <li><A href="/traces">"Traces"</A></li>
                <li><A href="/api-reference">"API"</A></li>
                <li><A href="/audit">"Audit"</A></li>
                <Show when=move || is_admin>
                    <li><A href="/users">"Users"</A></li>
                </Show>
            </ul>
        </nav>
        <div class="who">
            <A href="/profile" attr:class="who-name">{person.display_name.clone()}</A>
            <RoleBadge role=person.role />
            <ActionForm action=logout attr:class="inline-form">
                <button type="submit" class="button-quiet">"Sign out"</button>
            </ActionForm>
        </div>
    }
}
