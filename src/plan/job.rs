//! The jobs by name (DESIGN §2.3) and what each one's run plans, pure: the daemon's run and
//! `simulate` call the same functions here, the one over the store, the other over a replay.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, TimeZone};
use chrono_tz::Tz;

use super::EscalationSettings;
use super::notices::{JobRun, People, Plan, PlannedNotice, Scope, plan};
use crate::calendar::Calendar;
use crate::domain::{Addressee, Case};
use crate::notice::{NoticeBody, NoticeKind};
use crate::rules::{Register, RuleBook};
use crate::schedule::SweepTarget;

/// A scheduled job (DESIGN §2.3): its config name, its Chinese name and the period its
/// notices belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Job {
    /// 期限督办: the deadline flags, with escalation, every working day.
    DeadlineWatch,
    /// 预测排查: every flag, to each case's owner, monthly.
    MonthlyScreening,
    /// 节前/会前排查: every flag, to each case's owner, N working days before each holiday and
    /// configured event.
    PreEventSweep,
    /// 领导接待日: the day's duty leader and the office, on reception days.
    DutyRoster,
    /// 接待日前提醒: the next reception day's duty leader, on the afternoon of the working day
    /// before it.
    DutyEve,
    /// 季度督查: the digest of the quarter before, to the leading group.
    QuarterlySupervision,
    /// 新收信访事项: each new case to its portfolio leader (urgent ones also to the party
    /// secretary and the office), once.
    IntakeWatch,
    /// 未签收: overdue and urgent cases not acknowledged within the working hours allowed, to
    /// the office ([`super::ack`]).
    AckWatch,
}

impl Job {
    /// Every job of this kind.
    pub const ALL: [Job; 8] = [
        Job::DeadlineWatch,
        Job::MonthlyScreening,
        Job::PreEventSweep,
        Job::DutyRoster,
        Job::DutyEve,
        Job::QuarterlySupervision,
        Job::IntakeWatch,
        Job::AckWatch,
    ];

    /// The config name.
    pub fn name(self) -> &'static str {
        match self {
            Job::DeadlineWatch => "deadline_watch",
            Job::MonthlyScreening => "monthly_screening",
            Job::PreEventSweep => "pre_event_sweep",
            Job::DutyRoster => "duty_roster",
            Job::DutyEve => "duty_eve",
            Job::QuarterlySupervision => "quarterly_supervision",
            Job::IntakeWatch => "intake_watch",
            Job::AckWatch => "ack_watch",
        }
    }

    /// The Chinese name notices use.
    pub fn zh(self) -> &'static str {
        match self {
            Job::DeadlineWatch => "期限督办",
            Job::MonthlyScreening => "矛盾纠纷预测排查",
            Job::PreEventSweep => "节前/会前排查",
            Job::DutyRoster => "领导接待日",
            Job::DutyEve => "接待日前提醒",
            Job::QuarterlySupervision => "季度督查",
            Job::IntakeWatch => "新收信访事项",
            Job::AckWatch => "未签收督促",
        }
    }

    /// The job named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|j| j.name() == name)
    }

    /// The period a run at `as_of` belongs to (part of its notices' ids): the day for the
    /// deadline watch, the month for the monthly screening.
    pub fn period(self, as_of: NaiveDate) -> String {
        match self {
            Job::DeadlineWatch => as_of.to_string(),
            Job::MonthlyScreening => format!("{}-{:02}", as_of.year(), as_of.month()),
            Job::PreEventSweep => format!("sweep-{as_of}"),
            Job::DutyRoster => format!("duty-{as_of}"),
            Job::DutyEve => format!("duty-eve-{as_of}"),
            Job::QuarterlySupervision => format!("supervision-{as_of}"),
            Job::IntakeWatch => format!("intake-{as_of}"),
            Job::AckWatch => format!("ack-{as_of}"),
        }
    }
}

