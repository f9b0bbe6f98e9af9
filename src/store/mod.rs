//! Persistence: the register (cases), people, job runs, outbox and audit tables, on SQLite
//! (embedded default, one file, WAL) or PostgreSQL (shared by several replicas).
//!
//! The two backends share one schema (a migrations folder each, embedded in the binary) and
//! one body of code: each method is written once and expanded for both pool types by
//! [`on_pool!`], so the SQL cannot drift between them.

mod record;
mod register_reader;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row};

use record::CASE_COLUMNS;
use record::CaseRow;

use crate::config::Person;
use crate::domain::{Case, CaseNo};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no backend petition-watch supports.
    #[error("database URL {0:?} is neither sqlite://PATH nor postgres://…")]
    UnsupportedUrl(String),
    /// The database could not be opened or created.
    #[error("cannot open database {url}: {source}")]
    Connect {
        /// The URL, password removed.
        url: String,
        /// The driver's reason.
        source: sqlx::Error,
    },
    /// A migration failed; the database is left at the last migration that completed.
    #[error("cannot migrate database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    /// A firing's claim lapsed and another process took it over before this run was recorded:
    /// nothing of this run was written (the other process runs the firing).
    #[error("the claim on {job} at {scheduled_for} lapsed and was taken over; this run was not recorded")]
    ClaimLost {
        /// The job.
        job: String,
        /// The firing.
        scheduled_for: chrono::DateTime<chrono::Utc>,
    },
    /// A query on SQLite through the direct reader or writer (rusqlite) failed.
    #[error("database error: {what}: {reason}")]
    Sqlite {
        /// What was being done.
        what: String,
        /// The library's reason.
        reason: String,
    },
    /// A worker thread or task doing the store's work stopped before answering.
    #[error("{0}")]
    WorkerStopped(String),
    /// A stored row does not parse (edited by hand, or written by a newer version).
    #[error("stored case {case_no}: column {column}: {why}")]
    Corrupt {
        /// The case.
        case_no: String,
        /// The column at fault.
        column: String,
        /// What is wrong.
        why: String,
    },
}

/// Connection settings that are not part of the URL.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Pool size.
    pub max_connections: u32,
    /// SQLite: how long a writer waits on a locked database.
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { max_connections: 5, busy_timeout: Duration::from_secs(10) }
    }
}

/// What an upsert of a batch of cases did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    /// Case numbers not stored before.
    pub inserted: usize,
    /// Stored cases whose row changed.
    pub updated: usize,
    /// Stored cases the row left exactly as they were.
    pub unchanged: usize,
    /// Rows of withdrawn cases (作废) left out: a re-import brings one back only when asked to
    /// restore it.
    pub withdrawn: usize,
    /// Withdrawn cases brought back (counted as inserted too).
    pub restored: usize,
    /// Rows under a number corrected since (更正编号) left out: the register still has the
    /// mistyped number, and importing it would bring the ghost case back.
    pub renamed: usize,
}

/// What writing only new cases did ([`Store::insert_new_cases`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewCasesOutcome {
    /// Every case was new or stored exactly so: the new ones were written.
    Written(UpsertCounts),
    /// These case numbers are stored with other content: nothing was written.
    Exists(Vec<String>),
}

/// The PostgreSQL advisory lock every transaction writing cases holds (`pg_advisory_xact_lock`):
/// replicas write cases one transaction at a time, as SQLite's single writer does, so a check
/// of what is stored and the write that follows cannot interleave with another's.
const CASES_WRITE_LOCK: i64 = 0x7077_6361_7365; // "pwcase"

/// The register's store, on one of the two backends.
#[derive(Debug, Clone)]
pub enum Store {
    /// Embedded SQLite file.
    Sqlite(SqlitePool),
    /// Shared PostgreSQL database.
    Postgres(PgPool),
}

/// Inserts `$notices` into the outbox inside the transaction `$tx` (ids already there are left
/// as they are); evaluates to how many were new.
macro_rules! insert_notices {
    ($tx:expr, $notices:expr, $now:expr) => {{
        let mut inserted = 0usize;
        for n in $notices {
            let done = sqlx::query(crate::store::outbox::INSERT_NOTICE)
                .bind(&n.id)
                .bind(&n.job)
                .bind(&n.period)
                .bind(&n.recipient)
                .bind(&n.channel)
                .bind(&n.reason)
                .bind(n.case_nos_json())
                .bind(&n.payload)
                .bind($now)
                .execute(&mut *$tx)
                .await?;
            inserted += usize::try_from(done.rows_affected()).unwrap_or(0);
        }
        inserted
    }};
}

