use chrono::NaiveDate;

use super::*;
use crate::calendar::tests::shipped;
use crate::rules::Flag;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn settings() -> EscalationSettings {
    EscalationSettings::default()
}

#[test]
fn escalation_counts_working_days_past_due_across_a_holiday() {
    // Due Friday 2026-09-18; working days after it: 09-20 (make-up Sunday), 21, 22, 23, 24,
    // then 09-25..27 Mid-Autumn, 28, 29, 30, 10-01..07 National Day, 10-08, 10-09.
    let due = day(2026, 9, 18);
    for (as_of, want) in [
        (day(2026, 9, 23), Escalation::Owner),     // 4 working days
        (day(2026, 9, 24), Escalation::Portfolio), // 5
        (day(2026, 10, 7), Escalation::Portfolio), // 8: the holiday does not count
        (day(2026, 10, 8), Escalation::Portfolio), // 9
        (day(2026, 10, 9), Escalation::Secretary), // 10
    ] {
        assert_eq!(escalation(due, as_of, shipped(), &settings()), want, "{as_of}");
    }
}

#[test]
fn reminders_go_first_then_on_new_findings_escalation_or_every_third_working_day() {
    let flags: FlagSet = [Flag::Overdue].into_iter().collect();
    let sent = Previous {
        sent_on: day(2026, 11, 23),
        flags,
        escalation: Escalation::Owner,
        deadlines: Reminded::default(),
        acknowledged_on: None,
    };
    let at = |as_of, flags, escalation| reminder(Some(&sent), flags, escalation, false, as_of, shipped(), &settings());
    assert_eq!(
        reminder(None, flags, Escalation::Owner, false, day(2026, 11, 23), shipped(), &settings()),
        Ok(NoticeReason::First)
    );
    assert_eq!(at(day(2026, 11, 23), flags, Escalation::Secretary), Err(SkipReason::SentToday), "never twice a day");
    assert_eq!(at(day(2026, 11, 24), flags, Escalation::Owner), Err(SkipReason::NotYetDue { next: day(2026, 11, 26) }));
    let more: FlagSet = [Flag::Overdue, Flag::OwnerOverdue].into_iter().collect();
    assert_eq!(at(day(2026, 11, 24), more, Escalation::Owner), Ok(NoticeReason::NewFindings));
    assert_eq!(at(day(2026, 11, 24), flags, Escalation::Portfolio), Ok(NoticeReason::Escalated));
    assert_eq!(at(day(2026, 11, 26), flags, Escalation::Owner), Ok(NoticeReason::RepeatDue));
    let fewer = FlagSet::default();
    assert_eq!(at(day(2026, 11, 25), fewer, Escalation::Owner), Err(SkipReason::NotYetDue { next: day(2026, 11, 26) }));
}

#[test]
fn the_repeat_interval_skips_the_spring_festival_break() {
    let flags: FlagSet = [Flag::DueSoon].into_iter().collect();
    // Sent on the make-up Saturday 2026-02-14; the next three working days are 02-24, 25, 26.
    let sent = Previous {
        sent_on: day(2026, 2, 14),
        flags,
        escalation: Escalation::Owner,
        deadlines: Reminded::default(),
        acknowledged_on: None,
    };
    let at = |as_of| reminder(Some(&sent), flags, Escalation::Owner, false, as_of, shipped(), &settings());
    assert_eq!(at(day(2026, 2, 25)), Err(SkipReason::NotYetDue { next: day(2026, 2, 26) }));
    assert_eq!(at(day(2026, 2, 26)), Ok(NoticeReason::RepeatDue));
}

#[test]
fn notice_ids_are_stable_and_tell_every_part_apart() {
    let id = notice_id("deadline_watch", "2026-11-27", "li-hua", "mail", b"XF2026-001 overdue");
    assert_eq!(id, notice_id("deadline_watch", "2026-11-27", "li-hua", "mail", b"XF2026-001 overdue"));
    assert!(id.starts_with("ntc_") && id.len() == 36, "{id}");
    for other in [
        notice_id("deadline_watch", "2026-11-28", "li-hua", "mail", b"XF2026-001 overdue"),
        notice_id("deadline_watch", "2026-11-27", "sun-li", "mail", b"XF2026-001 overdue"),
        notice_id("deadline_watch", "2026-11-27", "li-hua", "wecom", b"XF2026-001 overdue"),
        notice_id("deadline_watch", "2026-11-27", "li-hua", "mail", b"XF2026-002 overdue"),
        // Parts that would concatenate to the same text still differ.
        notice_id("deadline_watch2026", "-11-27", "li-hua", "mail", b"XF2026-001 overdue"),
    ] {
        assert_ne!(id, other);
    }
}

#[test]
fn retries_follow_the_schedule_with_jitter_and_retry_after_then_stop() {
    use std::time::Duration;
    let schedule = [Duration::from_secs(30), Duration::from_secs(120), Duration::from_secs(600)];
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-27T01:00:00Z").expect("instant").to_utc();
    let wait = |attempt, unit, retry_after| {
        retry_at(attempt, &schedule, 0.2, unit, retry_after, now).map(|t| (t - now).num_milliseconds())
    };
    assert_eq!(wait(1, 0.5, None), Some(30_000), "the middle of the spread is the schedule");
    assert_eq!(wait(1, 0.0, None), Some(24_000), "-20%");
    assert_eq!(wait(2, 0.999_999, None), Some(143_999));
    assert_eq!(wait(3, 0.5, Some(Duration::from_secs(3_600))), Some(3_600_000), "Retry-After wins when longer");
    assert_eq!(wait(3, 0.5, Some(Duration::from_secs(1))), Some(600_000));
    assert_eq!(wait(4, 0.5, None), None, "schedule used up: dead");
    assert_eq!(wait(0, 0.5, None), None);
}

