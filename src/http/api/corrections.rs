//! Corrections of the register (DESIGN §5.3): `DELETE /api/v1/cases/{case_no}` withdraws a case
//! entered by mistake (作废) — it leaves screening, notices and reports, and is kept with who,
//! when and why; `POST /api/v1/cases/{case_no}/rename` corrects a mistyped number, keeping its
//! history. A withdrawn case comes back through `POST /api/v1/cases/{case_no}/restore`, or a
//! re-import with `"restore": true`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ErrorBody, bad, typed_body};
use crate::config::Scope;
use crate::domain::CaseNo;
use crate::http::auth::{Caller, require};
use crate::http::{ApiError, Shared};
use crate::store::{Correction, Withdrawal};

/// Why a case is withdrawn.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    /// Why it was entered by mistake (required).
    pub reason: String,
}

/// A withdrawal.
#[derive(Debug, Serialize, ToSchema)]
pub struct WithdrawnJson {
    /// The case.
    pub case_no: String,
    /// When (RFC 3339).
    pub at: String,
    /// Who (the token's name).
    pub by: String,
    /// Why.
    pub reason: String,
}

impl WithdrawnJson {
    /// The withdrawal of `case_no`.
    pub fn of(case_no: &str, why: &Withdrawal) -> Self {
        Self { case_no: case_no.to_owned(), at: why.at.to_rfc3339(), by: why.by.clone(), reason: why.reason.clone() }
    }
}

/// A number to correct to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameRequest {
    /// The right number.
    pub to: String,
}

/// A corrected number.
#[derive(Debug, Serialize, ToSchema)]
pub struct RenamedJson {
    /// The number before.
    pub from: String,
    /// The number now.
    pub to: String,
}

/// `DELETE /api/v1/cases/{case_no}`: withdraw a case entered by mistake (作废).
#[utoipa::path(delete, path = "/api/v1/cases/{case_no}", tag = "cases",
    params(("case_no" = String, Path, description = "信访件编号")),
    request_body(content = WithdrawRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "withdrawn: out of screening, notices and reports, kept with who, when and why", body = WithdrawnJson),
        (status = 400, description = "bad_json, unknown_field", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "forbidden: a read token", body = ErrorBody),
        (status = 404, description = "not_found: no such case", body = ErrorBody),
        (status = 409, description = "already_withdrawn", body = ErrorBody),
        (status = 422, description = "invalid_reason: no reason given", body = ErrorBody),
    ))]
pub async fn withdraw_case(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(case_no): Path<String>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let caller: Caller = require(&shared.loaded().api_tokens, &headers, Scope::Write)?;
    let request: WithdrawRequest = typed_body(&headers, raw, "the withdrawal")?;
    let reason = request.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(bad(StatusCode::UNPROCESSABLE_ENTITY, "invalid_reason", "say why the case is withdrawn (reason)"));
    }
    let not_found = || bad(StatusCode::NOT_FOUND, "not_found", format!("no case {case_no:?} in the register"));
    let number = CaseNo::parse(&case_no).map_err(|_| not_found())?;
    let why = Withdrawal { at: shared.clock.now(), by: caller.name.clone(), reason };
    match shared.store.withdraw_case(number.as_str(), &why).await.map_err(ApiError::store)? {
        Correction::Done => {
            tracing::info!(case_no = %number, by = %why.by, "case withdrawn");
            Ok(axum::Json(WithdrawnJson::of(number.as_str(), &why)).into_response())
        }
        Correction::NotFound => Err(not_found()),
        Correction::Conflict => Err(bad(
            StatusCode::CONFLICT,
            "already_withdrawn",
            format!("case {number} is withdrawn already; re-import it with \"restore\": true to bring it back"),
        )),
    }
}

/// `POST /api/v1/cases/{case_no}/rename`: correct a mistyped number, keeping its history.
#[utoipa::path(post, path = "/api/v1/cases/{case_no}/rename", tag = "cases",
    params(("case_no" = String, Path, description = "信访件编号 as mistyped")),
    request_body(content = RenameRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "renamed, with its events and reminders; the notices sent under the old number still list with it", body = RenamedJson),
        (status = 400, description = "bad_json, unknown_field", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "forbidden: a read token", body = ErrorBody),
        (status = 404, description = "not_found: no such case", body = ErrorBody),
        (status = 409, description = "case_exists: the new number is another case's", body = ErrorBody),
        (status = 422, description = "invalid_case_no: the new number is not one", body = ErrorBody),
    ))]
