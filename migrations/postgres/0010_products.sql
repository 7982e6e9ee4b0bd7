-- The data product catalogue: what agents may read and write, for which purposes, at what risk
-- tier. A product's definition is YAML; each applied change is an immutable version row, never
-- updated or deleted. The parsed fields are kept beside the source so later steps (grants
-- checked on reads and writes, tier rules) need not parse YAML on every request.

CREATE TABLE products (
    name           TEXT PRIMARY KEY,
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    latest_version BIGINT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE product_versions (
    product          TEXT NOT NULL REFERENCES products (name),
    version          BIGINT NOT NULL,
    source_yaml      TEXT NOT NULL,
    content_hash     TEXT NOT NULL,
    description      TEXT,
    owner_team       TEXT,
    classification   TEXT NOT NULL,
    -- 1 when the product holds personal data.
    contains_pii     BIGINT NOT NULL,
    -- JSON: ["support", ...]
    allowed_purposes TEXT NOT NULL,
    -- JSON: [{"name", "kind", "risk_tier", "approval"}, ...]
    operations       TEXT NOT NULL,
    published_by     TEXT NOT NULL,
    published_at     BIGINT NOT NULL,
    PRIMARY KEY (product, version)
);

-- Which operations of which products an agent may use: one row per operation.
CREATE TABLE agent_product_grants (
    agent_id   TEXT NOT NULL REFERENCES agents (id),
    product    TEXT NOT NULL REFERENCES products (name),
    operation  TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (agent_id, product, operation)
);
CREATE INDEX agent_product_grants_product ON agent_product_grants (product);
