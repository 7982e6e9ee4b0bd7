use std::collections::HashMap;

use leptos::prelude::*;

use crate::{
    api::users::{list_users, ChangeRole, CreateUser, ResetPassword, SetUserActive},
    components::{
        confirm_first, last_error, FieldError, FormError, PageHeader, RoleBadge, UtcTime,
    },
    model::{Permission, Role, UserSummary},
    pages::{layout::UserResource, refusal::Refusal},
};

/// Admins add people, change roles, reset passwords and deactivate accounts.
#[component]
pub fn UsersPage() -> impl IntoView {
    let user = expect_context::<UserResource>();
    let create = ServerAction::<CreateUser>::new();
    let change_role = ServerAction::<ChangeRole>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    let users = Resource::new(
        move || {
            (
                create.version().get(),
                change_role.version().get(),
                set_active.version().get(),
            )
        },
        |_| list_users(),
    );
    let row_error = Signal::derive(move || {
        [
            last_error(change_role).get(),
            last_error(reset).get(),
            last_error(set_active).get(),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    let reset_done = move || matches!(reset.value().get(), Some(Ok(())));
    let picked = PickedRoles::default();
    // A row's pick is spent once its change is stored; the reloaded list shows the stored role.
    Effect::new(move |_| {
        if let Some(Ok(changed)) = change_role.value().get() {
            picked.0.update(|roles| {
                roles.remove(&changed.id.0);
            });
        }
    });

    view! {
        <PageHeader title="Users" summary="The people who use Verdict and the one role each has." />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(list) => view! {
                        <FormError error=row_error />
                        <Show when=reset_done>
                            <p class="notice notice-success" role="status">"Password reset; their sessions have ended."</p>
                        </Show>
                        <UsersTable list picked change_role reset set_active />
                    }.into_any(),
                    Err(error) => view! { <Refusal error /> }.into_any(),
                }
            })}
        </Transition>
        // Outside the list's Transition, as on the agents page: the list reloads after every
        // attempt to add someone, and a form inside it was rebuilt with it, its role back at the
        // default after a refusal.
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let is_admin = matches!(user.await, Ok(Some(person)) if person.role.allows(Permission::Administer));
                is_admin.then(|| view! { <AddUserForm create /> })
            })}
        </Suspense>
    }
}

