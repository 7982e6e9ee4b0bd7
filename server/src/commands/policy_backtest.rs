use std::{path::PathBuf, time::Duration, time::Instant};

use verdict_policy::{Outcome, Policy};

use app::{
    model::{BacktestState, DEFAULT_BACKTEST_DAYS},
    ssr::services::backtest,
};

use super::{open_db, CommandError};
use crate::config::DatabaseArgs;

/// Changed decisions printed one by one; the counts cover every evaluation.
const PRINTED_CHANGES: usize = 20;

#[derive(Debug, clap::Args)]
pub struct PolicyBacktestArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The draft policy file; its recorded evaluations are those of the policy it names.
    pub file: PathBuf,
    /// How many days of history to re-run.
    #[arg(long, default_value_t = DEFAULT_BACKTEST_DAYS)]
    pub days: u32,
    /// Exit non-zero when any outcome would change (for a policy repository's CI).
    #[arg(long)]
    pub fail_on_change: bool,
}

/// Re-runs the recorded inputs of the policy's evaluations with the draft file and prints the
/// outcome matrix, the first changed decisions and how long it took. Records nothing.
pub async fn run(args: PolicyBacktestArgs) -> Result<(), CommandError> {
    let name = args.file.display().to_string();
    let source = std::fs::read_to_string(&args.file)
        .map_err(|error| CommandError::Usage(format!("{name}: {error}")))?;
    let policy_id = Policy::parse(&source)
        .map(|policy| policy.id().as_str().to_owned())
        .map_err(|_| {
            CommandError::Usage(format!(
                "{name} is not a valid policy; `verdict policy check {name}` says why"
            ))
        })?;
    let db = open_db(&args.database.database_url).await?;
    let clock = Instant::now();
    // The command is the only work in its process: one slot per core.
    let pool = app::ssr::evaluation_pool::EvaluationPool::new(0);
    let started = backtest::start(&db, &pool, &policy_id, &source, args.days).await?;
    let progress = loop {
        let progress = backtest::progress(&db, &started.run_id).await?;
        if progress.state != BacktestState::Running {
            break progress;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let elapsed = clock.elapsed();
    let report = match (progress.state, progress.report) {
        (BacktestState::Finished, Some(report)) => report,
        _ => {
            return Err(CommandError::Usage(
                progress
                    .failure
                    .unwrap_or_else(|| "the backtest did not finish".to_owned()),
            ))
        }
    };
    println!(
        "{policy_id}: {} evaluation(s) in the last {} day(s): {} unchanged, {} changed",
        report.evaluated, report.window_days, report.unchanged, report.changed
    );
    println!("recorded \\ draft     allow  requires_exception  deny");
    for recorded in Outcome::ALL {
        println!(
            "{:<20}{:>6}{:>20}{:>6}",
            recorded.as_str(),
            report.count(recorded, Outcome::Allow),
            report.count(recorded, Outcome::RequiresException),
            report.count(recorded, Outcome::Deny)
        );
    }
    for changed in report.changed_evaluations.iter().take(PRINTED_CHANGES) {
        println!(
            "changed: decision {} (v{}): {} -> {}",
            changed.decision_id, changed.recorded_version, changed.recorded, changed.draft
        );
    }
    eprintln!(
        "backtest of {} evaluation(s) took {} ms",
        report.evaluated,
        elapsed.as_millis()
    );
    if args.fail_on_change && report.changed > 0 {
        return Err(CommandError::Usage(format!(
            "{} outcome(s) would change",
            report.changed
        )));
    }
    Ok(())
}
