//! `verdict keys rotate`: a new receipt signing key, the old ones kept for verification.

use std::path::{Path, PathBuf};

use super::CommandError;
use crate::config::DatabaseArgs;

#[derive(Debug, Clone, clap::Args)]
pub struct SigningKeyArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// The file of receipt signing keys (JSON, mode 0600; never in the database). Defaults to
    /// `verdict-signing-keys.json` beside the SQLite database, or in `./data/` with PostgreSQL.
    /// Give every server of one deployment the same file.
    #[arg(long, env = "VERDICT_SIGNING_KEY_FILE")]
    pub signing_key_file: Option<PathBuf>,
}

impl SigningKeyArgs {
    pub fn path(&self) -> PathBuf {
        signing_key_file(
            self.signing_key_file.as_deref(),
            &self.database.database_url,
        )
    }
}

/// The key file: the one given, else `verdict-signing-keys.json` beside the SQLite database
/// that `database_url` names, else in `./data/`.
pub fn signing_key_file(given: Option<&Path>, database_url: &str) -> PathBuf {
    if let Some(path) = given {
        return path.to_path_buf();
    }
    let directory = database_url
        .strip_prefix("sqlite:")
        .map(|rest| rest.strip_prefix("//").unwrap_or(rest))
        .map(|rest| rest.split('?').next().unwrap_or_default())
        .filter(|file| !file.is_empty() && *file != ":memory:")
        .and_then(|file| Path::new(file).parent().map(Path::to_path_buf))
        .map(|parent| {
            if parent.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                parent
            }
        })
        .unwrap_or_else(|| PathBuf::from("./data"));
    directory.join(verdict_receipt::DEFAULT_KEY_FILE_NAME)
}

/// Adds a new active key to the key file (creating the file if there is none); servers using
/// the file sign with the new key within a second, and every receipt signed before still
/// verifies with the old public key, which stays in the file and the JWKS.
pub fn rotate(args: SigningKeyArgs) -> Result<(), CommandError> {
    let path = args.path();
    let keys = verdict_receipt::rotate_file(&path)
        .map_err(|error| CommandError::Usage(error.to_string()))?;
    println!(
        "{}: signing with key {} (created {}); {} key(s) in all, the older ones kept for verification",
        path.display(),
        keys.active().kid(),
        keys.active().created_at(),
        keys.keys().len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_is_beside_the_sqlite_database_or_in_data() {
        let file = verdict_receipt::DEFAULT_KEY_FILE_NAME;
        for (url, expected) in [
            ("sqlite:./data/verdict.db", format!("./data/{file}")),
            (
                "sqlite:///var/lib/verdict/v.db",
                format!("/var/lib/verdict/{file}"),
            ),
            ("sqlite:/srv/v.db?mode=rwc", format!("/srv/{file}")),
            ("sqlite:verdict.db", format!("./{file}")),
            ("sqlite::memory:", format!("./data/{file}")),
            ("postgres://u@h/db", format!("./data/{file}")),
        ] {
            assert_eq!(
                signing_key_file(None, url),
                PathBuf::from(&expected),
                "{url}"
            );
        }
        assert_eq!(
            signing_key_file(Some(Path::new("/k.json")), "sqlite:x.db"),
            PathBuf::from("/k.json")
        );
    }
}
