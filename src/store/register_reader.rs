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
use crate::domain::DateSpan;
use crate::rules::{Clocks, RawCase, Register, RegisterBuilder};

/// The columns the rules need, in the order both readers use.
pub const SCREEN_COLUMNS: &str = "case_no, received_on, petitioner, petitioner_id, phone, village, category, matter, \
     anonymous, petitioner_count, signatories, visited_level, competent_level, accepted_on, concluded_on, \
     owner_deadline, review_accepted_on, review_opinion_on, recheck_requested_on, recheck_opinion_on, \
     extension_days, owner_leader, responsible_person, responsible_unit, hearings, accused, conflicts";

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

/// Reads every case from the SQLite file at `path` (blocking).
pub fn read_sqlite(path: &Path) -> Result<Register, StoreError> {
    use rusqlite::{Connection, OpenFlags};
    let db = |e: rusqlite::Error| StoreError::Query(sqlx::Error::Protocol(format!("reading {}: {e}", path.display())));
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(db)?;
    let total: i64 = conn.query_row("SELECT COUNT(*) FROM cases", [], |r| r.get(0)).map_err(db)?;
    let mut builder = RegisterBuilder::with_capacity(usize::try_from(total).unwrap_or(0));
    let mut statement = conn.prepare(&format!("SELECT {SCREEN_COLUMNS} FROM cases")).map_err(db)?;
    let mut rows = statement.query([]).map_err(db)?;
    while let Some(row) = rows.next().map_err(db)? {
        let text = |i: usize| -> Result<Option<&str>, StoreError> {
            match row.get_ref(i).map_err(db)? {
                rusqlite::types::ValueRef::Null => Ok(None),
                value => value.as_str().map(Some).map_err(|e| db(e.into())),
            }
        };
        let case_no = text(0)?.unwrap_or_default();
        let date = |i: usize, column: &str| -> Result<Option<NaiveDate>, StoreError> {
            text(i)?
                .map(|t| parse_day(t).ok_or_else(|| corrupt(case_no, column, format!("{t:?} is not a date"))))
                .transpose()
        };
        let int = |i: usize| -> Result<Option<i64>, StoreError> { row.get::<_, Option<i64>>(i).map_err(db) };
        let raw = RawCase {
            case_no,
            clocks: Clocks {
                received_on: date(1, "received_on")?,
                accepted_on: date(13, "accepted_on")?,
                concluded_on: date(14, "concluded_on")?,
                owner_deadline: date(15, "owner_deadline")?,
                review_accepted_on: date(16, "review_accepted_on")?,
                review_opinion_on: date(17, "review_opinion_on")?,
                recheck_requested_on: date(18, "recheck_requested_on")?,
                recheck_opinion_on: date(19, "recheck_opinion_on")?,
                extension_days: count(int(20)?.unwrap_or(0)),
            },
            petitioner: text(2)?,
            petitioner_id: text(3)?,
            phone: text(4)?,
            village: text(5)?,
            category: text(6)?,
            matter: text(7)?,
            anonymous: int(8)?.unwrap_or(0) != 0,
            petitioner_count: count(int(9)?.unwrap_or(1)),
            signatories: count(int(10)?.unwrap_or(1)),
            visited_level: level(int(11)?),
            competent_level: level(int(12)?),
            owner_leader: text(21)?,
            responsible_person: text(22)?,
            responsible_unit: text(23)?,
        };
        let hearings = parse_hearings(case_no, text(24)?.unwrap_or_default())?;
        let accused = parse_list(case_no, "accused", text(25)?.unwrap_or_default())?;
        let conflicts = parse_list(case_no, "conflicts", text(26)?.unwrap_or_default())?;
        builder.push(&raw, &hearings, accused.iter().map(|s| s.as_ref()), conflicts.iter().map(|s| s.as_ref()));
    }
    Ok(builder.finish())
}

/// Streams every case from PostgreSQL.
pub async fn read_postgres(pool: &sqlx::PgPool) -> Result<Register, StoreError> {
    let mut builder = RegisterBuilder::default();
    let sql = format!("SELECT {SCREEN_COLUMNS} FROM cases ORDER BY received_on, case_no");
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(pool);
    while let Some(row) = rows.try_next().await? {
        let case_no: &str = row.try_get(0)?;
        let date = |i: usize| row.try_get::<Option<NaiveDate>, _>(i);
        let text = |i: usize| row.try_get::<Option<&str>, _>(i);
        let int = |i: usize| row.try_get::<Option<i64>, _>(i);
        let raw = RawCase {
            case_no,
            clocks: Clocks {
                received_on: date(1)?,
                accepted_on: date(13)?,
                concluded_on: date(14)?,
                owner_deadline: date(15)?,
                review_accepted_on: date(16)?,
                review_opinion_on: date(17)?,
                recheck_requested_on: date(18)?,
                recheck_opinion_on: date(19)?,
                extension_days: count(int(20)?.unwrap_or(0)),
            },
            petitioner: text(2)?,
            petitioner_id: text(3)?,
            phone: text(4)?,
            village: text(5)?,
            category: text(6)?,
            matter: text(7)?,
            anonymous: row.try_get::<bool, _>(8)?,
            petitioner_count: count(int(9)?.unwrap_or(1)),
            signatories: count(int(10)?.unwrap_or(1)),
            visited_level: level(int(11)?),
            competent_level: level(int(12)?),
            owner_leader: text(21)?,
            responsible_person: text(22)?,
            responsible_unit: text(23)?,
        };
        let hearings = parse_hearings(case_no, text(24)?.unwrap_or_default())?;
        let accused = parse_list(case_no, "accused", text(25)?.unwrap_or_default())?;
        let conflicts = parse_list(case_no, "conflicts", text(26)?.unwrap_or_default())?;
        builder.push(&raw, &hearings, accused.iter().map(|s| s.as_ref()), conflicts.iter().map(|s| s.as_ref()));
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
