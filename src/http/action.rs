//! The action page at `/a/{token}` (DESIGN §5.3): what a leader opens from a notice on a phone,
//! inside WeCom's or DingTalk's browser, without a login. `GET` shows the case as the leader's
//! role may see it — its flags when the notice was planned, its deadlines today with act-by and
//! what moved, what was done so far — and three forms that work without script: 签收, a
//! progress note with an expected date, and the answer given to the petitioner (date, how,
//! text). A form `POST`s to the same address, records one [`CaseEvent`] and answers
//! 303 back to the page (so a reload does not record it twice).
//!
//! A link is refused with 403 and records nothing when it is forged, altered or expired, when
//! the notice it names did not go to that person or did not list that case, when the person
//! is no longer in the config, or when the person must now recuse from the case (named as
//! accused or in its conflicts since the notice) — the page then shows nothing of the case.
//!
//! What the page shows follows the notice's audience (DESIGN §3): a link from a leader's own
//! email shows the case's place, content and the work recorded on it; a link from a group
//! channel's message (a robot in a group chat, where anyone may tap it) shows what that message
//! showed — number, flags, deadlines, owner — and the record without its text. What is done
//! from a group's link is recorded as the addressee's: the message named them (@-mention).
//!
//! Choice: the petitioner's name shows masked (张**) here, though the leader's email carries it
//! in full: a link travels further than a mailbox (forwarded, opened on a shared phone), and
//! nothing the leader does on this page needs the name.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::Shared;
use crate::config::LoadedConfig;
use crate::domain::{Case, CaseEvent, EventKind, REPLY_WAYS, mask_identifiers, mask_name};
use crate::notice::link::{self, ActionClaim};
use crate::notice::{NoticeBody, NoticeCase};
use crate::routing::{self, CaseParties};
use crate::rules::{Clocks, running_deadlines};

const PAGE: &str = include_str!("action.html");

/// The longest text a form takes, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

/// A link that opened: whose, which case, and what the notice said of it.
struct Opened {
    claim: ActionClaim,
    case: Case,
    /// The case as the notice listed it (role, flags, moved deadlines).
    listed: Option<NoticeCase>,
    /// The notice went to a group channel: the page shows what the group saw, no more.
    group: bool,
    /// The person's name and title.
    person: String,
}

/// Why a link shows no case: the status and the words shown.
struct Refused(StatusCode, String);

impl Refused {
    fn forbidden(message: impl Into<String>) -> Self {
        Self(StatusCode::FORBIDDEN, message.into())
    }
}

