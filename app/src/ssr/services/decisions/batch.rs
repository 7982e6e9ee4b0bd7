//! The writes of one journal transaction. Commands read decision heads through the batch and
//! stage their writes in it; `flush` then writes everything in a few multi-row statements, so a
//! full decision costs about one statement per step instead of four.
//!
//! The batch is the truth for every decision it has read: a command sees the changes of the
//! commands before it in the same transaction without reading them back.

use std::collections::HashMap;

use crate::{
    model::ApprovalStatus,
    ssr::store::{
        approvals::{self, ApprovalRow, VoteRow},
        decisions::{self, DecisionRow, EventRow, HeadMove, NewEvaluation, NewIdempotencyRecord},
        product_uses::{self, NewProductUse},
        script::Script,
    },
};

#[derive(Default)]
pub struct Batch {
    heads: HashMap<String, Head>,
    events: Vec<EventRow>,
    evaluations: Vec<NewEvaluation>,
    product_uses: Vec<NewProductUse>,
    new_approvals: Vec<ApprovalRow>,
    resolutions: Vec<Resolution>,
    votes: Vec<VoteRow>,
    idempotency: HashMap<(String, String), NewIdempotencyRecord>,
}

struct Head {
    row: DecisionRow,
    /// The chain head on disk when the batch read it; `None` for a decision opened in this batch.
    stored_sequence: Option<i64>,
    changed: bool,
}

/// An approval request leaving `pending`.
#[derive(Clone)]
pub struct Resolution {
    pub approval_id: String,
    pub status: ApprovalStatus,
    pub by: String,
    pub rationale: Option<String>,
    pub at: i64,
    /// When set, the flush fails unless the request was still pending on disk: someone else's
    /// answer must never be overwritten.
    pub must_apply: bool,
}

