//! Backtests: a draft re-evaluated on the recorded inputs of its policy's evaluations. A run
//! works in the background on the server that started it, writing its progress to the database
//! after each page, so the editor may follow or cancel it through any server; its report is kept
//! for a while and is never stored as a decision.

use std::{collections::HashMap, sync::Arc};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use verdict_policy::{Outcome, Policy};

use crate::{
    error::{AppError, AppResult},
    model::{
        BacktestProgress, BacktestReport, BacktestState, ChangedEvaluation, OutcomeTransition,
        PolicyEvaluated, LISTED_CHANGES, MAX_BACKTEST_DAYS,
    },
    ssr::{
        db::Db,
        evaluation_pool::EvaluationPool,
        ids::new_id,
        now_millis,
        services::policies::check_source_size,
        store::{
            backtest_runs::{self, BacktestRunRow},
            recorded_evaluations::{self, EvaluationCursor, RecordedEvaluationRow},
        },
    },
};

/// Evaluations read and re-run per step; between steps a run notices a cancel.
const PAGE_SIZE: i64 = 5_000;
/// How long a run and its report are kept for the page that started it.
const KEPT_FOR_MILLIS: i64 = 15 * 60 * 1000;
/// A run that has written no progress for this long lost its server (a page takes well under a
/// second).
const SILENT_FOR_MILLIS: i64 = 60 * 1000;
const DAY_MILLIS: i64 = 24 * 60 * 60 * 1000;

/// How a run ended, as kept with it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RunEnd {
    /// The report, and whether it covers the whole window or stopped at a cancel.
    Finished {
        report: BacktestReport,
        complete: bool,
    },
    Failed {
        reason: String,
    },
}

/// Checks the draft and the window, then starts re-evaluating in the background.
pub async fn start(
    db: &Db,
    pool: &EvaluationPool,
    policy_id: &str,
    draft_source: &str,
    window_days: u32,
) -> AppResult<BacktestProgress> {
    if window_days == 0 || window_days > MAX_BACKTEST_DAYS {
        return Err(AppError::invalid(
            "days",
            format!("The window is 1 to {MAX_BACKTEST_DAYS} days."),
        ));
    }
    let draft = parse_draft(policy_id, draft_source)?;
    let now = now_millis();
    let since = now - i64::from(window_days) * DAY_MILLIS;
    let total = recorded_evaluations::count_since(&db.pool, policy_id, since).await?;
    backtest_runs::delete_started_before(&db.pool, now - KEPT_FOR_MILLIS).await?;
    let run_id = new_id();
    backtest_runs::insert(&db.pool, &run_id, policy_id, total, now).await?;
    let job = Job {
        db: db.clone(),
        run_id: run_id.clone(),
        policy_id: policy_id.to_owned(),
        since,
        window_days,
        draft: Arc::new(draft),
        pool: pool.clone(),
    };
    tokio::spawn(job.run_to_end());
    Ok(BacktestProgress {
        run_id,
        state: BacktestState::Running,
        processed: 0,
        total: u64::try_from(total).unwrap_or(0),
        report: None,
        failure: None,
    })
}

pub async fn progress(db: &Db, run_id: &str) -> AppResult<BacktestProgress> {
    let run_id = RunId::parse(run_id)?;
    let run = backtest_runs::find(&db.pool, run_id.0)
        .await?
        .ok_or_else(no_such_run)?;
    Ok(progress_of(run_id.0, run, now_millis()))
}

/// Asks a run to stop after the page it is on; a finished run keeps its report.
pub async fn cancel(db: &Db, run_id: &str) -> AppResult<BacktestProgress> {
    let run_id = RunId::parse(run_id)?;
    let run = backtest_runs::request_cancel(&db.pool, run_id.0)
        .await?
        .ok_or_else(no_such_run)?;
    Ok(progress_of(run_id.0, run, now_millis()))
}

/// A run id as `start` makes them (a UUID); anything else names no run and is not looked up.
struct RunId<'a>(&'a str);

impl<'a> RunId<'a> {
    fn parse(text: &'a str) -> AppResult<Self> {
        uuid::Uuid::try_parse(text)
            .map(|_| Self(text))
            .map_err(|_| no_such_run())
    }
}

fn no_such_run() -> AppError {
    AppError::not_found("No such backtest run; start it again.")
}

fn parse_draft(policy_id: &str, source: &str) -> AppResult<Policy> {
    check_source_size(source)?;
    let draft = Policy::parse(source).map_err(|diagnostics| {
        let first = diagnostics.first().map_or_else(String::new, |diagnostic| {
            format!(
                " (line {}:{}: {})",
                diagnostic.line, diagnostic.column, diagnostic.message
            )
        });
        AppError::invalid(
            "source",
            format!("The draft is not a valid policy{first}; fix it before backtesting."),
        )
    })?;
    if draft.id().as_str() != policy_id {
        return Err(AppError::invalid(
            "source",
            format!(
                "The draft names policy `{}`, not `{policy_id}`.",
                draft.id().as_str()
            ),
        ));
    }
    Ok(draft)
}

