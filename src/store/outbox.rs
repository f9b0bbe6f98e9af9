//! The outbox (DESIGN §4.1): a notice is a row before anything is sent. Planned notices are
//! inserted idempotently by their deterministic id; a worker claims one due row at a time under a
//! lease (so a crash mid-send makes it due again, never lost), then marks it sent, due again
//! later, or dead. Every attempt is recorded in `deliveries`, the audit trail.
//!
//! PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so several replicas share the work without
//! taking the same row; SQLite serialises claims with `BEGIN IMMEDIATE`.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{BeginWrite, Store, StoreError};

/// A planned notice, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    /// Deterministic id ([`crate::plan::notice_id`]).
    pub id: String,
    /// The job that planned it.
    pub job: String,
    /// The period or firing it belongs to.
    pub period: String,
    /// Person id (or group) it goes to.
    pub recipient: String,
    /// Channel name from the config.
    pub channel: String,
    /// Why it goes out (`first`, `repeat_due`, …).
    pub reason: String,
    /// The cases it is about.
    pub case_nos: Vec<String>,
    /// The rendered message, as JSON.
    pub payload: String,
}

impl NewNotice {
    pub(super) fn case_nos_json(&self) -> String {
        serde_json::to_string(&self.case_nos).unwrap_or_else(|_| "[]".into())
    }
}

/// Inserts a notice unless its id is already there: $1 id … $9 now.
pub(super) const INSERT_NOTICE: &str = "INSERT INTO outbox (id, job, period, recipient, channel, reason, case_nos, \
     payload, status, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $9) \
     ON CONFLICT (id) DO NOTHING";

/// A notice claimed for one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// Its id (also the `webhook-id` / `Message-ID`).
    pub id: String,
    /// Channel name.
    pub channel: String,
    /// Recipient.
    pub recipient: String,
    /// The rendered message.
    pub payload: String,
    /// This attempt's number, from 1.
    pub attempt: i64,
    /// Parts of a split chat message already delivered by earlier attempts.
    pub parts_done: i64,
    /// When it was planned (for the delivery latency).
    pub created_at: DateTime<Utc>,
}

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// A due notice, now leased to the caller.
    Claimed(Claimed),
    /// Nothing is due.
    Empty,
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Delivered.
    Sent,
    /// Failed for now; try again at the given instant.
    Retry {
        /// When.
        at: DateTime<Utc>,
        /// Why it failed (no secrets, no personal identifiers).
        error: String,
    },
    /// Failed for good (permanent error, or the retry schedule is exhausted).
    Dead {
        /// Why.
        error: String,
    },
}

/// A notice's state: the one place its stored names are spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// Claimed by a worker, under a lease.
    Sending,
    /// Delivered.
    Sent,
    /// Given up.
    Dead,
}

impl NoticeStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStatus::Pending => "pending",
            NoticeStatus::Sending => "sending",
            NoticeStatus::Sent => "sent",
            NoticeStatus::Dead => "dead",
        }
    }

    /// The state a stored name names.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Pending, Self::Sending, Self::Sent, Self::Dead].into_iter().find(|s| s.as_str() == name)
    }

    /// Whether `notices retry` may make it due again: pending or dead, never sent (a duplicate)
    /// nor sending (a worker holds it).
    pub fn retryable(self) -> bool {
        matches!(self, Self::Pending | Self::Dead)
    }
}

impl std::fmt::Display for NoticeStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What `retry_notice` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOutcome {
    /// No notice has that id.
    Missing,
    /// Made due now, with a fresh retry schedule; it was in this state.
    Retried(NoticeStatus),
    /// Left alone: sent (again would be a duplicate) or being sent.
    NotRetryable(NoticeStatus),
}

/// How many notices are in each state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxCounts {
    /// Waiting for an attempt.
    pub pending: i64,
    /// Claimed by a worker.
    pub sending: i64,
    /// Delivered.
    pub sent: i64,
    /// Given up.
    pub dead: i64,
}

/// The outcome of one attempt, as written by [`Store::finish_attempt`].
#[derive(Debug)]
pub(crate) struct FinishRow {
    pub(super) id: String,
    pub(super) attempt: i64,
    pub(super) status: NoticeStatus,
    pub(super) next: DateTime<Utc>,
    pub(super) error: Option<String>,
    pub(super) label: &'static str,
    pub(super) sent_at: Option<DateTime<Utc>>,
    pub(super) at: DateTime<Utc>,
}

