//! The supervision digest (季度督查; by month too): counts by flag, status, category and village against the period before, overdue and due-soon cases per leader, closures in time and late, and the accountability table per responsible unit.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::Period;
use crate::calendar::Calendar;
use crate::domain::Case;
use crate::rules::{Flag, Register, RuleBook, screen};

/// A count this period and the period before.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Row {
    /// What is counted.
    pub name: String,
    /// This period.
    pub current: usize,
    /// The period before.
    pub previous: usize,
}

/// A case in a list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CaseRef {
    /// 信访件编号.
    pub case_no: String,
    /// 收到日期.
    pub received_on: NaiveDate,
    /// 村(社区).
    pub village: String,
    /// 问题类别.
    pub category: String,
    /// 包案领导.
    pub owner: String,
    /// 责任单位.
    pub unit: String,
    /// The flags at the period's end, Chinese names.
    pub flags: Vec<String>,
    /// The most urgent running deadline's statutory date, if any.
    pub due: Option<NaiveDate>,
    /// 状态 at the period's end.
    pub status: String,
}

/// One responsible unit's accountability figures (the seed's 责任追究 triggers).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnitRow {
    /// 责任单位.
    pub unit: String,
    /// Cases received in the period.
    pub cases: usize,
    /// 重复信访.
    pub repeat: usize,
    /// 越级访.
    pub skip_level: usize,
    /// 集体访.
    pub collective: usize,
    /// 集体越级访: collective and skip-level at once (the seed's 重大集体越级上访).
    pub collective_skip_level: usize,
    /// Of its cases concluded in the period, those concluded late.
    pub closed_late: usize,
    /// Its open cases past a statutory date at the period's end.
    pub open_overdue: usize,
}

/// The supervision digest of a period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Digest {
    /// The township.
    pub township: String,
    /// This period.
    pub period: (String, NaiveDate, NaiveDate),
    /// The period before.
    pub previous: (String, NaiveDate, NaiveDate),
    /// Cases received.
    pub received: Row,
    /// Received cases by the flags they carry at the period's end.
    pub by_flag: Vec<Row>,
    /// Received cases by status at the period's end.
    pub by_status: Vec<Row>,
    /// Received cases by category (they add up to `received`).
    pub by_category: Vec<Row>,
    /// Received cases by village (they add up to `received`).
    pub by_village: Vec<Row>,
    /// Open cases past a statutory date at the period's end (any receipt date), by owner.
    pub overdue: BTreeMap<String, Vec<CaseRef>>,
    /// Open cases due soon at the period's end, by owner.
    pub due_soon: BTreeMap<String, Vec<CaseRef>>,
    /// Cases concluded in the period within their handling limit.
    pub closed_in_time: Vec<CaseRef>,
    /// Cases concluded in the period after it.
    pub closed_late: Vec<CaseRef>,
    /// Per responsible unit, cases received in the period.
    pub accountability: Vec<UnitRow>,
    /// Every case received in the period.
    pub cases: Vec<CaseRef>,
    /// The flags the trend chart shows.
    pub trend_flags: Vec<String>,
    /// The six months ending with the period: (month, received cases carrying each trend flag).
    pub trend: Vec<(String, Vec<usize>)>,
    /// 签收, answers and 督办 in the period (DESIGN §5.3); absent where the work is not known
    /// (`simulate`, `report`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work: Option<super::WorkFigures>,
}

/// The flags the digest's trend chart follows month by month.
pub const TREND_FLAGS: [Flag; 5] = [Flag::Repeat, Flag::SkipLevel, Flag::Collective, Flag::Joint, Flag::Overdue];

/// What a blank register cell is counted as.
pub(super) const BLANK: &str = "未填写";

struct Snapshot {
    received: Vec<CaseRef>,
    open_overdue: Vec<CaseRef>,
    open_due_soon: Vec<CaseRef>,
    in_time: Vec<CaseRef>,
    late: Vec<CaseRef>,
}

fn status(case: &Case, end: NaiveDate) -> &'static str {
    let by = |d: Option<NaiveDate>| d.is_some_and(|d| d <= end);
    if by(case.recheck_requested_on) && !by(case.recheck_opinion_on) {
        "复核中"
    } else if by(case.review_accepted_on) && !by(case.review_opinion_on) {
        "复查中"
    } else if by(case.disposed_on) {
        // Disposed of without acceptance, counted apart from the cases handled here (DESIGN §2.2).
        match case.disposition {
            Some(crate::domain::Disposition::Transferred) => "已转送",
            _ => "已告知",
        }
    } else if by(case.concluded_on) {
        "已办结"
    } else if by(case.accepted_on) {
        "办理中"
    } else {
        "未受理"
    }
}

