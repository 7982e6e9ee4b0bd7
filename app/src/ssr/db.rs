//! One database handle for SQLite or PostgreSQL, chosen by the URL at start-up.
//!
//! Application queries go through sqlx's `Any` driver with `$n` placeholders (SQLite accepts them
//! when they appear in ascending order), so the same SQL serves both backends, sessions included
//! (`session_store`). On PostgreSQL a small typed pool is opened beside it for LISTEN, which the
//! `Any` driver does not offer.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    postgres::{PgConnectOptions, PgPool, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    AnyPool, Connection, Executor,
};

use super::access_cache::AccessCache;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL {0:?}: use sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("could not create the directory for the SQLite file {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    /// The decision journal's own connection, so its commits never queue behind readers
    /// waiting for a pooled connection.
    pub journal: AnyPool,
    pub backend: Backend,
    /// What agent requests read on every call, kept for a moment; services that change keys,
    /// agents, bindings or policies invalidate it.
    pub access: AccessCache,
    /// SQLite's one writer, taken in turn (see `begin_write`).
    pub write_turn: WriteTurn,
}

/// Whose turn it is to write to SQLite. SQLite lets one connection write at a time, and a
/// connection that finds the lock taken sleeps and polls (the busy handler's back-off grows to
/// 100 ms a try), while the journal takes the lock again the moment it is free: under agents'
/// load people's transactions lost that race for seconds (p99 1.8 s for admin writes beside 16
/// agents here). A FIFO async lock that every writer of this process takes first hands the turn
/// over in order instead. Unused on PostgreSQL, whose row locks need no turn.
#[derive(Debug, Clone, Default)]
pub struct WriteTurn(std::sync::Arc<tokio::sync::Mutex<()>>);

impl WriteTurn {
    /// Waits for this process's turn to write (`None` on PostgreSQL: no turn needed).
    pub async fn take(&self, backend: Backend) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match backend {
            Backend::Sqlite => Some(self.0.clone().lock_owned().await),
            Backend::Postgres => None,
        }
    }
}

/// A write transaction holding the write turn until it commits or is dropped.
pub struct WriteTransaction {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for WriteTransaction {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTransaction {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// How many times `Db::write` runs a transaction that keeps losing races. Each race already
/// waited for the lock (SQLite's busy timeout) or lost to a committed change (PostgreSQL), so a
/// few tries are enough to tell contention that passes from contention that does not.
pub(crate) const WRITE_ATTEMPTS: u32 = 4;

/// How long to wait before try `attempt + 1`: doubling from 10 ms, with up to as much again at
/// random so that two transactions that collided do not collide again in step.
pub(crate) fn retry_wait(attempt: u32) -> Duration {
    use rand::Rng;
    let base = 10u64 << attempt.saturating_sub(1).min(6);
    Duration::from_millis(base + rand::thread_rng().gen_range(0..=base))
}

/// SQLite waits this long for a competing writer before reporting "database is locked".
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request waits for a connection before it is answered 503. sqlx's default (30 s)
/// made every request hang for half a minute while PostgreSQL restarted; a few seconds covers a
/// pool that is merely busy and tells callers soon when the database is gone.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl Db {
    /// Opens the database named by `url`, creating a SQLite file (and its directory) if needed,
    /// and applies the migrations. On PostgreSQL it also returns a typed pool for LISTEN (the
    /// other servers' notifications).
    pub async fn connect(url: &str) -> Result<(Db, Option<PgPool>), DbError> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let (pool, journal, listener) = match backend {
            Backend::Sqlite => {
                let sqlite_options = sqlite_options(url)?;
                let any_options = AnyConnectOptions::from_str(&sqlite_url(&sqlite_options))?;
                // One pool creates the file and switches it to WAL before anything else opens it.
                let typed = SqlitePoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(sqlite_options)
                    .await?;
                let pool = sqlite_any_pool(8, &any_options, "").await?;
                // The journal's commits leave checkpoints to a background task
                // (`journal::checkpoint_loop`), so no acknowledgement waits for one.
                let journal =
                    sqlite_any_pool(1, &any_options, "PRAGMA wal_autocheckpoint = 0;").await?;
                typed.close().await;
                (pool, journal, None)
            }
            Backend::Postgres => {
                // LISTEN holds one connection; it waits no longer for one than requests do
                // (sqlx's default, 30 s, hung pages for half a minute while PostgreSQL
                // restarted: scripts/fault-test.sh).
                let typed = PgPoolOptions::new()
                    .max_connections(2)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(PgConnectOptions::from_str(url)?)
                    .await?;
                let any_options = AnyConnectOptions::from_str(url)?;
                let pool = postgres_any_pool(16, &any_options).await?;
                let journal = postgres_any_pool(1, &any_options).await?;
                (pool, journal, Some(typed))
            }
        };
        let db = Db {
            pool,
            journal,
            backend,
            access: AccessCache::default(),
            write_turn: WriteTurn::default(),
        };
        db.migrate().await?;
        Ok((db, listener))
    }

