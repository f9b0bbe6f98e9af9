//! Reading the register straight into the compact form the rules screen
//! ([`Register`]), without building a [`crate::domain::Case`] per row.
//!
//! On SQLite the rows are read with rusqlite on a blocking thread: sqlx hands each row of a
//! large result through a channel, which costs more than screening the row. Both libraries
//! share one SQLite library. On PostgreSQL the same columns are streamed through sqlx.

use std::borrow::Cow;
use std::path::Path;

use chrono::NaiveDate;
use futures_util::TryStreamExt;
use sqlx::Row;

use super::StoreError;
use crate::domain::{DateSpan, mask_identifiers, split_list};
use crate::rules::{Clocks, RawCase, Register, RegisterBuilder};

/// The columns the rules need, in the order both readers use.
pub const SCREEN_COLUMNS: &str = "case_no, received_on, petitioner, petitioner_id, phone, village, category, matter, \
     anonymous, petitioner_count, signatories, visited_level, competent_level, accepted_on, concluded_on, \
     owner_deadline, review_accepted_on, review_opinion_on, recheck_requested_on, recheck_opinion_on, \
     extension_days, owner_leader, responsible_person, responsible_unit, hearings, accused, conflicts, disposed_on";

fn corrupt(case_no: &str, column: &str, why: impl Into<String>) -> StoreError {
    StoreError::Corrupt { case_no: case_no.to_owned(), column: column.to_owned(), why: why.into() }
}

/// A stored `YYYY-MM-DD` date, parsed without going through a format string.
fn parse_day(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    }
    let num = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0u32, |acc, c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
}

/// A JSON list column; `[]` (the common case) costs nothing.
fn parse_list<'t>(case_no: &str, column: &str, text: &'t str) -> Result<Vec<Cow<'t, str>>, StoreError> {
    if text == "[]" || text.is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_str(text).map_err(|e| corrupt(case_no, column, e.to_string()))
}

/// The items of a stored name list split again on every separator and masked; borrowed when
/// neither changes one.
fn resplit<'t>(items: &[Cow<'t, str>]) -> Vec<Cow<'t, str>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let pieces = split_list(item);
        if pieces.len() == 1 && pieces[0] == item.as_ref() {
            out.push(match mask_identifiers(item) {
                Cow::Borrowed(_) => item.clone(),
                Cow::Owned(masked) => Cow::Owned(masked),
            });
        } else {
            out.extend(pieces.into_iter().map(|piece| Cow::Owned(mask_identifiers(&piece).into_owned())));
        }
    }
    out
}

fn parse_hearings(case_no: &str, text: &str) -> Result<Vec<DateSpan>, StoreError> {
    parse_list(case_no, "hearings", text)?
        .iter()
        .map(|item| DateSpan::parse(item).map_err(|e| corrupt(case_no, "hearings", e.0)))
        .collect()
}

fn level(value: Option<i64>) -> Option<u8> {
    value.and_then(|v| u8::try_from(v).ok()).filter(|v| (1..=5).contains(v))
}

