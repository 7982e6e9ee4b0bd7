//! Backtests: a draft re-evaluated on the recorded inputs of its policy's evaluations. A run
//! works in the background so the editor can show its progress and cancel it; its report lives
//! in this server's memory for a while and is never stored as a decision.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex, MutexGuard,
    },
    time::{Duration, Instant},
};

use serde_json::Value;
use verdict_policy::{Outcome, Policy};

use crate::{
    error::{AppError, AppResult},
    model::{
        BacktestProgress, BacktestReport, BacktestState, ChangedEvaluation, OutcomeTransition,
        LISTED_CHANGES, MAX_BACKTEST_DAYS,
    },
    ssr::{
        db::Db,
        ids::new_id,
        now_millis,
        services::policies::check_source_size,
        store::recorded_evaluations::{self, EvaluationCursor, RecordedEvaluationRow},
    },
};

/// Evaluations read and re-run per step; between steps a run notices a cancel.
const PAGE_SIZE: i64 = 5_000;
/// How long a finished run's report stays available to the page that started it.
const KEPT_FOR: Duration = Duration::from_secs(15 * 60);
const DAY_MILLIS: i64 = 24 * 60 * 60 * 1000;

/// The backtest runs this server is doing or has recently done.
#[derive(Debug, Default)]
pub struct BacktestRuns(Mutex<HashMap<String, Arc<Run>>>);

#[derive(Debug)]
struct Run {
    total: u64,
    processed: AtomicU64,
    cancelled: AtomicBool,
    started: Instant,
    outcome: Mutex<Option<Result<Finished, String>>>,
}

/// A run's report, and whether it covers the whole window or stopped at a cancel.
#[derive(Debug, Clone)]
struct Finished {
    report: BacktestReport,
    complete: bool,
}

impl BacktestRuns {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Run>>> {
        // A poisoned lock only means a request panicked while inserting or removing a run.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn find(&self, run_id: &str) -> AppResult<Arc<Run>> {
        self.lock().get(run_id).cloned().ok_or_else(|| {
            AppError::not_found("No such backtest run on this server; start it again.")
        })
    }

    fn insert(&self, run: Arc<Run>) -> String {
        let run_id = new_id();
        let mut runs = self.lock();
        runs.retain(|_, kept| kept.started.elapsed() < KEPT_FOR);
        runs.insert(run_id.clone(), run);
        run_id
    }
}

/// Checks the draft and the window, then starts re-evaluating in the background.
pub async fn start(
    db: &Db,
    runs: &Arc<BacktestRuns>,
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
    let since = now_millis() - i64::from(window_days) * DAY_MILLIS;
    let total = recorded_evaluations::count_since(&db.pool, policy_id, since).await?;
    let run = Arc::new(Run {
        total: u64::try_from(total).unwrap_or(0),
        processed: AtomicU64::new(0),
        cancelled: AtomicBool::new(false),
        started: Instant::now(),
        outcome: Mutex::new(None),
    });
    let run_id = runs.insert(run.clone());
    let job = Job {
        db: db.clone(),
        policy_id: policy_id.to_owned(),
        since,
        window_days,
        draft: Arc::new(draft),
    };
    tokio::spawn({
        let run = run.clone();
        async move {
            let finished = job.run(&run).await.map_err(|error| {
                tracing::error!(%error, "backtest failed");
                "The backtest stopped on an error on our side; it has been logged.".to_owned()
            });
            *lock_outcome(&run) = Some(finished);
        }
    });
    Ok(progress_of(&run_id, &run))
}

pub fn progress(runs: &BacktestRuns, run_id: &str) -> AppResult<BacktestProgress> {
    let run = runs.find(run_id)?;
    Ok(progress_of(run_id, &run))
}

/// Asks a run to stop after the page it is on; a finished run keeps its report.
pub fn cancel(runs: &BacktestRuns, run_id: &str) -> AppResult<BacktestProgress> {
    let run = runs.find(run_id)?;
    run.cancelled.store(true, Ordering::Relaxed);
    Ok(progress_of(run_id, &run))
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

fn lock_outcome(run: &Run) -> MutexGuard<'_, Option<Result<Finished, String>>> {
    run.outcome
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn progress_of(run_id: &str, run: &Run) -> BacktestProgress {
    let outcome = lock_outcome(run).clone();
    let (state, report, failure) = match outcome {
        None => (BacktestState::Running, None, None),
        Some(Ok(finished)) if finished.complete => {
            (BacktestState::Finished, Some(finished.report), None)
        }
        Some(Ok(finished)) => (BacktestState::Cancelled, Some(finished.report), None),
        Some(Err(failure)) => (BacktestState::Failed, None, Some(failure)),
    };
    BacktestProgress {
        run_id: run_id.to_owned(),
        state,
        processed: run.processed.load(Ordering::Relaxed),
        total: run.total,
        report,
        failure,
    }
}

#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error("reading the recorded evaluations: {0}")]
    Read(#[from] sqlx::Error),
    #[error("the re-evaluation task panicked")]
    Crashed,
}

struct Job {
    db: Db,
    policy_id: String,
    since: i64,
    window_days: u32,
    draft: Arc<Policy>,
}

impl Job {
    /// Pages through the window; a cancelled run reports what it had counted so far.
    async fn run(self, run: &Run) -> Result<Finished, RunError> {
        let mut tally = Tally::default();
        let mut cursor = EvaluationCursor {
            at: i64::MIN,
            event_id: String::new(),
        };
        let complete = loop {
            if run.cancelled.load(Ordering::Relaxed) {
                break false;
            }
            let rows = recorded_evaluations::page_since(
                &self.db.pool,
                &self.policy_id,
                self.since,
                &cursor,
                PAGE_SIZE,
            )
            .await?;
            let Some(last) = rows.last() else {
                break true;
            };
            cursor = EvaluationCursor {
                at: last.at,
                event_id: last.event_id.clone(),
            };
            let page_len = rows.len() as u64;
            let draft = self.draft.clone();
            // Evaluation is CPU work: off the request workers.
            tally = tokio::task::spawn_blocking(move || {
                for row in &rows {
                    tally.add(&draft, row);
                }
                tally
            })
            .await
            .map_err(|_| RunError::Crashed)?;
            run.processed.fetch_add(page_len, Ordering::Relaxed);
            if page_len < PAGE_SIZE as u64 {
                break true;
            }
        };
        Ok(Finished {
            report: tally.into_report(self.policy_id, self.window_days),
            complete,
        })
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
        let payload: Value = serde_json::from_str(&row.payload_json).unwrap_or(Value::Null);
        let outcome = draft.evaluate(&payload["inputs"]).outcome;
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
