//! The holiday file format (`config/holidays/YEAR.toml`) and its validation.

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::domain::DateSpan;

/// Which holiday a break is, for the lead time of the pre-holiday sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// 元旦.
    NewYear,
    /// 春节.
    SpringFestival,
    /// 清明节.
    Qingming,
    /// 劳动节.
    LabourDay,
    /// 端午节.
    DragonBoat,
    /// 中秋节.
    MidAutumn,
    /// 国庆节 (also when combined with 中秋).
    NationalDay,
}

/// One official break.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// Its name as the notice gives it (春节).
    pub name: String,
    /// Which holiday it is.
    pub kind: HolidayKind,
    /// The days off, `DATE..DATE` or one `DATE`.
    #[serde(deserialize_with = "de_span")]
    pub days_off: DateSpan,
}

impl Holiday {
    /// Every day off of the break.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.days_off.first.iter_days().take_while(|d| *d <= self.days_off.last)
    }
}

fn de_span<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DateSpan, D::Error> {
    let text = String::deserialize(d)?;
    DateSpan::parse(&text).map_err(serde::de::Error::custom)
}

fn de_days<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<NaiveDate>, D::Error> {
    let texts = Vec::<String>::deserialize(d)?;
    texts.iter().map(|t| crate::domain::parse_date(t).map_err(serde::de::Error::custom)).collect()
}

/// A year's schedule as written in `config/holidays/YEAR.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayFile {
    /// The year the schedule is for.
    pub year: i32,
    /// The notice it comes from (国办发明电〔2025〕7号).
    pub notice: String,
    /// 调休: weekend days that are working days.
    #[serde(deserialize_with = "de_days", default)]
    pub make_up_working_days: Vec<NaiveDate>,
    /// The breaks.
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

impl HolidayFile {
    /// The make-up working days.
    pub fn make_up_days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.make_up_working_days.iter().copied()
    }

    /// Problems in the file, each with the key it concerns. Empty when the file is sound.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        // A schedule's dates lie in its year; a New Year break (and its make-up day) may reach
        // two weeks into the year before or after, never further: a file copied from another
        // year with only `year` changed is caught.
        let near_year = |d: NaiveDate| {
            let (Some(first), Some(last)) =
                (NaiveDate::from_ymd_opt(self.year, 1, 1), NaiveDate::from_ymd_opt(self.year, 12, 31))
            else {
                return false;
            };
            first - chrono::Duration::days(14) <= d && d <= last + chrono::Duration::days(14)
        };
        for (i, day) in self.make_up_working_days.iter().enumerate() {
            let key = format!("make_up_working_days[{i}]");
            if !super::is_weekend(*day) {
                out.push((
                    key.clone(),
                    format!(
                        "{day} is a {}, not a weekend day; a make-up working day is a Saturday or Sunday",
                        day.weekday()
                    ),
                ));
            }
            if !near_year(*day) {
                out.push((key.clone(), format!("{day} is not in {} (the file's `year`)", self.year)));
            }
            if self.holidays.iter().any(|h| h.days_off.contains(*day)) {
                out.push((key, format!("{day} is also listed as a day off")));
            }
        }
        for (i, holiday) in self.holidays.iter().enumerate() {
            let key = format!("holidays[{i}].days_off");
            let span = holiday.days_off;
            if !near_year(span.first) || !near_year(span.last) {
                out.push((key.clone(), format!("{span} is not in {} (the file's `year`)", self.year)));
            }
            if (span.last - span.first).num_days() > 14 {
                out.push((key.clone(), format!("{span} is longer than any official break")));
            }
            for (j, other) in self.holidays.iter().enumerate().skip(i + 1) {
                if other.days_off.first <= span.last && span.first <= other.days_off.last {
                    out.push((key.clone(), format!("{span} overlaps holidays[{j}] {}", other.days_off)));
                }
            }
        }
        out
    }
}
