//! A backtest: a draft policy re-evaluated against the inputs of a policy's recorded
//! evaluations, to see which outcomes would change before the draft is published.

use serde::{Deserialize, Serialize};
use verdict_policy::Outcome;

/// The window a backtest looks back over when the author does not choose one.
pub const DEFAULT_BACKTEST_DAYS: u32 = 30;
/// The longest window a backtest may look back over.
pub const MAX_BACKTEST_DAYS: u32 = 3650;
/// Changed evaluations listed one by one; the counts always cover every evaluation.
pub const LISTED_CHANGES: usize = 200;

/// How many recorded evaluations had `recorded` and get `draft` from the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeTransition {
    pub recorded: Outcome,
    pub draft: Outcome,
    pub count: u64,
}

/// One recorded evaluation whose outcome the draft would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedEvaluation {
    pub decision_id: String,
    pub event_id: String,
    pub at: i64,
    pub recorded_version: i64,
    pub recorded: Outcome,
    pub draft: Outcome,
}

/// What the draft would have decided on the recorded history of the policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacktestReport {
    pub policy_id: String,
    pub window_days: u32,
    /// Evaluations re-run (recorded evaluations of the policy in the window).
    pub evaluated: u64,
    pub unchanged: u64,
    pub changed: u64,
    /// Every (recorded, draft) pair that occurred, changed or not, in a fixed order.
    pub transitions: Vec<OutcomeTransition>,
    /// The first `LISTED_CHANGES` changed evaluations, oldest first.
    pub changed_evaluations: Vec<ChangedEvaluation>,
}

impl BacktestReport {
    /// How many evaluations went from `recorded` to `draft`.
    pub fn count(&self, recorded: Outcome, draft: Outcome) -> u64 {
        self.transitions
            .iter()
            .find(|transition| transition.recorded == recorded && transition.draft == draft)
            .map_or(0, |transition| transition.count)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BacktestState {
    Running,
    Finished,
    Cancelled,
    Failed,
}

/// Where a backtest run stands; the report once it has finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacktestProgress {
    pub run_id: String,
    pub state: BacktestState,
    pub processed: u64,
    pub total: u64,
    pub report: Option<BacktestReport>,
    /// Why a failed run stopped.
    pub failure: Option<String>,
}
