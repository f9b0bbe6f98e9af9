//! The office's status page at `/` (Chinese, server-rendered; its one script, optional, shows
//! an upload's progress): today's flagged
//! cases by 包案领导, each job's next and latest firing, delivery failures and recent notices.
//!
//! `http.status_page = "login"` (default) asks for an API token once and keeps a session
//! cookie ([`super::auth::session`]); a bearer token works too. `open` serves it to anyone who
//! reaches the listener; `off` answers 404. The page shows case numbers, places, categories,
//! flags and deadlines — never a petitioner's name, ID number, phone or the petition's content.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use super::auth::{self, Caller, SESSION_COOKIE, SESSION_HOURS};
use super::{ApiError, Shared};
use crate::config::StatusPage;
use crate::rules::Flag;

const PAGE: &str = include_str!("status.html");
const LOGIN: &str = include_str!("login.html");
const CASE: &str = include_str!("case.html");

pub(super) fn render(name: &str, source: &str, context: minijinja::Value) -> Response {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let result = env.add_template(name, source).and_then(|()| env.get_template(name)?.render(context));
    match result {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, template = name, "status page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面生成失败，请查看日志。").into_response()
        }
    }
}

fn login_page(shared: &Shared, status: StatusCode, error: Option<&str>) -> Response {
    let township = shared.loaded().config.township.name.clone();
    let mut response = render("login.html", LOGIN, minijinja::context! { township, error });
    *response.status_mut() = status;
    response
}

/// Who may see the page: `Ok(None)` when it is open, `Err` with the answer otherwise.
pub(super) fn visitor(shared: &Shared, headers: &HeaderMap) -> Result<Option<Caller>, Box<Response>> {
    let loaded = shared.loaded();
    match loaded.config.http.status_page {
        StatusPage::Off => Err(Box::new(
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "the status page is off (http.status_page)")
                .into_response(),
        )),
        StatusPage::Open => Ok(None),
        StatusPage::Login => {
            let tokens = &loaded.api_tokens;
            if let Some(token) = auth::bearer(headers).and_then(|t| auth::find(tokens, t)) {
                return Ok(Some(Caller { name: token.name.clone(), scope: token.scope }));
            }
            match auth::session(tokens, headers, shared.clock.now().timestamp()) {
                Some(caller) => Ok(Some(caller)),
                None if tokens.is_empty() => Err(Box::new(login_page(
                    shared,
                    StatusCode::UNAUTHORIZED,
                    Some(
                        "尚未设置访问令牌：请管理员在配置 [http] tokens 中设置，或将 http.status_page 设为 \"open\"。",
                    ),
                ))),
                None => Err(Box::new(login_page(shared, StatusCode::UNAUTHORIZED, None))),
            }
        }
    }
}

/// `POST /login`: a form with `token`; a good one sets the session cookie.
pub async fn login(State(shared): State<Shared>, body: Bytes) -> Response {
    let loaded = shared.loaded();
    if loaded.config.http.status_page == StatusPage::Off {
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", "the status page is off (http.status_page)")
            .into_response();
    }
    let token =
        form_urlencoded::parse(&body).find(|(k, _)| k == "token").map(|(_, v)| v.into_owned()).unwrap_or_default();
    match auth::find(&loaded.api_tokens, token.trim()) {
        Some(token) => {
            let expires = shared.clock.now().timestamp() + SESSION_HOURS * 3600;
            let cookie = format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
                auth::session_value(token, expires),
                SESSION_HOURS * 3600
            );
            tracing::info!(token = %token.name, "status page login");
            (StatusCode::SEE_OTHER, [(header::LOCATION, "/".to_owned()), (header::SET_COOKIE, cookie)]).into_response()
        }
        None => {
            tracing::warn!("status page login with an unknown token refused");
            login_page(&shared, StatusCode::UNAUTHORIZED, Some("令牌无效，请重新输入。"))
        }
    }
}

/// `POST /logout`: forgets the session.
pub async fn logout() -> Response {
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    (StatusCode::SEE_OTHER, [(header::LOCATION, "/".to_owned()), (header::SET_COOKIE, cookie)]).into_response()
}

#[derive(Serialize)]
struct CaseLine {
    case_no: String,
    received_on: String,
    place: String,
    flags: Vec<&'static str>,
    deadline: String,
    overdue: bool,
}

