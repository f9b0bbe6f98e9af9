//! From a screening to the notices of one job run (DESIGN §2.3, §3, §4.1): which cases each
//! person hears about and why, then one message per person per channel — cases grouped, most
//! urgent first, masked for group channels — each with its deterministic id.
//!
//! Pure: the screening, the cases, the people, what each person was last told, and D come in;
//! the notices to write and the reminders to remember come out, with every skip explained.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::{
    EscalationSettings, Moved, NoticeReason, Previous, Reminded, SkipReason, escalation, moved, notice_id, reminder,
};
use crate::calendar::Calendar;
use crate::domain::{Addressee, Case, ChannelInfo, Contact, Directory};
use crate::notice::{Audience, MovedLine, NoticeBody, NoticeCase, NoticeKind, case_line};
use crate::routing::{self, CaseParties, Escalation};
use crate::rules::{CaseResult, Flag, FlagSet};

/// Everyone a job run may notify.
#[derive(Debug, Clone, Copy)]
pub struct People<'a> {
    /// Recusal and the line of recipients.
    pub directory: &'a Directory,
    /// Person id → how to reach them.
    pub contacts: &'a BTreeMap<String, Contact>,
    /// Enabled channels by name; a channel not here is skipped.
    pub channels: &'a BTreeMap<String, ChannelInfo>,
    /// The petition office's administrators (person ids): they hear about cases no leader can.
    pub administrators: &'a [String],
}

/// Which flags a job tells people about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The deadline flags only (`deadline_watch`), with escalation.
    Deadlines,
    /// Every flag (`monthly_screening`, `pre_event_sweep`), owners only.
    All,
}

/// The job run being planned.
#[derive(Debug, Clone, Copy)]
pub struct JobRun<'a> {
    /// Job name (`deadline_watch`).
    pub job: &'a str,
    /// Its Chinese name (期限督办).
    pub job_zh: &'a str,
    /// The period or firing (the notice id's part): `2026-11-27`, `2026-11`.
    pub period: &'a str,
    /// The township's name.
    pub township: &'a str,
    /// The screening date D.
    pub as_of: NaiveDate,
    /// Which flags count.
    pub scope: Scope,
}

impl JobRun<'_> {
    /// A case notice of this run to `to`, on a group channel or not.
    pub fn case_notice(&self, to: &Addressee, group: bool, cases: Vec<NoticeCase>, text: Option<String>) -> NoticeBody {
        NoticeBody {
            kind: NoticeKind::Cases,
            report: None,
            report_link: None,
            job: self.job.to_owned(),
            job_zh: self.job_zh.to_owned(),
            township: self.township.to_owned(),
            period: self.period.to_owned(),
            as_of: self.as_of,
            to: to.clone(),
            group,
            cases,
            text,
        }
    }
}

/// One case of a notice, as `simulate --format json` reports it (DESIGN §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedCase {
    /// 信访件编号.
    pub case_no: String,
    /// The flags this notice reports for the case.
    pub flags: FlagSet,
    /// Its deadlines that moved since the last reminder about it.
    pub moved: Vec<Moved>,
}

/// One notice to write to the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedNotice {
    /// Deterministic id.
    pub id: String,
    /// Person id.
    pub recipient: String,
    /// Channel name.
    pub channel: String,
    /// The strongest reason among its cases.
    pub reason: NoticeReason,
    /// The cases, in the order shown.
    pub case_nos: Vec<String>,
    /// The cases with the flags reported for each (empty for a report notice).
    pub cases: Vec<PlannedCase>,
    /// What it says.
    pub body: NoticeBody,
}