/// Runs `$body` with `$pool` bound to the concrete pool of either backend.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            Store::Sqlite($pool) => $body,
            Store::Postgres($pool) => $body,
        }
    };
}

mod outbox;
mod outbox_sqlite;
pub use outbox::{
    AttemptOutcome, AttemptRow, ClaimOutcome, Claimed, NewNotice, NoticeFilter, NoticeRow, NoticeStatus, OutboxCounts,
    RetryOutcome, StatusFilter,
};
mod corrections;
mod events;
mod runs;
pub use corrections::{Correction, Withdrawal};
pub use runs::{OrphanedRun, RunRecord};

/// Starting a write transaction: SQLite takes the write lock up front (`BEGIN IMMEDIATE`)
/// so two writers queue on the busy timeout instead of failing on upgrade.
trait BeginWrite {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> Result<WriteTx<Self::Db>, sqlx::Error>;
}

/// A write transaction, holding this process's turn to write the SQLite file. Writers of one
/// process wait for each other here, on an async lock, rather than in SQLite's busy handler,
/// which sleeps whole milliseconds between tries (four delivery workers spent most of their
/// time there). Other processes still meet SQLite's own lock and busy timeout.
pub(crate) struct WriteTx<DB: sqlx::Database> {
    tx: sqlx::Transaction<'static, DB>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl<DB: sqlx::Database> WriteTx<DB> {
    /// Commits, then gives up the turn.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    /// Rolls back, then gives up the turn.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl<DB: sqlx::Database> std::ops::Deref for WriteTx<DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        &self.tx
    }
}

impl<DB: sqlx::Database> std::ops::DerefMut for WriteTx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }
}

/// How long a writer waits for its turn in this process before giving up.
const WRITE_TURN_WAIT: Duration = Duration::from_secs(60);

/// This process's writer for a SQLite file: whose turn it is to write, and the finished
/// deliveries waiting to be recorded together ([`Store::finish_attempt`]).
#[derive(Default)]
pub(crate) struct SqliteWriter {
    turn: Arc<tokio::sync::Mutex<()>>,
    pub(crate) finishing: std::sync::Mutex<Vec<outbox::Finishing>>,
    /// The outbox's hot-path connection.
    pub(crate) hot: outbox_sqlite::HotConnection,
}

impl SqliteWriter {
    /// Waits for this process's turn to write.
    pub(crate) async fn turn(&self) -> Result<tokio::sync::OwnedMutexGuard<()>, sqlx::Error> {
        tokio::time::timeout(WRITE_TURN_WAIT, Arc::clone(&self.turn).lock_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)
    }
}

/// This process's writer for a SQLite file.
pub(crate) fn sqlite_writer(pool: &SqlitePool) -> Arc<SqliteWriter> {
    static WRITERS: std::sync::LazyLock<std::sync::Mutex<HashMap<std::path::PathBuf, Arc<SqliteWriter>>>> =
        std::sync::LazyLock::new(Default::default);
    let file = pool.connect_options().get_filename().to_owned();
    let mut writers = WRITERS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    Arc::clone(writers.entry(file).or_default())
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<WriteTx<sqlx::Sqlite>, sqlx::Error> {
        let turn = sqlite_writer(self).turn().await?;
        let tx = self.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx { tx, _turn: Some(turn) })
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<WriteTx<sqlx::Postgres>, sqlx::Error> {
        Ok(WriteTx { tx: self.begin().await?, _turn: None })
    }
}

/// Rows per multi-row statement: 34 binds each stays under SQLite's 32766 and PostgreSQL's 65535.
const ROWS_PER_STATEMENT: usize = 500;

pub use crate::config::redact_url;

