//! The township's working-day calendar: official days off and make-up working days (调休)
//! from the State Council's yearly notice; for a year without one, the statutory days off of
//! 全国年节及纪念日放假办法 with weekends off and no make-up days ([`statutory_holidays`]), every
//! date of such a year unverified.
//!
//! Pure: holiday schedules come in as parsed data ([`HolidayFile`]); nothing here reads a file.

mod fallback;
mod holidays;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

pub use fallback::statutory_holidays;
pub use holidays::{Holiday, HolidayFile, HolidayKind};

/// Whether a day is a working day, and whether that answer comes from an official schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayKind {
    /// A working day (工作日), including a make-up working day on a weekend.
    pub working: bool,
    /// False when the day's year has no schedule loaded and Monday–Friday was assumed.
    pub verified: bool,
}

/// First and last day of the precomputed table; days outside it are computed one by one.
const TABLE_FIRST: (i32, u32, u32) = (1990, 1, 1);
const TABLE_YEARS: i32 = 111;

/// The working-day calendar built from the loaded holiday files.
///
/// Every day from 1990 to 2100 is precomputed, with a running count of working days, so
/// "is it a working day" and "how many working days between" are lookups, not searches.
#[derive(Debug, Clone)]
pub struct Calendar {
    years: BTreeMap<i32, Vec<Holiday>>,
    /// Every break, official and computed, in date order (built once: sweeps ask on every tick).
    all_holidays: Vec<Holiday>,
    first: NaiveDate,
    /// `working[i]`: day `first + i` is a working day.
    working: Vec<bool>,
    /// `working_before[i]`: working days in `first .. first + i` (exclusive).
    working_before: Vec<u32>,
}

impl Default for Calendar {
    fn default() -> Self {
        Self::new([])
    }
}

impl Calendar {
    /// Builds the calendar from validated holiday files, one per year. A day listed in any
    /// file counts, even when it lies in a neighbouring year (a New Year break across 31 December).
    pub fn new(files: impl IntoIterator<Item = HolidayFile>) -> Self {
        let mut years = BTreeMap::new();
        let mut days_off = BTreeSet::new();
        let mut make_up = BTreeSet::new();
        for file in files {
            days_off.extend(file.holidays.iter().flat_map(|h| h.days()));
            make_up.extend(file.make_up_days());
            years.insert(file.year, file.holidays);
        }
        let (y, m, d) = TABLE_FIRST;
        let fallback_years: Vec<i32> = (y..y + TABLE_YEARS).filter(|year| !years.contains_key(year)).collect();
        for year in &fallback_years {
            days_off.extend(fallback::statutory_holidays_cached(*year).iter().flat_map(|h| h.days()));
        }
        let first = NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
        let last = NaiveDate::from_ymd_opt(y + TABLE_YEARS, 1, 1).unwrap_or(NaiveDate::MAX);
        let working: Vec<bool> = first
            .iter_days()
            .take_while(|day| *day < last)
            .map(|day| make_up.contains(&day) || (!is_weekend(day) && !days_off.contains(&day)))
            .collect();
        let mut working_before = Vec::with_capacity(working.len() + 1);
        let mut count = 0u32;
        for w in &working {
            working_before.push(count);
            count += u32::from(*w);
        }
        working_before.push(count);
        let mut all_holidays: Vec<Holiday> = years
            .values()
            .flatten()
            .chain(fallback_years.iter().flat_map(|y| fallback::statutory_holidays_cached(*y)))
            .cloned()
            .collect();
        all_holidays.sort_by_key(|h| h.days_off.first);
        Self { years, all_holidays, first, working, working_before }
    }

    /// Whether `year` has an official schedule loaded.
    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// The years that have an official schedule loaded.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    /// Index of `day` in the table, if it is in range.
    fn index(&self, day: NaiveDate) -> Option<usize> {
        usize::try_from((day - self.first).num_days()).ok().filter(|i| *i < self.working.len())
    }

    /// Whether `day` is a working day, and whether its year's schedule is loaded.
    pub fn day_kind(&self, day: NaiveDate) -> DayKind {
        let working = match self.index(day) {
            Some(i) => self.working[i],
            None => !is_weekend(day),
        };
        DayKind { working, verified: self.has_year(day.year()) }
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        self.day_kind(day).working
    }

