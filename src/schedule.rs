//! When jobs fire (DESIGN §4.2): a job's six-field cron spec read in the township's time zone,
//! then moved by its `on_non_working_day` policy on the working-day calendar — fire anyway,
//! skip the day, or fire at the same time on the next or the previous working day. Two slots
//! moved onto the same instant fire once.
//!
//! Pure: the calendar and the instants come in; firings come out. The daemon sleeps until the
//! next one; `jobs list` and `simulate` show them; catch-up asks for the latest one missed.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, SubsecRound, TimeZone};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::calendar::Calendar;

/// What a job does when its firing falls on a day that is not a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NonWorkingDayPolicy {
    /// Fire anyway.
    Run,
    /// Do not fire that day.
    Skip,
    /// Fire at the same time on the next working day.
    #[default]
    NextWorkingDay,
    /// Fire at the same time on the previous working day.
    PreviousWorkingDay,
}

impl NonWorkingDayPolicy {
    /// The config spelling (`next_working_day`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Run => "run",
            Self::Skip => "skip",
            Self::NextWorkingDay => "next_working_day",
            Self::PreviousWorkingDay => "previous_working_day",
        }
    }
}

/// What the daemon does at start about firings it missed while down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CatchUp {
    /// Run the latest missed firing once.
    #[default]
    Once,
    /// Forget missed firings.
    Skip,
}

/// A holiday or event the pre-event sweep runs before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepTarget {
    /// Its name (春节, 全国两会).
    pub name: String,
    /// Its first day.
    pub starts: NaiveDate,
    /// How many working days before it the sweep runs.
    pub working_days_before: u32,
}

/// The day of the sweep for `target`: `working_days_before` working days back from its first
/// day (1 = the last working day before it).
///
/// Choice: "N working days before E" counts back N working days from E, so the days strictly
/// between the sweep and E hold N − 1 working days.
pub fn sweep_day(target: &SweepTarget, calendar: &Calendar) -> Option<NaiveDate> {
    let mut day = target.starts;
    for _ in 0..target.working_days_before.max(1) {
        day = previous_working_day(day, calendar)?;
    }
    Some(day)
}

/// The targets whose sweep falls on `day`.
pub fn sweeps_on<'t>(targets: &'t [SweepTarget], day: NaiveDate, calendar: &Calendar) -> Vec<&'t SweepTarget> {
    targets.iter().filter(|t| sweep_day(t, calendar) == Some(day)).collect()
}

/// One firing of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Firing {
    /// When it fires (local time): the firing's key in `job_runs`.
    pub at: DateTime<Tz>,
    /// The cron slot it comes from; differs from `at` when the policy moved it.
    pub slot: DateTime<Tz>,
}

impl Firing {
    /// Whether the non-working-day policy moved it.
    pub fn moved(&self) -> bool {
        self.at != self.slot
    }
}

/// A six-field cron spec (sec min hour day month weekday, optional year), checked and parsed once, when
/// the config loads: a spec held here fires on some day and restricts at most one of day of
/// month and weekday.
#[derive(Clone)]
pub struct CronSpec {
    text: String,
    cron: croner::Cron,
}

impl CronSpec {
    /// Parses and checks `spec`; the error says what is wrong with it.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let fields: Vec<&str> = spec.split_whitespace().collect();
        if !(6..=7).contains(&fields.len()) {
            return Err(format!(
                "{spec:?} has {} fields, expected 6 (sec min hour day month weekday), e.g. \"0 0 9 1 * *\"",
                fields.len()
            ));
        }
        let restricted = |f: &str| f != "*" && f != "?";
        if restricted(fields[3]) && restricted(fields[5]) {
            return Err(format!(
                "{spec:?} restricts both day of month and weekday, which cron readers disagree on; restrict one (use e.g. MON#1 for the first Monday)"
            ));
        }
        let parser = croner::parser::CronParser::builder()
            .seconds(croner::parser::Seconds::Required)
            .year(croner::parser::Year::Optional)
            .build();
        let cron = parser.parse(spec).map_err(|e| format!("{spec:?} is not a valid cron spec: {e}"))?;
        // A spec that parses may still name a day that never comes (31 February).
        let start = DateTime::<chrono::Utc>::from_timestamp(1_577_836_800, 0).unwrap_or_default();
        cron.find_next_occurrence(&start, false)
            .map_err(|_| format!("{spec:?} can never fire (no such day, e.g. 31 February)"))?;
        Ok(Self { text: spec.to_owned(), cron })
    }

    /// The spec as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Debug for CronSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CronSpec({:?})", self.text)
    }
}