fn progress_of(run_id: &str, run: BacktestRunRow, now: i64) -> BacktestProgress {
    let end = match run
        .outcome_json
        .as_deref()
        .map(serde_json::from_str::<RunEnd>)
    {
        None if now - run.heartbeat_at > SILENT_FOR_MILLIS => Some(RunEnd::Failed {
            reason: "The server running this backtest stopped before it finished; start it again."
                .to_owned(),
        }),
        None => None,
        Some(Ok(end)) => Some(end),
        Some(Err(error)) => {
            tracing::error!(%error, run_id, "a backtest run's stored end does not parse");
            Some(RunEnd::Failed {
                reason: "The backtest's result could not be read; start it again.".to_owned(),
            })
        }
    };
    let (state, report, failure) = match end {
        None => (BacktestState::Running, None, None),
        Some(RunEnd::Finished {
            report,
            complete: true,
        }) => (BacktestState::Finished, Some(report), None),
        Some(RunEnd::Finished { report, .. }) => (BacktestState::Cancelled, Some(report), None),
        Some(RunEnd::Failed { reason }) => (BacktestState::Failed, None, Some(reason)),
    };
    BacktestProgress {
        run_id: run_id.to_owned(),
        state,
        processed: u64::try_from(run.processed).unwrap_or(0),
        total: u64::try_from(run.total).unwrap_or(0),
        report,
        failure,
    }
}

#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error("backtest storage: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the re-evaluation task panicked")]
    Crashed,
}

struct Job {
    db: Db,
    run_id: String,
    policy_id: String,
    since: i64,
    window_days: u32,
    draft: Arc<Policy>,
    pool: EvaluationPool,
}

impl Job {
    /// Runs and keeps how the run ended; a run that cannot even keep that is reported failed by
    /// its silence.
    async fn run_to_end(self) {
        let mut processed = 0;
        let end = self.run(&mut processed).await.unwrap_or_else(|error| {
            tracing::error!(%error, run_id = %self.run_id, "backtest failed");
            let reason =
                "The backtest stopped on an error on our side; it has been logged.".to_owned();
            RunEnd::Failed { reason }
        });
        let stored = serde_json::to_string(&end).unwrap_or_default();
        if let Err(error) = backtest_runs::finish(
            &self.db.pool,
            &self.run_id,
            processed,
            &stored,
            now_millis(),
        )
        .await
        {
            tracing::error!(%error, run_id = %self.run_id, "a backtest's end was not kept");
        }
    }

    /// Pages through the window, counting into `processed`, checking for a cancel before each
    /// page and once more at the end; a cancelled run reports what it had counted so far.
    async fn run(&self, processed: &mut i64) -> Result<RunEnd, RunError> {
        let mut tally = Tally::default();
        let mut cursor = EvaluationCursor {
            at: i64::MIN,
            event_id: String::new(),
        };
        let mut exhausted = false;
        let complete = loop {
            let cancel_requested = backtest_runs::record_progress(
                &self.db.pool,
                &self.run_id,
                *processed,
                now_millis(),
            )
            .await?;
            if cancel_requested {
                break false;
            }
            if exhausted {
                break true;
            }
            let rows = recorded_evaluations::page_since(
                &self.db.pool,
                &self.policy_id,
                self.since,
                &cursor,
                PAGE_SIZE,
            )
            .await?;
            exhausted = rows.len() < PAGE_SIZE as usize;
            let Some(last) = rows.last() else {
                continue;
            };
            cursor = EvaluationCursor {
                at: last.at,
                event_id: last.event_id.clone(),
            };
            let page_len = rows.len() as i64;
            let draft = self.draft.clone();
            // Evaluation is CPU work: on the evaluation pool, waiting its turn there rather than
            // failing, since no request waits on a backtest.
            tally = self
                .pool
                .run_queued(move || {
                    for row in &rows {
                        tally.add(&draft, row);
                    }
                    tally
                })
                .await
                .map_err(|_| RunError::Crashed)?;
            *processed += page_len;
        };
        let report = tally.into_report(self.policy_id.clone(), self.window_days);
        Ok(RunEnd::Finished { report, complete })
    }
}

#[derive(Debug, Default)]
struct Tally {
    counts: HashMap<(Outcome, Outcome), u64>,
    changed: Vec<ChangedEvaluation>,
}

impl Tally {
    fn add(&mut self, draft: &Policy, row: &RecordedEvaluationRow) {
        // A row whose recorded outcome is not one of ours was not written by Verdict.
        let Ok(recorded) = row.outcome.parse::<Outcome>() else {
            return;
        };
        let inputs = serde_json::from_str::<PolicyEvaluated>(&row.payload_json)
            .map_or(Value::Null, |recorded| recorded.inputs);
        let outcome = draft.evaluate(&inputs).outcome;
        *self.counts.entry((recorded, outcome)).or_default() += 1;
        if recorded != outcome && self.changed.len() < LISTED_CHANGES {
            self.changed.push(ChangedEvaluation {
                decision_id: row.decision_id.clone(),
                event_id: row.event_id.clone(),
                at: row.at,
                recorded_version: row.policy_version,
                recorded,
                draft: outcome,
            });
        }
    }

    fn into_report(self, policy_id: String, window_days: u32) -> BacktestReport {
        let mut transitions: Vec<OutcomeTransition> = self
            .counts
            .iter()
            .map(|(&(recorded, draft), &count)| OutcomeTransition {
                recorded,
                draft,
                count,
            })
            .collect();
        transitions.sort_by_key(|transition| (transition.recorded, transition.draft));
        let evaluated = transitions.iter().map(|transition| transition.count).sum();
        let unchanged = transitions
            .iter()
            .filter(|transition| transition.recorded == transition.draft)
            .map(|transition| transition.count)
            .sum();
        BacktestReport {
            policy_id,
            window_days,
            evaluated,
            unchanged,
            changed: evaluated - unchanged,
            transitions,
            changed_evaluations: self.changed,
        }
    }
}
