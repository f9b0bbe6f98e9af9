//! The JSON API under `/api/v1` (DESIGN §5.3), with its OpenAPI document.
//!
//! Cases come in as objects keyed by register column names — the importer's English names
//! (`case_no`, `received_on`, …) or its Chinese headers (信访件编号, 收到日期, …) — and go through
//! the importer's own parser ([`crate::import::parse_grid`]), so a case the API takes is a case
//! the register import would take, and the problems are worded the same. Unknown fields are
//! refused (a typo must not drop a value); columns the register carries beyond the known ones
//! go in `extra`.
//!
//! `POST /api/v1/cases` takes in new cases: sending the same case again changes nothing (200),
//! a different case under a number already stored is 409 `case_exists` (use `PUT` to replace).
//! `PUT /api/v1/cases` writes each case whole, new or not. A batch is taken whole or not at all.
//!
//! Choice: a `read` token sees a case without the petitioner's identity (name masked 张**, no
//! ID number, phone, 主要诉求 or extra columns) — the API may feed dashboards that the people
//! complained about can read; a `write` token (the register's own systems) sees the whole case.

use crate::store::RetryOutcome;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{OpenApi, ToSchema};

use super::auth::{Caller, require};
use super::{ApiError, Shared};
use crate::config::Scope;
use crate::domain::{Case, CaseNo, mask_name};
use crate::import::{Cell, Column, Grid, ImportOptions, parse_grid};
use crate::store::NewCasesOutcome;

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

/// What an intake did.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeResult {
    /// Cases new to the register.
    pub inserted: usize,
    /// Cases replaced with new content.
    pub updated: usize,
    /// Cases sent again unchanged.
    pub unchanged: usize,
    /// The case numbers taken, in the order sent.
    pub case_nos: Vec<String>,
    /// 包案领导 values that name nobody in the config (kept as written).
    pub unknown_people: Vec<String>,
}

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

/// A job and its schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobJson {
    /// Its name (`deadline_watch`, …).
    pub name: String,
    /// Its Chinese name.
    pub name_zh: String,
    /// Whether it runs.
    pub enabled: bool,
    /// Six-field cron, in the township's time zone.
    pub schedule: String,
    /// What a firing on a non-working day does.
    pub on_non_working_day: String,
    /// Its next firing (local time, RFC 3339), if any in the next two years.
    pub next_firing: Option<String>,
    /// Its latest firing recorded by any replica (local time, RFC 3339).
    pub last_firing: Option<String>,
}

/// The jobs.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobList {
    /// The jobs, in the config's order.
    pub jobs: Vec<JobJson>,
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

/// A register case: column name → value (see the `Case` schema for each column's type).
pub struct CaseDoc;

impl utoipa::PartialSchema for CaseDoc {
    fn schema() -> RefOr<Schema> {
        let mut object = ObjectBuilder::new()
            .description(Some(
                "A register case keyed by the importer's column names (English, or the Chinese headers on \
                 input). Values are written as the register would write them; an empty string or null is a \
                 blank cell. Other fields are refused.",
            ))
            .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::<Schema>::FreeForm(false)))
            .required(Column::CaseNo.name())
            .required(Column::ReceivedOn.name());
        for column in Column::all() {
            let description = Some(column.zh());
            let schema: Schema = match kind(column) {
                Kind::Date => ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
                    .description(description)
                    .into(),
                Kind::Bool => ObjectBuilder::new().schema_type(Type::Boolean).description(description).into(),
                Kind::Count => OneOfBuilder::new()
                    .item(
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(if column == Column::PetitionerCount { 1 } else { 0 })),
                    )
                    .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some("^[0-9]*$")))
                    .description(description)
                    .into(),
                Kind::Level => OneOfBuilder::new()
                    .item(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).maximum(Some(5)))
                    .item(ObjectBuilder::new().schema_type(Type::String).enum_values(Some([
                        "",
                        "乡",
                        "镇",
                        "乡镇",
                        "街道",
                        "县",
                        "区",
                        "县级市",
                        "市",
                        "省",
                        "自治区",
                        "直辖市",
                        "国家",
                        "中央",
                        "北京",
                        "township",
                        "county",
                        "district",
                        "city",
                        "province",
                        "national",
                    ])))
                    .description(description)
                    .into(),
                Kind::List => OneOfBuilder::new()
                    .item(ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String)))
                    .item(ObjectBuilder::new().schema_type(Type::String))
                    .description(description)
                    .into(),
                Kind::Text if column == Column::CaseNo => ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(r"^\S+$"))
                    .description(description)
                    .into(),
                Kind::Text => ObjectBuilder::new().schema_type(Type::String).description(description).into(),
            };
            object = object.property(column.name(), schema);
        }
        let extra = ObjectBuilder::new()
            .additional_properties(Some(ObjectBuilder::new().schema_type(Type::String)))
            .description(Some("other register columns, kept as written"));
        object = object.property("extra", extra);
        object = object.property(
            "redacted",
            ObjectBuilder::new()
                .schema_type(Type::Array)
                .read_only(Some(true))
                .description(Some("fields left out for a read token (output only; a case carrying it is refused)")),
        );
        RefOr::T(object.into())
    }
}