impl std::fmt::Display for CronSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for CronSpec {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl<'de> Deserialize<'de> for CronSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A job's schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: croner::Cron,
    policy: NonWorkingDayPolicy,
    tz: Tz,
    /// When set, the job fires only on these days (the pre-event sweep's days).
    days: Option<Vec<NaiveDate>>,
}

impl Schedule {
    /// The schedule of a parsed spec, moved by `policy`, read in `tz`.
    pub fn new(spec: &CronSpec, policy: NonWorkingDayPolicy, tz: Tz) -> Self {
        Self { cron: spec.cron.clone(), policy, tz, days: None }
    }

    /// Parses a six-field cron spec (seconds first; optional year): [`CronSpec::parse`], then
    /// [`Schedule::new`].
    pub fn parse(spec: &str, policy: NonWorkingDayPolicy, tz: Tz) -> Result<Self, String> {
        Ok(Self::new(&CronSpec::parse(spec)?, policy, tz))
    }

    /// The same schedule, firing only on `days` (sorted or not).
    pub fn only_on(mut self, mut days: Vec<NaiveDate>) -> Self {
        days.sort();
        days.dedup();
        self.days = Some(days);
        self
    }

    /// The firings in (`after`, `until`], in time order.
    pub fn firings(&self, after: DateTime<Tz>, until: DateTime<Tz>, calendar: &Calendar) -> Vec<Firing> {
        // Slots outside the window can be moved into it: scan back over the non-working days
        // before it (next_working_day) or on over those after it (previous_working_day).
        let (mut from, mut to) = (after, until);
        match self.policy {
            NonWorkingDayPolicy::NextWorkingDay => {
                let mut day = after.date_naive();
                while let Some(before) = day.pred_opt().filter(|d| !calendar.is_working_day(*d)) {
                    day = before;
                }
                from = self.midnight(day).unwrap_or(after).min(after);
            }
            NonWorkingDayPolicy::PreviousWorkingDay => {
                let mut day = until.date_naive();
                while let Some(next) = day.succ_opt().filter(|d| !calendar.is_working_day(*d)) {
                    day = next;
                }
                to = day.succ_opt().and_then(|d| self.midnight(d)).unwrap_or(until).max(until);
            }
            NonWorkingDayPolicy::Run | NonWorkingDayPolicy::Skip => {}
        }
        let mut firings: Vec<Firing> = Vec::new();
        // Exclusive start: `iter_after` yields slots strictly after `from`; include `from` itself
        // when it was moved back to a midnight.
        let start = if from < after { from - chrono::Duration::seconds(1) } else { from };
        // Slots are whole seconds; croner keeps a start's fraction of a second in what it yields,
        // so start from the whole second (a firing's instant is its identity in `job_runs`).
        let start = start.trunc_subsecs(0);
        for slot in self.cron.iter_after(start) {
            if slot > to {
                break;
            }
            if let Some(at) = self.apply(slot, calendar)
                && at > after
                && at <= until
                && self.days.as_ref().is_none_or(|days| days.binary_search(&at.date_naive()).is_ok())
            {
                firings.push(Firing { at, slot });
            }
        }
        firings.sort_by_key(|f| (f.at, f.slot));
        firings.dedup_by_key(|f| f.at);
        firings
    }

    /// The first firing after `after`, looking up to two years ahead.
    pub fn next_after(&self, after: DateTime<Tz>, calendar: &Calendar) -> Option<Firing> {
        if let Some(days) = &self.days {
            // Jump to the next allowed day instead of scanning every slot in between.
            let next_day = days.iter().find(|d| **d >= after.date_naive())?;
            let start = self.midnight(*next_day)?.max(after);
            let until = next_day.succ_opt().and_then(|d| self.midnight(d))?;
            return self
                .firings(start, until, calendar)
                .into_iter()
                .next()
                .or_else(|| self.next_after(until, calendar));
        }
        for days in [1u64, 8, 40, 400, 800] {
            let until = after.checked_add_days(Days::new(days))?;
            if let Some(first) = self.firings(after, until, calendar).into_iter().next() {
                return Some(first);
            }
        }
        None
    }

