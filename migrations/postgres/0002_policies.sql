-- Policies: one editable draft each, and immutable published versions. A version row is never
-- updated or deleted; publishing inserts the next one.

CREATE TABLE policies (
    id               TEXT PRIMARY KEY,
    status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    draft_source     TEXT NOT NULL,
    -- Bumped by every save, so a save based on an older draft is detected, never applied.
    draft_revision   BIGINT NOT NULL,
    draft_updated_by TEXT NOT NULL,
    draft_updated_at BIGINT NOT NULL,
    latest_version   BIGINT NOT NULL DEFAULT 0,
    created_by       TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);

CREATE TABLE policy_versions (
    policy_id    TEXT NOT NULL REFERENCES policies (id),
    version      BIGINT NOT NULL,
    source       TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    description  TEXT,
    owner        TEXT,
    change_note  TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (policy_id, version)
);
