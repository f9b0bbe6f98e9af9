//! What leaders read, read as they read it: every kind of notice rendered by the built-in
//! templates and opened in headless Chromium at a phone's width (390 px) and a desk's
//! (1280 px). Nothing may be wider than the window, every case must be there, and the
//! screenshots are kept (`target/tmp/screenshots/notice-*.png`).

use petition_watch::notice::NoticeBody;
use petition_watch::render::message::{Templates, samples};

use crate::api::{chromium, keep_artefact};
use crate::browser::Browser;

/// The samples, and a deadline watch of ten cases with long text, as an office's busy day.
fn notices() -> Vec<(String, NoticeBody)> {
    let mut all: Vec<(String, NoticeBody)> = samples()
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let kind = serde_json::to_value(body.kind).ok().and_then(|v| v.as_str().map(str::to_owned));
            (format!("{}-{i}", kind.unwrap_or_default()), body)
        })
        .collect();
    let mut busy = all[0].1.clone();
    let model = busy.cases[0].clone();
    busy.cases = (1..=10)
        .map(|i| {
            let mut c = model.clone();
            c.line.case_no = format!("XF2026-1{i:02}");
            c.line.summary = Some(
                "反映东湖村二组征地补偿款未足额发放，多次到镇、县反映未果，要求按2024年标准补足并公开分配明细"
                    .repeat(2),
            );
            c
        })
        .collect();
    all.push(("busy".into(), busy));
    all
}

