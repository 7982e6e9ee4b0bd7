//! `verdict seed`: fills a database with realistic synthetic decision history, for trying the
//! trace explorer and measuring it at scale. Policies are published and agents created through
//! the ordinary services; the decisions themselves are written directly, many rows per
//! statement and a thousand decisions per transaction, with evaluations computed by the real
//! engine against the published versions (so replay is identical) and valid hash chains (so
//! verification says intact).

use std::time::Instant;

use serde_json::{json, Value};
use verdict_policy::{Outcome, Policy};

use app::{
    error::AppError,
    model::{
        ApprovalRequested, ApprovalResolved, ApprovalStatus, AutomationMode, ClosingAction,
        ContextAdded, DecisionClosed, DecisionOpened, DecisionStatus, EventPayload,
        PolicyEvaluated, PolicyUse, Read, Snapshot, Write,
    },
    ssr::{
        db::Db,
        ids::new_id,
        now_millis,
        services::{
            agents,
            decisions::chain::{link, Head, GENESIS},
            policies,
        },
        store::{
            self,
            decisions::EventRow,
            traces::{insert_rows, SqlValue},
        },
    },
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

/// The policies the history evaluates; the templates' and one of the seed's own.
const POLICIES: [&str; 4] = [
    include_str!("../../../app/src/policies/templates/refund_limit.yaml"),
    include_str!("../../../app/src/policies/templates/discount_cap.yaml"),
    RECORD_CHANGE_POLICY,
    include_str!("../../../app/src/policies/templates/pii_access.yaml"),
];

const RECORD_CHANGE_POLICY: &str = r#"policy: record_change
description: Agents may correct a few customer records; bulk or protected changes need a data steward
owner: data
scope:
  intents: ["crm.record.*"]
inputs:
  field: { type: string, required: true }
  records: { type: integer, required: true }
combine: strictest
default: deny
rules:
  - name: few_records
    when: records >= 1 && records <= 10
    outcome: allow
    rationale: "changing {{field}} on {{records}} records is routine"
  - name: bulk_change
    when: records > 10
    outcome: requires_exception
    approval_route: data-stewards
    rationale: "changing {{field}} on {{records}} records at once needs a data steward"
  - name: protected_field
    when: field in ['tax_id', 'iban']
    outcome: deny
    rationale: "{{field}} may not be changed by an agent"
tests:
  - name: one address is routine
    inputs: { field: address, records: 1 }
    expect: allow
  - name: bulk changes need a steward
    inputs: { field: email, records: 40 }
    expect: requires_exception
  - name: bank details are protected
    inputs: { field: iban, records: 1 }
    expect: deny
"#;

/// What an agent of each kind does; index into [`POLICIES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Refund,
    Discount,
    RecordChange,
    PiiRead,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::Refund,
        Kind::Discount,
        Kind::RecordChange,
        Kind::PiiRead,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Refund => "refund-bot",
            Kind::Discount => "discount-bot",
            Kind::RecordChange => "crm-bot",
            Kind::PiiRead => "privacy-bot",
        }
    }

    fn intent(self) -> &'static str {
        match self {
            Kind::Refund => "billing.refund.create",
            Kind::Discount => "billing.discount.apply",
            Kind::RecordChange => "crm.record.update",
            Kind::PiiRead => "customer.pii.read",
        }
    }

    fn team(self) -> &'static str {
        match self {
            Kind::Refund | Kind::Discount => "billing",
            Kind::RecordChange => "crm",
            Kind::PiiRead => "privacy",
        }
    }
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

const APPROVERS: [&str; 5] = [
    "maria.lopez@example.com",
    "james.chen@example.com",
    "aisha.khan@example.com",
    "tom.becker@example.com",
    "sofia.rossi@example.com",
];

const APPROVE_REASONS: [&str; 6] = [
    "verified the damaged parcel photos attached to the ticket",
    "long-standing customer with no previous disputes",
    "confirmed the duplicate charge in the ledger",
    "finance agreed to the exception for this enterprise renewal",
    "checked the signed change request form",
    "fraud team confirmed the open investigation",
];

const REJECT_REASONS: [&str; 4] = [
    "no proof of purchase on file",
    "customer was already compensated last month",
    "exceeds the quarterly exception budget",
    "request does not match the account owner's records",
];

