//! The schema's migrations, compiled into the binary. `migrations/sqlite` and `migrations/postgres`
//! hold the same numbered files, one per change; each is listed once below (a test checks the list
//! against both directories).
//!
//! sqlx's `migrate!` macro embedded them before. It needs sqlx's macros, which build sqlx's SQLite
//! and PostgreSQL drivers (and SQLite's C) a second time, for the compiler, in every fresh release
//! build. Each file becomes a sqlx `Migration` the way sqlx resolves a directory (version and
//! description from the file name, a SHA-384 checksum of the text, `-- no-transaction` honoured),
//! so databases that earlier builds migrated check out unchanged.

use std::borrow::Cow;

use futures_util::future::BoxFuture;
use sqlx::{
    error::BoxDynError,
    migrate::{Migration, MigrationSource, MigrationType, Migrator},
};

use super::db::Backend;

macro_rules! migrations {
    ($($name:literal),* $(,)?) => {
        const SQLITE: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../../migrations/sqlite/", $name, ".sql")))),*
        ];
        const POSTGRES: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../../migrations/postgres/", $name, ".sql")))),*
        ];
    };
}

migrations!(
    "0001_people",
    "0002_policies",
    "0003_agents_and_decisions",
    "0004_trace_explorer",
    "0005_approval_routes",
    "0006_chart_index",
    "0007_backtest_runs",
    "0008_decision_limits",
    "0009_actions",
    "0010_products",
    "0011_product_uses",
    "0012_sessions",
);

/// The migrations of `backend`, ready to run.
pub async fn migrator(backend: Backend) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded(match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    }))
    .await
}

#[derive(Debug)]
struct Embedded(&'static [(&'static str, &'static str)]);

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move {
            self.0
                .iter()
                .map(|&(name, sql)| migration(name, sql))
                .collect()
        })
    }
}

/// `name` is the file's name without `.sql`: `<version>_<description with underscores>`.
fn migration(name: &str, sql: &'static str) -> Result<Migration, BoxDynError> {
    let (version, description) = name
        .split_once('_')
        .ok_or_else(|| format!("migration {name:?} is not named <version>_<description>"))?;
    let version: i64 = version
        .parse()
        .map_err(|_| format!("migration {name:?} does not start with a version number"))?;
    Ok(Migration::new(
        version,
        Cow::Owned(description.replace('_', " ")),
        MigrationType::Simple,
        Cow::Borrowed(sql),
        sql.starts_with("-- no-transaction"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(backend: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../migrations")
            .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations directory")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn every_file_is_listed_once_in_order() {
        let listed: Vec<String> = SQLITE
            .iter()
            .map(|(name, _)| format!("{name}.sql"))
            .collect();
        assert_eq!(listed, files("sqlite"));
        assert_eq!(listed, files("postgres"));
    }

    #[tokio::test]
    async fn migrations_resolve_as_sqlx_resolves_the_directory() {
        for (backend, dir) in [(Backend::Sqlite, "sqlite"), (Backend::Postgres, "postgres")] {
            let embedded = migrator(backend).await.expect("embedded migrations");
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../migrations")
                .join(dir);
            let from_disk = Migrator::new(path).await.expect("migrations directory");
            let described = |migrator: &Migrator| -> Vec<(i64, String, Vec<u8>, bool)> {
                migrator
                    .iter()
                    .map(|m| {
                        (
                            m.version,
                            m.description.to_string(),
                            m.checksum.to_vec(),
                            m.no_tx,
                        )
                    })
                    .collect()
            };
            assert_eq!(described(&embedded), described(&from_disk), "{dir}");
            assert_eq!(embedded.iter().count(), SQLITE.len());
        }
    }
}
