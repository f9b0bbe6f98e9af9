//! `POST /api/v1/imports` (DESIGN §5.3): a register file (CSV or XLSX, multipart field `file`)
//! through the same importer as `petition-watch import`, each rejected row answered in Chinese,
//! naming the column as the file's header names it — for the clerk's upload.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::{ErrorBody, bad};
use crate::config::Scope;
use crate::http::auth::require;
use crate::http::{ApiError, Shared};
use crate::import::{ImportOptions, import_file};

/// A rejected cell, as the clerk reads it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedCell {
    /// Row number as the spreadsheet shows it (the header row counts).
    pub row: usize,
    /// The column as the file's header names it.
    pub column: String,
    /// What is wrong, in Chinese.
    pub message: String,
    /// The row's own cells that are not blank, by the file's header (ID and phone numbers
    /// masked), so the row can be found and fixed.
    pub cells: std::collections::BTreeMap<String, String>,
}

/// What an upload did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// Rows written (new, updated or unchanged).
    pub imported: usize,
    /// Of them, new cases.
    pub inserted: usize,
    /// Of them, cases changed.
    pub updated: usize,
    /// Of them, rows that changed nothing.
    pub unchanged: usize,
    /// Every problem of the rows not imported.
    pub rejected: Vec<RejectedCell>,
    /// What looks wrong in rows that imported (in Chinese).
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<crate::import::checks::RowWarning>,
    /// Numbers of withdrawn cases (作废) whose rows were left out.
    pub withdrawn: Vec<String>,
    /// Rows under a number corrected since (更正编号), left out: `{from, to}`.
    pub renamed: Vec<super::RenamedJson>,
}

/// `POST /api/v1/imports`: import a register file.
#[utoipa::path(post, path = "/api/v1/imports", tag = "cases",
    request_body(content_type = "multipart/form-data", description = "field `file`: the register, CSV or XLSX (its name's extension says which)"),
    responses(
        (status = 200, description = "imported; `rejected` lists each problem of the rows left out, in Chinese", body = ImportResult),
        (status = 400, description = "bad_upload: no file field, or an unreadable file", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "forbidden: a read token", body = ErrorBody),
        (status = 413, description = "body_too_large: over http.max_upload_bytes", body = ErrorBody),
    ))]
pub async fn post_import(
    State(shared): State<Shared>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let caller = require(&shared.loaded().api_tokens, &headers, Scope::Write)?;
    let (name, report) = import_upload(&shared, multipart).await?;
    tracing::info!(token = %caller.name, file = %name, imported = report.imported(), rejected = report.rejected.len(), "register uploaded");
    let rejected = report
        .rejected
        .iter()
        .flat_map(|r| {
            let cells: std::collections::BTreeMap<String, String> = report
                .header
                .as_ref()
                .map(|h| crate::import::rejected::cells(h, r).into_iter().collect())
                .unwrap_or_default();
            r.problems.iter().map(move |p| RejectedCell {
                row: r.row,
                column: crate::import::zh::column(&p.column),
                message: p.zh(),
                cells: cells.clone(),
            })
        })
        .collect();
    let c = report.counts;
    Ok(axum::Json(ImportResult {
        imported: report.imported(),
        inserted: c.inserted,
        updated: c.updated,
        unchanged: c.unchanged,
        rejected,
        warnings: report.warnings,
        withdrawn: report.withdrawn,
        renamed: report.renamed.into_iter().map(|(from, to)| super::RenamedJson { from, to }).collect(),
    })
    .into_response())
}

/// Imports the register uploaded as the multipart field `file`: its name, and what the
/// importer did. Shared by the API and the status page's upload.
pub async fn import_upload(
    shared: &Shared,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(String, crate::import::FileReport), ApiError> {
    let upload = |message: String| bad(StatusCode::BAD_REQUEST, "bad_upload", message);
    let mut multipart =
        multipart.map_err(|e| upload(format!("send the register as multipart/form-data with a field `file`: {e}")))?;
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| upload(format!("the upload: {e}")))? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("register.csv").to_owned();
        let bytes = field.bytes().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                bad(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the file is larger than http.max_upload_bytes")
            } else {
                upload(format!("the file: {e}"))
            }
        })?;
        file = Some((name, bytes));
    }
    let Some((name, bytes)) = file else {
        return Err(upload("send the register as the multipart field `file`".into()));
    };
    // The importer reads a path: the upload is kept in a file of its own, with its extension.
    let extension = std::path::Path::new(&name)
        .extension()
        .and_then(|e| e.to_str())
        .filter(|e| e.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or("csv")
        .to_ascii_lowercase();
    let dir = tempfile::tempdir().map_err(|e| ApiError::store(format!("a temporary directory: {e}")))?;
    let path = dir.path().join(format!("upload.{extension}"));
    std::fs::write(&path, &bytes).map_err(|e| ApiError::store(format!("keeping the upload: {e}")))?;
    let loaded = shared.loaded();
    let now = shared.clock.now();
    let mut options = ImportOptions::from_config(&loaded.config, false, false);
    options.today = Some(now.with_timezone(&loaded.config.time_zone()).date_naive());
    let report = import_file(&path, Some(&shared.store), &loaded.settings.rules.directory, options, now).await;
    if let Some(fatal) = &report.fatal
        && report.imported() == 0
    {
        return Err(upload(format!("{name}: {}", crate::import::zh::reason(fatal))));
    }
    Ok((name, report))
}