const CONTEXTS: [&str; 8] = [
    "customer reports the parcel arrived damaged",
    "duplicate charge on the last invoice",
    "late delivery, customer asks for compensation",
    "subscription cancelled within the trial period",
    "customer moved and asks to update the address",
    "renewal negotiation with the account manager",
    "chargeback warning from the payment provider",
    "support ticket escalated by the customer",
];

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

/// Rows of one transaction.
#[derive(Default)]
struct Batch {
    decisions: Vec<Vec<SqlValue>>,
    events: Vec<Vec<SqlValue>>,
    evaluations: Vec<Vec<SqlValue>>,
    approvals: Vec<Vec<SqlValue>>,
}

const DECISION_COLUMNS: [&str; 15] = [
    "id",
    "agent_id",
    "intent",
    "automation_mode",
    "actor",
    "status",
    "latest_outcome",
    "latest_route",
    "approval_granted",
    "policies_used",
    "last_sequence",
    "last_hash",
    "created_at",
    "updated_at",
    "closed_at",
];
const EVENT_COLUMNS: [&str; 9] = [
    "decision_id",
    "sequence",
    "id",
    "kind",
    "at",
    "actor",
    "payload_json",
    "prev_hash",
    "hash",
];
const EVALUATION_COLUMNS: [&str; 9] = [
    "event_id",
    "decision_id",
    "agent_id",
    "policy_id",
    "policy_version",
    "policy_hash",
    "outcome",
    "matched_rules",
    "at",
];
const APPROVAL_COLUMNS: [&str; 13] = [
    "id",
    "decision_id",
    "agent_id",
    "title",
    "message",
    "approval_route",
    "require_rationale",
    "status",
    "requested_at",
    "expires_at",
    "resolved_at",
    "resolved_by",
    "rationale",
];

impl Batch {
    async fn write(self, db: &Db) -> Result<(), CommandError> {
        let mut tx = db.begin_write().await.map_err(AppError::from)?;
        insert_rows(&mut tx, "decisions", &DECISION_COLUMNS, self.decisions)
            .await
            .map_err(AppError::from)?;
        insert_rows(&mut tx, "decision_events", &EVENT_COLUMNS, self.events)
            .await
            .map_err(AppError::from)?;
        insert_rows(
            &mut tx,
            "policy_evaluations",
            &EVALUATION_COLUMNS,
            self.evaluations,
        )
        .await
        .map_err(AppError::from)?;
        insert_rows(&mut tx, "approvals", &APPROVAL_COLUMNS, self.approvals)
            .await
            .map_err(AppError::from)?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(())
    }
}

/// A decision's chain under construction.
struct Chain {
    decision_id: String,
    events: Vec<EventRow>,
    at: i64,
    now: i64,
}

impl Chain {
    fn append(&mut self, actor: &str, payload: impl Into<EventPayload>) -> String {
        let event = link(
            &self.decision_id,
            self.head(),
            self.at.min(self.now),
            actor.to_owned(),
            &payload.into(),
        );
        let id = event.id.clone();
        self.events.push(event);
        id
    }

    fn head(&self) -> Head<'_> {
        self.events.last().map_or(
            Head {
                sequence: 0,
                hash: GENESIS,
            },
            |event| Head {
                sequence: event.sequence,
                hash: &event.hash,
            },
        )
    }

    /// When the decision was last touched: its last event, or its opening time.
    fn last_at(&self) -> i64 {
        self.events
            .last()
            .map_or(self.at.min(self.now), |event| event.at)
    }

    fn wait(&mut self, millis: u64) {
        self.at += millis as i64;
    }
}

/// What the agent asked the policy and what it then did.
struct Scenario {
    inputs: Value,
    read: Read,
    context: &'static str,
    /// The action's event: a write, or (for personal data) the read itself.
    action: EventPayload,
    title: String,
}

fn read(product: &str, purpose: &str, summary: String, record_count: u64) -> Read {
    Read {
        product: product.to_owned(),
        purpose: purpose.to_owned(),
        summary: Some(summary),
        record_count: Some(record_count),
    }
}

