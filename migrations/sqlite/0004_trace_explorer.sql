-- The trace explorer reads decisions newest first, (created_at, id) descending, as keyset pages;
-- each filter on the decision row has an index in that order, so a page is a short range scan
-- however deep it is.

-- Superseded by the (…, created_at, id) indexes below, which also order ties.
DROP INDEX decisions_created;
DROP INDEX decisions_agent_created;

CREATE INDEX decisions_created_id ON decisions (created_at, id);
CREATE INDEX decisions_agent_created_id ON decisions (agent_id, created_at, id);
CREATE INDEX decisions_status_created_id ON decisions (status, created_at, id);
CREATE INDEX decisions_outcome_created_id ON decisions (latest_outcome, created_at, id);
-- Intent prefixes are ranges (intent >= 'billing.' AND intent < 'billing.~').
CREATE INDEX decisions_intent_created_id ON decisions (intent, created_at, id);

-- A policy or approver filter probes each candidate decision when its matches are many, and
-- starts from its matches (counted first, at most a few thousand) when they are few.
CREATE INDEX policy_evaluations_decision ON policy_evaluations (decision_id, policy_id, policy_version);
CREATE INDEX policy_evaluations_policy_version ON policy_evaluations (policy_id, policy_version, decision_id);
CREATE INDEX approvals_resolved_by ON approvals (resolved_by, decision_id);