    /// The last firing in (`after`, `until`]: what a catch-up runs.
    pub fn last_in(&self, after: DateTime<Tz>, until: DateTime<Tz>, calendar: &Calendar) -> Option<Firing> {
        self.firings(after, until, calendar).pop()
    }

    /// Where the policy puts a slot, or `None` when it is skipped.
    fn apply(&self, slot: DateTime<Tz>, calendar: &Calendar) -> Option<DateTime<Tz>> {
        let day = slot.date_naive();
        if calendar.is_working_day(day) {
            return Some(slot);
        }
        let moved = match self.policy {
            NonWorkingDayPolicy::Run => return Some(slot),
            NonWorkingDayPolicy::Skip => return None,
            NonWorkingDayPolicy::NextWorkingDay => next_working_day(day, calendar)?,
            NonWorkingDayPolicy::PreviousWorkingDay => previous_working_day(day, calendar)?,
        };
        self.tz.from_local_datetime(&moved.and_time(slot.time())).earliest()
    }

    fn midnight(&self, day: NaiveDate) -> Option<DateTime<Tz>> {
        self.tz.from_local_datetime(&day.and_hms_opt(0, 0, 0)?).earliest()
    }
}

/// The first working day after `day`.
pub fn next_working_day(day: NaiveDate, calendar: &Calendar) -> Option<NaiveDate> {
    let mut d = day.succ_opt()?;
    while !calendar.is_working_day(d) {
        d = d.succ_opt()?;
    }
    Some(d)
}

/// The last working day before `day`.
pub fn previous_working_day(day: NaiveDate, calendar: &Calendar) -> Option<NaiveDate> {
    let mut d = day.pred_opt()?;
    while !calendar.is_working_day(d) {
        d = d.pred_opt()?;
    }
    Some(d)
}

