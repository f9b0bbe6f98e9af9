//! Alerts in time (DESIGN §2.3, §5.1): replayed with `simulate --format json` over registers
//! written to match the rule book's paragraphs — who receives which case on which day.

use serde_json::Value;

use crate::helpers::Workspace;

const HEADER: &str = "信访件编号,收到日期,信访人,证件号码,问题类别,人数,受理日期,延期天数,包案领导,包案期限,信访来源,走访层级,有权处理层级";

fn workspace(rows: &[&str]) -> Workspace {
    let ws = Workspace::new();
    let mut text = String::from(HEADER);
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text.push('\n');
    let file = ws.write("register.csv", text);
    let out = ws.run(&["import", file.to_str().expect("path")]);
    assert_eq!(out.code, 0, "{out:?}");
    ws
}

fn simulate(ws: &Workspace, from: &str, to: &str) -> Value {
    let out = ws.run(&["simulate", "--from", from, "--to", to, "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    serde_json::from_str(&out.stdout).expect("simulate json")
}

/// (time, job, recipient, case numbers) of every notice with cases, in order.
fn told(sim: &Value) -> Vec<(String, String, String, Vec<String>)> {
    let mut out = Vec::new();
    for firing in sim["firings"].as_array().expect("firings") {
        for notice in firing["notices"].as_array().expect("notices") {
            let cases: Vec<String> = notice["cases"]
                .as_array()
                .expect("cases")
                .iter()
                .map(|c| c["case_no"].as_str().expect("case_no").to_owned())
                .collect();
            if cases.is_empty() || notice["channel"] != "outbox" {
                continue;
            }
            out.push((
                firing["at"].as_str().expect("at").to_owned(),
                firing["job"].as_str().expect("job").to_owned(),
                notice["recipient"].as_str().expect("recipient").to_owned(),
                cases,
            ));
        }
    }
    out
}

#[test]
fn the_monthly_list_names_every_flagged_case_whatever_the_watch_sent_that_morning() {
    // 赵敏 owns four flagged cases on 2026-04-01: three overdue (the 08:30 watch reminds her of
    // them), one a repeat petition on time. The 09:00 monthly screening lists all four.
    let ws = workspace(&[
        "M1,2026-01-05,张一,110105194912310011,劳动社保,1,2026-01-06,,赵敏,,,,",
        "M2,2026-01-06,张二,110105194912310022,劳动社保,1,2026-01-07,,赵敏,,,,",
        "M0,2025-06-01,张三,110105194912310033,民政救助,1,2025-06-02,,赵敏,,,,",
        "M3,2026-03-20,张三,110105194912310033,民政救助,1,2026-03-23,,赵敏,2026-06-30,,,",
    ]);
    let sim = simulate(&ws, "2026-04-01", "2026-04-01");
    let to_zhao: Vec<(String, Vec<String>)> = told(&sim)
        .into_iter()
        .filter(|(_, _, who, _)| who == "zhao-min")
        .map(|(_, job, _, cases)| (job, cases))
        .collect();
    let watch = to_zhao.iter().find(|(job, _)| job == "deadline_watch").expect("the watch reminded her");
    let mut watched = watch.1.clone();
    watched.sort();
    assert_eq!(watched, ["M0", "M1", "M2"]);
    let monthly = to_zhao.iter().find(|(job, _)| job == "monthly_screening").expect("the monthly list");
    let mut listed = monthly.1.clone();
    listed.sort();
    assert_eq!(listed, ["M0", "M1", "M2", "M3"], "{sim}");
}

#[test]
fn simulate_prints_each_notice_with_its_recipient_channel_and_the_flags_it_reports() {
    let ws = workspace(&["S1,2026-01-05,张一,110105194912310011,劳动社保,1,2026-01-06,,赵敏,,,,"]);
    let sim = simulate(&ws, "2026-03-09", "2026-03-09");
    assert_eq!(sim["from"], "2026-03-09");
    assert_eq!(sim["to"], "2026-03-09");
    let watch = sim["firings"]
        .as_array()
        .expect("firings")
        .iter()
        .find(|f| f["job"] == "deadline_watch")
        .expect("the watch fires on a working Monday");
    assert_eq!(watch["at"], "2026-03-09T08:30:00+08:00");
    let notice = watch["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .find(|n| n["recipient"] == "zhao-min" && n["channel"] == "outbox")
        .expect("to the owner");
    // The watch reports the deadline flags only, sorted by name.
    assert_eq!(notice["cases"], serde_json::json!([{"case_no": "S1", "flags": ["overdue"]}]));
}