    async fn migrate(&self) -> Result<(), DbError> {
        super::migrations::migrator(self.backend)
            .await?
            .run(&self.pool)
            .await?;
        Ok(())
    }

    /// A transaction for work that reads and then writes. On SQLite it takes the write lock at
    /// `BEGIN`: a deferred transaction that reads first fails at once with SQLITE_BUSY_SNAPSHOT
    /// when another connection commits before its first write (the journal commits every few
    /// milliseconds under load), and the busy timeout never applies to that upgrade. Taken up
    /// front, the lock is waited for (up to the busy timeout) and the snapshot cannot go stale.
    /// Mixed load (8 agent threads, 2 admin threads, 20 s; issue 15) gave 894 answers of 500
    /// with deferred transactions. PostgreSQL's row locks need nothing of the kind. On SQLite
    /// the transaction first waits for this process's write turn (`WriteTurn`).
    pub async fn begin_write(&self) -> Result<WriteTransaction, sqlx::Error> {
        let turn = self.write_turn.take(self.backend).await;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTransaction { tx, _turn: turn })
    }

    /// Runs one read-then-write transaction (`begin_write`), and runs it again when it lost a
    /// race it may win the next time: SQLite still busy after its timeout (another process
    /// writing), a PostgreSQL serialization failure or deadlock. `work` gets the transaction and
    /// commits it; it runs whole each time, so it must not do anything outside the transaction
    /// that cannot happen twice (send mail, touch caches: do those after `write` returns).
    /// After `WRITE_ATTEMPTS` lost races the caller is answered 503 with `Retry-After`, and the
    /// operator reads a warning naming `operation`.
    pub async fn write<T, F, Fut>(&self, operation: &'static str, mut work: F) -> AppResult<T>
    where
        F: FnMut(WriteTransaction) -> Fut,
        Fut: std::future::Future<Output = AppResult<T>>,
    {
        let mut attempt = 1;
        loop {
            let result = match self.begin_write().await {
                Ok(tx) => work(tx).await,
                Err(error) => Err(AppError::from(error)),
            };
            match result {
                Err(error) if error.is_contended() && attempt < WRITE_ATTEMPTS => {
                    let wait = retry_wait(attempt);
                    tracing::warn!(
                        operation,
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        "write lost a race with another writer; trying again"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(error) if error.is_contended() => {
                    tracing::warn!(
                        operation,
                        attempts = attempt,
                        "write lost every race with other writers; answered 503"
                    );
                    return Err(error);
                }
                result => return result,
            }
        }
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }
}

async fn postgres_any_pool(
    connections: u32,
    options: &AnyConnectOptions,
) -> Result<AnyPool, sqlx::Error> {
    AnyPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                // Compiling the explorer's aggregates (the only queries costly enough to be
                // compiled) took longer than it saved: 44 ms of a 0.45 s chart at a million
                // decisions.
                conn.execute("SET jit = off").await?;
                Ok(())
            })
        })
        .connect_with(options.clone())
        .await
}

