-- Approval routes (versioned like policies: an edit is a new version), the votes of requests
-- that need several approvers, and the delivery of requests to their route's integration with
-- every attempt kept.

CREATE TABLE approval_routes (
    name                   TEXT NOT NULL,
    version                BIGINT NOT NULL,
    -- inbox | webhook | chat | email
    integration            TEXT NOT NULL CHECK (integration IN ('inbox', 'webhook', 'chat', 'email')),
    destination            TEXT,
    -- The Standard Webhooks secret (whsec_…) that signs deliveries and the receiver's answers.
    signing_secret         TEXT,
    -- Who may approve: everyone whose role may approve, or only the named people.
    approver_emails        TEXT NOT NULL,
    required_approvals     BIGINT NOT NULL,
    require_rationale      BIGINT NOT NULL,
    default_expiry_seconds BIGINT NOT NULL,
    owner_team_may_approve BIGINT NOT NULL,
    created_by             TEXT NOT NULL,
    created_at             BIGINT NOT NULL,
    PRIMARY KEY (name, version)
);

ALTER TABLE approvals ADD COLUMN route_version BIGINT;
ALTER TABLE approvals ADD COLUMN required_approvals BIGINT NOT NULL DEFAULT 1;

-- A person's answer to a request that needs several: one per person and request.
CREATE TABLE approval_votes (
    approval_id TEXT NOT NULL REFERENCES approvals (id),
    voter       TEXT NOT NULL,
    approve     BIGINT NOT NULL,
    rationale   TEXT,
    at          BIGINT NOT NULL,
    PRIMARY KEY (approval_id, voter)
);

-- The team a person works in, for routes that keep an agent's owner team from approving it.
ALTER TABLE users ADD COLUMN team TEXT;

-- One row per request whose route delivers somewhere; a worker claims due rows.
CREATE TABLE approval_deliveries (
    approval_id     TEXT PRIMARY KEY REFERENCES approvals (id),
    route_name      TEXT NOT NULL,
    route_version   BIGINT NOT NULL,
    -- queued | delivered | failed (no attempts left; the request stays pending in the inbox)
    -- | withdrawn (the request was answered or expired before it could be delivered)
    state           TEXT NOT NULL,
    -- Attempts made so far, and how many are allowed before giving up (a redelivery adds more).
    attempts        BIGINT NOT NULL,
    attempts_allowed BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL
);
CREATE INDEX approval_deliveries_due ON approval_deliveries (state, next_attempt_at);

CREATE TABLE delivery_attempts (
    approval_id TEXT NOT NULL REFERENCES approvals (id),
    attempt     BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    status_code BIGINT,
    error       TEXT,
    latency_ms  BIGINT NOT NULL,
    PRIMARY KEY (approval_id, attempt)
);

-- Secrets every server of one installation shares, made on first use (e.g. the key that signs
-- emailed approve and reject links).
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Emailed approve/reject links already used: each works once.
CREATE TABLE answer_link_uses (
    token_digest TEXT PRIMARY KEY,
    approval_id  TEXT NOT NULL REFERENCES approvals (id),
    used_at      BIGINT NOT NULL
);