/// What a job's plan needs to know of the township: its settings as loaded, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct Township<'a> {
    /// The township's name.
    pub name: &'a str,
    /// The time zone its dates are read in.
    pub time_zone: Tz,
    /// The working-day calendar.
    pub calendar: &'a Calendar,
    /// The screening rules (limits, thresholds, statistical month, directory).
    pub rules: &'a RuleBook,
    /// Everyone a run may notify.
    pub people: People<'a>,
    /// When an overdue case goes up the line.
    pub escalation: &'a EscalationSettings,
    /// The holidays and events the pre-event sweep runs before.
    pub sweep_targets: &'a [SweepTarget],
    /// Who gets the reports.
    pub leading_group: LeadingGroup<'a>,
    /// The reception-day rota, when one is configured (it has a first day).
    pub duty: Option<&'a super::duty::Rota>,
}

/// The leading group (信访工作领导小组) as reports reach it.
#[derive(Debug, Clone, Copy)]
pub struct LeadingGroup<'a> {
    /// Members (person ids): the full report on their personal channels.
    pub members: &'a [String],
    /// Group channels (names): the summary.
    pub channels: &'a [String],
}

/// Plans what `job` tells people about cases at `as_of`, over the screening and its flagged
/// `cases`: shared by the run itself and by `simulate` (which carries `previous` forward in
/// memory between firings). The intake watch plans with [`intake_plan`]; the quarterly
/// supervision has only its report ([`reports`]).
pub fn plan_cases<'c>(
    township: &Township<'_>,
    job: Job,
    as_of: NaiveDate,
    screening: &'c crate::rules::Screening<'c>,
    cases: &'c HashMap<String, Case>,
    previous: &HashMap<(String, String), crate::plan::Previous>,
) -> Plan {
    let calendar = township.calendar;
    let period = job.period(as_of);
    let job_zh = match job {
        Job::PreEventSweep => {
            let names: Vec<&str> = crate::schedule::sweeps_on(township.sweep_targets, as_of, calendar)
                .iter()
                .map(|t| t.name.as_str())
                .collect();
            if names.is_empty() { job.zh().to_owned() } else { format!("{}（{}）", job.zh(), names.join("、")) }
        }
        _ => job.zh().to_owned(),
    };
    let run = JobRun {
        job: job.name(),
        job_zh: &job_zh,
        period: &period,
        township: township.name,
        as_of,
        scope: match job {
            Job::DeadlineWatch => Scope::Deadlines,
            Job::MonthlyScreening
            | Job::PreEventSweep
            | Job::DutyRoster
            | Job::DutyEve
            | Job::QuarterlySupervision
            | Job::IntakeWatch
            | Job::AckWatch => Scope::All,
        },
    };
    if matches!(job, Job::DutyRoster | Job::DutyEve) {
        return duty_plan(township, &run, screening, cases, job == Job::DutyEve);
    }
    plan(&run, &screening.cases, |no| cases.get(no), &township.people, previous, calendar, township.escalation)
}

/// The case numbers whose cases a run of `job` at `as_of` reads in full, after its screening:
/// the intake watch's new cases (see [`intake_candidates`]: received after `intake_after`, not
/// in `reported`), no case for the quarterly supervision (its report reads them all), the flagged
/// cases for the others.
pub fn cases_to_read<'r>(
    job: Job,
    as_of: NaiveDate,
    screening: &'r crate::rules::Screening<'r>,
    register: &'r Register,
    intake_after: NaiveDate,
    reported: &std::collections::HashSet<String>,
) -> Vec<&'r str> {
    match job {
        Job::IntakeWatch => intake_candidates(register, as_of, intake_after, reported),
        // The quarterly report reads them all; the ack watch reads the outbox, no case.
        Job::QuarterlySupervision | Job::AckWatch => Vec::new(),
        Job::DeadlineWatch | Job::MonthlyScreening | Job::PreEventSweep | Job::DutyRoster | Job::DutyEve => {
            screening.cases.iter().map(|c| c.case_no).collect()
        }
    }
}

/// What a run of `job` at `as_of` tells people about cases, over the `cases` it read (by
/// [`cases_to_read`], listed in `read`): the one dispatch the daemon's run and `simulate` share.
pub fn case_plan<'c>(
    township: &Township<'_>,
    job: Job,
    as_of: NaiveDate,
    screening: &'c crate::rules::Screening<'c>,
    cases: &'c HashMap<String, Case>,
    read: &[&str],
    previous: &HashMap<(String, String), super::Previous>,
) -> Plan {
    match job {
        Job::IntakeWatch => {
            let new: Vec<&Case> = read.iter().filter_map(|no| cases.get(*no)).collect();
            intake_plan(township, as_of, screening, &new)
        }
        // Planned from the outbox and the 签收 records ([`super::ack`]), not from a screening.
        Job::QuarterlySupervision | Job::AckWatch => Plan::default(),
        Job::DeadlineWatch | Job::MonthlyScreening | Job::PreEventSweep | Job::DutyRoster | Job::DutyEve => {
            plan_cases(township, job, as_of, screening, cases, previous)
        }
    }
}