/// Checks the link and loads what it points at.
async fn open(shared: &Shared, loaded: &LoadedConfig, token: &str) -> Result<Opened, Refused> {
    let Some(links) = &loaded.settings.links else {
        return Err(Refused(StatusCode::NOT_FOUND, "本系统未启用办理链接。".into()));
    };
    let now = shared.clock.now();
    let claim = link::verify(token, &links.key_bytes(), now).map_err(|e| {
        tracing::warn!(error = %e, "action link refused");
        match e {
            link::LinkError::Expired(_) => {
                Refused::forbidden("此链接已过期（有效期 30 天）。请以最近收到的提醒中的链接办理。")
            }
            _ => Refused::forbidden("此链接无效，可能被改动或已停用。请以收到的提醒中的链接办理。"),
        }
    })?;
    let database = |e: crate::store::StoreError| {
        tracing::error!(error = %e, "action page failed on the database");
        Refused(StatusCode::SERVICE_UNAVAILABLE, "系统暂时无法读取数据，请稍后再试。".into())
    };
    let notice = shared.store.get_notice(&claim.notice).await.map_err(database)?.map(|(row, _)| row);
    let Some(notice) = notice.filter(|n| n.recipient == claim.person && n.case_nos.contains(&claim.case_no)) else {
        tracing::warn!(notice = %claim.notice, "action link names a notice that did not list the case for the person");
        return Err(Refused::forbidden("此链接无效。请以收到的提醒中的链接办理。"));
    };
    let Some(contact) = loaded.settings.contacts.get(&claim.person) else {
        tracing::warn!(person = %claim.person, "action link for a person no longer in the config");
        return Err(Refused::forbidden("您已不在本系统的人员名单中，此链接不再可用。"));
    };
    let case = crate::domain::CaseNo::parse(&claim.case_no)
        .ok()
        .map(|number| async move { shared.store.get_case(&number).await })
        .ok_or_else(|| Refused::forbidden("此链接无效。"))?
        .await
        .map_err(database)?
        .ok_or_else(|| Refused(StatusCode::NOT_FOUND, format!("信访件 {} 已不在登记簿中。", claim.case_no)))?;
    let parties = CaseParties {
        owner_leader: case.owner_leader.as_deref(),
        category: case.category.as_deref(),
        accused: &case.accused,
        conflicts: &case.conflicts,
    };
    if routing::excluded(&parties, &loaded.settings.rules.directory, &claim.person).is_some() {
        tracing::warn!(case_no = %case.case_no, person = %claim.person, "action link of a person who must recuse: refused");
        return Err(Refused::forbidden("按回避规定，您不能查看或办理此件。如有疑问，请联系信访办。"));
    }
    let body = serde_json::from_str::<NoticeBody>(&notice.payload).ok();
    // A notice that does not parse is treated as a group's: the least is shown.
    let group = body.as_ref().is_none_or(|b| b.group);
    let listed = body.and_then(|body| body.cases.into_iter().find(|c| c.line.case_no == claim.case_no));
    let to = &contact.addressee;
    let person = format!("{}{}", to.name, to.title.as_deref().unwrap_or(""));
    Ok(Opened { claim, case, listed, group, person })
}

#[derive(Serialize)]
struct CaseView {
    case_no: String,
    flags: Vec<String>,
    stands_in_for: Option<String>,
    received_on: String,
    petitioner: Option<String>,
    village: Option<String>,
    category: Option<String>,
    summary: Option<String>,
    owner: Option<String>,
    responsible: Option<String>,
    state: &'static str,
}

#[derive(Serialize)]
struct DeadlineView {
    name: &'static str,
    due: NaiveDate,
    act_by: NaiveDate,
    ask: String,
    overdue: bool,
}

#[derive(Serialize)]
struct EventView {
    kind: &'static str,
    at: String,
    by: String,
    how: Option<String>,
    due_label: &'static str,
    due_on: Option<String>,
    text: String,
}

pub(super) fn state(case: &Case, today: NaiveDate) -> &'static str {
    let on = |d: Option<NaiveDate>| d.is_some_and(|d| d <= today);
    if on(case.concluded_on) {
        "已办结"
    } else if on(case.disposed_on) {
        "已告知或转送"
    } else if on(case.accepted_on) {
        "办理中"
    } else {
        "待受理"
    }
}

fn refused_page(loaded: &LoadedConfig, refused: Refused) -> Response {
    let township = loaded.config.township.name.clone();
    let context = minijinja::context! {
        title => format!("{township}信访办"),
        township,
        message => refused.1,
        case => minijinja::Value::UNDEFINED,
        done => minijinja::Value::UNDEFINED,
        error => minijinja::Value::UNDEFINED,
    };
    answer(refused.0, context)
}

fn answer(status: StatusCode, context: minijinja::Value) -> Response {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Lenient);
    let html = env.add_template("action.html", PAGE).and_then(|()| env.get_template("action.html")?.render(context));
    match html {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            let headers = response.headers_mut();
            // The address holds the token: keep it out of caches and other sites' logs.
            headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            headers.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                header::HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"),
            );
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "action page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面生成失败，请稍后再试。").into_response()
        }
    }
}

