//! The register on the status page: `GET /cases`, every case with search and filters, and
//! `GET /cases.xlsx`, the same view as a workbook (Chinese, server-rendered, no script).
//!
//! Search (`q`) finds a case by its number, village, category or 包案领导 (as written or as the
//! config names the person); a write-token login (the clerk) also finds it by the petitioner's
//! name. Filters: `flag` (a flag's name), `status` (待受理, 办理中, 已告知或转送, 已办结) and
//! `overdue=1` (a running deadline has passed). The page shows the first [`SHOWN`] cases found;
//! the workbook has them all.
//!
//! Choice: the petitioner shows masked (张**) and only to a write-token login; a read token
//! sees no petitioner column. An anonymous case shows 匿名 and a confidential one 保密, and a
//! name search never finds either (finding it would tell who the petitioner is).

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Serialize;

use super::status::{render, visitor};
use super::{ApiError, Shared};
use crate::config::Scope;
use crate::domain::{Case, mask_identifiers, mask_name, normalize_text};
use crate::rules::Flag;

const PAGE: &str = include_str!("cases.html");

/// Cases the page lists at most; the workbook lists every case found.
pub const SHOWN: usize = 200;

/// The statuses a case can be in, as the page says them (see [`super::action::state`]).
const STATUSES: [&str; 4] = ["待受理", "办理中", "已告知或转送", "已办结"];

/// What the clerk asked for: the search text and the filters, as the form sends them.
#[derive(Debug, Default, Clone, Serialize)]
struct Asked {
    q: String,
    flag: String,
    status: String,
    overdue: bool,
}

impl Asked {
    fn from_query(query: &BTreeMap<String, String>) -> Self {
        let get = |k: &str| query.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        Self { q: get("q"), flag: get("flag"), status: get("status"), overdue: !get("overdue").is_empty() }
    }

    /// The query string that asks for the same view (for the export link).
    fn query_string(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [("q", &self.q), ("flag", &self.flag), ("status", &self.status)] {
            if !value.is_empty() {
                out.append_pair(key, value);
            }
        }
        if self.overdue {
            out.append_pair("overdue", "1");
        }
        out.finish()
    }
}

/// One case as the list shows it.
#[derive(Debug, Serialize)]
struct Row {
    case_no: String,
    received_on: NaiveDate,
    /// Masked (张**), 匿名 or 保密; `None` for a read token.
    petitioner: Option<String>,
    village: String,
    category: String,
    owner: String,
    status: &'static str,
    flags: Vec<&'static str>,
    /// The nearest running deadline: 办理期限 2026-12-20（12-18前办理）.
    deadline: String,
    overdue: bool,
}

/// The cases the view holds, in register order (by number), or the answer to give instead.
async fn find(
    shared: &Shared,
    headers: &HeaderMap,
    query: &BTreeMap<String, String>,
) -> Result<(Asked, Vec<Row>, bool, NaiveDate), Response> {
    let caller = visitor(shared, headers).map_err(|answer| *answer)?;
    let clerk = caller.as_ref().is_some_and(|c| c.scope == Scope::Write);
    let asked = Asked::from_query(query);
    let flag = match asked.flag.as_str() {
        "" => None,
        name => match Flag::ALL.into_iter().find(|f| f.name() == name) {
            Some(flag) => Some(flag),
            None => return Err((StatusCode::BAD_REQUEST, format!("没有名为“{name}”的标记。")).into_response()),
        },
    };
    if !asked.status.is_empty() && !STATUSES.contains(&asked.status.as_str()) {
        let message = format!("办理状态“{}”无法识别，可选：{}。", asked.status, STATUSES.join("、"));
        return Err((StatusCode::BAD_REQUEST, message).into_response());
    }
    let loaded = shared.loaded();
    // The list screens the whole register: it takes a turn like the findings do.
    let _turn = shared.work.turn(loaded.config.http.max_heavy_requests).await.map_err(IntoResponse::into_response)?;
    let today = shared.clock.now().with_timezone(&loaded.config.time_zone()).date_naive();
    let cases = shared.store.load_cases().await.map_err(|e| ApiError::store(e).into_response())?;
    let register = crate::rules::Register::from_cases(&cases);
    let rules = &loaded.settings.rules;
    let screening = crate::rules::screen(&register, today, rules, &loaded.calendar);
    let found: HashMap<&str, &crate::rules::CaseResult> = screening.cases.iter().map(|r| (r.case_no, r)).collect();
    let directory = &rules.directory;
    let needle = normalize_text(&asked.q).to_lowercase();
    let matches = |case: &Case, owner: &str| {
        if needle.is_empty() {
            return true;
        }
        let hit = |text: &str| normalize_text(text).to_lowercase().contains(&needle);
        hit(case.case_no.as_str())
            || case.village.as_deref().is_some_and(hit)
            || case.category.as_deref().is_some_and(hit)
            || case.owner_leader.as_deref().is_some_and(hit)
            || hit(owner)
            || (clerk
                && !case.anonymous
                && !case.confidential
                && case.petitioner.as_deref().is_some_and(|name| normalize_text(name).contains(&needle)))
    };
    let mut rows = Vec::new();
    for case in &cases {
        let result = found.get(case.case_no.as_str());
        if flag.is_some_and(|flag| !result.is_some_and(|r| r.has(flag))) {
            continue;
        }
        let status = super::action::state(case, today);
        if !asked.status.is_empty() && asked.status != status {
            continue;
        }
        let deadlines = crate::rules::running_deadlines(
            &crate::rules::Clocks::of(case),
            &case.hearings,
            today,
            &rules.deadlines,
            &loaded.calendar,
        );
        let overdue = deadlines.iter().any(|d| d.due < today);
        if asked.overdue && !overdue {
            continue;
        }
        let owner = case.owner_leader.as_deref().map_or_else(String::new, |o| directory.display_name(o).to_owned());
        if !matches(case, &owner) {
            continue;
        }
        let petitioner = clerk.then(|| match (case.anonymous, case.confidential, case.petitioner.as_deref()) {
            (true, _, _) => "匿名".to_owned(),
            (_, true, _) => "保密".to_owned(),
            (_, _, Some(name)) => mask_name(name),
            (_, _, None) => "未填写".to_owned(),
        });
        let deadline = deadlines.iter().min_by_key(|d| d.act_by).map_or_else(String::new, |d| {
            if d.due == d.act_by {
                format!("{}：{}", d.kind.zh(), d.due)
            } else {
                format!("{}：{}（{}前办理）", d.kind.zh(), d.due, d.act_by.format("%m-%d"))
            }
        });
        let text = |v: &Option<String>| v.as_deref().map(|s| mask_identifiers(s).into_owned()).unwrap_or_default();
        rows.push(Row {
            case_no: case.case_no.to_string(),
            received_on: case.received_on,
            petitioner,
            village: text(&case.village),
            category: text(&case.category),
            owner: if owner.is_empty() { "未落实".to_owned() } else { mask_identifiers(&owner).into_owned() },
            status,
            flags: result
                .map(|r| r.findings.iter().filter(|f| f.flag != Flag::Signed).map(|f| f.flag.zh()).collect())
                .unwrap_or_default(),
            deadline,
            overdue,
        });
    }
    Ok((asked, rows, clerk, today))
}

