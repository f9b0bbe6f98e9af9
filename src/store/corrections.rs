//! Corrections of the register (DESIGN §5.3): a case withdrawn as entered by mistake (作废) moves
//! to `withdrawn_cases` with who, when and why, out of every read of `cases`; a mistyped number
//! is corrected with its events and reminders. Both take the cases' write lock, as the importer
//! does, so neither races an import.

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row};

use super::record::{CASE_COLUMNS, CaseRow};
use super::{BeginWrite, CASES_WRITE_LOCK, Store, StoreError};
use crate::domain::{Case, CaseNo};

/// Who withdrew a case, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (a person id or an API token's name).
    pub by: String,
    /// Why.
    pub reason: String,
}

/// What a withdrawal or a rename found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Correction {
    /// Done.
    Done,
    /// No such case in the register.
    NotFound,
    /// The case is withdrawn already (withdraw), or the new number is taken (rename).
    Conflict,
}

impl Store {
    /// Withdraws `case_no` (作废): the case moves, whole, to `withdrawn_cases` with `why`.
    pub async fn withdraw_case(&self, case_no: &str, why: &Withdrawal) -> Result<Correction, StoreError> {
        let columns = CASE_COLUMNS.join(", ");
        let postgres = matches!(self, Store::Postgres(_));
        let outcome = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(CASES_WRITE_LOCK).execute(&mut *tx).await?;
            }
            let withdrawn: Option<String> = sqlx::query_scalar("SELECT case_no FROM withdrawn_cases WHERE case_no = $1")
                .bind(case_no)
                .fetch_optional(&mut *tx)
                .await?;
            if withdrawn.is_some() {
                tx.rollback().await?;
                Correction::Conflict
            } else {
                let moved = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO withdrawn_cases ({columns}, updated_at, withdrawn_at, withdrawn_by, withdrawn_reason) \
                     SELECT {columns}, updated_at, $2, $3, $4 FROM cases WHERE case_no = $1"
                )))
                .bind(case_no)
                .bind(why.at)
                .bind(&why.by)
                .bind(&why.reason)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if moved == 0 {
                    tx.rollback().await?;
                    Correction::NotFound
                } else {
                    sqlx::query("DELETE FROM cases WHERE case_no = $1").bind(case_no).execute(&mut *tx).await?;
                    sqlx::query(
                        "INSERT INTO case_events (case_no, kind, at, by_whom, text) VALUES ($1, 'withdrawn', $2, $3, $4)",
                    )
                    .bind(case_no)
                    .bind(why.at)
                    .bind(&why.by)
                    .bind(&why.reason)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Correction::Done
                }
            }
        });
        Ok(outcome)
    }

    /// Restores the withdrawn case `case_no` as it was withdrawn (作废 undone), recorded as a
    /// `restored` event by `by` with `why`. Not withdrawn is `NotFound`; a case stored under the
    /// number since (a re-import with restore) is `Conflict`, and nothing changes.
    pub async fn restore_case(
        &self,
        case_no: &str,
        by: &str,
        why: &str,
        at: DateTime<Utc>,
    ) -> Result<Correction, StoreError> {
        let columns = CASE_COLUMNS.join(", ");
        let postgres = matches!(self, Store::Postgres(_));
        let outcome = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(CASES_WRITE_LOCK).execute(&mut *tx).await?;
            }
            let stored: Option<String> = sqlx::query_scalar("SELECT case_no FROM cases WHERE case_no = $1")
                .bind(case_no)
                .fetch_optional(&mut *tx)
                .await?;
            if stored.is_some() {
                tx.rollback().await?;
                Correction::Conflict
            } else {
                let moved = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO cases ({columns}, updated_at) SELECT {columns}, updated_at FROM withdrawn_cases WHERE case_no = $1"
                )))
                .bind(case_no)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if moved == 0 {
                    tx.rollback().await?;
                    Correction::NotFound
                } else {
                    sqlx::query("DELETE FROM withdrawn_cases WHERE case_no = $1").bind(case_no).execute(&mut *tx).await?;
                    sqlx::query(
                        "INSERT INTO case_events (case_no, kind, at, by_whom, text) VALUES ($1, 'restored', $2, $3, $4)",
                    )
                    .bind(case_no)
                    .bind(at)
                    .bind(by)
                    .bind(why)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Correction::Done
                }
            }
        });
        Ok(outcome)
    }

    /// A withdrawn case with its withdrawal, if `case_no` is one.
    pub async fn withdrawn_case(&self, case_no: &CaseNo) -> Result<Option<(Case, Withdrawal)>, StoreError> {
        let sql = format!(
            "SELECT {}, withdrawn_at, withdrawn_by, withdrawn_reason FROM withdrawn_cases WHERE case_no = ",
            CASE_COLUMNS.join(", ")
        );
        let found = on_pool!(self, pool => {
            let mut q = QueryBuilder::new(sql);
            q.push_bind(case_no.as_str().to_owned());
            match q.build().fetch_optional(pool).await? {
                None => None,
                Some(row) => {
                    let case: CaseRow = sqlx::FromRow::from_row(&row)?;
                    let n = CASE_COLUMNS.len();
                    let why = Withdrawal {
                        at: row.try_get(n)?,
                        by: row.try_get::<Option<String>, _>(n + 1)?.unwrap_or_default(),
                        reason: row.try_get::<Option<String>, _>(n + 2)?.unwrap_or_default(),
                    };
                    Some((case, why))
                }
            }
        });
        found.map(|(row, why)| Ok((Case::try_from(row)?, why))).transpose()
    }

    /// The numbers among `case_nos` that are withdrawn.
    pub async fn withdrawn_among(&self, case_nos: &[&str]) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut found = std::collections::HashSet::new();
        for chunk in case_nos.chunks(super::ROWS_PER_STATEMENT) {
            let rows: Vec<String> = on_pool!(self, pool => {
                let mut q = QueryBuilder::new("SELECT case_no FROM withdrawn_cases WHERE case_no IN (");
                let mut list = q.separated(", ");
                for no in chunk {
                    list.push_bind((*no).to_owned());
                }
                q.push(")");
                q.build_query_scalar().fetch_all(pool).await?
            });
            found.extend(rows);
        }
        Ok(found)
    }

    /// Corrects the number `from` to `to` (a case stored or withdrawn), with its events and
    /// reminders; the rename is remembered so the notices sent under `from` are still found.
    /// `to` taken by another case (stored or withdrawn) is a conflict, and nothing changes.
    pub async fn rename_case(
        &self,
        from: &str,
        to: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Correction, StoreError> {
        let postgres = matches!(self, Store::Postgres(_));
        let outcome = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(CASES_WRITE_LOCK).execute(&mut *tx).await?;
            }
            let count = |table: &'static str, no: String| {
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table} WHERE case_no = $1")))
                    .bind(no)
            };
            let taken = count("cases", to.to_owned()).fetch_one(&mut *tx).await?
                + count("withdrawn_cases", to.to_owned()).fetch_one(&mut *tx).await?;
            let exists = count("cases", from.to_owned()).fetch_one(&mut *tx).await?
                + count("withdrawn_cases", from.to_owned()).fetch_one(&mut *tx).await?;
            if exists == 0 {
                tx.rollback().await?;
                Correction::NotFound
            } else if taken > 0 {
                tx.rollback().await?;
                Correction::Conflict
            } else {
                for table in ["cases", "withdrawn_cases", "case_events", "reminders"] {
                    sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE {table} SET case_no = $1 WHERE case_no = $2")))
                        .bind(to)
                        .bind(from)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("UPDATE case_renames SET to_no = $1 WHERE to_no = $2").bind(to).bind(from).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO case_renames (from_no, to_no, at, by_whom) VALUES ($1, $2, $3, $4)")
                    .bind(from)
                    .bind(to)
                    .bind(at)
                    .bind(by)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO case_events (case_no, kind, at, by_whom, text) VALUES ($1, 'renamed', $2, $3, $4)")
                    .bind(to)
                    .bind(at)
                    .bind(by)
                    .bind(format!("编号由 {from} 更正为 {to}"))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Correction::Done
            }
        });
        Ok(outcome)
    }

    /// Among `case_nos`, those corrected to another number since (更正编号), each with the number
    /// its case has now; ordered by the old number.
    pub async fn renamed_among(&self, case_nos: &[&str]) -> Result<Vec<(String, String)>, StoreError> {
        let mut found = Vec::new();
        for chunk in case_nos.chunks(500) {
            let pairs: Vec<(String, String)> = on_pool!(self, pool => {
                let mut q = QueryBuilder::new("SELECT from_no, to_no FROM case_renames WHERE from_no IN (");
                let mut list = q.separated(", ");
                for no in chunk {
                    list.push_bind((*no).to_owned());
                }
                // A number stored again as a case (renamed back) is that case's, not a ghost.
                q.push(") AND from_no NOT IN (SELECT case_no FROM cases)");
                q.build_query_as().fetch_all(pool).await?
            });
            found.extend(pairs);
        }
        found.sort();
        found.dedup_by(|a, b| a.0 == b.0);
        Ok(found)
    }

    /// The numbers `case_no` had before, oldest first.
    pub async fn former_numbers(&self, case_no: &str) -> Result<Vec<String>, StoreError> {
        let rows: Vec<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT from_no FROM case_renames WHERE to_no = $1 ORDER BY at")
                .bind(case_no)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }
}