impl ToSchema for CaseDoc {
    fn name() -> std::borrow::Cow<'static, str> {
        "Case".into()
    }
}

/// One case or several.
pub struct CaseBatchDoc;

impl utoipa::PartialSchema for CaseBatchDoc {
    fn schema() -> RefOr<Schema> {
        let case = RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Case"));
        RefOr::T(OneOfBuilder::new().item(case.clone()).item(ArrayBuilder::new().items(case).min_items(Some(1))).into())
    }
}

impl ToSchema for CaseBatchDoc {
    fn name() -> std::borrow::Cow<'static, str> {
        "CaseBatch".into()
    }
}

/// The screening result (the same object as `petition-watch screen --format json`).
pub struct FindingsDoc;

impl utoipa::PartialSchema for FindingsDoc {
    fn schema() -> RefOr<Schema> {
        let case = ObjectBuilder::new()
            .property("case_no", ObjectBuilder::new().schema_type(Type::String))
            .property("flags", ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String)))
            .property(
                "deadlines",
                ObjectBuilder::new()
                    .description(Some("running deadlines by kind (acceptance, handling, owner, …): {due, act_by}"))
                    .additional_properties(Some(
                        ObjectBuilder::new()
                            .property("due", ObjectBuilder::new().schema_type(Type::String))
                            .property("act_by", ObjectBuilder::new().schema_type(Type::String)),
                    )),
            )
            .property("evidence", ObjectBuilder::new().schema_type(Type::Object));
        RefOr::T(
            ObjectBuilder::new()
                .property(
                    "as_of",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
                )
                .property("cases", ArrayBuilder::new().items(case))
                .into(),
        )
    }
}

impl ToSchema for FindingsDoc {
    fn name() -> std::borrow::Cow<'static, str> {
        "Findings".into()
    }
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "petition-watch API", description = "Cases in and out, findings, notices and jobs of a township petition register."),
    paths(post_cases, put_cases, get_case, findings, notices, retry_notice, jobs),
    components(schemas(NoticeStatus, ErrorBody, ErrorInfo, IntakeResult, NoticeJson, NoticeList, RetryResult, JobJson, JobList, CaseDoc, CaseBatchDoc, FindingsDoc)),
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

/// How a column's values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Date,
    Bool,
    Count,
    Level,
    List,
}

fn kind(column: Column) -> Kind {
    use Column::*;
    match column {
        ReceivedOn | AcceptedOn | OwnerDeadline | ConcludedOn | ReviewAcceptedOn | ReviewOpinionOn
        | RecheckRequestedOn | RecheckOpinionOn | DisposedOn => Kind::Date,
        Anonymous | Confidential => Kind::Bool,
        PetitionerCount | Signatories | ExtensionDays => Kind::Count,
        CompetentLevel | VisitedLevel => Kind::Level,
        Accused | Conflicts | Hearings => Kind::List,
        _ => Kind::Text,
    }
}

fn bad(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(status, code, message)
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

/// A JSON value as the importer's cell.
fn cell(value: &Value, column: Option<Column>) -> Result<Cell, String> {
    Ok(match value {
        Value::Null => Cell::Empty,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) => match n.as_f64() {
            Some(f) => Cell::Number(f),
            None => return Err(format!("{n} is not a number petition-watch can read")),
        },
        Value::String(s) => Cell::Text(s.clone()),
        Value::Array(items) if column.is_some_and(|c| kind(c) == Kind::List) => {
            let mut texts = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => texts.push(s.clone()),
                    other => return Err(format!("list items must be strings, not {other}")),
                }
            }
            // Items are split again like a cell's (DESIGN §5.2): `["李华，赵敏"]` names two people.
            Cell::Text(texts.join("；"))
        }
        Value::Array(_) => return Err("is a list; this field takes one value".into()),
        Value::Object(_) => return Err("is an object; this field takes one value".into()),
    })
}

