use leptos::prelude::*;
use leptos_router::components::A;

use crate::{error::AppError, pages::refusal::Refusal};

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main id="main" class="page">
            <Refusal error=AppError::not_found("There is no page at this address.") />
            <p><A href="/">"Go to the home page"</A></p>
        </main>
    }
}