#[derive(Serialize)]
struct LeaderGroup {
    leader: String,
    cases: Vec<CaseLine>,
}

#[derive(Serialize)]
struct NoticeLine {
    id: String,
    when: String,
    job: String,
    recipient: String,
    channel: String,
    cases: usize,
    status: &'static str,
    attempts: i64,
    error: String,
    /// 签收 of a case notice: "2（共 3 件）" (cases its recipient acknowledged since it was planned, of
    /// its cases); empty for other notices.
    acked: String,
    /// An overdue or urgent case of it is not acknowledged.
    unacked_urgent: bool,
}

fn status_zh(status: crate::store::NoticeStatus, attempts: i64) -> &'static str {
    use crate::store::NoticeStatus;
    match status {
        NoticeStatus::Pending if attempts > 0 => "待重试",
        NoticeStatus::Pending => "待发送",
        NoticeStatus::Sending => "发送中",
        NoticeStatus::Sent => "已送达",
        NoticeStatus::Dead => "未送达",
    }
}

/// `GET /`: the page (`?done=supervise` after a 督办 was recorded).
pub async fn page(
    State(shared): State<Shared>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<BTreeMap<String, String>>,
) -> Response {
    let caller = match visitor(&shared, &headers) {
        Ok(caller) => caller,
        Err(answer) => return *answer,
    };
    let mut form = PageForms::default();
    if query.get("done").map(String::as_str) == Some("supervise") {
        form.done = Some("督办已登记。该件此后的提醒将写明督办要求。".into());
    }
    match build(&shared, caller, &form).await {
        Ok(context) => render("status.html", PAGE, context),
        Err(e) => e.into_response(),
    }
}

/// The page's forms: the 督办 form as posted, and what the page says about it, an upload's
/// result and a correction's.
#[derive(Debug, Default, Serialize)]
struct PageForms {
    case_no: String,
    pressed: String,
    due_on: String,
    text: String,
    #[serde(skip)]
    done: Option<String>,
    #[serde(skip)]
    error: Option<String>,
    /// What an upload from the page did (导入结果), shown above the forms.
    #[serde(skip)]
    upload: Option<serde_json::Value>,
    /// A correction done (作废, 更正编号), or what was wrong with it.
    #[serde(skip)]
    correct: Option<Result<String, String>>,
}