/// The page for an opened link, with `done` or `error` shown above it.
async fn page_of(
    shared: &Shared,
    loaded: &LoadedConfig,
    opened: &Opened,
    status: StatusCode,
    done: Option<&str>,
    error: Option<&str>,
) -> Response {
    let tz = loaded.config.time_zone();
    let now = shared.clock.now();
    let today = now.with_timezone(&tz).date_naive();
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let case = &opened.case;
    let rules = &loaded.settings.rules;
    let directory = &rules.directory;
    let hidden = case.anonymous || case.confidential;
    // A group's link shows what the group saw (DESIGN §3): no place, content or person in charge.
    let details = !opened.group;
    let text = |v: &Option<String>| v.as_deref().filter(|_| details).map(|s| mask_identifiers(s).into_owned());
    let listed = opened.listed.as_ref();
    let view = CaseView {
        case_no: case.case_no.to_string(),
        flags: listed.map(|c| c.line.flags.clone()).unwrap_or_default(),
        stands_in_for: listed.and_then(|c| c.stands_in_for.clone()),
        received_on: case.received_on.to_string(),
        petitioner: case.petitioner.as_deref().filter(|p| !hidden && !p.trim().is_empty()).map(mask_name),
        village: text(&case.village),
        category: text(&case.category),
        summary: text(&case.summary),
        owner: case.owner_leader.as_deref().map(|o| directory.display_name(o).to_owned()),
        responsible: [&case.responsible_unit, &case.responsible_person]
            .into_iter()
            .flatten()
            .filter(|_| details)
            .map(|s| mask_identifiers(s).into_owned())
            .reduce(|a, b| format!("{a} · {b}")),
        state: state(case, today),
    };
    let deadlines: Vec<DeadlineView> =
        running_deadlines(&Clocks::of(case), &case.hearings, today, &rules.deadlines, &loaded.calendar)
            .into_iter()
            .map(|d| DeadlineView {
                name: d.kind.zh(),
                due: d.due,
                act_by: d.act_by,
                ask: crate::notice::ask(d.kind, d.due, d.act_by, today, &loaded.calendar),
                overdue: today > d.due,
            })
            .collect();
    let events = match shared.store.case_events(case.case_no.as_str()).await {
        Ok(events) => events,
        Err(e) => {
            tracing::error!(error = %e, "action page failed on the database");
            return refused_page(
                loaded,
                Refused(StatusCode::SERVICE_UNAVAILABLE, "系统暂时无法读取数据，请稍后再试。".into()),
            );
        }
    };
    let acked = events
        .iter()
        .filter(|e| e.kind == EventKind::Ack && e.by == opened.claim.person)
        .map(|e| e.at)
        .max()
        .map(local);
    let events: Vec<EventView> = events
        .iter()
        .map(|e| EventView {
            kind: e.kind.zh(),
            at: local(e.at),
            by: directory.display_name(&e.by).to_owned(),
            how: e.how.clone(),
            due_label: match e.kind {
                EventKind::Progress => "预计办结",
                EventKind::Supervision => "限期",
                _ => "日期",
            },
            due_on: e.due_on.map(|d| d.to_string()),
            text: if details { e.text.clone() } else { String::new() },
        })
        .collect();
    let township = loaded.config.township.name.clone();
    let context = minijinja::context! {
        title => format!("{township}信访办 · {}", case.case_no),
        township,
        person => opened.person.clone(),
        role => listed.map(|c| c.role.clone()),
        case => minijinja::Value::from(minijinja::value::Serde(&view)),
        deadlines => minijinja::Value::from(minijinja::value::Serde(&deadlines)),
        moved => minijinja::Value::from(minijinja::value::Serde(listed.map(|c| c.moved.clone()).unwrap_or_default())),
        events => minijinja::Value::from(minijinja::value::Serde(&events)),
        acked,
        done,
        error,
        today => today.to_string(),
        ways => REPLY_WAYS.to_vec(),
        max_text => MAX_TEXT_CHARS,
        expires => local(opened.claim.expires),
    };
    answer(status, context)
}

/// What `?done=` says after a form was recorded.
#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

fn done_words(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "ack" => Some("已签收。请督促责任单位按期办理，并及时反馈进展。"),
        "progress" => Some("办理进展已记录，信访办可以看到。"),
        "reply" => Some("答复情况已记录。"),
        _ => None,
    }
}

