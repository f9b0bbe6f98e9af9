//! The work on cases in a period, as the monthly and quarterly reports count it (DESIGN §5.3):
//! 签收率 and the time to 签收, 按期答复率 (answers to the petitioner within the deadline), and
//! the 督办 list with each one's outcome at the period's end.
//!
//! Choices, each named in the report:
//! - 签收率 counts the (person, case) pairs the deadline and intake watches told in the period
//!   (the office's own notices aside); a pair is acknowledged when its person recorded a 签收 on
//!   the case after the first of those notices was planned. The time to 签收 is in office hours
//!   (the office's day on working days), from that notice's delivery to the first 签收 after it.
//! - 按期答复率 counts the cases whose first answer to the petitioner was given in the period; an
//!   answer is in time when given on or before the case's handling deadline (受理 + the handling
//!   limit + any extension), or its acceptance deadline (收到 + the acceptance limit) for a case
//!   never accepted.
//! - A 督办 recorded in the period is 按期办结 when no deadline of the case runs at the period's
//!   end and the last one stopped (办结, 告知/转送, a review or recheck opinion) by its date,
//!   逾期办结 when after, 逾期未办结 when a deadline still runs past its date, and 办理中 otherwise.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use super::Period;
use crate::calendar::Calendar;
use crate::domain::{Case, CaseEvent, EventKind};
use crate::rules::RuleBook;

/// A case a person was told about, from a delivered notice of the deadline or intake watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Told {
    /// The person (id).
    pub person: String,
    /// 信访件编号.
    pub case_no: String,
    /// When the notice was planned.
    pub planned_at: DateTime<Utc>,
    /// When it was delivered.
    pub sent_at: DateTime<Utc>,
}

/// What the figures are made from: the notices delivered and the work recorded.
#[derive(Debug, Clone)]
pub struct WorkInput {
    /// The cases people were told about, by delivered notices.
    pub told: Vec<Told>,
    /// Every recorded event of the kinds counted (签收, answers, 督办).
    pub events: Vec<CaseEvent>,
    /// Person id → name, for the 督办 list.
    pub names: HashMap<String, String>,
    /// The township's time zone.
    pub time_zone: Tz,
    /// The office's day (opens, closes), for the time to 签收.
    pub office: (NaiveTime, NaiveTime),
}

/// One 督办 in a report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SupervisionRow {
    /// 信访件编号.
    pub case_no: String,
    /// The day it was recorded.
    pub on: NaiveDate,
    /// Who pressed (name).
    pub by: String,
    /// Whom (name).
    pub pressed: String,
    /// The day to act by.
    pub due_on: Option<NaiveDate>,
    /// 按期办结, 逾期办结, 逾期未办结 or 办理中.
    pub outcome: String,
}

/// The work figures of a period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WorkFigures {
    /// (person, case) pairs told in the period.
    pub told: usize,
    /// Of them, acknowledged.
    pub acknowledged: usize,
    /// The median time to 签收, in office minutes.
    pub median_ack_minutes: Option<i64>,
    /// Cases whose first answer to the petitioner was given in the period.
    pub answered: usize,
    /// Of them, in time.
    pub answered_in_time: usize,
    /// The 督办 recorded in the period, oldest first.
    pub supervisions: Vec<SupervisionRow>,
}

impl WorkFigures {
    /// `part` of `whole` as a percentage with its counts (`85%（17/20）`), or `—` with none.
    pub fn rate(part: usize, whole: usize) -> String {
        if whole == 0 {
            return "—（无）".to_owned();
        }
        format!("{:.0}%（{part}/{whole}）", part as f64 * 100.0 / whole as f64)
    }

    /// The figures as the reports' lines: 签收率, time to 签收, 按期答复率, and the 督办 outcomes.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("签收率：{}", Self::rate(self.acknowledged, self.told))];
        if let Some(minutes) = self.median_ack_minutes {
            lines.push(format!("签收用时（中位数）：{:.1} 个工作小时", minutes as f64 / 60.0));
        }
        lines.push(format!("按期答复率：{}", Self::rate(self.answered_in_time, self.answered)));
        let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
        for row in &self.supervisions {
            *outcomes.entry(row.outcome.as_str()).or_default() += 1;
        }
        let told: Vec<String> = ["按期办结", "逾期办结", "逾期未办结", "办理中"]
            .iter()
            .filter_map(|o| outcomes.get(o).map(|n| format!("{o} {n}")))
            .collect();
        lines.push(match told.is_empty() {
            true => format!("督办：{} 件", self.supervisions.len()),
            false => format!("督办：{} 件（{}）", self.supervisions.len(), told.join("，")),
        });
        lines
    }
}