/// Reads a local time of day such as `"21:00"` (config values: quiet hours, office hours).
pub fn de_clock_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(d)?;
    NaiveTime::parse_from_str(&text, "%H:%M")
        .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a time like \"21:00\"")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::shipped;

    const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn cron_specs_need_six_fields_one_day_restriction_and_a_day_that_comes() {
        assert!(CronSpec::parse("0 0 9 1 * *").is_ok());
        assert_eq!(CronSpec::parse("0 30 8 * * MON-FRI").map(|c| c.to_string()).as_deref(), Ok("0 30 8 * * MON-FRI"));
        let five = CronSpec::parse("0 9 1 * *").expect_err("five fields");
        assert!(five.contains("has 5 fields, expected 6"), "{five}");
        assert!(CronSpec::parse("0 0 9 1 * MON").expect_err("both").contains("both"));
        assert!(CronSpec::parse("0 0 25 1 * *").is_err(), "hour 25");
        assert!(CronSpec::parse("0 0 9 31 2 *").expect_err("31 Feb").contains("can never fire"));
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Tz> {
        SHANGHAI.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("instant")
    }

    fn year(spec: &str, policy: NonWorkingDayPolicy) -> Vec<DateTime<Tz>> {
        let schedule = Schedule::parse(spec, policy, SHANGHAI).expect("spec");
        schedule
            .firings(at(2025, 12, 31, 23, 59), at(2026, 12, 31, 23, 59), shipped())
            .into_iter()
            .map(|f| f.at)
            .collect()
    }

    #[test]
    fn a_firing_is_a_whole_second_whatever_the_fraction_of_the_instant_looked_from() {
        // Two replicas looking at 08:29:59.25 and 08:29:59.75 must name the same firing.
        for policy in [NonWorkingDayPolicy::Skip, NonWorkingDayPolicy::Run, NonWorkingDayPolicy::NextWorkingDay] {
            let schedule = Schedule::parse("0 30 8 * * *", policy, SHANGHAI).expect("spec");
            let base = at(2026, 11, 27, 8, 29) + chrono::Duration::seconds(59);
            let seen: Vec<DateTime<Tz>> = [250, 750]
                .iter()
                .map(|ms| {
                    let from = base + chrono::Duration::milliseconds(*ms);
                    let next = schedule.next_after(from, shipped()).expect("next").at;
                    let last = schedule.last_in(from, from + chrono::Duration::minutes(1), shipped()).expect("last").at;
                    assert_eq!(next, last);
                    next
                })
                .collect();
            assert_eq!(seen, [at(2026, 11, 27, 8, 30), at(2026, 11, 27, 8, 30)], "{policy:?}");
        }
        // The fraction does not let a slot already passed fire again.
        let schedule = Schedule::parse("0 30 8 * * *", NonWorkingDayPolicy::Run, SHANGHAI).expect("spec");
        let just_after = at(2026, 11, 27, 8, 30) + chrono::Duration::milliseconds(400);
        assert_eq!(schedule.next_after(just_after, shipped()).expect("next").at, at(2026, 11, 28, 8, 30));
    }

    #[test]
    fn the_monthly_screening_moves_off_holidays_to_the_next_working_day() {
        let firings = year("0 0 9 1 * *", NonWorkingDayPolicy::NextWorkingDay);
        let days: Vec<String> = firings.iter().map(|f| f.format("%m-%d %H:%M").to_string()).collect();
        // 2026: Jan 1 holiday (New Year, Jan 1–3) → Jan 4 (make-up Sunday); Feb 1 Sunday → Feb 2;
        // Mar 1 Sunday → Mar 2; May 1 (Labour Day, May 1–5) → May 6; Aug 1 Saturday → Aug 3;
        // Oct 1 (National Day, Oct 1–7) → Oct 8; Nov 1 Sunday → Nov 2.
        assert_eq!(
            days,
            [
                "01-04 09:00",
                "02-02 09:00",
                "03-02 09:00",
                "04-01 09:00",
                "05-06 09:00",
                "06-01 09:00",
                "07-01 09:00",
                "08-03 09:00",
                "09-01 09:00",
                "10-08 09:00",
                "11-02 09:00",
                "12-01 09:00"
            ]
        );
    }

    #[test]
    fn sweeps_run_the_configured_working_days_before_each_holiday_and_event() {
        let calendar = shipped();
        let target =
            |name: &str, starts: NaiveDate, n| SweepTarget { name: name.into(), starts, working_days_before: n };
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("date");
        // National Day 2026-10-01, 15 working days back: Sep 30, 29, 28, (25–27 Mid-Autumn off)
        // 24, 23, 22, 21, the make-up Sunday 20, 18, 17, 16, 15, 14, 11, 10.
        let national = target("国庆节", day(10, 1), 15);
        assert_eq!(sweep_day(&national, calendar), Some(day(9, 10)));
        assert_eq!(sweep_day(&target("劳动节", day(5, 1), 1), calendar), Some(day(4, 30)));
        assert_eq!(sweep_day(&target("清明节", day(4, 4), 7), calendar), Some(day(3, 26)));
        let targets = vec![national, target("全国两会", day(3, 5), 14)];
        assert_eq!(sweeps_on(&targets, day(9, 10), calendar).len(), 1);
        // 两会 on Mar 5, 14 back: Mar 4, 3, 2, the make-up Saturday Feb 28, 27, 26, 25, 24,
        // (15–23 Spring Festival off) the make-up Saturday Feb 14, 13, 12, 11, 10, 9.
        assert_eq!(sweep_day(&targets[1], calendar), Some(day(2, 9)), "back over the Spring Festival");
        // The job's daily 09:00 schedule, restricted to the sweep days.
        let schedule = Schedule::parse("0 0 9 * * *", NonWorkingDayPolicy::Skip, SHANGHAI)
            .expect("spec")
            .only_on(targets.iter().filter_map(|t| sweep_day(t, calendar)).collect());
        let firings: Vec<NaiveDate> = schedule
            .firings(at(2026, 1, 1, 0, 0), at(2026, 12, 31, 0, 0), calendar)
            .iter()
            .map(|f| f.at.date_naive())
            .collect();
        assert_eq!(firings, [day(2, 9), day(9, 10)]);
        assert_eq!(schedule.next_after(at(2026, 3, 1, 0, 0), calendar).map(|f| f.at), Some(at(2026, 9, 10, 9, 0)));
    }

    #[test]
    fn the_quarterly_digest_fires_on_the_first_working_day_of_each_quarter() {
        let days: Vec<String> = year("0 0 9 1 1,4,7,10 *", NonWorkingDayPolicy::NextWorkingDay)
            .iter()
            .map(|f| f.format("%m-%d %a").to_string())
            .collect();
        // Jan 1–3 are New Year; Jan 4 is a make-up Sunday, a working day. Oct 1–7 National Day.
        assert_eq!(days, ["01-04 Sun", "04-01 Wed", "07-01 Wed", "10-08 Thu"]);
    }

    #[test]
    fn the_deadline_watch_runs_on_working_days_only_make_up_saturdays_included() {
        let firings = year("0 30 8 * * *", NonWorkingDayPolicy::Skip);
        let calendar = shipped();
        assert!(firings.iter().all(|f| calendar.is_working_day(f.date_naive())));
        let working = (0..365)
            .filter_map(|i| NaiveDate::from_ymd_opt(2026, 1, 1)?.checked_add_days(Days::new(i)))
            .filter(|d| calendar.is_working_day(*d))
            .count();
        assert_eq!(firings.len(), working);
        // The Spring Festival make-up Saturday (2026-02-28) is a working day; the festival is not.
        let days: Vec<NaiveDate> = firings.iter().map(|f| f.date_naive()).collect();
        assert!(days.contains(&NaiveDate::from_ymd_opt(2026, 2, 28).expect("date")));
        assert!(!days.contains(&NaiveDate::from_ymd_opt(2026, 2, 17).expect("date")));
    }

    #[test]
    fn previous_working_day_moves_back_and_two_slots_on_one_instant_fire_once() {
        // Every day at 09:00, moved back: the holiday slots collapse onto the working day before.
        let firings = year("0 0 9 * * *", NonWorkingDayPolicy::PreviousWorkingDay);
        let mut days: Vec<NaiveDate> = firings.iter().map(|f| f.date_naive()).collect();
        let count = days.len();
        days.dedup();
        assert_eq!(days.len(), count, "one firing per day");
        assert!(days.contains(&NaiveDate::from_ymd_opt(2026, 9, 30).expect("date")), "before National Day");
        assert!(!days.contains(&NaiveDate::from_ymd_opt(2026, 10, 1).expect("date")));
        // A firing moved into the window from a slot after it is found.
        let schedule = Schedule::parse("0 0 9 1 * *", NonWorkingDayPolicy::PreviousWorkingDay, SHANGHAI).expect("spec");
        let next = schedule.next_after(at(2026, 9, 1, 12, 0), shipped()).expect("next");
        assert_eq!(next.at, at(2026, 9, 30, 9, 0));
        assert_eq!(next.slot, at(2026, 10, 1, 9, 0));
        assert!(next.moved());
    }

    #[test]
    fn a_window_starting_mid_holiday_still_sees_the_moved_firing_and_catch_up_finds_the_last() {
        let schedule = Schedule::parse("0 0 9 1 * *", NonWorkingDayPolicy::NextWorkingDay, SHANGHAI).expect("spec");
        // From Oct 5 (inside National Day): the Oct 1 slot fires on Oct 8.
        let next = schedule.next_after(at(2026, 10, 5, 0, 0), shipped()).expect("next");
        assert_eq!(next.at, at(2026, 10, 8, 9, 0));
        // Down from Sep 20 to Nov 3: the last missed firing is Nov 2 09:00, once.
        let last = schedule.last_in(at(2026, 9, 20, 0, 0), at(2026, 11, 3, 12, 0), shipped()).expect("missed");
        assert_eq!(last.at, at(2026, 11, 2, 9, 0));
        assert_eq!(schedule.last_in(at(2026, 11, 2, 9, 0), at(2026, 11, 3, 12, 0), shipped()), None);
    }
}