fn write(product: &str, operation: &str, summary: String) -> EventPayload {
    EventPayload::Write(Write {
        product: product.to_owned(),
        operation: operation.to_owned(),
        summary: Some(summary),
        idempotency_key: None,
    })
}

fn scenario(rng: &mut Rng, kind: Kind) -> Scenario {
    let context = *rng.pick(&CONTEXTS);
    let order = 100_000 + rng.below(900_000);
    match kind {
        Kind::Refund => {
            let cents = if rng.chance(0.8) {
                500 + rng.below(19_500)
            } else {
                20_001 + rng.below(130_000)
            };
            let amount = cents as f64 / 100.0;
            let currency = *rng.pick(&["EUR", "USD", "GBP"]);
            let refunds = rng.below(6);
            let mut inputs = json!({"amount": amount, "currency": currency});
            if rng.chance(0.3) {
                inputs["customer"] = json!({"refunds_last_90_days": refunds});
            }
            Scenario {
                read: read(
                    "billing",
                    "look up the order and earlier refunds",
                    format!("order #{order}: {amount:.2} {currency}, {refunds} refunds in 90 days"),
                    1,
                ),
                action: write(
                    "billing",
                    "refund.create",
                    format!(
                        "refunded {amount:.2} {currency} for order #{order} to the original card"
                    ),
                ),
                title: format!("Refund of {amount:.2} {currency} for order #{order}"),
                inputs,
                context,
            }
        }
        Kind::Discount => {
            let discount = (1 + rng.below(35)) as f64 / 100.0;
            let tier = *rng.pick(&["free", "pro", "pro", "enterprise"]);
            Scenario {
                inputs: json!({"proposed_discount": discount, "account_tier": tier}),
                read: read(
                    "billing",
                    "read the account's plan and renewal date",
                    format!("{tier} account, renewal of contract #{order}"),
                    1,
                ),
                action: write(
                    "billing",
                    "discount.apply",
                    format!(
                        "applied a {:.0}% discount to contract #{order}",
                        discount * 100.0
                    ),
                ),
                title: format!("Discount of {:.0}% on a {tier} account", discount * 100.0),
                context,
            }
        }
        Kind::RecordChange => {
            let field = *rng.pick(&[
                "email", "phone", "address", "address", "name", "tax_id", "iban",
            ]);
            let records = if rng.chance(0.85) {
                1 + rng.below(10)
            } else {
                11 + rng.below(200)
            };
            Scenario {
                inputs: json!({"field": field, "records": records}),
                read: read(
                    "crm",
                    "read the records before changing them",
                    format!("{records} customer records, {field} to update"),
                    records,
                ),
                action: write(
                    "crm",
                    "record.update",
                    format!("updated {field} on {records} records"),
                ),
                title: format!("Change {field} on {records} records"),
                context,
            }
        }
        Kind::PiiRead => {
            let purpose = *rng.pick(&[
                "support_ticket",
                "fraud_review",
                "billing_dispute",
                "marketing",
            ]);
            let records = if rng.chance(0.85) {
                1 + rng.below(20)
            } else {
                101 + rng.below(900)
            };
            Scenario {
                inputs: json!({"purpose": purpose, "record_count": records}),
                read: read(
                    "crm",
                    "find the customer's account",
                    format!("account lookup for ticket #{order}"),
                    1,
                ),
                action: EventPayload::Read(read(
                    "crm",
                    purpose,
                    format!("read personal data of {records} customers for {purpose}"),
                    records,
                )),
                title: format!("Read personal data of {records} customers for {purpose}"),
                context,
            }
        }
    }
}