/// Problems with one case of a batch, by its index.
#[derive(Debug, Serialize)]
struct ItemProblems {
    index: usize,
    case_no: Option<String>,
    problems: Vec<CellProblemJson>,
}

#[derive(Debug, Serialize)]
struct CellProblemJson {
    column: String,
    value: String,
    reason: String,
}

/// Turns a batch of case objects into the importer's grid (header row first).
fn grid(items: &[Value]) -> Result<Grid, ApiError> {
    let mut columns: BTreeSet<Column> = [Column::CaseNo, Column::ReceivedOn].into();
    let mut extra_names: BTreeSet<String> = BTreeSet::new();
    let mut parsed: Vec<(BTreeMap<Column, Cell>, BTreeMap<String, String>)> = Vec::new();
    let mut problems: Vec<ItemProblems> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Value::Object(fields) = item else {
            return Err(bad(StatusCode::BAD_REQUEST, "bad_json", format!("item {index} is not an object")));
        };
        if fields.is_empty() {
            return Err(bad(StatusCode::UNPROCESSABLE_ENTITY, "invalid_case", format!("item {index} is empty")));
        }
        let mut cells = BTreeMap::new();
        let mut extra = BTreeMap::new();
        let mut item_problems = Vec::new();
        for (key, value) in fields {
            if key == "extra" {
                let Value::Object(map) = value else {
                    return Err(bad(
                        StatusCode::BAD_REQUEST,
                        "bad_json",
                        format!("item {index}: `extra` must be an object of strings"),
                    ));
                };
                for (name, v) in map {
                    if Column::from_header(name).is_some() {
                        return Err(bad(
                            StatusCode::BAD_REQUEST,
                            "unknown_field",
                            format!(
                                "item {index}: extra column {name:?} is a register column; give it outside `extra`"
                            ),
                        ));
                    }
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        Value::Number(_) | Value::Bool(_) => v.to_string(),
                        _ => {
                            return Err(bad(
                                StatusCode::BAD_REQUEST,
                                "bad_json",
                                format!("item {index}: extra.{name} must be a string"),
                            ));
                        }
                    };
                    extra.insert(name.trim().to_owned(), text);
                }
                continue;
            }
            let Some(column) = Column::from_header(key) else {
                let known: Vec<&str> = Column::all().map(Column::name).collect();
                return Err(bad(
                    StatusCode::BAD_REQUEST,
                    "unknown_field",
                    format!(
                        "item {index}: unknown field {key:?}; fields are {} (or their Chinese headers) and extra",
                        known.join(", ")
                    ),
                )
                .with_details(json!({"index": index, "field": key})));
            };
            if cells.contains_key(&column) {
                return Err(bad(
                    StatusCode::BAD_REQUEST,
                    "unknown_field",
                    format!("item {index}: {key:?} gives {} a second time", column.name()),
                ));
            }
            match cell(value, Some(column)) {
                Ok(c) => {
                    cells.insert(column, c);
                }
                Err(reason) => item_problems.push(CellProblemJson {
                    column: column.name().to_owned(),
                    value: value.to_string().chars().take(40).collect(),
                    reason,
                }),
            }
            columns.insert(column);
        }
        extra_names.extend(extra.keys().cloned());
        if !item_problems.is_empty() {
            let case_no = fields.get("case_no").and_then(Value::as_str).map(str::to_owned);
            problems.push(ItemProblems { index, case_no, problems: item_problems });
        }
        parsed.push((cells, extra));
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let mut header: Vec<Cell> = columns.iter().map(|c| Cell::Text(c.name().to_owned())).collect();
    header.extend(extra_names.iter().map(|n| Cell::Text(n.clone())));
    let mut rows = vec![header];
    for (mut cells, mut extra) in parsed {
        let mut row: Vec<Cell> = columns.iter().map(|c| cells.remove(c).unwrap_or(Cell::Empty)).collect();
        row.extend(extra_names.iter().map(|n| extra.remove(n).map_or(Cell::Empty, Cell::Text)));
        rows.push(row);
    }
    Ok(Grid { rows, note: None })
}

fn invalid(problems: Vec<ItemProblems>) -> ApiError {
    let first = problems.first().map(|p| {
        let what: Vec<String> = p.problems.iter().map(|c| format!("{}: {}", c.column, c.reason)).collect();
        format!("item {}: {}", p.index, what.join("; "))
    });
    bad(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_case",
        format!(
            "{} case(s) cannot be taken, nothing was written; first: {}",
            problems.len(),
            first.unwrap_or_default()
        ),
    )
    .with_details(problems)
}