impl FinishRow {
    fn new(claimed: &Claimed, outcome: &AttemptOutcome, now: DateTime<Utc>) -> Self {
        let (status, next, error, label) = match outcome {
            AttemptOutcome::Sent => (NoticeStatus::Sent, now, None, "sent"),
            AttemptOutcome::Retry { at, error } => (NoticeStatus::Pending, *at, Some(error.clone()), "retry"),
            AttemptOutcome::Dead { error } => (NoticeStatus::Dead, now, Some(error.clone()), "dead"),
        };
        Self {
            id: claimed.id.clone(),
            attempt: claimed.attempt,
            status,
            next,
            error,
            label,
            sent_at: (status == NoticeStatus::Sent).then_some(now),
            at: now,
        }
    }
}

/// A finished attempt waiting for the SQLite writer, and who to tell when it is committed.
pub(crate) struct Finishing {
    row: FinishRow,
    done: tokio::sync::oneshot::Sender<Result<(), String>>,
}

/// What [`Store::finish_attempt`] returns once its record's fate is known: the committing
/// caller's own error when its commit failed, else the answer it was sent.
fn finished(
    answer: Result<Result<(), String>, tokio::sync::oneshot::error::RecvError>,
    own_error: Option<StoreError>,
) -> Result<(), StoreError> {
    match (answer, own_error) {
        (Ok(Ok(())), _) => Ok(()),
        (_, Some(e)) => Err(e),
        (Ok(Err(message)), None) => Err(StoreError::Sqlite { what: "recording a delivery".into(), reason: message }),
        (Err(_), None) => Err(StoreError::WorkerStopped("delivery record abandoned by its writer".into())),
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Store {
    /// Writes planned notices; a notice whose id is already in the outbox is left as it is.
    /// Returns how many were new. All or nothing: one transaction.
    pub async fn enqueue(&self, notices: &[NewNotice], now: DateTime<Utc>) -> Result<usize, StoreError> {
        let inserted = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let inserted = insert_notices!(tx, notices, now);
            tx.commit().await?;
            inserted
        });
        Ok(inserted)
    }

    /// Claims the notice that has been due longest, leasing it until `lease_until`. A notice
    /// whose lease ran out (its worker died mid-send) is due again.
    pub async fn claim_next(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> Result<ClaimOutcome, StoreError> {
        let mut claimed = self.claim_batch(now, lease_until, 1).await?;
        Ok(claimed.pop().map_or(ClaimOutcome::Empty, ClaimOutcome::Claimed))
    }

    /// Claims up to `limit` due notices at once — those due longest, though on SQLite not
    /// returned in that order — each leased until `lease_until` (see [`Store::claim_next`]).
    /// A claimed notice that is not attempted must be put back with [`Store::hold`].
    pub async fn claim_batch(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Claimed>, StoreError> {
        let limit = i64::try_from(limit.max(1)).unwrap_or(1);
        let due = "FROM outbox WHERE status IN ('pending', 'sending') AND next_attempt_at <= $1 \
                   ORDER BY next_attempt_at, id LIMIT $2";
        match self {
            Store::Sqlite(pool) => {
                let writer = super::sqlite_writer(pool);
                let _turn = writer.turn().await?;
                writer.hot.claim(now, lease_until, limit).await
            }
            Store::Postgres(pool) => Ok(sqlx::query(sqlx::AssertSqlSafe(format!(
                "WITH due AS (SELECT id, next_attempt_at AS was {due} FOR UPDATE SKIP LOCKED), \
                 claimed AS (UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = $3 \
                 FROM due WHERE outbox.id = due.id RETURNING outbox.id, outbox.channel, outbox.recipient, \
                 outbox.payload, outbox.attempts, outbox.parts_done, outbox.created_at, due.was) \
                 SELECT id, channel, recipient, payload, attempts, parts_done, created_at FROM claimed ORDER BY was, id"
            )))
            .bind(now)
            .bind(limit)
            .bind(lease_until)
            .fetch_all(pool)
            .await?
            .iter()
            .map(claimed)
            .collect::<Result<Vec<_>, _>>()?),
        }
    }

    /// Records how an attempt on a claimed notice ended, with its audit row, in one transaction.
    ///
    /// On SQLite, attempts that end while another is being recorded wait and are recorded
    /// together, in the next transaction (group commit): each caller still returns only once
    /// its own record is committed, so a worker never has more than one notice sent and not
    /// yet marked, and a crash can repeat at most that one per worker.
    pub async fn finish_attempt(
        &self,
        claimed: &Claimed,
        outcome: &AttemptOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let row = FinishRow::new(claimed, outcome, now);
        match self {
            Store::Sqlite(pool) => {
                let writer = super::sqlite_writer(pool);
                let (done, mut answer) = tokio::sync::oneshot::channel();
                lock(&writer.finishing).push(Finishing { row, done });
                // Whoever gets the turn first records everything queued; the rest are answered
                // without waiting for a turn of their own.
                let turn = tokio::select! {
                    biased;
                    answered = &mut answer => return finished(answered, None),
                    turn = writer.turn() => turn?,
                };
                // One turn of the runtime first: attempts whose answers have just arrived join
                // this transaction instead of waiting for the next (with 16 workers, 10,000
                // webhooks took a quarter less CPU).
                tokio::task::yield_now().await;
                let batch = std::mem::take(&mut *lock(&writer.finishing));
                if batch.is_empty() {
                    drop(turn);
                    return finished(answer.await, None);
                }
                let (rows, answers): (Vec<FinishRow>, Vec<_>) = batch.into_iter().map(|f| (f.row, f.done)).unzip();
                let outcome = writer.hot.finish(rows).await;
                drop(turn);
                let message = outcome.as_ref().err().map(ToString::to_string);
                for done in answers {
                    let _ = done.send(message.clone().map_or(Ok(()), Err));
                }
                finished(answer.await, outcome.err())
            }
            Store::Postgres(pool) => {
                let mut tx = pool.begin_write().await?;
                sqlx::query(
                    "UPDATE outbox SET status = $2, next_attempt_at = $3, last_error = $4, \
                     sent_at = COALESCE($5, sent_at) WHERE id = $1",
                )
                .bind(&row.id)
                .bind(row.status.as_str())
                .bind(row.next)
                .bind(row.error.as_deref())
                .bind(row.sent_at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO deliveries (notice_id, attempt, attempted_at, recipient, channel, case_nos, reason, \
                     outcome, detail) SELECT id, $2, $3, recipient, channel, case_nos, reason, $4, $5 FROM outbox WHERE id = $1",
                )
                .bind(&row.id)
                .bind(row.attempt)
                .bind(row.at)
                .bind(row.label)
                .bind(row.error.as_deref())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    }

    /// Puts a claimed notice back without counting the attempt (quiet hours, a rate limit, a
    /// disabled channel's turn): it is due again at `until`.
    pub async fn hold(&self, claimed: &Claimed, until: DateTime<Utc>) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE outbox SET status = 'pending', attempts = attempts - 1, next_attempt_at = $2 \
                 WHERE id = $1 AND status = 'sending'",
            )
            .bind(&claimed.id)
            .bind(until)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Remembers that the first `parts` parts of a split chat message were delivered, so a retry
    /// resumes after them.
    pub async fn record_parts(&self, id: &str, parts: i64) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE outbox SET parts_done = $2 WHERE id = $1").bind(id).bind(parts).execute(pool).await?;
        });
        Ok(())
    }

    /// Makes a pending or dead notice due now, with a fresh retry schedule. Returns the status
    /// it had, or `None` when there is no such notice; a sent notice is left alone (sending it
    /// again would be a duplicate).
    pub async fn retry_notice(&self, id: &str, now: DateTime<Utc>) -> Result<RetryOutcome, StoreError> {
        let status: Option<String> = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let status: Option<String> =
                sqlx::query_scalar("SELECT status FROM outbox WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
            if status.as_deref().and_then(NoticeStatus::parse).is_some_and(NoticeStatus::retryable) {
                sqlx::query(
                    "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, last_error = NULL \
                     WHERE id = $1",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            status
        });
        Ok(match status.as_deref().map(|s| NoticeStatus::parse(s).ok_or(s)) {
            None => RetryOutcome::Missing,
            Some(Ok(was)) if was.retryable() => RetryOutcome::Retried(was),
            Some(Ok(was)) => RetryOutcome::NotRetryable(was),
            Some(Err(name)) => {
                return Err(StoreError::Corrupt {
                    case_no: id.to_owned(),
                    column: "outbox.status".into(),
                    why: format!("unknown notice status {name:?}"),
                });
            }
        })
    }

    /// Notices, newest first, filtered by state and creation time; at most `limit`.
    pub async fn list_notices(&self, filter: &NoticeFilter, limit: i64) -> Result<Vec<NoticeRow>, StoreError> {
        let (status, failed_only) = match filter.status {
            Some(StatusFilter::Failed) => (Some("pending"), 1i64),
            Some(StatusFilter::Is(status)) => (Some(status.as_str()), 0),
            None => (None, 0),
        };
        let rows = on_pool!(self, pool => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {NOTICE_COLUMNS} FROM outbox WHERE status = COALESCE($1, status) \
                 AND created_at >= COALESCE($2, created_at) AND ($3 = 0 OR last_error IS NOT NULL) \
                 AND channel = COALESCE($5, channel) AND recipient = COALESCE($6, recipient) \
                 ORDER BY created_at DESC, id LIMIT $4"
            )))
            .bind(status)
            .bind(filter.since)
            .bind(failed_only)
            .bind(limit)
            .bind(filter.channel.as_deref())
            .bind(filter.recipient.as_deref())
            .fetch_all(pool)
            .await?
            .iter()
            .map(notice_row)
            .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// The notices of the deadline and intake watches delivered after `since`, oldest first: what
    /// the ack watch reads (DESIGN §5.3).
    pub async fn delivered_watch_notices(&self, since: DateTime<Utc>) -> Result<Vec<NoticeRow>, StoreError> {
        let rows = on_pool!(self, pool => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {NOTICE_COLUMNS} FROM outbox WHERE status = 'sent' AND sent_at > $1 \
                 AND job IN ('deadline_watch', 'intake_watch') ORDER BY sent_at, id"
            )))
            .bind(since)
            .fetch_all(pool)
            .await?
            .iter()
            .map(notice_row)
            .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// The notices that listed `case_no`, oldest first.
    pub async fn notices_listing(&self, case_no: &str) -> Result<Vec<NoticeRow>, StoreError> {
        // `case_nos` is a JSON list: the number, quoted, with LIKE's wildcards escaped.
        let quoted = serde_json::to_string(case_no).unwrap_or_default();
        let pattern = format!("%{}%", quoted.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let rows = on_pool!(self, pool => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {NOTICE_COLUMNS} FROM outbox WHERE case_nos LIKE $1 ESCAPE '\\' ORDER BY created_at, id"
            )))
            .bind(&pattern)
            .fetch_all(pool)
            .await?
            .iter()
            .map(notice_row)
            .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// One notice with its delivery attempts, oldest first.
    pub async fn get_notice(&self, id: &str) -> Result<Option<(NoticeRow, Vec<AttemptRow>)>, StoreError> {
        let found = on_pool!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {NOTICE_COLUMNS} FROM outbox WHERE id = $1")))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            match row {
                None => None,
                Some(row) => {
                    let attempts = sqlx::query(
                        "SELECT attempt, attempted_at, outcome, detail FROM deliveries WHERE notice_id = $1 ORDER BY id",
                    )
                    .bind(id)
                    .fetch_all(pool)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok::<_, sqlx::Error>(AttemptRow {
                            attempt: r.try_get(0)?,
                            at: r.try_get(1)?,
                            outcome: r.try_get(2)?,
                            detail: r.try_get(3)?,
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                    Some((notice_row(&row)?, attempts))
                }
            }
        });
        Ok(found)
    }

    /// How many notices each channel has in each state: (channel, status, count).
    pub async fn outbox_by_channel(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows = on_pool!(self, pool => {
            sqlx::query("SELECT channel, status, COUNT(*) FROM outbox GROUP BY channel, status ORDER BY channel, status")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?, r.try_get::<i64, _>(2)?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        Ok(rows)
    }

    /// How many notices are in each state: (pending, sending, sent, dead).
    pub async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let mut counts = OutboxCounts::default();
        let rows = on_pool!(self, pool => {
            sqlx::query("SELECT status, COUNT(*) FROM outbox GROUP BY status")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        for (status, n) in rows {
            match NoticeStatus::parse(&status) {
                Some(NoticeStatus::Pending) => counts.pending = n,
                Some(NoticeStatus::Sending) => counts.sending = n,
                Some(NoticeStatus::Sent) => counts.sent = n,
                Some(NoticeStatus::Dead) => counts.dead = n,
                None => tracing::warn!(status, "a notice in a state this version does not know"),
            }
        }
        Ok(counts)
    }
}

/// Which notices `notices list` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// In this state.
    Is(NoticeStatus),
    /// Pending after a failed attempt.
    Failed,
}

impl StatusFilter {
    /// The words the CLI and the API take: pending, failed, sending, sent, dead.
    pub const NAMES: [&str; 5] = ["pending", "failed", "sending", "sent", "dead"];

    /// The filter a word names.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "pending" => Self::Is(NoticeStatus::Pending),
            "failed" => Self::Failed,
            "sending" => Self::Is(NoticeStatus::Sending),
            "sent" => Self::Is(NoticeStatus::Sent),
            "dead" => Self::Is(NoticeStatus::Dead),
            _ => return None,
        })
    }
}

