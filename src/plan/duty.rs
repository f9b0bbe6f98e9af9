//! 领导接待日 (the seed's 领导接待日制度): township leaders receive petitioners in turn, one per
//! reception day. Who is on duty on a day — the rotation, swaps and leave — and the day's two
//! notices: to the duty leader (the open cases whose petitioners may come, leaving out those
//! they must recuse from), and to the office (who is on duty, and who receives the petitioners
//! of the cases the duty leader must not: rule 7, 与信访事项或信访人有直接利害关系的应当回避).
//!
//! Pure: the rotation, the reception days, the screening and the people come in.

use chrono::NaiveDate;

use super::notices::{JobRun, People, PlannedNotice};
use crate::domain::Case;
use crate::notice::{Audience, NoticeCase, case_line};
use crate::routing::{self, CaseParties};
use crate::rules::{CaseResult, Flag};

/// The rotation and its exceptions.
#[derive(Debug, Clone, Copy)]
pub struct Roster<'a> {
    /// Person ids, in turn.
    pub rotation: &'a [String],
    /// Swaps: on this day this person is on duty, whoever's turn it is.
    pub swaps: &'a [(NaiveDate, String)],
    /// Leave: this person is away from the first day to the second, inclusive.
    pub leave: &'a [(String, NaiveDate, NaiveDate)],
}

/// The reception-day rota as the config gives it, owned: built once when the config loads.
#[derive(Debug, Clone)]
pub struct Rota {
    /// The first reception day (the rotation's first person is on duty then).
    pub starts: NaiveDate,
    /// The reception days: the duty roster job's schedule.
    pub reception_days: crate::schedule::Schedule,
    /// Person ids, in turn.
    pub rotation: Vec<String>,
    /// Swaps: on this day this person is on duty.
    pub swaps: Vec<(NaiveDate, String)>,
    /// Leave: this person is away from the first day to the second, inclusive.
    pub leave: Vec<(String, NaiveDate, NaiveDate)>,
}

impl Rota {
    /// The rotation and its exceptions, borrowed.
    pub fn roster(&self) -> Roster<'_> {
        Roster { rotation: &self.rotation, swaps: &self.swaps, leave: &self.leave }
    }
}

/// Who is on duty on a reception day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duty {
    /// The day.
    pub day: NaiveDate,
    /// Person id on duty.
    pub person: String,
    /// Whose turn it was, when someone else is on duty, and why (调班 or 请假).
    pub instead_of: Option<(String, &'static str)>,
}

impl Roster<'_> {
    fn away(&self, person: &str, day: NaiveDate) -> bool {
        self.leave.iter().any(|(p, from, to)| p == person && *from <= day && day <= *to)
    }

    /// Who is on duty on `day`, the `index`-th reception day of the rotation (from 0). A swap
    /// wins; a person on leave is passed over for the next in turn who is not.
    pub fn duty(&self, day: NaiveDate, index: usize) -> Option<Duty> {
        let n = self.rotation.len();
        let turn = self.rotation.get(index % n.max(1))?;
        if let Some((_, person)) = self.swaps.iter().find(|(d, _)| *d == day) {
            let instead_of = (person != turn).then(|| (turn.clone(), "调班"));
            return Some(Duty { day, person: person.clone(), instead_of });
        }
        let person = (0..n).map(|k| &self.rotation[(index + k) % n]).find(|p| !self.away(p, day))?;
        let instead_of = (person != turn).then(|| (turn.clone(), "请假"));
        Some(Duty { day, person: person.clone(), instead_of })
    }

    /// The next in turn after `duty` who is not away and not excluded by `excluded`.
    fn stand_in(&self, duty: &Duty, excluded: impl Fn(&str) -> bool) -> Option<&String> {
        let n = self.rotation.len();
        let at = self.rotation.iter().position(|p| *p == duty.person).unwrap_or(0);
        (1..n).map(|k| &self.rotation[(at + k) % n]).find(|p| !self.away(p, duty.day) && !excluded(p))
    }
}

/// The flags that make a petitioner likely to come to a reception day.
const LIKELY_VISITORS: [Flag; 6] =
    [Flag::Repeat, Flag::LongRunning, Flag::Collective, Flag::Organizer, Flag::Backlog, Flag::SkipLevel];

/// A day as the duty notice says it, from the day it is sent: 今天（12-08，星期二）, 明天（…）
/// or 12-14（星期一）.
fn spoken_day(day: NaiveDate, sent_on: NaiveDate) -> String {
    use chrono::Datelike;
    const WEEKDAYS: [&str; 7] = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"];
    let weekday = WEEKDAYS[day.weekday().num_days_from_monday() as usize];
    let date = day.format("%m-%d");
    match (day - sent_on).num_days() {
        0 => format!("今天（{date}，{weekday}）"),
        1 => format!("明天（{date}，{weekday}）"),
        _ => format!("{date}（{weekday}）"),
    }
}