impl PlannedNotice {
    /// The notice of `job`'s `period` saying `body` on `channel`, to the addressee of `body`,
    /// about `cases`: the one place a planned notice gets its id (DESIGN §4.1, [`notice_id`]).
    pub fn new(
        job: &str,
        period: &str,
        channel: &str,
        reason: NoticeReason,
        cases: Vec<PlannedCase>,
        body: NoticeBody,
    ) -> Self {
        let payload = serde_json::to_vec(&body).unwrap_or_default();
        Self {
            id: notice_id(job, period, &body.to.id, channel, &payload),
            recipient: body.to.id.clone(),
            channel: channel.to_owned(),
            reason,
            case_nos: cases.iter().map(|c| c.case_no.clone()).collect(),
            cases,
            body,
        }
    }
}

/// That `recipient` was told about `case_no` on `sent_on` (the dedup record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// Person id.
    pub recipient: String,
    /// 信访件编号.
    pub case_no: String,
    /// What they were told.
    pub previous: Previous,
}

/// Why a person does not hear about a case in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    /// Told recently (DESIGN §2.3: once a day at most, repeats every N working days).
    NotDue(SkipReason),
    /// Recused or not in the config (the next in line hears instead).
    Recused(routing::Skipped),
    /// In the line but with no enabled channel that reaches them.
    Unreachable,
}

/// The result of planning one job run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// The notices, by recipient then channel.
    pub notices: Vec<PlannedNotice>,
    /// The reminders to remember, one per (recipient, case) that went out.
    pub reminders: Vec<Reminder>,
    /// Who does not hear about which case, and why: (case no, person id or name, why).
    pub held: Vec<(String, String, Held)>,
    /// Cases with a flag in scope.
    pub cases_in_scope: usize,
}

/// What one person is due to hear in this run.
struct Due<'c> {
    case: &'c Case,
    result: &'c CaseResult<'c>,
    flags: FlagSet,
    escalation: Escalation,
    role: &'static str,
    stands_in_for: Option<String>,
    overdue_working_days: Option<u32>,
    reason: NoticeReason,
    moved: Vec<Moved>,
}

