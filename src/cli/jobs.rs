//! `jobs list`, `jobs run` and `simulate`: when the jobs fire, one run by hand, and a replay of a span of days.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use super::{ListFormat, open_store, open_store_for_writing};
use crate::clock::Clock;
use crate::config::LoadedConfig;

pub(super) async fn jobs_run(
    loaded: &LoadedConfig,
    clock: &dyn Clock,
    name: &str,
    as_of: Option<chrono::NaiveDate>,
    dry_run: bool,
    send: bool,
) -> anyhow::Result<ExitCode> {
    let Some(job) = crate::plan::Job::parse(name) else {
        let known: Vec<&str> = crate::plan::Job::ALL.iter().map(|j| j.name()).collect();
        anyhow::bail!("no job `{name}` can be run by hand yet; these can: {}", known.join(", "));
    };
    let now = clock.now();
    let today = clock.today(loaded.config.time_zone());
    let as_of = as_of.unwrap_or(today);
    // DESIGN §5.1: a date other than today, or a sweep on a day that is not a sweep day, writes
    // nothing without --send.
    let rehearsal = if as_of != today {
        Some(format!("{as_of} is not today ({today})"))
    } else if job == crate::plan::Job::PreEventSweep {
        crate::schedule::sweeps_on(&loaded.settings.sweep_targets, as_of, &loaded.calendar)
            .is_empty()
            .then(|| format!("{as_of} is not a sweep day"))
    } else {
        None
    };
    let dry_run = match rehearsal {
        Some(why) if !send && !dry_run => {
            eprintln!(
                "{why}: nothing is written (a rehearsal, as with --dry-run); add --send to write these notices for delivery"
            );
            true
        }
        _ => dry_run,
    };
    let store = open_store_for_writing(loaded, clock).await?;
    let report = crate::jobs::run(&store, loaded, job, as_of, now, now, dry_run).await;
    store.close().await;
    let report = report?;
    let plan = &report.plan;
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    if dry_run {
        for n in &plan.notices {
            writeln!(
                stdout,
                "{}\t{}\t{}\t{}\t{}",
                n.id,
                n.recipient,
                n.channel,
                n.reason.name(),
                n.case_nos.join(",")
            )?;
        }
    }
    let unreachable =
        plan.held.iter().filter(|(_, _, why)| matches!(why, crate::plan::notices::Held::Unreachable)).count();
    let not_due = plan.held.iter().filter(|(_, _, why)| matches!(why, crate::plan::notices::Held::NotDue(_))).count();
    let recused = plan.held.iter().filter(|(_, _, why)| matches!(why, crate::plan::notices::Held::Recused(_))).count();
    writeln!(
        stdout,
        "{} at {as_of}: {} flagged cases, {} in scope; {} notices {} ({} reminders not yet due, {} recusals, {} unreachable)",
        job.name(),
        report.flagged,
        plan.cases_in_scope,
        if dry_run { plan.notices.len() } else { report.enqueued },
        if dry_run { "would be written" } else { "written to the outbox" },
        not_due,
        recused,
        unreachable,
    )?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn jobs_list(loaded: &LoadedConfig, clock: &dyn Clock) -> anyhow::Result<()> {
    let tz = loaded.config.time_zone();
    let now = clock.now().with_timezone(&tz);
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let schedules = crate::jobs::schedules(loaded);
    let targets = &loaded.settings.sweep_targets;
    for (which, job) in loaded.config.jobs.all() {
        let name = which.name();
        let Some((_, schedule, _)) = schedules.iter().find(|(j, ..)| *j == which) else {
            writeln!(stdout, "{name:<22} disabled")?;
            continue;
        };
        let sweep_note = |day: chrono::NaiveDate| {
            let names: Vec<String> = crate::schedule::sweeps_on(targets, day, &loaded.calendar)
                .iter()
                .map(|t| format!("{} {} working days before {}", t.name, t.working_days_before, t.starts))
                .collect();
            if name == "pre_event_sweep" && !names.is_empty() {
                format!("  ({})", names.join("; "))
            } else {
                String::new()
            }
        };
        match schedule.next_after(now, &loaded.calendar) {
            Some(f) if f.moved() => writeln!(
                stdout,
                "{name:<22} {}  (cron slot {} is not a working day; moved by on_non_working_day = {:?})",
                f.at.format("%Y-%m-%d %a %H:%M"),
                f.slot.format("%Y-%m-%d %a %H:%M"),
                job.on_non_working_day
            )?,
            Some(f) => {
                writeln!(stdout, "{name:<22} {}{}", f.at.format("%Y-%m-%d %a %H:%M"), sweep_note(f.at.date_naive()))?
            }
            None if name == "pre_event_sweep" => writeln!(
                stdout,
                "{name:<22} no sweep day ahead: the holiday schedules in holidays/ and [[events]] set them"
            )?,
            None => writeln!(stdout, "{name:<22} no firing in the next two years")?,
        }
    }
    // The firings of a year without a holiday schedule are computed from its statutory days off.
    if let Some(warning) = loaded.calendar.missing_schedule_warning(now.date_naive()) {
        writeln!(stdout, "\nwarning: {warning}")?;
    }
    stdout.flush()?;
    Ok(())
}

pub(super) async fn simulate(
    loaded: &LoadedConfig,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    format: ListFormat,
) -> anyhow::Result<ExitCode> {
    use crate::plan::job;
    use chrono::TimeZone;
    use std::collections::HashMap;
    anyhow::ensure!(from <= to, "--from {from} is after --to {to}");
    let tz = loaded.config.time_zone();
    let local = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).and_then(|t| tz.from_local_datetime(&t).earliest());
    let (Some(start), Some(end)) = (local(from), to.succ_opt().and_then(local)) else {
        anyhow::bail!("--from/--to out of range");
    };
    let store = open_store(loaded).await?;
    let register = store.load_register().await.context("reading cases")?;
    let all_cases = store.load_cases().await?;
    let cases: HashMap<String, crate::domain::Case> =
        all_cases.iter().map(|c| (c.case_no.to_string(), c.clone())).collect();
    // What people were told before the span; later reminders belong to another timeline.
    let mut previous = store.load_reminders().await?;
    previous.retain(|_, p| p.sent_on < from);
    // The intake watch reports what no earlier run reported: the stored runs' cases, and in the
    // replay the cases received since its last firing before the span.
    let mut reported = store.intake_reported().await?;
    store.close().await;
    let township = loaded.township();
    let intake_after = crate::jobs::schedules(loaded)
        .iter()
        .find(|(job, ..)| *job == crate::plan::Job::IntakeWatch)
        .and_then(|(_, schedule, _)| {
            let before = start - chrono::Duration::seconds(1);
            schedule
                .firings(before - chrono::Duration::days(40), before, &loaded.calendar)
                .last()
                .map(|f| f.at.date_naive())
        })
        .unwrap_or_else(|| job::intake_look_back(&township, from));
    // The ack watch answers what people did with the notices they received (their 签收), which a
    // replay cannot know: it is left out.
    let mut firings: Vec<(chrono::DateTime<chrono_tz::Tz>, crate::plan::Job)> = crate::jobs::schedules(loaded)
        .iter()
        .filter(|(job, ..)| *job != crate::plan::Job::AckWatch)
        .flat_map(|&(job, ref schedule, _)| {
            schedule
                .firings(start - chrono::Duration::seconds(1), end - chrono::Duration::seconds(1), &loaded.calendar)
                .into_iter()
                .map(move |f| (f.at, job))
        })
        .collect();
    firings.sort_by_key(|(at, job)| (*at, job.name()));
    let mut rows = Vec::new();
    // The daemon's run plans each firing with the same functions, over the store.
    for (at, job) in firings {
        let as_of = at.date_naive();
        let reports = if job::reads_all_cases(job) {
            job::reports(&township, job, as_of, &all_cases, &register, None)
        } else {
            crate::plan::notices::Plan::default()
        };
        if job == crate::plan::Job::QuarterlySupervision {
            rows.push((at, job, reports.notices));
            continue;
        }
        let screening = crate::rules::screen(&register, as_of, township.rules, township.calendar);
        let read = job::cases_to_read(job, as_of, &screening, &register, intake_after, &reported);
        let mut plan = job::case_plan(&township, job, as_of, &screening, &cases, &read, &previous);
        if job == crate::plan::Job::IntakeWatch {
            reported.extend(read.iter().map(|no| (*no).to_owned()));
        }
        plan.notices.extend(reports.notices);
        for r in &plan.reminders {
            previous.insert((r.recipient.clone(), r.case_no.clone()), r.previous);
        }
        rows.push((at, job, plan.notices));
    }
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        ListFormat::Json => {
            let firings: Vec<serde_json::Value> =
                rows.iter().map(|(at, job, notices)| simulated_firing(*at, *job, notices)).collect();
            // Keys in the documented order: from, to, firings.
            writeln!(
                stdout,
                "{{\"from\":{},\"to\":{},\"firings\":{}}}",
                serde_json::to_string(&from)?,
                serde_json::to_string(&to)?,
                serde_json::to_string(&firings)?
            )?;
        }
        ListFormat::Table => {
            for (at, job, notices) in &rows {
                writeln!(stdout, "{}  {:<22} {} notices", at.format("%Y-%m-%d %a %H:%M"), job.name(), notices.len())?;
                for n in notices {
                    let cases = if n.case_nos.is_empty() { "report".to_owned() } else { n.case_nos.join(" ") };
                    writeln!(stdout, "    {} via {}: {cases}", n.recipient, n.channel)?;
                }
            }
            let total: usize = rows.iter().map(|(_, _, n)| n.len()).sum();
            writeln!(stdout, "{} firings from {from} to {to}, {total} notices; nothing was sent", rows.len())?;
        }
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// One firing as `simulate --format json` prints it (DESIGN §5.1): every notice with its
/// recipient (a person id from the config), channel and cases, each case with the sorted flags
/// the notice reports for it (`"cases": []` for a report notice). Keys in the documented order.
///
/// Choice: `moved` appears on a case only when one of its deadlines moved since the last
/// reminder about it (DESIGN §5.1: "`moved` only where a deadline moved").
fn simulated_firing(
    at: chrono::DateTime<chrono_tz::Tz>,
    job: crate::plan::Job,
    notices: &[crate::plan::notices::PlannedNotice],
) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let notices: Vec<Value> = notices
        .iter()
        .map(|n| {
            let cases: Vec<Value> = n
                .cases
                .iter()
                .map(|c| {
                    let mut flags: Vec<&str> = c.flags.iter().map(|f| f.name()).collect();
                    flags.sort_unstable();
                    let mut case = Map::new();
                    case.insert("case_no".into(), json!(c.case_no));
                    case.insert("flags".into(), json!(flags));
                    if !c.moved.is_empty() {
                        let moved: Vec<Value> = c
                            .moved
                            .iter()
                            .map(|m| json!({"deadline": m.kind.name(), "from": m.from, "to": m.to, "why": m.why}))
                            .collect();
                        case.insert("moved".into(), json!(moved));
                    }
                    Value::Object(case)
                })
                .collect();
            json!({"recipient": n.recipient, "channel": n.channel, "cases": cases})
        })
        .collect();
    json!({"at": at.to_rfc3339(), "job": job.name(), "notices": notices})
}
