//! The township's working-day calendar: official days off and make-up working days (调休)
//! from the State Council's yearly notice, with Monday–Friday as the unverified fallback.
//!
//! Pure: holiday schedules come in as parsed data ([`HolidayFile`]); nothing here reads a file.

mod holidays;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};

pub use holidays::{Holiday, HolidayFile, HolidayKind};

/// Whether a day is a working day, and whether that answer comes from an official schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayKind {
    /// A working day (工作日), including a make-up working day on a weekend.
    pub working: bool,
    /// False when the day's year has no schedule loaded and Monday–Friday was assumed.
    pub verified: bool,
}

/// One year's official schedule.
#[derive(Debug, Clone, Default)]
struct YearSchedule {
    days_off: BTreeSet<NaiveDate>,
    make_up_working_days: BTreeSet<NaiveDate>,
    holidays: Vec<Holiday>,
}

/// The working-day calendar built from the loaded holiday files.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, YearSchedule>,
}

impl Calendar {
    /// Builds the calendar from validated holiday files, one per year.
    pub fn new(files: impl IntoIterator<Item = HolidayFile>) -> Self {
        let mut years = BTreeMap::new();
        for file in files {
            let schedule = YearSchedule {
                days_off: file.holidays.iter().flat_map(|h| h.days()).collect(),
                make_up_working_days: file.make_up_days().collect(),
                holidays: file.holidays,
            };
            years.insert(file.year, schedule);
        }
        Self { years }
    }

    /// Whether `year` has an official schedule loaded.
    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// The years that have an official schedule loaded.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    /// Whether `day` is a working day, from the schedule of its year or the fallback.
    pub fn day_kind(&self, day: NaiveDate) -> DayKind {
        match self.years.get(&day.year()) {
            Some(schedule) => DayKind {
                working: schedule.make_up_working_days.contains(&day)
                    || (!is_weekend(day) && !schedule.days_off.contains(&day)),
                verified: true,
            },
            None => DayKind { working: !is_weekend(day), verified: false },
        }
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        self.day_kind(day).working
    }

    /// The holidays of every loaded year, in date order.
    pub fn holidays(&self) -> impl Iterator<Item = &Holiday> + '_ {
        self.years.values().flat_map(|y| y.holidays.iter())
    }

    /// The warning administrators need on `today`: from 1 November, next year's schedule is
    /// due; a year already under way without one is worse. `None` when all is loaded.
    pub fn missing_schedule_warning(&self, today: NaiveDate) -> Option<String> {
        let year = today.year();
        if !self.has_year(year) {
            return Some(format!(
                "no holiday schedule for {year}: working days of {year} fall back to Monday–Friday \
                 and every date computed from them is marked calendar_unverified; add {year}.toml"
            ));
        }
        if today.month() >= 11 && !self.has_year(year + 1) {
            return Some(format!(
                "no holiday schedule for {next} yet: the State Council publishes it in November; \
                 add {next}.toml when it is out (until then {next} falls back to Monday–Friday)",
                next = year + 1
            ));
        }
        None
    }
}

/// Saturday or Sunday.
pub fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
mod tests;
