use leptos::prelude::*;

use crate::model::Role;

#[component]
pub fn RoleBadge(role: Role) -> impl IntoView {
    view! {
        <span class=format!("badge role-{role}") title=role.describe()>
            {role.as_str()}
        </span>
    }
}