/// Parses a batch with the importer's rules; every case valid or an error listing each problem.
fn parse_batch(shared: &Shared, value: Value) -> Result<(Vec<Case>, Vec<String>), ApiError> {
    let items = match value {
        Value::Array(items) if items.is_empty() => {
            return Err(bad(StatusCode::UNPROCESSABLE_ENTITY, "invalid_case", "the list of cases is empty"));
        }
        Value::Array(items) => items,
        object @ Value::Object(_) => vec![object],
        _ => return Err(bad(StatusCode::BAD_REQUEST, "bad_json", "send a case object or a list of case objects")),
    };
    let grid = grid(&items)?;
    let loaded = shared.loaded();
    let rules = ImportOptions::from_config(&loaded.config, true, false).rules;
    let directory = &loaded.settings.rules.directory;
    let parsed = parse_grid(&grid, rules, |name| directory.find(name).is_some())
        .map_err(|why| bad(StatusCode::UNPROCESSABLE_ENTITY, "invalid_case", why))?;
    if !parsed.rejected.is_empty() {
        let problems = parsed
            .rejected
            .iter()
            .map(|r| ItemProblems {
                index: r.row.saturating_sub(2),
                case_no: items
                    .get(r.row.saturating_sub(2))
                    .and_then(|i| i.get("case_no"))
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                problems: r
                    .problems
                    .iter()
                    .map(|p| CellProblemJson {
                        column: p.column.clone(),
                        value: p.value.clone(),
                        reason: p.reason.clone(),
                    })
                    .collect(),
            })
            .collect();
        return Err(invalid(problems));
    }
    let cases = parsed.cases.into_iter().map(|(_, case)| case).collect();
    Ok((cases, parsed.unknown_people.into_iter().collect()))
}

async fn intake(
    shared: &Shared,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    replace: bool,
) -> Result<Response, ApiError> {
    let caller = require(&shared.loaded().api_tokens, headers, Scope::Write)?;
    let value = json_body(headers, body)?;
    let (cases, unknown_people) = parse_batch(shared, value)?;
    let case_nos: Vec<&str> = cases.iter().map(|c| c.case_no.as_str()).collect();
    let now = shared.clock.now();
    let counts = if replace {
        shared.store.upsert_cases(&cases, now).await.map_err(ApiError::store)?
    } else {
        // One transaction checks and writes: of concurrent POSTs of one new number exactly one
        // inserts it, the others find it stored (unchanged, or a clash).
        match shared.store.insert_new_cases(&cases, now).await.map_err(ApiError::store)? {
            NewCasesOutcome::Written(counts) => counts,
            NewCasesOutcome::Exists(clashes) => {
                return Err(bad(
                    StatusCode::CONFLICT,
                    "case_exists",
                    format!(
                        "{} case number(s) are stored with other content ({}); nothing was written. PUT replaces cases",
                        clashes.len(),
                        clashes.join(", ")
                    ),
                )
                .with_details(json!({ "case_nos": clashes })));
            }
        }
    };
    tracing::info!(
        token = %caller.name,
        inserted = counts.inserted,
        updated = counts.updated,
        unchanged = counts.unchanged,
        "cases taken in over the API"
    );
    let result = IntakeResult {
        inserted: counts.inserted,
        updated: counts.updated,
        unchanged: counts.unchanged,
        case_nos: case_nos.iter().map(|s| (*s).to_owned()).collect(),
        unknown_people,
    };
    let status = if counts.inserted > 0 { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, axum::Json(result)).into_response())
}

/// `POST /api/v1/cases`: take in new cases.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases",
    request_body(content = CaseBatchDoc, content_type = "application/json"),
    responses(
        (status = 201, description = "at least one case was new", body = IntakeResult),
        (status = 200, description = "every case was stored already, unchanged", body = IntakeResult),
        (status = 400, description = "bad_json, unknown_field", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "forbidden: a read token", body = ErrorBody),
        (status = 409, description = "case_exists: a number stored with other content", body = ErrorBody),
        (status = 413, description = "body_too_large", body = ErrorBody),
        (status = 415, description = "unsupported_media_type", body = ErrorBody),
        (status = 422, description = "invalid_case: the importer's problems, per item", body = ErrorBody),
    ))]
