-- A claimed firing holds a lease: when its claimant dies before the run is recorded, the lease
-- runs out and another process (a restart, a replica) takes the firing over (DESIGN §4.2).
-- Rows claimed before this column existed have none: their claimed_at stands in for it.
ALTER TABLE job_runs ADD COLUMN lease_until TEXT;
CREATE INDEX job_runs_running ON job_runs (status, lease_until) WHERE status = 'running';
