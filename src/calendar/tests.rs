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
fn a_year_without_a_schedule_keeps_its_statutory_days_off_and_is_unverified() {
    let cal = calendar_2026();
    assert_eq!(cal.day_kind(day(2027, 1, 1)), DayKind { working: false, verified: false }, "元旦 2027");
    assert_eq!(cal.day_kind(day(2027, 1, 4)), DayKind { working: true, verified: false });
    assert!(cal.day_kind(day(2026, 1, 1)).verified);
    // 2027: 除夕 02-05 … 初三 02-08, 清明 04-05, 劳动节 05-01/02, 端午 06-09, 中秋 09-15,
    // 国庆 10-01 … 10-03 (published almanac dates); no make-up days, weekends off.
    for (m, d) in [(2, 5), (2, 8), (4, 5), (5, 1), (6, 9), (9, 15), (10, 1), (10, 3)] {
        assert!(!cal.is_working_day(day(2027, m, d)), "2027-{m:02}-{d:02}");
    }
    for (m, d) in [(2, 4), (2, 9), (4, 6), (5, 3), (6, 10), (9, 16), (10, 4)] {
        assert_eq!(cal.is_working_day(day(2027, m, d)), day(2027, m, d).weekday().num_days_from_monday() < 5);
    }
    // Sweeps still find the computed breaks.
    let spring = cal.holidays().find(|h| h.kind == HolidayKind::SpringFestival && h.days_off.first.year() == 2027);
    assert_eq!(spring.map(|h| h.days_off.to_string()), Some("2027-02-05..2027-02-08".to_owned()));
    assert!(spring.is_some_and(|h| cal.is_computed(h)));
}

#[test]
fn the_statutory_days_off_lie_among_the_official_days_off_of_2025_and_2026() {
    let official = shipped();
    for year in [2025, 2026] {
        let computed = statutory_holidays(year);
        assert_eq!(computed.len(), 7, "{year}: {computed:?}");
        for holiday in &computed {
            for d in holiday.days() {
                assert!(!official.is_working_day(d), "{year}: {} on {d} is a working day officially", holiday.name);
            }
            let break_of =
                official.holidays().find(|h| !official.is_computed(h) && h.days_off.contains(holiday.days_off.first));
            assert!(break_of.is_some(), "{year}: {} ({}) is in no official break", holiday.name, holiday.days_off);
        }
    }
    let joined = statutory_holidays(2028);
    assert!(
        !joined.iter().any(|h| h.kind == HolidayKind::MidAutumn),
        "2028: 八月十五 is 10-03, inside 国庆: {joined:?}"
    );
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

/// The calendar from the holiday files the project ships (built once for all tests).
pub(crate) fn shipped() -> &'static Calendar {
    static SHIPPED: std::sync::OnceLock<Calendar> = std::sync::OnceLock::new();
    SHIPPED.get_or_init(build_shipped)
}

fn build_shipped() -> Calendar {
    let files = [include_str!("../../config/holidays/2025.toml"), include_str!("../../config/holidays/2026.toml")]
        .map(|text| toml::from_str::<HolidayFile>(text).expect("shipped holiday file parses"));
    for file in &files {
        assert!(file.problems().is_empty(), "{:?}", file.problems());
    }
    Calendar::new(files)
}

#[test]
fn known_answers_of_the_official_schedules() {
    let cal = shipped();
    // accepted 2025-12-20 + 60 days → due 2026-02-18 (Spring Festival), act_by the make-up Saturday.
    let due = cal.add_calendar_days(day(2025, 12, 20), 60);
    assert_eq!(due, day(2026, 2, 18));
    assert_eq!(cal.last_working_day_on_or_before(due), day(2026, 2, 14));
    // received 2025-09-16 + 15 → due 2025-10-01 (National Day), act_by 2025-09-30.
    let due = cal.add_calendar_days(day(2025, 9, 16), 15);
    assert_eq!(due, day(2025, 10, 1));
    assert_eq!(cal.last_working_day_on_or_before(due), day(2025, 9, 30));
    // 5 working days after 2025-09-26 → 2025-10-10 (the Sunday 09-28 is a make-up day).
    assert_eq!(cal.add_working_days(day(2025, 9, 26), 5), day(2025, 10, 10));
}

#[test]
fn act_by_dates_around_the_spring_festival_and_national_day_breaks() {
    let cal = shipped();
    for (due, act_by) in [
        (day(2026, 2, 15), day(2026, 2, 14)), // first day of the break → the make-up Saturday
        (day(2026, 2, 23), day(2026, 2, 14)), // last day of the break
        (day(2026, 2, 24), day(2026, 2, 24)), // first working day after it
        (day(2026, 2, 28), day(2026, 2, 28)), // the second make-up Saturday
        (day(2026, 3, 1), day(2026, 2, 28)),  // an ordinary Sunday after a make-up Saturday
        (day(2026, 10, 7), day(2026, 9, 30)), // across National Day and the weekend 09-25..27 is already past
        (day(2026, 10, 10), day(2026, 10, 10)), // make-up Saturday after National Day
        (day(2026, 9, 27), day(2026, 9, 24)), // Mid-Autumn break
        (day(2025, 10, 8), day(2025, 9, 30)), // 2025's combined eight-day break
        (day(2025, 1, 26), day(2025, 1, 26)), // 2025 make-up Sunday before Spring Festival
        (day(2025, 2, 4), day(2025, 1, 27)),
    ] {
        assert_eq!(cal.last_working_day_on_or_before(due), act_by, "due {due}");
    }
    assert_eq!(cal.add_working_days(day(2026, 2, 13), 1), day(2026, 2, 14));
    assert_eq!(cal.add_working_days(day(2026, 2, 14), 1), day(2026, 2, 24));
    assert_eq!(cal.add_working_days(day(2026, 9, 30), 2), day(2026, 10, 9));
    assert_eq!(cal.working_days_between(day(2026, 2, 12), day(2026, 2, 24)), 3); // 13, 14 (make-up), 24
    assert_eq!(cal.working_days_between(day(2026, 2, 24), day(2026, 2, 12)), 0);
}

#[test]
fn working_days_outside_the_precomputed_range_still_answer() {
    let cal = shipped();
    let far = day(2150, 1, 4); // a Saturday
    assert!(!cal.is_working_day(far));
    assert_eq!(cal.last_working_day_on_or_before(far), day(2150, 1, 2));
    assert_eq!(cal.working_days_between(day(2149, 12, 31), far), 2);
    assert_eq!(cal.add_working_days(day(1900, 1, 5), 1), day(1900, 1, 8));
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn any_day() -> impl Strategy<Value = NaiveDate> {
        (0u64..(365 * 4)).prop_map(|offset| day(2024, 6, 1) + chrono::Days::new(offset))
    }

    proptest! {
        #[test]
        fn act_by_is_a_working_day_on_or_before_due(due in any_day()) {
            let cal = shipped();
            let act_by = cal.last_working_day_on_or_before(due);
            prop_assert!(act_by <= due);
            prop_assert!(cal.is_working_day(act_by));
            prop_assert_eq!(cal.working_days_between(act_by, due), 0);
        }

        #[test]
        fn adding_working_days_lands_on_a_working_day_that_many_working_days_later(start in any_day(), n in 1u32..30) {
            let cal = shipped();
            let end = cal.add_working_days(start, n);
            prop_assert!(end > start);
            prop_assert!(cal.is_working_day(end));
            prop_assert_eq!(cal.working_days_between(start, end), n);
        }
    }
}
