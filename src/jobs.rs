//! The jobs (DESIGN §2.3), each a thin edge: load the register, call the pure core (screen,
//! route, plan), and write the run's record, notices and reminders in one transaction.
//! So far the two jobs that tell leaders about cases: `deadline_watch` and `monthly_screening`.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};

use crate::config::LoadedConfig;
use crate::domain::Case;
use crate::plan::notices::{Held, JobRun, People, Plan, Scope, plan};

use crate::store::{NewNotice, RunRecord, Store};

/// A job that sends case notices.
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
    /// 季度督查: the digest of the quarter before, to the leading group.
    QuarterlySupervision,
    /// 新收信访事项: each new case to its portfolio leader (urgent ones also to the party
    /// secretary and the office), once.
    IntakeWatch,
}

impl Job {
    /// Every job of this kind.
    pub const ALL: [Job; 6] = [
        Job::DeadlineWatch,
        Job::MonthlyScreening,
        Job::PreEventSweep,
        Job::DutyRoster,
        Job::QuarterlySupervision,
        Job::IntakeWatch,
    ];

    /// The config name.
    pub fn name(self) -> &'static str {
        match self {
            Job::DeadlineWatch => "deadline_watch",
            Job::MonthlyScreening => "monthly_screening",
            Job::PreEventSweep => "pre_event_sweep",
            Job::DutyRoster => "duty_roster",
            Job::QuarterlySupervision => "quarterly_supervision",
            Job::IntakeWatch => "intake_watch",
        }
    }

    /// The Chinese name notices use.
    pub fn zh(self) -> &'static str {
        match self {
            Job::DeadlineWatch => "期限督办",
            Job::MonthlyScreening => "矛盾纠纷预测排查",
            Job::PreEventSweep => "节前/会前排查",
            Job::DutyRoster => "领导接待日",
            Job::QuarterlySupervision => "季度督查",
            Job::IntakeWatch => "新收信访事项",
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
            Job::QuarterlySupervision => format!("supervision-{as_of}"),
            Job::IntakeWatch => format!("intake-{as_of}"),
        }
    }
}

/// How far back a catch-up looks at most: a firing missed longer ago is stale.
pub const CATCH_UP_WINDOW_DAYS: i64 = 35;

