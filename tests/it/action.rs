//! Action links (DESIGN §5.3), end to end: the daemon plans and delivers a deadline watch on a
//! paused clock with `http.public_url` set, each delivered notice carries a signed link per
//! case, and the page behind it (on a real listener on 127.0.0.1) shows the case and records
//! 签收, progress and the answer to the petitioner; forged, expired, other people's and recused
//! links get 403 and record nothing; headless Chromium renders the page at 390 px.

use std::collections::BTreeMap;

use chrono::{Datelike, TimeZone, Utc};
use petition_watch::clock::Clock;
use petition_watch::domain::EventKind;
use petition_watch::notice::link;
use petition_watch::store::Store;
use reqwest::StatusCode;

use crate::delivery::workspace;
use crate::helpers::{TestApp, Workspace, open};

/// The link key the tests sign with (also written to the workspace's key file).
pub const LINK_KEY: &str = "a test key for action links, long enough to sign";
/// Where the links point; the tests swap it for the listener's address.
pub const PUBLIC_URL: &str = "https://xf.example.gov.cn";

fn shanghai(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::DateTime<Utc> {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("instant").with_timezone(&Utc)
}

/// Sets `http.public_url` and a link key (from a file) in `ws`'s config, and opens the status
/// page (no login) to look at the 签收 column.
pub fn with_links(ws: &Workspace) {
    let key = ws.write("link.key", LINK_KEY);
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    let text = text.replacen("public_url = \"\"", &format!("public_url = \"{PUBLIC_URL}/\""), 1).replacen(
        "link_keys = []",
        &format!("link_keys = [{{ file = {:?} }}]", key.display().to_string()),
        1,
    );
    let text = text.replacen("status_page = \"login\"", "status_page = \"open\"", 1);
    std::fs::write(ws.config_path(), text).expect("config");
}

/// Every action link in `text` (decoded parts; raw quoted-printable lines are passed over).
pub fn links_in(text: &str) -> Vec<String> {
    let prefix = format!("{PUBLIC_URL}/a/");
    let mut links = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(&prefix) {
        let tail = &rest[at + prefix.len()..];
        let end = tail.find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c))).unwrap_or(tail.len());
        // A line of a quoted-printable part, cut by a soft break (`=`), is not a link.
        if !tail[end..].starts_with('=') {
            links.push(format!("{prefix}{}", &tail[..end]));
        }
        rest = &tail[end..];
    }
    links
}

/// The delivered emails of the outbox: (file text, decoded).
fn delivered(ws: &Workspace) -> Vec<String> {
    std::fs::read_dir(ws.path("outbox"))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .map(|raw| crate::privacy::readable_text(&raw))
                .collect()
        })
        .unwrap_or_default()
}

async fn events(url: &str, case_no: &str) -> Vec<petition_watch::domain::CaseEvent> {
    let store: Store = open(url).await;
    let events = store.case_events(case_no).await.expect("events");
    store.close().await;
    events
}

/// The daemon of `ws` (links set, or not) over the sample register, its clock at `at`.
async fn daemon_over_the_sample(ws: &Workspace, at: chrono::DateTime<Utc>) -> TestApp {
    let loaded = ws.load();
    let store = open(&loaded.config.database.url).await;
    crate::helpers::import_sample(&store, &loaded).await;
    store.close().await;
    TestApp::spawn(ws, at, true).await
}

/// A daemon that delivered a deadline watch with links: the app, the workspace, and each
/// link's claim by link.
async fn delivered_with_links() -> (TestApp, Workspace, BTreeMap<String, link::ActionClaim>) {
    let ws = workspace("", &["outbox"]);
    with_links(&ws);
    // Friday 2026-11-27, 08:29:59: the deadline watch fires at 08:30.
    let app = daemon_over_the_sample(&ws, shanghai(2026, 11, 27, 8, 29) + chrono::Duration::seconds(59)).await;
    app.clock.advance(chrono::Duration::seconds(1));
    let delivered_links = app.until(|| async { delivered(&ws).iter().any(|t| !links_in(t).is_empty()) }).await;
    assert!(delivered_links, "the watch's notices were delivered with links");
    // Let the rest of the run's notices land.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let now = app.clock.now();
    let mut claims = BTreeMap::new();
    for text in delivered(&ws) {
        for found in links_in(&text) {
            let token = found.rsplit('/').next().expect("token");
            let claim =
                link::verify(token, &[LINK_KEY.as_bytes()], now).unwrap_or_else(|e| panic!("{found}: {e}\n{text}"));
            claims.insert(found, claim);
        }
    }
    (app, ws, claims)
}

