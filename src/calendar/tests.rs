use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn calendar_2026() -> Calendar {
    let file: HolidayFile = toml::from_str(
        r#"
year = 2026
notice = "国办发明电〔2025〕7号"
make_up_working_days = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
[[holidays]]
name = "春节"
kind = "spring_festival"
days_off = "2026-02-15..2026-02-23"
[[holidays]]
name = "国庆节"
kind = "national_day"
days_off = "2026-10-01..2026-10-07"
"#,
    )
    .expect("holiday file parses");
    assert!(file.problems().is_empty(), "{:?}", file.problems());
    Calendar::new([file])
}

#[test]
fn make_up_saturdays_work_and_holiday_weekdays_do_not() {
    let cal = calendar_2026();
    assert!(cal.is_working_day(day(2026, 2, 14)), "make-up Saturday");
    assert!(!cal.is_working_day(day(2026, 2, 16)), "Spring Festival Monday");
    assert!(!cal.is_working_day(day(2026, 10, 7)), "National Day Wednesday");
    assert!(cal.is_working_day(day(2026, 10, 9)), "ordinary Friday");
    assert!(!cal.is_working_day(day(2026, 10, 11)), "ordinary Sunday");
}

#[test]
fn a_year_without_a_schedule_is_monday_to_friday_and_unverified() {
    let cal = calendar_2026();
    assert_eq!(cal.day_kind(day(2027, 1, 1)), DayKind { working: true, verified: false });
    assert!(cal.day_kind(day(2026, 1, 1)).verified);
}

#[test]
fn administrators_are_warned_from_the_first_of_november_before_a_missing_year() {
    let cal = calendar_2026();
    assert_eq!(cal.missing_schedule_warning(day(2026, 10, 31)), None);
    let warning = cal.missing_schedule_warning(day(2026, 11, 1)).expect("warned");
    assert!(warning.contains("2027"), "{warning}");
    assert!(cal.missing_schedule_warning(day(2027, 3, 1)).is_some());
}

#[test]
fn a_weekday_make_up_day_and_overlapping_breaks_are_problems() {
    let file: HolidayFile = toml::from_str(
        r#"
year = 2026
notice = "x"
make_up_working_days = ["2026-02-16"]
[[holidays]]
name = "a"
kind = "spring_festival"
days_off = "2026-02-15..2026-02-23"
[[holidays]]
name = "b"
kind = "qingming"
days_off = "2026-02-20"
"#,
    )
    .expect("parses");
    let problems = file.problems();
    assert!(problems.iter().any(|(k, m)| k == "make_up_working_days[0]" && m.contains("not a weekend")));
    assert!(problems.iter().any(|(k, m)| k == "make_up_working_days[0]" && m.contains("day off")));
    assert!(problems.iter().any(|(k, m)| k == "holidays[0].days_off" && m.contains("overlaps")));
}
