//! The statutory days off of a year without an official schedule (DESIGN §2.1): what
//! 全国年节及纪念日放假办法 (2024 revision, in force 2025) fixes for every year, without the
//! make-up working days the State Council adds each November (those cannot be guessed).
//!
//! 元旦 1-1; 春节 除夕 to 正月初三 (4 days); 清明 (the solar term's day); 劳动节 5-1 and 5-2;
//! 端午 (五月初五); 中秋 (八月十五); 国庆 10-1 to 10-3. Lunar dates and the solar term come from
//! `tyme4rs` (6tail's Tyme, the ShouXing astronomical algorithms); checked against the official
//! 2025 and 2026 schedules in the tests.
//!
//! Pure: a function of the year, computed once per process for every year of the calendar's table.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use tyme4rs::tyme::lunar::LunarDay;
use tyme4rs::tyme::solar::{SolarDay, SolarTerm};

use super::holidays::{Holiday, HolidayKind};
use crate::domain::DateSpan;

fn to_date(day: &SolarDay) -> Option<NaiveDate> {
    let month = day.get_solar_month();
    NaiveDate::from_ymd_opt(
        i32::try_from(month.get_year()).ok()?,
        u32::try_from(month.get_month()).ok()?,
        u32::try_from(day.get_day()).ok()?,
    )
}

fn lunar(year: i32, month: isize, day: usize) -> Option<NaiveDate> {
    to_date(&LunarDay::new(isize::try_from(year).ok()?, month, day).ok()?.get_solar_day())
}

fn span(first: Option<NaiveDate>, days: u64) -> Option<DateSpan> {
    let first = first?;
    Some(DateSpan { first, last: first.checked_add_days(chrono::Days::new(days.saturating_sub(1)))? })
}

fn holiday(name: &str, kind: HolidayKind, days_off: Option<DateSpan>) -> Option<Holiday> {
    Some(Holiday { name: name.to_owned(), kind, days_off: days_off? })
}

/// The statutory days off of `year`, in date order. When 八月十五 falls on 10-1 … 10-3 the two
/// holidays are one break, 国庆节, not two.
pub fn statutory_holidays(year: i32) -> Vec<Holiday> {
    let ymd = |m, d| NaiveDate::from_ymd_opt(year, m, d);
    // 除夕 is the day before 正月初一 (腊月 has 29 or 30 days).
    let new_year_eve = lunar(year, 1, 1).and_then(|d| d.pred_opt());
    let qingming = isize::try_from(year)
        .ok()
        .and_then(|y| SolarTerm::new(y, "清明").ok())
        .and_then(|term| to_date(&term.get_solar_day()));
    let national_day = span(ymd(10, 1), 3);
    let mid_autumn = span(lunar(year, 8, 15), 1).filter(|m| national_day.is_none_or(|n| !n.contains(m.first)));
    let mut out: Vec<Holiday> = [
        holiday("元旦", HolidayKind::NewYear, span(ymd(1, 1), 1)),
        holiday("春节", HolidayKind::SpringFestival, span(new_year_eve, 4)),
        holiday("清明节", HolidayKind::Qingming, span(qingming, 1)),
        holiday("劳动节", HolidayKind::LabourDay, span(ymd(5, 1), 2)),
        holiday("端午节", HolidayKind::DragonBoat, span(lunar(year, 5, 5), 1)),
        holiday("中秋节", HolidayKind::MidAutumn, mid_autumn),
        holiday("国庆节", HolidayKind::NationalDay, national_day),
    ]
    .into_iter()
    .flatten()
    .collect();
    out.sort_by_key(|h| h.days_off.first);
    out
}

/// [`statutory_holidays`] of `year`, computed once per process for every year from 1990 to 2100
/// (the calendar's table); empty outside it.
pub fn statutory_holidays_cached(year: i32) -> &'static [Holiday] {
    static YEARS: LazyLock<BTreeMap<i32, Vec<Holiday>>> =
        LazyLock::new(|| (1990..=2100).map(|y| (y, statutory_holidays(y))).collect());
    YEARS.get(&year).map_or(&[], Vec::as_slice)
}
