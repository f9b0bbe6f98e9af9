//! Job runs (DESIGN §4.2) and what each person was last told about each case (§2.3).
//!
//! A run is claimed by inserting its (job, scheduled_for) key: the one insert that succeeds owns
//! the firing, on either backend. Completing a run writes its record, its notices and the
//! reminders they carry in one transaction (§4.1): either all of them are there or none.
//!
//! A claim holds a lease. A claimant that dies between its claim and its record (kill -9, a
//! power cut) leaves the firing `running`; once the lease has run out, any process may claim it
//! again ([`Store::orphaned_runs`] finds them), so the firing still runs exactly once. The
//! record is fenced: it is written only while the claim is still the recorder's, and the first
//! statement of its transaction locks the claim's row, so a run being recorded cannot be taken
//! over.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use super::{BeginWrite, NewNotice, Store, StoreError};
use crate::plan::Previous;
use crate::plan::notices::Reminder;
use crate::routing::Escalation;
use crate::rules::FlagSet;

/// One firing of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// Job name.
    pub job: String,
    /// The firing's instant (the key, with the job).
    pub scheduled_for: DateTime<Utc>,
    /// Who runs it (host and process).
    pub claimed_by: String,
}

/// A firing claimed by a process that did not record it before its lease ran out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrphanedRun {
    /// Job name.
    pub job: String,
    /// The firing's instant.
    pub scheduled_for: DateTime<Utc>,
    /// Who claimed it last.
    pub claimed_by: String,
}

fn escalation_code(e: Escalation) -> i64 {
    match e {
        Escalation::Owner => 0,
        Escalation::Portfolio => 1,
        Escalation::Secretary => 2,
    }
}

fn escalation_from(code: i64) -> Escalation {
    match code {
        0 => Escalation::Owner,
        1 => Escalation::Portfolio,
        _ => Escalation::Secretary,
    }
}

