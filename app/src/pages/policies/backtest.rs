//! "Backtest this draft": the draft as typed, re-run on the recorded inputs of this policy's
//! evaluations, with a progress bar, a cancel button, the outcome matrix and the decisions
//! that would change.

use std::time::Duration;

use leptos::{prelude::*, task::spawn_local};
use leptos_router::components::A;
use verdict_policy::Outcome;

use crate::{
    api::backtest::{cancel_backtest, poll_backtest, start_backtest},
    components::{FieldError, FormError, OutcomeBadge, UtcTime},
    error::AppError,
    model::{BacktestProgress, BacktestReport, BacktestState, DEFAULT_BACKTEST_DAYS},
};

/// How often a running backtest's progress is asked for.
const POLL_EVERY: Duration = Duration::from_millis(250);

#[component]
pub fn BacktestPanel(policy_id: String, source: ReadSignal<String>) -> impl IntoView {
    let (days, set_days) = signal(DEFAULT_BACKTEST_DAYS.to_string());
    let progress = RwSignal::new(None::<BacktestProgress>);
    let error = RwSignal::new(None::<AppError>);
    let running = move || {
        progress.with(|latest| matches!(latest, Some(run) if run.state == BacktestState::Running))
    };
    let start = move |_| {
        let (policy_id, source, days) = (policy_id.clone(), source.get(), days.get());
        error.set(None);
        spawn_local(async move {
            match start_backtest(policy_id, source, days).await {
                Ok(run) => {
                    let run_id = run.run_id.clone();
                    progress.set(Some(run));
                    follow(run_id, progress, error);
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let cancel = move |_| {
        let Some(run_id) = progress.with(|latest| latest.as_ref().map(|run| run.run_id.clone()))
        else {
            return;
        };
        spawn_local(async move {
            if let Err(failure) = cancel_backtest(run_id).await {
                error.set(Some(failure));
            }
        });
    };
    let error_signal = Signal::from(error);

    view! {
        <section class="form-card" aria-labelledby="backtest-heading">
            <h2 id="backtest-heading">"Backtest this draft"</h2>
            <p class="muted">"Re-runs the recorded inputs of this policy's evaluations with the draft as typed, and shows which outcomes would change. Nothing is recorded as a decision."</p>
            <div class="inline-fields">
                <label for="backtest-days">"Window (days)"</label>
                <input id="backtest-days" type="number" min="1" inputmode="numeric"
                    prop:value=days on:input=move |event| set_days.set(event_target_value(&event)) />
                <button type="button" class="button-primary" on:click=start disabled=running>"Backtest this draft"</button>
                <Show when=running>
                    <button type="button" on:click=cancel>"Cancel"</button>
                </Show>
            </div>
            <FieldError error=error_signal field="days" />
            <FieldError error=error_signal field="source" />
            <FormError error=error_signal />
            {move || progress.get().map(|run| view! { <BacktestStatus run /> })}
        </section>
    }
    // Erased so the editor page's view type stays within the compiler's depth limit.
    .into_any()
}

/// Asks for the run's progress until it stops running.
fn follow(
    run_id: String,
    progress: RwSignal<Option<BacktestProgress>>,
    error: RwSignal<Option<AppError>>,
) {
    // Fails only without a window, where nothing would run it anyway.
    let _ = set_timeout(
        move || {
            spawn_local(async move {
                match poll_backtest(run_id.clone()).await {
                    Ok(run) => {
                        let still_running = run.state == BacktestState::Running;
                        progress.set(Some(run));
                        if still_running {
                            follow(run_id, progress, error);
                        }
                    }
                    Err(failure) => error.set(Some(failure)),
                }
            });
        },
        POLL_EVERY,
    );
}

#[component]
fn BacktestStatus(run: BacktestProgress) -> impl IntoView {
    let headline = match run.state {
        BacktestState::Running => format!("Re-evaluating… {} of {}", run.processed, run.total),
        BacktestState::Finished => "Backtest finished.".to_owned(),
        BacktestState::Cancelled => format!(
            "Cancelled after {} of {} evaluations; the counts below cover those.",
            run.processed, run.total
        ),
        BacktestState::Failed => run.failure.clone().unwrap_or_default(),
    };
    view! {
        <div class="backtest-status" role="status">
            <p>{headline}</p>
            {(run.state == BacktestState::Running).then(|| view! {
                <progress max=run.total.max(1) value=run.processed aria-label="Backtest progress"></progress>
            })}
        </div>
        {run.report.map(|report| view! { <BacktestResult report /> })}
    }
}

#[component]
fn BacktestResult(report: BacktestReport) -> impl IntoView {
    let summary = format!(
        "{} evaluations in the last {} days: {} would stay the same, {} would change.",
        report.evaluated, report.window_days, report.unchanged, report.changed
    );
    let listed_note = (report.changed as usize > report.changed_evaluations.len()).then(|| {
        format!(
            "The first {} changed evaluations are listed.",
            report.changed_evaluations.len()
        )
    });
    let matrix_rows = Outcome::ALL
        .into_iter()
        .map(|recorded| {
            let cells = Outcome::ALL
                .into_iter()
                .map(|draft| {
                    let count = report.count(recorded, draft);
                    let class = if recorded != draft && count > 0 {
                        "num changed-cell"
                    } else {
                        "num"
                    };
                    view! { <td class=class>{count}</td> }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row"><OutcomeBadge outcome=recorded /></th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    let changed_rows = report
        .changed_evaluations
        .iter()
        .map(|changed| {
            let short: String = changed.decision_id.chars().take(13).collect();
            view! {
                <tr>
                    <td><UtcTime unix_millis=changed.at /></td>
                    <td class="num">{format!("v{}", changed.recorded_version)}</td>
                    <td><OutcomeBadge outcome=changed.recorded /></td>
                    <td><OutcomeBadge outcome=changed.draft /></td>
                    <td class="mono"><A href=format!("/traces/{}", changed.decision_id) attr:title=changed.decision_id.clone()>{short}</A></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="backtest-summary">{summary}</p>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Outcome changes">
            <table class="backtest-matrix">
                <caption>"Recorded outcome (rows) against the draft's outcome (columns)"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Recorded \u{2193} / draft \u{2192}"</th>
                        {Outcome::ALL.into_iter().map(|draft| view! { <th scope="col" class="num">{draft.as_str().replace('_', " ")}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>{matrix_rows}</tbody>
            </table>
        </div>
        {(!report.changed_evaluations.is_empty()).then(|| view! {
            <h3>"Decisions that would change"</h3>
            {listed_note}
            <div class="table-wrap" tabindex="0" role="region" aria-label="Decisions that would change">
                <table class="backtest-changes">
                    <caption class="visually-hidden">"Decisions whose outcome the draft would change"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Evaluated"</th>
                            <th scope="col" class="num">"Version"</th>
                            <th scope="col">"Recorded"</th>
                            <th scope="col">"Draft"</th>
                            <th scope="col">"Decision"</th>
                        </tr>
                    </thead>
                    <tbody>{changed_rows}</tbody>
                </table>
            </div>
        })}
    }
}
