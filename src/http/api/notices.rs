//! `/api/v1/notices`: the outbox listed, and a dead notice retried.

use crate::store::RetryOutcome;
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{TimeZone, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{ErrorBody, bad, date_param, only_params};
use crate::config::Scope;
use crate::http::auth::require;
use crate::http::{ApiError, Shared};

/// A notice in the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeJson {
    /// Its id (also the webhook-id / Message-ID).
    pub id: String,
    /// pending, sending, sent or dead.
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// The job that planned it.
    pub job: String,
    /// The job's period or firing.
    pub period: String,
    /// The person (config id) it is for.
    pub recipient: String,
    /// The channel it goes by.
    pub channel: String,
    /// Why it was planned.
    pub reason: String,
    /// Its cases.
    pub case_nos: Vec<String>,
    /// When it was planned.
    pub created_at: chrono::DateTime<Utc>,
    /// When it is due next, or when it was finished.
    pub next_attempt_at: chrono::DateTime<Utc>,
    /// When it was delivered.
    pub sent_at: Option<chrono::DateTime<Utc>>,
    /// The last failure.
    pub last_error: Option<String>,
}

impl From<crate::store::NoticeRow> for NoticeJson {
    fn from(n: crate::store::NoticeRow) -> Self {
        Self {
            id: n.id,
            status: n.status.as_str().to_owned(),
            attempts: n.attempts,
            job: n.job,
            period: n.period,
            recipient: n.recipient,
            channel: n.channel,
            reason: n.reason,
            case_nos: n.case_nos,
            created_at: n.created_at,
            next_attempt_at: n.next_attempt_at,
            sent_at: n.sent_at,
            last_error: n.last_error,
        }
    }
}

/// Notices, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeList {
    /// The notices.
    pub notices: Vec<NoticeJson>,
}

/// What a retry did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetryResult {
    /// The notice.
    pub id: String,
    /// Its status before (pending or dead); it is pending and due now.
    pub previous_status: String,
}

/// Which notices to list.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum NoticeStatus {
    /// Waiting to be sent.
    Pending,
    /// Waiting after a failed attempt.
    Failed,
    /// Being sent now.
    Sending,
    /// Delivered.
    Sent,
    /// Given up on.
    Dead,
}

/// `GET /api/v1/notices`: the outbox, newest first.
#[utoipa::path(get, path = "/api/v1/notices", tag = "notices",
    params(
        ("status" = Option<NoticeStatus>, Query, description = "failed: pending after a failed attempt"),
        ("since" = Option<chrono::NaiveDate>, Query, description = "planned on or after this day (local)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "default 100"),
    ),
    responses(
        (status = 200, description = "the notices", body = NoticeList),
        (status = 400, description = "bad_query", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
    ))]
pub async fn notices(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    use crate::store::{NoticeFilter, StatusFilter};
    let loaded = shared.loaded();
    require(&loaded.api_tokens, &headers, Scope::Read)?;
    only_params(&query, &["status", "since", "limit"])?;
    let status = match query.get("status") {
        None => None,
        Some(word) => Some(StatusFilter::parse(word).ok_or_else(|| {
            bad(
                StatusCode::BAD_REQUEST,
                "bad_query",
                format!("status={word:?}; expected {}", StatusFilter::NAMES.join(", ")),
            )
        })?),
    };
    let tz = loaded.config.time_zone();
    let since = date_param(&query, "since")?
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| tz.from_local_datetime(&t).earliest())
        .map(|t| t.with_timezone(&Utc));
    let limit = match query.get("limit") {
        None => 100,
        Some(v) => v.trim().parse::<i64>().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| {
            bad(StatusCode::BAD_REQUEST, "bad_query", format!("limit={v:?}; expected a number from 1 to 1000"))
        })?,
    };
    let rows = shared
        .store
        .list_notices(&NoticeFilter { status, since, ..Default::default() }, limit)
        .await
        .map_err(ApiError::store)?;
    let notices = rows.into_iter().map(NoticeJson::from).collect();
    Ok(axum::Json(NoticeList { notices }).into_response())
}

/// `POST /api/v1/notices/{id}/retry`: send a pending or dead notice again now.
#[utoipa::path(post, path = "/api/v1/notices/{id}/retry", tag = "notices",
    params(("id" = String, Path, description = "the notice's id (ntc_…)")),
    responses(
        (status = 200, description = "due now, with a fresh retry schedule", body = RetryResult),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "forbidden: a read token", body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
        (status = 409, description = "not_retryable: sent already or being sent", body = ErrorBody),
    ))]
pub async fn retry_notice(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = require(&shared.loaded().api_tokens, &headers, Scope::Write)?;
    match shared.store.retry_notice(&id, shared.clock.now()).await.map_err(ApiError::store)? {
        RetryOutcome::Missing => Err(bad(StatusCode::NOT_FOUND, "not_found", format!("no notice {id:?}"))),
        RetryOutcome::Retried(status) => {
            tracing::info!(token = %caller.name, notice = %id, previous = %status, "notice retry asked over the API");
            shared.wake_delivery.notify_one();
            Ok(axum::Json(RetryResult { id, previous_status: status.as_str().to_owned() }).into_response())
        }
        RetryOutcome::NotRetryable(status) => Err(bad(
            StatusCode::CONFLICT,
            "not_retryable",
            format!("notice {id:?} is {status}; only pending or dead notices are sent again"),
        )),
    }
}
