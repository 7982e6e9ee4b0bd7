-- Backtest runs, shared by every server: the editor that started a run may ask any server
-- behind the load balancer how it goes, or cancel it. The server that started it does the work
-- and writes its progress here after each page; the report is kept a while, never as a decision.
CREATE TABLE backtest_runs (
    id TEXT PRIMARY KEY,
    policy_id TEXT NOT NULL,
    total INTEGER NOT NULL,
    processed INTEGER NOT NULL DEFAULT 0,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    outcome_json TEXT,
    started_at INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
);
CREATE INDEX backtest_runs_started ON backtest_runs (started_at);
