-- Sessions in Verdict's own table, read and written through the main pool (app/src/ssr/session_store.rs):
-- the whole tower-sessions record as JSON, its expiry in unix seconds for lookups and the sweep.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    record TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- tower-sessions-sqlx-store's table, replaced by the one above: people sign in once more.
DROP TABLE IF EXISTS tower_sessions;
