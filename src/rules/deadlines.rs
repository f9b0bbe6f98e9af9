//! The statutory deadlines of a case (DESIGN §2.1) as they stand on an as-of date: which clocks
//! run, when each is due, and the working day alerts aim at (`act_by`).

use chrono::NaiveDate;
use serde::Serialize;

use super::register::Clocks;
use super::settings::Deadlines;
use crate::calendar::Calendar;
use crate::domain::DateSpan;

/// Which deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// 受理: receipt → acceptance (or conclusion, whichever first).
    Acceptance,
    /// 办理: acceptance → conclusion, with the extension.
    Handling,
    /// 复查: review accepted → review opinion, hearing days paused.
    Review,
    /// 复核: recheck requested → recheck opinion, hearing days paused.
    Recheck,
    /// 包案期限: the owner's own deadline, while the case is open.
    Owner,
}

impl DeadlineKind {
    /// The name used in JSON and config.
    pub fn name(self) -> &'static str {
        match self {
            Self::Acceptance => "acceptance",
            Self::Handling => "handling",
            Self::Review => "review",
            Self::Recheck => "recheck",
            Self::Owner => "owner",
        }
    }

    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Acceptance => "受理期限",
            Self::Handling => "办理期限",
            Self::Review => "复查期限",
            Self::Recheck => "复核期限",
            Self::Owner => "包案期限",
        }
    }

    /// What must be done by the deadline, as a notice asks it (DESIGN §2.4: 请于…前受理或告知).
    pub fn verb(self) -> &'static str {
        match self {
            Self::Acceptance => "受理或告知",
            Self::Handling => "办结",
            Self::Review => "出具复查意见",
            Self::Recheck => "出具复核意见",
            Self::Owner => "办结（包案期限）",
        }
    }
}

/// A running deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// Which one.
    pub kind: DeadlineKind,
    /// The statutory date; `*_overdue` flags are judged against it.
    pub due: NaiveDate,
    /// The last working day on or before `due`; alerts aim at it.
    pub act_by: NaiveDate,
    /// `due` or `act_by` lies in a year without an official holiday schedule.
    pub calendar_unverified: bool,
}

/// An event as known on `as_of`: a date after it has not happened yet.
pub fn happened(date: Option<NaiveDate>, as_of: NaiveDate) -> Option<NaiveDate> {
    date.filter(|d| *d <= as_of)
}

fn deadline(kind: DeadlineKind, due: NaiveDate, calendar: &Calendar) -> Deadline {
    let act_by = calendar.last_working_day_on_or_before(due);
    let calendar_unverified = !calendar.is_verified(due) || !calendar.is_verified(act_by);
    Deadline { kind, due, act_by, calendar_unverified }
}

/// `start` plus `limit` days that are not hearing days held by `as_of` (day 1 is the day after
/// `start`; a hearing day pauses the count).
fn add_days_pausing_for_hearings(hearings: &[DateSpan], start: NaiveDate, limit: u32, as_of: NaiveDate) -> NaiveDate {
    let is_hearing = |day: NaiveDate| day <= as_of && hearings.iter().any(|span| span.contains(day));
    let mut day = start;
    let mut left = limit;
    while left > 0 {
        let Some(next) = day.succ_opt() else { return day };
        day = next;
        if !is_hearing(day) {
            left -= 1;
        }
    }
    day
}

