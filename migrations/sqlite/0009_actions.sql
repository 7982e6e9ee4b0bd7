-- The actions a decision evaluated, as JSON: [{digest, action, outcome}] in evaluation order.
-- A write must present one of them, permitted by its evaluation (the binding rule); decisions
-- that never evaluated an action keep '[]' and accept writes without arguments as before.
ALTER TABLE decisions ADD COLUMN evaluated_actions TEXT NOT NULL DEFAULT '[]';
-- The action digest of the decision's latest evaluation (NULL: it evaluated no action). A
-- granted approval permits this action only: another evaluation voids the approval.
ALTER TABLE decisions ADD COLUMN latest_action_digest TEXT;
-- The action an approval request was asked on (NULL: the decision had evaluated none). An
-- approval grants that action only: answering it after another action was evaluated is refused.
ALTER TABLE approvals ADD COLUMN action_digest TEXT;
