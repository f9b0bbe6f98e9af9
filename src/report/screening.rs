//! The monthly screening report (预测排查): each flag's cases, repeat petitioners, and the month's figures.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{BLANK, CaseRef, Period, TREND_FLAGS, case_ref, trend};
use crate::calendar::Calendar;
use crate::domain::Case;
use crate::rules::{Flag, Register, RuleBook, screen};

/// One flag's cases in the monthly screening report: a view of [`ScreeningReport::cases`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagSection<'r> {
    /// The flag's Chinese name.
    pub flag: &'static str,
    /// The cases carrying it at the period's end, in the report's order.
    pub cases: Vec<&'r CaseRef>,
}

/// A petitioner with several cases, one of them flagged 重复信访 (names masked: the report
/// leaves the office).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RepeatPetitioner {
    /// The name, masked (张**); confidential and anonymous cases are not listed.
    pub petitioner: String,
    /// 村(社区).
    pub village: String,
    /// Their cases up to the period's end.
    pub case_nos: Vec<String>,
}

/// The monthly screening report (预测排查情况).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScreeningReport {
    /// The township.
    pub township: String,
    /// The period: label, first and last day; screened at the last.
    pub period: (String, NaiveDate, NaiveDate),
    /// Every case flagged at the period's end, once, in screening order; each carries its flags,
    /// so a flag's list ([`ScreeningReport::sections`]) is read from here rather than stored
    /// again (on a large register each case carries several flags).
    pub cases: Vec<CaseRef>,
    /// Petitioners with more than one case.
    pub repeat_petitioners: Vec<RepeatPetitioner>,
    /// Early signs: (village, category, case numbers).
    pub early_signs: Vec<(String, String, Vec<String>)>,
    /// Open flagged cases lacking 包案领导, 责任人 or 包案期限: (case number, what is missing);
    /// each is one of [`ScreeningReport::cases`].
    pub unassigned: Vec<(String, String)>,
    /// Flagged cases received in the period.
    pub new_cases: usize,
    /// Flagged cases received before it.
    pub carried_over: usize,
    /// The flags the trend chart shows.
    pub trend_flags: Vec<String>,
    /// The six months ending with the period: (month, received cases carrying each trend flag).
    pub trend: Vec<(String, Vec<usize>)>,
    /// 签收, answers and 督办 in the period (DESIGN §5.3); absent where the work is not known
    /// (`simulate`, `report`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work: Option<super::WorkFigures>,
}

impl ScreeningReport {
    /// Per flag, most urgent first and the labels (署名信访, 初信初访) last ([`Flag::BY_URGENCY`]),
    /// the cases carrying it; flags no case carries are left out.
    pub fn sections(&self) -> Vec<FlagSection<'_>> {
        Flag::BY_URGENCY
            .iter()
            .map(|flag| FlagSection {
                flag: flag.zh(),
                cases: self.cases.iter().filter(|c| c.flags.iter().any(|f| f == flag.zh())).collect(),
            })
            .filter(|s| !s.cases.is_empty())
            .collect()
    }

    /// The cases lacking an owner, responsible person or deadline, with what is missing.
    pub fn unassigned_cases(&self) -> Vec<(&CaseRef, &str)> {
        let by_no: std::collections::HashMap<&str, &CaseRef> =
            self.cases.iter().map(|c| (c.case_no.as_str(), c)).collect();
        self.unassigned.iter().filter_map(|(no, missing)| Some((*by_no.get(no.as_str())?, missing.as_str()))).collect()
    }
}

/// The monthly screening report of `period`: the register screened at its last day.
pub fn screening_report(
    township: &str,
    cases: &[Case],
    register: &Register,
    period: &Period,
    rules: &RuleBook,
    calendar: &Calendar,
) -> ScreeningReport {
    let screening = screen(register, period.end, rules, calendar);
    let by_no: BTreeMap<&str, &Case> = cases.iter().map(|c| (c.case_no.as_str(), c)).collect();
    let reference = |result: &crate::rules::CaseResult<'_>| -> Option<CaseRef> {
        Some(case_ref(by_no.get(result.case_no)?, Some(result), period.end))
    };
    let flagged: Vec<CaseRef> = screening.cases.iter().filter_map(reference).collect();
    // Petitioners with several cases, by ID number, else name and village.
    let mut petitioners: BTreeMap<(String, String), (String, Vec<String>)> = BTreeMap::new();
    for case in cases.iter().filter(|c| c.received_on <= period.end && !c.anonymous && !c.confidential) {
        let Some(name) = case.petitioner.as_deref().filter(|n| !n.trim().is_empty()) else { continue };
        let village = case.village.clone().unwrap_or_else(|| BLANK.into());
        let key = match &case.petitioner_id {
            Some(id) => (id.expose().to_owned(), String::new()),
            None => (crate::domain::normalize_name(name), village.clone()),
        };
        let entry = petitioners.entry(key).or_insert_with(|| (crate::domain::mask_name(name), vec![]));
        entry.1.push(case.case_no.to_string());
    }
    // Those with a case flagged 重复信访 at the period's end.
    let repeats: std::collections::BTreeSet<&str> =
        screening.cases.iter().filter(|r| r.has(Flag::Repeat)).map(|r| r.case_no).collect();
    let repeat_petitioners = petitioners
        .into_iter()
        .filter(|(_, (_, nos))| nos.len() > 1 && nos.iter().any(|n| repeats.contains(n.as_str())))
        .map(|((_, village), (petitioner, case_nos))| RepeatPetitioner { petitioner, village, case_nos })
        .collect();
    let mut unassigned = Vec::new();
    let (mut new_cases, mut carried_over) = (0, 0);
    for result in &screening.cases {
        let Some(case) = by_no.get(result.case_no) else { continue };
        if period.contains(case.received_on) {
            new_cases += 1;
        } else {
            carried_over += 1;
        }
        let open = !case.closed_by(period.end);
        let mut missing = Vec::new();
        if case.owner_leader.as_deref().is_none_or(|o| o.trim().is_empty()) {
            missing.push("包案领导");
        }
        if case.responsible_person.as_deref().is_none_or(|o| o.trim().is_empty()) {
            missing.push("责任人");
        }
        if case.owner_deadline.is_none() {
            missing.push("包案期限");
        }
        if open && !missing.is_empty() {
            unassigned.push((result.case_no.to_owned(), missing.join("、")));
        }
    }
    ScreeningReport {
        township: township.to_owned(),
        period: (period.label.clone(), period.start, period.end),
        cases: flagged,
        repeat_petitioners,
        early_signs: screening
            .early_signs
            .iter()
            .map(|g| (g.village.clone(), g.category.clone(), g.case_nos.clone()))
            .collect(),
        unassigned,
        new_cases,
        carried_over,
        work: None,
        trend_flags: TREND_FLAGS.iter().map(|f| f.zh().to_owned()).collect(),
        trend: trend(cases, register, period, rules, calendar),
    }
}
