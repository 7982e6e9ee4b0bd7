use leptos::prelude::*;
use verdict_policy::{DryRunReport, RuleStatus, Severity};

/// The dry run's findings: diagnostics, the evaluation of the context, and the policy's tests.
#[component]
pub fn PreviewPanel(
    report: DryRunReport,
    /// Moves the editor's caret to a problem's line and column.
    on_jump: Callback<(u32, u32)>,
) -> impl IntoView {
    let diagnostics = report.diagnostics;
    let tests = report.tests;
    view! {
        <section aria-labelledby="findings-heading">
            <h3 id="findings-heading">"Problems"</h3>
            {if diagnostics.is_empty() {
                view! { <p class="muted" data-testid="no-problems">"No errors or warnings."</p> }.into_any()
            } else {
                view! {
                    <ul class="diagnostics" data-testid="diagnostics">
                        {diagnostics
                            .into_iter()
                            .map(|diagnostic| {
                                let class = match diagnostic.severity {
                                    Severity::Error => "diagnostic diagnostic-error",
                                    Severity::Warning => "diagnostic diagnostic-warning",
                                };
                                let label = match diagnostic.severity {
                                    Severity::Error => "error",
                                    Severity::Warning => "warning",
                                };
                                let (line, column) = (diagnostic.line, diagnostic.column);
                                view! {
                                    <li class=class>
                                        <button type="button" class="link-button mono" title="Show this place in the source"
                                            on:click=move |_| on_jump.run((line, column))>
                                            {format!("line {line}:{column}")}
                                        </button>
                                        " " <strong>{label}</strong> ": " {diagnostic.message}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        {report.evaluation.map(|evaluation| {
            let outcome = evaluation.outcome.as_str();
            view! {
                <section aria-labelledby="dry-run-heading">
                    <h3 id="dry-run-heading">"Dry run"</h3>
                    <p>
                        <span class=format!("badge outcome-{outcome}") data-testid="dry-run-outcome">{outcome}</span>
                        " " <span data-testid="dry-run-rationale">{evaluation.rationale.clone()}</span>
                    </p>
                    <p class="muted">
                        "Matched rules: "
                        {if evaluation.matched_rules.is_empty() {
                            "none".to_owned()
                        } else {
                            evaluation.matched_rules.iter().map(|rule| rule.as_str().to_owned()).collect::<Vec<_>>().join(", ")
                        }}
                    </p>
                    <ul class="explanation">
                        {evaluation
                            .explanation
                            .into_iter()
                            .map(|rule| {
                                let status = match rule.status {
                                    RuleStatus::Matched => "matched",
                                    RuleStatus::NotMatched => "not matched",
                                    RuleStatus::Error => "error",
                                    RuleStatus::Skipped => "skipped",
                                };
                                view! {
                                    <li>
                                        <span class="mono">{rule.rule.as_str().to_owned()}</span>
                                        " — " {status} ": " <code>{rule.condition.to_string()}</code>
                                        {rule.detail.map(|detail| format!(" ({detail})"))}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </section>
            }
        })}
        <section aria-labelledby="tests-heading">
            <h3 id="tests-heading">"Tests"</h3>
            <ul class="tests" data-testid="tests">
                {tests
                    .into_iter()
                    .map(|test| {
                        let verdict = if test.passed { "pass" } else { "FAIL" };
                        view! {
                            <li class:test-failed=!test.passed>
                                <strong>{verdict}</strong> " " {test.name}
                                {format!(" — expected {}, got {}", test.expected.as_str(), test.actual.as_str())}
                                {test.message.map(|message| view! { <div class="muted">{message}</div> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}