#[test]
fn quiet_hours_span_midnight_and_end_in_the_morning() {
    let t = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).expect("time");
    let at = |d, h, m| day(2026, 11, d).and_time(t(h, m));
    let (start, end) = (t(21, 0), t(8, 0));
    assert_eq!(quiet_until(at(27, 20, 59), start, end), None);
    assert_eq!(quiet_until(at(27, 21, 0), start, end), Some(at(28, 8, 0)));
    assert_eq!(quiet_until(at(28, 7, 59), start, end), Some(at(28, 8, 0)));
    assert_eq!(quiet_until(at(28, 8, 0), start, end), None);
    // A daytime span (lunch break).
    assert_eq!(quiet_until(at(27, 12, 30), t(12, 0), t(14, 0)), Some(at(27, 14, 0)));
    assert_eq!(quiet_until(at(27, 14, 0), t(12, 0), t(14, 0)), None);
}

#[test]
fn a_moved_deadline_is_reminded_before_the_interval_but_never_twice_a_day() {
    let flags: FlagSet = [Flag::DueSoon].into_iter().collect();
    let sent = Previous {
        sent_on: day(2026, 11, 23),
        flags,
        escalation: Escalation::Owner,
        deadlines: Reminded::default(),
        acknowledged_on: None,
    };
    let at = |as_of, moved| reminder(Some(&sent), flags, Escalation::Owner, moved, as_of, shipped(), &settings());
    assert_eq!(at(day(2026, 11, 24), true), Ok(NoticeReason::Moved));
    assert_eq!(at(day(2026, 11, 24), false), Err(SkipReason::NotYetDue { next: day(2026, 11, 26) }));
    assert_eq!(at(day(2026, 11, 23), true), Err(SkipReason::SentToday));
}

/// 签收 (DESIGN §5.3): an acknowledged case is not repeated; a new flag, an escalation step or a
/// moved deadline still goes out; a 签收 older than the last reminder does not hold it.
#[test]
fn an_acknowledged_case_is_not_repeated_until_something_changes() {
    let flags: FlagSet = [Flag::Overdue].into_iter().collect();
    let more: FlagSet = [Flag::Overdue, Flag::OwnerOverdue].into_iter().collect();
    let acked = |on| Previous {
        sent_on: day(2026, 11, 23),
        flags,
        escalation: Escalation::Owner,
        deadlines: Reminded::default(),
        acknowledged_on: Some(on),
    };
    let at = |previous: &Previous, as_of, flags, escalation, moved| {
        reminder(Some(previous), flags, escalation, moved, as_of, shipped(), &settings())
    };
    let same_day = acked(day(2026, 11, 23));
    let later = day(2026, 12, 1);
    assert_eq!(
        at(&same_day, later, flags, Escalation::Owner, false),
        Err(SkipReason::Acknowledged { on: day(2026, 11, 23) })
    );
    assert_eq!(at(&same_day, later, more, Escalation::Owner, false), Ok(NoticeReason::NewFindings));
    assert_eq!(at(&same_day, later, flags, Escalation::Portfolio, false), Ok(NoticeReason::Escalated));
    assert_eq!(at(&same_day, later, flags, Escalation::Owner, true), Ok(NoticeReason::Moved));
    // Acknowledged before the last reminder (it was about something new): repeats resume.
    let stale = acked(day(2026, 11, 20));
    assert_eq!(at(&stale, later, flags, Escalation::Owner, false), Ok(NoticeReason::RepeatDue));
}

#[test]
fn a_move_says_old_date_new_date_and_why() {
    use crate::domain::{Case, CaseNo, DateSpan};
    use crate::rules::{Deadline, DeadlineKind};
    let deadline = |kind, due| Deadline { kind, due, act_by: due, calendar_unverified: false };
    let before = Reminded::of(&[
        deadline(DeadlineKind::Handling, day(2026, 2, 18)),
        deadline(DeadlineKind::Review, day(2026, 3, 17)),
        deadline(DeadlineKind::Owner, day(2026, 4, 30)),
    ]);
    assert_eq!(Reminded::from_json(&before.to_json()), before, "stored and read back");
    let mut case = Case::new(CaseNo::parse("X").expect("no"), day(2025, 12, 19));
    case.extension_days = 30;
    case.hearings = vec![DateSpan::parse("2026-03-05..2026-03-06").expect("span")];
    let now = [
        deadline(DeadlineKind::Handling, day(2026, 3, 20)),
        deadline(DeadlineKind::Review, day(2026, 3, 19)),
        deadline(DeadlineKind::Owner, day(2026, 5, 15)),
        deadline(DeadlineKind::Recheck, day(2026, 5, 1)),
    ];
    let whys: Vec<(DeadlineKind, NaiveDate, NaiveDate, String)> =
        moved(&before, &now, &case).into_iter().map(|m| (m.kind, m.from, m.to, m.why)).collect();
    assert_eq!(
        whys,
        [
            (DeadlineKind::Handling, day(2026, 2, 18), day(2026, 3, 20), "延期 30 日".to_owned()),
            (DeadlineKind::Review, day(2026, 3, 17), day(2026, 3, 19), "听证 2 日不计入".to_owned()),
            (DeadlineKind::Owner, day(2026, 4, 30), day(2026, 5, 15), "包案期限调整".to_owned()),
        ]
    );
    assert_eq!(Reminded::from_json("not json"), Reminded::default());
}
