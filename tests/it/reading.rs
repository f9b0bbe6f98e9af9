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
