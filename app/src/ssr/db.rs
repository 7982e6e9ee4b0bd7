//! One database handle for SQLite or PostgreSQL, chosen by the URL at start-up.
//!
//! Application queries go through sqlx's `Any` driver with `$n` placeholders (SQLite accepts them
//! when they appear in ascending order), so the same SQL serves both backends. The session store
//! needs a typed pool, which is opened beside it on the same database.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    AnyPool, Connection, Executor,
};

use super::{access_cache::AccessCache, session_store::SessionBackend};

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

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// SQLite waits this long for a competing writer before reporting "database is locked".
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request waits for a connection before it is answered 503. sqlx's default (30 s)
/// made every request hang for half a minute while PostgreSQL restarted; a few seconds covers a
/// pool that is merely busy and tells callers soon when the database is gone.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl Db {
    /// Opens the database named by `url`, creating a SQLite file (and its directory) if needed,
    /// applies the migrations, and opens the session store's pool beside it.
    pub async fn connect(url: &str) -> Result<(Db, SessionBackend), DbError> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let (pool, journal, sessions) = match backend {
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
                (pool, journal, SessionBackend::Sqlite(typed))
            }
            Backend::Postgres => {
                // Sessions wait no longer for a connection than requests do: with sqlx's
                // default (30 s) a signed-in person's page hung for half a minute while
                // PostgreSQL restarted (scripts/fault-test.sh).
                let typed = PgPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(PgConnectOptions::from_str(url)?)
                    .await?;
                let any_options = AnyConnectOptions::from_str(url)?;
                let pool = postgres_any_pool(16, &any_options).await?;
                let journal = postgres_any_pool(1, &any_options).await?;
                (pool, journal, SessionBackend::Postgres(typed))
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
        sessions.migrate().await?;
        Ok((db, sessions))
    }

    async fn migrate(&self) -> Result<(), DbError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await?;
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
