//! The page an emailed approve or reject link opens: what is being answered, as whom, and a
//! button that makes it count. Opening the link alone changes nothing.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::answer_links::{inspect_answer_link, AnswerByLink, AnswerLinkView},
    components::{last_error, FieldError, FormError, RelativeTime},
    model::Answer,
    pages::refusal::Refusal,
};

#[component]
pub fn AnswerLinkPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let link = Resource::new(token, inspect_answer_link);
    view! {
        <Title text="Confirm your answer" />
        <main id="main" class="auth-page">
            <section class="auth-card">
                <h1>"Confirm your answer"</h1>
                <Suspense fallback=|| view! { <p>"Checking the link…"</p> }>
                    {move || Suspend::new(async move {
                        match link.await {
                            Ok(view) => view! { <Confirm view token=token() /> }.into_any(),
                            Err(error) => view! { <Refusal error /> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </main>
    }
}

#[component]
fn Confirm(view: AnswerLinkView, token: String) -> impl IntoView {
    let answer = ServerAction::<AnswerByLink>::new();
    let error = last_error(answer);
    let verb = match view.answer {
        Answer::Approve => "Approve",
        Answer::Reject => "Reject",
    };
    let evidence_hash = view.evidence_hash.clone();
    let require_rationale = view.require_rationale;
    let done = move || match answer.value().get() {
        Some(Ok(status)) => Some(format!(
            "Recorded. The decision is now {}.",
            status.as_str().replace('_', " ")
        )),
        _ => None,
    };
    view! {
        <h2>{view.title.clone()}</h2>
        <p class="approval-message">{view.message.clone()}</p>
        <dl class="facts">
            <dt>"Agent"</dt>
            <dd class="mono">{view.agent_name.clone()}</dd>
            <dt>"Intent"</dt>
            <dd class="mono">{view.intent.clone()}</dd>
            <dt>"Answering as"</dt>
            <dd>{view.recipient.clone()}</dd>
            <dt>"Expires"</dt>
            <dd><RelativeTime unix_millis=view.expires_at now=view.now /></dd>
        </dl>
        {move || match (done(), token.clone(), evidence_hash.clone()) {
            (Some(recorded), _, _) => view! { <p class="notice notice-success" role="status">{recorded}</p> }.into_any(),
            (None, token, evidence_hash) => view! {
                <ActionForm action=answer>
                    <input type="hidden" name="token" value=token />
                    <input type="hidden" name="evidence_hash" value=evidence_hash />
                    <label for="link-rationale">
                        {if require_rationale { "Rationale (required)" } else { "Rationale" }}
                    </label>
                    <textarea id="link-rationale" name="rationale" rows="3" required=require_rationale></textarea>
                    <FieldError error field="rationale" />
                    <FormError error />
                    <button type="submit" class="button-primary">{format!("{verb} this request")}</button>
                </ActionForm>
            }.into_any(),
        }}
    }
}
