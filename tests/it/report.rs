//! The supervision digest on the sample register: written as XLSX through the binary, read
//! back with calamine cell by cell, its totals cross-checked against the register itself.

use calamine::{Data, DataType, Reader, Xlsx, open_workbook};

use crate::helpers::{Workspace, repo};

#[test]
fn the_quarterly_digest_workbook_adds_up_and_matches_the_register() {
    let ws = Workspace::new();
    let register = repo().join("config/examples/register.csv");
    assert_eq!(ws.run(&["import", &register.display().to_string()]).code, 0);
    let out = ws.run(&["report", "quarterly", "--period", "2026Q3", "--out", "q3.xlsx"]);
    assert_eq!(out.code, 0, "{out:?}");

    // Independently: the register's cases received in 2026-07-01..2026-09-30, by village.
    let text = std::fs::read_to_string(&register).expect("register");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut by_village: std::collections::BTreeMap<String, usize> = Default::default();
    for row in reader.records() {
        let row = row.expect("row");
        let received = petition_watch::domain::parse_date(&row[1]).expect("date");
        if received >= chrono::NaiveDate::from_ymd_opt(2026, 7, 1).expect("d")
            && received <= chrono::NaiveDate::from_ymd_opt(2026, 9, 30).expect("d")
        {
            *by_village.entry(row[7].to_owned()).or_default() += 1;
        }
    }
    let received: usize = by_village.values().sum();
    assert!(received > 0);
    assert!(out.stdout.contains(&format!("{received} cases received")), "{}", out.stdout);

    let mut book: Xlsx<_> = open_workbook(ws.path("q3.xlsx")).expect("workbook");
    assert_eq!(book.sheet_names(), ["概况", "超期与临期", "办结情况", "责任追究", "案件清单"]);
    let summary = book.worksheet_range("概况").expect("summary");
    let rows: Vec<Vec<Data>> = summary.rows().map(<[Data]>::to_vec).collect();
    let text = |d: &Data| d.to_string();
    assert!(text(&rows[0][0]).contains("2026Q3：2026-07-01 至 2026-09-30"), "{:?}", rows[0]);
    // The village table: its rows add up to the cases received, and match the register.
    let start = rows.iter().position(|r| text(&r[0]) == "按村（社区）").expect("village table");
    assert_eq!(text(&rows[start][1]), "2026Q3");
    let mut sum = 0;
    for row in rows[start + 1..].iter().take_while(|r| !text(&r[0]).is_empty()) {
        let n = row[1].get_float().expect("a number") as usize;
        sum += n;
        assert_eq!(by_village.get(&text(&row[0])).copied(), Some(n), "{}", text(&row[0]));
    }
    assert_eq!(sum, received, "per-village counts add up to the total");
    // The first table's header and its one row are both named 收到信访件: the row is the second.
    let total = rows.iter().filter(|r| text(&r[0]) == "收到信访件").nth(1).expect("total row");
    assert_eq!(total[1].get_float(), Some(received as f64));

    // The case list: one row per case received, dates as dates, frozen header.
    let list = book.worksheet_range("案件清单").expect("cases");
    assert_eq!(list.height() - 1, received);
    assert_eq!(text(&list.rows().next().expect("header")[0]), "信访件编号");
    let first = list.rows().nth(1).expect("a case");
    assert!(matches!(first[1], Data::DateTime(_)), "received date is an Excel date: {:?}", first[1]);

    // Accountability: per unit, no more flagged cases than cases.
    let units = book.worksheet_range("责任追究").expect("units");
    let unit_total: f64 = units.rows().skip(1).map(|r| r[1].get_float().unwrap_or(0.0)).sum();
    assert_eq!(unit_total as usize, received, "every received case is counted under one unit");

    let md = ws.run(&["report", "quarterly", "--period", "2026Q3", "--out", "q3.md"]);
    assert_eq!(md.code, 0, "{md:?}");
    let summary = std::fs::read_to_string(ws.path("q3.md")).expect("markdown");
    assert!(summary.contains(&format!("收到信访件 {received} 件")), "{summary}");
    let wrong = ws.run(&["report", "monthly", "--period", "2026Q3", "--out", "x.xlsx"]);
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("the monthly report needs a month like 2026-10"), "{}", wrong.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_quarterly_job_mails_the_digest_with_its_workbook_and_posts_the_summary_to_chat() {
    use crate::delivery::{http_channels, smtp_channel, workspace};
    use base64::Engine;
    let server = crate::smtp_server::SmtpServer::start().await;
    let receiver = crate::receiver::Receiver::start().await;
    let ws = workspace("", &["mail"]);
    let config = std::fs::read_to_string(ws.config_path()).expect("config")
        + &smtp_channel(&ws, &server, "")
        + &http_channels(&ws, &receiver, "");
    // The leading group's summary goes to the WeCom group.
    let config = config.replacen("channels = [\"outbox\"]", "channels = [\"wecom\"]", 1);
    std::fs::write(ws.config_path(), config).expect("config");
    let loaded = ws.load();
    assert_eq!(loaded.config.leading_group.channels, ["wecom"]);
    let store = crate::helpers::open(&loaded.config.database.url).await;
    let options = petition_watch::import::ImportOptions::from_config(&loaded.config, false, false);
    let register = repo().join("config/examples/register.csv");
    petition_watch::import::import_file(
        &register,
        Some(&store),
        &loaded.settings.rules.directory,
        options,
        chrono::Utc::now(),
    )
    .await;
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 10, 8).expect("date");
    let now = chrono::Utc::now();
    let run = petition_watch::jobs::run(
        &store,
        &loaded,
        petition_watch::plan::Job::QuarterlySupervision,
        as_of,
        now,
        now,
        false,
    )
    .await
    .expect("runs");
    let members = loaded.config.leading_group.members.len();
    assert_eq!(run.enqueued, members + 1, "each member by mail, the group on WeCom");
    let deliverer =
        std::sync::Arc::new(petition_watch::delivery::Deliverer::new(store.clone(), &loaded).expect("deliverer"));
    let summary = deliverer.drain(std::sync::Arc::new(petition_watch::clock::SystemClock)).await.expect("drain");
    assert_eq!((summary.sent, summary.dead), (members + 1, 0));

    let mails = server.received();
    assert_eq!(mails.len(), members);
    let mail = &mails[0].data;
    assert!(mail.contains("multipart/mixed") && mail.contains("filename=\"supervision-2026Q3.xlsx\""), "{mail}");
    // The trend chart is HTML inside the message, not an image: no picture part.
    assert!(!mail.contains("Content-Type: image/png"), "{mail}");
    let html_at = mail.find("Content-Type: text/html").expect("html part");
    let html_part = &mail[html_at..];
    let html_body = &html_part[html_part.find("\r\n\r\n").expect("part body") + 4..];
    let html_b64: String = html_body.lines().take_while(|l| !l.starts_with("--") && !l.is_empty()).collect();
    let html = if html_part
        .starts_with("Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable")
    {
        let end = html_body.find("\r\n--").unwrap_or(html_body.len());
        quoted_printable(&html_body[..end])
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(html_b64.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .unwrap_or_default()
    };
    assert!(
        html.contains("class=\"trend\"") && html.contains("近六个月各类情形件数") && html.contains("9月</th>"),
        "{html}"
    );
    assert!(html.contains("明细见附件表格 supervision-2026Q3.xlsx。"), "the email names its real attachment: {html}");
    // The attachment is the workbook: decode it and open it.
    let start = mail.find("filename=\"supervision-2026Q3.xlsx\"").expect("attachment");
    let body = &mail[start..];
    let body = &body[body.find("\r\n\r\n").expect("part body") + 4..];
    let encoded: String = body.lines().take_while(|l| !l.starts_with("--") && !l.is_empty()).collect();
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).expect("base64 workbook");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("an XLSX workbook");
    assert_eq!(book.sheet_names()[0], "概况");
    assert!(book.worksheet_range("案件清单").expect("cases").height() > 1);

    // Recusal (DESIGN §3): 孙丽 must recuse from XF2026-017; her copy lists it nowhere, 李华's does.
    let workbook_of = |address: &str| {
        let mail = &mails.iter().find(|m| m.to.iter().any(|t| t == address)).expect("a mail").data;
        let start = mail.find("filename=\"supervision-2026Q3.xlsx\"").expect("attachment");
        let body = &mail[start..];
        let body = &body[body.find("\r\n\r\n").expect("part body") + 4..];
        let encoded: String = body.lines().take_while(|l| !l.starts_with("--") && !l.is_empty()).collect();
        let bytes = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).expect("base64");
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("xlsx");
        let mut text = String::new();
        for name in book.sheet_names() {
            for row in book.worksheet_range(&name).expect("sheet").rows() {
                for cell in row {
                    text.push_str(&cell.to_string());
                    text.push('\t');
                }
            }
        }
        text
    };
    assert!(workbook_of("lihua@example.gov.cn").contains("XF2026-017"));
    assert!(!workbook_of("sunli@example.gov.cn").contains("XF2026-017"), "孙丽 must not see the case she recuses from");

    let hits = receiver.hits();
    assert_eq!(hits.len(), 1);
    let markdown = hits[0].body["markdown"]["content"].as_str().expect("markdown");
    assert!(markdown.contains("信访工作督查 2026Q3"), "{markdown}");
    store.close().await;
}