/// A case as a report lists it, with its screening result at `end` (if it was listed).
pub(super) fn case_ref(case: &Case, result: Option<&crate::rules::CaseResult<'_>>, end: NaiveDate) -> CaseRef {
    CaseRef {
        case_no: case.case_no.to_string(),
        received_on: case.received_on,
        village: case.village.clone().unwrap_or_else(|| BLANK.into()),
        category: case.category.clone().unwrap_or_else(|| BLANK.into()),
        owner: case.owner_leader.clone().unwrap_or_else(|| BLANK.into()),
        unit: case.responsible_unit.clone().unwrap_or_else(|| "未明确责任单位".into()),
        flags: result.map(|r| r.findings.iter().map(|f| f.flag.zh().to_owned()).collect()).unwrap_or_default(),
        due: result.and_then(|r| r.deadlines.iter().map(|d| d.due).min()),
        status: status(case, end).to_owned(),
    }
}

/// The cases as they stood at `period.end`.
fn snapshot(cases: &[Case], register: &Register, period: &Period, rules: &RuleBook, calendar: &Calendar) -> Snapshot {
    // Screen at the period's end with the "recent" window widened to the whole period, so every
    // case received in it is listed when it carries a flag, closed or not.
    let mut widened = rules.clone();
    let days = u32::try_from((period.end - period.start).num_days() + 1).unwrap_or(u32::MAX);
    widened.thresholds.recent_window_days = widened.thresholds.recent_window_days.max(days);
    let screening = screen(register, period.end, &widened, calendar);
    let flags: BTreeMap<&str, &crate::rules::CaseResult<'_>> = screening.cases.iter().map(|r| (r.case_no, r)).collect();
    let reference = |case: &Case| case_ref(case, flags.get(case.case_no.as_str()).copied(), period.end);
    let has = |case: &Case, flag: Flag| flags.get(case.case_no.as_str()).is_some_and(|r| r.has(flag));
    let mut snapshot =
        Snapshot { received: vec![], open_overdue: vec![], open_due_soon: vec![], in_time: vec![], late: vec![] };
    for case in cases.iter().filter(|c| c.received_on <= period.end) {
        if period.contains(case.received_on) {
            snapshot.received.push(reference(case));
        }
        let open = !case.closed_by(period.end);
        if open && Flag::ALL.iter().any(|f| f.is_deadline() && *f != Flag::DueSoon && has(case, *f)) {
            snapshot.open_overdue.push(reference(case));
        } else if open && has(case, Flag::DueSoon) {
            snapshot.open_due_soon.push(reference(case));
        }
        if let (Some(concluded), Some(accepted)) = (case.concluded_on, case.accepted_on)
            && period.contains(concluded)
        {
            let limit = rules.deadlines.handling_days + case.extension_days;
            let due = calendar.add_calendar_days(accepted, limit);
            if concluded <= due {
                snapshot.in_time.push(reference(case));
            } else {
                snapshot.late.push(reference(case));
            }
        }
    }
    snapshot
}

fn rows(current: &[CaseRef], previous: &[CaseRef], key: impl Fn(&CaseRef) -> Vec<String>) -> Vec<Row> {
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for c in current {
        for k in key(c) {
            counts.entry(k).or_default().0 += 1;
        }
    }
    for c in previous {
        for k in key(c) {
            counts.entry(k).or_default().1 += 1;
        }
    }
    let mut rows: Vec<Row> =
        counts.into_iter().map(|(name, (current, previous))| Row { name, current, previous }).collect();
    rows.sort_by(|a, b| b.current.cmp(&a.current).then_with(|| a.name.cmp(&b.name)));
    rows
}

fn by_owner(cases: Vec<CaseRef>) -> BTreeMap<String, Vec<CaseRef>> {
    let mut map: BTreeMap<String, Vec<CaseRef>> = BTreeMap::new();
    for c in cases {
        map.entry(c.owner.clone()).or_default().push(c);
    }
    map
}

fn unit_row(unit: &str) -> UnitRow {
    UnitRow {
        unit: unit.to_owned(),
        cases: 0,
        repeat: 0,
        skip_level: 0,
        collective: 0,
        collective_skip_level: 0,
        closed_late: 0,
        open_overdue: 0,
    }
}