fn page_url(app: &TestApp, link: &str) -> String {
    link.replacen(PUBLIC_URL, app.address.as_deref().expect("listening"), 1)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

async fn post(app: &TestApp, link: &str, form: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
    let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let response = client()
        .post(page_url(app, link))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("post");
    let status = response.status();
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (status, response.text().await.expect("body"), location)
}

async fn get(app: &TestApp, link: &str) -> (StatusCode, String) {
    let response = client().get(page_url(app, link)).send().await.expect("get");
    (response.status(), response.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notices_link_opens_the_case_and_records_ack_progress_and_reply() {
    let (app, ws, claims) = delivered_with_links().await;
    // Every case line of every leader's notice carries its link, to its own recipient.
    assert!(claims.len() >= 3, "links: {claims:?}");
    let (link, claim) = claims.iter().next().expect("a link");
    let case_no = claim.case_no.clone();
    assert!(claims.values().all(|c| c.expires == app.clock.now() + chrono::Duration::days(30)));

    let (status, html) = get(&app, link).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(&format!("信访件 {case_no}")), "{html}");
    for id in ["ack-button", "progress-button", "reply-button"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id} in {html}");
    }

    // 签收: one tap, recorded once, back to the page saying so.
    let (status, _, location) = post(&app, link, &[("action", "ack")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some(format!("{link}?done=ack").as_str()));
    assert_eq!(post(&app, link, &[("action", "ack")]).await.0, StatusCode::SEE_OTHER, "a second tap is fine");
    let (_, html) = get(&app, &format!("{link}?done=ack")).await;
    assert!(html.contains("已签收") && html.contains("id=\"acked\"") && !html.contains("id=\"ack-button\""), "{html}");

    // A progress note without its text is refused on the page, and nothing is recorded.
    let (status, html, _) = post(&app, link, &[("action", "progress"), ("text", " ")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("请填写内容"), "{html}");
    let (status, _, _) =
        post(&app, link, &[("action", "progress"), ("text", "已约谈村委会"), ("due_on", "2026-12-10")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, html, _) =
        post(&app, link, &[("action", "reply"), ("date", "2026-11-27"), ("how", "微信"), ("text", "x")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("请选择答复方式"), "{html}");
    let (status, _, _) = post(
        &app,
        link,
        &[("action", "reply"), ("date", "2026-11-26"), ("how", "电话"), ("text", "已电话告知处理意见 13800138000")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // DESIGN §5.3's bare form: an answer given today, its way not said.
    let (status, _, _) = post(&app, link, &[("action", "reply"), ("text", "已书面答复")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let recorded = events(&app.url, &case_no).await;
    let kinds: Vec<EventKind> = recorded.iter().map(|e| e.kind).collect();
    // The reply is dated the day it was given (26th, before the 签收 of the 27th).
    assert_eq!(kinds, vec![EventKind::Reply, EventKind::Ack, EventKind::Progress, EventKind::Reply], "{recorded:?}");
    assert_eq!((recorded[3].how.as_deref(), recorded[3].at), (None, app.clock.now()));
    assert!(recorded.iter().all(|e| e.by == claim.person && e.notice.as_deref() == Some(claim.notice.as_str())));
    assert_eq!(recorded[0].how.as_deref(), Some("电话"));
    assert_eq!(recorded[0].at, shanghai(2026, 11, 26, 12, 0));
    assert_eq!(recorded[2].due_on, chrono::NaiveDate::from_ymd_opt(2026, 12, 10));
    let (_, html) = get(&app, link).await;
    assert!(html.contains("已约谈村委会") && html.contains("已电话告知处理意见"), "the record shows: {html}");
    assert!(!html.contains("13800138000"), "a phone typed into the text is masked");
    app.stop().await;
    drop(ws);
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_expired_other_peoples_and_recused_links_get_403_and_record_nothing() {
    let (app, ws, claims) = delivered_with_links().await;
    let (link, claim) = claims.iter().next().expect("a link");
    let key = LINK_KEY.as_bytes();
    let base = format!("{PUBLIC_URL}/a/");
    let now = app.clock.now();
    let other_person = if claim.person == "zhao-min" { "sun-li" } else { "zhao-min" };
    let mut altered = link.clone();
    let last = altered.pop().expect("a character");
    altered.push(if last == 'A' { 'B' } else { 'A' });
    let refused = [
        ("altered", altered),
        ("garbled", format!("{base}not-a-token")),
        ("another key", format!("{base}{}", link::sign(claim, b"someone else's key, also long enough"))),
        (
            "expired",
            format!(
                "{base}{}",
                link::sign(
                    &link::claim(&claim.notice, &claim.person, &claim.case_no, now - chrono::Duration::days(31)),
                    key
                )
            ),
        ),
        (
            "another person on this notice",
            format!("{base}{}", link::sign(&link::claim(&claim.notice, other_person, &claim.case_no, now), key)),
        ),
        (
            "a case the notice did not list",
            format!("{base}{}", link::sign(&link::claim(&claim.notice, &claim.person, "XF-NOT-LISTED", now), key)),
        ),
    ];
    for (what, bad) in &refused {
        let (status, html) = get(&app, bad).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {html}");
        assert!(!html.contains(&claim.case_no), "{what} shows the case: {html}");
        let (status, _, _) = post(&app, bad, &[("action", "ack")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
    }
    assert!(events(&app.url, &claim.case_no).await.is_empty(), "nothing recorded");

    // The register now names the link's person as accused: the link shows nothing of the case.
    let store = open(&app.url).await;
    let number = petition_watch::domain::CaseNo::parse(&claim.case_no).expect("number");
    let mut case = store.get_case(&number).await.expect("read").expect("the case");
    let loaded = ws.load();
    let name = loaded.settings.contacts[&claim.person].addressee.name.clone();
    case.accused.push(name);
    store.upsert_cases([&case], Utc::now()).await.expect("updated");
    store.close().await;
    let (status, html) = get(&app, link).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    assert!(html.contains("回避") && !html.contains(&claim.case_no), "{html}");
    assert_eq!(post(&app, link, &[("action", "ack")]).await.0, StatusCode::FORBIDDEN);
    assert!(events(&app.url, &claim.case_no).await.is_empty(), "nothing recorded");
    app.stop().await;
}

/// The page as a phone shows it: headless Chromium at 390 px renders it without horizontal
/// overflow, with its three buttons; the screenshot is kept as a test artefact.
#[tokio::test(flavor = "multi_thread")]
async fn the_page_fits_a_phone_in_headless_chromium() {
    let Some(chromium) = crate::api::chromium() else { return };
    let (app, ws, claims) = delivered_with_links().await;
    let (link, _) = claims.iter().next().expect("a link");
    let url = page_url(&app, link);
    let (status, html) = get(&app, link).await;
    assert_eq!(status, StatusCode::OK);
    // Headless Chromium lays a window out at least 500 px wide, so the page is measured, and
    // shot, inside a 390 px frame: the same HTML with a probe appended (the served page allows
    // no script) posts its width and buttons up to the frame's parent.
    let probe = "<script>parent.postMessage({width: document.documentElement.scrollWidth, \
                 buttons: document.querySelectorAll('button').length}, '*');</script>";
    ws.write("probed.html", html.replacen("</body>", &format!("{probe}</body>"), 1));
    let frame = |src: &str| {
        format!(
            "<!doctype html><html><body style=\"margin:0\"><iframe src=\"{src}\" width=\"390\" height=\"1400\" \
             style=\"border:0\"></iframe><script>addEventListener('message', e => {{ \
             document.body.setAttribute('data-width', e.data.width); \
             document.body.setAttribute('data-buttons', e.data.buttons); }});</script></body></html>"
        )
    };
    let measured = ws.write("measure.html", frame("probed.html"));
    let dom =
        crate::api::chromium_run(&chromium, &ws, "390,1400", "--dump-dom", &format!("file://{}", measured.display()))
            .await;
    let width = dom.split("data-width=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("?").to_owned();
    assert_eq!(width, "390", "the page is as wide as the phone, no wider: {dom}");
    assert!(dom.contains("data-buttons=\"3\""), "签收, progress and reply: {dom}");
    let shown = ws.write("phone.html", frame(&url));
    let shot = ws.path("action-390.png");
    crate::api::chromium_run(
        &chromium,
        &ws,
        "390,1400",
        &format!("--screenshot={}", shot.display()),
        &format!("file://{}", shown.display()),
    )
    .await;
    let png = std::fs::read(&shot).expect("screenshot written");
    assert_eq!(&png[1..4], b"PNG");
    assert_eq!(u32::from_be_bytes([png[16], png[17], png[18], png[19]]), 390);
    assert!(png.len() > 20_000, "a page with content, not a blank: {} bytes", png.len());
    crate::api::keep_artefact(&shot, "action-page-390.png");
    app.stop().await;
}

/// The robots carry the links as buttons (DingTalk ActionCard, Feishu interactive card) or as
/// Markdown links (WeCom), and the generic webhook in its data; a link from a group shows the
/// page with what the group saw, no place, content or person in charge.
#[tokio::test(flavor = "multi_thread")]
async fn robots_carry_the_links_and_a_groups_link_shows_only_what_the_group_saw() {
    let receiver = crate::receiver::Receiver::start().await;
    let ws = workspace("", &["hook", "wecom", "dingtalk", "feishu"]);
    let config = std::fs::read_to_string(ws.config_path()).expect("config")
        + &crate::delivery::http_channels(&ws, &receiver, "");
    std::fs::write(ws.config_path(), config).expect("config");
    with_links(&ws);
    let loaded = ws.load();
    let (store, planned) = crate::delivery::planned(&ws, &loaded).await;
    let summary = crate::delivery::drain(&store, &loaded).await;
    assert_eq!((summary.sent, summary.dead), (planned, 0));
    let hits = receiver.hits();
    let now = Utc::now();
    let verified = |link: &str| {
        let token = link.strip_prefix(&format!("{PUBLIC_URL}/a/")).unwrap_or_else(|| panic!("a link: {link}"));
        link::verify(token, &[LINK_KEY.as_bytes()], now).unwrap_or_else(|e| panic!("{link}: {e}"))
    };
    let mut buttons = 0;
    for hit in hits.iter().filter(|h| h.route == "dingtalk") {
        assert_eq!(hit.body["msgtype"], "actionCard", "{}", hit.body);
        let btns = hit.body["actionCard"]["btns"].as_array().expect("buttons");
        for btn in btns {
            let claim = verified(btn["actionURL"].as_str().expect("a URL"));
            assert!(btn["title"].as_str().is_some_and(|t| t.starts_with(&claim.case_no)), "{btn}");
            buttons += 1;
        }
    }
    for hit in hits.iter().filter(|h| h.route == "feishu") {
        let elements = hit.body["card"]["elements"].as_array().expect("elements");
        let actions = elements.iter().find(|e| e["tag"] == "action").expect("a row of buttons");
        for button in actions["actions"].as_array().expect("buttons") {
            verified(button["url"].as_str().expect("a URL"));
        }
    }
    for hit in hits.iter().filter(|h| h.route == "wecom") {
        let text = hit.body["markdown"]["content"].as_str().expect("markdown");
        let found = links_in(text);
        assert!(!found.is_empty(), "{text}");
        for link in found {
            assert!(text.contains(&format!("[签收 / 答复]({link})")), "{text}");
            verified(&link);
        }
    }
    assert!(buttons > 0, "some buttons");
    let group = hits.iter().find(|h| h.route == "webhook").expect("the group webhook");
    let cases = group.body["data"]["cases"].as_array().expect("cases");
    assert!(cases.iter().all(|c| c["link"].as_str().is_some_and(|l| verified(l).case_no == c["case_no"])));
    store.close().await;

    // A link from a group's robot shows the page with what the group saw, nothing more.
    let app = TestApp::spawn(&ws, now, true).await;
    let ding = hits.iter().find(|h| h.route == "dingtalk").expect("dingtalk");
    let link = ding.body["actionCard"]["btns"][0]["actionURL"].as_str().expect("a link").to_owned();
    let case_no = verified(&link).case_no;
    let (status, html) = get(&app, &link).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(&format!("信访件 {case_no}")) && html.contains("id=\"ack-button\""), "{html}");
    let register = std::fs::read_to_string(crate::helpers::repo().join("config/examples/register.csv")).expect("csv");
    let row = register.lines().find(|l| l.starts_with(&format!("{case_no},"))).expect("the case's row");
    let header: Vec<&str> = register.lines().next().expect("header").split(',').collect();
    let cells: Vec<&str> = row.split(',').collect();
    for column in ["村(社区)", "主要诉求", "责任人"] {
        let at = header.iter().position(|h| *h == column).unwrap_or_else(|| panic!("{column} in {header:?}"));
        let value = cells.get(at).copied().unwrap_or("");
        assert!(value.is_empty() || !html.contains(value), "{column} {value} shown to a group's link: {html}");
    }
    app.stop().await;
}

/// 签收 holds the repeat reminders of the case, not its escalation (DESIGN §5.3), on a paused
/// clock: 赵敏 acknowledges two of her overdue cases from Friday's notice — XF2026-034 (already
/// at the last escalation step) and XF2026-037 (7 working days overdue, so 10 by
/// Wednesday: the party secretary's step). On Wednesday, when the 3 working days of the repeat have passed, her reminder
/// repeats the case she did not acknowledge, escalates XF2026-037 regardless, and leaves
/// XF2026-034 out; the 督办 the office recorded on Friday is in her email, and November's
/// report (the monthly screening fired on the 1st) counts the 签收 and the 督办.
#[tokio::test(flavor = "multi_thread")]
async fn an_acknowledged_case_is_not_repeated_but_still_escalates() {
    let (app, ws, claims) = delivered_with_links().await;
    let link_of = |case_no: &str| {
        claims
            .iter()
            .find(|(_, c)| c.person == "zhao-min" && c.case_no == case_no)
            .map(|(link, _)| link.clone())
            .unwrap_or_else(|| panic!("赵敏's link for {case_no} in {claims:?}"))
    };
    for case_no in ["XF2026-034", "XF2026-037"] {
        assert_eq!(post(&app, &link_of(case_no), &[("action", "ack")]).await.0, StatusCode::SEE_OTHER);
    }
    // The office presses 赵敏 on XF2026-011 on Friday: Wednesday's reminder says so.
    let store = open(&app.url).await;
    let supervision = petition_watch::domain::CaseEvent {
        case_no: "XF2026-011".into(),
        kind: EventKind::Supervision,
        at: shanghai(2026, 11, 27, 15, 0),
        by: "zhou-xf".into(),
        text: "请本周内约谈信访人".into(),
        notice: None,
        due_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 4),
        how: None,
        pressed: Some("zhao-min".into()),
    };
    store.record_event(&supervision).await.expect("recorded");
    store.close().await;
    // Wednesday 2026-12-02, 08:30: the third working day after Friday.
    app.clock.set(shanghai(2026, 12, 2, 8, 30));
    let store = open(&app.url).await;
    let wednesday = || async {
        let mut told: BTreeMap<String, String> = BTreeMap::new();
        for case_no in ["XF2026-011", "XF2026-037", "XF2026-034"] {
            for row in store.notices_listing(case_no).await.expect("notices") {
                if row.recipient == "zhao-min" && row.period == "2026-12-02" && row.job == "deadline_watch" {
                    let body: petition_watch::notice::NoticeBody = serde_json::from_str(&row.payload).expect("body");
                    let case = body.cases.iter().find(|c| c.line.case_no == case_no).expect("listed");
                    told.insert(case_no.to_owned(), case.reason.clone());
                }
            }
        }
        told
    };
    let ran = app.until(|| async { !wednesday().await.is_empty() }).await;
    assert!(ran, "Wednesday's watch told 赵敏");
    let told = wednesday().await;
    assert_eq!(told.get("XF2026-011").map(String::as_str), Some("再次提醒"), "not acknowledged: repeated: {told:?}");
    assert_eq!(told.get("XF2026-037").map(String::as_str), Some("升级督办"), "escalated all the same: {told:?}");
    assert!(!told.contains_key("XF2026-034"), "acknowledged and unchanged: not repeated: {told:?}");
    store.close().await;
    let line = "督办：周晓芳于 11-27 督办赵敏，请于 2026-12-04 前办结：请本周内约谈信访人";
    let pressed = app.until(|| async { delivered(&ws).iter().any(|t| t.contains(line)) }).await;
    assert!(pressed, "Wednesday's email carries the 督办");
    // The clock passed the 1st: November's screening report counts the month's 签收 and 督办.
    let report = || delivered(&ws).into_iter().find(|t| t.contains("矛盾纠纷预测排查 2026-11") && t.contains("签收率"));
    assert!(app.until(|| async { report().is_some() }).await, "November's report went out");
    let text = report().unwrap_or_default();
    assert!(text.contains("签收、答复与督办"), "{text}");
    assert!(text.contains("签收率：") && text.contains("（2/"), "赵敏's two 签收: {text}");
    assert!(text.contains("签收用时（中位数）：0.0 个工作小时"), "acknowledged at once: {text}");
    assert!(text.contains("按期答复率：—（无）"), "{text}");
    assert!(
        text.contains("督办：1 件（办理中 1）")
            && text.contains("XF2026-011 督办赵敏（2026-11-27，限 2026-12-04）：办理中"),
        "{text}"
    );
    app.stop().await;
}

/// The texts of the ack watch's reports to the office so far.
async fn ack_reports(url: &str) -> Vec<String> {
    let store = open(url).await;
    let rows = store.list_notices(&petition_watch::store::NoticeFilter::default(), 1000).await.expect("notices");
    store.close().await;
    rows.into_iter()
        .filter(|r| r.job == "ack_watch")
        .map(|r| {
            let body: petition_watch::notice::NoticeBody = serde_json::from_str(&r.payload).expect("body");
            assert_eq!(r.recipient, "zhou-xf", "to the office");
            body.text.unwrap_or_default()
        })
        .collect()
}

/// 未签收 (DESIGN §5.3): Friday's 08:30 notices are due for 签收 by 12:30 (4 working hours); at
/// 12:00 the office hears nothing, at 12:30 it hears of every overdue case not acknowledged —
/// not of the one 赵敏 acknowledged.
#[tokio::test(flavor = "multi_thread")]
async fn the_office_hears_of_overdue_cases_not_acknowledged_within_four_working_hours() {
    let (app, _ws, claims) = delivered_with_links().await;
    let zhao = |case_no: &str| {
        claims.iter().find(|(_, c)| c.person == "zhao-min" && c.case_no == case_no).map(|(l, _)| l.clone())
    };
    let link = zhao("XF2026-034").expect("赵敏's link for XF2026-034");
    assert_eq!(post(&app, &link, &[("action", "ack")]).await.0, StatusCode::SEE_OTHER);
    app.clock.set(shanghai(2026, 11, 27, 12, 0));
    let url = app.url.clone();
    let noon = app.until(|| async { crate::daemon::runs(&url, "ack_watch").await.len() >= 2 }).await;
    assert!(noon, "the 12:00 ack watch ran");
    assert!(ack_reports(&app.url).await.is_empty(), "nothing is due before 12:30");
    app.clock.set(shanghai(2026, 11, 27, 12, 30));
    let told = app.until(|| async { !ack_reports(&url).await.is_empty() }).await;
    assert!(told, "the 12:30 ack watch told the office");
    let reports = ack_reports(&app.url).await;
    assert_eq!(reports.len(), 1, "{reports:?}");
    let text = &reports[0];
    assert!(text.contains("赵敏副镇长 · XF2026-037") && text.contains("应于 11-27 12:30 前签收"), "{text}");
    assert!(text.contains("王建国镇党委书记 · XF2026-034"), "the secretary did not acknowledge it: {text}");
    assert!(!text.contains("赵敏副镇长 · XF2026-034"), "赵敏 acknowledged it: {text}");
    assert!(!text.contains("XF2026-004"), "a case only due soon needs no 签收 in hours: {text}");
    // The status page shows each notice's 签收: 赵敏's has one of its cases acknowledged.
    let page = client().get(format!("{}/", app.address.as_deref().expect("listening"))).send().await.expect("page");
    let html = page.text().await.expect("html");
    assert!(html.contains("<th>签收</th>"), "{html}");
    let zhao_row = html.lines().find(|l| l.contains("<td>赵敏</td>") && l.contains("期限督办")).expect("赵敏's notice");
    assert!(zhao_row.contains("<td class=\"bad\">1（共 "), "{zhao_row}");
    app.stop().await;
}

/// Working hours skip the night and the weekend: with 12 hours allowed, Friday 08:30's notices
/// are due at 11:30 on Monday (9 hours on Friday, 3 on Monday), not on Friday evening or Saturday.
#[tokio::test(flavor = "multi_thread")]
async fn the_ack_watch_counts_only_the_offices_working_hours() {
    let ws = workspace("", &["outbox"]);
    with_links(&ws);
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    std::fs::write(ws.config_path(), text.replacen("ack_working_hours = 4", "ack_working_hours = 12", 1))
        .expect("config");
    let app = daemon_over_the_sample(&ws, shanghai(2026, 11, 27, 8, 29) + chrono::Duration::seconds(59)).await;
    app.clock.advance(chrono::Duration::seconds(1));
    assert!(app.until(|| async { delivered(&ws).iter().any(|t| !links_in(t).is_empty()) }).await);
    let url = app.url.clone();
    for (at, runs) in [(shanghai(2026, 11, 27, 17, 30), 2), (shanghai(2026, 11, 30, 11, 0), 3)] {
        app.clock.set(at);
        let ran = app.until(|| async { crate::daemon::runs(&url, "ack_watch").await.len() >= runs }).await;
        assert!(ran, "the ack watch ran at {at}");
        assert!(ack_reports(&url).await.is_empty(), "not due yet at {at}");
    }
    app.clock.set(shanghai(2026, 11, 30, 11, 30));
    assert!(app.until(|| async { !ack_reports(&url).await.is_empty() }).await, "due on Monday at 11:30");
    let reports = ack_reports(&url).await;
    assert!(reports[0].contains("应于 11-30 11:30 前签收"), "{reports:?}");
    app.stop().await;
}

/// A month of the office's life replayed on a paused clock (DESIGN §5.3): every working day of
/// November 2026 the deadline watch fires at 08:30; 李华 and 赵敏 acknowledge every case of their
/// deadline-watch notices at 09:00 (and what else reached them, the next morning), the others
/// never do. Acknowledged cases stop repeating for them, while the
/// others' cases repeat every third working day; the office hears at 12:30 of the overdue cases
/// left unacknowledged; and the report of 1 December counts the month's 签收.
#[tokio::test(flavor = "multi_thread")]
async fn a_month_replayed_acknowledged_cases_stop_repeating_and_the_report_counts_them() {
    let ws = workspace("", &["outbox"]);
    with_links(&ws);
    let loaded = ws.load();
    let calendar = &loaded.calendar;
    let days: Vec<chrono::NaiveDate> = chrono::NaiveDate::from_ymd_opt(2026, 11, 2)
        .expect("day")
        .iter_days()
        .take_while(|d| d.month() == 11)
        .filter(|d| calendar.is_working_day(*d))
        .collect();
    let app = daemon_over_the_sample(&ws, shanghai(2026, 11, 2, 8, 29)).await;
    let url = app.url.clone();
    let acking = ["li-hua", "zhao-min"];
    // (day, person) → the reasons of the cases they were told that day.
    let mut told: BTreeMap<(chrono::NaiveDate, String), Vec<(String, String)>> = BTreeMap::new();
    let mut seen_links = std::collections::BTreeSet::new();
    for (i, day) in days.iter().enumerate() {
        let at = |h, m| {
            chrono_tz::Asia::Shanghai
                .from_local_datetime(&day.and_hms_opt(h, m, 0).expect("time"))
                .single()
                .expect("instant")
                .with_timezone(&Utc)
        };
        app.clock.set(at(8, 30));
        let ran = app.until(|| async { crate::daemon::runs(&url, "deadline_watch").await.len() > i }).await;
        assert!(ran, "the watch ran on {day}");
        let store = open(&url).await;
        let rows = store.list_notices(&petition_watch::store::NoticeFilter::default(), 1000).await.expect("notices");
        for row in rows.iter().filter(|r| r.job == "deadline_watch" && r.period == day.to_string()) {
            let body: petition_watch::notice::NoticeBody = serde_json::from_str(&row.payload).expect("body");
            let entry = told.entry((*day, row.recipient.clone())).or_default();
            entry.extend(body.cases.iter().map(|c| (c.line.case_no.clone(), c.reason.clone())));
        }
        let delivered_today = app
            .until(|| async {
                let store = open(&url).await;
                let rows = store.list_notices(&petition_watch::store::NoticeFilter::default(), 1000).await;
                store.close().await;
                rows.expect("notices")
                    .iter()
                    .filter(|r| r.job == "deadline_watch" && r.period == day.to_string())
                    .all(|r| r.status != petition_watch::store::NoticeStatus::Pending)
            })
            .await;
        assert!(delivered_today, "{day}'s notices went out");
        store.close().await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        app.clock.set(at(9, 0));
        for text in delivered(&ws) {
            for link in links_in(&text) {
                if !seen_links.insert(link.clone()) {
                    continue;
                }
                let token = link.rsplit('/').next().expect("token");
                let claim = link::verify(token, &[LINK_KEY.as_bytes()], app.clock.now()).expect("verifies");
                if acking.contains(&claim.person.as_str()) {
                    assert_eq!(post(&app, &link, &[("action", "ack")]).await.0, StatusCode::SEE_OTHER);
                }
            }
        }
    }
    // 1 December, 09:00: the monthly screening reports November.
    app.clock.set(shanghai(2026, 12, 1, 9, 0));
    let report = || delivered(&ws).into_iter().find(|t| t.contains("矛盾纠纷预测排查 2026-11") && t.contains("签收率"));
    assert!(app.until(|| async { report().is_some() }).await, "November's report went out");
    let text = report().unwrap_or_default();
    let rate = text.lines().find(|l| l.contains("签收率：")).unwrap_or_default().to_owned();
    let office = ack_reports(&url).await;
    app.stop().await;

    // Who was told what, on which day.
    let repeats = |person: &str| {
        told.iter()
            .filter(|((_, p), _)| p == person)
            .flat_map(|(_, cases)| cases.iter().filter(|(_, why)| why == "再次提醒"))
            .count()
    };
    eprintln!("November replayed over {} working days:", days.len());
    for ((day, person), cases) in &told {
        let list: Vec<String> = cases.iter().map(|(no, why)| format!("{no} {why}")).collect();
        eprintln!("  {day} {person}: {}", list.join("; "));
    }
    eprintln!("  ack-watch reports to the office: {}", office.len());
    for line in text.lines().filter(|l| l.contains("签收") || l.contains("答复率") || l.contains("督办：")) {
        eprintln!("  report: {line}");
    }
    for person in acking {
        assert_eq!(repeats(person), 0, "{person} acknowledged every case: no repeats");
    }
    assert!(repeats("sun-li") + repeats("wang-jianguo") > 0, "the others' cases repeat");
    assert!(!office.is_empty(), "the office heard of cases left unacknowledged");
    // Theirs only for the intake watch's 09:00 notices, which they opened the next morning.
    let theirs: Vec<&str> = office
        .iter()
        .flat_map(|t| t.lines())
        .filter(|l| l.contains("李华镇长 ·") || l.contains("赵敏副镇长 ·"))
        .collect();
    assert!(theirs.iter().all(|l| l.contains("新收信访事项提醒")), "{theirs:?}");
    assert!(rate.contains('%') && !rate.contains("100%"), "some but not all acknowledged: {rate}");
}

/// A report's summary in a group chat links to the report as a page (DESIGN §5.3's links, for
/// reports): the monthly screening's summary, written as the group's JSON, carries
/// `{public_url}/r/{token}`; the page shows the summary and its chart; an altered link gets 403.
#[tokio::test(flavor = "multi_thread")]
async fn a_report_summary_in_a_group_chat_links_to_the_report_as_a_page() {
    let ws = workspace("", &["outbox"]);
    with_links(&ws);
    let group_dir = ws.path("group");
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    // The leading group's summaries go to a group channel written as JSON.
    let at = text.find("[leading_group]").expect("section");
    let (head, tail) = text.split_at(at);
    let text = format!("{head}{}", tail.replacen("channels = [\"outbox\"]", "channels = [\"group-json\"]", 1));
    let text = format!(
        "{text}\n[channels.group-json]\nkind = \"file\"\ngroup = true\nformat = \"json\"\ndir = {:?}\n",
        group_dir.display().to_string()
    );
    std::fs::write(ws.config_path(), text).expect("config");
    // Tuesday 2026-12-01, 08:59:59: the monthly screening fires at 09:00.
    let app = daemon_over_the_sample(&ws, shanghai(2026, 12, 1, 8, 59) + chrono::Duration::seconds(59)).await;
    app.clock.advance(chrono::Duration::seconds(1));
    let summaries = || {
        std::fs::read_dir(&group_dir)
            .map(|d| {
                d.filter_map(Result::ok).filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let arrived = app.until(|| async { summaries().iter().any(|t| t.contains("/r/")) }).await;
    assert!(arrived, "the group's summary arrived with its link: {:?}", summaries());
    let summary = summaries().into_iter().find(|t| t.contains("/r/")).expect("a summary");
    assert!(!summary.contains("明细见附件表格"), "{summary}");
    let prefix = format!("{PUBLIC_URL}/r/");
    let at = summary.find(&prefix).expect("link");
    let tail = &summary[at + prefix.len()..];
    let end = tail.find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c))).unwrap_or(tail.len());
    let link = format!("{prefix}{}", &tail[..end]);
    let (status, html) = get(&app, &link).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("近六个月各类情形件数") && html.contains("矛盾纠纷预测排查"), "{html}");
    let mut altered = link.clone();
    altered.pop();
    altered.push(if link.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(get(&app, &altered).await.0, StatusCode::FORBIDDEN);
    app.stop().await;
}