/// A filter over the outbox.
#[derive(Debug, Clone, Default)]
pub struct NoticeFilter {
    /// State, or all.
    pub status: Option<StatusFilter>,
    /// Created at or after.
    pub since: Option<DateTime<Utc>>,
    /// On this channel only.
    pub channel: Option<String>,
    /// For this person (id) only.
    pub recipient: Option<String>,
}

/// A notice as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRow {
    /// Id.
    pub id: String,
    /// Job that planned it.
    pub job: String,
    /// Period or firing.
    pub period: String,
    /// Person id.
    pub recipient: String,
    /// Channel name.
    pub channel: String,
    /// Why it was sent.
    pub reason: String,
    /// Its cases.
    pub case_nos: Vec<String>,
    /// What it says (the template input, JSON).
    pub payload: String,
    /// Its state.
    pub status: NoticeStatus,
    /// Attempts made.
    pub attempts: i64,
    /// When it is due next (or when it was finished).
    pub next_attempt_at: DateTime<Utc>,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it was planned.
    pub created_at: DateTime<Utc>,
    /// When it was delivered.
    pub sent_at: Option<DateTime<Utc>>,
}

/// One delivery attempt from the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRow {
    /// Attempt number.
    pub attempt: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// sent, retry or dead.
    pub outcome: String,
    /// The failure, if any.
    pub detail: Option<String>,
}

