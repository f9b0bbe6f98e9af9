//! The sweep report (节前/会前排查): the cases to watch before a holiday or event.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{CaseRef, case_ref};
use crate::calendar::Calendar;
use crate::domain::Case;
use crate::rules::{Register, RuleBook, screen};

/// The pre-event sweep report (节前/会前排查): the open flagged cases before a holiday or event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SweepReport {
    /// The township.
    pub township: String,
    /// The holiday or event swept for.
    pub event: String,
    /// Its first day.
    pub starts: NaiveDate,
    /// The day of the sweep (the screening date).
    pub day: NaiveDate,
    /// The open flagged cases, most urgent first: the case, its act-by date, its progress as
    /// the register records it (status and dates; the free-text 备注 is not sent, as it can
    /// name people).
    pub cases: Vec<(CaseRef, Option<NaiveDate>, String)>,
}

/// The sweep for `target` screened on `day`.
pub fn sweep_report(
    township: &str,
    target: &crate::schedule::SweepTarget,
    day: NaiveDate,
    cases: &[Case],
    register: &Register,
    rules: &RuleBook,
    calendar: &Calendar,
) -> SweepReport {
    let screening = screen(register, day, rules, calendar);
    let by_no: BTreeMap<&str, &Case> = cases.iter().map(|c| (c.case_no.as_str(), c)).collect();
    let mut listed: Vec<(CaseRef, Option<NaiveDate>, String)> = screening
        .cases
        .iter()
        .filter_map(|r| {
            let case = by_no.get(r.case_no)?;
            if case.closed_by(day) {
                return None;
            }
            let reference = case_ref(case, Some(r), day);
            let act_by = r.deadlines.iter().map(|d| d.act_by).min();
            let progress = match (case.accepted_on, case.owner_deadline) {
                (Some(a), Some(d)) => format!("{a} 受理，包案期限 {d}"),
                (Some(a), None) => format!("{a} 受理，未定包案期限"),
                (None, _) => "未受理".to_owned(),
            };
            Some((reference, act_by, progress))
        })
        .collect();
    listed.sort_by(|a, b| {
        (a.1.unwrap_or(NaiveDate::MAX), &a.0.case_no).cmp(&(b.1.unwrap_or(NaiveDate::MAX), &b.0.case_no))
    });
    SweepReport { township: township.to_owned(), event: target.name.clone(), starts: target.starts, day, cases: listed }
}