pub async fn post_cases(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    intake(&shared, &headers, body, false).await
}

/// `PUT /api/v1/cases`: write cases whole, new or not.
#[utoipa::path(put, path = "/api/v1/cases", tag = "cases",
    request_body(content = CaseBatchDoc, content_type = "application/json"),
    responses(
        (status = 201, description = "at least one case was new", body = IntakeResult),
        (status = 200, description = "cases replaced or unchanged", body = IntakeResult),
        (status = 400, description = "bad_json, unknown_field", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "forbidden: a read token", body = ErrorBody),
        (status = 413, description = "body_too_large", body = ErrorBody),
        (status = 415, description = "unsupported_media_type", body = ErrorBody),
        (status = 422, description = "invalid_case", body = ErrorBody),
    ))]
pub async fn put_cases(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    intake(&shared, &headers, body, true).await
}

/// A case as register columns; without the petitioner's identity unless `full`.
pub fn case_json(case: &Case, full: bool) -> Value {
    let mut map = Map::new();
    let mut put = |column: Column, value: Value| {
        if !value.is_null() {
            map.insert(column.name().to_owned(), value);
        }
    };
    let text = |v: &Option<String>| v.as_ref().map_or(Value::Null, |s| Value::String(s.clone()));
    let date = |d: Option<NaiveDate>| d.map_or(Value::Null, |d| Value::String(d.to_string()));
    put(Column::CaseNo, json!(case.case_no.as_str()));
    put(Column::ReceivedOn, json!(case.received_on.to_string()));
    put(Column::Channel, case.channel.map_or(Value::Null, |c| json!(c.as_str())));
    put(Column::Source, case.source.map_or(Value::Null, |s| json!(s.as_str())));
    if full {
        put(Column::Petitioner, text(&case.petitioner));
        put(Column::PetitionerId, case.petitioner_id.as_ref().map_or(Value::Null, |v| json!(v.expose())));
        put(Column::Phone, case.phone.as_ref().map_or(Value::Null, |v| json!(v.expose())));
        put(Column::Summary, text(&case.summary));
    } else if !case.anonymous && !case.confidential {
        // A confidential or anonymous petitioner is never shown, not even masked (DESIGN §3).
        put(Column::Petitioner, case.petitioner.as_deref().map_or(Value::Null, |p| json!(mask_name(p))));
    }
    put(Column::Village, text(&case.village));
    put(Column::Anonymous, json!(case.anonymous));
    put(Column::Confidential, json!(case.confidential));
    put(Column::PetitionerCount, json!(case.petitioner_count));
    put(Column::Signatories, json!(case.signatories));
    put(Column::Category, text(&case.category));
    put(Column::Matter, text(&case.matter));
    // Who is accused, and who must recuse, only for the write scope (DESIGN §3).
    if full {
        put(Column::Accused, json!(case.accused));
    }
    put(Column::CompetentLevel, case.competent_level.map_or(Value::Null, |l| json!(l.number())));
    put(Column::VisitedLevel, case.visited_level.map_or(Value::Null, |l| json!(l.number())));
    put(Column::AcceptedOn, date(case.accepted_on));
    put(Column::ExtensionDays, json!(case.extension_days));
    put(Column::OwnerLeader, text(&case.owner_leader));
    put(Column::OwnerDeadline, date(case.owner_deadline));
    put(Column::ResponsiblePerson, text(&case.responsible_person));
    put(Column::ResponsibleUnit, text(&case.responsible_unit));
    put(Column::ConcludedOn, date(case.concluded_on));
    put(Column::ReviewAcceptedOn, date(case.review_accepted_on));
    put(Column::ReviewOpinionOn, date(case.review_opinion_on));
    put(Column::RecheckRequestedOn, date(case.recheck_requested_on));
    put(Column::RecheckOpinionOn, date(case.recheck_opinion_on));
    put(Column::Disposition, case.disposition.map_or(Value::Null, |d| json!(d.as_str())));
    put(Column::DisposedOn, date(case.disposed_on));
    put(Column::Hearings, json!(case.hearings.iter().map(ToString::to_string).collect::<Vec<_>>()));
    if full {
        put(Column::Conflicts, json!(case.conflicts));
        map.insert("extra".into(), json!(case.extra));
    } else {
        map.insert("redacted".into(), json!(["petitioner_id", "phone", "summary", "accused", "conflicts", "extra"]));
    }
    Value::Object(map)
}