/// Plans the notices of one job run over `results` (the screening at `run.as_of`); `case`
/// finds the stored case of a result; `previous` is what each (person, case) was last told.
///
/// Choices: a reminder counts as given when its notice is written to the outbox (delivery is
/// then guaranteed); a person in line whom no enabled channel reaches is recorded as
/// unreachable, and when nobody in line can receive the case (recused, unknown or unreachable)
/// it goes to the administrators who are not themselves recused, as 信访办 — never dropped;
/// escalation applies only to the deadline watch.
pub fn plan<'c>(
    run: &JobRun<'_>,
    results: &'c [CaseResult<'c>],
    case: impl Fn(&str) -> Option<&'c Case>,
    people: &People<'_>,
    previous: &HashMap<(String, String), Previous>,
    calendar: &Calendar,
    settings: &EscalationSettings,
) -> Plan {
    let mut plan = Plan::default();
    let mut due: BTreeMap<String, Vec<Due<'c>>> = BTreeMap::new();
    for result in results {
        let flags: FlagSet =
            result.findings.iter().map(|f| f.flag).filter(|f| run.scope == Scope::All || f.is_deadline()).collect();
        if flags.is_empty() {
            continue;
        }
        let Some(case) = case(result.case_no) else { continue };
        plan.cases_in_scope += 1;
        // Overdue: the earliest statutory date already passed.
        let overdue_since = result.deadlines.iter().map(|d| d.due).filter(|due| *due < run.as_of).min();
        let overdue_working_days = overdue_since.map(|since| calendar.working_days_between(since, run.as_of));
        let level = match (run.scope, overdue_since) {
            (Scope::Deadlines, Some(since)) => escalation(since, run.as_of, calendar, settings),
            _ => Escalation::Owner,
        };
        let parties = CaseParties {
            owner_leader: case.owner_leader.as_deref(),
            category: case.category.as_deref(),
            accused: &case.accused,
            conflicts: &case.conflicts,
        };
        let routing = routing::route(parties, people.directory, level);
        for skipped in routing.skipped {
            plan.held.push((result.case_no.to_owned(), skipped.name.clone(), Held::Recused(skipped)));
        }
        let mut line: Vec<(String, &'static str, Option<String>)> = Vec::new();
        let office = office_role(case.owner_leader.as_deref(), !routing.recipients.is_empty());
        for r in routing.recipients {
            if reach(people, &r.person).is_some() {
                line.push((r.person, r.reason.zh(), r.stands_in_for));
            } else {
                plan.held.push((result.case_no.to_owned(), r.person, Held::Unreachable));
            }
        }
        if line.is_empty() {
            line = people
                .administrators
                .iter()
                .filter(|admin| routing::excluded(&parties, people.directory, admin).is_none())
                .filter(|admin| reach(people, admin).is_some())
                .map(|admin| (admin.clone(), office, None))
                .collect();
        }
        for (person, role, stands_in_for) in line {
            let last = previous.get(&(person.clone(), result.case_no.to_owned()));
            let moves = last.map(|p| moved(&p.deadlines, &result.deadlines, case)).unwrap_or_default();
            // The once-a-day rule and the repeat interval are the deadline watch's alone
            // (DESIGN §2.3): a list names every case it concerns.
            let due_now = match run.scope {
                Scope::Deadlines => reminder(last, flags, level, !moves.is_empty(), run.as_of, calendar, settings),
                Scope::All => Ok(NoticeReason::Listed),
            };
            match due_now {
                Ok(reason) => due.entry(person).or_default().push(Due {
                    case,
                    result,
                    flags,
                    escalation: level,
                    role,
                    stands_in_for,
                    overdue_working_days,
                    reason,
                    moved: moves,
                }),
                Err(skip) => plan.held.push((result.case_no.to_owned(), person, Held::NotDue(skip))),
            }
        }
    }
    for (person, mut cases) in due {
        let Some((contact, channels)) = reach(people, &person) else { continue };
        cases.sort_by_key(urgency);
        for (channel, info) in channels {
            let audience = if info.group { Audience::Group } else { Audience::Leader };
            let lines = cases
                .iter()
                .map(|d| NoticeCase {
                    line: case_line(d.case, d.result, audience, run.as_of, calendar),
                    role: d.role.to_owned(),
                    stands_in_for: d.stands_in_for.clone(),
                    overdue_working_days: d.overdue_working_days.filter(|n| *n > 0),
                    reason: d.reason.zh().to_owned(),
                    moved: d
                        .moved
                        .iter()
                        .map(|m| MovedLine { name: m.kind.zh().to_owned(), from: m.from, to: m.to, why: m.why.clone() })
                        .collect(),
                    link: None,
                    urgent: run.scope == Scope::Deadlines && d.flags.iter().any(Flag::is_overdue),
                    supervision: None,
                })
                .collect();
            let body = run.case_notice(&contact.addressee, info.group, lines, None);
            let reason = cases.iter().map(|d| d.reason).max_by_key(|r| r.weight()).unwrap_or(NoticeReason::First);
            let listed = cases
                .iter()
                .map(|d| PlannedCase { case_no: d.case.case_no.to_string(), flags: d.flags, moved: d.moved.clone() })
                .collect();
            plan.notices.push(PlannedNotice::new(run.job, run.period, channel, reason, listed, body));
        }
        // Only the watch's reminders are remembered: a list neither waits for them nor delays them.
        if run.scope != Scope::Deadlines {
            continue;
        }
        for d in &cases {
            plan.reminders.push(Reminder {
                recipient: person.clone(),
                case_no: d.case.case_no.to_string(),
                previous: Previous {
                    sent_on: run.as_of,
                    flags: d.flags,
                    escalation: d.escalation,
                    deadlines: Reminded::of(&d.result.deadlines),
                    acknowledged_on: None,
                },
            });
        }
    }
    plan
}

/// How `person` is reached: their contact and the enabled channels that reach them, or `None`
/// when no channel can (not in the config, no enabled channel, mail without an address).
pub(super) fn reach<'p>(people: &People<'p>, person: &str) -> Option<(&'p Contact, Vec<(&'p str, ChannelInfo)>)> {
    let contact = people.contacts.get(person)?;
    let channels: Vec<(&str, ChannelInfo)> = contact
        .channels
        .iter()
        .filter_map(|name| Some((name.as_str(), *people.channels.get(name)?)))
        .filter(|(_, info)| !info.needs_email || contact.addressee.email.is_some())
        .collect();
    (!channels.is_empty()).then_some((contact, channels))
}

