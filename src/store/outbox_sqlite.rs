//! The outbox's hot path on SQLite — claiming due notices and recording finished attempts —
//! with rusqlite, each transaction whole on the calling thread when the file is free, else on a
//! blocking thread that waits for it ([`HotConnection::run`]).
//!
//! Through sqlx every statement, and `BEGIN` and `COMMIT` each, is a trip to the connection's
//! own thread and back, and on a small machine each trip costs a wake-up on both sides: a
//! delivery's claim and record spent far longer travelling than in SQLite. Here the whole
//! transaction runs on one thread. This is a second connection to the file, opened on first
//! use and closed with the store; it takes this process's writer turn like every other writer
//! ([`super::SqliteWriter`]) and writes exactly what the sqlx path writes (timestamps in
//! sqlx's RFC 3339 form, so the two read each other's rows).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};

use super::StoreError;
use super::outbox::{Claimed, FinishRow};

/// This process's hot-path connection to one SQLite file.
#[derive(Default)]
pub(crate) struct HotConnection(Arc<Mutex<Slot>>);

#[derive(Default)]
struct Slot {
    /// The file and the busy timeout to open it with (the store's).
    settings: Option<(PathBuf, Duration)>,
    connection: Option<Connection>,
}

/// A timestamp as sqlx writes it to SQLite.
fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn error(e: &rusqlite::Error) -> StoreError {
    StoreError::Sqlite { what: "outbox".into(), reason: e.to_string() }
}

const CLAIM: &str = "UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = ?3 \
     WHERE id IN (SELECT id FROM outbox WHERE status IN ('pending', 'sending') AND next_attempt_at <= ?1 \
     ORDER BY next_attempt_at, id LIMIT ?2) \
     RETURNING id, channel, recipient, payload, attempts, parts_done, created_at";

const UPDATE: &str = "UPDATE outbox SET status = ?2, next_attempt_at = ?3, last_error = ?4, \
     sent_at = COALESCE(?5, sent_at) WHERE id = ?1";

const AUDIT: &str = "INSERT INTO deliveries (notice_id, attempt, attempted_at, recipient, channel, case_nos, reason, \
     outcome, detail) SELECT id, ?2, ?3, recipient, channel, case_nos, reason, ?4, ?5 FROM outbox WHERE id = ?1";

impl HotConnection {
    /// Sets the file and the busy timeout the connection is opened with (the store's).
    pub(crate) fn configure(&self, path: PathBuf, busy_timeout: Duration) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).settings = Some((path, busy_timeout));
    }

    /// Closes the connection (the store is closing); the next use opens it again.
    pub(crate) fn close(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).connection.take();
    }

    /// Runs `work` on the connection. First right here, without waiting: when the connection
    /// is open and free and no other process holds the file's write lock, the transaction (tens
    /// of microseconds) costs no trip to another thread. Otherwise — the connection not yet
    /// opened, in use, or the file locked — on a blocking thread that waits up to the busy
    /// timeout. `work` must do nothing when it fails with "database is locked" (it begins with
    /// the write: `BEGIN IMMEDIATE`, or a single statement), so it can be run again there.
    /// A commit that sets off SQLite's automatic checkpoint (each 1,000 pages of log, a few
    /// hundred deliveries) syncs the file here too: milliseconds, that often.
    async fn run<T: Send + 'static>(
        &self,
        work: impl Fn(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        if let Some(done) = self.try_here(&work) {
            return done.map_err(|e| error(&e));
        }
        let slot = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || {
            let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
            let Slot { settings, connection } = &mut *slot;
            let connection = match (connection, settings) {
                (Some(c), _) => c,
                (none, Some((path, busy))) => none.insert(open(path, *busy)?),
                (None, None) => return Err(rusqlite::Error::InvalidPath("the store was not opened".into())),
            };
            work(connection)
        })
        .await
        .map_err(|e| StoreError::WorkerStopped(format!("outbox thread stopped: {e}")))?
        .map_err(|e| error(&e))
    }

    /// [`HotConnection::run`]'s attempt on the calling thread; `None` when it must go to a
    /// blocking thread (nothing was written).
    fn try_here<T>(&self, work: &impl Fn(&mut Connection) -> rusqlite::Result<T>) -> Option<rusqlite::Result<T>> {
        let mut slot = self.0.try_lock().ok()?;
        let Slot { settings: Some((_, busy)), connection: Some(connection) } = &mut *slot else { return None };
        connection.busy_timeout(Duration::ZERO).ok()?;
        let done = work(connection);
        if connection.busy_timeout(*busy).is_err() {
            // The connection cannot be set back to waiting: open a fresh one next time.
            slot.connection = None;
        }
        match done {
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::DatabaseBusy => None,
            done => Some(done),
        }
    }

    /// See [`super::Store::claim_batch`]; the caller holds the writer turn.
    pub(crate) async fn claim(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Claimed>, StoreError> {
        let (now, lease_until) = (text(now), text(lease_until));
        self.run(move |db| {
            let mut claim = db.prepare_cached(CLAIM)?;
            let rows = claim.query_map(params![now, limit, lease_until], |r| {
                let created: String = r.get(6)?;
                let created_at = DateTime::parse_from_rfc3339(&created)
                    .map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e))
                    })?
                    .with_timezone(&Utc);
                Ok(Claimed {
                    id: r.get(0)?,
                    channel: r.get(1)?,
                    recipient: r.get(2)?,
                    payload: r.get(3)?,
                    attempt: r.get(4)?,
                    parts_done: r.get(5)?,
                    created_at,
                })
            })?;
            rows.collect()
        })
        .await
    }

    /// Writes finished attempts (each notice's new state and its audit row) in one
    /// transaction; the caller holds the writer turn.
    pub(crate) async fn finish(&self, rows: Vec<FinishRow>) -> Result<(), StoreError> {
        self.run(move |db| {
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut update = tx.prepare_cached(UPDATE)?;
                let mut audit = tx.prepare_cached(AUDIT)?;
                for row in &rows {
                    let error = row.error.as_deref();
                    update.execute(params![
                        row.id,
                        row.status.as_str(),
                        text(row.next),
                        error,
                        row.sent_at.map(text)
                    ])?;
                    audit.execute(params![row.id, row.attempt, text(row.at), row.label, error])?;
                }
            }
            tx.commit()
        })
        .await
    }
}

fn open(path: &std::path::Path, busy_timeout: Duration) -> rusqlite::Result<Connection> {
    let db = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    db.busy_timeout(busy_timeout)?;
    db.pragma_update(None, "synchronous", "NORMAL")?;
    db.pragma_update(None, "foreign_keys", "ON")?;
    Ok(db)
}
