//! Report periods: statistical months (from `month_starts_on_day`), quarters and years, with the period before each.

use chrono::{Datelike, Months, NaiveDate};

/// A report's span of days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// As written: `2026-10`, `2026Q3`, `2026`.
    pub label: String,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// Months it spans (1, 3, 12), for the period before.
    pub(super) months: u32,
}

impl Period {
    /// Reads `2026-10` (a month), `2026Q3` (a quarter) or `2026` (a year). With statistical
    /// months starting on day `start_day` (`reports.month_starts_on_day`, 1–28), every period
    /// starts on that day of the month before its first calendar month.
    ///
    /// Choice: a statistical month is named by the calendar month it ends in — with 21, the
    /// month `2026-10` runs from 2026-09-21 to 2026-10-20, and `2026Q4` from 2026-09-21 to
    /// 2026-12-20.
    pub fn parse(text: &str, start_day: u32) -> Result<Self, String> {
        let text = text.trim();
        let bad = || format!("{text:?} is not a period like 2026-10 (month), 2026Q3 (quarter) or 2026 (year)");
        let (year, first_month, months) = if let Some((y, q)) = text.split_once(['Q', 'q']) {
            let q: u32 = q.parse().map_err(|_| bad())?;
            if !(1..=4).contains(&q) {
                return Err(bad());
            }
            (y.parse::<i32>().map_err(|_| bad())?, (q - 1) * 3 + 1, 3)
        } else if let Some((y, m)) = text.split_once('-') {
            let m: u32 = m.parse().map_err(|_| bad())?;
            if !(1..=12).contains(&m) {
                return Err(bad());
            }
            (y.parse::<i32>().map_err(|_| bad())?, m, 1)
        } else {
            (text.parse::<i32>().map_err(|_| bad())?, 1, 12)
        };
        if !(1990..=2100).contains(&year) {
            return Err(bad());
        }
        Self::from_first_month(text.to_owned(), year, first_month, months, start_day).ok_or_else(bad)
    }

    fn from_first_month(label: String, year: i32, first_month: u32, months: u32, start_day: u32) -> Option<Self> {
        let start_day = start_day.clamp(1, 28);
        let calendar_start = NaiveDate::from_ymd_opt(year, first_month, 1)?;
        let start = if start_day == 1 {
            calendar_start
        } else {
            calendar_start.checked_sub_months(Months::new(1))?.with_day(start_day)?
        };
        let end = start.checked_add_months(Months::new(months))?.pred_opt()?;
        Some(Self { label, start, end, months })
    }

    /// The quarter before the one `day` falls in (what a digest at the start of a quarter
    /// covers), with statistical months starting on `start_day`.
    pub fn quarter_before(day: NaiveDate, start_day: u32) -> Option<Self> {
        let start_day = start_day.clamp(1, 28);
        // The calendar month the statistical month of `day` is named by.
        let named = if start_day > 1 && day.day() >= start_day { day.checked_add_months(Months::new(1))? } else { day };
        let quarter = (named.month() - 1) / 3 + 1;
        let this = Self::parse(&format!("{}Q{quarter}", named.year()), start_day).ok()?;
        Some(this.previous())
    }

    /// The month before the one `day` falls in, with statistical months starting on
    /// `start_day`.
    pub fn month_before(day: NaiveDate, start_day: u32) -> Option<Self> {
        let start_day = start_day.clamp(1, 28);
        let named = if start_day > 1 && day.day() >= start_day { day.checked_add_months(Months::new(1))? } else { day };
        let this = Self::parse(&format!("{}-{:02}", named.year(), named.month()), start_day).ok()?;
        Some(this.previous())
    }

    /// The period of the same length just before this one.
    pub fn previous(&self) -> Self {
        let start = self.start.checked_sub_months(Months::new(self.months)).unwrap_or(self.start);
        let end = self.start.pred_opt().unwrap_or(self.start);
        let label = match self.months {
            12 => format!("{}", end.year()),
            3 => format!("{}Q{}", end.year(), (end.month() - 1) / 3 + 1),
            _ => format!("{}-{:02}", end.year(), end.month()),
        };
        Self { label, start, end, months: self.months }
    }

    /// Whether `day` is in the period.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }
}