pub async fn rename_case(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(case_no): Path<String>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let caller: Caller = require(&shared.loaded().api_tokens, &headers, Scope::Write)?;
    let request: RenameRequest = typed_body(&headers, raw, "the rename")?;
    let not_found = || bad(StatusCode::NOT_FOUND, "not_found", format!("no case {case_no:?} in the register"));
    let from = CaseNo::parse(&case_no).map_err(|_| not_found())?;
    let to = CaseNo::parse(&request.to)
        .map_err(|e| bad(StatusCode::UNPROCESSABLE_ENTITY, "invalid_case_no", format!("to {:?}: {e}", request.to)))?;
    if from == to {
        return Err(bad(StatusCode::UNPROCESSABLE_ENTITY, "invalid_case_no", "the new number is the same as the old"));
    }
    let now = shared.clock.now();
    match shared.store.rename_case(from.as_str(), to.as_str(), &caller.name, now).await.map_err(ApiError::store)? {
        Correction::Done => {
            tracing::info!(from = %from, to = %to, by = %caller.name, "case number corrected");
            Ok(axum::Json(RenamedJson { from: from.to_string(), to: to.to_string() }).into_response())
        }
        Correction::NotFound => Err(not_found()),
        Correction::Conflict => Err(bad(
            StatusCode::CONFLICT,
            "case_exists",
            format!("{to} is another case's number (stored or withdrawn); nothing was changed"),
        )),
    }
}

/// Why a withdrawn case is restored (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreRequest {
    /// Why the 作废 is undone (optional).
    #[serde(default)]
    pub reason: Option<String>,
}

/// A restored case.
#[derive(Debug, Serialize, ToSchema)]
pub struct RestoredJson {
    /// The case, back in the register as it was withdrawn.
    pub case_no: String,
    /// When (RFC 3339).
    pub at: String,
    /// Who (the token's name).
    pub by: String,
}

/// `POST /api/v1/cases/{case_no}/restore`: undo a 作废 — the case comes back as it was withdrawn.
#[utoipa::path(post, path = "/api/v1/cases/{case_no}/restore", tag = "cases",
    params(("case_no" = String, Path, description = "信访件编号 of a withdrawn case")),
    request_body(content = RestoreRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "restored: back in screening, notices and reports, recorded as a `restored` event", body = RestoredJson),
        (status = 400, description = "bad_json, unknown_field", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "forbidden: a read token", body = ErrorBody),
        (status = 404, description = "not_withdrawn: no withdrawn case of that number", body = ErrorBody),
        (status = 409, description = "case_exists: a case of that number is in the register again", body = ErrorBody),
    ))]
pub async fn restore_case(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(case_no): Path<String>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let caller: Caller = require(&shared.loaded().api_tokens, &headers, Scope::Write)?;
    let empty = raw.as_ref().is_ok_and(|b| b.iter().all(u8::is_ascii_whitespace));
    let request: RestoreRequest =
        if empty { RestoreRequest::default() } else { typed_body(&headers, raw, "the restore")? };
    let not_found = || {
        bad(
            StatusCode::NOT_FOUND,
            "not_withdrawn",
            format!("no withdrawn case {case_no:?} (only a withdrawn case is restored)"),
        )
    };
    let number = CaseNo::parse(&case_no).map_err(|_| not_found())?;
    let now = shared.clock.now();
    let reason =
        request.reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()).unwrap_or_else(|| "撤销作废".into());
    match shared.store.restore_case(number.as_str(), &caller.name, &reason, now).await.map_err(ApiError::store)? {
        Correction::Done => {
            tracing::info!(case_no = %number, by = %caller.name, "withdrawn case restored");
            Ok(axum::Json(RestoredJson { case_no: number.to_string(), at: now.to_rfc3339(), by: caller.name })
                .into_response())
        }
        Correction::NotFound => Err(not_found()),
        Correction::Conflict => Err(bad(
            StatusCode::CONFLICT,
            "case_exists",
            format!("{number} is in the register again (re-imported with restore); nothing was changed"),
        )),
    }
}
