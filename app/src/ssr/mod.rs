//! Everything that runs only on the server: storage, authentication and domain services.

pub mod access_cache;
pub mod api_document;
pub mod auth;
pub mod db;
pub mod db_faults;
pub mod evaluation_pool;
pub mod gates;
pub mod ids;
pub mod migrations;
pub mod security_policy;
pub mod services;
pub mod session_store;
pub mod state;
pub mod store;
pub mod wal_checkpoint;

pub use state::{AppState, Settings};

/// Now, as Unix milliseconds: the one clock every stored time comes from.
pub fn now_millis() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}