/// Why nothing of a batch was written.
#[derive(Debug, thiserror::Error)]
pub enum FlushError {
    /// Another server moved a decision (or answered an approval) after the batch read it.
    #[error("a decision changed after the batch read it")]
    Conflict,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Batch {
    /// Reads the heads of `ids` in one statement, so the commands that follow need no reads.
    pub async fn prefetch(
        &mut self,
        conn: &mut sqlx::AnyConnection,
        ids: &[&str],
    ) -> sqlx::Result<()> {
        let mut distinct = ids.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        for row in decisions::find_many(conn, &distinct).await? {
            self.remember_stored(row);
        }
        Ok(())
    }

    /// The decision as this batch leaves it so far, read from disk the first time.
    pub async fn decision(
        &mut self,
        conn: &mut sqlx::AnyConnection,
        id: &str,
    ) -> sqlx::Result<Option<DecisionRow>> {
        if let Some(head) = self.heads.get(id) {
            return Ok(Some(head.row.clone()));
        }
        let Some(row) = decisions::find(&mut *conn, id, None).await? else {
            return Ok(None);
        };
        self.remember_stored(row.clone());
        Ok(Some(row))
    }

    fn remember_stored(&mut self, row: DecisionRow) {
        self.heads.insert(
            row.id.clone(),
            Head {
                stored_sequence: Some(row.last_sequence),
                row,
                changed: false,
            },
        );
    }

    pub fn open(&mut self, row: DecisionRow, events: &[EventRow]) {
        self.events.extend_from_slice(events);
        self.heads.insert(
            row.id.clone(),
            Head {
                row,
                stored_sequence: None,
                changed: true,
            },
        );
    }

    /// Moves a decision read at `expected_sequence` to `row`, appending `events`.
    pub fn advance(&mut self, row: DecisionRow, expected_sequence: i64, events: &[EventRow]) {
        self.events.extend_from_slice(events);
        let head = self.heads.entry(row.id.clone()).or_insert_with(|| Head {
            row: row.clone(),
            stored_sequence: Some(expected_sequence),
            changed: true,
        });
        head.row = row;
        head.changed = true;
    }

    pub fn record_evaluation(&mut self, evaluation: NewEvaluation) {
        self.evaluations.push(evaluation);
    }

    pub fn record_product_use(&mut self, product_use: NewProductUse) {
        self.product_uses.push(product_use);
    }

    pub fn request_approval(&mut self, approval: ApprovalRow) {
        self.new_approvals.push(approval);
    }

    pub fn record_vote(&mut self, vote: VoteRow) {
        self.votes.push(vote);
    }

    /// Who approved `approval_id` earlier in this batch (not yet on disk).
    pub fn staged_approvers(&self, approval_id: &str) -> Vec<String> {
        self.votes
            .iter()
            .filter(|vote| vote.approval_id == approval_id && vote.approve)
            .map(|vote| vote.voter.clone())
            .collect()
    }

    pub fn resolve_approval(&mut self, resolution: Resolution) {
        self.resolutions.push(resolution);
    }

    /// Resolves the still-pending requests for `decision_id` made earlier in this batch (not
    /// yet on disk) as `resolution` says.
    pub fn resolve_new_approvals(&mut self, decision_id: &str, resolution: &Resolution) {
        for approval in &mut self.new_approvals {
            if approval.decision_id == decision_id && approval.resolved_at.is_none() {
                approval.status = resolution.status;
                approval.resolved_by = Some(resolution.by.clone());
                approval.rationale = resolution.rationale.clone();
                approval.resolved_at = Some(resolution.at);
            }
        }
    }

    /// An idempotency record saved earlier in this batch, before one on disk.
    pub async fn idempotency_record(
        &self,
        conn: &mut sqlx::AnyConnection,
        agent_id: &str,
        scope: &str,
    ) -> sqlx::Result<Option<decisions::IdempotencyRow>> {
        if let Some(staged) = self
            .idempotency
            .get(&(agent_id.to_owned(), scope.to_owned()))
        {
            return Ok(Some(decisions::IdempotencyRow {
                request_hash: staged.request_hash.clone(),
                response_json: staged.response_json.clone(),
                created_at: staged.created_at,
            }));
        }
        decisions::idempotency_record(conn, agent_id, scope).await
    }

    pub fn remember_idempotency(&mut self, record: NewIdempotencyRecord) {
        self.idempotency
            .insert((record.agent_id.clone(), record.scope.clone()), record);
    }

    /// Writes everything staged. Decisions are updated in id order so two servers flushing
    /// overlapping batches on PostgreSQL are more likely to lock rows in the same order.
    pub async fn flush(self, conn: &mut sqlx::AnyConnection) -> Result<(), FlushError> {
        let mut changed: Vec<&Head> = self.heads.values().filter(|head| head.changed).collect();
        changed.sort_by(|a, b| a.row.id.cmp(&b.row.id));
        let opened: Vec<&DecisionRow> = changed
            .iter()
            .filter(|head| head.stored_sequence.is_none())
            .map(|head| &head.row)
            .collect();
        let moves: Vec<HeadMove> = changed
            .iter()
            .filter_map(|head| {
                head.stored_sequence.map(|expected_sequence| HeadMove {
                    row: &head.row,
                    expected_sequence,
                })
            })
            .collect();
        let records: Vec<&NewIdempotencyRecord> = self.idempotency.values().collect();

        let mut script = Script::new(conn);
        decisions::insert_many(&mut script, &opened);
        let advances = decisions::advance_many(&mut script, &moves);
        decisions::insert_events(&mut script, &self.events);
        decisions::insert_evaluations(&mut script, &self.evaluations);
        product_uses::insert_many(&mut script, &self.product_uses);
        approvals::insert_many(&mut script, &self.new_approvals);
        approvals::insert_votes(&mut script, &self.votes);
        let mut answers_that_must_apply = Vec::new();
        for resolution in &self.resolutions {
            let statement = approvals::resolve(
                &mut script,
                &resolution.approval_id,
                resolution.status.as_str(),
                &resolution.by,
                resolution.rationale.as_deref(),
                resolution.at,
            );
            if resolution.must_apply {
                answers_that_must_apply.push(statement);
            }
        }
        decisions::save_idempotency_records(&mut script, &records);
        if script.is_empty() {
            return Ok(());
        }

        // Another server took the same next event number (or cast the same vote) first: the
        // same race as a moved head, and answered the same way.
        let affected = script.run(conn).await.map_err(|error| {
            if error
                .as_database_error()
                .is_some_and(|database| database.is_unique_violation())
            {
                FlushError::Conflict
            } else {
                FlushError::Database(error)
            }
        })?;
        let moved: u64 = advances
            .iter()
            .map(|&statement| affected.of(statement))
            .sum();
        let answered_by_someone_else = answers_that_must_apply
            .iter()
            .any(|&statement| affected.of(statement) != 1);
        if moved != moves.len() as u64 || answered_by_someone_else {
            return Err(FlushError::Conflict);
        }
        Ok(())
    }
}