/// The day's notices: one to the duty leader per channel, one to each administrator per channel.
/// With `eve` (the afternoon before), the duty leader's alone.
///
/// Choice: the duty leader is addressed in the second person (由您值班接待); the office's copy
/// names them (由孙丽值班接待). The office hears once, on the morning of the day.
#[allow(clippy::too_many_arguments)]
pub fn duty_notices<'c>(
    run: &JobRun<'_>,
    roster: &Roster<'_>,
    duty: &Duty,
    results: &'c [CaseResult<'c>],
    case: impl Fn(&str) -> Option<&'c Case>,
    people: &People<'_>,
    calendar: &crate::calendar::Calendar,
    eve: bool,
) -> Vec<PlannedNotice> {
    let name_of = |id: &str| people.contacts.get(id).map_or_else(|| id.to_owned(), |c| c.addressee.name.clone());
    let mut for_leader: Vec<(&Case, &CaseResult<'_>)> = Vec::new();
    let mut recused: Vec<(&Case, &CaseResult<'_>, Option<String>)> = Vec::new();
    for result in results.iter().filter(|r| LIKELY_VISITORS.iter().any(|f| r.has(*f))) {
        let Some(c) = case(result.case_no) else { continue };
        let parties = CaseParties {
            owner_leader: c.owner_leader.as_deref(),
            category: c.category.as_deref(),
            accused: &c.accused,
            conflicts: &c.conflicts,
        };
        if routing::excluded(&parties, people.directory, &duty.person).is_some() {
            let stand_in = roster.stand_in(duty, |p| routing::excluded(&parties, people.directory, p).is_some());
            recused.push((c, result, stand_in.map(|p| name_of(p))));
        } else {
            for_leader.push((c, result));
        }
    }
    let duty_name = name_of(&duty.person);
    let when = spoken_day(duty.day, run.as_of);
    let changed = duty.instead_of.as_ref().map(|(turn, why)| format!("（原排班{}，因{}调整）", name_of(turn), why));
    let intro = format!("{when}为领导接待日，由{duty_name}值班接待群众来访{}。", changed.clone().unwrap_or_default());
    let to_leader = format!("{when}为领导接待日，由您值班接待群众来访{}。", changed.unwrap_or_default());
    let mut notices = Vec::new();
    let mut push = |person: &str, role: &str, text: String, lines: &[(&Case, &CaseResult<'_>, Option<String>)]| {
        let Some((contact, channels)) = super::notices::reach(people, person) else { return };
        for (channel, info) in channels {
            let audience = if info.group { Audience::Group } else { Audience::Leader };
            let cases = lines
                .iter()
                .map(|(c, r, stand_in)| NoticeCase {
                    line: case_line(c, r, audience, run.as_of, calendar),
                    role: match stand_in {
                        Some(s) => format!("{duty_name}应回避，由{s}接待"),
                        None if role == "office" => format!("{duty_name}应回避，请另行安排接待"),
                        None => "值班领导".to_owned(),
                    },
                    stands_in_for: None,
                    overdue_working_days: None,
                    reason: "接待提示".to_owned(),
                    moved: Vec::new(),
                    link: None,
                    urgent: false,
                    supervision: None,
                })
                .collect();
            let body = run.case_notice(&contact.addressee, info.group, cases, Some(text.clone()));
            let listed = lines
                .iter()
                .map(|(c, r, _)| super::notices::PlannedCase {
                    case_no: c.case_no.to_string(),
                    flags: r.findings.iter().map(|f| f.flag).collect(),
                    moved: Vec::new(),
                })
                .collect();
            notices.push(PlannedNotice::new(run.job, run.period, channel, super::NoticeReason::First, listed, body));
        }
    };
    let leader_lines: Vec<_> = for_leader.iter().map(|(c, r)| (*c, *r, None)).collect();
    let leader_text = if leader_lines.is_empty() {
        format!("{to_leader}目前没有可能来访的重点信访人。")
    } else {
        format!("{to_leader}以下信访人可能来访，请提前了解情况。")
    };
    push(&duty.person, "leader", leader_text, &leader_lines);
    if eve {
        return notices;
    }
    for admin in people.administrators {
        let text = if recused.is_empty() {
            intro.clone()
        } else {
            format!("{intro}以下信访事项值班领导应当回避，请安排其他领导接待。")
        };
        push(admin, "office", text, &recused);
    }
    notices
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    #[test]
    fn the_rotation_turns_with_swaps_and_leave() {
        let rotation: Vec<String> = ["li", "zhao", "chen"].iter().map(|s| (*s).to_owned()).collect();
        let swaps = vec![(day(12, 9), "chen".to_owned())];
        let leave = vec![("zhao".to_owned(), day(12, 1), day(12, 5))];
        let roster = Roster { rotation: &rotation, swaps: &swaps, leave: &leave };
        assert_eq!(roster.duty(day(11, 30), 0).map(|d| d.person), Some("li".into()));
        let away = roster.duty(day(12, 2), 1).expect("duty");
        assert_eq!((away.person.as_str(), away.instead_of), ("chen", Some(("zhao".to_owned(), "请假"))));
        let swapped = roster.duty(day(12, 9), 3).expect("duty");
        assert_eq!((swapped.person.as_str(), swapped.instead_of), ("chen", Some(("li".to_owned(), "调班"))));
        assert_eq!(roster.duty(day(12, 14), 4).map(|d| d.person), Some("zhao".into()));
        let all_away = vec![
            ("li".to_owned(), day(1, 1), day(12, 31)),
            ("zhao".to_owned(), day(1, 1), day(12, 31)),
            ("chen".to_owned(), day(1, 1), day(12, 31)),
        ];
        assert_eq!(Roster { rotation: &rotation, swaps: &[], leave: &all_away }.duty(day(12, 14), 0), None);
    }
}