#[component]
fn UsersTable(
    list: Vec<UserSummary>,
    picked: PickedRoles,
    change_role: ServerAction<ChangeRole>,
    reset: ServerAction<ResetPassword>,
    set_active: ServerAction<SetUserActive>,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"People with access to Verdict"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Added"</th>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|user| view! { <UserRow user picked change_role reset set_active /> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Roles picked in a row's select but not yet sent, by user id. The list reloads after any row's
/// change and every row is rebuilt then (with type-erased views a rebuild re-applies `selected`),
/// so a pick kept only in the DOM went back to the stored role when another row changed.
#[derive(Clone, Copy, Default)]
struct PickedRoles(RwSignal<HashMap<String, Role>>);

#[component]
fn UserRow(
    user: UserSummary,
    picked: PickedRoles,
    change_role: ServerAction<ChangeRole>,
    reset: ServerAction<ResetPassword>,
    set_active: ServerAction<SetUserActive>,
) -> impl IntoView {
    let role_form_id = user.id.0.clone();
    let reset_form_id = user.id.0.clone();
    let active_form_id = user.id.0.clone();
    let role_label = format!("Role of {}", user.email);
    let password_label = format!("New password for {}", user.email);
    let stored_role = user.role;
    let shown_id = user.id.0.clone();
    let pick_id = user.id.0.clone();
    let shown_role = Signal::derive(move || {
        picked
            .0
            .with(|roles| roles.get(&shown_id).copied())
            .unwrap_or(stored_role)
    });
    view! {
        <tr class:inactive=!user.active>
            <td>{user.display_name.clone()}</td>
            <td class="mono">{user.email.clone()}</td>
            <td><RoleBadge role=user.role /></td>
            <td>
                {if user.active {
                    view! { <span class="badge status-active">"active"</span> }
                } else {
                    view! { <span class="badge status-inactive">"deactivated"</span> }
                }}
            </td>
            <td><UtcTime unix_millis=user.created_at /></td>
            <td class="row-actions">
                <ActionForm action=change_role attr:class="inline-form">
                    <input type="hidden" name="user_id" value=role_form_id />
                    <select
                        name="role"
                        aria-label=role_label
                        prop:value=move || shown_role.get().as_str()
                        on:change=move |event| {
                            if let Ok(role) = event_target_value(&event).parse::<Role>() {
                                picked.0.update(|roles| {
                                    roles.insert(pick_id.clone(), role);
                                });
                            }
                        }
                    >
                        {Role::ALL
                            .into_iter()
                            .map(|role| view! { <option value=role.as_str() selected=move || shown_role.get() == role>{role.as_str()}</option> })
                            .collect_view()}
                    </select>
                    <button type="submit" class="button-quiet">"Change role"</button>
                </ActionForm>
                <ActionForm action=reset attr:class="inline-form">
                    <input type="hidden" name="user_id" value=reset_form_id />
                    <input type="password" name="password" aria-label=password_label placeholder="New password" autocomplete="new-password" minlength="12" required />
                    <button type="submit" class="button-quiet">"Reset password"</button>
                </ActionForm>
                <ActionForm action=set_active attr:class="inline-form">
                    <input type="hidden" name="user_id" value=active_form_id />
                    <input type="hidden" name="active" value=(!user.active).to_string() />
                    {if user.active {
                        view! {
                            <button type="submit" class="button-danger"
                                on:click=confirm_first("Deactivate this person? They are signed out everywhere and cannot sign in until reactivated.")>
                                "Deactivate"
                            </button>
                        }.into_any()
                    } else {
                        view! { <button type="submit" class="button-quiet">"Reactivate"</button> }.into_any()
                    }}
                </ActionForm>
            </td>
        </tr>
    }
}

#[component]
fn AddUserForm(create: ServerAction<CreateUser>) -> impl IntoView {
    let error = last_error(create);
    let created = move || match create.value().get() {
        Some(Ok(user)) => Some(format!(
            "{} ({}) can now sign in.",
            user.display_name, user.email
        )),
        _ => None,
    };
    view! {
        <section class="form-card" aria-labelledby="add-user-heading">
            <h2 id="add-user-heading">"Add a person"</h2>
            <Show when=move || created().is_some()>
                <p class="notice notice-success" role="status">{created}</p>
            </Show>
            <ActionForm action=create>
                <div class="form-grid">
                    <div>
                        <label for="new-email">"Email"</label>
                        <input id="new-email" type="email" name="email" required />
                        <FieldError error field="email" />
                    </div>
                    <div>
                        <label for="new-name">"Name"</label>
                        <input id="new-name" type="text" name="display_name" required />
                        <FieldError error field="display_name" />
                    </div>
                    <div>
                        <label for="new-role">"Role"</label>
                        <select id="new-role" name="role">
                            {Role::ALL
                                .into_iter()
                                .map(|role| view! { <option value=role.as_str() selected=role == Role::Viewer>{format!("{role} — {}", role.describe())}</option> })
                                .collect_view()}
                        </select>
                        <FieldError error field="role" />
                    </div>
                    <div>
                        <label for="new-password">"Initial password (12+ characters)"</label>
                        <input id="new-password" type="password" name="password" autocomplete="new-password" minlength="12" required />
                        <FieldError error field="password" />
                    </div>
                </div>
                <FormError error />
                <button type="submit" class="button-primary" disabled=move || create.pending().get()>"Add person"</button>
            </ActionForm>
        </section>
    }
}
