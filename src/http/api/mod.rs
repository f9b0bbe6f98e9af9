//! The JSON API under `/api/v1` (DESIGN §5.3), with its OpenAPI document.
//!
//! Cases come in as objects keyed by register column names — the importer's English names
//! (`case_no`, `received_on`, …) or its Chinese headers (信访件编号, 收到日期, …) — and go through
//! the importer's own adapter and parser ([`crate::import::json::grid`],
//! [`crate::import::parse_grid`]), so a case the API takes is a case
//! the register import would take, and the problems are worded the same. Unknown fields are
//! refused (a typo must not drop a value); columns the register carries beyond the known ones
//! go in `extra`.
//!
//! One file per resource: `cases`, `findings`, `notices`, `jobs`; here, the error body, the
//! request helpers they share and the OpenAPI document.
//!
//! `POST /api/v1/cases` takes in new cases: sending the same case again changes nothing (200),
//! a different case under a number already stored is 409 `case_exists` (use `PUT` to replace).
//! `PUT /api/v1/cases` writes each case whole, new or not. A batch is taken whole or not at all.
//!
//! Choice: a `read` token sees a case without the petitioner's identity (name masked 张**, no
//! ID number, phone, 主要诉求 or extra columns) — the API may feed dashboards that the people
//! complained about can read; a `write` token (the register's own systems) sees the whole case.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{OpenApi, ToSchema};

use super::ApiError;

mod cases;
mod corrections;
mod events;
mod findings;
mod imports;
mod jobs;
mod notices;

pub use cases::*;
pub use corrections::*;
pub use events::*;
pub use findings::*;
pub use imports::*;
pub use jobs::*;
pub use notices::*;

/// The error body every failure answers with.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorInfo,
}

/// An error: a stable code for machines, a message for people.
#[derive(Serialize, ToSchema)]
pub struct ErrorInfo {
    /// `unauthorized`, `forbidden`, `not_found`, `method_not_allowed`, `unsupported_media_type`,
    /// `bad_json`, `unknown_field`, `invalid_case`, `case_exists`, `body_too_large`, `bad_query`,
    /// `not_retryable`, `database_unavailable`.
    pub code: String,
    /// What is wrong, and what would be right.
    pub message: String,
    /// Per-item problems (`invalid_case`: `[{index, case_no, problems: [{column, value, reason}]}]`).
    #[schema(value_type = Option<serde_json::Value>)]
    pub details: Option<Value>,
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "petition-watch API", description = "Cases in and out, findings, notices and jobs of a township petition register."),
    paths(post_cases, put_cases, post_import, get_case, withdraw_case, rename_case, restore_case, post_event, findings, notices, retry_notice, jobs),
    components(schemas(ImportResult, RejectedCell, WithdrawRequest, WithdrawnJson, RenameRequest, RenamedJson, RestoreRequest, RestoredJson, NewEvent, EventJson, NoticeStatus, ErrorBody, ErrorInfo, IntakeResult, NoticeJson, NoticeList, RetryResult, JobJson, JobList, CaseDoc, CaseBatchDoc, FindingsDoc)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some("a token from [http] tokens, http.tokens_file or PETITION_WATCH_API_TOKENS"))
                        .build(),
                ),
            );
        }
    }
}

/// The OpenAPI document as pretty JSON (what `/api/v1/openapi.json` serves).
pub fn openapi_document() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_else(|_| "{}".into())
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_document()).into_response()
}

fn bad(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(status, code, message)
}

/// A JSON body read as `T`: 400 `unknown_field` for a field `T` does not take, `bad_json` for
/// anything else wrong, each naming `what`.
pub(super) fn typed_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    what: &str,
) -> Result<T, ApiError> {
    let value = json_body(headers, body)?;
    serde_json::from_value(value).map_err(|e| {
        let message = e.to_string();
        let code = if message.contains("unknown field") { "unknown_field" } else { "bad_json" };
        bad(StatusCode::BAD_REQUEST, code, format!("{what}: {message}"))
    })
}

/// The body as JSON, with the errors a client can act on.
fn json_body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Value, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            bad(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "the body is larger than http.max_body_bytes; send fewer cases per request",
            )
        } else {
            bad(StatusCode::BAD_REQUEST, "bad_body", format!("the body could not be read: {rejection}"))
        }
    })?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(bad(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("send Content-Type: application/json (got {content_type:?})"),
        ));
    }
    let UniqueKeys(value) = serde_json::from_slice(&body)
        .map_err(|e| bad(StatusCode::BAD_REQUEST, "bad_json", format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

/// A JSON value whose objects name each key once: `{"case_no": "A", "case_no": "B"}` is an
/// error, not silently the last one (which a client and this server could read differently).
struct UniqueKeys(Value);

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = UniqueKeys;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<UniqueKeys, E> {
                Ok(UniqueKeys(Value::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<UniqueKeys, E> {
                Ok(UniqueKeys(json!(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<UniqueKeys, E> {
                Ok(UniqueKeys(json!(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<UniqueKeys, E> {
                Ok(UniqueKeys(json!(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<UniqueKeys, E> {
                Ok(UniqueKeys(Value::String(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<UniqueKeys, E> {
                Ok(UniqueKeys(Value::String(v)))
            }
            fn visit_unit<E>(self) -> Result<UniqueKeys, E> {
                Ok(UniqueKeys(Value::Null))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueKeys, A::Error> {
                let mut items = Vec::new();
                while let Some(UniqueKeys(item)) = seq.next_element()? {
                    items.push(item);
                }
                Ok(UniqueKeys(Value::Array(items)))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<UniqueKeys, A::Error> {
                let mut object = Map::new();
                while let Some((key, UniqueKeys(value))) = map.next_entry::<String, UniqueKeys>()? {
                    if object.contains_key(&key) {
                        return Err(serde::de::Error::custom(format!("the key {key:?} is given twice in one object")));
                    }
                    object.insert(key, value);
                }
                Ok(UniqueKeys(Value::Object(object)))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Refuses query parameters other than `allowed`.
fn only_params(query: &HashMap<String, String>, allowed: &[&str]) -> Result<(), ApiError> {
    match query.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(bad(
            StatusCode::BAD_REQUEST,
            "bad_query",
            format!("unknown parameter {key:?}; this path takes {}", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

fn date_param(query: &HashMap<String, String>, name: &str) -> Result<Option<NaiveDate>, ApiError> {
    query
        .get(name)
        .map(|v| {
            NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| {
                bad(StatusCode::BAD_REQUEST, "bad_query", format!("{name}={v:?} is not a date YYYY-MM-DD"))
            })
        })
        .transpose()
}
