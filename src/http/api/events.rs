//! `POST /api/v1/cases/{case_no}/events`: the work on a case recorded from another system —
//! 签收, progress, the answer to the petitioner, 督办, the conclusion reported.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{ErrorBody, bad, typed_body};
use crate::config::Scope;
use crate::domain::{CaseEvent, CaseNo, EventKind, REPLY_WAYS};
use crate::http::auth::{Caller, require};
use crate::http::{ApiError, Shared};

/// An event to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    /// `ack`, `progress`, `reply`, `supervision` or `conclusion_reported`.
    pub kind: String,
    /// What was said or done (required for progress, reply and 督办).
    #[serde(default)]
    pub text: String,
    /// Who: a person id from the config; the token's name when left out.
    pub by: Option<String>,
    /// When it was done (RFC 3339); now when left out. Not in the future.
    pub at: Option<String>,
    /// The notice it answers.
    pub notice: Option<String>,
    /// `YYYY-MM-DD`: when the next step is expected (progress), or the date to act by (督办).
    pub due_on: Option<String>,
    /// For a reply: 书面, 当面 or 电话.
    pub how: Option<String>,
    /// For a 督办: whom it presses (a person id, or a name, from the config); required.
    pub pressed: Option<String>,
}

/// What was recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventJson {
    /// `ack`, `progress`, `reply`, `supervision`, `conclusion_reported`.
    pub kind: String,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who.
    pub by: String,
    /// What was said or done; `null` for a read token (it may name the petitioner).
    pub text: Option<String>,
    /// The notice it answers.
    pub notice: Option<String>,
    /// The expected or act-by date.
    pub due_on: Option<String>,
    /// How an answer reached the petitioner.
    pub how: Option<String>,
    /// Whom a 督办 presses (a person id).
    pub pressed: Option<String>,
}

impl EventJson {
    /// An event as the API shows it; `full` (a write token) shows its text.
    pub fn of(event: &CaseEvent, full: bool) -> Self {
        Self {
            kind: event.kind.name().to_owned(),
            at: event.at.to_rfc3339(),
            by: event.by.clone(),
            text: full.then(|| event.text.clone()),
            notice: event.notice.clone(),
            due_on: event.due_on.map(|d| d.to_string()),
            how: event.how.clone(),
            pressed: event.pressed.clone(),
        }
    }
}

fn invalid(message: String) -> ApiError {
    bad(StatusCode::UNPROCESSABLE_ENTITY, "invalid_event", message)
}

/// Checks a new event against the rules; the event to store.
fn event(
    case_no: &str,
    new: NewEvent,
    caller: &Caller,
    directory: &crate::domain::Directory,
    now: DateTime<Utc>,
) -> Result<CaseEvent, ApiError> {
    let kinds: Vec<&str> = EventKind::RECORDABLE.iter().map(|k| k.name()).collect();
    let kind = EventKind::parse(&new.kind)
        .filter(|k| EventKind::RECORDABLE.contains(k))
        .ok_or_else(|| invalid(format!("kind {:?} is not one of {}", new.kind, kinds.join(", "))))?;
    let text = new.text.trim().to_owned();
    if matches!(kind, EventKind::Progress | EventKind::Reply | EventKind::Supervision) && text.is_empty() {
        return Err(invalid(format!("a {} event needs its text", kind.name())));
    }
    let at = match new.at.as_deref() {
        None => now,
        Some(at) => DateTime::parse_from_rfc3339(at.trim())
            .map_err(|_| invalid(format!("at {at:?} is not an RFC 3339 time like 2026-12-01T09:30:00+08:00")))?
            .with_timezone(&Utc),
    };
    if at > now + chrono::Duration::minutes(5) {
        return Err(invalid(format!("at {} is in the future", at.to_rfc3339())));
    }
    let due_on = match new.due_on.as_deref() {
        None => None,
        Some(day) => Some(
            NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
                .map_err(|_| invalid(format!("due_on {day:?} is not a date like 2026-12-31")))?,
        ),
    };
    let how = match (kind, new.how.as_deref().map(str::trim)) {
        (EventKind::Reply, Some(how)) if REPLY_WAYS.contains(&how) => Some(how.to_owned()),
        (EventKind::Reply, Some(how)) => {
            return Err(invalid(format!("how {how:?} is not one of {}", REPLY_WAYS.join(", "))));
        }
        (EventKind::Reply, None) => return Err(invalid(format!("a reply needs how: {}", REPLY_WAYS.join(", ")))),
        (_, Some(_)) => return Err(invalid("how is given only for a reply".into())),
        (_, None) => None,
    };
    let pressed = match (kind, new.pressed.as_deref().map(str::trim)) {
        (EventKind::Supervision, Some(who)) => match directory.find(who) {
            Some((id, _)) => Some(id.to_owned()),
            None => return Err(invalid(format!("pressed {who:?} is nobody in the config's [[people]]"))),
        },
        (EventKind::Supervision, None) => {
            return Err(invalid("a supervision needs pressed: the person it presses".into()));
        }
        (_, Some(_)) => return Err(invalid("pressed is given only for a supervision".into())),
        (_, None) => None,
    };
    if kind == EventKind::Supervision && due_on.is_none() {
        return Err(invalid("a supervision needs due_on: the day to act by".into()));
    }
    let by = new.by.map(|b| b.trim().to_owned()).filter(|b| !b.is_empty()).unwrap_or_else(|| caller.name.clone());
    Ok(CaseEvent { case_no: case_no.to_owned(), kind, at, by, text, notice: new.notice, due_on, how, pressed })
}

