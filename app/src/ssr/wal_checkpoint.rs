//! Keeps the SQLite write-ahead log small while the journal writes without pause.
//!
//! A PASSIVE checkpoint copies the log into the database without ever blocking the journal, but
//! the log file only starts over when a checkpoint has copied *every* frame and no reader still
//! needs it, at the moment the next write begins. Under steady load a new commit lands while each
//! checkpoint runs, so that moment never comes: the soak saw the log grow by 30 MiB a second, to
//! 1.7 GiB in a minute, and latency grow with it. Past a threshold a RESTART checkpoint therefore
//! holds writers back for the few frames PASSIVE left and waits for readers to move on, so that
//! the next commit rewinds the log; `journal_size_limit` (set on every connection in `db.rs`) then
//! cuts the file back to 256 MiB.

use sqlx::{AnyPool, Row};

/// How often the log is checkpointed; the journal's own connection never does it.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);
/// Frames left in the log (4 KiB each: 128 MiB) after which the log is made to start over. At
/// 32 MiB the RESTARTs came so often that full-load throughput fell by a fifth.
const RESTART_AFTER_FRAMES: i64 = 32768;

/// Checkpoints on every tick until the server stops; a failed checkpoint is retried next time.
/// On a full disk every checkpoint fails until space returns (the log keeps every commit
/// meanwhile): that is said once when it starts and once when it ends, not twice a second.
pub async fn run(pool: AnyPool) {
    let mut ticks = tokio::time::interval(CHECKPOINT_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        ticks.tick().await;
        match checkpoint_once(&pool, RESTART_AFTER_FRAMES).await {
            Ok(()) if failing => {
                failing = false;
                tracing::info!("WAL checkpoints succeed again");
            }
            Ok(()) => {}
            Err(error) if !failing => {
                failing = true;
                tracing::warn!(%error, "WAL checkpoint failed; retrying every half second");
            }
            Err(error) => tracing::debug!(%error, "WAL checkpoint failed again"),
        }
    }
}

/// One PASSIVE checkpoint, and a RESTART one when the log holds `restart_after_frames` or more.
pub async fn checkpoint_once(pool: &AnyPool, restart_after_frames: i64) -> Result<(), sqlx::Error> {
    if frames_in_log(pool, "PASSIVE").await? >= restart_after_frames {
        let frames = frames_in_log(pool, "RESTART").await?;
        tracing::debug!(frames, "WAL checkpointed to restart the log");
    }
    Ok(())
}

async fn frames_in_log(pool: &AnyPool, mode: &str) -> Result<i64, sqlx::Error> {
    // The pragma answers (busy, frames in the log, frames checkpointed).
    let row = sqlx::query(&format!("PRAGMA wal_checkpoint({mode})"))
        .fetch_one(pool)
        .await?;
    row.try_get(1)
}

#[cfg(test)]
mod tests {
    use std::{path::PathBuf, str::FromStr};

    use sqlx::{
        any::{AnyConnectOptions, AnyPoolOptions},
        AnyConnection, Executor,
    };

    use super::*;

    struct TempDatabase(PathBuf);

    impl TempDatabase {
        fn new() -> Self {
            let dir = std::env::temp_dir().join(format!(
                "verdict-wal-{}-{}",
                std::process::id(),
                uuid::Uuid::now_v7()
            ));
            std::fs::create_dir_all(&dir).expect("temp dir");
            Self(dir)
        }

        fn wal_bytes(&self) -> u64 {
            std::fs::metadata(self.0.join("test.db-wal")).map_or(0, |meta| meta.len())
        }
    }

    impl Drop for TempDatabase {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    async fn pool_with(database: &TempDatabase, pragmas: &'static str) -> AnyPool {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite:{}?mode=rwc", database.0.join("test.db").display());
        AnyPoolOptions::new()
            .max_connections(2)
            .after_connect(move |conn: &mut AnyConnection, _| {
                Box::pin(async move { conn.execute(pragmas).await.map(|_| ()) })
            })
            .connect_with(AnyConnectOptions::from_str(&url).expect("url"))
            .await
            .expect("pool")
    }

    #[tokio::test]
    async fn a_log_that_readers_keep_alive_starts_over_once_past_the_threshold() {
        // Arrange: a writer that never checkpoints, and a reader whose snapshot predates the
        // last 40 MiB of frames, as under steady load, where some reader always lags a commit.
        let database = TempDatabase::new();
        let writer = pool_with(
            &database,
            "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; \
             PRAGMA journal_size_limit = 67108864;",
        )
        .await;
        writer
            .execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
            .await
            .expect("table");
        let readers = pool_with(&database, "PRAGMA busy_timeout = 10000;").await;
        let mut lagging_reader = readers.begin().await.expect("read transaction");
        sqlx::query("SELECT COUNT(*) FROM blobs")
            .fetch_one(&mut *lagging_reader)
            .await
            .expect("snapshot");
        for _ in 0..40 {
            writer
                .execute("INSERT INTO blobs (body) VALUES (zeroblob(1048576))")
                .await
                .expect("insert");
        }
        let grown = database.wal_bytes();
        let reader_done = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            lagging_reader.commit().await.expect("reader ends");
        });
        let checkpointer = pool_with(&database, "PRAGMA busy_timeout = 10000;").await;

        // Act
        checkpoint_once(&checkpointer, 8192)
            .await
            .expect("checkpoint");
        reader_done.await.expect("reader task");
        writer
            .execute("INSERT INTO blobs (body) VALUES (x'00')")
            .await
            .expect("the next write");

        // Assert: the next write started the log over (a few frames, not 10,000), and the
        // file was cut back.
        assert!(
            grown > 40 * 1024 * 1024,
            "the log had grown to {grown} bytes"
        );
        let frames = frames_in_log(&checkpointer, "PASSIVE")
            .await
            .expect("frames");
        assert!(frames < 16, "the log still holds {frames} frames");
        assert!(database.wal_bytes() <= 64 * 1024 * 1024);
        let blobs: i64 = sqlx::query("SELECT COUNT(*) FROM blobs")
            .fetch_one(&checkpointer)
            .await
            .expect("count")
            .get(0);
        assert_eq!(blobs, 41);
    }
}
