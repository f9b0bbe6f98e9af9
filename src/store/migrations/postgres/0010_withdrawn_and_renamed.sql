-- 作废 and corrected numbers (DESIGN §5.3). A case withdrawn as entered by mistake moves here,
-- whole, with who withdrew it, when and why: it leaves every read of `cases` (screening,
-- notices, reports) and comes back only when a re-import asks to restore it.
CREATE TABLE withdrawn_cases (LIKE cases INCLUDING DEFAULTS);
ALTER TABLE withdrawn_cases ADD PRIMARY KEY (case_no);
ALTER TABLE withdrawn_cases ADD COLUMN withdrawn_at TIMESTAMPTZ;
ALTER TABLE withdrawn_cases ADD COLUMN withdrawn_by TEXT;
ALTER TABLE withdrawn_cases ADD COLUMN withdrawn_reason TEXT;
-- A mistyped number corrected: the case, its events and reminders moved to `to_no`; the
-- notices keep the number they were sent with, found again through here.
CREATE TABLE case_renames (
    from_no TEXT NOT NULL,
    to_no   TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL,
    by_whom TEXT NOT NULL
);
CREATE INDEX case_renames_to ON case_renames (to_no);
