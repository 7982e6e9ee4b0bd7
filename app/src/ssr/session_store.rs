//! Sessions live in the same database as everything else, so every Verdict server behind a load
//! balancer sees the same sessions: one `sessions` table on both databases (migration 0012), read
//! and written through the main pool with the same SQL. Each row holds the whole tower-sessions
//! record as JSON, beside its expiry in unix seconds for the lookups and the sweep.
//!
//! This replaced `tower-sessions-sqlx-store`, which had one store type and a pool of its own per
//! database, and turned on sqlx's query macros: those build sqlx's SQLite and PostgreSQL drivers a
//! second time, for the compiler, in every fresh release build.

use async_trait::async_trait;
use sqlx::AnyPool;
use time::OffsetDateTime;
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, SessionStore},
    ExpiredDeletion,
};

use super::{db::Db, db_faults::is_unique_violation};

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    pool: AnyPool,
}

impl DbSessionStore {
    pub fn new(db: &Db) -> Self {
        DbSessionStore {
            pool: db.pool.clone(),
        }
    }

    /// Inserts `record` unless its id is taken; false when it is.
    async fn try_insert(&self, record: &Record) -> session_store::Result<bool> {
        let inserted =
            sqlx::query("INSERT INTO sessions (id, record, expires_at) VALUES ($1, $2, $3)")
                .bind(record.id.to_string())
                .bind(encode(record)?)
                .bind(record.expiry_date.unix_timestamp())
                .execute(&self.pool)
                .await;
        match inserted {
            Ok(_) => Ok(true),
            Err(error) if is_unique_violation(&error) => Ok(false),
            Err(error) => Err(backend(error)),
        }
    }
}

fn encode(record: &Record) -> session_store::Result<String> {
    serde_json::to_string(record).map_err(|error| session_store::Error::Encode(error.to_string()))
}

fn backend(error: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; a collision means only that another id is drawn.
        while !self.try_insert(record).await? {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id, record, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET record = excluded.record, expires_at = excluded.expires_at",
        )
        .bind(record.id.to_string())
        .bind(encode(record)?)
        .bind(record.expiry_date.unix_timestamp())
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let stored: Option<(String,)> =
            sqlx::query_as("SELECT record FROM sessions WHERE id = $1 AND expires_at > $2")
                .bind(id.to_string())
                .bind(now())
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        stored
            .map(|(record,)| {
                serde_json::from_str(&record)
                    .map_err(|error| session_store::Error::Decode(error.to_string()))
            })
            .transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;

    fn record(expiry_date: OffsetDateTime) -> Record {
        Record {
            id: Id::default(),
            data: [("user_id".to_owned(), serde_json::json!("u-1"))]
                .into_iter()
                .collect(),
            expiry_date,
        }
    }

    #[tokio::test]
    async fn records_round_trip_and_expire() {
        let dir = std::env::temp_dir().join(format!("verdict-sessions-{}", uuid::Uuid::now_v7()));
        let url = format!("sqlite:{}", dir.join("test.db").display());
        let (db, _) = Db::connect(&url).await.expect("database");
        let store = DbSessionStore::new(&db);

        let mut live = record(OffsetDateTime::now_utc() + Duration::hours(1));
        store.create(&mut live).await.unwrap();
        assert_eq!(store.load(&live.id).await.unwrap(), Some(live.clone()));

        live.data.insert("seen".into(), serde_json::json!(2));
        store.save(&live).await.unwrap();
        assert_eq!(store.load(&live.id).await.unwrap(), Some(live.clone()));

        // Taken ids are not overwritten: create draws another one.
        let mut same_id = record(OffsetDateTime::now_utc() + Duration::hours(1));
        same_id.id = live.id;
        store.create(&mut same_id).await.unwrap();
        assert_ne!(same_id.id, live.id);
        assert_eq!(store.load(&live.id).await.unwrap(), Some(live.clone()));

        let mut expired = record(OffsetDateTime::now_utc() - Duration::minutes(1));
        store.create(&mut expired).await.unwrap();
        assert_eq!(store.load(&expired.id).await.unwrap(), None);
        store.delete_expired().await.unwrap();
        let left: Vec<(String,)> = sqlx::query_as("SELECT id FROM sessions ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
        let mut expected = vec![(live.id.to_string(),), (same_id.id.to_string(),)];
        expected.sort();
        assert_eq!(left, expected);

        store.delete(&live.id).await.unwrap();
        assert_eq!(store.load(&live.id).await.unwrap(), None);
        let _ = std::fs::remove_dir_all(dir);
    }
}