#[test]
fn the_monthly_screening_report_lists_each_flag_and_masks_the_petitioners() {
    let ws = Workspace::new();
    let register = repo().join("config/examples/register.csv");
    assert_eq!(ws.run(&["import", &register.display().to_string()]).code, 0);
    let out = ws.run(&["report", "monthly", "--period", "2026-10", "--out", "m.xlsx"]);
    assert_eq!(out.code, 0, "{out:?}");
    let mut book: Xlsx<_> = open_workbook(ws.path("m.xlsx")).expect("workbook");
    let names = book.sheet_names();
    assert_eq!(names[0], "概况");
    assert_eq!(
        names,
        ["概况", "各类情形明细", "重复信访人", "苗头分布", "包案未落实明细"],
        "few sheets, lists grouped"
    );
    // Each flag's count on the summary sheet is the number of its rows on the grouped sheet.
    let summary: Vec<Vec<Data>> = book.worksheet_range("概况").expect("summary").rows().map(<[Data]>::to_vec).collect();
    let grouped = book.worksheet_range("各类情形明细").expect("grouped");
    let mut checked = 0;
    for row in summary.iter().skip(3) {
        let (name, count) = (row[0].to_string(), row[1].get_float());
        let Some(count) = count else { continue };
        if ["本期新增", "上期结转"].contains(&name.as_str()) {
            continue;
        }
        let rows = grouped.rows().skip(1).filter(|r| r[0].to_string() == name).count();
        assert_eq!(rows, count as usize, "{name}");
        checked += 1;
    }
    assert!(checked >= 5, "{checked} flags checked");
    // Most urgent first, the labels last.
    let order: Vec<String> = grouped.rows().skip(1).map(|r| r[0].to_string()).collect();
    let first_label = order.iter().position(|f| f == "初信初访" || f == "署名信访").expect("labels");
    assert!(order[first_label..].iter().all(|f| f == "初信初访" || f == "署名信访"), "{order:?}");
    // Repeat petitioners are listed masked: no full name of the register appears.
    let petitioners = book.worksheet_range("重复信访人").expect("petitioners");
    assert!(petitioners.height() > 1);
    let text = std::fs::read_to_string(&register).expect("register");
    let names: Vec<String> = text.lines().skip(1).filter_map(|l| l.split(',').nth(4).map(str::to_owned)).collect();
    for row in petitioners.rows().skip(1) {
        let shown = row[0].to_string();
        assert!(shown.contains('*'), "{shown}");
        assert!(!names.contains(&shown));
    }
    // The HTML the leading group's email shows carries the trend chart.
    assert_eq!(ws.run(&["report", "monthly", "--period", "2026-10", "--out", "m.html"]).code, 0);
    let html = std::fs::read_to_string(ws.path("m.html")).expect("html");
    assert!(
        html.contains("class=\"trend\"") && html.contains("近六个月各类情形件数") && html.contains("10月</th>"),
        "{html}"
    );
    // Cases lacking an owner, responsible person or deadline say what is missing.
    let unassigned = book.worksheet_range("包案未落实明细").expect("unassigned");
    assert!(
        unassigned
            .rows()
            .skip(1)
            .all(|r| ["包案领导", "责任人", "包案期限"].iter().any(|m| r[0].to_string().contains(m)))
    );
}

