use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};

use crate::{
    api::{
        approvals::pending_approval_count,
        auth::{who_am_i, Logout},
    },
    components::{every_while_shown, go_to, RoleBadge},
    error::AppError,
    model::{CurrentUser, Permission},
};

/// How often the navigation asks again how many approval requests wait.
const COUNT_REFRESH: std::time::Duration = std::time::Duration::from_secs(10);

/// The signed-in person, loaded once per page and shared with every page below the layout.
pub type UserResource = Resource<Result<Option<CurrentUser>, AppError>>;

/// Navigation and the signed-in person around every page but sign-in and setup.
#[component]
pub fn SignedInLayout() -> impl IntoView {
    let user: UserResource = Resource::new(|| (), |_| who_am_i());
    provide_context(user);
    // Made here with the person, before any suspense boundary: the server builds a boundary's
    // children at a moment that depends on timing (sometimes more than once), so a resource made
    // there would take a different hydration number on the server than in the browser.
    let waiting = WaitingApprovals::new();
    provide_context(waiting);
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="top-bar">
            <A href="/" attr:class="brand">"Verdict"</A>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(person)) => {
                            let rendered = waiting.rendered.await.ok();
                            view! { <TopNavigation person waiting rendered /> }.into_any()
                        }
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

/// How many approval requests wait for an answer: the server renders the count, then the browser
/// asks again every few seconds.
///
/// The refreshed count lives in a plain signal rather than in the resource refetching: a
/// resource loading again under the navigation's suspense boundary would blank the navigation
/// while it loads, and a nested boundary to avoid that takes a hydration number on the server at
/// a moment that depends on timing, shifting the numbers of the page's own resources.
#[derive(Clone, Copy)]
pub struct WaitingApprovals {
    rendered: Resource<Result<i64, AppError>>,
    refreshed: RwSignal<Option<i64>>,
}

impl WaitingApprovals {
    fn new() -> Self {
        let rendered = Resource::new(|| (), |_| pending_approval_count());
        let refreshed = RwSignal::new(None);
        let waiting = Self {
            rendered,
            refreshed,
        };
        // Only in the browser, after hydration: both renders start from `rendered`.
        every_while_shown(COUNT_REFRESH, move || waiting.refresh());
        waiting
    }

    /// Asks for the count now, e.g. right after this person answered a request.
    pub fn refresh(self) {
        leptos::task::spawn_local(async move {
            if let Ok(count) = pending_approval_count().await {
                self.refreshed.set(Some(count));
            }
        });
    }
}

#[component]
fn TopNavigation(
    person: CurrentUser,
    waiting: WaitingApprovals,
    rendered: Option<i64>,
) -> impl IntoView {
    let latest = move || waiting.refreshed.get().or(rendered);
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
                <li><A href="/products">"Products"</A></li>
                <li>
                    <A href="/approvals">
                        "Approvals"
                        {move || latest().filter(|count| *count > 0).map(|count| view! {
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