/// `GET /cases`: the register, searched and filtered.
pub async fn list(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let (asked, rows, clerk, today) = match find(&shared, &headers, &query).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let total = rows.len();
    let shown: Vec<&Row> = rows.iter().take(SHOWN).collect();
    let flags: Vec<serde_json::Value> = Flag::ALL
        .into_iter()
        .filter(|f| *f != Flag::Signed)
        .map(|f| serde_json::json!({"name": f.name(), "zh": f.zh()}))
        .collect();
    let context = minijinja::context! {
        township => shared.loaded().config.township.name.clone(),
        today => today.to_string(),
        asked => minijinja::Value::from(minijinja::value::Serde(&asked)),
        export => format!("/cases.xlsx?{}", asked.query_string()),
        rows => minijinja::Value::from(minijinja::value::Serde(shown)),
        total,
        limited => total > SHOWN,
        shown => SHOWN,
        clerk,
        flags => minijinja::Value::from(minijinja::value::Serde(flags)),
        statuses => STATUSES.to_vec(),
    };
    render("cases.html", PAGE, context)
}

/// `GET /cases.xlsx`: the view `GET /cases` shows for the same query, every case found, as a
/// workbook (text cells are never formulas; dates are dates).
pub async fn export(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let (_, rows, clerk, today) = match find(&shared, &headers, &query).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    match workbook(&rows, clerk, today) {
        Ok(bytes) => {
            let name = format!("信访件_{today}.xlsx");
            let disposition = format!(
                "attachment; filename=\"cases-{today}.xlsx\"; filename*=UTF-8''{}",
                form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20")
            );
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "the case list's workbook failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "表格生成失败，请查看日志。").into_response()
        }
    }
}

fn workbook(rows: &[Row], clerk: bool, today: NaiveDate) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("信访件")?;
    let head = Format::new().set_bold().set_background_color("F0F2F5").set_border_bottom(FormatBorder::Thin);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut titles: Vec<(&str, f64)> = vec![("信访件编号", 16.0), ("收到日期", 12.0)];
    if clerk {
        titles.push(("信访人", 10.0));
    }
    titles.extend([
        ("村(社区)", 14.0),
        ("问题类别", 14.0),
        ("包案领导", 12.0),
        ("办理状态", 12.0),
        ("标记", 30.0),
        ("最近期限", 34.0),
        ("是否超期", 10.0),
    ]);
    for (col, (title, width)) in (0u16..).zip(&titles) {
        sheet.write_string_with_format(0, col, *title, &head)?;
        sheet.set_column_width(col, *width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (row, case) in (1u32..).zip(rows) {
        let mut cells: Vec<String> = vec![case.case_no.clone()];
        let received = ExcelDateTime::parse_from_str(&case.received_on.to_string())?;
        if let Some(p) = &case.petitioner {
            cells.push(p.clone());
        }
        cells.extend([
            case.village.clone(),
            case.category.clone(),
            case.owner.clone(),
            case.status.to_owned(),
            case.flags.join("、"),
            case.deadline.clone(),
            if case.overdue { "是" } else { "否" }.to_owned(),
        ]);
        // write_string never makes a formula: register text is data (DESIGN §3).
        sheet.write_string(row, 0, &cells[0])?;
        sheet.write_datetime_with_format(row, 1, &received, &date)?;
        for (col, cell) in (2u16..).zip(&cells[1..]) {
            sheet.write_string(row, col, cell)?;
        }
    }
    if !rows.is_empty() {
        let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        let last_col = u16::try_from(titles.len() - 1).unwrap_or(0);
        sheet.autofilter(0, 0, last_row, last_col)?;
    }
    sheet.set_header(format!("&C信访件（截至 {today}）"));
    sheet.set_landscape();
    book.save_to_buffer()
}