/// `GET /a/{token}`.
pub async fn page(State(shared): State<Shared>, Path(token): Path<String>, Query(done): Query<Done>) -> Response {
    let loaded = shared.loaded();
    match open(&shared, &loaded, &token).await {
        Ok(opened) => page_of(&shared, &loaded, &opened, StatusCode::OK, done_words(done.done.as_deref()), None).await,
        Err(refused) => refused_page(&loaded, refused),
    }
}

/// A form as posted.
#[derive(Debug, Default)]
struct Form {
    action: String,
    text: String,
    due_on: String,
    date: String,
    how: String,
}

impl Form {
    fn parse(body: &[u8]) -> Self {
        let mut form = Self::default();
        for (key, value) in form_urlencoded::parse(body) {
            let slot = match key.as_ref() {
                "action" => &mut form.action,
                "text" => &mut form.text,
                "due_on" => &mut form.due_on,
                "date" => &mut form.date,
                "how" => &mut form.how,
                _ => continue,
            };
            *slot = value.trim().to_owned();
        }
        form
    }
}

/// The event a form records, or what is wrong with it (in the words the page shows).
///
/// Choices: an answer dated before today is recorded at noon of that day, township time (the
/// page asks for the day, not the hour); one dated today, or without a date, at the moment it is
/// recorded; the way (书面/当面/电话) may be left unsaid by a form other than the page's.
fn event_of(form: Form, opened: &Opened, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Result<CaseEvent, String> {
    let today = now.with_timezone(&tz).date_naive();
    let text = || -> Result<String, String> {
        match form.text.chars().count() {
            0 => Err("请填写内容。".into()),
            n if n > MAX_TEXT_CHARS => Err(format!("内容不能超过 {MAX_TEXT_CHARS} 字（现为 {n} 字）。")),
            _ => Ok(form.text.clone()),
        }
    };
    let day = |value: &str, what: &str| {
        NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map_err(|_| format!("{what}“{value}”不是有效日期，请按 2026-12-31 的格式填写。"))
    };
    let base = CaseEvent {
        case_no: opened.case.case_no.to_string(),
        kind: EventKind::Ack,
        at: now,
        by: opened.claim.person.clone(),
        text: String::new(),
        notice: Some(opened.claim.notice.clone()),
        due_on: None,
        how: None,
        pressed: None,
    };
    match form.action.as_str() {
        "ack" => Ok(base),
        "progress" => {
            let due_on = match form.due_on.as_str() {
                "" => None,
                value => {
                    let due = day(value, "预计办结日期")?;
                    if due < today {
                        return Err(format!("预计办结日期 {due} 早于今天。"));
                    }
                    Some(due)
                }
            };
            Ok(CaseEvent { kind: EventKind::Progress, text: text()?, due_on, ..base })
        }
        "reply" => {
            // The page always sends the day and the way; a bare `action=reply&text=…` (DESIGN
            // §5.3) is an answer given today, its way not said.
            let on = match form.date.as_str() {
                "" => today,
                date => day(date, "答复日期")?,
            };
            if on > today {
                return Err(format!("答复日期 {on} 晚于今天。"));
            }
            if on < opened.case.received_on {
                return Err(format!("答复日期 {on} 早于收到日期 {}。", opened.case.received_on));
            }
            let how = match form.how.as_str() {
                "" => None,
                how if REPLY_WAYS.contains(&how) => Some(how.to_owned()),
                _ => return Err(format!("请选择答复方式：{}。", REPLY_WAYS.join("、"))),
            };
            let at = if on == today {
                now
            } else {
                on.and_hms_opt(12, 0, 0)
                    .and_then(|t| t.and_local_timezone(tz).earliest())
                    .map_or(now, |t| t.with_timezone(&Utc))
            };
            Ok(CaseEvent { kind: EventKind::Reply, text: text()?, at, how, ..base })
        }
        _ => Err("无法识别的操作。".into()),
    }
}

/// `POST /a/{token}`: records what the form says, then back to the page.
pub async fn act(State(shared): State<Shared>, Path(token): Path<String>, body: Bytes) -> Response {
    let loaded = shared.loaded();
    let opened = match open(&shared, &loaded, &token).await {
        Ok(opened) => opened,
        Err(refused) => return refused_page(&loaded, refused),
    };
    let now = shared.clock.now();
    let event = match event_of(Form::parse(&body), &opened, now, loaded.config.time_zone()) {
        Ok(event) => event,
        Err(problem) => {
            return page_of(&shared, &loaded, &opened, StatusCode::UNPROCESSABLE_ENTITY, None, Some(&problem)).await;
        }
    };
    // 签收 once per notice: a second tap (or a resent form) records nothing more.
    let repeated_ack = event.kind == EventKind::Ack
        && match shared.store.case_events(&event.case_no).await {
            Ok(events) => {
                events.iter().any(|e| e.kind == EventKind::Ack && e.by == event.by && e.notice == event.notice)
            }
            Err(e) => {
                tracing::error!(error = %e, "action page failed on the database");
                false
            }
        };
    if !repeated_ack {
        if let Err(e) = shared.store.record_event(&event).await {
            tracing::error!(error = %e, "action page failed on the database");
            return refused_page(
                &loaded,
                Refused(StatusCode::SERVICE_UNAVAILABLE, "系统暂时无法保存，请稍后再试。".into()),
            );
        }
        tracing::info!(case_no = %event.case_no, by = %event.by, kind = event.kind.name(), "case event recorded from an action link");
    }
    // Back to the page at the address the leader used (behind a proxy, under its path).
    let base = loaded.settings.links.as_ref().map_or("", |l| l.public_url.as_str());
    let location = format!("{base}/a/{token}?done={}", event.kind.name());
    (StatusCode::SEE_OTHER, [(header::LOCATION, location), (header::CACHE_CONTROL, "no-store".to_owned())])
        .into_response()
}

/// `GET /r/{token}`: the report a chat summary links to, as a page — the summary and its
/// chart, what the leading group's email shows (never the workbook's lists). The link is signed
/// like the cases' ([`link::REPORT`] in place of a case), works 30 days and needs no login;
/// a forged, altered or expired one gets 403.
pub async fn report_page(State(shared): State<Shared>, Path(token): Path<String>) -> Response {
    let loaded = shared.loaded();
    let refuse = |status: StatusCode, message: &str| {
        let mut response =
            (status, Html(format!("<!doctype html><meta charset=\"utf-8\"><p>{message}</p>"))).into_response();
        response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
        response
    };
    let Some(links) = &loaded.settings.links else {
        return refuse(StatusCode::NOT_FOUND, "本系统未启用报告链接。");
    };
    let claim = match link::verify(&token, &links.key_bytes(), shared.clock.now()) {
        Ok(claim) if claim.case_no == link::REPORT => claim,
        Ok(_) => return refuse(StatusCode::FORBIDDEN, "此链接不是报告链接。"),
        Err(link::LinkError::Expired(_)) => return refuse(StatusCode::FORBIDDEN, "此链接已过期（有效期 30 天）。"),
        Err(e) => {
            tracing::warn!(error = %e, "report link refused");
            return refuse(StatusCode::FORBIDDEN, "此链接无效，可能被改动或已停用。");
        }
    };
    let body = match shared.store.get_notice(&claim.notice).await {
        Ok(Some((row, _))) if row.recipient == claim.person => serde_json::from_str::<NoticeBody>(&row.payload).ok(),
        Ok(_) => None,
        Err(e) => {
            tracing::error!(error = %e, "report page failed on the database");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "系统暂时无法读取数据，请稍后再试。");
        }
    };
    let Some(document) = body.and_then(|b| b.report) else {
        return refuse(StatusCode::FORBIDDEN, "此链接无效。");
    };
    match crate::render::report::standalone_html(&document, &loaded.config.township.name) {
        Ok(html) => {
            let mut response = Html(html).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            headers.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "report page failed to render");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "页面生成失败，请稍后再试。")
        }
    }
}