/// `POST /api/v1/cases/{case_no}/events`: record one event on a case.
#[utoipa::path(post, path = "/api/v1/cases/{case_no}/events", tag = "cases",
    params(("case_no" = String, Path, description = "信访件编号")),
    request_body(content = NewEvent, content_type = "application/json"),
    responses(
        (status = 201, description = "recorded", body = EventJson),
        (status = 400, description = "bad_json, unknown_field", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "forbidden: a read token", body = ErrorBody),
        (status = 404, description = "not_found: no such case", body = ErrorBody),
        (status = 422, description = "invalid_event: an unknown kind, a missing text, a time in the future, …", body = ErrorBody),
    ))]
pub async fn post_event(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(case_no): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let caller: Caller = require(&shared.loaded().api_tokens, &headers, Scope::Write)?;
    let new: NewEvent = typed_body(&headers, body, "the event")?;
    let not_found = || bad(StatusCode::NOT_FOUND, "not_found", format!("no case {case_no:?} in the register"));
    let number = CaseNo::parse(&case_no).map_err(|_| not_found())?;
    let case = shared.store.get_case(&number).await.map_err(ApiError::store)?.ok_or_else(not_found)?;
    let directory = &shared.loaded().settings.rules.directory;
    let event = event(case.case_no.as_str(), new, &caller, directory, shared.clock.now())?;
    shared.store.record_event(&event).await.map_err(ApiError::store)?;
    tracing::info!(case_no = %case.case_no, kind = event.kind.name(), by = %event.by, "case event recorded");
    Ok((StatusCode::CREATED, axum::Json(EventJson::of(&event, true))).into_response())
}

/// The case's events and the notices that listed it, as `GET /api/v1/cases/{case_no}` adds them.
pub async fn history(shared: &Shared, case_no: &str, full: bool) -> Result<(Value, Value), ApiError> {
    let events = shared.store.case_events(case_no).await.map_err(ApiError::store)?;
    // The notices sent under the number and under any it had before a correction.
    let mut notices = shared.store.notices_listing(case_no).await.map_err(ApiError::store)?;
    for former in shared.store.former_numbers(case_no).await.map_err(ApiError::store)? {
        notices.extend(shared.store.notices_listing(&former).await.map_err(ApiError::store)?);
    }
    notices.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    notices.dedup_by(|a, b| a.id == b.id);
    let events: Vec<EventJson> = events.iter().map(|e| EventJson::of(e, full)).collect();
    let notices: Vec<super::NoticeJson> = notices.into_iter().map(super::NoticeJson::from).collect();
    Ok((serde_json::to_value(events).unwrap_or_default(), serde_json::to_value(notices).unwrap_or_default()))
}
