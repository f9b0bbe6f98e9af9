use std::sync::Arc;

use chrono::NaiveDate;

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn case(no: &str, flags: &[&str]) -> CaseRef {
    CaseRef {
        case_no: no.into(),
        received_on: day(2026, 10, 9),
        village: "东湖村".into(),
        category: "征地拆迁".into(),
        owner: "li-hua".into(),
        unit: "国土所".into(),
        flags: flags.iter().map(|f| (*f).to_owned()).collect(),
        due: Some(day(2026, 11, 20)),
        status: "办理中".into(),
    }
}

#[test]
fn reports_read_back_as_written_and_a_report_without_its_tag_first_is_refused() {
    let screening = Document::Screening(Arc::new(ScreeningReport {
        township: "示例镇".into(),
        period: ("2026-10".into(), day(2026, 10, 1), day(2026, 10, 31)),
        cases: vec![case("XF-1", &["重复信访", "越级访"]), case("XF-2", &["越级访"])],
        repeat_petitioners: vec![],
        early_signs: vec![("东湖村".into(), "征地拆迁".into(), vec!["XF-1".into()])],
        unassigned: vec![("XF-2".into(), "责任人".into())],
        new_cases: 2,
        carried_over: 0,
        trend_flags: vec!["重复信访".into()],
        trend: vec![("2026-10".into(), vec![1])],
        work: Some(super::WorkFigures {
            told: 3,
            acknowledged: 2,
            median_ack_minutes: Some(90),
            answered: 1,
            answered_in_time: 1,
            supervisions: vec![super::SupervisionRow {
                case_no: "XF-2".into(),
                on: day(2026, 10, 9),
                by: "周晓芳".into(),
                pressed: "李华".into(),
                due_on: Some(day(2026, 10, 20)),
                outcome: "按期办结".into(),
            }],
        }),
    }));
    // A reader who must recuse from XF-2 does not see its 督办 either.
    let Document::Screening(hidden) = screening.without(&["XF-2".to_owned()].into()) else { unreachable!() };
    assert_eq!(hidden.work.as_ref().map(|w| (w.supervisions.len(), w.acknowledged)), Some((0, 2)));
    let sweep = Document::Sweep(Arc::new(SweepReport {
        township: "示例镇".into(),
        event: "元旦".into(),
        starts: day(2027, 1, 1),
        day: day(2026, 12, 24),
        cases: vec![(case("XF-3", &["受理超期"]), Some(day(2026, 12, 30)), "办理中".into())],
    }));
    for document in [screening.clone(), sweep] {
        let text = serde_json::to_string(&document).expect("json");
        assert!(text.starts_with("{\"report\":"), "{text}");
        assert_eq!(serde_json::from_str::<Document>(&text).expect("reads back"), document);
    }
    let Document::Screening(report) = &screening else { unreachable!() };
    let sections: Vec<(&str, usize)> = report.sections().iter().map(|s| (s.flag, s.cases.len())).collect();
    assert_eq!(sections, [("越级访", 2), ("重复信访", 1)], "most urgent first");
    assert_eq!(report.unassigned_cases()[0].0.case_no, "XF-2");
    for bad in [r#"{"township":"示例镇","report":"sweep"}"#, r#"{"report":"annual"}"#, r#"["screening"]"#] {
        assert!(serde_json::from_str::<Document>(bad).is_err(), "{bad}");
    }
}

#[test]
fn periods_are_months_quarters_and_years_shifted_by_the_statistical_month() {
    let p = Period::parse("2026Q3", 1).expect("quarter");
    assert_eq!((p.start, p.end), (day(2026, 7, 1), day(2026, 9, 30)));
    assert_eq!(p.previous().label, "2026Q2");
    let p = Period::parse("2026-10", 21).expect("month");
    assert_eq!((p.start, p.end), (day(2026, 9, 21), day(2026, 10, 20)));
    assert_eq!(
        (p.previous().start, p.previous().end, p.previous().label.as_str()),
        (day(2026, 8, 21), day(2026, 9, 20), "2026-09")
    );
    let p = Period::parse("2026Q1", 21).expect("quarter");
    assert_eq!((p.start, p.end), (day(2025, 12, 21), day(2026, 3, 20)));
    assert_eq!(p.previous().label, "2025Q4");
    let p = Period::parse("2026", 1).expect("year");
    assert_eq!((p.start, p.end, p.previous().label.as_str()), (day(2026, 1, 1), day(2026, 12, 31), "2025"));
    assert_eq!(Period::quarter_before(day(2026, 10, 8), 1).map(|p| p.label), Some("2026Q3".into()));
    assert_eq!(Period::quarter_before(day(2026, 1, 4), 1).map(|p| p.label), Some("2025Q4".into()));
    // With statistical months from the 21st, 2026-12-21 is already in 2027Q1.
    assert_eq!(Period::quarter_before(day(2026, 12, 21), 21).map(|p| p.label), Some("2026Q4".into()));
    assert_eq!(Period::month_before(day(2026, 12, 1), 1).map(|p| p.label), Some("2026-11".into()));
    assert_eq!(Period::month_before(day(2026, 10, 21), 21).map(|p| p.label), Some("2026-10".into()));
    for bad in ["2026Q5", "2026-13", "26", "soon", "2026-1x"] {
        assert!(Period::parse(bad, 1).is_err(), "{bad}");
    }
}
