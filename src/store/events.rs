//! The work recorded on cases (`case_events`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use super::{Store, StoreError};
use crate::domain::{CaseEvent, EventKind};

impl Store {
    /// Records one event on a case; returns its id.
    pub async fn record_event(&self, event: &CaseEvent) -> Result<i64, StoreError> {
        let id = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO case_events (case_no, kind, at, by_whom, text, notice_id, due_on, how, pressed) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(&event.case_no)
            .bind(event.kind.name())
            .bind(event.at)
            .bind(&event.by)
            .bind(&event.text)
            .bind(&event.notice)
            .bind(event.due_on)
            .bind(&event.how)
            .bind(&event.pressed)
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    /// Every event on `case_no`, oldest first, ID and phone numbers in its text masked. A row
    /// whose kind this version does not know is left out (a newer replica may have written it).
    pub async fn case_events(&self, case_no: &str) -> Result<Vec<CaseEvent>, StoreError> {
        let rows = on_pool!(self, pool => {
            sqlx::query(
                "SELECT case_no, kind, at, by_whom, text, notice_id, due_on, how, pressed FROM case_events \
                 WHERE case_no = $1 ORDER BY at, id",
            )
            .bind(case_no)
            .fetch_all(pool)
            .await?
            .iter()
            .map(event_row)
            .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        Ok(rows.into_iter().flatten().collect())
    }

    /// When each (person, case) was last acknowledged (签收): `by` as recorded (a person id from
    /// an action link, or what an API client gave).
    pub async fn latest_acks(&self) -> Result<HashMap<(String, String), DateTime<Utc>>, StoreError> {
        let rows = on_pool!(self, pool => {
            sqlx::query("SELECT by_whom, case_no, MAX(at) FROM case_events WHERE kind = 'ack' GROUP BY by_whom, case_no")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok(((r.try_get(0)?, r.try_get(1)?), r.try_get::<DateTime<Utc>, _>(2)?)))
                .collect::<Result<HashMap<_, _>, sqlx::Error>>()?
        });
        Ok(rows)
    }

    /// The (case, instant) of every reply recorded by `by` (the register's answers, for one
    /// import not to record them twice).
    pub async fn replies_by(&self, by: &str) -> Result<std::collections::HashSet<(String, DateTime<Utc>)>, StoreError> {
        let rows = on_pool!(self, pool => {
            sqlx::query("SELECT case_no, at FROM case_events WHERE kind = 'reply' AND by_whom = $1")
                .bind(by)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get::<DateTime<Utc>, _>(1)?)))
                .collect::<Result<std::collections::HashSet<_>, sqlx::Error>>()?
        });
        Ok(rows)
    }

    /// The latest 督办 on each of `case_nos` that has one.
    pub async fn latest_supervisions(&self, case_nos: &[&str]) -> Result<HashMap<String, CaseEvent>, StoreError> {
        let mut latest = HashMap::new();
        for chunk in case_nos.chunks(super::ROWS_PER_STATEMENT) {
            let rows = on_pool!(self, pool => {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT case_no, kind, at, by_whom, text, notice_id, due_on, how, pressed FROM case_events \
                     WHERE kind = 'supervision' AND case_no IN (",
                );
                let mut list = q.separated(", ");
                for no in chunk {
                    list.push_bind((*no).to_owned());
                }
                q.push(") ORDER BY at, id");
                q.build().fetch_all(pool).await?.iter().map(event_row).collect::<Result<Vec<_>, sqlx::Error>>()?
            });
            for event in rows.into_iter().flatten() {
                latest.insert(event.case_no.clone(), event);
            }
        }
        Ok(latest)
    }

    /// Every event of `kind`, oldest first (for reports: 签收, answers, 督办).
    pub async fn events_of_kind(&self, kind: EventKind) -> Result<Vec<CaseEvent>, StoreError> {
        let rows = on_pool!(self, pool => {
            sqlx::query(
                "SELECT case_no, kind, at, by_whom, text, notice_id, due_on, how, pressed FROM case_events \
                 WHERE kind = $1 ORDER BY at, id",
            )
            .bind(kind.name())
            .fetch_all(pool)
            .await?
            .iter()
            .map(event_row)
            .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        Ok(rows.into_iter().flatten().collect())
    }
}

/// A `case_events` row (case_no, kind, at, by_whom, text, notice_id, due_on, how, pressed);
/// `None` for a kind this version does not know (a newer replica may have written it). An ID or
/// phone number typed into the text is masked (DESIGN §3).
fn event_row<R: sqlx::Row>(r: &R) -> Result<Option<CaseEvent>, sqlx::Error>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<NaiveDate>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let kind: String = r.try_get(1)?;
    let Some(kind) = EventKind::parse(&kind) else { return Ok(None) };
    Ok(Some(CaseEvent {
        case_no: r.try_get(0)?,
        kind,
        at: r.try_get(2)?,
        by: r.try_get(3)?,
        text: crate::domain::mask_identifiers(&r.try_get::<String, _>(4)?).into_owned(),
        notice: r.try_get(5)?,
        due_on: r.try_get(6)?,
        how: r.try_get(7)?,
        pressed: r.try_get(8)?,
    }))
}
