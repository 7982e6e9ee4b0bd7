//! A seeded decision's events linked into a hash chain, and one transaction's rows written
//! through the store's own writers (`store::decisions`, `store::approvals`): the rows are the
//! journal's row types, so a column added there breaks the seed at compile time instead of
//! leaving seeded rows without it.

use app::{
    error::AppError,
    model::EventPayload,
    ssr::{
        db::Db,
        services::decisions::chain::{link, Head, GENESIS},
        store::{
            approvals::{self, ApprovalRow},
            decisions::{self, DecisionRow, EventRow, NewEvaluation},
            script::Script,
        },
    },
};

use super::CommandError;

/// Rows of one transaction.
#[derive(Default)]
pub(super) struct Batch {
    pub(super) decisions: Vec<DecisionRow>,
    pub(super) events: Vec<EventRow>,
    pub(super) evaluations: Vec<NewEvaluation>,
    pub(super) approvals: Vec<ApprovalRow>,
}

impl Batch {
    /// One transaction; on SQLite one script text (the writers put up to 500 rows in each
    /// statement).
    pub(super) async fn write(self, db: &Db) -> Result<(), CommandError> {
        let mut tx = db.begin_write().await.map_err(AppError::from)?;
        let opened: Vec<&DecisionRow> = self.decisions.iter().collect();
        let mut script = Script::new(&tx).uncached();
        decisions::insert_many(&mut script, &opened);
        decisions::insert_events(&mut script, &self.events);
        decisions::insert_evaluations(&mut script, &self.evaluations);
        approvals::insert_many(&mut script, &self.approvals);
        script.run(&mut tx).await.map_err(AppError::from)?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(())
    }
}

/// A decision's chain under construction.
pub(super) struct Chain {
    decision_id: String,
    events: Vec<EventRow>,
    at: i64,
    now: i64,
}

impl Chain {
    pub(super) fn new(decision_id: String, at: i64, now: i64) -> Self {
        Self {
            decision_id,
            events: Vec::new(),
            at,
            now,
        }
    }

    pub(super) fn append(&mut self, actor: &str, payload: impl Into<EventPayload>) -> String {
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

    pub(super) fn head(&self) -> Head<'_> {
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

    /// The chain's clock, never past the seed's "now".
    pub(super) fn now_at(&self) -> i64 {
        self.at.min(self.now)
    }

    /// When the decision was last touched: its last event, or its opening time.
    pub(super) fn last_at(&self) -> i64 {
        self.events
            .last()
            .map_or(self.at.min(self.now), |event| event.at)
    }

    pub(super) fn wait(&mut self, millis: u64) {
        self.at += millis as i64;
    }

    /// The bytes of every payload, as the journal counts them against a decision's bound.
    pub(super) fn payload_bytes(&self) -> i64 {
        self.events
            .iter()
            .map(|event| event.payload_json.len() as i64)
            .sum()
    }

    pub(super) fn into_events(self) -> Vec<EventRow> {
        self.events
    }
}