/// The case numbers an intake run at `as_of` reports (DESIGN §2.3): received on or before
/// `as_of` and after `after`, and not in `reported` (reported by an earlier intake run), in the
/// order they came.
pub fn intake_candidates<'r>(
    register: &'r crate::rules::Register,
    as_of: NaiveDate,
    after: NaiveDate,
    reported: &std::collections::HashSet<String>,
) -> Vec<&'r str> {
    register
        .records()
        .iter()
        .filter(|r| r.received_on > after && r.received_on <= as_of)
        .map(|r| register.case_no(r))
        .filter(|no| !reported.contains(*no))
        .collect()
}

/// The day after which a new installation's first intake run at `as_of` looks for cases (and a
/// replay with no earlier intake firing): `recent_window_days` back.
pub fn intake_look_back(township: &Township<'_>, as_of: NaiveDate) -> NaiveDate {
    let days = township.rules.thresholds.recent_window_days;
    crate::rules::window_start(as_of, days).pred_opt().unwrap_or(as_of)
}

/// The intake watch's plan at `as_of` over its new cases (see [`intake_candidates`]), each with
/// the flags it carries at `as_of`.
pub fn intake_plan(
    township: &Township<'_>,
    as_of: NaiveDate,
    screening: &crate::rules::Screening<'_>,
    new: &[&Case],
) -> Plan {
    let period = Job::IntakeWatch.period(as_of);
    let run = JobRun {
        job: Job::IntakeWatch.name(),
        job_zh: Job::IntakeWatch.zh(),
        period: &period,
        township: township.name,
        as_of,
        scope: Scope::All,
    };
    let mut listed: HashMap<&str, &crate::rules::CaseResult<'_>> =
        screening.cases.iter().map(|r| (r.case_no, r)).collect();
    // A new case with no flag at D (closed the day it came, say) is still reported, with its clocks.
    let unflagged: Vec<crate::rules::CaseResult<'_>> = new
        .iter()
        .filter(|c| !listed.contains_key(c.case_no.as_str()))
        .map(|c| crate::rules::CaseResult {
            case_no: c.case_no.as_str(),
            received_on: c.received_on,
            village: c.village.as_deref(),
            category: c.category.as_deref(),
            owner_leader: c.owner_leader.as_deref(),
            responsible_unit: c.responsible_unit.as_deref(),
            findings: Vec::new(),
            deadlines: crate::rules::running_deadlines(
                &crate::rules::Clocks::of(c),
                &c.hearings,
                as_of,
                &township.rules.deadlines,
                township.calendar,
            ),
        })
        .collect();
    listed.extend(unflagged.iter().map(|r| (r.case_no, r)));
    let pairs: Vec<(&Case, &crate::rules::CaseResult<'_>)> =
        new.iter().filter_map(|c| Some((*c, *listed.get(c.case_no.as_str())?))).collect();
    super::intake::plan(&run, &pairs, &township.people, township.calendar)
}

/// Whether a run of `job` reads every case (for its report), not only the flagged ones.
pub fn reads_all_cases(job: Job) -> bool {
    matches!(job, Job::MonthlyScreening | Job::PreEventSweep | Job::QuarterlySupervision)
}

/// The reports a run of `job` at `as_of` sends the leading group, over every case: the quarterly
/// digest (the whole plan of the quarterly supervision), the month's screening report, the
/// sweep's lists; nothing for the other jobs.
///
/// With `work` (the notices delivered and the 签收, answers and 督办 recorded; the daemon's run
/// reads them, `simulate` cannot know them), the monthly and quarterly reports carry the period's
/// work figures ([`crate::report::work_figures`]).
pub fn reports(
    township: &Township<'_>,
    job: Job,
    as_of: NaiveDate,
    cases: &[Case],
    register: &Register,
    work: Option<&crate::report::WorkInput>,
) -> Plan {
    match job {
        Job::QuarterlySupervision => supervision_plan(township, as_of, cases, register, work),
        Job::MonthlyScreening => {
            Plan { notices: screening_report_notices(township, as_of, cases, register, work), ..Plan::default() }
        }
        Job::PreEventSweep => {
            Plan { notices: sweep_report_notices(township, as_of, cases, register), ..Plan::default() }
        }
        Job::DeadlineWatch | Job::DutyRoster | Job::DutyEve | Job::IntakeWatch | Job::AckWatch => Plan::default(),
    }
}

/// The quarterly supervision digest of the quarter before `as_of`: the full report by email
/// (the workbook attached) to each member of the leading group, and its summary on the leading
/// group's channels.
fn supervision_plan(
    township: &Township<'_>,
    as_of: NaiveDate,
    cases: &[Case],
    register: &Register,
    work: Option<&crate::report::WorkInput>,
) -> Plan {
    let Some(period) = crate::report::Period::quarter_before(as_of, township.rules.month_starts_on_day) else {
        return Plan::default();
    };
    let mut digest = crate::report::digest(township.name, cases, register, &period, township.rules, township.calendar);
    digest.work = work.map(|w| crate::report::work_figures(w, &period, cases, township.rules, township.calendar));
    let received = digest.received.current;
    let notices = report_notices(
        township,
        Job::QuarterlySupervision,
        as_of,
        crate::report::Document::Supervision(std::sync::Arc::new(digest)),
        cases,
    );
    Plan { notices, cases_in_scope: received, ..Plan::default() }
}

/// The monthly screening report of the month before `as_of`, for the leading group.
fn screening_report_notices(
    township: &Township<'_>,
    as_of: NaiveDate,
    cases: &[Case],
    register: &Register,
    work: Option<&crate::report::WorkInput>,
) -> Vec<PlannedNotice> {
    let Some(period) = crate::report::Period::month_before(as_of, township.rules.month_starts_on_day) else {
        return Vec::new();
    };
    let mut report =
        crate::report::screening_report(township.name, cases, register, &period, township.rules, township.calendar);
    report.work = work.map(|w| crate::report::work_figures(w, &period, cases, township.rules, township.calendar));
    report_notices(
        township,
        Job::MonthlyScreening,
        as_of,
        crate::report::Document::Screening(std::sync::Arc::new(report)),
        cases,
    )
}

/// The sweep reports for the holidays and events swept on `as_of`, for the leading group.
fn sweep_report_notices(
    township: &Township<'_>,
    as_of: NaiveDate,
    cases: &[Case],
    register: &Register,
) -> Vec<PlannedNotice> {
    crate::schedule::sweeps_on(township.sweep_targets, as_of, township.calendar)
        .into_iter()
        .flat_map(|target| {
            let report = crate::report::sweep_report(
                township.name,
                target,
                as_of,
                cases,
                register,
                township.rules,
                township.calendar,
            );
            report_notices(
                township,
                Job::PreEventSweep,
                as_of,
                crate::report::Document::Sweep(std::sync::Arc::new(report)),
                cases,
            )
        })
        .collect()
}

/// A report's notices: by email (the workbook attached) to each member of the leading group on
/// their personal channels — without the rows of cases they must recuse from (DESIGN §3) — and
/// its summary on the leading group's channels.
fn report_notices(
    township: &Township<'_>,
    job: Job,
    as_of: NaiveDate,
    document: crate::report::Document,
    cases: &[Case],
) -> Vec<PlannedNotice> {
    let directory = &township.rules.directory;
    let recused_from = |person: &str| -> std::collections::BTreeSet<String> {
        cases
            .iter()
            .filter(|c| {
                let parties = crate::routing::CaseParties {
                    owner_leader: c.owner_leader.as_deref(),
                    category: c.category.as_deref(),
                    accused: &c.accused,
                    conflicts: &c.conflicts,
                };
                crate::routing::excluded(&parties, directory, person).is_some()
            })
            .map(|c| c.case_no.to_string())
            .collect()
    };
    let contacts = township.people.contacts;
    let channels = township.people.channels;
    let period_key = format!("{}-report", job.period(as_of));
    let group = Addressee {
        id: super::LEADING_GROUP.into(),
        name: format!("{}信访工作领导小组", township.name),
        title: None,
        email: None,
        wecom_userid: None,
        dingtalk_userid: None,
        feishu_open_id: None,
    };
    let mut targets: Vec<(Addressee, String)> = Vec::new();
    for member in township.leading_group.members {
        let Some(contact) = contacts.get(member.as_str()) else { continue };
        for channel in &contact.channels {
            // Members get the full report on their personal channels; groups get the summary below.
            if channels.get(channel).is_some_and(|c| !c.group && (!c.needs_email || contact.addressee.email.is_some()))
            {
                targets.push((contact.addressee.clone(), channel.clone()));
            }
        }
    }
    for channel in township.leading_group.channels {
        if channels.get(channel).is_some_and(|c| !c.needs_email) {
            targets.push((group.clone(), channel.clone()));
        }
    }
    let label = document.label().to_owned();
    targets
        .into_iter()
        .map(|(to, channel)| {
            let hidden = if to.id == super::LEADING_GROUP { Default::default() } else { recused_from(&to.id) };
            let body = NoticeBody {
                kind: NoticeKind::Report,
                report: Some(if hidden.is_empty() { document.clone() } else { document.without(&hidden) }),
                report_link: None,
                job: job.name().into(),
                job_zh: job.zh().into(),
                township: township.name.to_owned(),
                period: label.clone(),
                as_of,
                // A group channel (a chat group, a webhook marked `group`) gets the summary only.
                group: to.id == super::LEADING_GROUP && channels.get(&channel).is_some_and(|c| c.group),
                to,
                cases: vec![],
                text: None,
            };
            PlannedNotice::new(job.name(), &period_key, &channel, super::NoticeReason::First, vec![], body)
        })
        .collect()
}

/// The duty roster's plan at `run.as_of`: nobody is told anything on a day that is not a
/// reception day (a firing of the job's schedule from the rotation's start). With `eve`, the
/// plan of the afternoon before: the next reception day's duty leader is told when `run.as_of`
/// is the last working day before that day, and nobody else.
fn duty_plan<'c>(
    township: &Township<'_>,
    run: &JobRun<'_>,
    screening: &'c crate::rules::Screening<'c>,
    cases: &'c HashMap<String, Case>,
    eve: bool,
) -> Plan {
    let Some(rota) = township.duty else {
        return Plan::default();
    };
    let (starts, schedule, tz) = (rota.starts, &rota.reception_days, township.time_zone);
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).and_then(|t| tz.from_local_datetime(&t).earliest());
    // The reception day this run is about: today's, or (the eve) the next one.
    let looking = if eve { 40 } else { 1 };
    let (Some(from), Some(until)) =
        (midnight(starts), run.as_of.checked_add_days(chrono::Days::new(looking)).and_then(midnight))
    else {
        return Plan::default();
    };
    let mut days: Vec<NaiveDate> = schedule
        .firings(from - chrono::Duration::seconds(1), until - chrono::Duration::seconds(1), township.calendar)
        .iter()
        .map(|f| f.at.date_naive())
        .collect();
    days.dedup();
    let day = if eve {
        if !township.calendar.is_working_day(run.as_of) {
            return Plan::default();
        }
        let Some(next) = days.iter().position(|d| *d > run.as_of) else { return Plan::default() };
        let next_day = days[next];
        // The last working day before it: no working day lies between today and it.
        let mut between = run.as_of.succ_opt();
        while let Some(d) = between.filter(|d| *d < next_day) {
            if township.calendar.is_working_day(d) {
                return Plan::default();
            }
            between = d.succ_opt();
        }
        days.truncate(next + 1);
        next_day
    } else {
        if days.last() != Some(&run.as_of) {
            return Plan::default();
        }
        run.as_of
    };
    let roster = rota.roster();
    let Some(duty) = roster.duty(day, days.len() - 1) else {
        tracing::error!(day = %day, "every leader of the duty rotation is on leave: nobody on duty");
        return Plan::default();
    };
    let notices = super::duty::duty_notices(
        run,
        &roster,
        &duty,
        &screening.cases,
        |no| cases.get(no),
        &township.people,
        township.calendar,
        eve,
    );
    Plan { cases_in_scope: notices.iter().map(|n| n.case_nos.len()).sum(), notices, ..Plan::default() }
}