/// The six months ending with `period`: per month, the cases received then carrying each of
/// [`TREND_FLAGS`] as at the period's end.
pub(super) fn trend(
    cases: &[Case],
    register: &Register,
    period: &Period,
    rules: &RuleBook,
    calendar: &Calendar,
) -> Vec<(String, Vec<usize>)> {
    // The trend: the six months ending with the period, flags as at its end.
    let mut months = Vec::new();
    if let Some(last) = period.end.succ_opt().and_then(|d| Period::month_before(d, rules.month_starts_on_day)) {
        let mut month = last;
        for _ in 0..6 {
            let before = month.previous();
            months.push(month);
            month = before;
        }
        months.reverse();
    }
    match (months.first(), months.last()) {
        (Some(first), Some(_)) => {
            let span = Period { label: String::new(), start: first.start, end: period.end, months: 6 };
            let seen = snapshot(cases, register, &span, rules, calendar);
            months
                .iter()
                .map(|m| {
                    let counts = TREND_FLAGS
                        .iter()
                        .map(|f| {
                            seen.received
                                .iter()
                                .filter(|c| m.contains(c.received_on) && c.flags.iter().any(|x| x == f.zh()))
                                .count()
                        })
                        .collect();
                    (m.label.clone(), counts)
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The digest of `period` (and the period before it) over `cases`; over a year it is the
/// annual assessment (年度目标考核): the accountability table per unit carries what the seed's
/// veto rule (一票否决) looks at.
pub fn digest(
    township: &str,
    cases: &[Case],
    register: &Register,
    period: &Period,
    rules: &RuleBook,
    calendar: &Calendar,
) -> Digest {
    let previous = period.previous();
    let now = snapshot(cases, register, period, rules, calendar);
    let before = snapshot(cases, register, &previous, rules, calendar);
    // Most urgent first, the labels (署名信访, 初信初访) last.
    let flag_order: BTreeMap<&str, usize> = Flag::BY_URGENCY.iter().enumerate().map(|(i, f)| (f.zh(), i)).collect();
    let mut by_flag = rows(&now.received, &before.received, |c| c.flags.clone());
    by_flag.sort_by_key(|r| flag_order.get(r.name.as_str()).copied().unwrap_or(usize::MAX));
    let mut accountability: BTreeMap<String, UnitRow> = BTreeMap::new();
    for c in &now.received {
        let row = accountability.entry(c.unit.clone()).or_insert_with(|| unit_row(&c.unit));
        let has = |flag: Flag| c.flags.iter().any(|f| f == flag.zh());
        row.cases += 1;
        row.repeat += usize::from(has(Flag::Repeat));
        row.skip_level += usize::from(has(Flag::SkipLevel));
        row.collective += usize::from(has(Flag::Collective));
        row.collective_skip_level += usize::from(has(Flag::Collective) && has(Flag::SkipLevel));
    }
    for c in &now.late {
        accountability.entry(c.unit.clone()).or_insert_with(|| unit_row(&c.unit)).closed_late += 1;
    }
    for c in &now.open_overdue {
        accountability.entry(c.unit.clone()).or_insert_with(|| unit_row(&c.unit)).open_overdue += 1;
    }
    let mut accountability: Vec<UnitRow> = accountability.into_values().collect();
    accountability.sort_by(|a, b| {
        (b.repeat + b.skip_level + b.collective)
            .cmp(&(a.repeat + a.skip_level + a.collective))
            .then(a.unit.cmp(&b.unit))
    });
    let trend = trend(cases, register, period, rules, calendar);
    Digest {
        trend_flags: TREND_FLAGS.iter().map(|f| f.zh().to_owned()).collect(),
        trend,
        township: township.to_owned(),
        period: (period.label.clone(), period.start, period.end),
        previous: (previous.label.clone(), previous.start, previous.end),
        received: Row { name: "收到信访件".into(), current: now.received.len(), previous: before.received.len() },
        by_flag,
        by_status: rows(&now.received, &before.received, |c| vec![c.status.clone()]),
        by_category: rows(&now.received, &before.received, |c| vec![c.category.clone()]),
        by_village: rows(&now.received, &before.received, |c| vec![c.village.clone()]),
        overdue: by_owner(now.open_overdue),
        due_soon: by_owner(now.open_due_soon),
        closed_in_time: now.in_time,
        closed_late: now.late,
        accountability,
        cases: now.received,
        work: None,
    }
}