const NOTICE_COLUMNS: &str = "id, job, period, recipient, channel, reason, case_nos, payload, status, attempts, \
     next_attempt_at, last_error, created_at, sent_at";

fn notice_row<R: Row>(row: &R) -> Result<NoticeRow, sqlx::Error>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<DateTime<Utc>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let case_nos: String = row.try_get(6)?;
    Ok(NoticeRow {
        id: row.try_get(0)?,
        job: row.try_get(1)?,
        period: row.try_get(2)?,
        recipient: row.try_get(3)?,
        channel: row.try_get(4)?,
        reason: row.try_get(5)?,
        case_nos: serde_json::from_str(&case_nos).unwrap_or_default(),
        payload: row.try_get(7)?,
        status: {
            let name: String = row.try_get(8)?;
            NoticeStatus::parse(&name)
                .ok_or_else(|| sqlx::Error::Decode(format!("unknown notice status {name:?}").into()))?
        },
        attempts: row.try_get(9)?,
        next_attempt_at: row.try_get(10)?,
        last_error: row.try_get(11)?,
        created_at: row.try_get(12)?,
        sent_at: row.try_get(13)?,
    })
}

fn claimed<R: Row>(row: &R) -> Result<Claimed, sqlx::Error>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    Ok(Claimed {
        id: row.try_get(0)?,
        channel: row.try_get(1)?,
        recipient: row.try_get(2)?,
        payload: row.try_get(3)?,
        attempt: row.try_get(4)?,
        parts_done: row.try_get(5)?,
        created_at: row.try_get(6)?,
    })
}