/// The jobs the daemon runs, with their schedules, from a config.
pub fn schedules(loaded: &LoadedConfig) -> Vec<(Job, crate::schedule::Schedule, crate::schedule::CatchUp)> {
    let tz = loaded.config.time_zone();
    loaded
        .config
        .jobs
        .all()
        .into_iter()
        .filter(|(_, c)| c.enabled)
        .filter_map(|(name, c)| {
            let job = Job::parse(name)?;
            let mut schedule = crate::schedule::Schedule::new(&c.schedule, c.on_non_working_day, tz);
            if job == Job::PreEventSweep {
                let days = loaded
                    .config
                    .sweep_targets(&loaded.calendar)
                    .iter()
                    .filter_map(|t| crate::schedule::sweep_day(t, &loaded.calendar))
                    .collect();
                schedule = schedule.only_on(days);
            }
            Some((job, schedule, c.catch_up))
        })
        .collect()
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// Whether this process owned the firing (false: it ran elsewhere already; nothing done).
    pub claimed: bool,
    /// Flagged cases in the screening.
    pub flagged: usize,
    /// Cases per flag in the screening (every flag, zeros included; empty without a screening).
    pub flags: Vec<(&'static str, usize)>,
    /// The plan: notices, reminders, and who was held back and why.
    pub plan: Plan,
    /// Notices that were new in the outbox.
    pub enqueued: usize,
}

/// Plans `job` at `as_of` over a loaded register: the pure part of a run, shared by the run
/// itself and by `simulate` (which carries `previous` forward in memory between firings).
pub fn plan_job<'c>(
    loaded: &LoadedConfig,
    job: Job,
    as_of: NaiveDate,
    screening: &'c crate::rules::Screening<'c>,
    cases: &'c HashMap<String, Case>,
    previous: &HashMap<(String, String), crate::plan::Previous>,
) -> Plan {
    let config = &loaded.config;
    let people = loaded.settings.people();
    let period = job.period(as_of);
    let job_zh = match job {
        Job::PreEventSweep => {
            let targets = config.sweep_targets(&loaded.calendar);
            let names: Vec<&str> =
                crate::schedule::sweeps_on(&targets, as_of, &loaded.calendar).iter().map(|t| t.name.as_str()).collect();
            if names.is_empty() { job.zh().to_owned() } else { format!("{}（{}）", job.zh(), names.join("、")) }
        }
        _ => job.zh().to_owned(),
    };
    let run = JobRun {
        job: job.name(),
        job_zh: &job_zh,
        period: &period,
        township: &config.township.name,
        as_of,
        scope: match job {
            Job::DeadlineWatch => Scope::Deadlines,
            Job::MonthlyScreening
            | Job::PreEventSweep
            | Job::DutyRoster
            | Job::QuarterlySupervision
            | Job::IntakeWatch => Scope::All,
        },
    };
    if job == Job::DutyRoster {
        return duty_plan(loaded, &run, screening, cases, &people);
    }
    plan(&run, &screening.cases, |no| cases.get(no), &people, previous, &loaded.calendar, &config.escalation)
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
pub fn intake_look_back(loaded: &LoadedConfig, as_of: NaiveDate) -> NaiveDate {
    let days = loaded.config.thresholds.recent_window_days;
    crate::rules::window_start(as_of, days).pred_opt().unwrap_or(as_of)
}

/// The intake watch's plan at `as_of` over its new cases (see [`intake_candidates`]), each with
/// the flags it carries at `as_of`.
pub fn intake_plan(
    loaded: &LoadedConfig,
    as_of: NaiveDate,
    screening: &crate::rules::Screening<'_>,
    new: &[&Case],
) -> Plan {
    let config = &loaded.config;
    let people = loaded.settings.people();
    let period = Job::IntakeWatch.period(as_of);
    let run = JobRun {
        job: Job::IntakeWatch.name(),
        job_zh: Job::IntakeWatch.zh(),
        period: &period,
        township: &config.township.name,
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
                &loaded.settings.rules.deadlines,
                &loaded.calendar,
            ),
        })
        .collect();
    listed.extend(unflagged.iter().map(|r| (r.case_no, r)));
    let pairs: Vec<(&Case, &crate::rules::CaseResult<'_>)> =
        new.iter().filter_map(|c| Some((*c, *listed.get(c.case_no.as_str())?))).collect();
    crate::plan::intake::plan(&run, &pairs, &people, &loaded.calendar)
}

/// The quarterly supervision digest of the quarter before `as_of`: the full report by email
/// (the workbook attached) to each member of the leading group, and its summary on the leading
/// group's channels.
pub fn supervision_plan(
    loaded: &LoadedConfig,
    as_of: NaiveDate,
    cases: &[Case],
    register: &crate::rules::Register,
) -> Plan {
    let config = &loaded.config;
    let Some(period) = crate::report::Period::quarter_before(as_of, config.reports.month_starts_on_day) else {
        return Plan::default();
    };
    let digest = crate::report::digest(
        &config.township.name,
        cases,
        register,
        &period,
        &loaded.settings.rules,
        &loaded.calendar,
    );
    let received = digest.received.current;
    let notices = report_notices(
        loaded,
        Job::QuarterlySupervision,
        as_of,
        crate::report::Document::Supervision(std::sync::Arc::new(digest)),
        cases,
    );
    Plan { notices, cases_in_scope: received, ..Plan::default() }
}

