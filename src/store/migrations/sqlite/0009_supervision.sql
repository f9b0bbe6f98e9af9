-- 督办 (DESIGN §5.3): the person a supervision presses (a person id from the config); and an
-- index for the latest 签收 of each person and case, read by every deadline watch and ack watch.
ALTER TABLE case_events ADD COLUMN pressed TEXT;
CREATE INDEX case_events_kind ON case_events (kind, by_whom, case_no);
