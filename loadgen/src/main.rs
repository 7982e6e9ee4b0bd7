//! `loadgen`: provisions agents on a Verdict server, drives them concurrently, prints a report.

mod ack_log;
mod api;
mod cli;
mod drive;
mod fsync_probe;
mod people;
mod provision;
mod report;
mod stats;

use std::{error::Error, process::ExitCode, sync::Arc, time::Duration};

use clap::Parser;

use crate::{api::Api, cli::Args, report::Summary};

/// Above this share of failed decisions the run exits non-zero, so that scripts notice.
const MAX_ERROR_RATE: f64 = 0.01;
const FSYNC_PROBE_TIME: Duration = Duration::from_secs(2);

/// The driver shares the machine with the server it measures: the less CPU it spends, the more
/// the figures describe the server.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("loadgen: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<ExitCode, Box<dyn Error>> {
    let agents = usize::try_from(args.agents)?;
    let api = Arc::new(Api::new(args.base_url(), agents)?);
    let run_id = provision::new_run_id();
    let api_keys = provision::provision(
        &api,
        &args.admin_token,
        &run_id,
        args.agents,
        args.catalogue,
    )
    .await?;

    eprintln!(
        "measuring the fsync rate in {}",
        args.fsync_probe_dir.display()
    );
    let probe_dir = args.fsync_probe_dir.clone();
    let fsyncs_per_second = tokio::task::spawn_blocking(move || {
        fsync_probe::fsyncs_per_second(&probe_dir, FSYNC_PROBE_TIME)
    })
    .await?
    .map_err(|error| format!("fsync probe in {}: {error}", args.fsync_probe_dir.display()))?;

    eprintln!(
        "running {} agents: {} s warm-up, then {} s measured",
        args.agents, args.warmup, args.duration
    );
    let acks = match &args.ack_log {
        Some(path) => Some(Arc::new(ack_log::AckLog::create(path)?)),
        None => None,
    };
    let measure_from = std::time::Instant::now() + args.warmup();
    let people = (args.mixed > 0).then(|| {
        tokio::spawn(people::drive(
            api.clone(),
            args.admin_token.clone(),
            run_id.clone(),
            args.mixed,
            measure_from,
            measure_from + args.measured(),
        ))
    });
    let result = drive::drive(
        api,
        api_keys,
        args.warmup(),
        args.measured(),
        args.pace(),
        acks,
        drive::Shape {
            actions: args.actions.then_some(args.verify_every),
            catalogue: args.catalogue,
        },
    )
    .await?;
    let people = match people {
        Some(task) => Some(task.await??),
        None => None,
    };

    print!(
        "{}",
        report::render(&Summary {
            label: &args.label,
            url: args.base_url(),
            agents: args.agents,
            warmup: args.warmup(),
            measured: args.measured(),
            run_id: &run_id,
            fsyncs_per_second,
            fsync_probe_dir: &args.fsync_probe_dir,
            stats: &result.stats,
            measured_elapsed: result.measured_elapsed,
            people: people.as_ref(),
            actions: args.actions.then_some(args.verify_every),
            catalogue: args.catalogue,
        })
    );
    if let Some(people) = &people {
        if people.server_errors > 0 {
            eprintln!(
                "loadgen: {} of {} people's calls answered 5xx",
                people.server_errors,
                people.calls()
            );
            return Ok(ExitCode::FAILURE);
        }
    }

    let error_rate = result.stats.decision_error_rate();
    if error_rate > MAX_ERROR_RATE {
        eprintln!(
            "loadgen: {:.2}% of decisions failed, more than the {:.0}% allowed",
            error_rate * 100.0,
            MAX_ERROR_RATE * 100.0
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