impl Store {
    /// Opens the database at `url`, creating it (and its directory) when it does not exist,
    /// and applies any pending migrations.
    #[tracing::instrument(skip_all, fields(url = %redact_url(url)))]
    pub async fn open(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let connect_error = |source| StoreError::Connect { url: redact_url(url), source };
        let store = if url.starts_with("sqlite:") {
            let mut opts = SqliteConnectOptions::from_str(url)
                .map_err(connect_error)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(options.busy_timeout)
                .foreign_keys(true);
            let path = opts.get_filename().to_owned();
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| connect_error(sqlx::Error::Io(e)))?;
            }
            opts = opts.optimize_on_close(true, None);
            // A local file needs no ping before each use (the pool's default): that would be one
            // more round trip to the connection's thread per transaction.
            let pool = SqlitePoolOptions::new()
                .max_connections(options.max_connections)
                .test_before_acquire(false)
                .connect_with(opts)
                .await
                .map_err(connect_error)?;
            sqlite_writer(&pool).hot.configure(path, options.busy_timeout);
            Store::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(Duration::from_secs(30))
                .connect(url)
                .await
                .map_err(connect_error)?;
            Store::Postgres(pool)
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        store.migrate().await?;
        Ok(store)
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Applies pending migrations (PostgreSQL replicas take an advisory lock while doing so).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool) => sqlx::migrate!("src/store/migrations/sqlite").run(pool).await?,
            Store::Postgres(pool) => sqlx::migrate!("src/store/migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Closes the pool, waiting for connections in use.
    pub async fn close(&self) {
        if let Store::Sqlite(pool) = self {
            sqlite_writer(pool).hot.close();
        }
        on_pool!(self, pool => pool.close().await)
    }

    /// Writes `cases` in one transaction: new case numbers are inserted, changed ones replaced
    /// whole, unchanged ones left alone. Either every case of the batch is written or none is.
    #[tracing::instrument(skip_all)]
    pub async fn upsert_cases<'c>(
        &self,
        cases: impl IntoIterator<Item = &'c Case>,
        now: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError> {
        self.upsert_cases_restoring(cases, now, false).await
    }

    /// [`Store::upsert_cases`]; with `restore`, a withdrawn case among them is brought back
    /// (作废 undone) instead of left out.
    pub async fn upsert_cases_restoring<'c>(
        &self,
        cases: impl IntoIterator<Item = &'c Case>,
        now: DateTime<Utc>,
        restore: bool,
    ) -> Result<UpsertCounts, StoreError> {
        match self.write_cases(cases, now, false, restore).await? {
            NewCasesOutcome::Written(counts) => Ok(counts),
            NewCasesOutcome::Exists(_) => unreachable!("replacing cases never refuses one"),
        }
    }

    /// Writes `cases` that are not stored yet, in one transaction, unless one of the numbers is
    /// stored with other content: then nothing is written and those numbers are returned. A case
    /// stored exactly so counts as unchanged. The check and the write are one transaction under
    /// the cases' write lock, so concurrent callers with one new number get one `inserted`.
    #[tracing::instrument(skip_all)]
    pub async fn insert_new_cases<'c>(
        &self,
        cases: impl IntoIterator<Item = &'c Case>,
        now: DateTime<Utc>,
    ) -> Result<NewCasesOutcome, StoreError> {
        self.write_cases(cases, now, true, false).await
    }

    /// Writes `cases` in one transaction under the cases' write lock. A withdrawn case's row is
    /// left out (counted as withdrawn) unless `restore`, which brings it back; a row under a
    /// number corrected since (更正编号) is left out (counted as renamed), unless a case of that
    /// number is stored again.
    async fn write_cases<'c>(
        &self,
        cases: impl IntoIterator<Item = &'c Case>,
        now: DateTime<Utc>,
        new_only: bool,
        restore: bool,
    ) -> Result<NewCasesOutcome, StoreError> {
        let rows: Vec<CaseRow> = cases.into_iter().map(CaseRow::from).collect();
        tracing::debug!(cases = rows.len(), "writing cases");
        let mut counts = UpsertCounts::default();
        let mut clashes = Vec::new();
        let postgres = matches!(self, Store::Postgres(_));
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(CASES_WRITE_LOCK).execute(&mut *tx).await?;
            }
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                let mut select = QueryBuilder::new("SELECT case_no, fingerprint FROM cases WHERE case_no IN (");
                let mut list = select.separated(", ");
                for row in chunk {
                    list.push_bind(row.case_no.clone());
                }
                select.push(")");
                let stored: std::collections::HashMap<String, String> = select
                    .build()
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?)))
                    .collect::<Result<_, sqlx::Error>>()?;
                let mut withdrawn_query = QueryBuilder::new("SELECT case_no FROM withdrawn_cases WHERE case_no IN (");
                let mut list = withdrawn_query.separated(", ");
                for row in chunk {
                    list.push_bind(row.case_no.clone());
                }
                withdrawn_query.push(")");
                let withdrawn: std::collections::HashSet<String> =
                    withdrawn_query.build_query_scalar().fetch_all(&mut *tx).await?.into_iter().collect();
                let mut renamed_query = QueryBuilder::new("SELECT from_no FROM case_renames WHERE from_no IN (");
                let mut list = renamed_query.separated(", ");
                for row in chunk {
                    list.push_bind(row.case_no.clone());
                }
                renamed_query.push(")");
                let renamed: std::collections::HashSet<String> =
                    renamed_query.build_query_scalar().fetch_all(&mut *tx).await?.into_iter().collect();
                if restore && !withdrawn.is_empty() {
                    let mut delete = QueryBuilder::new("DELETE FROM withdrawn_cases WHERE case_no IN (");
                    let mut list = delete.separated(", ");
                    for no in &withdrawn {
                        list.push_bind(no.clone());
                    }
                    delete.push(")");
                    delete.build().execute(&mut *tx).await?;
                    for no in &withdrawn {
                        sqlx::query(
                            "INSERT INTO case_events (case_no, kind, at, by_whom, text) VALUES ($1, 'restored', $2, 'register', $3)",
                        )
                        .bind(no)
                        .bind(now)
                        .bind("重新导入时恢复")
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                let changed: Vec<&CaseRow> = chunk
                    .iter()
                    .filter(|row| match stored.get(&row.case_no) {
                        None if renamed.contains(&row.case_no) => { counts.renamed += 1; false }
                        None if withdrawn.contains(&row.case_no) && !restore => { counts.withdrawn += 1; false }
                        None if withdrawn.contains(&row.case_no) => { counts.restored += 1; counts.inserted += 1; true }
                        None => { counts.inserted += 1; true }
                        Some(f) if *f == row.fingerprint => { counts.unchanged += 1; false }
                        Some(_) if new_only => { clashes.push(row.case_no.clone()); false }
                        Some(_) => { counts.updated += 1; true }
                    })
                    .collect();
                if changed.is_empty() || !clashes.is_empty() {
                    continue;
                }
                let mut insert = QueryBuilder::new(format!("INSERT INTO cases ({}, updated_at) ", CASE_COLUMNS.join(", ")));
                insert.push_values(changed, |mut b, r| {
                    b.push_bind(r.case_no.clone())
                        .push_bind(r.received_on)
                        .push_bind(r.channel.clone())
                        .push_bind(r.source.clone())
                        .push_bind(r.petitioner.clone())
                        .push_bind(r.petitioner_id.clone())
                        .push_bind(r.phone.clone())
                        .push_bind(r.village.clone())
                        .push_bind(r.anonymous)
                        .push_bind(r.confidential)
                        .push_bind(r.petitioner_count)
                        .push_bind(r.signatories)
                        .push_bind(r.category.clone())
                        .push_bind(r.matter.clone())
                        .push_bind(r.summary.clone())
                        .push_bind(r.accused.clone())
                        .push_bind(r.competent_level)
                        .push_bind(r.visited_level)
                        .push_bind(r.accepted_on)
                        .push_bind(r.extension_days)
                        .push_bind(r.owner_leader.clone())
                        .push_bind(r.owner_deadline)
                        .push_bind(r.responsible_person.clone())
                        .push_bind(r.responsible_unit.clone())
                        .push_bind(r.concluded_on)
                        .push_bind(r.review_accepted_on)
                        .push_bind(r.review_opinion_on)
                        .push_bind(r.recheck_requested_on)
                        .push_bind(r.recheck_opinion_on)
                        .push_bind(r.hearings.clone())
                        .push_bind(r.conflicts.clone())
                        .push_bind(r.extra.clone())
                        .push_bind(r.disposition.clone())
                        .push_bind(r.disposed_on)
                        .push_bind(r.fingerprint.clone())
                        .push_bind(now);
                });
                insert.push(" ON CONFLICT (case_no) DO UPDATE SET ");
                let updates: Vec<String> = CASE_COLUMNS
                    .iter()
                    .skip(1)
                    .chain(&["updated_at"])
                    .map(|c| format!("{c} = excluded.{c}"))
                    .collect();
                insert.push(updates.join(", "));
                insert.build().execute(&mut *tx).await?;
            }
            if !clashes.is_empty() {
                tx.rollback().await?;
                return Ok(NewCasesOutcome::Exists(clashes));
            }
            tx.commit().await?;
        });
        Ok(NewCasesOutcome::Written(counts))
    }

    /// Every stored case, ordered by case number.
    pub async fn load_cases(&self) -> Result<Vec<Case>, StoreError> {
        let rows: Vec<CaseRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {} FROM cases ORDER BY case_no", CASE_COLUMNS.join(", "))))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(Case::try_from).collect()
    }

    /// Every stored case in the compact form the rules screen, read without building a
    /// [`Case`] per row (see [`register_reader`]).
    pub async fn load_register(&self) -> Result<crate::rules::Register, StoreError> {
        match self {
            // An in-memory database is private to its connection: read it through sqlx.
            Store::Sqlite(pool) if pool.connect_options().get_filename().as_os_str() == ":memory:" => {
                Ok(crate::rules::Register::from_cases(&self.load_cases().await?))
            }
            Store::Sqlite(pool) => {
                let path = pool.connect_options().get_filename().to_owned();
                tokio::task::spawn_blocking(move || register_reader::read_sqlite(&path))
                    .await
                    .map_err(|e| StoreError::WorkerStopped(format!("register reader stopped: {e}")))?
            }
            Store::Postgres(pool) => register_reader::read_postgres(pool).await,
        }
    }

    /// One case by number.
    pub async fn get_case(&self, case_no: &CaseNo) -> Result<Option<Case>, StoreError> {
        let sql = format!("SELECT {} FROM cases WHERE case_no = ", CASE_COLUMNS.join(", "));
        let row: Option<CaseRow> = on_pool!(self, pool => {
            let mut q = QueryBuilder::new(sql);
            q.push_bind(case_no.as_str().to_owned());
            q.build_query_as().fetch_optional(pool).await?
        });
        row.map(Case::try_from).transpose()
    }

    /// The cases with these numbers (those that exist), ordered by case number.
    pub async fn get_cases(&self, case_nos: &[&str]) -> Result<Vec<Case>, StoreError> {
        let mut cases = Vec::with_capacity(case_nos.len());
        for chunk in case_nos.chunks(ROWS_PER_STATEMENT) {
            let sql = format!("SELECT {} FROM cases WHERE case_no IN (", CASE_COLUMNS.join(", "));
            let rows: Vec<CaseRow> = on_pool!(self, pool => {
                let mut q = QueryBuilder::new(sql);
                let mut list = q.separated(", ");
                for no in chunk {
                    list.push_bind((*no).to_owned());
                }
                q.push(") ORDER BY case_no");
                q.build_query_as().fetch_all(pool).await?
            });
            for row in rows {
                cases.push(Case::try_from(row)?);
            }
        }
        Ok(cases)
    }

    /// Every stored case number.
    pub async fn case_numbers(&self) -> Result<Vec<String>, StoreError> {
        let numbers: Vec<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT case_no FROM cases").fetch_all(pool).await?
        });
        Ok(numbers)
    }

    /// Whether the database answers (`SELECT 1`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// How many cases are stored.
    pub async fn count_cases(&self) -> Result<u64, StoreError> {
        let n: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM cases").fetch_one(pool).await?
        });
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Replaces the `people` table with the people of the config.
    pub async fn sync_people(&self, people: &[Person], now: DateTime<Utc>) -> Result<(), StoreError> {
        // Upserts, then removes the people no longer in the config: several replicas starting
        // at once each do this, and a delete-then-insert would collide on the keys.
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for chunk in people.chunks(ROWS_PER_STATEMENT) {
                let mut insert = QueryBuilder::new("INSERT INTO people (id, name, role, title, email, updated_at) ");
                insert.push_values(chunk, |mut b, p| {
                    b.push_bind(p.id.as_str().to_owned())
                        .push_bind(p.name.clone())
                        .push_bind(format!("{:?}", p.role))
                        .push_bind(p.title.clone())
                        .push_bind(p.email.clone())
                        .push_bind(now);
                });
                insert.push(
                    " ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, \
                     title = excluded.title, email = excluded.email, updated_at = excluded.updated_at",
                );
                insert.build().execute(&mut *tx).await?;
            }
            let mut delete = QueryBuilder::new("DELETE FROM people");
            if !people.is_empty() {
                delete.push(" WHERE id NOT IN (");
                let mut list = delete.separated(", ");
                for p in people {
                    list.push_bind(p.id.as_str().to_owned());
                }
                delete.push(")");
            }
            delete.build().execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_removed_from_urls_shown_to_users() {
        assert_eq!(redact_url("postgres://app:s3cret@db:5432/pw"), "postgres://app:***@db:5432/pw");
        assert_eq!(redact_url("postgres://root@127.0.0.1/test"), "postgres://root@127.0.0.1/test");
        assert_eq!(redact_url("sqlite://var/x.db"), "sqlite://var/x.db");
    }
}
