//! Reports the leading group reads (DESIGN §2.4): the periods they cover and the figures in
//! them, each traceable to a list of cases. Pure: the cases, the register, the rules and the
//! calendar come in; a report model comes out, which `render::report` writes as XLSX or
//! Markdown.
//!
//! So far: report periods and the supervision digest (季度督查; by month too) — counts by
//! flag, status, category and village against the period before, overdue and due-soon cases per
//! leader, closures in time and late, and the accountability table per responsible unit.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Datelike, Months, NaiveDate};

use crate::calendar::Calendar;
use crate::domain::Case;
use crate::rules::{Flag, Register, RuleBook, screen};

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
    months: u32,
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
}

/// The flags the digest's trend chart follows month by month.
pub const TREND_FLAGS: [Flag; 5] = [Flag::Repeat, Flag::SkipLevel, Flag::Collective, Flag::Joint, Flag::Overdue];

/// What a blank register cell is counted as.
const BLANK: &str = "未填写";

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
fn case_ref(case: &Case, result: Option<&crate::rules::CaseResult<'_>>, end: NaiveDate) -> CaseRef {
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
fn trend(
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
    let flag_order: BTreeMap<&str, usize> = Flag::ALL.iter().enumerate().map(|(i, f)| (f.zh(), i)).collect();
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn case(no: &str, flags: &[&str]) -> CaseRef {
        CaseRef {
            case_no: no.into(),
            received_on: day(2026, 10, 9),
            village: "东湖村".into(),
            category: "征地拆迁".into(),
            owner: "li-hua".into(),
            unit: "国土所".into(),
            flags: flags.iter().map(|f| (*f).to_owned()).collect(),
            due: Some(day(2026, 11, 20)),
            status: "办理中".into(),
        }
    }

    #[test]
    fn reports_read_back_as_written_and_a_report_without_its_tag_first_is_refused() {
        let screening = Document::Screening(Arc::new(ScreeningReport {
            township: "示例镇".into(),
            period: ("2026-10".into(), day(2026, 10, 1), day(2026, 10, 31)),
            cases: vec![case("XF-1", &["重复信访", "越级访"]), case("XF-2", &["越级访"])],
            repeat_petitioners: vec![],
            early_signs: vec![("东湖村".into(), "征地拆迁".into(), vec!["XF-1".into()])],
            unassigned: vec![("XF-2".into(), "责任人".into())],
            new_cases: 2,
            carried_over: 0,
            trend_flags: vec!["重复信访".into()],
            trend: vec![("2026-10".into(), vec![1])],
        }));
        let sweep = Document::Sweep(Arc::new(SweepReport {
            township: "示例镇".into(),
            event: "元旦".into(),
            starts: day(2027, 1, 1),
            day: day(2026, 12, 24),
            cases: vec![(case("XF-3", &["受理超期"]), Some(day(2026, 12, 30)), "办理中".into())],
        }));
        for document in [screening.clone(), sweep] {
            let text = serde_json::to_string(&document).expect("json");
            assert!(text.starts_with("{\"report\":"), "{text}");
            assert_eq!(serde_json::from_str::<Document>(&text).expect("reads back"), document);
        }
        let Document::Screening(report) = &screening else { unreachable!() };
        let sections: Vec<(&str, usize)> = report.sections().iter().map(|s| (s.flag, s.cases.len())).collect();
        assert_eq!(sections, [("重复信访", 1), ("越级访", 2)]);
        assert_eq!(report.unassigned_cases()[0].0.case_no, "XF-2");
        for bad in [r#"{"township":"示例镇","report":"sweep"}"#, r#"{"report":"annual"}"#, r#"["screening"]"#] {
            assert!(serde_json::from_str::<Document>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn periods_are_months_quarters_and_years_shifted_by_the_statistical_month() {
        let p = Period::parse("2026Q3", 1).expect("quarter");
        assert_eq!((p.start, p.end), (day(2026, 7, 1), day(2026, 9, 30)));
        assert_eq!(p.previous().label, "2026Q2");
        let p = Period::parse("2026-10", 21).expect("month");
        assert_eq!((p.start, p.end), (day(2026, 9, 21), day(2026, 10, 20)));
        assert_eq!(
            (p.previous().start, p.previous().end, p.previous().label.as_str()),
            (day(2026, 8, 21), day(2026, 9, 20), "2026-09")
        );
        let p = Period::parse("2026Q1", 21).expect("quarter");
        assert_eq!((p.start, p.end), (day(2025, 12, 21), day(2026, 3, 20)));
        assert_eq!(p.previous().label, "2025Q4");
        let p = Period::parse("2026", 1).expect("year");
        assert_eq!((p.start, p.end, p.previous().label.as_str()), (day(2026, 1, 1), day(2026, 12, 31), "2025"));
        assert_eq!(Period::quarter_before(day(2026, 10, 8), 1).map(|p| p.label), Some("2026Q3".into()));
        assert_eq!(Period::quarter_before(day(2026, 1, 4), 1).map(|p| p.label), Some("2025Q4".into()));
        // With statistical months from the 21st, 2026-12-21 is already in 2027Q1.
        assert_eq!(Period::quarter_before(day(2026, 12, 21), 21).map(|p| p.label), Some("2026Q4".into()));
        assert_eq!(Period::month_before(day(2026, 12, 1), 1).map(|p| p.label), Some("2026-11".into()));
        assert_eq!(Period::month_before(day(2026, 10, 21), 21).map(|p| p.label), Some("2026-10".into()));
        for bad in ["2026Q5", "2026-13", "26", "soon", "2026-1x"] {
            assert!(Period::parse(bad, 1).is_err(), "{bad}");
        }
    }
}

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
}

impl ScreeningReport {
    /// Per flag (in [`Flag::ALL`]'s order), the cases carrying it; flags no case carries are left out.
    pub fn sections(&self) -> Vec<FlagSection<'_>> {
        Flag::ALL
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
        trend_flags: TREND_FLAGS.iter().map(|f| f.zh().to_owned()).collect(),
        trend: trend(cases, register, period, rules, calendar),
    }
}

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

/// A report as a notice carries it. Shared: every reader without cases to recuse from holds the
/// same report, not a copy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "report", rename_all = "snake_case")]
pub enum Document {
    /// The supervision digest (季度督查).
    Supervision(Arc<Digest>),
    /// The monthly screening report (预测排查情况).
    Screening(Arc<ScreeningReport>),
    /// The pre-event sweep report (节前/会前排查).
    Sweep(Arc<SweepReport>),
}

/// Reads the form serde writes for an internally tagged enum (`{"report": "screening", …fields}`)
/// as it streams by: serde's own reader for that form first copies the whole document into a
/// generic tree to find the tag, which for a report listing 100,000 cases is hundreds of MB. The
/// tag is written first, so it is read first and the rest of the map goes straight to the report.
impl<'de> serde::Deserialize<'de> for Document {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Tagged;
        impl<'de> serde::de::Visitor<'de> for Tagged {
            type Value = Document;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a report: a map whose first key is \"report\"")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
                use serde::de::Error;
                use serde::de::value::MapAccessDeserializer;
                match map.next_key::<String>()?.as_deref() {
                    Some("report") => {}
                    other => {
                        return Err(A::Error::custom(format!("expected the key \"report\" first, found {other:?}")));
                    }
                }
                let kind: String = map.next_value()?;
                let rest = MapAccessDeserializer::new(map);
                match kind.as_str() {
                    "supervision" => Ok(Document::Supervision(Arc::new(serde::Deserialize::deserialize(rest)?))),
                    "screening" => Ok(Document::Screening(Arc::new(serde::Deserialize::deserialize(rest)?))),
                    "sweep" => Ok(Document::Sweep(Arc::new(serde::Deserialize::deserialize(rest)?))),
                    other => Err(A::Error::unknown_variant(other, &["supervision", "screening", "sweep"])),
                }
            }
        }
        deserializer.deserialize_map(Tagged)
    }
}

