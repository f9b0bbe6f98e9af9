-- Claiming takes the due notice with the earliest next_attempt_at among pending and leased
-- ones: a partial index in that order makes it one index step instead of a sort of the whole
-- queue (the old (status, next_attempt_at) index led SQLite's planner to the sort).
DROP INDEX outbox_due;
CREATE INDEX outbox_claim ON outbox (next_attempt_at, id) WHERE status IN ('pending', 'sending');
