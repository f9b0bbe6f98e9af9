//! Category-level findings for the screening report: early signs per village and category, and
//! each category's count this statistical month against its mean over the three months before.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};

use super::context::Context;

/// Cases of one category from one village within the early-sign window (苗头性问题).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlySignGroup {
    /// 问题类别.
    pub category: String,
    /// 村(社区).
    pub village: String,
    /// The cases, in the order they came.
    pub case_nos: Vec<String>,
}

/// One category's count in the statistical month containing D, against the three before.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryTrend {
    /// 问题类别.
    pub category: String,
    /// First day of the statistical month containing D.
    pub period_start: NaiveDate,
    /// Cases received from `period_start` to D.
    pub this_period: u32,
    /// Cases received in each of the three statistical months before, oldest first.
    pub previous: [u32; 3],
}

impl CategoryTrend {
    /// Mean of the three months before.
    pub fn previous_mean(&self) -> f64 {
        f64::from(self.previous.iter().sum::<u32>()) / 3.0
    }
}

/// First day of the statistical month containing `day`, when months start on `start_day`
/// (1–28; 21 means a month runs from the 21st of the month before to the 20th).
pub fn statistical_month_start(day: NaiveDate, start_day: u32) -> NaiveDate {
    let start_day = start_day.clamp(1, 28);
    let this_month = NaiveDate::from_ymd_opt(day.year(), day.month(), start_day).unwrap_or(day);
    if day.day() >= start_day {
        this_month
    } else {
        this_month.checked_sub_months(Months::new(1)).unwrap_or(this_month)
    }
}

/// Groups of at least `early_sign_min_cases` cases, sorted by village then category.
pub fn early_signs(ctx: &Context<'_>) -> Vec<EarlySignGroup> {
    let min = usize::try_from(ctx.rules.thresholds.early_sign_min_cases).unwrap_or(usize::MAX);
    let mut groups: Vec<EarlySignGroup> = ctx
        .early_sign_groups()
        .filter(|(_, positions)| positions.len() >= min)
        .map(|((category, village), positions)| EarlySignGroup {
            category: ctx.register.text(*category).to_owned(),
            village: ctx.register.text(*village).to_owned(),
            case_nos: positions.iter().map(|p| ctx.register.case_no(ctx.record(*p as usize)).to_owned()).collect(),
        })
        .collect();
    groups.sort_by(|a, b| (&a.village, &a.category).cmp(&(&b.village, &b.category)));
    groups
}

/// Every category seen in the four statistical months ending D, sorted by category.
///
/// Choice: "this month" is the statistical month containing D, counted up to D, since a
/// screening sees only what was received by D.
pub fn trends(ctx: &Context<'_>) -> Vec<CategoryTrend> {
    let period_start = statistical_month_start(ctx.as_of, ctx.rules.month_starts_on_day);
    let starts: Vec<NaiveDate> =
        (1..=3).rev().map(|n| period_start.checked_sub_months(Months::new(n)).unwrap_or(NaiveDate::MIN)).collect();
    let mut counts: BTreeMap<String, (u32, [u32; 3])> = BTreeMap::new();
    let records = &ctx.register.records()[..ctx.len()];
    let from = records.partition_point(|r| r.received_on < starts[0]);
    let mut by_symbol: rustc_hash::FxHashMap<u32, (u32, [u32; 3])> = rustc_hash::FxHashMap::default();
    for record in &records[from..] {
        if record.category == super::register::NONE {
            continue;
        }
        let entry = by_symbol.entry(record.category).or_default();
        if record.received_on >= period_start {
            entry.0 += 1;
        } else if let Some(month) = starts.iter().rposition(|s| record.received_on >= *s) {
            entry.1[month] += 1;
        }
    }
    for (category, entry) in by_symbol {
        counts.insert(ctx.register.text(category).to_owned(), entry);
    }
    counts
        .into_iter()
        .map(|(category, (this_period, previous))| CategoryTrend { category, period_start, this_period, previous })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn statistical_months_can_start_on_the_21st_of_the_month_before() {
        assert_eq!(statistical_month_start(day(2026, 11, 27), 1), day(2026, 11, 1));
        assert_eq!(statistical_month_start(day(2026, 11, 20), 21), day(2026, 10, 21));
        assert_eq!(statistical_month_start(day(2026, 11, 21), 21), day(2026, 11, 21));
        assert_eq!(statistical_month_start(day(2026, 1, 5), 21), day(2025, 12, 21));
    }
}