/// One whole decision: its row, events, evaluation and approval, if any.
fn history(
    batch: &mut Batch,
    rng: &mut Rng,
    agent: &SeedAgent,
    policy: &SeedPolicy,
    created_at: i64,
    now: i64,
) {
    let decision_id = new_id();
    let agent_actor = format!("agent:{}", agent.name);
    let mode = match rng.below(10) {
        0 => AutomationMode::Propose,
        1 => AutomationMode::Approve,
        2 => AutomationMode::Override,
        _ => AutomationMode::Autonomous,
    };
    let customer = format!("customer:C-{}", 10_000 + rng.below(90_000));
    let story = scenario(rng, agent.kind);
    let mut chain = Chain {
        decision_id: decision_id.clone(),
        events: Vec::new(),
        at: created_at,
        now,
    };
    chain.append(
        &agent_actor,
        DecisionOpened {
            intent: agent.kind.intent().to_owned(),
            automation_mode: mode,
            actor: Some(customer.clone()),
            metadata: Some(json!({"source": "seed"})),
        },
    );
    chain.wait(20 + rng.below(500));
    chain.append(
        &agent_actor,
        ContextAdded {
            summary: story.context.to_owned(),
            payload: None,
        },
    );
    chain.wait(50 + rng.below(1_500));
    chain.append(&agent_actor, story.read);
    chain.wait(5 + rng.below(50));

    let evaluation = policy.policy.evaluate(&story.inputs);
    let matched: Vec<String> = evaluation
        .matched_rules
        .iter()
        .map(|rule| rule.as_str().to_owned())
        .collect();
    let eval_at = chain.at.min(now);
    let eval_id = chain.append(
        &agent_actor,
        PolicyEvaluated {
            policy_id: Some(policy.id.clone()),
            version: Some(policy.version),
            hash: Some(policy.hash.clone()),
            inputs: story.inputs,
            outcome: evaluation.outcome,
            rationale: evaluation.rationale.clone(),
            decided_by: evaluation
                .decided_by
                .as_ref()
                .map(|rule| rule.as_str().to_owned()),
            matched_rules: matched.clone(),
            approval_route: evaluation.approval_route.clone(),
        },
    );
    batch.evaluations.push(vec![
        SqlValue::Text(eval_id),
        SqlValue::Text(decision_id.clone()),
        SqlValue::Text(agent.id.clone()),
        SqlValue::Text(policy.id.clone()),
        SqlValue::Int(policy.version),
        SqlValue::Text(policy.hash.clone()),
        SqlValue::Text(evaluation.outcome.as_str().to_owned()),
        SqlValue::Text(serde_json::to_string(&matched).unwrap_or_default()),
        SqlValue::Int(eval_at),
    ]);
    let outcome = evaluation.outcome;
    let route = (outcome == Outcome::RequiresException)
        .then(|| evaluation.approval_route.clone())
        .flatten();
    let policies_used = vec![PolicyUse {
        policy_id: policy.id.clone(),
        version: policy.version,
        hash: policy.hash.clone(),
    }];

    let mut status = DecisionStatus::Committed;
    let mut granted = false;
    let mut closing: Option<EventPayload> = None;
    let needs_approval = outcome == Outcome::RequiresException
        || (outcome == Outcome::Allow && mode.needs_approval_to_act());
    if outcome == Outcome::Deny {
        status = DecisionStatus::Aborted;
        closing = Some(aborted(
            ClosingAction::Abort,
            format!("denied: {}", evaluation.rationale),
        ));
    } else if needs_approval {
        chain.wait(100 + rng.below(2_000));
        let approval_id = new_id();
        let requested_at = chain.at.min(now);
        let message = format!("{}; {}", evaluation.rationale, story.context);
        // Requests of the last twelve hours may still be waiting for someone.
        let pending = requested_at > now - DAY_MILLIS / 2 && rng.chance(0.5);
        let expires_at = requested_at + if pending { 3 * DAY_MILLIS } else { DAY_MILLIS };
        chain.append(
            &agent_actor,
            ApprovalRequested {
                approval_id: approval_id.clone(),
                title: story.title.clone(),
                message: message.clone(),
                approval_route: route.clone(),
                route_version: None,
                required_approvals: 1,
                require_rationale: true,
                expires_at,
            },
        );
        let (approval_status, resolved_at, resolved_by, rationale) = if pending {
            status = DecisionStatus::NeedsApproval;
            (ApprovalStatus::Pending, None, None, None)
        } else {
            chain.wait(120_000 + rng.below(6 * 3_600_000));
            let approver = *rng.pick(&APPROVERS);
            let approve = rng.chance(0.75);
            let rationale = if approve {
                *rng.pick(&APPROVE_REASONS)
            } else {
                *rng.pick(&REJECT_REASONS)
            };
            let resolution = if approve {
                ApprovalStatus::Approved
            } else {
                ApprovalStatus::Rejected
            };
            chain.append(
                &format!("user:{approver}"),
                ApprovalResolved {
                    approval_id: approval_id.clone(),
                    outcome: resolution,
                    by: approver.to_owned(),
                    approvers: Some(if approve {
                        vec![approver.to_owned()]
                    } else {
                        Vec::new()
                    }),
                    rationale: Some(rationale.to_owned()),
                },
            );
            if approve {
                granted = true;
            } else {
                status = DecisionStatus::Aborted;
                closing = Some(aborted(
                    ClosingAction::Abort,
                    "the approver rejected the request".to_owned(),
                ));
            }
            (
                resolution,
                Some(chain.at.min(now)),
                Some(approver.to_owned()),
                Some(rationale.to_owned()),
            )
        };
        batch.approvals.push(vec![
            SqlValue::Text(approval_id),
            SqlValue::Text(decision_id.clone()),
            SqlValue::Text(agent.id.clone()),
            SqlValue::Text(story.title.clone()),
            SqlValue::Text(message),
            SqlValue::OptText(route.clone()),
            SqlValue::Int(1),
            SqlValue::Text(approval_status.as_str().to_owned()),
            SqlValue::Int(requested_at),
            SqlValue::Int(expires_at),
            SqlValue::OptInt(resolved_at),
            SqlValue::OptText(resolved_by),
            SqlValue::OptText(rationale),
        ]);
    } else if rng.chance(0.03) {
        status = DecisionStatus::Aborted;
        closing = Some(aborted(
            ClosingAction::Rollback,
            "the customer withdrew the request".to_owned(),
        ));
    }
    if status == DecisionStatus::Committed {
        chain.wait(30 + rng.below(3_000));
        chain.append(&agent_actor, story.action);
        closing = Some(EventPayload::DecisionCommitted(DecisionClosed {
            action: ClosingAction::Commit,
            reason: None,
        }));
    }
    let mut closed_at = None;
    if let Some(last) = closing {
        chain.wait(5 + rng.below(200));
        chain.append(
            &agent_actor,
            Snapshot {
                policies: policies_used.clone(),
            },
        );
        chain.append(&agent_actor, last);
        closed_at = Some(chain.at.min(now));
    }
    let head = chain.head();
    let (last_sequence, last_hash, last_at) =
        (head.sequence, head.hash.to_owned(), chain.last_at());
    batch.decisions.push(vec![
        SqlValue::Text(decision_id),
        SqlValue::Text(agent.id.clone()),
        SqlValue::Text(agent.kind.intent().to_owned()),
        SqlValue::Text(mode.as_str().to_owned()),
        SqlValue::Text(customer),
        SqlValue::Text(status.as_str().to_owned()),
        SqlValue::Text(outcome.as_str().to_owned()),
        SqlValue::OptText(route),
        SqlValue::Int(i64::from(granted)),
        SqlValue::Text(json!(policies_used).to_string()),
        SqlValue::Int(last_sequence),
        SqlValue::Text(last_hash),
        SqlValue::Int(created_at),
        SqlValue::Int(last_at),
        SqlValue::OptInt(closed_at),
    ]);
    for event in chain.events {
        batch.events.push(vec![
            SqlValue::Text(event.decision_id),
            SqlValue::Int(event.sequence),
            SqlValue::Text(event.id),
            SqlValue::Text(event.kind),
            SqlValue::Int(event.at),
            SqlValue::Text(event.actor),
            SqlValue::Text(event.payload_json),
            SqlValue::Text(event.prev_hash),
            SqlValue::Text(event.hash),
        ]);
    }
}

fn aborted(action: ClosingAction, reason: String) -> EventPayload {
    EventPayload::DecisionAborted(DecisionClosed {
        action,
        reason: Some(reason),
    })
}

/// SplitMix64: small, fast and good enough for synthetic data; no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (0 when `bound` is 0).
    fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            self.next() % bound
        }
    }

    fn chance(&mut self, probability: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < probability
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

// Keeps the per-kind policy index in step with POLICIES' order.
const _: () = {
    assert!(Kind::Refund as usize == 0);
    assert!(Kind::Discount as usize == 1);
    assert!(Kind::RecordChange as usize == 2);
    assert!(Kind::PiiRead as usize == 3);
};