impl Store {
    /// Claims a firing until `lease_until`; `true` when this caller owns it, `false` when it was
    /// claimed before (by another replica, or an earlier process) and that claim still holds.
    /// The same claimant may claim again a firing it claimed but did not finish (the database
    /// went away mid-run): nothing of that run was written, so running it again is the only way
    /// it is not lost. Anyone may claim a firing left `running` whose lease has run out.
    pub async fn claim_run(
        &self,
        run: &RunRecord,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO job_runs (job, scheduled_for, claimed_by, claimed_at, status, lease_until) \
                 VALUES ($1, $2, $3, $4, 'running', $5) ON CONFLICT (job, scheduled_for) DO UPDATE \
                 SET claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at, \
                 lease_until = excluded.lease_until, status = 'running', error = NULL \
                 WHERE (job_runs.claimed_by = excluded.claimed_by AND job_runs.status IN ('running', 'failed')) \
                 OR (job_runs.status = 'running' AND COALESCE(job_runs.lease_until, job_runs.claimed_at) < excluded.claimed_at)",
            )
            .bind(&run.job)
            .bind(run.scheduled_for)
            .bind(&run.claimed_by)
            .bind(now)
            .bind(lease_until)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Firings left `running` whose lease ran out before `now`, claimed on or after `since`,
    /// oldest first: their claimant died before recording them.
    pub async fn orphaned_runs(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<OrphanedRun>, StoreError> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, (String, DateTime<Utc>, String)>(
                "SELECT job, scheduled_for, claimed_by FROM job_runs WHERE status = 'running' \
                 AND COALESCE(lease_until, claimed_at) < $1 AND scheduled_for >= $2 ORDER BY scheduled_for, job",
            )
            .bind(now)
            .bind(since)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(job, scheduled_for, claimed_by)| OrphanedRun { job, scheduled_for, claimed_by })
            .collect())
    }

    /// Completes a claimed run: its record, its notices (new ones only) and their reminders, in
    /// one transaction. Returns how many notices were new.
    pub async fn complete_run(
        &self,
        run: &RunRecord,
        findings: usize,
        notices: &[NewNotice],
        reminders: &[(Reminder, String)],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let inserted = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // The fence, first: the claim must still be this run's. On PostgreSQL the update
            // also locks the row until commit, so a takeover waits and then finds it done.
            let held = sqlx::query(
                "UPDATE job_runs SET claimed_at = claimed_at \
                 WHERE job = $1 AND scheduled_for = $2 AND claimed_by = $3 AND status = 'running'",
            )
            .bind(&run.job)
            .bind(run.scheduled_for)
            .bind(&run.claimed_by)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if held != 1 {
                tx.rollback().await?;
                return Err(StoreError::ClaimLost { job: run.job.clone(), scheduled_for: run.scheduled_for });
            }
            let inserted = insert_notices!(tx, notices, now);
            // Many rows per statement (a run over a large register records a reminder per case
            // and recipient: one statement each held the write lock for seconds). A pair named
            // twice keeps its last record, as one statement per row did; PostgreSQL refuses a
            // statement that updates one row twice, so the repeats are dropped first.
            let mut last: HashMap<(&str, &str), usize> = HashMap::new();
            for (i, (r, _)) in reminders.iter().enumerate() {
                last.insert((r.recipient.as_str(), r.case_no.as_str()), i);
            }
            let rows: Vec<&(Reminder, String)> = reminders
                .iter()
                .enumerate()
                .filter(|(i, (r, _))| last.get(&(r.recipient.as_str(), r.case_no.as_str())) == Some(i))
                .map(|(_, row)| row)
                .collect();
            for chunk in rows.chunks(super::ROWS_PER_STATEMENT) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO reminders (recipient, case_no, sent_on, flags, escalation, job, deadlines) ",
                );
                insert.push_values(chunk, |mut b, (r, job)| {
                    b.push_bind(r.recipient.clone())
                        .push_bind(r.case_no.clone())
                        .push_bind(r.previous.sent_on)
                        .push_bind(i64::from(r.previous.flags.bits()))
                        .push_bind(escalation_code(r.previous.escalation))
                        .push_bind(job.clone())
                        .push_bind(r.previous.deadlines.to_json());
                });
                insert.push(
                    " ON CONFLICT (recipient, case_no) DO UPDATE SET sent_on = excluded.sent_on, \
                     flags = excluded.flags, escalation = excluded.escalation, job = excluded.job, \
                     deadlines = excluded.deadlines",
                );
                insert.build().execute(&mut *tx).await?;
            }
            sqlx::query(
                "UPDATE job_runs SET status = 'done', finished_at = $3, findings = $4, notices = $5, lease_until = NULL \
                 WHERE job = $1 AND scheduled_for = $2",
            )
            .bind(&run.job)
            .bind(run.scheduled_for)
            .bind(now)
            .bind(i64::try_from(findings).unwrap_or(i64::MAX))
            .bind(i64::try_from(inserted).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            inserted
        });
        Ok(inserted)
    }

    /// Marks a claimed run failed, with why (its notices were not written).
    pub async fn fail_run(&self, run: &RunRecord, error: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE job_runs SET status = 'failed', finished_at = $3, error = $4 \
                 WHERE job = $1 AND scheduled_for = $2 AND claimed_by = $5 AND status = 'running'",
            )
            .bind(&run.job)
            .bind(run.scheduled_for)
            .bind(now)
            .bind(error)
            .bind(&run.claimed_by)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The latest firing of `job` recorded (claimed by anyone), for catch-up.
    pub async fn last_run(&self, job: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let last: Option<DateTime<Utc>> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT MAX(scheduled_for) FROM job_runs WHERE job = $1").bind(job).fetch_one(pool).await?
        });
        Ok(last)
    }

    /// The latest firing of `job` recorded before `before` (claimed by anyone).
    pub async fn previous_run(&self, job: &str, before: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
        let last: Option<DateTime<Utc>> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT MAX(scheduled_for) FROM job_runs WHERE job = $1 AND scheduled_for < $2")
                .bind(job)
                .bind(before)
                .fetch_one(pool)
                .await?
        });
        Ok(last)
    }

    /// When each job last ran to the end (any replica): (job, finished at).
    pub async fn last_done_runs(&self) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, (String, DateTime<Utc>)>(
                "SELECT job, MAX(finished_at) FROM job_runs WHERE status = 'done' AND finished_at IS NOT NULL GROUP BY job",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// The cases the intake watch has reported: those of its notices in the outbox.
    pub async fn intake_reported(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        let lists: Vec<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT case_nos FROM outbox WHERE job = 'intake_watch'").fetch_all(pool).await?
        });
        Ok(lists.iter().flat_map(|l| serde_json::from_str::<Vec<String>>(l).unwrap_or_default()).collect())
    }

    /// The deadlines the latest reminder about `case_no` (to anyone) reminded of, and its day:
    /// what the case page compares today's deadlines with to say what moved (DESIGN §2.4).
    pub async fn last_reminded(&self, case_no: &str) -> Result<Option<(NaiveDate, crate::plan::Reminded)>, StoreError> {
        let row: Option<(NaiveDate, Option<String>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT sent_on, deadlines FROM reminders WHERE case_no = $1 AND deadlines IS NOT NULL \
                 ORDER BY sent_on DESC, recipient LIMIT 1",
            )
            .bind(case_no)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(on, text)| (on, text.map_or_else(Default::default, |t| crate::plan::Reminded::from_json(&t)))))
    }

    /// What each (person id, case no) was last told.
    pub async fn load_reminders(&self) -> Result<HashMap<(String, String), Previous>, StoreError> {
        let rows = on_pool!(self, pool => {
            sqlx::query("SELECT recipient, case_no, sent_on, flags, escalation, deadlines FROM reminders")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    let flags: i64 = r.try_get(3)?;
                    let previous = Previous {
                        sent_on: r.try_get::<NaiveDate, _>(2)?,
                        flags: FlagSet::from_bits(u32::try_from(flags).unwrap_or(0)),
                        escalation: escalation_from(r.try_get(4)?),
                        deadlines: r
                            .try_get::<Option<String>, _>(5)?
                            .map_or_else(Default::default, |t| crate::plan::Reminded::from_json(&t)),
                        acknowledged_on: None,
                    };
                    Ok(((r.try_get(0)?, r.try_get(1)?), previous))
                })
                .collect::<Result<HashMap<_, _>, sqlx::Error>>()?
        });
        Ok(rows)
    }
}