/// `GET /api/v1/cases/{case_no}`.
#[utoipa::path(get, path = "/api/v1/cases/{case_no}", tag = "cases",
    params(("case_no" = String, Path, description = "信访件编号")),
    responses(
        (status = 200, description = "the case (a read token sees it without the petitioner's identity)", body = CaseDoc),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
    ))]
pub async fn get_case(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(case_no): Path<String>,
) -> Result<Response, ApiError> {
    let caller: Caller = require(&shared.loaded().api_tokens, &headers, Scope::Read)?;
    let not_found = || bad(StatusCode::NOT_FOUND, "not_found", format!("no case {case_no:?} in the register"));
    let number = CaseNo::parse(&case_no).map_err(|_| not_found())?;
    let case = shared.store.get_case(&number).await.map_err(ApiError::store)?.ok_or_else(not_found)?;
    Ok(axum::Json(case_json(&case, caller.scope == Scope::Write)).into_response())
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

/// `GET /api/v1/findings?as_of=YYYY-MM-DD`: the screening at a date (today by default).
#[utoipa::path(get, path = "/api/v1/findings", tag = "screening",
    params(("as_of" = Option<chrono::NaiveDate>, Query, description = "YYYY-MM-DD; today in the township's time zone by default")),
    responses(
        (status = 200, description = "the flagged cases with their deadlines and evidence", body = FindingsDoc),
        (status = 400, description = "bad_query", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
    ))]
pub async fn findings(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let loaded = shared.loaded();
    let caller = require(&loaded.api_tokens, &headers, Scope::Read)?;
    only_params(&query, &["as_of"])?;
    let as_of = date_param(&query, "as_of")?.unwrap_or_else(|| shared.clock.today(loaded.config.time_zone()));
    let scope = caller.scope;
    let key = format!("findings {as_of} {scope:?}");
    let max = loaded.config.http.max_heavy_requests;
    // One screening at a time per as-of date and scope, shared by whoever asks meanwhile, and at
    // most `http.max_heavy_requests` screenings at once.
    let work = {
        let shared = shared.clone();
        async move {
            let loaded = shared.loaded();
            let register = shared.store.load_register().await.map_err(ApiError::store)?;
            let rules = &loaded.settings.rules;
            let screening = crate::rules::screen(&register, as_of, rules, &loaded.calendar);
            // A read token never learns who is accused (DESIGN §3): a recusal's evidence names nobody.
            let json = match scope {
                Scope::Write => crate::render::screen::to_json(&screening),
                Scope::Read => crate::render::screen::to_json_without_parties(&screening),
            };
            serde_json::to_vec(&json)
                .map(Bytes::from)
                .map_err(|e| bad(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))
        }
    };
    let body = shared.work.shared(key, max, work).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
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

/// `GET /api/v1/jobs`: each job, its schedule, next and latest firing.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs",
    responses(
        (status = 200, description = "the jobs", body = JobList),
        (status = 401, description = "unauthorized", body = ErrorBody),
    ))]
pub async fn jobs(State(shared): State<Shared>, headers: HeaderMap) -> Result<Response, ApiError> {
    let loaded = shared.loaded();
    require(&loaded.api_tokens, &headers, Scope::Read)?;
    Ok(axum::Json(JobList { jobs: job_list(&shared, &loaded).await? }).into_response())
}

/// Every configured job with its next firing (this config) and latest recorded one.
pub async fn job_list(shared: &Shared, loaded: &crate::config::LoadedConfig) -> Result<Vec<JobJson>, ApiError> {
    let tz = loaded.config.time_zone();
    let now = shared.clock.now().with_timezone(&tz);
    let schedules = crate::jobs::schedules(loaded);
    let mut jobs = Vec::new();
    for (job, config) in loaded.config.jobs.all() {
        let name = job.name();
        let next = schedules
            .iter()
            .find(|(j, ..)| *j == job)
            .and_then(|(_, schedule, _)| schedule.next_after(now, &loaded.calendar))
            .map(|f| f.at.to_rfc3339());
        let last =
            shared.store.last_run(name).await.map_err(ApiError::store)?.map(|t| t.with_timezone(&tz).to_rfc3339());
        jobs.push(JobJson {
            name: name.to_owned(),
            name_zh: job.zh().to_owned(),
            enabled: config.enabled,
            schedule: config.schedule.to_string(),
            on_non_working_day: config.on_non_working_day.as_str().to_owned(),
            next_firing: next,
            last_firing: last,
        });
    }
    Ok(jobs)
}
