-- Agents with their API keys and policy bindings; decision envelopes with their append-only,
-- hash-chained events; approval requests; idempotency records; system-wide flags.

CREATE TABLE agents (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    description   TEXT NOT NULL,
    owner_team    TEXT NOT NULL,
    -- Frozen while frozen_at is set: the agent's API calls that change anything answer 423.
    frozen_at     BIGINT,
    frozen_by     TEXT,
    frozen_reason TEXT,
    last_seen_at  BIGINT,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE agent_keys (
    id         TEXT PRIMARY KEY,
    agent_id   TEXT NOT NULL REFERENCES agents (id),
    key_prefix TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Set when a rotation supersedes the key: it keeps working until then (the grace period).
    expires_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX agent_keys_agent ON agent_keys (agent_id);

CREATE TABLE agent_bindings (
    agent_id       TEXT NOT NULL REFERENCES agents (id),
    policy_id      TEXT NOT NULL REFERENCES policies (id),
    -- NULL follows the latest published version; a number pins that version.
    pinned_version BIGINT,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (agent_id, policy_id)
);
CREATE INDEX agent_bindings_policy ON agent_bindings (policy_id);

-- Switches that apply to every agent at once (the global freeze); absent means off.
CREATE TABLE system_flags (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE decisions (
    id              TEXT PRIMARY KEY,
    agent_id        TEXT NOT NULL REFERENCES agents (id),
    intent          TEXT NOT NULL,
    automation_mode TEXT NOT NULL
        CHECK (automation_mode IN ('propose', 'approve', 'override', 'autonomous')),
    actor           TEXT,
    status          TEXT NOT NULL CHECK (status IN (
        'open', 'needs_approval', 'approved', 'rejected', 'committed', 'aborted')),
    -- The combined outcome of the latest evaluation, and the approval route it named.
    latest_outcome  TEXT,
    latest_route    TEXT,
    approval_granted BIGINT NOT NULL DEFAULT 0,
    -- Every policy version evaluated so far, as JSON [{policy_id, version, hash}]: the snapshot.
    policies_used   TEXT NOT NULL,
    -- The chain's head: the last event's sequence number and hash.
    last_sequence   BIGINT NOT NULL,
    last_hash       TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    closed_at       BIGINT
);
CREATE INDEX decisions_agent_created ON decisions (agent_id, created_at);
CREATE INDEX decisions_created ON decisions (created_at);

-- Append-only: rows are inserted, never updated or deleted.
CREATE TABLE decision_events (
    decision_id  TEXT NOT NULL REFERENCES decisions (id),
    sequence     BIGINT NOT NULL,
    id           TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    at           BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    PRIMARY KEY (decision_id, sequence)
);

-- One row per recorded policy evaluation (a projection of policy_eval events), so a policy's
-- recent evaluations and its history can be found without reading every event.
CREATE TABLE policy_evaluations (
    event_id       TEXT PRIMARY KEY,
    decision_id    TEXT NOT NULL REFERENCES decisions (id),
    agent_id       TEXT NOT NULL REFERENCES agents (id),
    policy_id      TEXT NOT NULL,
    policy_version BIGINT NOT NULL,
    policy_hash    TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    matched_rules  TEXT NOT NULL,
    at             BIGINT NOT NULL
);
CREATE INDEX policy_evaluations_policy_at ON policy_evaluations (policy_id, at);

CREATE TABLE approvals (
    id                TEXT PRIMARY KEY,
    decision_id       TEXT NOT NULL REFERENCES decisions (id),
    agent_id          TEXT NOT NULL REFERENCES agents (id),
    title             TEXT NOT NULL,
    message           TEXT NOT NULL,
    approval_route    TEXT,
    require_rationale BIGINT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    requested_at      BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    resolved_at       BIGINT,
    resolved_by       TEXT,
    rationale         TEXT
);
CREATE INDEX approvals_status_expires ON approvals (status, expires_at);
CREATE INDEX approvals_decision ON approvals (decision_id);

-- What an agent's Idempotency-Key answered the first time, for 24 hours.
CREATE TABLE idempotency_records (
    agent_id      TEXT NOT NULL REFERENCES agents (id),
    scope         TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    response_json TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (agent_id, scope)
);