    /// The local time `minutes` of office time after `start`, counting only `opens`..`closes`
    /// on working days (a start at night or on a day off counts from the next opening). Looks a
    /// year ahead at most: a calendar without working days ends there.
    pub fn add_office_minutes(
        &self,
        start: NaiveDateTime,
        minutes: i64,
        (opens, closes): (NaiveTime, NaiveTime),
    ) -> NaiveDateTime {
        let mut left = chrono::Duration::minutes(minutes.max(0));
        let (mut day, mut from) = (start.date(), start.time());
        for _ in 0..400 {
            if self.is_working_day(day) && from < closes {
                let begin = from.max(opens);
                let open = closes - begin;
                if left <= open {
                    return day.and_time(begin) + left;
                }
                left -= open;
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
            from = NaiveTime::MIN;
        }
        day.and_time(closes)
    }

    /// The office time between two local times, in minutes: only `opens`..`closes` on working
    /// days counts; 0 when `to` is not after `from`.
    pub fn office_minutes_between(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        (opens, closes): (NaiveTime, NaiveTime),
    ) -> i64 {
        let mut total = 0;
        let mut day = from.date();
        while day <= to.date() {
            if self.is_working_day(day) {
                let begin = opens.max(if day == from.date() { from.time() } else { NaiveTime::MIN });
                let end = closes.min(if day == to.date() { to.time() } else { closes });
                if end > begin {
                    total += (end - begin).num_minutes();
                }
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        total
    }

    /// Whether `day` lies in a year whose official schedule is loaded.
    pub fn is_verified(&self, day: NaiveDate) -> bool {
        self.has_year(day.year())
    }

    /// `start` plus `days` calendar days (day 1 is the day after `start`).
    pub fn add_calendar_days(&self, start: NaiveDate, days: u32) -> NaiveDate {
        start.checked_add_days(Days::new(u64::from(days))).unwrap_or(NaiveDate::MAX)
    }

    /// The `n`th working day after `start` (`start` itself never counts; `n = 0` gives `start`).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            let Some(next) = day.succ_opt() else { return day };
            day = next;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// The last working day on or before `day`: the date an alert aims at for a deadline on `day`.
    pub fn last_working_day_on_or_before(&self, day: NaiveDate) -> NaiveDate {
        let mut current = day;
        // No official break with its weekends is longer than a few weeks; the bound only
        // guards against a calendar with no working days at all.
        for _ in 0..366 {
            if self.is_working_day(current) {
                return current;
            }
            match current.pred_opt() {
                Some(previous) => current = previous,
                None => break,
            }
        }
        day
    }

    /// Working days `d` with `after < d <= until`; 0 when `until <= after`.
    pub fn working_days_between(&self, after: NaiveDate, until: NaiveDate) -> u32 {
        if until <= after {
            return 0;
        }
        match (self.index(after), self.index(until)) {
            (Some(a), Some(b)) => self.working_before[b + 1] - self.working_before[a + 1],
            _ => {
                after.iter_days().skip(1).take_while(|d| *d <= until).filter(|d| self.is_working_day(*d)).count() as u32
            }
        }
    }

    /// The holidays of every year, in date order: the official breaks of the loaded years and the
    /// computed statutory days off of the others (DESIGN §2.1: sweeps before them still happen).
    pub fn holidays(&self) -> impl Iterator<Item = &Holiday> + '_ {
        self.all_holidays.iter()
    }

    /// Whether `holiday` was computed for a year without a schedule rather than read from one.
    pub fn is_computed(&self, holiday: &Holiday) -> bool {
        !self.has_year(holiday.days_off.first.year())
    }

    /// The year whose schedule administrators must add, as of `today`: the current year when it
    /// has none, else from 1 November the next year when it has none (DESIGN §2.1).
    pub fn missing_schedule_year(&self, today: NaiveDate) -> Option<i32> {
        let year = today.year();
        if !self.has_year(year) {
            Some(year)
        } else if today.month() >= 11 && !self.has_year(year + 1) {
            Some(year + 1)
        } else {
            None
        }
    }

    /// [`Calendar::missing_schedule_year`] as the administrators read it, in Chinese: the status
    /// page's banner and the weekly notice.
    pub fn missing_schedule_notice(&self, today: NaiveDate) -> Option<String> {
        let year = self.missing_schedule_year(today)?;
        Some(format!(
            "{year} 年节假日安排尚未加载（config/holidays/{year}.toml）。在此之前，{year} 年按《全国年节及纪念日放假办法》\
             的法定节日（元旦、春节、清明、劳动节、端午、中秋、国庆）计算工作日，不含调休上班日，\
             涉及 {year} 年的期限均标注“未经核实”（calendar_unverified）。国务院办公厅通知发布后，\
             请添加该文件并运行 petition-watch check。"
        ))
    }

    /// The warning administrators need on `today`: from 1 November, next year's schedule is
    /// due; a year already under way without one is worse. `None` when all is loaded.
    pub fn missing_schedule_warning(&self, today: NaiveDate) -> Option<String> {
        let year = self.missing_schedule_year(today)?;
        if year == today.year() {
            Some(format!(
                "no holiday schedule for {year}: {year} falls back to the statutory days off \
                 (全国年节及纪念日放假办法) with no make-up working days, and every date computed \
                 from it is marked calendar_unverified; add {year}.toml"
            ))
        } else {
            Some(format!(
                "no holiday schedule for {year} yet: the State Council publishes it in November; \
                 add {year}.toml when it is out (until then {year} falls back to the statutory days \
                 off with no make-up working days, every date of it calendar_unverified)"
            ))
        }
    }
}

/// Saturday or Sunday.
pub fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
pub(crate) mod tests;