#[tokio::test(flavor = "multi_thread")]
async fn every_notice_reads_on_a_phone_without_zooming_and_on_a_desk() {
    let Some(chromium) = chromium() else { return };
    let templates = Templates::built_in();
    let dir = tempfile::tempdir().expect("dir");
    for (width, height, label) in [(390, 844, "390"), (1280, 900, "1280")] {
        let mut browser = Browser::launch(&chromium, dir.path(), width, height).await;
        for (name, body) in notices() {
            let email = templates.email(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
            let file = dir.path().join(format!("{name}.html"));
            std::fs::write(&file, &email.html).expect("html");
            browser.goto(&format!("file://{}", file.display())).await;
            // A page without a phone viewport is laid out 980 px wide and shrunk: unreadable
            // without zooming even though nothing overflows.
            let laid_out = browser.eval("window.innerWidth").await;
            assert_eq!(laid_out.as_i64(), Some(i64::from(width)), "{name} is laid out for a phone's width");
            assert_eq!(browser.overflow().await, 0, "{name} is wider than {width} px");
            let text = browser.eval("document.body.innerText").await;
            let text = text.as_str().expect("text");
            for case in &body.cases {
                assert!(text.contains(&case.line.case_no), "{name} at {width} px lacks {}", case.line.case_no);
                if let Some(deadline) = &case.line.deadline {
                    let line = format!("{} {}：", deadline.name, deadline.due);
                    assert!(text.contains(&line), "{name}: what is due and by when, on one line: {line}");
                }
            }
            // No word squeezed into a column a character or two wide: every block is as wide as
            // the text column.
            let narrowest = browser
                .eval("Math.min(...[...document.querySelectorAll('.case')].map(e => e.getBoundingClientRect().width), 1e9)")
                .await;
            assert!(narrowest.as_f64().is_some_and(|w| w >= f64::from(width.min(680)) - 40.0), "{name}: {narrowest}");
            let shot = dir.path().join(format!("notice-{name}-{label}.png"));
            browser.screenshot(&shot).await;
            keep_artefact(&shot, &format!("notice-{name}-{label}.png"));
        }
    }
}

/// The reports' HTML (what the leading group's email shows, `report --out FILE.html`) reads on a
/// phone too: laid out at its width, nothing wider, the chart with its months and counts.
#[tokio::test(flavor = "multi_thread")]
async fn every_report_reads_on_a_phone_without_zooming_and_on_a_desk() {
    let Some(chromium) = chromium() else { return };
    let ws = crate::helpers::Workspace::new();
    let register = crate::helpers::repo().join("config/examples/register.csv");
    assert_eq!(ws.run(&["import", &register.display().to_string()]).code, 0);
    let reports = [("monthly", "2026-10", "10月"), ("quarterly", "2026Q3", "9月"), ("sweep", "国庆节", "")];
    for (kind, period, _) in reports {
        let out = ws.run(&["report", kind, "--period", period, "--out", &format!("{kind}.html")]);
        assert_eq!(out.code, 0, "{out:?}");
    }
    let dir = tempfile::tempdir().expect("dir");
    for (width, height, label) in [(390, 844, "390"), (1280, 900, "1280")] {
        let mut browser = Browser::launch(&chromium, dir.path(), width, height).await;
        for (kind, _, month) in reports {
            browser.goto(&format!("file://{}", ws.path(&format!("{kind}.html")).display())).await;
            let laid_out = browser.eval("window.innerWidth").await;
            assert_eq!(laid_out.as_i64(), Some(i64::from(width)), "{kind} is laid out for the window's width");
            assert_eq!(browser.overflow().await, 0, "{kind} is wider than {width} px");
            let text = browser.eval("document.body.innerText").await;
            let text = text.as_str().expect("text");
            assert!(!text.contains("明细见附件表格") || text.contains(".xlsx"), "{kind}: {text}");
            if !month.is_empty() {
                assert!(
                    text.contains("近六个月各类情形件数") && text.contains(month),
                    "{kind}: the chart's months: {text}"
                );
            }
            let shot = dir.path().join(format!("report-{kind}-{label}.png"));
            browser.screenshot(&shot).await;
            keep_artefact(&shot, &format!("report-{kind}-{label}.png"));
        }
    }
}

/// The reports' workbooks as Excel shows and prints them, read from their XML: every sheet
/// prints A4 landscape one page wide with page numbers; list sheets keep their header row in
/// view and on every printed page; columns are wide enough for their Chinese headers.
#[test]
fn every_report_workbook_prints_as_it_comes() {
    use std::io::Read as _;
    let ws = crate::helpers::Workspace::new();
    let register = crate::helpers::repo().join("config/examples/register.csv");
    assert_eq!(ws.run(&["import", &register.display().to_string()]).code, 0);
    for (kind, period) in [("monthly", "2026-10"), ("quarterly", "2026Q3"), ("sweep", "国庆节")] {
        let out = ws.run(&["report", kind, "--period", period, "--out", &format!("{kind}.xlsx")]);
        assert_eq!(out.code, 0, "{out:?}");
        let file = std::fs::File::open(ws.path(&format!("{kind}.xlsx"))).expect("workbook");
        let mut zip = zip::ZipArchive::new(file).expect("a zip");
        let mut read = |name: &str| {
            let mut text = String::new();
            zip.by_name(name).expect(name).read_to_string(&mut text).expect("utf-8");
            text
        };
        let workbook = read("xl/workbook.xml");
        let sheets: Vec<String> =
            workbook.split("<sheet name=\"").skip(1).filter_map(|s| s.split('"').next().map(str::to_owned)).collect();
        assert!(!sheets.is_empty());
        if kind != "sweep" {
            assert_eq!(sheets[0], "概况", "{kind}: the summary sheet first: {sheets:?}");
        }
        for (i, name) in sheets.iter().enumerate() {
            let xml = read(&format!("xl/worksheets/sheet{}.xml", i + 1));
            assert!(xml.contains("orientation=\"landscape\"") && xml.contains("paperSize=\"9\""), "{kind}/{name}");
            assert!(
                xml.contains("<pageSetUpPr fitToPage=\"1\"/>") && xml.contains("fitToHeight=\"0\""),
                "{kind}/{name}"
            );
            assert!(xml.contains("第 &amp;P 页 / 共 &amp;N 页"), "{kind}/{name}: page numbers");
            if name != "概况" {
                assert!(xml.contains("ySplit=\"1\""), "{kind}/{name}: the header row stays in view");
                assert!(
                    workbook.contains(&format!("'{name}'!$1:$1")) || workbook.contains(&format!("{name}!$1:$1")),
                    "{kind}/{name}: the header row on every printed page"
                );
                // Each column at least as wide as its header, a Chinese character counted double
                // (rust_xlsxwriter's autofit counts it single and cuts 村（社区） off).
                let mut widths = std::collections::HashMap::new();
                for col in xml.split("<col ").skip(1) {
                    let attr = |key: &str| col.split(&format!("{key}=\"")).nth(1)?.split('"').next().map(str::to_owned);
                    let (Some(min), Some(max), Some(width)) = (attr("min"), attr("max"), attr("width")) else {
                        continue;
                    };
                    let (min, max): (usize, usize) = (min.parse().expect("min"), max.parse().expect("max"));
                    for c in min..=max {
                        widths.insert(c, width.parse::<f64>().expect("width"));
                    }
                }
                let mut book: calamine::Xlsx<_> =
                    calamine::open_workbook(ws.path(&format!("{kind}.xlsx"))).expect("workbook");
                use calamine::Reader as _;
                let range = book.worksheet_range(name).expect("sheet");
                let header: Vec<String> =
                    range.rows().next().map(|r| r.iter().map(|c| c.to_string()).collect()).unwrap_or_default();
                for (j, title) in header.iter().enumerate() {
                    let wide: f64 = title.chars().map(|c| if (c as u32) >= 0x1100 { 2.0 } else { 1.0 }).sum();
                    let width = widths.get(&(j + 1)).copied().unwrap_or(8.43);
                    assert!(width >= wide, "{kind}/{name}: column {title} is {width} wide, its header needs {wide}");
                }
            }
        }
    }
}
