-- Each reminder keeps the deadlines it reminded of (DESIGN §2.4): `{"handling": {"due": …,
-- "act_by": …}, …}`, so a later notice can say that a deadline moved (old date, new date, why).
-- Rows from before have none: no move is seen for them until their next reminder.
ALTER TABLE reminders ADD COLUMN deadlines TEXT;
