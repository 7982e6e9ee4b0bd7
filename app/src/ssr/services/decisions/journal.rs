//! Group commit: one writer task applies every decision change. Requests that arrive while a
//! commit is on disk queue up and are applied together in the next transaction, so one fsync
//! acknowledges many requests. Their writes are staged in a `Batch` and written together. Each
//! command is still all-or-nothing: a command that is refused writes nothing, and if the shared
//! transaction fails every command is retried on its own.

use sqlx::{pool::PoolConnection, Any, AnyConnection, Connection, Transaction};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::{
    error::{AppError, AppResult},
    model::DecisionStatus,
    ssr::{
        db::{retry_wait, Backend, Db, WRITE_ATTEMPTS},
        db_faults,
    },
};

use super::{
    batch::{Batch, FlushError},
    commands::{apply, Applied, Command, Refusal},
};

/// At most this many commands share one transaction; more wait for the next.
const MAX_BATCH: usize = 512;
/// Commands waiting for the writer beyond this make callers wait (back-pressure).
const QUEUE_DEPTH: usize = 8192;

/// A decision whose status changed, announced after the change is committed.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub decision_id: String,
    pub status: DecisionStatus,
}

struct Job {
    command: Command,
    reply: oneshot::Sender<AppResult<Applied>>,
}

#[derive(Clone)]
pub struct Journal {
    jobs: mpsc::Sender<Job>,
    changes: broadcast::Sender<StatusChange>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").finish_non_exhaustive()
    }
}

impl Journal {
    /// Starts the writer task on the current Tokio runtime.
    pub fn start(db: Db) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE_DEPTH);
        let (changes, _) = broadcast::channel(4096);
        if db.backend == Backend::Sqlite {
            tokio::spawn(crate::ssr::wal_checkpoint::run(db.pool.clone()));
        }
        tokio::spawn(write_loop(db, queue, changes.clone()));
        Self { jobs, changes }
    }

    /// Applies `command` durably: the answer comes after its transaction is committed.
    pub async fn submit(&self, command: Command) -> AppResult<Applied> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { command, reply })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    pub fn subscribe(&self) -> broadcast::Receiver<StatusChange> {
        self.changes.subscribe()
    }

    /// Tells this server's waiters about a change committed elsewhere (another server).
    pub fn announce(&self, change: StatusChange) {
        let _ = self.changes.send(change);
    }
}

fn stopped() -> AppError {
    tracing::error!("the decision journal has stopped");
    AppError::Internal
}

async fn write_loop(
    db: Db,
    mut queue: mpsc::Receiver<Job>,
    changes: broadcast::Sender<StatusChange>,
) {
    let mut writer = Writer {
        db,
        connection: None,
    };
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs = std::mem::take(&mut batch);
        let commands: Vec<&Command> = jobs.iter().map(|job| &job.command).collect();
        let mut outcome = writer.apply_in_one_transaction(&commands).await;
        // A batch that lost a race (SQLite busy past its timeout: another process writing; a
        // PostgreSQL deadlock or serialization failure) is run again, as `Db::write` does.
        let mut attempt = 1;
        while let Err(FlushError::Database(error)) = &outcome {
            if db_faults::classify(error) != Some(db_faults::DbFault::Busy)
                || attempt >= WRITE_ATTEMPTS
            {
                break;
            }
            let wait = retry_wait(attempt);
            tracing::warn!(%error, attempt, commands = jobs.len(), wait_ms = wait.as_millis() as u64,
                "group commit lost a race with another writer; trying again");
            tokio::time::sleep(wait).await;
            attempt += 1;
            outcome = writer.apply_in_one_transaction(&commands).await;
        }
        let results = match outcome {
            Ok(results) => results,
            // The database is busy, gone or full: applying each command alone would only wait
            // out the same fault once per command. Nothing was committed; every caller hears
            // 503 now and may send its request again.
            Err(FlushError::Database(error)) if db_faults::classify(&error).is_some() => {
                let refusal = AppError::from(error);
                jobs.iter().map(|_| Err(refusal.clone())).collect()
            }
            Err(error) => {
                tracing::warn!(%error, commands = jobs.len(), "group commit failed; retrying each command alone");
                let mut results = Vec::with_capacity(jobs.len());
                for command in &commands {
                    results.push(writer.apply_alone(command).await);
                }
                results
            }
        };
        for (job, result) in jobs.into_iter().zip(results) {
            if let Ok(applied) = &result {
                if applied.status_changed {
                    let _ = changes.send(StatusChange {
                        decision_id: applied.decision.id.clone(),
                        status: applied.status(),
                    });
                }
            }
            let _ = job.reply.send(result);
        }
    }
}

/// The writer keeps its connection between batches: taking one from a pool costs a round trip
/// per batch. A connection that failed is replaced.
struct Writer {
    db: Db,
    connection: Option<PoolConnection<Any>>,
}

impl Writer {
    /// Applies every command in one transaction; an `Err` means nothing was committed.
    async fn apply_in_one_transaction(
        &mut self,
        commands: &[&Command],
    ) -> Result<Vec<AppResult<Applied>>, FlushError> {
        let result = self.try_in_one_transaction(commands).await;
        if let Err(FlushError::Database(_)) = result {
            self.connection = None;
        }
        result
    }

