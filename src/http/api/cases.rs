//! `/api/v1/cases`: intake (POST new, PUT whole) through the importer's parser, and one case read back.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type};

use super::{ErrorBody, bad, json_body};
use crate::config::Scope;
use crate::domain::{Case, CaseNo, mask_name};
use crate::http::auth::{Caller, require};
use crate::http::{ApiError, Shared};
use crate::import::json::{CellProblemJson, ItemProblems, JsonBatchError, Kind, kind};
use crate::import::{Column, ImportOptions, parse_grid};
use crate::store::NewCasesOutcome;

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
    /// Withdrawn cases (作废) brought back by `"restore": true`.
    pub restored: usize,
    /// Numbers of withdrawn cases left out: send the case with `"restore": true` to bring it back.
    pub withdrawn: Vec<String>,
    /// Cases sent under a number corrected since (更正编号), left out: `{from, to}` — send them
    /// under the number they have now.
    pub renamed: Vec<super::RenamedJson>,
    /// What looks wrong in cases that were taken (in Chinese): impossible dates, unknown people,
    /// numbers that look like stored ones. `row` is the item's index in the batch (from 0).
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<crate::import::checks::RowWarning>,
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
pub(super) fn parse_batch(shared: &Shared, value: Value) -> Result<(Vec<Case>, Vec<String>), ApiError> {
    let items = match value {
        Value::Array(items) if items.is_empty() => {
            return Err(bad(StatusCode::UNPROCESSABLE_ENTITY, "invalid_case", "the list of cases is empty"));
        }
        Value::Array(items) => items,
        object @ Value::Object(_) => vec![object],
        _ => return Err(bad(StatusCode::BAD_REQUEST, "bad_json", "send a case object or a list of case objects")),
    };
    let grid = crate::import::json::grid(&items).map_err(|e| match e {
        JsonBatchError::Shape { code, message, details } => {
            let error = bad(StatusCode::BAD_REQUEST, code, message);
            match details {
                Some(details) => error.with_details(details),
                None => error,
            }
        }
        JsonBatchError::Empty(message) => bad(StatusCode::UNPROCESSABLE_ENTITY, "invalid_case", message),
        JsonBatchError::Cells(problems) => invalid(problems),
    })?;
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

pub(super) async fn intake(
    shared: &Shared,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    replace: bool,
) -> Result<Response, ApiError> {
    let caller = require(&shared.loaded().api_tokens, headers, Scope::Write)?;
    let value = json_body(headers, body)?;
    // Items with `"restore": true` bring their withdrawn case back (DESIGN §5.3).
    let restore: std::collections::HashSet<String> = match &value {
        Value::Array(items) => items.iter().collect::<Vec<_>>(),
        item => vec![item],
    }
    .into_iter()
    .filter(|item| item.get("restore") == Some(&Value::Bool(true)))
    .filter_map(|item| item.get("case_no").or_else(|| item.get("信访件编号")).and_then(Value::as_str))
    .map(|no| no.trim().to_owned())
    .collect();
    let (mut cases, unknown_people) = parse_batch(shared, value)?;
    let now = shared.clock.now();
    let warnings = {
        let loaded = shared.loaded();
        let directory = &loaded.settings.rules.directory;
        let stored = shared.store.case_numbers().await.map_err(ApiError::store)?;
        let today = now.with_timezone(&loaded.config.time_zone()).date_naive();
        crate::import::checks::warnings(cases.iter().enumerate(), Some(today), directory, &directory.names(), &stored)
    };
    let (restoring, rest): (Vec<Case>, Vec<Case>) =
        std::mem::take(&mut cases).into_iter().partition(|c| restore.contains(c.case_no.as_str()));
    let restoring_count = restoring.len();
    cases = restoring.into_iter().chain(rest).collect();
    let rest = &cases[restoring_count..];
    let case_nos: Vec<&str> = cases.iter().map(|c| c.case_no.as_str()).collect();
    let mut counts = if replace {
        shared.store.upsert_cases(rest, now).await.map_err(ApiError::store)?
    } else {
        // One transaction checks and writes: of concurrent POSTs of one new number exactly one
        // inserts it, the others find it stored (unchanged, or a clash).
        match shared.store.insert_new_cases(rest, now).await.map_err(ApiError::store)? {
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
    // Restored after the rest is written: a clash above leaves the withdrawn cases withdrawn.
    let restored = if restoring_count == 0 {
        crate::store::UpsertCounts::default()
    } else {
        shared.store.upsert_cases_restoring(&cases[..restoring_count], now, true).await.map_err(ApiError::store)?
    };
    counts.inserted += restored.inserted;
    counts.updated += restored.updated;
    counts.unchanged += restored.unchanged;
    counts.restored += restored.restored;
    counts.renamed += restored.renamed;
    let renamed: Vec<super::RenamedJson> = if counts.renamed > 0 {
        let numbers: Vec<&str> = cases.iter().map(|c| c.case_no.as_str()).collect();
        let found = shared.store.renamed_among(&numbers).await.map_err(ApiError::store)?;
        found.into_iter().map(|(from, to)| super::RenamedJson { from, to }).collect()
    } else {
        Vec::new()
    };
    let withdrawn: Vec<String> = if counts.withdrawn > 0 {
        let numbers: Vec<&str> = rest.iter().map(|c| c.case_no.as_str()).collect();
        let mut found: Vec<String> =
            shared.store.withdrawn_among(&numbers).await.map_err(ApiError::store)?.into_iter().collect();
        found.sort();
        found
    } else {
        Vec::new()
    };
    // 答复日期 / 答复方式 in a case become reply events, as an import records them.
    let tz = shared.loaded().config.time_zone();
    crate::import::record_replies(&shared.store, cases.iter(), tz, now).await.map_err(ApiError::store)?;
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
        restored: counts.restored,
        withdrawn,
        renamed,
        warnings,
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
        (status = 200, description = "the case (a read token sees it without the petitioner's identity), with `events` (the work recorded on it; a read token sees them without their text), `notices` (those that listed it, under this number or one it had before), `former_numbers` when it was renamed, and `withdrawn` {case_no, at, by, reason} when it is withdrawn (作废)", body = CaseDoc),
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
    // A withdrawn case (作废) is still found, with who withdrew it, when and why.
    let (case, withdrawn) = match shared.store.get_case(&number).await.map_err(ApiError::store)? {
        Some(case) => (case, None),
        None => {
            let (case, why) =
                shared.store.withdrawn_case(&number).await.map_err(ApiError::store)?.ok_or_else(not_found)?;
            let json = super::WithdrawnJson::of(case.case_no.as_str(), &why);
            (case, Some(json))
        }
    };
    let full = caller.scope == Scope::Write;
    let mut json = case_json(&case, full);
    let (events, notices) = super::history(&shared, case.case_no.as_str(), full).await?;
    let former = shared.store.former_numbers(case.case_no.as_str()).await.map_err(ApiError::store)?;
    if let Value::Object(object) = &mut json {
        object.insert("events".into(), events);
        object.insert("notices".into(), notices);
        if !former.is_empty() {
            object.insert("former_numbers".into(), json!(former));
        }
        if let Some(withdrawn) = withdrawn {
            object.insert("withdrawn".into(), serde_json::to_value(withdrawn).unwrap_or_default());
        }
    }
    Ok(axum::Json(json).into_response())
}