/// `POST /correct`: the clerk withdraws a case entered by mistake (`action=withdraw`,
/// `case_no`, `reason`), restores a withdrawn one (`action=restore`, `case_no`) or corrects a mistyped number (`action=rename`, `case_no`, `to`) from the
/// page (a write-token login); the same store operations as `DELETE /api/v1/cases/{case_no}` and
/// `POST /api/v1/cases/{case_no}/rename`, answered on the page in Chinese.
pub async fn correct(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    use crate::store::{Correction, Withdrawal};
    let caller = match visitor(&shared, &headers) {
        Ok(Some(caller)) if caller.scope == crate::config::Scope::Write => caller,
        Ok(_) => {
            return (StatusCode::FORBIDDEN, Html("更正登记簿需以有写权限的令牌登录状态页。".to_owned()))
                .into_response();
        }
        Err(answer) => return *answer,
    };
    let field = |name: &str| {
        form_urlencoded::parse(&body).find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default()
    };
    let (action, case_no) = (field("action"), field("case_no"));
    let now = shared.clock.now();
    let database = |e: crate::store::StoreError| {
        tracing::error!(error = %e, "status page failed on the database");
        "系统暂时无法保存，请稍后再试。".to_owned()
    };
    let outcome: Result<String, String> = match crate::domain::CaseNo::parse(&case_no) {
        Err(_) => Err("请填写信访件编号。".into()),
        Ok(number) => match action.as_str() {
            "withdraw" => {
                let reason = field("reason");
                if reason.is_empty() {
                    Err("请填写作废原因。".into())
                } else {
                    let why = Withdrawal { at: now, by: caller.name.clone(), reason };
                    match shared.store.withdraw_case(number.as_str(), &why).await.map_err(database) {
                        Ok(Correction::Done) => Ok(format!("{number} 已作废。")),
                        Ok(Correction::NotFound) => Err(format!("登记簿中没有信访件 {number}。")),
                        Ok(Correction::Conflict) => Err(format!("{number} 已经作废。")),
                        Err(e) => Err(e),
                    }
                }
            }
            "restore" => {
                let why = match field("reason") {
                    reason if reason.is_empty() => "撤销作废".to_owned(),
                    reason => reason,
                };
                match shared.store.restore_case(number.as_str(), &caller.name, &why, now).await.map_err(database) {
                    Ok(Correction::Done) => Ok(format!("{number} 已恢复，重新参与排查、提醒和报告。")),
                    Ok(Correction::NotFound) => Err(format!("{number} 不是已作废的信访件。")),
                    Ok(Correction::Conflict) => Err(format!("登记簿中已有 {number}，未作更改。")),
                    Err(e) => Err(e),
                }
            }
            "rename" => match crate::domain::CaseNo::parse(&field("to")) {
                Err(_) => Err("请填写正确的编号。".into()),
                Ok(to) if to == number => Err("正确的编号与原编号相同。".into()),
                Ok(to) => match shared
                    .store
                    .rename_case(number.as_str(), to.as_str(), &caller.name, now)
                    .await
                    .map_err(database)
                {
                    Ok(Correction::Done) => Ok(format!("编号已由 {number} 更正为 {to}，该件的记录一并保留。")),
                    Ok(Correction::NotFound) => Err(format!("登记簿中没有信访件 {number}。")),
                    Ok(Correction::Conflict) => Err(format!("{to} 已是另一件的编号，未作更正。")),
                    Err(e) => Err(e),
                },
            },
            _ => Err("无法识别的操作。".into()),
        },
    };
    let status = if outcome.is_ok() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    if let Ok(done) = &outcome {
        tracing::info!(by = %caller.name, action = %action, case_no = %case_no, "{done}");
    }
    let form = PageForms { correct: Some(outcome), ..PageForms::default() };
    match build(&shared, Some(caller), &form).await {
        Ok(context) => {
            let mut response = render("status.html", PAGE, context);
            if response.status() == StatusCode::OK {
                *response.status_mut() = status;
            }
            response
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /upload`: the clerk's upload of the register from the page (a write-token login):
/// the same importer as `POST /api/v1/imports`, the result shown on the page in Chinese —
/// how many new, updated and unchanged, and every rejected cell with its row and column.
pub async fn upload(
    State(shared): State<Shared>,
    headers: HeaderMap,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let caller = match visitor(&shared, &headers) {
        Ok(Some(caller)) if caller.scope == crate::config::Scope::Write => caller,
        Ok(_) => {
            return (StatusCode::FORBIDDEN, Html("导入登记簿需以有写权限的令牌登录状态页。".to_owned()))
                .into_response();
        }
        Err(answer) => return *answer,
    };
    let result = match super::api::import_upload(&shared, multipart).await {
        Ok((name, report)) => {
            tracing::info!(token = %caller.name, file = %name, imported = report.imported(), "register uploaded from the status page");
            let cell = |row: usize, column: String, message: String| serde_json::json!({"row": row, "column": column, "message": message});
            // The rejected rows as a workbook to fix in Excel, offered as a download link that
            // needs nothing kept on the server.
            let rejected_file = report.header.as_ref().filter(|_| !report.rejected.is_empty()).and_then(|header| {
                match crate::import::rejected::workbook(header, &report.rejected) {
                    Ok(bytes) => {
                        use base64::Engine as _;
                        Some(format!(
                            "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,{}",
                            base64::engine::general_purpose::STANDARD.encode(bytes)
                        ))
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "the rejected rows' workbook failed");
                        None
                    }
                }
            });
            let stem = std::path::Path::new(&name).file_stem().and_then(|s| s.to_str()).unwrap_or("登记簿").to_owned();
            serde_json::json!({
                "file": name,
                "imported": report.imported(),
                "inserted": report.counts.inserted,
                "updated": report.counts.updated,
                "unchanged": report.counts.unchanged,
                "rejected": report.rejected.iter().map(|r| {
                    let cells = report.header.as_ref().map(|h| crate::import::rejected::cells(h, r)).unwrap_or_default();
                    serde_json::json!({
                        "row": r.row,
                        "problems": r.problems.iter().map(|p| serde_json::json!({
                            "column": crate::import::zh::column(&p.column),
                            "message": p.zh(),
                        })).collect::<Vec<_>>(),
                        "cells": cells.iter().map(|(t, v)| format!("{t}：{v}")).collect::<Vec<_>>().join("　"),
                    })
                }).collect::<Vec<_>>(),
                "warnings": report.warnings.iter().map(|w| cell(w.row, crate::import::zh::column(&w.column), w.message.clone())).collect::<Vec<_>>(),
                "withdrawn": report.withdrawn,
                "rejected_file": rejected_file,
                "rejected_name": format!("{stem}_未导入的行.xlsx"),
            })
        }
        Err(e) => serde_json::json!({"error": upload_problem_zh(&e)}),
    };
    let form = PageForms { upload: Some(result), ..PageForms::default() };
    match build(&shared, Some(caller), &form).await {
        Ok(context) => render("status.html", PAGE, context),
        Err(e) => e.into_response(),
    }
}

/// What went wrong with an upload, as the clerk reads it: the importer's own problems are in
/// Chinese already (a file it cannot read); the upload's own (no file, too large, the database)
/// are said here.
fn upload_problem_zh(e: &ApiError) -> String {
    match e.code {
        "body_too_large" => "文件太大，超过了允许上传的大小（配置 http.max_upload_bytes），请分成几个文件上传。".into(),
        "bad_upload" if ["send the register", "the upload", "the file"].iter().any(|p| e.message.starts_with(p)) => {
            "没有收到文件：请先选择登记簿文件（Excel 或 CSV），再点「上传导入」。".into()
        }
        "bad_upload" => e.message.clone(),
        _ => "系统暂时无法导入，请稍后再试；如仍不行，请联系管理员查看日志。".into(),
    }
}

/// `POST /supervise`: the office records a 督办 (DESIGN §5.3) — who is pressed, by when, and
/// what — for a visitor logged in with a write token. Back to the page (303) when recorded; the
/// page with the problem (422) when not, nothing recorded.
pub async fn supervise(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let caller = match visitor(&shared, &headers) {
        Ok(Some(caller)) if caller.scope == crate::config::Scope::Write => caller,
        Ok(_) => {
            return (StatusCode::FORBIDDEN, Html("登记督办需以有写权限的令牌登录状态页。".to_owned())).into_response();
        }
        Err(answer) => return *answer,
    };
    let mut form = PageForms::default();
    for (key, value) in form_urlencoded::parse(&body) {
        let value = value.trim().to_owned();
        match key.as_ref() {
            "case_no" => form.case_no = value,
            "pressed" => form.pressed = value,
            "due_on" => form.due_on = value,
            "text" => form.text = value,
            _ => {}
        }
    }
    match supervision(&shared, &caller, &form).await {
        Ok(event) => {
            if let Err(e) = shared.store.record_event(&event).await {
                return ApiError::store(e).into_response();
            }
            tracing::info!(case_no = %event.case_no, by = %event.by, "督办 recorded from the status page");
            (StatusCode::SEE_OTHER, [(header::LOCATION, "/?done=supervise#supervise")]).into_response()
        }
        Err(problem) => {
            form.error = Some(problem);
            match build(&shared, Some(caller), &form).await {
                Ok(context) => {
                    let mut response = render("status.html", PAGE, context);
                    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                    response
                }
                Err(e) => e.into_response(),
            }
        }
    }
}

/// The 督办 the form asks for, or what is wrong with it (in the words the page shows).
async fn supervision(shared: &Shared, caller: &Caller, form: &PageForms) -> Result<crate::domain::CaseEvent, String> {
    let loaded = shared.loaded();
    let now = shared.clock.now();
    let today = now.with_timezone(&loaded.config.time_zone()).date_naive();
    let number = crate::domain::CaseNo::parse(&form.case_no).map_err(|_| "请填写信访件编号。".to_owned())?;
    let case = shared.store.get_case(&number).await.map_err(|e| {
        tracing::error!(error = %e, "status page failed on the database");
        "系统暂时无法读取数据，请稍后再试。".to_owned()
    })?;
    let Some(case) = case else { return Err(format!("登记簿中没有信访件 {}。", form.case_no)) };
    let Some((pressed, _)) = loaded.settings.rules.directory.find(&form.pressed) else {
        return Err(format!("督办对象“{}”不在人员名单中。", form.pressed));
    };
    let due_on = chrono::NaiveDate::parse_from_str(&form.due_on, "%Y-%m-%d")
        .map_err(|_| format!("限办日期“{}”不是有效日期，请按 2026-12-31 的格式填写。", form.due_on))?;
    if due_on < today {
        return Err(format!("限办日期 {due_on} 早于今天。"));
    }
    match form.text.chars().count() {
        0 => return Err("请填写督办内容。".into()),
        n if n > 2000 => return Err(format!("督办内容不能超过 2000 字（现为 {n} 字）。")),
        _ => {}
    }
    Ok(crate::domain::CaseEvent {
        case_no: case.case_no.to_string(),
        kind: crate::domain::EventKind::Supervision,
        at: now,
        by: caller.name.clone(),
        text: form.text.clone(),
        notice: None,
        due_on: Some(due_on),
        how: None,
        pressed: Some(pressed.to_owned()),
    })
}

/// The reload banner's words: a refused reload (when, why) and settings waiting for a restart.
fn reload_line(shared: &Shared, tz: chrono_tz::Tz) -> serde_json::Value {
    let state = shared.reload.get();
    let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    serde_json::json!({
        "failed_at": state.failed_at.map(local),
        "error": state.error,
        "loaded_at": local(state.loaded_at),
        "restart_needed": state.restart_needed,
    })
}

async fn build(shared: &Shared, caller: Option<Caller>, supervise: &PageForms) -> Result<minijinja::Value, ApiError> {
    use crate::store::{NoticeFilter, StatusFilter};
    let loaded = shared.loaded();
    // The page screens the whole register: it takes a turn like the findings do.
    let _turn = shared.work.turn(loaded.config.http.max_heavy_requests).await?;
    let tz = loaded.config.time_zone();
    let now = shared.clock.now().with_timezone(&tz);
    let today = now.date_naive();
    let rules = &loaded.settings.rules;
    let directory = &rules.directory;
    let who = |reference: &str| match directory.find(reference) {
        Some((_, name)) => name.to_owned(),
        None => reference.to_owned(),
    };

    let database_ok = shared.store.ping().await.is_ok();
    let register = shared.store.load_register().await.map_err(ApiError::store)?;
    let screening = crate::rules::screen(&register, today, rules, &loaded.calendar);
    let mut groups: BTreeMap<String, Vec<CaseLine>> = BTreeMap::new();
    for result in &screening.cases {
        let leader = result.owner_leader.map_or_else(|| "（未落实包案领导）".to_owned(), who);
        let due = result.deadlines.iter().min_by_key(|d| d.act_by);
        let overdue = due.is_some_and(|d| d.due < today);
        let deadline = due.map_or_else(String::new, |d| {
            if d.due == d.act_by {
                format!("{}：{}", d.kind.zh(), d.due)
            } else {
                format!("{}：{}（{}前办理）", d.kind.zh(), d.due, d.act_by)
            }
        });
        groups.entry(leader).or_default().push(CaseLine {
            case_no: result.case_no.to_owned(),
            received_on: result.received_on.to_string(),
            place: [result.village, result.category].into_iter().flatten().collect::<Vec<_>>().join(" · "),
            flags: result.findings.iter().filter(|f| f.flag != Flag::Signed).map(|f| f.flag.zh()).collect(),
            deadline,
            overdue,
        });
    }
    let leaders: Vec<LeaderGroup> = groups.into_iter().map(|(leader, cases)| LeaderGroup { leader, cases }).collect();

    let jobs: Vec<minijinja::Value> = super::api::job_list(shared, &loaded)
        .await?
        .into_iter()
        .map(|j| {
            let local = |t: &Option<String>| {
                t.as_deref()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            };
            minijinja::context! { name => j.name, zh => j.name_zh, enabled => j.enabled, next => local(&j.next_firing), last => local(&j.last_firing) }
        })
        .collect();

    let acks = shared.store.latest_acks().await.map_err(ApiError::store)?;
    let ack_state = |n: &crate::store::NoticeRow| -> (String, bool) {
        let Ok(body) = serde_json::from_str::<crate::notice::NoticeBody>(&n.payload) else {
            return (String::new(), false);
        };
        if body.kind != crate::notice::NoticeKind::Cases || body.cases.is_empty() {
            return (String::new(), false);
        }
        let acked =
            |case_no: &str| acks.get(&(n.recipient.clone(), case_no.to_owned())).is_some_and(|at| *at >= n.created_at);
        let done = body.cases.iter().filter(|c| acked(&c.line.case_no)).count();
        let urgent = body.cases.iter().any(|c| c.urgent && !acked(&c.line.case_no));
        (format!("{done}（共 {} 件）", body.cases.len()), urgent)
    };
    let line = |n: crate::store::NoticeRow| {
        let (acked, unacked_urgent) = ack_state(&n);
        NoticeLine {
            acked,
            unacked_urgent,
            when: n.sent_at.unwrap_or(n.created_at).with_timezone(&tz).format("%m-%d %H:%M").to_string(),
            status: status_zh(n.status, n.attempts),
            recipient: who(&n.recipient),
            cases: n.case_nos.len(),
            error: n.last_error.unwrap_or_default(),
            id: n.id,
            job: crate::plan::Job::parse(&n.job).map_or(n.job.clone(), |j| j.zh().to_owned()),
            channel: n.channel,
            attempts: n.attempts,
        }
    };
    let store = &shared.store;
    let recent = store.list_notices(&NoticeFilter::default(), 15).await.map_err(ApiError::store)?;
    let mut failures = store
        .list_notices(
            &NoticeFilter {
                status: Some(StatusFilter::Is(crate::store::NoticeStatus::Dead)),
                since: None,
                ..Default::default()
            },
            10,
        )
        .await
        .map_err(ApiError::store)?;
    failures.extend(
        store
            .list_notices(&NoticeFilter { status: Some(StatusFilter::Failed), since: None, ..Default::default() }, 10)
            .await
            .map_err(ApiError::store)?,
    );
    let crate::store::OutboxCounts { pending, sending, sent, dead } =
        store.outbox_counts().await.map_err(ApiError::store)?;
    Ok(minijinja::context! {
        township => loaded.config.township.name.clone(),
        now => now.format("%Y-%m-%d %H:%M").to_string(),
        today => today.to_string(),
        can_supervise => caller.as_ref().is_some_and(|c| c.scope == crate::config::Scope::Write),
        caller => caller.map(|c| c.name),
        people => minijinja::Value::from(minijinja::value::Serde(
            loaded.settings.contacts.iter().map(|(id, c)| {
                serde_json::json!({"id": id, "name": format!("{}{}", c.addressee.name, c.addressee.title.as_deref().unwrap_or(""))})
            }).collect::<Vec<_>>(),
        )),
        supervise_form => minijinja::Value::from(minijinja::value::Serde(supervise)),
        supervise_done => supervise.done.clone(),
        supervise_error => supervise.error.clone(),
        upload => minijinja::Value::from(minijinja::value::Serde(&supervise.upload)),
        correct_done => supervise.correct.clone().and_then(Result::ok),
        correct_error => supervise.correct.clone().and_then(Result::err),
        database_ok,
        reload => minijinja::Value::from(minijinja::value::Serde(reload_line(shared, tz))),
        calendar_notice => loaded.calendar.missing_schedule_notice(today),
        scheduler_ok => shared.scheduler_running.load(std::sync::atomic::Ordering::SeqCst),
        flagged => screening.cases.len(),
        outbox => minijinja::context! { pending, sending, sent, dead },
        leaders => minijinja::Value::from(minijinja::value::Serde(&leaders)),
        jobs,
        failures => minijinja::Value::from(minijinja::value::Serde(failures.into_iter().map(line).collect::<Vec<_>>())),
        recent => minijinja::Value::from(minijinja::value::Serde(recent.into_iter().map(line).collect::<Vec<_>>())),
    })
}

/// `GET /case/{case_no}`: one case as the office sees it — its place, owner and state, its
/// deadlines today with the act-by day and what is asked, the work recorded on it (a read
/// token sees who did what and when, not the text) and the notices that listed it, under this
/// number or one it had before. Never the petitioner's name, ID number, phone or the content.
/// A withdrawn case shows with who withdrew it, when and why.
pub async fn case_page(
    State(shared): State<Shared>,
    headers: HeaderMap,
    axum::extract::Path(case_no): axum::extract::Path<String>,
) -> Response {
    let caller = match visitor(&shared, &headers) {
        Ok(caller) => caller,
        Err(answer) => return *answer,
    };
    let full = caller.as_ref().is_some_and(|c| c.scope == crate::config::Scope::Write);
    let loaded = shared.loaded();
    let tz = loaded.config.time_zone();
    let today = shared.clock.now().with_timezone(&tz).date_naive();
    let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let not_found = || (StatusCode::NOT_FOUND, Html(format!("登记簿中没有信访件 {case_no}。"))).into_response();
    let Ok(number) = crate::domain::CaseNo::parse(&case_no) else { return not_found() };
    let store = &shared.store;
    let found = match store.get_case(&number).await {
        Ok(Some(case)) => Some((case, None)),
        Ok(None) => match store.withdrawn_case(&number).await {
            Ok(found) => found.map(|(case, why)| (case, Some(why))),
            Err(e) => return ApiError::store(e).into_response(),
        },
        Err(e) => return ApiError::store(e).into_response(),
    };
    let Some((case, withdrawn)) = found else { return not_found() };
    let directory = &loaded.settings.rules.directory;
    let who = |reference: &str| directory.display_name(reference).to_owned();
    let rules = &loaded.settings.rules;
    let running = crate::rules::running_deadlines(
        &crate::rules::Clocks::of(&case),
        &case.hearings,
        today,
        &rules.deadlines,
        &loaded.calendar,
    );
    // What moved since the latest reminder about the case (DESIGN §2.4), as a notice says it.
    let moved: Vec<String> = match store.last_reminded(case.case_no.as_str()).await {
        Ok(Some((on, before))) => crate::plan::moved(&before, &running, &case)
            .into_iter()
            .map(|m| format!("{}由 {} 调整为 {}（{}），上次提醒于 {on}", m.kind.zh(), m.from, m.to, m.why))
            .collect(),
        Ok(None) => Vec::new(),
        Err(e) => return ApiError::store(e).into_response(),
    };
    let deadlines: Vec<serde_json::Value> = running
        .into_iter()
        .map(|d| {
            serde_json::json!({
                "name": d.kind.zh(),
                "due": d.due.to_string(),
                "act_by": d.act_by.to_string(),
                "ask": crate::notice::ask(d.kind, d.due, d.act_by, today, &loaded.calendar),
                "overdue": today > d.due,
            })
        })
        .collect();
    let (events, mut notices, former) = match tokio::try_join!(
        store.case_events(case.case_no.as_str()),
        store.notices_listing(case.case_no.as_str()),
        store.former_numbers(case.case_no.as_str()),
    ) {
        Ok(found) => found,
        Err(e) => return ApiError::store(e).into_response(),
    };
    for old in &former {
        match store.notices_listing(old).await {
            Ok(more) => notices.extend(more),
            Err(e) => return ApiError::store(e).into_response(),
        }
    }
    notices.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    let events: Vec<serde_json::Value> = events
        .iter()
        .map(|e| {
            serde_json::json!({
                "at": local(e.at),
                "kind": e.kind.zh(),
                "by": who(&e.by),
                "text": if full { e.text.clone() } else { String::new() },
            })
        })
        .collect();
    let notices: Vec<serde_json::Value> = notices
        .into_iter()
        .map(|n| {
            serde_json::json!({
                "when": local(n.sent_at.unwrap_or(n.created_at)),
                "job": crate::plan::Job::parse(&n.job).map_or(n.job.clone(), |j| j.zh().to_owned()),
                "recipient": who(&n.recipient),
                "channel": n.channel,
                "status": status_zh(n.status, n.attempts),
            })
        })
        .collect();
    let text = |v: &Option<String>| v.as_deref().map(|s| crate::domain::mask_identifiers(s).into_owned());
    let view = serde_json::json!({
        "case_no": case.case_no.to_string(),
        "received_on": case.received_on.to_string(),
        "village": text(&case.village),
        "category": text(&case.category),
        "owner": case.owner_leader.as_deref().map(who),
        "unit": text(&case.responsible_unit),
        "state": super::action::state(&case, today),
    });
    let withdrawn = withdrawn.map(|w| {
        serde_json::json!({"at": local(w.at), "by": who(&w.by), "reason": crate::domain::mask_identifiers(&w.reason)})
    });
    let context = minijinja::context! {
        township => loaded.config.township.name.clone(),
        today => today.to_string(),
        case => minijinja::Value::from(minijinja::value::Serde(view)),
        deadlines => minijinja::Value::from(minijinja::value::Serde(deadlines)),
        moved => moved,
        events => minijinja::Value::from(minijinja::value::Serde(events)),
        notices => minijinja::Value::from(minijinja::value::Serde(notices)),
        former => former,
        withdrawn => minijinja::Value::from(minijinja::value::Serde(withdrawn)),
    };
    render("case.html", CASE, context)
}