fn count(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

/// One result row of [`SCREEN_COLUMNS`], whichever driver read it.
trait ScreenRow {
    fn text(&self, i: usize) -> Result<Option<&str>, StoreError>;
    fn date(&self, i: usize, column: &str) -> Result<Option<NaiveDate>, StoreError>;
    fn int(&self, i: usize) -> Result<Option<i64>, StoreError>;
    fn flag(&self, i: usize) -> Result<bool, StoreError>;
}

/// Adds one row to the builder.
fn push_row(builder: &mut RegisterBuilder, row: &impl ScreenRow) -> Result<(), StoreError> {
    let case_no = row.text(0)?.unwrap_or_default();
    let at = |e: StoreError| match e {
        StoreError::Corrupt { column, why, .. } => corrupt(case_no, &column, why),
        other => other,
    };
    // Free text as every output may show it (DESIGN §3): evidence quotes matters, villages,
    // categories and names, so ID and mobile numbers typed into them are masked here.
    let text = |i: usize| -> Result<Option<Cow<'_, str>>, StoreError> { Ok(row.text(i)?.map(mask_identifiers)) };
    let (petitioner, village, category, matter) = (text(2)?, text(5)?, text(6)?, text(7)?);
    let (owner_leader, responsible_person, responsible_unit) = (text(21)?, text(22)?, text(23)?);
    let raw = RawCase {
        case_no,
        clocks: Clocks {
            received_on: row.date(1, "received_on").map_err(at)?,
            accepted_on: row.date(13, "accepted_on").map_err(at)?,
            concluded_on: row.date(14, "concluded_on").map_err(at)?,
            owner_deadline: row.date(15, "owner_deadline").map_err(at)?,
            review_accepted_on: row.date(16, "review_accepted_on").map_err(at)?,
            review_opinion_on: row.date(17, "review_opinion_on").map_err(at)?,
            recheck_requested_on: row.date(18, "recheck_requested_on").map_err(at)?,
            recheck_opinion_on: row.date(19, "recheck_opinion_on").map_err(at)?,
            extension_days: count(row.int(20)?.unwrap_or(0)),
            disposed_on: row.date(27, "disposed_on").map_err(at)?,
        },
        petitioner: petitioner.as_deref(),
        petitioner_id: row.text(3)?,
        phone: row.text(4)?,
        village: village.as_deref(),
        category: category.as_deref(),
        matter: matter.as_deref(),
        anonymous: row.flag(8)?,
        petitioner_count: count(row.int(9)?.unwrap_or(1)),
        signatories: count(row.int(10)?.unwrap_or(1)),
        visited_level: level(row.int(11)?),
        competent_level: level(row.int(12)?),
        owner_leader: owner_leader.as_deref(),
        responsible_person: responsible_person.as_deref(),
        responsible_unit: responsible_unit.as_deref(),
    };
    let hearings = parse_hearings(case_no, row.text(24)?.unwrap_or_default())?;
    let accused = parse_list(case_no, "accused", row.text(25)?.unwrap_or_default())?;
    let conflicts = parse_list(case_no, "conflicts", row.text(26)?.unwrap_or_default())?;
    // Names stored before every separator of DESIGN §5.2 was split on at import are split here.
    let (accused, conflicts) = (resplit(&accused), resplit(&conflicts));
    builder.push(&raw, &hearings, accused.iter().map(|s| s.as_ref()), conflicts.iter().map(|s| s.as_ref()));
    Ok(())
}

fn sqlite_error(path: &Path, e: &rusqlite::Error) -> StoreError {
    StoreError::Sqlite { what: format!("reading {}", path.display()), reason: e.to_string() }
}

/// Rows copied out of SQLite, a batch at a time: every text column's bytes in one buffer.
#[derive(Default)]
struct Batch {
    text: String,
    /// Per row and column: a text span in `text` (`u32::MAX` start: NULL), or an integer.
    cells: Vec<Cell>,
}

#[derive(Clone, Copy)]
enum Cell {
    Text(u32, u32),
    Int(i64),
    Null,
}

/// Columns per row of [`SCREEN_COLUMNS`].
const COLUMNS: usize = 28;
/// Rows per batch handed from the reading thread to the building thread.
const BATCH_ROWS: usize = 4096;

struct BatchRow<'b>(&'b Batch, usize);

impl ScreenRow for BatchRow<'_> {
    fn text(&self, i: usize) -> Result<Option<&str>, StoreError> {
        match self.0.cells[self.1 * COLUMNS + i] {
            Cell::Text(start, len) => Ok(self.0.text.get(start as usize..(start + len) as usize)),
            _ => Ok(None),
        }
    }

    fn date(&self, i: usize, column: &str) -> Result<Option<NaiveDate>, StoreError> {
        self.text(i)?
            .map(|t| parse_day(t).ok_or_else(|| corrupt("", column, format!("{t:?} is not a date"))))
            .transpose()
    }

    fn int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match self.0.cells[self.1 * COLUMNS + i] {
            Cell::Int(v) => Ok(Some(v)),
            _ => Ok(None),
        }
    }

    fn flag(&self, i: usize) -> Result<bool, StoreError> {
        Ok(self.int(i)?.unwrap_or(0) != 0)
    }
}

