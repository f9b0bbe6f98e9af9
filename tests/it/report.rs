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
