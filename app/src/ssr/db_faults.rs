//! Database errors that pass: the database is busy, restarting, unreachable or out of space.
//!
//! Such a failure changed nothing (the transaction it hit is rolled back), so the caller is
//! answered 503 with `Retry-After` instead of 500, and the operator reads a warning naming the
//! cause instead of an error. Every other database error is still a defect: 500, logged as one.

use sqlx::error::DatabaseError;

use crate::error::AppError;

/// Why the database could not do the work just now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFault {
    /// Another writer held the lock past the busy timeout (SQLite), or two transactions
    /// collided (a PostgreSQL serialization failure or deadlock): trying again will do.
    Busy,
    /// The disk is full, or the file or database became read-only.
    NoSpace,
    /// The connection broke, the pool could not hand one out in time, or the server is
    /// shutting down or starting up.
    Unreachable,
}

impl DbFault {
    pub fn cause(self) -> &'static str {
        match self {
            DbFault::Busy => "busy",
            DbFault::NoSpace => "no_space",
            DbFault::Unreachable => "unreachable",
        }
    }

    fn retry_after_seconds(self) -> u64 {
        match self {
            DbFault::Busy => 1,
            DbFault::NoSpace => 30,
            DbFault::Unreachable => 5,
        }
    }

    fn message(self) -> &'static str {
        match self {
            DbFault::Busy => {
                "The database is busy with other changes; nothing was changed. Try again in a moment."
            }
            DbFault::NoSpace => {
                "The database cannot store anything more right now (its disk is full or \
                 read-only); nothing was changed. Reading still works."
            }
            DbFault::Unreachable => {
                "The database cannot be reached right now; nothing was changed. Try again in a \
                 few seconds."
            }
        }
    }
}

impl From<DbFault> for AppError {
    fn from(fault: DbFault) -> Self {
        AppError::Unavailable {
            message: fault.message().to_owned(),
            retry_after_seconds: fault.retry_after_seconds(),
            contended: fault == DbFault::Busy,
        }
    }
}

/// Two people creating the same thing at the same moment: on PostgreSQL both pass the
/// "is it taken?" read and the second insert hits the unique index. The loser gets the answer
/// the read would have given it (422 naming the field), not a 500.
pub trait TakenOnConflict<T> {
    fn taken(self, field: &str, message: &str) -> Result<T, AppError>;
}

impl<T> TakenOnConflict<T> for Result<T, sqlx::Error> {
    fn taken(self, field: &str, message: &str) -> Result<T, AppError> {
        self.map_err(|error| {
            if is_unique_violation(&error) {
                AppError::invalid(field, message)
            } else {
                AppError::from(error)
            }
        })
    }
}

pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(database) if database.is_unique_violation())
}

/// The passing fault behind `error`, if it is one.
pub fn classify(error: &sqlx::Error) -> Option<DbFault> {
    match error {
        sqlx::Error::Database(database) => classify_database(database.as_ref()),
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_)
        | sqlx::Error::Tls(_) => Some(DbFault::Unreachable),
        _ => None,
    }
}

fn classify_database(error: &dyn DatabaseError) -> Option<DbFault> {
    let code = error.code()?;
    let code = code.as_ref();
    // SQLite reports its extended result code as a number; the primary code is the low byte.
    if let Ok(extended) = code.parse::<i64>() {
        return match extended & 0xff {
            // SQLITE_BUSY (incl. BUSY_SNAPSHOT 517), SQLITE_LOCKED
            5 | 6 => Some(DbFault::Busy),
            // SQLITE_FULL, SQLITE_READONLY, SQLITE_CANTOPEN
            13 | 8 | 14 => Some(DbFault::NoSpace),
            // SQLITE_IOERR: the file system failed a read or write (ENOSPC shows up as this too)
            10 => Some(DbFault::NoSpace),
            _ => None,
        };
    }
    // PostgreSQL's SQLSTATE.
    match code {
        // serialization_failure, deadlock_detected, lock_not_available
        "40001" | "40P01" | "55P03" => Some(DbFault::Busy),
        // disk_full, insufficient_resources, out_of_memory, read_only_sql_transaction
        "53100" | "53000" | "53200" | "25006" => Some(DbFault::NoSpace),
        // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections, and
        // every connection_exception (class 08)
        "57P01" | "57P02" | "57P03" | "53300" => Some(DbFault::Unreachable),
        _ if code.starts_with("08") => Some(DbFault::Unreachable),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_connections_and_a_pool_that_hands_out_none_are_passing_faults() {
        assert_eq!(
            classify(&sqlx::Error::PoolTimedOut),
            Some(DbFault::Unreachable)
        );
        assert_eq!(
            classify(&sqlx::Error::Io(std::io::Error::from(
                std::io::ErrorKind::ConnectionReset
            ))),
            Some(DbFault::Unreachable)
        );
        assert_eq!(classify(&sqlx::Error::RowNotFound), None);
    }

    #[test]
    fn a_passing_fault_is_answered_503_with_a_wait() {
        let error = AppError::from(DbFault::Busy);
        assert_eq!(error.status_code(), 503);
        assert_eq!(error.retry_after_seconds(), Some(1));
        assert_eq!(error.code(), "unavailable");
    }

    #[tokio::test]
    async fn sqlite_reports_a_locked_database_as_busy() {
        use sqlx::{sqlite::SqliteConnectOptions, ConnectOptions, Connection, Executor};
        let dir = std::env::temp_dir().join(format!("verdict-faults-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let options = SqliteConnectOptions::new()
            .filename(dir.join("busy.db"))
            .create_if_missing(true)
            .busy_timeout(std::time::Duration::from_millis(0));
        let mut holder = options.connect().await.unwrap();
        holder
            .execute("CREATE TABLE IF NOT EXISTS t (x)")
            .await
            .unwrap();
        let mut writer = holder.begin_with("BEGIN IMMEDIATE").await.unwrap();
        writer.execute("INSERT INTO t VALUES (1)").await.unwrap();
        let mut other = options.connect().await.unwrap();
        let error = other
            .execute("BEGIN IMMEDIATE")
            .await
            .expect_err("the lock is held");
        assert_eq!(classify(&error), Some(DbFault::Busy), "{error}");
        drop(writer);
        std::fs::remove_dir_all(&dir).ok();
    }
}
