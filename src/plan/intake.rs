//! The intake watch (DESIGN §2.3, 新收信访事项): every case new to the register reaches the
//! leader in charge of its category (分管领导) the working day it is registered — the rule
//! book's 首问负责 3 (及时送交分管领导), 领导接待日 5 (报主要领导) and 预测排查 4 (集体上访苗头
//! 镇领导亲自处理). Urgent cases — collective, skip-level, organizer, or 上级交办 — also go to the
//! party secretary (主要领导) and the office. Recusal holds as everywhere (DESIGN §3).
//!
//! Pure: the new cases with their screening results, the people and D come in; the notices
//! come out. Which cases are new is the caller's: those received on or before D that no earlier
//! intake run reported.

use std::collections::BTreeMap;

use super::NoticeReason;
use super::notices::{JobRun, People, Plan, PlannedCase, PlannedNotice, reach};
use crate::domain::{Case, Source};
use crate::notice::{Audience, NoticeCase, case_line};
use crate::routing::{self, CaseParties, Escalation};
use crate::rules::{CaseResult, Flag, FlagSet};

/// The role the office receives an urgent case in.
pub const OFFICE_URGENT_ROLE: &str = "信访办（紧急件）";

/// Whether a new case is urgent: collective, skip-level, organizer, or assigned from above.
pub fn urgent(case: &Case, flags: FlagSet) -> bool {
    [Flag::Collective, Flag::SkipLevel, Flag::Organizer].into_iter().any(|f| flags.contains(f))
        || case.source == Some(Source::Assigned)
}

/// A new case due to one person: the case, its result, its flags, the role they receive it in,
/// and whom they stand in for.
type Due<'c> = (&'c Case, &'c CaseResult<'c>, FlagSet, String, Option<String>);

/// The notices of one intake run over `new` (each new case with its screening result at D).
///
/// Choices: the notice reports every flag the case carries at D; a portfolio leader who must
/// recuse is replaced by the party secretary (the next in line); a case whose category has no
/// portfolio leader, or whom nobody in line may receive, goes to the office.
pub fn plan<'c>(
    run: &JobRun<'_>,
    new: &[(&'c Case, &'c CaseResult<'c>)],
    people: &People<'_>,
    calendar: &crate::calendar::Calendar,
) -> Plan {
    let mut plan = Plan::default();
    let mut due: BTreeMap<String, Vec<Due<'c>>> = BTreeMap::new();
    for (case, result) in new {
        let flags: FlagSet = result.findings.iter().map(|f| f.flag).collect();
        let parties = CaseParties {
            owner_leader: None,
            category: case.category.as_deref(),
            accused: &case.accused,
            conflicts: &case.conflicts,
        };
        let urgent = urgent(case, flags);
        let level = if urgent { Escalation::Secretary } else { Escalation::Portfolio };
        let routing = routing::route(parties, people.directory, level);
        for skipped in routing.skipped {
            plan.held.push((case.case_no.to_string(), skipped.name.clone(), super::notices::Held::Recused(skipped)));
        }
        let mut line: Vec<(String, String, Option<String>)> = Vec::new();
        let office = super::notices::office_role(case.owner_leader.as_deref(), !routing.recipients.is_empty());
        for r in routing.recipients {
            if reach(people, &r.person).is_some() {
                line.push((r.person, r.reason.zh().to_owned(), r.stands_in_for));
            } else {
                plan.held.push((case.case_no.to_string(), r.person, super::notices::Held::Unreachable));
            }
        }
        let office_role = if line.is_empty() {
            Some(office)
        } else if urgent {
            Some(OFFICE_URGENT_ROLE)
        } else {
            None
        };
        if let Some(role) = office_role {
            for admin in people.administrators {
                if routing::excluded(&parties, people.directory, admin).is_none()
                    && reach(people, admin).is_some()
                    && !line.iter().any(|(p, ..)| p == admin)
                {
                    line.push((admin.clone(), role.to_owned(), None));
                }
            }
        }
        plan.cases_in_scope += 1;
        for (person, role, stands_in_for) in line {
            due.entry(person).or_default().push((case, result, flags, role, stands_in_for));
        }
    }
    for (person, cases) in due {
        let Some((contact, channels)) = reach(people, &person) else { continue };
        for (channel, info) in channels {
            let audience = if info.group { Audience::Group } else { Audience::Leader };
            let lines = cases
                .iter()
                .map(|(case, result, flags, role, stands_in_for)| NoticeCase {
                    line: case_line(case, result, audience, run.as_of, calendar),
                    role: role.clone(),
                    stands_in_for: stands_in_for.clone(),
                    overdue_working_days: None,
                    reason: NoticeReason::NewCase.zh().to_owned(),
                    moved: Vec::new(),
                    link: None,
                    urgent: urgent(case, *flags),
                    supervision: None,
                })
                .collect();
            let body = run.case_notice(&contact.addressee, info.group, lines, None);
            let listed = cases
                .iter()
                .map(|(c, _, flags, ..)| PlannedCase {
                    case_no: c.case_no.to_string(),
                    flags: *flags,
                    moved: Vec::new(),
                })
                .collect();
            plan.notices.push(PlannedNotice::new(run.job, run.period, channel, NoticeReason::NewCase, listed, body));
        }
    }
    plan
}
