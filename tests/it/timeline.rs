//! A whole simulated year (2026) of the shipped configuration: every firing of every job on the
//! right local day and time, around the Spring Festival and National Day, with the make-up
//! working days, and the pre-event sweeps the configured working days before each holiday.

use chrono::{Datelike, NaiveDate, TimeZone};
use petition_watch::jobs::schedules;
use petition_watch::plan::Job;

use crate::helpers::Workspace;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).expect("date")
}

#[test]
fn every_firing_of_2026_falls_where_the_township_expects_it() {
    let ws = Workspace::new();
    let loaded = ws.load();
    let tz = loaded.config.time_zone();
    let start = tz.with_ymd_and_hms(2025, 12, 31, 23, 59, 59).single().expect("start");
    let end = tz.with_ymd_and_hms(2026, 12, 31, 23, 59, 59).single().expect("end");
    let calendar = &loaded.calendar;
    let working: Vec<NaiveDate> =
        day(1, 1).iter_days().take_while(|d| d.year() == 2026).filter(|d| calendar.is_working_day(*d)).collect();
    // 261 weekdays, 19 of them days off (2 + 6 + 1 + 3 + 1 + 1 + 5), 6 make-up days.
    assert_eq!(working.len(), 248, "2026 has 248 working days, make-up days included");
    let mut seen = Vec::new();
    for &(job, ref schedule, _) in schedules(&loaded) {
        let firings = schedule.firings(start, end, calendar);
        let days: Vec<NaiveDate> = firings.iter().map(|f| f.at.date_naive()).collect();
        let times: Vec<String> = firings.iter().map(|f| f.at.format("%H:%M").to_string()).collect();
        seen.push(job);
        match job {
            Job::DeadlineWatch | Job::DutyRoster | Job::DutyEve => {
                assert_eq!(days, working, "{job:?}: every working day and only those");
                let at = match job {
                    Job::DeadlineWatch => "08:30",
                    Job::DutyEve => "16:00",
                    _ => "08:00",
                };
                assert!(times.iter().all(|t| t == at), "{job:?} at {at}");
                for make_up in [day(1, 4), day(2, 14), day(2, 28), day(5, 9), day(9, 20), day(10, 10)] {
                    assert!(days.contains(&make_up), "{job:?} runs on the make-up day {make_up}");
                }
                for off in [day(2, 16), day(2, 17), day(10, 1), day(10, 7)] {
                    assert!(!days.contains(&off), "{job:?} rests on {off}");
                }
            }
            Job::MonthlyScreening => {
                assert_eq!(
                    days,
                    [
                        day(1, 4),
                        day(2, 2),
                        day(3, 2),
                        day(4, 1),
                        day(5, 6),
                        day(6, 1),
                        day(7, 1),
                        day(8, 3),
                        day(9, 1),
                        day(10, 8),
                        day(11, 2),
                        day(12, 1)
                    ]
                );
                assert!(times.iter().all(|t| t == "09:00"));
            }
            Job::QuarterlySupervision => {
                assert_eq!(
                    days,
                    [day(1, 4), day(4, 1), day(7, 1), day(10, 8)],
                    "the first working day of each quarter"
                );
                assert!(times.iter().all(|t| t == "09:00"));
            }
            Job::PreEventSweep => {
                // 15 working days before the Spring Festival (Feb 15: back from the make-up
                // Saturday Feb 14 to Jan 27) and National Day (Oct 1: Sep 10, over Mid-Autumn and
                // the make-up Sunday Sep 20), 7 before the others (Mid-Autumn Sep 25: Sep 24–20,
                // 18, 17). New Year 2027 has no schedule yet: its statutory day off (1 January)
                // is computed, and the sweep runs 7 working days before it, on Dec 23.
                assert_eq!(
                    days,
                    [day(1, 27), day(3, 26), day(4, 22), day(6, 10), day(9, 10), day(9, 17), day(12, 23)],
                    "Spring Festival, Qingming, Labour Day, Dragon Boat, National Day, Mid-Autumn"
                );
                assert!(times.iter().all(|t| t == "09:00"));
            }
            Job::IntakeWatch => {
                // Twice every working day, at 09:00 and 14:00.
                let mut twice: Vec<NaiveDate> = working.iter().flat_map(|d| [*d, *d]).collect();
                twice.sort();
                assert_eq!(days, twice);
                assert!(times.chunks(2).all(|pair| pair == ["09:00", "14:00"]), "{times:?}");
            }
            Job::AckWatch => {
                // Every half hour of the office's day, 08:00 to 17:30, on every working day.
                let day_times: Vec<String> =
                    (8..18).flat_map(|h| [format!("{h:02}:00"), format!("{h:02}:30")]).collect();
                let mut each: Vec<NaiveDate> = working.iter().flat_map(|d| vec![*d; day_times.len()]).collect();
                each.sort();
                assert_eq!(days, each);
                assert!(times.chunks(day_times.len()).all(|chunk| chunk == day_times.as_slice()), "{times:?}");
            }
        }
    }
    assert_eq!(seen.len(), 8, "every job was checked: {seen:?}");
}
