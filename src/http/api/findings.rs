//! `GET /api/v1/findings`: the screening at a date.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};

use super::{ErrorBody, bad, date_param, only_params};
use crate::config::Scope;
use crate::http::auth::require;
use crate::http::{ApiError, Shared};

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