async fn sqlite_any_pool(
    connections: u32,
    options: &AnyConnectOptions,
    extra_pragmas: &'static str,
) -> Result<AnyPool, sqlx::Error> {
    AnyPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // SQLite rolls a transaction back by itself after some errors, a full disk among them;
        // sqlx still counts it open, its ROLLBACK then fails, and every later `BEGIN IMMEDIATE`
        // on that connection is refused ("non-zero transaction depth"). One full disk left the
        // journal's only connection unusable until a restart (scripts/fault-test.sh). Such a
        // connection is closed instead of being handed out again.
        .before_acquire(|conn, _meta| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                // Reads map the file (one copy of each page, shared by every connection)
                // instead of copying pages into each connection's small private cache; the
                // explorer's charts read hundreds of thousands of index entries. A log that
                // starts over is cut back to 256 MiB (see `wal_checkpoint`).
                conn.execute(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                     PRAGMA synchronous = FULL; PRAGMA mmap_size = 1073741824; \
                     PRAGMA cache_size = -16384; PRAGMA journal_size_limit = 268435456;",
                )
                .await?;
                if !extra_pragmas.is_empty() {
                    conn.execute(extra_pragmas).await?;
                }
                Ok(())
            })
        })
        .connect_with(options.clone())
        .await
}

fn backend_of(url: &str) -> Result<Backend, DbError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(DbError::UnsupportedUrl(url.to_owned()))
    }
}

fn sqlite_options(url: &str) -> Result<SqliteConnectOptions, DbError> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a commit is on disk before it is acknowledged, so a power cut loses nothing.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(SQLITE_BUSY_TIMEOUT);
    if let Some(parent) = Path::new(options.get_filename()).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(|source| DbError::CreateDir {
                path: parent.display().to_string(),
                source,
            })?;
        }
    }
    Ok(options)
}

/// The `Any` driver takes a URL, not typed options: rebuild one that points at the same file.
fn sqlite_url(options: &SqliteConnectOptions) -> String {
    format!("sqlite://{}", options.get_filename().display())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::ssr::db_faults::DbFault;

    async fn scratch_db() -> (Db, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("verdict-db-{}", uuid::Uuid::now_v7()));
        let url = format!("sqlite:{}", dir.join("test.db").display());
        let (db, _) = Db::connect(&url).await.expect("database");
        (db, dir)
    }

    #[tokio::test]
    async fn a_write_that_lost_a_race_runs_again_and_its_last_try_counts() {
        let (db, dir) = scratch_db().await;
        let tries = AtomicU32::new(0);
        let written = db
            .write("test.lost_twice", |mut tx| {
                let tries = &tries;
                async move {
                    sqlx::query("INSERT INTO system_flags (name, value, updated_by, updated_at) VALUES ($1, 'x', 't', 0)")
                        .bind(format!("try-{}", tries.load(Ordering::SeqCst)))
                        .execute(&mut *tx)
                        .await?;
                    if tries.fetch_add(1, Ordering::SeqCst) < 2 {
                        return Err(AppError::from(DbFault::Busy));
                    }
                    tx.commit().await?;
                    Ok("done")
                }
            })
            .await;
        assert_eq!(written, Ok("done"));
        assert_eq!(tries.load(Ordering::SeqCst), 3);
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM system_flags")
            .fetch_all(&db.pool)
            .await
            .unwrap();
        assert_eq!(names, ["try-2"], "the lost tries were rolled back");
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_write_that_keeps_losing_is_answered_503_and_other_errors_are_not_retried() {
        let (db, dir) = scratch_db().await;
        let tries = AtomicU32::new(0);
        let busy: AppResult<()> = db
            .write("test.always_busy", |_tx| {
                tries.fetch_add(1, Ordering::SeqCst);
                async { Err(AppError::from(DbFault::Busy)) }
            })
            .await;
        let error = busy.expect_err("never won");
        assert_eq!(
            (error.status_code(), error.retry_after_seconds()),
            (503, Some(1))
        );
        assert_eq!(tries.load(Ordering::SeqCst), WRITE_ATTEMPTS);

        tries.store(0, Ordering::SeqCst);
        let refused: AppResult<()> = db
            .write("test.refused", |_tx| {
                tries.fetch_add(1, Ordering::SeqCst);
                async { Err(AppError::invalid("name", "taken")) }
            })
            .await;
        assert_eq!(refused, Err(AppError::invalid("name", "taken")));
        assert_eq!(tries.load(Ordering::SeqCst), 1, "a refusal is final");
        std::fs::remove_dir_all(dir).ok();
    }
}