    async fn try_in_one_transaction(
        &mut self,
        commands: &[&Command],
    ) -> Result<Vec<AppResult<Applied>>, FlushError> {
        let backend = self.db.backend;
        let connection = match &mut self.connection {
            Some(connection) => connection,
            None => self.connection.insert(self.db.journal.acquire().await?),
        };
        // SQLite: wait for this process's write turn, in order with people's transactions.
        let _turn = self.db.write_turn.take(backend).await;
        let mut tx = begin(connection, backend).await?;
        let mut batch = Batch::default();
        let named: Vec<&str> = commands.iter().filter_map(|c| c.decision_id()).collect();
        batch.prefetch(&mut tx, &named).await?;
        let mut results = Vec::with_capacity(commands.len());
        for command in commands {
            match apply(&mut tx, &mut batch, command).await {
                Ok(applied) => results.push(Ok(applied)),
                Err(Refusal::Refused(error)) => results.push(Err(error)),
                Err(Refusal::Database(error)) => return Err(error.into()),
            }
        }
        batch.flush(&mut tx).await?;
        if backend == Backend::Postgres {
            notify_other_servers(&mut tx, &results).await?;
        }
        tx.commit().await?;
        Ok(results)
    }

    async fn apply_alone(&mut self, command: &Command) -> AppResult<Applied> {
        match self.apply_in_one_transaction(&[command]).await {
            Ok(mut results) => results.pop().unwrap_or(Err(AppError::Internal)),
            Err(FlushError::Conflict) => Err(AppError::conflict(
                "The decision changed while this request was applied; retry it.",
            )),
            // A passing fault is 503 (logged as a warning where it is converted); anything else
            // is a defect, logged as an error.
            Err(FlushError::Database(error)) => Err(AppError::from(error)),
        }
    }
}

/// The PostgreSQL channel on which every server announces its decisions' status changes, as
/// `decision_id:status`; delivered with the commit, or not at all.
pub const STATUS_CHANNEL: &str = "verdict_decision_status";

/// Tells the other servers' waiters (see `listen_to_other_servers`) about status changes.
async fn notify_other_servers(
    tx: &mut AnyConnection,
    results: &[AppResult<Applied>],
) -> sqlx::Result<()> {
    let payloads: Vec<String> = results
        .iter()
        .filter_map(|result| result.as_ref().ok())
        .filter(|applied| applied.status_changed)
        .map(|applied| format!("{}:{}", applied.decision.id, applied.status()))
        .collect();
    if payloads.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = (1..=payloads.len()).map(|n| format!("(${n})")).collect();
    let sql = format!(
        "SELECT pg_notify('{STATUS_CHANNEL}', payload) FROM (VALUES {}) AS changes (payload)",
        values.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for payload in &payloads {
        query = query.bind(payload);
    }
    query.execute(&mut *tx).await.map(|_| ())
}

/// Passes status changes committed by any server on this PostgreSQL to this server's waiters,
/// so an agent waiting here hears at once of an approval answered on another server.
///
/// When PostgreSQL restarts or the connection is cut, the listener is connected again (by sqlx
/// at once when the socket closed cleanly, here after a second otherwise, for as long as it
/// takes) and listens again. Announcements made while it was away are lost, as PostgreSQL does
/// not keep them; every waiter re-reads its decision every `wait_recheck` (2 s by default) as
/// well, so a change committed meanwhile reaches it within that, never later.
pub async fn listen_to_other_servers(pool: sqlx::PgPool, journal: Journal) {
    let mut lost = false;
    loop {
        match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen(STATUS_CHANNEL).await {
                Err(error) => {
                    tracing::warn!(%error, "could not listen for other servers' changes; retrying");
                }
                Ok(()) => {
                    if std::mem::take(&mut lost) {
                        tracing::info!("listening for other servers' changes again");
                    }
                    lost = relay(&mut listener, &journal).await;
                }
            },
            Err(error) => {
                if !lost {
                    tracing::warn!(%error, "could not connect to listen for other servers; retrying");
                }
                lost = true;
            }
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// Relays notifications until the listener fails; returns whether it lost its connection.
async fn relay(listener: &mut sqlx::postgres::PgListener, journal: &Journal) -> bool {
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                if let Some(change) = parse_change(notification.payload()) {
                    journal.announce(change);
                }
            }
            // The socket closed and sqlx has already connected and listened again.
            Ok(None) => tracing::warn!(
                "the connection listening for other servers' changes was lost and reopened; \
                 waiters re-read their decisions meanwhile"
            ),
            Err(error) => {
                tracing::warn!(%error, "lost the connection listening for other servers' changes; reconnecting");
                return true;
            }
        }
    }
}

fn parse_change(payload: &str) -> Option<StatusChange> {
    let (decision_id, status) = payload.rsplit_once(':')?;
    Some(StatusChange {
        decision_id: decision_id.to_owned(),
        status: DecisionStatus::parse(status)?,
    })
}

/// SQLite takes the write lock up front, so no other writer can slip in between the reads that
/// validate a command and the writes that apply it.
async fn begin(
    connection: &mut AnyConnection,
    backend: Backend,
) -> sqlx::Result<Transaction<'_, Any>> {
    match backend {
        Backend::Sqlite => connection.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => connection.begin().await,
    }
}
