-- The register, the people from config, and the delivery tables (job runs, outbox, audit).
CREATE TABLE cases (
    case_no              TEXT PRIMARY KEY NOT NULL,
    received_on          TEXT NOT NULL,
    channel              TEXT,
    source               TEXT,
    petitioner           TEXT,
    petitioner_id        TEXT,
    phone                TEXT,
    village              TEXT,
    anonymous            INTEGER NOT NULL DEFAULT 0,
    confidential         INTEGER NOT NULL DEFAULT 0,
    petitioner_count     INTEGER NOT NULL DEFAULT 1,
    signatories          INTEGER NOT NULL DEFAULT 1,
    category             TEXT,
    matter               TEXT,
    summary              TEXT,
    accused              TEXT NOT NULL DEFAULT '[]',
    competent_level      INTEGER,
    visited_level        INTEGER,
    accepted_on          TEXT,
    extension_days       INTEGER NOT NULL DEFAULT 0,
    owner_leader         TEXT,
    owner_deadline       TEXT,
    responsible_person   TEXT,
    responsible_unit     TEXT,
    concluded_on         TEXT,
    review_accepted_on   TEXT,
    review_opinion_on    TEXT,
    recheck_requested_on TEXT,
    recheck_opinion_on   TEXT,
    hearings             TEXT NOT NULL DEFAULT '[]',
    conflicts            TEXT NOT NULL DEFAULT '[]',
    extra                TEXT NOT NULL DEFAULT '{}',
    fingerprint          TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX cases_received_on ON cases (received_on);

CREATE TABLE people (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    title      TEXT,
    email      TEXT,
    updated_at TEXT NOT NULL
);

CREATE TABLE job_runs (
    job           TEXT NOT NULL,
    scheduled_for TEXT NOT NULL,
    claimed_by    TEXT NOT NULL,
    claimed_at    TEXT NOT NULL,
    finished_at   TEXT,
    status        TEXT NOT NULL DEFAULT 'running',
    findings      INTEGER,
    notices       INTEGER,
    error         TEXT,
    PRIMARY KEY (job, scheduled_for)
);

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    job             TEXT NOT NULL,
    period          TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    channel         TEXT NOT NULL,
    reason          TEXT NOT NULL,
    case_nos        TEXT NOT NULL DEFAULT '[]',
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE deliveries (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id  TEXT NOT NULL,
    attempt    INTEGER NOT NULL,
    attempted_at TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    case_nos   TEXT NOT NULL DEFAULT '[]',
    reason     TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    detail     TEXT
);
CREATE INDEX deliveries_notice ON deliveries (notice_id);