impl Document {
    /// A copy without the listed cases in `hidden` (those the reader must recuse from): their
    /// rows leave every list, the counts stay (figures are not case details).
    pub fn without(&self, hidden: &std::collections::BTreeSet<String>) -> Self {
        let keep = |c: &CaseRef| !hidden.contains(&c.case_no);
        match self {
            Document::Supervision(d) => {
                let mut d = d.as_ref().clone();
                for list in d.overdue.values_mut().chain(d.due_soon.values_mut()) {
                    list.retain(keep);
                }
                d.closed_in_time.retain(keep);
                d.closed_late.retain(keep);
                d.cases.retain(keep);
                Document::Supervision(Arc::new(d))
            }
            Document::Screening(r) => {
                let mut r = r.as_ref().clone();
                r.cases.retain(keep);
                r.unassigned.retain(|(n, _)| !hidden.contains(n));
                for p in &mut r.repeat_petitioners {
                    p.case_nos.retain(|n| !hidden.contains(n));
                }
                for (_, _, nos) in &mut r.early_signs {
                    nos.retain(|n| !hidden.contains(n));
                }
                Document::Screening(Arc::new(r))
            }
            Document::Sweep(s) => {
                let mut s = s.as_ref().clone();
                s.cases.retain(|(c, _, _)| keep(c));
                Document::Sweep(Arc::new(s))
            }
        }
    }

    /// The period's label.
    pub fn label(&self) -> &str {
        match self {
            Document::Supervision(d) => &d.period.0,
            Document::Screening(r) => &r.period.0,
            Document::Sweep(s) => &s.event,
        }
    }
}