/// Copies rows out of SQLite into batches and sends them on (runs on its own thread).
fn read_batches(path: &Path, send: &std::sync::mpsc::SyncSender<Result<Batch, StoreError>>) -> Result<(), StoreError> {
    use rusqlite::types::ValueRef;
    use rusqlite::{Connection, OpenFlags};
    let db = |e: rusqlite::Error| sqlite_error(path, &e);
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(db)?;
    let mut statement = conn.prepare(&format!("SELECT {SCREEN_COLUMNS} FROM cases")).map_err(db)?;
    let mut rows = statement.query([]).map_err(db)?;
    let mut batch = Batch::default();
    while let Some(row) = rows.next().map_err(db)? {
        for i in 0..COLUMNS {
            let cell = match row.get_ref(i).map_err(db)? {
                ValueRef::Null => Cell::Null,
                ValueRef::Integer(v) => Cell::Int(v),
                ValueRef::Text(bytes) => {
                    let text = std::str::from_utf8(bytes).map_err(|e| db(rusqlite::Error::Utf8Error(i, e)))?;
                    let start = u32::try_from(batch.text.len()).unwrap_or(u32::MAX);
                    batch.text.push_str(text);
                    Cell::Text(start, u32::try_from(text.len()).unwrap_or(0))
                }
                ValueRef::Real(v) => Cell::Int(v as i64),
                ValueRef::Blob(_) => Cell::Null,
            };
            batch.cells.push(cell);
        }
        if batch.cells.len() >= BATCH_ROWS * COLUMNS {
            let full = std::mem::take(&mut batch);
            if send.send(Ok(full)).is_err() {
                return Ok(());
            }
        }
    }
    if !batch.cells.is_empty() {
        let _ = send.send(Ok(batch));
    }
    Ok(())
}

/// Reads every case from the SQLite file at `path` (blocking). One thread steps SQLite and
/// copies rows out in batches while this one builds the register, so the two cores share the
/// work. Rows come in storage order; the builder puts them in the order cases came, which is
/// cheaper than an indexed scan.
pub fn read_sqlite(path: &Path) -> Result<Register, StoreError> {
    let total: i64 = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| c.query_row("SELECT COUNT(*) FROM cases", [], |r| r.get(0)))
        .map_err(|e| sqlite_error(path, &e))?;
    let mut builder = RegisterBuilder::with_capacity(usize::try_from(total).unwrap_or(0));
    let (send, receive) = std::sync::mpsc::sync_channel::<Result<Batch, StoreError>>(4);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            if let Err(e) = read_batches(path, &send) {
                let _ = send.send(Err(e));
            }
        });
        for batch in receive {
            let batch = batch?;
            for row in 0..batch.cells.len() / COLUMNS {
                push_row(&mut builder, &BatchRow(&batch, row))?;
            }
        }
        reader.join().map_err(|_| StoreError::WorkerStopped("the register reader thread panicked".into()))
    })?;
    Ok(builder.finish())
}

struct PgRow(sqlx::postgres::PgRow);

impl ScreenRow for PgRow {
    fn text(&self, i: usize) -> Result<Option<&str>, StoreError> {
        Ok(self.0.try_get(i)?)
    }

    fn date(&self, i: usize, _: &str) -> Result<Option<NaiveDate>, StoreError> {
        Ok(self.0.try_get(i)?)
    }

    fn int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.0.try_get(i)?)
    }

    fn flag(&self, i: usize) -> Result<bool, StoreError> {
        Ok(self.0.try_get(i)?)
    }
}

/// Streams every case from PostgreSQL.
pub async fn read_postgres(pool: &sqlx::PgPool) -> Result<Register, StoreError> {
    let mut builder = RegisterBuilder::default();
    let sql = format!("SELECT {SCREEN_COLUMNS} FROM cases ORDER BY received_on, case_no");
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(pool);
    while let Some(row) = rows.try_next().await? {
        push_row(&mut builder, &PgRow(row))?;
    }
    Ok(builder.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_dates_parse_on_the_fast_path_and_refuse_nonsense() {
        assert_eq!(parse_day("2026-02-14"), NaiveDate::from_ymd_opt(2026, 2, 14));
        assert_eq!(parse_day("2026-02-30"), None);
        assert_eq!(parse_day("20x6-02-14"), None);
        assert_eq!(parse_day(""), None);
    }
}