/// The handling deadline of `case` (or its acceptance deadline when never accepted): the last
/// day an answer to the petitioner is in time.
fn answer_deadline(case: &Case, rules: &RuleBook, calendar: &Calendar) -> NaiveDate {
    let limits = &rules.deadlines;
    match case.accepted_on {
        Some(accepted) => {
            calendar.add_calendar_days(accepted, limits.handling_days.saturating_add(case.extension_days))
        }
        None => calendar.add_calendar_days(case.received_on, limits.acceptance_days),
    }
}

/// The work figures of `period` over `input` and the register's `cases`.
pub fn work_figures(
    input: &WorkInput,
    period: &Period,
    cases: &[Case],
    rules: &RuleBook,
    calendar: &Calendar,
) -> WorkFigures {
    let (tz, office) = (input.time_zone, input.office);
    let day = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
    let in_period = |t: DateTime<Utc>| period.contains(day(t));

    // 签收: the first notice of each pair in the period, and the first 签收 after it.
    let mut first: BTreeMap<(&str, &str), &Told> = BTreeMap::new();
    for told in input.told.iter().filter(|t| in_period(t.sent_at)) {
        let slot = first.entry((told.person.as_str(), told.case_no.as_str())).or_insert(told);
        if told.sent_at < slot.sent_at {
            *slot = told;
        }
    }
    let mut acks: HashMap<(&str, &str), Vec<DateTime<Utc>>> = HashMap::new();
    for event in input.events.iter().filter(|e| e.kind == EventKind::Ack) {
        acks.entry((event.by.as_str(), event.case_no.as_str())).or_default().push(event.at);
    }
    let mut minutes: Vec<i64> = Vec::new();
    for (key, told) in &first {
        let answered = acks.get(key).and_then(|ats| ats.iter().filter(|at| **at >= told.planned_at).min());
        if let Some(at) = answered {
            let local = |t: DateTime<Utc>| t.with_timezone(&tz).naive_local();
            let from = local(told.sent_at.min(*at));
            minutes.push(calendar.office_minutes_between(from, local(*at), office));
        }
    }
    minutes.sort_unstable();
    let median_ack_minutes = match minutes.len() {
        0 => None,
        n if n % 2 == 1 => Some(minutes[n / 2]),
        n => Some((minutes[n / 2 - 1] + minutes[n / 2]) / 2),
    };

    // 按期答复: each case's first answer, when it falls in the period.
    let by_no: HashMap<&str, &Case> = cases.iter().map(|c| (c.case_no.as_str(), c)).collect();
    let mut first_reply: BTreeMap<&str, NaiveDate> = BTreeMap::new();
    for event in input.events.iter().filter(|e| e.kind == EventKind::Reply) {
        let on = day(event.at);
        first_reply.entry(event.case_no.as_str()).and_modify(|d| *d = (*d).min(on)).or_insert(on);
    }
    let (mut answered, mut answered_in_time) = (0, 0);
    for (case_no, on) in first_reply.iter().filter(|(_, on)| period.contains(**on)) {
        let Some(case) = by_no.get(case_no) else { continue };
        answered += 1;
        answered_in_time += usize::from(*on <= answer_deadline(case, rules, calendar));
    }

    // 督办 recorded in the period, with its outcome at the period's end.
    let name = |id: &str| input.names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let supervisions = input
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Supervision && in_period(e.at))
        .map(|e| {
            // Done when no deadline of the case runs at the period's end, on the latest day one
            // stopped (concluded, told or transferred, a review or recheck opinion).
            let done = by_no.get(e.case_no.as_str()).and_then(|c| {
                let running = crate::rules::running_deadlines(
                    &crate::rules::Clocks::of(c),
                    &c.hearings,
                    period.end,
                    &rules.deadlines,
                    calendar,
                );
                running.is_empty().then(|| {
                    [c.concluded_on, c.disposed_on, c.review_opinion_on, c.recheck_opinion_on]
                        .into_iter()
                        .flatten()
                        .filter(|d| *d <= period.end)
                        .max()
                })
            });
            let outcome = match (done, e.due_on) {
                (Some(Some(on)), Some(due)) if on > due => "逾期办结",
                (Some(_), _) => "按期办结",
                (None, Some(due)) if due < period.end => "逾期未办结",
                (None, _) => "办理中",
            };
            SupervisionRow {
                case_no: e.case_no.clone(),
                on: day(e.at),
                by: name(&e.by),
                pressed: e.pressed.as_deref().map(name).unwrap_or_default(),
                due_on: e.due_on,
                outcome: outcome.to_owned(),
            }
        })
        .collect();
    WorkFigures {
        told: first.len(),
        acknowledged: minutes.len(),
        median_ack_minutes,
        answered,
        answered_in_time,
        supervisions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CaseNo;
    use chrono::TimeZone;

    fn at(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2026, m, d, h, min, 0)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn event(kind: EventKind, case_no: &str, by: &str, when: DateTime<Utc>) -> CaseEvent {
        CaseEvent {
            case_no: case_no.into(),
            kind,
            at: when,
            by: by.into(),
            text: String::new(),
            notice: None,
            due_on: None,
            how: None,
            pressed: None,
        }
    }

    #[test]
    fn the_figures_count_acknowledgements_answers_in_time_and_supervisions() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
        let case = |no: &str, received, accepted, concluded| {
            let mut c = Case::new(CaseNo::parse(no).expect("no"), received);
            c.accepted_on = accepted;
            c.concluded_on = concluded;
            c
        };
        let cases = vec![
            case("A", day(9, 1), Some(day(9, 2)), None),
            case("B", day(9, 1), Some(day(9, 2)), Some(day(11, 20))),
            case("C", day(11, 2), None, None),
        ];
        let told = |person: &str, no: &str, when| Told {
            person: person.into(),
            case_no: no.into(),
            planned_at: when,
            sent_at: when,
        };
        let mut press = event(EventKind::Supervision, "B", "zhou-xf", at(11, 10, 9, 0));
        press.pressed = Some("li-hua".into());
        press.due_on = Some(day(11, 15));
        let mut open = event(EventKind::Supervision, "A", "zhou-xf", at(11, 12, 9, 0));
        open.due_on = Some(day(12, 15));
        let input = WorkInput {
            told: vec![
                told("li-hua", "A", at(11, 6, 8, 30)),   // Friday: acknowledged Monday 10:30
                told("li-hua", "A", at(11, 9, 8, 30)),   // the same pair again: counted once
                told("li-hua", "B", at(11, 9, 8, 30)),   // never acknowledged
                told("zhao-min", "C", at(11, 9, 8, 30)), // acknowledged an hour later
                told("zhao-min", "C", at(10, 9, 8, 30)), // October: another period
            ],
            events: vec![
                event(EventKind::Ack, "A", "li-hua", at(11, 9, 10, 30)),
                event(EventKind::Ack, "C", "zhao-min", at(11, 9, 9, 30)),
                event(EventKind::Ack, "B", "li-hua", at(11, 1, 9, 0)), // before the notice
                event(EventKind::Reply, "A", "register", at(10, 31, 12, 0)), // 9-2 + 60 = 11-01: in time, October
                event(EventKind::Reply, "B", "li-hua", at(11, 20, 12, 0)), // after 11-01: late
                event(EventKind::Reply, "C", "zhao-min", at(11, 16, 12, 0)), // 11-02 + 15 = 11-17: in time
                press,
                open,
            ],
            names: [("li-hua".to_owned(), "李华".to_owned()), ("zhou-xf".to_owned(), "周晓芳".to_owned())].into(),
            time_zone: chrono_tz::Asia::Shanghai,
            office: (
                NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default(),
                NaiveTime::from_hms_opt(17, 30, 0).unwrap_or_default(),
            ),
        };
        let period = Period::parse("2026-11", 1).expect("period");
        let figures = work_figures(&input, &period, &cases, &RuleBook::default(), &Calendar::default());
        assert_eq!((figures.told, figures.acknowledged), (3, 2));
        // A: from Friday's notice (its first in the month), 9 office hours on Friday and 2 on
        // Monday = 11; C: 1. The median of the two: 6.
        assert_eq!(figures.median_ack_minutes, Some(6 * 60));
        assert_eq!(figures.lines()[1], "签收用时（中位数）：6.0 个工作小时");
        assert_eq!((figures.answered, figures.answered_in_time), (2, 1), "A's answer was in October");
        let rows: Vec<(&str, &str, &str)> =
            figures.supervisions.iter().map(|r| (r.case_no.as_str(), r.pressed.as_str(), r.outcome.as_str())).collect();
        assert_eq!(rows, vec![("B", "李华", "逾期办结"), ("A", "", "办理中")]);
        assert_eq!(figures.lines()[0], "签收率：67%（2/3）");
        assert!(figures.lines()[3].contains("逾期办结 1") && figures.lines()[3].contains("办理中 1"));
    }
}