/// The monthly screening report of the month before `as_of`, for the leading group.
pub fn screening_report_notices(
    loaded: &LoadedConfig,
    as_of: NaiveDate,
    cases: &[Case],
    register: &crate::rules::Register,
) -> Vec<crate::plan::notices::PlannedNotice> {
    let config = &loaded.config;
    let Some(period) = crate::report::Period::month_before(as_of, config.reports.month_starts_on_day) else {
        return Vec::new();
    };
    let report = crate::report::screening_report(
        &config.township.name,
        cases,
        register,
        &period,
        &loaded.settings.rules,
        &loaded.calendar,
    );
    report_notices(
        loaded,
        Job::MonthlyScreening,
        as_of,
        crate::report::Document::Screening(std::sync::Arc::new(report)),
        cases,
    )
}

/// The sweep reports for the holidays and events swept on `as_of`, for the leading group.
pub fn sweep_report_notices(
    loaded: &LoadedConfig,
    as_of: NaiveDate,
    cases: &[Case],
    register: &crate::rules::Register,
) -> Vec<crate::plan::notices::PlannedNotice> {
    let config = &loaded.config;
    let targets = config.sweep_targets(&loaded.calendar);
    crate::schedule::sweeps_on(&targets, as_of, &loaded.calendar)
        .into_iter()
        .flat_map(|target| {
            let report = crate::report::sweep_report(
                &config.township.name,
                target,
                as_of,
                cases,
                register,
                &loaded.settings.rules,
                &loaded.calendar,
            );
            report_notices(
                loaded,
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
    loaded: &LoadedConfig,
    job: Job,
    as_of: NaiveDate,
    document: crate::report::Document,
    cases: &[Case],
) -> Vec<crate::plan::notices::PlannedNotice> {
    let directory = &loaded.settings.rules.directory;
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
    use crate::domain::Addressee;
    use crate::notice::{NoticeBody, NoticeKind};
    use crate::plan::notices::PlannedNotice;
    let config = &loaded.config;
    let contacts = &loaded.settings.contacts;
    let channels = &loaded.settings.channels;
    let period_key = format!("{}-report", job.period(as_of));
    let group = Addressee {
        id: "leading_group".into(),
        name: format!("{}信访工作领导小组", config.township.name),
        title: None,
        email: None,
        wecom_userid: None,
        dingtalk_userid: None,
        feishu_open_id: None,
    };
    let mut targets: Vec<(Addressee, String)> = Vec::new();
    for member in &config.leading_group.members {
        let Some(contact) = contacts.get(member.as_str()) else { continue };
        for channel in &contact.channels {
            // Members get the full report on their personal channels; groups get the summary below.
            if channels.get(channel).is_some_and(|c| !c.group && (!c.needs_email || contact.addressee.email.is_some()))
            {
                targets.push((contact.addressee.clone(), channel.clone()));
            }
        }
    }
    for channel in &config.leading_group.channels {
        if channels.get(channel).is_some_and(|c| !c.needs_email) {
            targets.push((group.clone(), channel.clone()));
        }
    }
    let label = document.label().to_owned();
    targets
        .into_iter()
        .map(|(to, channel)| {
            let hidden = if to.id == "leading_group" { Default::default() } else { recused_from(&to.id) };
            let body = NoticeBody {
                kind: NoticeKind::Report,
                report: Some(if hidden.is_empty() { document.clone() } else { document.without(&hidden) }),
                job: job.name().into(),
                job_zh: job.zh().into(),
                township: config.township.name.clone(),
                period: label.clone(),
                as_of,
                // A group channel (a chat group, a webhook marked `group`) gets the summary only.
                group: to.id == "leading_group" && channels.get(&channel).is_some_and(|c| c.group),
                to,
                cases: vec![],
                text: None,
            };
            PlannedNotice::new(job.name(), &period_key, &channel, crate::plan::NoticeReason::First, vec![], body)
        })
        .collect()
}

/// The duty roster's plan at `run.as_of`: nobody is told anything on a day that is not a
/// reception day (or before the rotation starts).
fn duty_plan<'c>(
    loaded: &LoadedConfig,
    run: &JobRun<'_>,
    screening: &'c crate::rules::Screening<'c>,
    cases: &'c HashMap<String, Case>,
    people: &People<'_>,
) -> Plan {
    let config = &loaded.config;
    let roster_config = &config.duty_roster;
    let Some(starts) = roster_config.starts else {
        return Plan::default();
    };
    let schedule = crate::schedule::Schedule::new(
        &config.jobs.duty_roster.schedule,
        config.jobs.duty_roster.on_non_working_day,
        config.time_zone(),
    );
    let tz = config.time_zone();
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).and_then(|t| tz.from_local_datetime(&t).earliest());
    let (Some(from), Some(until)) = (midnight(starts), run.as_of.succ_opt().and_then(midnight)) else {
        return Plan::default();
    };
    let mut days: Vec<NaiveDate> = schedule
        .firings(from - chrono::Duration::seconds(1), until - chrono::Duration::seconds(1), &loaded.calendar)
        .iter()
        .map(|f| f.at.date_naive())
        .collect();
    days.dedup();
    if days.last() != Some(&run.as_of) {
        return Plan::default();
    }
    let rotation: Vec<String> = roster_config.rotation.iter().map(|p| p.as_str().to_owned()).collect();
    let swaps: Vec<(NaiveDate, String)> =
        roster_config.swaps.iter().map(|s| (s.date, s.person.as_str().to_owned())).collect();
    let leave: Vec<(String, NaiveDate, NaiveDate)> =
        roster_config.leave.iter().map(|l| (l.person.as_str().to_owned(), l.from, l.to)).collect();
    let roster = crate::plan::duty::Roster { rotation: &rotation, swaps: &swaps, leave: &leave };
    let Some(duty) = roster.duty(run.as_of, days.len() - 1) else {
        tracing::error!(day = %run.as_of, "every leader of the duty rotation is on leave: nobody on duty");
        return Plan::default();
    };
    let notices = crate::plan::duty::duty_notices(
        run,
        &roster,
        &duty,
        &screening.cases,
        |no| cases.get(no),
        people,
        &loaded.calendar,
    );
    Plan { cases_in_scope: notices.iter().map(|n| n.case_nos.len()).sum(), notices, ..Plan::default() }
}

/// Runs `job` screening at `as_of` for the firing `scheduled_for`. With `dry_run` the plan is
/// made and returned but nothing is written.
pub async fn run(
    store: &Store,
    loaded: &LoadedConfig,
    job: Job,
    as_of: NaiveDate,
    scheduled_for: DateTime<Utc>,
    now: DateTime<Utc>,
    dry_run: bool,
) -> anyhow::Result<RunReport> {
    let rules = &loaded.settings.rules;
    let lease = chrono::Duration::from_std(loaded.config.database.claim_lease).unwrap_or(chrono::Duration::MAX);
    let lease_until = now.checked_add_signed(lease).unwrap_or(DateTime::<Utc>::MAX_UTC);
    let register = store.load_register().await?;
    if job == Job::QuarterlySupervision {
        let all = store.load_cases().await?;
        let plan = supervision_plan(loaded, as_of, &all, &register);
        return write_run(store, job, as_of, (scheduled_for, lease_until), now, dry_run, (0, Vec::new()), plan).await;
    }
    if job == Job::IntakeWatch {
        // Reported: the cases of the intake notices already in the outbox (written with their
        // run, so a case is reported once). A new installation looks back `recent_window_days`.
        let reported = store.intake_reported().await?;
        let after = intake_look_back(loaded, as_of);
        let new: Vec<&str> = intake_candidates(&register, as_of, after, &reported);
        let cases = store.get_cases(&new).await?;
        let screening = crate::rules::screen(&register, as_of, rules, &loaded.calendar);
        let refs: Vec<&Case> = cases.iter().collect();
        let plan = intake_plan(loaded, as_of, &screening, &refs);
        let flagged = plan.cases_in_scope;
        return write_run(store, job, as_of, (scheduled_for, lease_until), now, dry_run, (flagged, Vec::new()), plan)
            .await;
    }
    // The leading group gets the month's screening report, or the sweep's list. Made first, and
    // the whole register it reads let go before the flagged cases are read for the plan: on a
    // large register the two would otherwise be held at once.
    let reports = match job {
        Job::MonthlyScreening => screening_report_notices(loaded, as_of, &store.load_cases().await?, &register),
        Job::PreEventSweep => sweep_report_notices(loaded, as_of, &store.load_cases().await?, &register),
        _ => Vec::new(),
    };
    let screening = crate::rules::screen(&register, as_of, rules, &loaded.calendar);
    let flagged: Vec<&str> = screening.cases.iter().map(|c| c.case_no).collect();
    let cases: HashMap<String, Case> =
        store.get_cases(&flagged).await?.into_iter().map(|c| (c.case_no.to_string(), c)).collect();
    let previous = store.load_reminders().await?;
    let mut plan = plan_job(loaded, job, as_of, &screening, &cases, &previous);
    plan.notices.extend(reports);
    for (case_no, person, why) in &plan.held {
        match why {
            Held::Unreachable => {
                tracing::warn!(job = job.name(), case_no, person, "no enabled channel reaches this person")
            }
            Held::Recused(skipped) => {
                tracing::info!(job = job.name(), case_no, reason = ?skipped.why, "recused from the case: next in line notified")
            }
            Held::NotDue(_) => {}
        }
    }
    let flags = crate::rules::Flag::ALL
        .iter()
        .map(|flag| (flag.name(), screening.cases.iter().filter(|c| c.has(*flag)).count()))
        .collect();
    write_run(store, job, as_of, (scheduled_for, lease_until), now, dry_run, (screening.cases.len(), flags), plan).await
}

/// Claims the firing and writes the plan's notices and reminders with the run's record.
#[allow(clippy::too_many_arguments)]
async fn write_run(
    store: &Store,
    job: Job,
    as_of: NaiveDate,
    (scheduled_for, lease_until): (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
    dry_run: bool,
    (flagged, flags): (usize, Vec<(&'static str, usize)>),
    plan: Plan,
) -> anyhow::Result<RunReport> {
    let mut report = RunReport { claimed: false, flagged, flags, plan, enqueued: 0 };
    if dry_run {
        return Ok(report);
    }
    let record = RunRecord { job: job.name().to_owned(), scheduled_for, claimed_by: claimant() };
    if !store.claim_run(&record, now, lease_until).await? {
        tracing::info!(job = job.name(), %scheduled_for, "firing already claimed elsewhere; not run here");
        return Ok(report);
    }
    report.claimed = true;
    let period = job.period(as_of);
    let notices: Vec<NewNotice> = report
        .plan
        .notices
        .iter()
        .map(|n| NewNotice {
            id: n.id.clone(),
            job: job.name().to_owned(),
            period: period.clone(),
            recipient: n.recipient.clone(),
            channel: n.channel.clone(),
            reason: n.reason.name().to_owned(),
            case_nos: n.case_nos.clone(),
            payload: serde_json::to_string(&n.body).unwrap_or_default(),
        })
        .collect();
    let reminders: Vec<_> = report.plan.reminders.iter().map(|r| (r.clone(), job.name().to_owned())).collect();
    match store.complete_run(&record, report.flagged, &notices, &reminders, now).await {
        Ok(n) => report.enqueued = n,
        Err(e) => {
            // The notices were not written; the run is marked failed so it shows (unless the
            // claim was lost: the run is another process's now, and this one wrote nothing).
            if !matches!(e, crate::store::StoreError::ClaimLost { .. }) {
                let _ = store.fail_run(&record, &e.to_string(), now).await;
            }
            return Err(e.into());
        }
    }
    tracing::info!(job = job.name(), %as_of, %scheduled_for, flagged = report.flagged, notices = report.enqueued, "job run complete");
    Ok(report)
}

/// Who claims a firing: host name and process id.
pub fn claimant() -> String {
    let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "localhost".into());
    format!("{host}:{}", std::process::id())
}