#[test]
fn the_annual_assessment_carries_the_veto_rules_figures_per_unit() {
    let ws = Workspace::new();
    let register = repo().join("config/examples/register.csv");
    assert_eq!(ws.run(&["import", &register.display().to_string()]).code, 0);
    let out = ws.run(&["report", "annual", "--period", "2026", "--out", "y.xlsx"]);
    assert_eq!(out.code, 0, "{out:?}");
    let overdue: usize = out
        .stdout
        .split(", ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("figures in {}", out.stdout));
    let mut book: Xlsx<_> = open_workbook(ws.path("y.xlsx")).expect("workbook");
    let units = book.worksheet_range("责任追究").expect("units");
    let header: Vec<String> = units.rows().next().expect("header").iter().map(|d| d.to_string()).collect();
    assert_eq!(
        header,
        ["责任单位", "收到信访件", "重复信访", "越级访", "集体访", "集体越级访", "超期办结", "期末超期未结"]
    );
    let column = |i: usize| units.rows().skip(1).map(|r| r[i].get_float().unwrap_or(0.0) as usize).sum::<usize>();
    assert_eq!(column(7), overdue, "every open overdue case is some unit's");
    assert!(column(5) <= column(4).min(column(3)), "collective skip-level cases are both");
    // A period that has not ended is reported up to today and says so, never as if it were over.
    let next = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let out = ws.run(&["report", "annual", "--period", &next.format("%Y").to_string(), "--out", "now.md"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(&format!("截至 {next}，期间未结束，数据为临时")) && out.stdout.contains("provisional"),
        "{}",
        out.stdout
    );
    let md = std::fs::read_to_string(ws.path("now.md")).expect("md");
    assert!(md.contains(&format!("截至 {next}")), "{md}");
    let later = (next.format("%Y").to_string().parse::<i32>().expect("year") + 2).to_string();
    let refused = ws.run(&["report", "annual", "--period", &later, "--out", "later.md"]);
    assert!(refused.code != 0 && refused.stderr.contains("has not begun"), "{refused:?}");
    let wrong = ws.run(&["report", "annual", "--period", "2026Q1", "--out", "y.xlsx"]);
    assert!(wrong.stderr.contains("the annual report needs a year like 2026"), "{}", wrong.stderr);
}

#[test]
fn the_sweep_report_lists_the_open_flagged_cases_before_the_holiday() {
    let ws = Workspace::new();
    let register = repo().join("config/examples/register.csv");
    assert_eq!(ws.run(&["import", &register.display().to_string()]).code, 0);
    let out = ws.run(&["report", "sweep", "--period", "国庆节", "--out", "s.xlsx"]);
    assert_eq!(out.code, 0, "{out:?}");
    // Today is after 2026's sweep (Sep 10): that one is shown.
    assert!(out.stdout.contains("国庆节 (2026-10-01), swept 2026-09-10"), "{}", out.stdout);
    let count: usize =
        out.stdout.rsplit(": ").next().and_then(|s| s.split(' ').next()).and_then(|n| n.parse().ok()).expect("count");
    let mut book: Xlsx<_> = open_workbook(ws.path("s.xlsx")).expect("workbook");
    let sheet = book.worksheet_range("排查清单").expect("sheet");
    assert_eq!(sheet.height() - 1, count);
    assert!(sheet.rows().skip(1).all(|r| r[8] != "已办结"), "open cases only");
    let unknown = ws.run(&["report", "sweep", "--period", "元宵", "--out", "s.xlsx"]);
    assert_eq!(unknown.code, 1);
    assert!(unknown.stderr.contains("no holiday or event of that name"), "{}", unknown.stderr);
}

/// Compares `actual` with the golden file `tests/golden/NAME`; `PETITION_WATCH_UPDATE_GOLDEN=1`
/// rewrites it (review the diff before committing).
fn golden(name: &str, actual: &str) {
    let path = repo().join("tests/golden").join(name);
    if std::env::var("PETITION_WATCH_UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(actual, expected, "{} differs (PETITION_WATCH_UPDATE_GOLDEN=1 rewrites it)", path.display());
}

#[test]
fn the_report_summaries_of_the_sample_register_match_their_golden_files() {
    let ws = Workspace::new();
    let register = repo().join("config/examples/register.csv");
    assert_eq!(ws.run(&["import", &register.display().to_string()]).code, 0);
    for (kind, period, file) in [
        ("quarterly", "2026Q3", "digest-2026Q3.md"),
        ("monthly", "2026-10", "screening-2026-10.md"),
        ("annual", "2025", "annual-2025.md"),
    ] {
        let out = ws.run(&["report", kind, "--period", period, "--out", file]);
        assert_eq!(out.code, 0, "{out:?}");
        golden(file, &std::fs::read_to_string(ws.path(file)).expect("summary"));
    }
}

#[test]
fn a_large_monthly_report_is_streamed_and_still_lists_every_case() {
    // More cases than a sheet holds in memory (STREAMED_ROWS): the grouped flag sheet is written
    // row by row through a temporary file and must still carry every case, dates as dates.
    let ws = Workspace::new();
    let n = petition_watch::render::report::STREAMED_ROWS + 700;
    let mut csv = String::from("case_no,received_on,village,category,owner_leader\n");
    for i in 0..n {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).expect("d") + chrono::Days::new((i % 50) as u64);
        csv.push_str(&format!("XF{i:06},{day},第{}村,征地拆迁,li-hua\n", i % 7));
    }
    std::fs::write(ws.path("big.csv"), csv).expect("csv");
    assert_eq!(ws.run(&["import", "big.csv"]).code, 0);
    let out = ws.run(&["report", "monthly", "--period", "2026-10", "--out", "big.xlsx"]);
    assert_eq!(out.code, 0, "{out:?}");
    let mut book: Xlsx<_> = open_workbook(ws.path("big.xlsx")).expect("workbook");
    let summary: Vec<Vec<Data>> = book.worksheet_range("概况").expect("summary").rows().map(<[Data]>::to_vec).collect();
    let signed = summary.iter().find(|r| r[0] == "署名信访").expect("署名信访 on the summary");
    assert_eq!(signed[1].get_float(), Some(n as f64));
    let sheet = book.worksheet_range("各类情形明细").expect("sheet");
    let signed: Vec<&[Data]> = sheet.rows().skip(1).filter(|r| r[0] == "署名信访").collect();
    assert_eq!(signed.len(), n);
    let mut listed: Vec<String> = signed.iter().map(|r| r[2].to_string()).collect();
    listed.sort();
    let expected: Vec<String> = (0..n).map(|i| format!("XF{i:06}")).collect();
    assert_eq!(listed, expected);
    let first = signed[0];
    assert_eq!(first[1].to_string(), "li-hua");
    assert!(first[3].as_date().is_some(), "received as a date: {:?}", first[3]);
    // Every case lacks a responsible person and a deadline.
    let unassigned = book.worksheet_range("包案未落实明细").expect("unassigned");
    assert_eq!(unassigned.height(), n + 1);
    assert!(unassigned.rows().skip(1).all(|r| r[0] == "责任人、包案期限"));
}

/// A quoted-printable body decoded (soft line breaks joined, `=XX` bytes read).
fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Some(byte) =
                std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
