-- What a decision did with the data product catalogue (issue 18). A decision's purpose is fixed
-- by its first purpose-bound read; its risk tier is the highest tier of the catalogued
-- operations it used (NULL: none yet); `product_uses` lists those operations once each, as JSON
-- [{product, version, operation, kind, risk_tier}] in first-use order, so evaluations can fill
-- the `product` and `operation` inputs without reading the events back.
ALTER TABLE decisions ADD COLUMN purpose TEXT;
ALTER TABLE decisions ADD COLUMN risk_tier TEXT
    CHECK (risk_tier IN ('read_only', 'local_write', 'network', 'delegated', 'destructive'));
ALTER TABLE decisions ADD COLUMN product_uses TEXT NOT NULL DEFAULT '[]';
CREATE INDEX decisions_risk_tier ON decisions (risk_tier, created_at);

-- One row per read or write of a catalogued product, recorded or refused: the product page's
-- recent activity and the explorer's product filter read it. Append-only like the events; the
-- event itself (on the hash chain) stays the record.
CREATE TABLE product_uses (
    event_id    TEXT PRIMARY KEY,
    decision_id TEXT NOT NULL REFERENCES decisions (id),
    agent_id    TEXT NOT NULL,
    product     TEXT NOT NULL,
    operation   TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('read', 'write')),
    risk_tier   TEXT,
    purpose     TEXT,
    -- NULL when the use was recorded; the refusal's code (`not_granted`, …) when it was refused.
    refused     TEXT,
    at          BIGINT NOT NULL
);
CREATE INDEX product_uses_product ON product_uses (product, at);
CREATE INDEX product_uses_decision ON product_uses (decision_id);
