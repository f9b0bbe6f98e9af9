-- The work on a case (DESIGN §5.3): 签收, progress, the answer to the petitioner, 督办, … — who
-- recorded it and when, its text, and the notice it answers when there is one.
CREATE TABLE case_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    case_no   TEXT NOT NULL,
    kind      TEXT NOT NULL,
    at        TEXT NOT NULL,
    by_whom   TEXT NOT NULL,
    text      TEXT NOT NULL DEFAULT '',
    notice_id TEXT,
    due_on    TEXT,
    how       TEXT
);
CREATE INDEX case_events_case ON case_events (case_no, at);