/// The deadlines whose clocks run on `as_of`, in [`DeadlineKind`] order.
pub fn running_deadlines(
    case: &Clocks,
    hearings: &[DateSpan],
    as_of: NaiveDate,
    limits: &Deadlines,
    calendar: &Calendar,
) -> Vec<Deadline> {
    let mut out = Vec::new();
    let Some(received_on) = case.received_on.filter(|r| *r <= as_of) else { return out };
    let accepted = happened(case.accepted_on, as_of);
    // A case disposed of without acceptance (告知/转送) is closed on that day like a concluded
    // one: its acceptance clock ends and neither the handling nor the owner clock runs on. A
    // case accepted and later transferred stops its handling clock too (DESIGN §2.2 says the
    // case is no longer open; an open clock on a closed case would warn nobody can act on).
    let concluded = happened(case.concluded_on, as_of).or(happened(case.disposed_on, as_of));
    if accepted.is_none() && concluded.is_none() {
        let due = calendar.add_calendar_days(received_on, limits.acceptance_days);
        out.push(deadline(DeadlineKind::Acceptance, due, calendar));
    }
    if let (Some(accepted), None) = (accepted, concluded) {
        let due = calendar.add_calendar_days(accepted, limits.handling_days.saturating_add(case.extension_days));
        out.push(deadline(DeadlineKind::Handling, due, calendar));
    }
    if let (Some(start), None) = (happened(case.review_accepted_on, as_of), happened(case.review_opinion_on, as_of)) {
        let due = add_days_pausing_for_hearings(hearings, start, limits.review_days, as_of);
        out.push(deadline(DeadlineKind::Review, due, calendar));
    }
    if let (Some(start), None) = (happened(case.recheck_requested_on, as_of), happened(case.recheck_opinion_on, as_of))
    {
        let due = add_days_pausing_for_hearings(hearings, start, limits.recheck_days, as_of);
        out.push(deadline(DeadlineKind::Recheck, due, calendar));
    }
    if let (Some(due), None) = (case.owner_deadline, concluded) {
        out.push(deadline(DeadlineKind::Owner, due, calendar));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::shipped;
    use crate::domain::{Case, CaseNo};

    fn running_deadlines(case: &Case, as_of: NaiveDate, limits: &Deadlines, calendar: &Calendar) -> Vec<Deadline> {
        super::running_deadlines(&Clocks::of(case), &case.hearings, as_of, limits, calendar)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn case(received: NaiveDate) -> Case {
        Case::new(CaseNo::parse("T-1").expect("case no"), received)
    }

    fn find(list: &[Deadline], kind: DeadlineKind) -> Option<Deadline> {
        list.iter().copied().find(|d| d.kind == kind)
    }

    #[test]
    fn handling_runs_from_acceptance_with_the_extension_and_aims_at_a_working_day() {
        let mut c = case(day(2025, 12, 18));
        c.accepted_on = Some(day(2025, 12, 20));
        let on = |as_of| running_deadlines(&c, as_of, &Deadlines::default(), shipped());
        let handling = find(&on(day(2026, 1, 5)), DeadlineKind::Handling).expect("handling runs");
        assert_eq!((handling.due, handling.act_by), (day(2026, 2, 18), day(2026, 2, 14)));
        assert!(!handling.calendar_unverified);
        assert_eq!(find(&on(day(2026, 1, 5)), DeadlineKind::Acceptance), None, "acceptance clock stopped");
        c.extension_days = 30;
        let handling =
            find(&running_deadlines(&c, day(2026, 1, 5), &Deadlines::default(), shipped()), DeadlineKind::Handling);
        assert_eq!(handling.map(|d| d.due), Some(day(2026, 3, 20)));
    }

    #[test]
    fn events_after_the_as_of_date_have_not_happened() {
        let mut c = case(day(2025, 9, 16));
        c.accepted_on = Some(day(2025, 9, 25));
        c.concluded_on = Some(day(2025, 11, 1));
        let limits = Deadlines::default();
        let before = running_deadlines(&c, day(2025, 9, 20), &limits, shipped());
        let acceptance = find(&before, DeadlineKind::Acceptance).expect("acceptance runs before 09-25");
        assert_eq!((acceptance.due, acceptance.act_by), (day(2025, 10, 1), day(2025, 9, 30)));
        assert_eq!(find(&before, DeadlineKind::Handling), None);
        let during = running_deadlines(&c, day(2025, 10, 20), &limits, shipped());
        assert_eq!(during.iter().map(|d| d.kind).collect::<Vec<_>>(), [DeadlineKind::Handling]);
        assert!(running_deadlines(&c, day(2025, 11, 1), &limits, shipped()).is_empty(), "concluded");
        assert!(running_deadlines(&c, day(2025, 9, 15), &limits, shipped()).is_empty(), "not yet received");
    }

    #[test]
    fn a_conclusion_before_acceptance_stops_the_acceptance_clock() {
        let mut c = case(day(2026, 3, 2));
        c.concluded_on = Some(day(2026, 3, 5));
        assert!(running_deadlines(&c, day(2026, 3, 10), &Deadlines::default(), shipped()).is_empty());
    }

    #[test]
    fn review_deadline_skips_hearing_days_held_by_the_as_of_date() {
        let mut c = case(day(2026, 1, 5));
        c.review_accepted_on = Some(day(2026, 3, 2));
        c.hearings = vec![
            DateSpan::parse("2026-03-05..2026-03-06").expect("span"),
            DateSpan::parse("2026-03-20").expect("span"),
        ];
        let limits = Deadlines::default();
        // 15 days from 03-02 is 03-17; the two hearing days held by 03-10 push it to 03-19.
        let review =
            find(&running_deadlines(&c, day(2026, 3, 10), &limits, shipped()), DeadlineKind::Review).expect("runs");
        assert_eq!(review.due, day(2026, 3, 19));
        // By 03-25 the 03-20 hearing has been held too, but it lies after the due date found.
        let review =
            find(&running_deadlines(&c, day(2026, 3, 25), &limits, shipped()), DeadlineKind::Review).expect("runs");
        assert_eq!(review.due, day(2026, 3, 19));
        c.review_opinion_on = Some(day(2026, 3, 18));
        assert_eq!(find(&running_deadlines(&c, day(2026, 3, 25), &limits, shipped()), DeadlineKind::Review), None);
    }

    #[test]
    fn recheck_deadline_also_pauses_for_hearings() {
        let mut c = case(day(2026, 1, 5));
        c.recheck_requested_on = Some(day(2026, 4, 1));
        c.hearings = vec![DateSpan::parse("2026-04-10..2026-04-12").expect("span")];
        let recheck =
            find(&running_deadlines(&c, day(2026, 4, 20), &Deadlines::default(), shipped()), DeadlineKind::Recheck);
        // 30 days from 04-01 is 05-01; three hearing days move it to 05-04.
        assert_eq!(recheck.map(|d| (d.due, d.act_by)), Some((day(2026, 5, 4), day(2026, 4, 30))));
    }

    #[test]
    fn the_owner_deadline_runs_while_the_case_is_open_and_marks_unverified_years() {
        let mut c = case(day(2026, 11, 2));
        c.owner_deadline = Some(day(2027, 1, 3));
        let owner =
            find(&running_deadlines(&c, day(2026, 11, 27), &Deadlines::default(), shipped()), DeadlineKind::Owner)
                .expect("runs");
        // 2027 has no schedule yet: 1 January is its statutory day off, so act by Thursday
        // 2026-12-31; the due date lies in the unverified year, and the deadline is marked so.
        assert_eq!((owner.due, owner.act_by), (day(2027, 1, 3), day(2026, 12, 31)));
        assert!(owner.calendar_unverified);
        c.concluded_on = Some(day(2026, 11, 20));
        assert!(running_deadlines(&c, day(2026, 11, 27), &Deadlines::default(), shipped()).is_empty());
    }
}
