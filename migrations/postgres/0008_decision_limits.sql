-- What a decision has recorded so far, so a limit on its size needs no scan of its events
-- (decisions recorded before this migration start counting from here).
ALTER TABLE decisions ADD COLUMN payload_bytes BIGINT NOT NULL DEFAULT 0;
-- A digest of the inputs of the decision's latest evaluation: an approval covers those inputs,
-- and an evaluation of other inputs after it voids the approval.
ALTER TABLE decisions ADD COLUMN latest_inputs_hash TEXT;
