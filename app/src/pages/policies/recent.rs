//! The latest evaluations of a policy by agents, refreshed while the page is open.

use std::time::Duration;

use leptos::prelude::*;

use crate::{
    api::policies::recent_evaluations,
    components::{every_while_shown, UtcTime},
    error::AppError,
    model::RecentEvaluation,
    pages::refusal::Refusal,
};

/// How often an open policy page asks for new evaluations.
const REFRESH: Duration = Duration::from_secs(5);

pub type RecentEvaluationsResource = Resource<Result<Vec<RecentEvaluation>, AppError>>;

/// The policy's latest evaluations, asked for again every few seconds in the browser.
///
/// The page makes this before its suspense boundary rather than inside the section: see
/// `PolicyEditorPage` for why.
pub fn recent_evaluations_feed(
    policy_id: impl Fn() -> String + Send + Sync + 'static,
) -> RecentEvaluationsResource {
    let evaluations = Resource::new(policy_id, recent_evaluations);
    every_while_shown(REFRESH, move || evaluations.refetch());
    evaluations
}

#[component]
pub fn RecentEvaluations(evaluations: RecentEvaluationsResource) -> impl IntoView {
    view! {
        <section class="recent-evaluations" aria-labelledby="recent-evaluations-heading">
            <h2 id="recent-evaluations-heading">"Recent evaluations"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match evaluations.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="empty-state">"No agent has evaluated this policy yet. Bind it to an agent on the Agents page."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap">
                                <table>
                                    <caption class="visually-hidden">"Recent evaluations"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"Time"</th>
                                            <th scope="col">"Agent"</th>
                                            <th scope="col" class="num">"Version"</th>
                                            <th scope="col">"Outcome"</th>
                                            <th scope="col">"Matched rules"</th>
                                            <th scope="col">"Decision"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list.into_iter().map(|evaluation| {
                                            let short_decision: String = evaluation.decision_id.chars().take(13).collect();
                                            view! {
                                                <tr>
                                                    <td><UtcTime unix_millis=evaluation.at /></td>
                                                    <td class="mono">{evaluation.agent_name}</td>
                                                    <td class="num">{format!("v{}", evaluation.version)}</td>
                                                    <td><span class=format!("badge outcome-{}", evaluation.outcome)>{evaluation.outcome.clone()}</span></td>
                                                    <td class="mono">{evaluation.matched_rules.join(", ")}</td>
                                                    <td class="mono" title=evaluation.decision_id.clone()>{short_decision}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(error) => view! { <Refusal error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
