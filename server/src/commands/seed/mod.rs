//! `verdict seed`: fills a database with realistic synthetic decision history, for trying the
//! trace explorer and measuring it at scale. Policies are published and agents created through
//! the ordinary services; the decisions themselves are written directly, through the store's
//! own multi-row writers, a thousand decisions per transaction, with evaluations computed by the
//! real engine against the published versions (so replay is identical) and valid hash chains
//! (so verification says intact).
//!
//! `scenarios` is what agents of each kind ask and the texts they use; `history` is one
//! decision's life from opening to closing; `writing` links its events into a chain and writes a
//! transaction's rows.

mod history;
mod scenarios;
mod writing;

use std::time::Instant;

use verdict_policy::Policy;

use app::{
    error::AppError,
    ssr::{
        db::Db,
        now_millis,
        services::{agents, policies},
        store,
    },
};

use self::{
    history::history,
    scenarios::{Kind, Rng, POLICIES},
    writing::Batch,
};
use super::{open_db, CommandError};
use crate::config::DatabaseArgs;

const ACTOR: &str = "seed";
const DAY_MILLIS: i64 = 86_400_000;
/// Decisions written per transaction.
const BATCH: u64 = 1_000;

#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// How many decisions to add.
    #[arg(long)]
    pub decisions: u64,
    /// How many agents share them (created if missing, named seed-<kind>-<n>).
    #[arg(long, default_value_t = 8)]
    pub agents: u32,
    /// The history spans this many days up to now.
    #[arg(long, default_value_t = 90)]
    pub days: u32,
    /// The random generator's seed: the same seed writes the same kinds of history.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub decisions: u64,
    pub agents: u32,
    pub days: u32,
    pub seed: u64,
}

#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    pub decisions: u64,
    pub events: u64,
    pub evaluations: u64,
    pub approvals: u64,
}

pub async fn run(args: SeedArgs) -> Result<(), CommandError> {
    let db = open_db(&args.database.database_url).await?;
    let options = SeedOptions {
        decisions: args.decisions,
        agents: args.agents,
        days: args.days,
        seed: args.seed,
    };
    let started = Instant::now();
    let total = options.decisions;
    let report_every = (total / 20).max(BATCH);
    let mut progress = |done: u64| {
        if done % report_every < BATCH || done == total {
            let seconds = started.elapsed().as_secs_f64().max(0.001);
            println!(
                "seeded {done}/{total} decisions ({:.0} decisions/s)",
                done as f64 / seconds
            );
        }
    };
    let report = seed(&db, &options, &mut progress).await?;
    let seconds = started.elapsed().as_secs_f64().max(0.001);
    println!(
        "done: {} decisions, {} events, {} evaluations, {} approvals in {seconds:.1} s \
         ({:.0} decisions/s, {:.0} events/s)",
        report.decisions,
        report.events,
        report.evaluations,
        report.approvals,
        report.decisions as f64 / seconds,
        report.events as f64 / seconds,
    );
    Ok(())
}

struct SeedPolicy {
    id: String,
    version: i64,
    hash: String,
    policy: Policy,
}

struct SeedAgent {
    id: String,
    name: String,
    kind: Kind,
}

/// Adds `options.decisions` decisions; `progress` hears the running total after each
/// transaction.
pub async fn seed(
    db: &Db,
    options: &SeedOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<SeedReport, CommandError> {
    if options.agents == 0 {
        return Err(CommandError::Usage("--agents must be at least 1".into()));
    }
    let policies = publish_policies(db).await?;
    let agents = ensure_agents(db, options.agents, &policies).await?;
    let now = now_millis();
    let window = i64::from(options.days.max(1)) * DAY_MILLIS;
    let start = now - window;
    let spacing = (window / options.decisions.max(1) as i64).max(1);
    let mut rng = Rng(options.seed ^ 0x9E37_79B9_7F4A_7C15);
    let mut report = SeedReport::default();
    let mut index = 0u64;
    while index < options.decisions {
        let count = BATCH.min(options.decisions - index);
        let mut batch = Batch::default();
        for offset in 0..count {
            let i = (index + offset) as i64;
            let created_at = (start + i * spacing + rng.below(spacing as u64) as i64).min(now);
            let agent = &agents[rng.below(agents.len() as u64) as usize];
            let policy = &policies[agent.kind as usize];
            history(&mut batch, &mut rng, agent, policy, created_at, now);
        }
        report.decisions += count;
        report.events += batch.events.len() as u64;
        report.evaluations += batch.evaluations.len() as u64;
        report.approvals += batch.approvals.len() as u64;
        batch.write(db).await?;
        index += count;
        progress(index);
    }
    let mut conn = db.pool.acquire().await.map_err(AppError::from)?;
    store::traces::analyze(&mut conn)
        .await
        .map_err(AppError::from)?;
    Ok(report)
}

async fn publish_policies(db: &Db) -> Result<Vec<SeedPolicy>, CommandError> {
    let mut published = Vec::new();
    let pool = app::ssr::evaluation_pool::EvaluationPool::new(0);
    for source in POLICIES {
        let outcome =
            policies::publish_source(db, &pool, ACTOR, source, "Published by verdict seed.")
                .await?;
        let row = store::policies::version(&db.pool, &outcome.policy_id, outcome.version)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::Internal)?;
        let policy = Policy::parse(&row.source).map_err(|_| AppError::Internal)?;
        published.push(SeedPolicy {
            id: outcome.policy_id,
            version: row.version,
            hash: row.content_hash,
            policy,
        });
    }
    Ok(published)
}

async fn ensure_agents(
    db: &Db,
    count: u32,
    policies: &[SeedPolicy],
) -> Result<Vec<SeedAgent>, CommandError> {
    let mut created = Vec::new();
    for n in 0..count {
        let kind = Kind::ALL[n as usize % Kind::ALL.len()];
        let name = format!("seed-{}-{}", kind.name(), n as usize / Kind::ALL.len() + 1);
        let id = match store::agents::find(&db.pool, &name, now_millis())
            .await
            .map_err(AppError::from)?
        {
            Some(agent) => agent.id,
            None => {
                let issued = agents::create(
                    db,
                    ACTOR,
                    agents::NewAgentInput {
                        name: &name,
                        description: "Synthetic history from verdict seed.",
                        owner_team: kind.team(),
                    },
                )
                .await?;
                agents::bind(
                    db,
                    ACTOR,
                    &issued.agent.id,
                    &policies[kind as usize].id,
                    None,
                )
                .await?;
                issued.agent.id
            }
        };
        created.push(SeedAgent { id, name, kind });
    }
    Ok(created)
}