/// The role shown when the office receives a case because none of its leaders can be reached
/// (no channel reaches them, or they must recuse).
pub const OFFICE_ROLE: &str = "信访办（领导均无法送达）";

/// The role shown when the office receives a case because the register names no 包案领导 and
/// no other leader is in line for it: the office is asked to get one named, not told of a fault.
pub const OFFICE_NO_OWNER_ROLE: &str = "信访办（未落实包案领导，请落实）";

/// Why the office receives a case no leader does: no leader was in line for it (and the
/// register names no owner), or some were and none can be reached.
pub fn office_role(owner: Option<&str>, anyone_in_line: bool) -> &'static str {
    if !anyone_in_line && owner.is_none_or(|o| o.trim().is_empty()) { OFFICE_NO_OWNER_ROLE } else { OFFICE_ROLE }
}

/// Most urgent first: overdue before due soon before the rest, then by act-by date, then by
/// case number (so the order is stable).
fn urgency(d: &Due<'_>) -> (u8, NaiveDate, String) {
    let rank = if d.flags.iter().any(|f| f.is_deadline() && f != Flag::DueSoon) {
        0
    } else if d.flags.contains(Flag::DueSoon) {
        1
    } else {
        2
    };
    let act_by = d.result.deadlines.iter().map(|x| x.act_by).min().unwrap_or(NaiveDate::MAX);
    (rank, act_by, d.case.case_no.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::shipped;
    use crate::domain::{CaseNo, PetitionerId};
    use crate::rules::{Register, RuleBook, screen};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    /// A case accepted on `accepted` (handling due 60 days later), owned by `owner`.
    fn case(no: &str, accepted: NaiveDate, owner: &str, category: &str) -> Case {
        let mut c = Case::new(CaseNo::parse(no).expect("case no"), accepted);
        c.accepted_on = Some(accepted);
        c.owner_leader = Some(owner.to_owned());
        c.category = Some(category.to_owned());
        c.petitioner = Some("张秀英".into());
        c.petitioner_id = Some(PetitionerId::parse("320112196503120011").expect("id"));
        c.village = Some("东湖村".into());
        c.summary = Some("反映征地补偿款未足额发放".into());
        c
    }

    struct World {
        directory: Directory,
        contacts: BTreeMap<String, Contact>,
        channels: BTreeMap<String, ChannelInfo>,
        admins: Vec<String>,
    }

    fn world() -> World {
        let land = ["征地拆迁".to_owned()];
        let social = ["劳动社保".to_owned()];
        let none: [String; 0] = [];
        let directory = Directory::new([
            ("wang", "王建国", &none[..]),
            ("li", "李华", &land[..]),
            ("zhao", "赵敏", &social[..]),
            ("sun", "孙丽", &none[..]),
            ("zhou", "周晓芳", &none[..]),
        ])
        .with_secretary(Some("wang"));
        let contact = |id: &str, name: &str, email: bool, channels: &[&str]| {
            let addressee = Addressee {
                id: id.into(),
                name: name.into(),
                title: None,
                email: email.then(|| format!("{id}@example.gov.cn")),
                wecom_userid: None,
                dingtalk_userid: None,
                feishu_open_id: None,
            };
            (id.to_owned(), Contact { addressee, channels: channels.iter().map(|c| (*c).to_owned()).collect() })
        };
        let contacts = [
            contact("wang", "王建国", true, &["mail"]),
            contact("li", "李华", true, &["mail", "wecom"]),
            contact("zhao", "赵敏", true, &["mail"]),
            contact("sun", "孙丽", false, &["mail"]),
            contact("zhou", "周晓芳", true, &["mail"]),
        ]
        .into_iter()
        .collect();
        let channels = [
            ("mail".to_owned(), ChannelInfo { group: false, needs_email: true }),
            ("wecom".to_owned(), ChannelInfo { group: true, needs_email: false }),
        ]
        .into_iter()
        .collect();
        World { directory, contacts, channels, admins: vec!["zhou".into()] }
    }

    fn run_plan(
        cases: &[Case],
        as_of: NaiveDate,
        scope: Scope,
        previous: &HashMap<(String, String), Previous>,
    ) -> Plan {
        let w = world();
        let register = Register::from_cases(cases);
        let rules = RuleBook::default();
        let screening = screen(&register, as_of, &rules, shipped());
        let by_no: HashMap<String, &Case> = cases.iter().map(|c| (c.case_no.to_string(), c)).collect();
        let people =
            People { directory: &w.directory, contacts: &w.contacts, channels: &w.channels, administrators: &w.admins };
        let period = as_of.to_string();
        let run =
            JobRun {
                job: "deadline_watch", job_zh: "期限督办", period: &period, township: "示例镇", as_of, scope
            };
        plan(
            &run,
            &screening.cases,
            |no| by_no.get(no).copied(),
            &people,
            previous,
            shipped(),
            &EscalationSettings::default(),
        )
    }

    fn summary(plan: &Plan) -> Vec<String> {
        plan.notices.iter().map(|n| format!("{} {} {}", n.recipient, n.channel, n.case_nos.join(","))).collect()
    }

    #[test]
    fn one_message_per_person_per_channel_most_urgent_first() {
        let as_of = day(11, 27);
        let cases = [
            case("XF-3", day(10, 1), "李华", "征地拆迁"), // due 11-30: due soon
            case("XF-1", day(9, 20), "李华", "城乡建设"), // due 11-19: overdue 6 working days
            case("XF-2", day(10, 1), "赵敏", "劳动社保"),
            case("XF-4", day(11, 20), "李华", "征地拆迁"), // nothing due yet
        ];
        let plan = run_plan(&cases, as_of, Scope::Deadlines, &HashMap::new());
        assert_eq!(summary(&plan), ["li mail XF-1,XF-3", "li wecom XF-1,XF-3", "zhao mail XF-2"]);
        assert_eq!(plan.cases_in_scope, 3);
        let first = &plan.notices[0];
        assert_eq!(first.body.cases[0].overdue_working_days, Some(6));
        assert_eq!(first.body.cases[0].reason, "首次提醒");
        assert_eq!(plan.reminders.len(), 3, "one reminder per person and case");
    }

    #[test]
    fn group_channels_carry_the_masked_line_and_mail_the_details() {
        let plan =
            run_plan(&[case("XF-1", day(9, 20), "李华", "城乡建设")], day(11, 27), Scope::Deadlines, &HashMap::new());
        let text = |channel: &str| {
            let n = plan.notices.iter().find(|n| n.channel == channel).expect("notice");
            serde_json::to_string(&n.body).expect("json")
        };
        let group = text("wecom");
        assert!(group.contains("张**"), "{group}");
        for secret in ["张秀英", "东湖村", "补偿款", "320112196503120011"] {
            assert!(!group.contains(secret), "{secret} in {group}");
        }
        let mail = text("mail");
        assert!(mail.contains("张秀英") && mail.contains("补偿款") && !mail.contains("320112196503120011"));
    }

    #[test]
    fn the_accused_never_hears_and_the_next_in_line_stands_in() {
        let mut accused = case("XF-1", day(10, 1), "李华", "征地拆迁");
        accused.accused = vec!["李华".into()];
        let plan = run_plan(&[accused], day(11, 27), Scope::Deadlines, &HashMap::new());
        assert_eq!(
            summary(&plan),
            ["wang mail XF-1"],
            "李华 is both owner and portfolio leader: the secretary stands in"
        );
        assert_eq!(plan.notices[0].body.cases[0].stands_in_for.as_deref(), Some("李华"));
        assert!(plan.held.iter().any(|(_, who, why)| who == "李华" && matches!(why, Held::Recused(_))));
    }

    #[test]
    fn a_case_no_leader_can_receive_goes_to_the_office() {
        let mut orphan = case("XF-1", day(10, 1), "刘某", "其他");
        orphan.conflicts = vec!["王建国".into()];
        let plan = run_plan(&[orphan], day(11, 27), Scope::Deadlines, &HashMap::new());
        assert_eq!(summary(&plan), ["zhou mail XF-1"]);
        assert_eq!(plan.notices[0].body.cases[0].role, OFFICE_ROLE);
    }

    #[test]
    fn a_case_without_an_owner_asks_the_office_to_name_one_rather_than_reporting_a_fault() {
        let mut orphan = case("XF-1", day(10, 1), "", "其他");
        orphan.owner_leader = None;
        let plan = run_plan(&[orphan], day(11, 27), Scope::Deadlines, &HashMap::new());
        assert_eq!(summary(&plan), ["zhou mail XF-1"]);
        assert_eq!(plan.notices[0].body.cases[0].role, OFFICE_NO_OWNER_ROLE);
        assert_eq!(office_role(Some("李华"), false), OFFICE_ROLE, "an owner none can reach is a delivery matter");
    }

    #[test]
    fn overdue_cases_escalate_to_the_portfolio_leader_and_the_secretary() {
        // Due 2026-11-02 (accepted 09-03): 19 working days overdue on 11-27.
        let plan =
            run_plan(&[case("XF-1", day(9, 3), "孙丽", "劳动社保")], day(11, 27), Scope::Deadlines, &HashMap::new());
        assert_eq!(summary(&plan), ["wang mail XF-1", "zhao mail XF-1"]);
        let held: Vec<&Held> = plan.held.iter().map(|(_, _, why)| why).collect();
        assert_eq!(held, [&Held::Unreachable], "孙丽 has no email: held as unreachable, not silently dropped");
        // Owner-only and unreachable: the office hears instead.
        let office =
            run_plan(&[case("XF-1", day(10, 1), "孙丽", "其他")], day(11, 27), Scope::Deadlines, &HashMap::new());
        assert_eq!(summary(&office), ["zhou mail XF-1"]);
        // The monthly screening does not escalate: the owner's line only.
        let monthly =
            run_plan(&[case("XF-1", day(9, 3), "赵敏", "劳动社保")], day(11, 27), Scope::All, &HashMap::new());
        assert_eq!(summary(&monthly), ["zhao mail XF-1"]);
    }

    #[test]
    fn what_was_said_today_is_not_said_again_and_the_ids_are_stable() {
        let cases = [case("XF-1", day(9, 20), "赵敏", "劳动社保")];
        let first = run_plan(&cases, day(11, 27), Scope::Deadlines, &HashMap::new());
        let again = run_plan(&cases, day(11, 27), Scope::Deadlines, &HashMap::new());
        assert_eq!(first.notices[0].id, again.notices[0].id, "same run, same id");
        let previous: HashMap<(String, String), Previous> =
            first.reminders.iter().map(|r| ((r.recipient.clone(), r.case_no.clone()), r.previous)).collect();
        let rerun = run_plan(&cases, day(11, 27), Scope::Deadlines, &previous);
        assert!(rerun.notices.is_empty());
        assert!(matches!(rerun.held[0].2, Held::NotDue(SkipReason::SentToday)));
        let next_day = run_plan(&cases, day(11, 30), Scope::Deadlines, &previous);
        assert!(next_day.notices.is_empty(), "repeats wait three working days");
        let later = run_plan(&cases, day(12, 2), Scope::Deadlines, &previous);
        assert_eq!(later.notices[0].reason, NoticeReason::RepeatDue);
    }
}
