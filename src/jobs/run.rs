//! A job run: read what the plan needs from the store, plan, claim the firing and write the
//! run's record, notices and reminders in one transaction.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};

use super::{RunReport, claimant};
use crate::config::LoadedConfig;
use crate::domain::{Case, EventKind};
use crate::plan::Job;
use crate::plan::job;
use crate::plan::notices::{Held, Plan};
use crate::store::{NewNotice, RunRecord, Store};

/// Runs `job` screening at `as_of` for the firing `scheduled_for`. With `dry_run` the plan is
/// made and returned but nothing is written. The planning is [`crate::plan::job`]'s, the same
/// `simulate` calls; this reads what it needs from the store, in an order that keeps memory low.
pub async fn run(
    store: &Store,
    loaded: &LoadedConfig,
    job: Job,
    as_of: NaiveDate,
    scheduled_for: DateTime<Utc>,
    now: DateTime<Utc>,
    dry_run: bool,
) -> anyhow::Result<RunReport> {
    let township = loaded.township();
    let lease = chrono::Duration::from_std(loaded.config.database.claim_lease).unwrap_or(chrono::Duration::MAX);
    let lease_until = now.checked_add_signed(lease).unwrap_or(DateTime::<Utc>::MAX_UTC);
    let firing = (scheduled_for, lease_until);
    let register = store.load_register().await?;
    // The leading group's report is made first, and the whole register it reads let go before
    // the flagged cases are read for the plan: on a large register the two would otherwise be
    // held at once.
    let reports = if job::reads_all_cases(job) {
        let work = match job {
            Job::MonthlyScreening | Job::QuarterlySupervision => Some(work_input(store, loaded, now).await?),
            _ => None,
        };
        job::reports(&township, job, as_of, &store.load_cases().await?, &register, work.as_ref())
    } else {
        Plan::default()
    };
    if job == Job::QuarterlySupervision {
        return write_run(store, job, as_of, firing, now, dry_run, (0, Vec::new()), reports).await;
    }
    if job == Job::AckWatch {
        let plan = ack_watch(store, loaded, scheduled_for).await?;
        return write_run(store, job, as_of, firing, now, dry_run, (plan.cases_in_scope, Vec::new()), plan).await;
    }
    let screening = crate::rules::screen(&register, as_of, township.rules, township.calendar);
    // The intake watch reports what no earlier run did: the cases of the intake notices already
    // in the outbox (written with their run). A new installation looks back `recent_window_days`.
    let (intake_after, reported) = if job == Job::IntakeWatch {
        (job::intake_look_back(&township, as_of), store.intake_reported().await?)
    } else {
        (as_of, HashSet::new())
    };
    let read = job::cases_to_read(job, as_of, &screening, &register, intake_after, &reported);
    let cases: HashMap<String, Case> =
        store.get_cases(&read).await?.into_iter().map(|c| (c.case_no.to_string(), c)).collect();
    let mut previous = if job == Job::IntakeWatch { HashMap::new() } else { store.load_reminders().await? };
    if job == Job::DeadlineWatch {
        let tz = loaded.config.time_zone();
        for (key, at) in store.latest_acks().await? {
            if let Some(last) = previous.get_mut(&key) {
                last.acknowledged_on = Some(at.with_timezone(&tz).date_naive());
            }
        }
    }
    let mut plan = job::case_plan(&township, job, as_of, &screening, &cases, &read, &previous);
    plan.notices.extend(reports.notices);
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
    let counts = if job == Job::IntakeWatch {
        (plan.cases_in_scope, Vec::new())
    } else {
        let flags = crate::rules::Flag::ALL
            .iter()
            .map(|flag| (flag.name(), screening.cases.iter().filter(|c| c.has(*flag)).count()))
            .collect();
        (screening.cases.len(), flags)
    };
    write_run(store, job, as_of, firing, now, dry_run, counts, plan).await
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

/// The ack watch's plan for the firing `at` (DESIGN §5.3): the overdue and urgent cases whose
/// 签收 fell due since the previous recorded firing (a day back for the first) and has not come.
/// Nothing without action links: nobody could have acknowledged.
async fn ack_watch(store: &Store, loaded: &LoadedConfig, at: DateTime<Utc>) -> anyhow::Result<Plan> {
    if loaded.settings.links.is_none() {
        tracing::debug!("no action links (http.public_url): the ack watch has nothing to check");
        return Ok(Plan::default());
    }
    let tz = loaded.config.time_zone();
    let after = store.previous_run(Job::AckWatch.name(), at).await?.unwrap_or(at - chrono::Duration::days(1));
    // 签收 is due within days of delivery; 60 days cover the longest holiday with room to spare.
    let delivered: Vec<crate::plan::ack::Delivered> = store
        .delivered_watch_notices(after - chrono::Duration::days(60))
        .await?
        .into_iter()
        .filter_map(|row| {
            let body = serde_json::from_str(&row.payload).ok()?;
            Some(crate::plan::ack::Delivered {
                id: row.id,
                recipient: row.recipient,
                planned_at: row.created_at,
                sent_at: row.sent_at?,
                body,
            })
        })
        .collect();
    let acks = store.latest_acks().await?;
    let settings = &loaded.config.escalation;
    let township = loaded.township();
    let items = crate::plan::ack::unacknowledged(
        &delivered,
        &acks,
        (after, at),
        township.people.administrators,
        settings,
        &loaded.calendar,
        tz,
    );
    let period = format!("ack-{}", at.with_timezone(&tz).format("%Y-%m-%dT%H:%M"));
    Ok(crate::plan::ack::ack_plan(
        (Job::AckWatch.name(), Job::AckWatch.zh(), &period),
        township.name,
        at,
        &items,
        &township.people,
        settings,
        tz,
    ))
}

/// What the reports' work figures are made from: the deadline and intake watches' notices
/// delivered over the last 15 months (the longest period a report covers, and the one before),
/// and every 签收, answer and 督办 recorded.
async fn work_input(
    store: &Store,
    loaded: &LoadedConfig,
    now: DateTime<Utc>,
) -> anyhow::Result<crate::report::WorkInput> {
    let since = now - chrono::Duration::days(460);
    let township = loaded.township();
    let administrators = township.people.administrators;
    let mut told = Vec::new();
    for row in store.delivered_watch_notices(since).await? {
        let Some(sent_at) = row.sent_at else { continue };
        if administrators.contains(&row.recipient) {
            continue;
        }
        for case_no in &row.case_nos {
            told.push(crate::report::Told {
                person: row.recipient.clone(),
                case_no: case_no.clone(),
                planned_at: row.created_at,
                sent_at,
            });
        }
    }
    let mut events = Vec::new();
    for kind in [EventKind::Ack, EventKind::Reply, EventKind::Supervision] {
        events.extend(store.events_of_kind(kind).await?);
    }
    let escalation = &loaded.config.escalation;
    Ok(crate::report::WorkInput {
        told,
        events,
        names: loaded.settings.contacts.iter().map(|(id, c)| (id.clone(), c.addressee.name.clone())).collect(),
        time_zone: loaded.config.time_zone(),
        office: (escalation.office_opens, escalation.office_closes),
    })
}
