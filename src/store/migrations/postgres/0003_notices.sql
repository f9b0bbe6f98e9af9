-- Chat notices longer than a robot's limit go out in parts; a retry resumes after the parts sent.
ALTER TABLE outbox ADD COLUMN parts_done BIGINT NOT NULL DEFAULT 0;
CREATE INDEX outbox_created ON outbox (created_at);

-- What each person was last told about each case: never twice a day, repeats on schedule.
CREATE TABLE reminders (
    recipient  TEXT NOT NULL,
    case_no    TEXT NOT NULL,
    sent_on    DATE NOT NULL,
    flags      BIGINT NOT NULL,
    escalation BIGINT NOT NULL,
    job        TEXT NOT NULL,
    PRIMARY KEY (recipient, case_no)
);
