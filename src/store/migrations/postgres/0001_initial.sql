-- The register, the people from config, and the delivery tables (job runs, outbox, audit).
CREATE TABLE cases (
    case_no              TEXT PRIMARY KEY NOT NULL,
    received_on          DATE NOT NULL,
    channel              TEXT,
    source               TEXT,
    petitioner           TEXT,
    petitioner_id        TEXT,
    phone                TEXT,
    village              TEXT,
    anonymous            BOOLEAN NOT NULL DEFAULT FALSE,
    confidential         BOOLEAN NOT NULL DEFAULT FALSE,
    petitioner_count     BIGINT NOT NULL DEFAULT 1,
    signatories          BIGINT NOT NULL DEFAULT 1,
    category             TEXT,
    matter               TEXT,
    summary              TEXT,
    accused              TEXT NOT NULL DEFAULT '[]',
    competent_level      BIGINT,
    visited_level        BIGINT,
    accepted_on          DATE,
    extension_days       BIGINT NOT NULL DEFAULT 0,
    owner_leader         TEXT,
    owner_deadline       DATE,
    responsible_person   TEXT,
    responsible_unit     TEXT,
    concluded_on         DATE,
    review_accepted_on   DATE,
    review_opinion_on    DATE,
    recheck_requested_on DATE,
    recheck_opinion_on   DATE,
    hearings             TEXT NOT NULL DEFAULT '[]',
    conflicts            TEXT NOT NULL DEFAULT '[]',
    extra                TEXT NOT NULL DEFAULT '{}',
    fingerprint          TEXT NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX cases_received_on ON cases (received_on);

CREATE TABLE people (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    title      TEXT,
    email      TEXT,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE job_runs (
    job           TEXT NOT NULL,
    scheduled_for TIMESTAMPTZ NOT NULL,
    claimed_by    TEXT NOT NULL,
    claimed_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        TEXT NOT NULL DEFAULT 'running',
    findings      BIGINT,
    notices       BIGINT,
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
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE deliveries (
    id         BIGSERIAL PRIMARY KEY,
    notice_id  TEXT NOT NULL,
    attempt    BIGINT NOT NULL,
    attempted_at TIMESTAMPTZ NOT NULL,
    recipient  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    case_nos   TEXT NOT NULL DEFAULT '[]',
    reason     TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    detail     TEXT
);
CREATE INDEX deliveries_notice ON deliveries (notice_id);
