use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};

use crate::{
    api::auth::{who_am_i, Logout},
    components::{go_to, RoleBadge},
    model::{CurrentUser, Permission},
};

/// The signed-in person, loaded once per page and shared with every page below the layout.
pub type UserResource = Resource<Result<Option<CurrentUser>, crate::error::AppError>>;

/// Navigation and the signed-in person around every page but sign-in and setup.
#[component]
pub fn SignedInLayout() -> impl IntoView {
    let user: UserResource = Resource::new(|| (), |_| who_am_i());
    provide_context(user);
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="top-bar">
            <A href="/" attr:class="brand">"Verdict"</A>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(person)) => view! { <TopNavigation person /> }.into_any(),
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

#[component]
fn TopNavigation(person: CurrentUser) -> impl IntoView {
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
