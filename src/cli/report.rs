//! `report`: the monthly, quarterly, annual and sweep reports, written to a file.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::Datelike;

use super::{ReportKind, open_store};
use crate::clock::Clock;
use crate::config::LoadedConfig;

pub(super) async fn report(
    loaded: &LoadedConfig,
    clock: &dyn Clock,
    kind: ReportKind,
    period: &str,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    let config = &loaded.config;
    if kind == ReportKind::Sweep {
        return sweep_report(loaded, clock, period, out).await;
    }
    let period = crate::report::Period::parse(period, config.reports.month_starts_on_day)
        .map_err(|e| anyhow::anyhow!("--period: {e}"))?;
    let expected = match kind {
        ReportKind::Monthly => "a month like 2026-10",
        ReportKind::Quarterly => "a quarter like 2026Q3",
        ReportKind::Annual => "a year like 2026",
        ReportKind::Sweep => "a holiday or event name",
    };
    let months =
        (period.end.year() - period.start.year()) * 12 + period.end.month() as i32 - period.start.month() as i32;
    let fits = match kind {
        ReportKind::Monthly => months <= 1 && !period.label.contains(['Q', 'q']) && period.label.contains('-'),
        ReportKind::Quarterly => period.label.contains(['Q', 'q']),
        ReportKind::Annual => period.label.len() == 4,
        ReportKind::Sweep => false,
    };
    let name = match kind {
        ReportKind::Monthly => "monthly",
        ReportKind::Quarterly => "quarterly",
        ReportKind::Annual => "annual",
        ReportKind::Sweep => "sweep",
    };
    anyhow::ensure!(fits, "--period {}: the {name} report needs {expected}", period.label);
    // Choice: a period that has not ended is reported up to today and says so — titled 截至
    // <today> and marked 临时 — never as if it had ended ("overdue at the end" would read as
    // final to the leading group). A period that has not begun is refused.
    let today = clock.today(config.time_zone());
    let mut period = period;
    anyhow::ensure!(
        period.start <= today,
        "--period {}: the period begins on {} and has not begun (today is {today})",
        period.label,
        period.start
    );
    let provisional = period.end >= today;
    if provisional {
        period.label = format!("{}（截至 {today}，期间未结束，数据为临时）", period.label);
        period.end = today;
    }
    let extension = out.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    anyhow::ensure!(
        matches!(extension.as_str(), "xlsx" | "md" | "html"),
        "--out {}: write .xlsx (the tables), .html (the email the leading group reads) or .md (the robots' summary)",
        out.display()
    );
    let store = open_store(loaded).await?;
    let register = store.load_register().await.context("reading cases")?;
    let cases = store.load_cases().await.context("reading cases")?;
    store.close().await;
    let rules = &loaded.settings.rules;
    let (document, figures) = match kind {
        ReportKind::Quarterly | ReportKind::Annual | ReportKind::Sweep => {
            let digest =
                crate::report::digest(&config.township.name, &cases, &register, &period, rules, &loaded.calendar);
            let figures = format!(
                "{} cases received, {} overdue at the end",
                digest.received.current,
                digest.overdue.values().map(Vec::len).sum::<usize>()
            );
            (crate::report::Document::Supervision(std::sync::Arc::new(digest)), figures)
        }
        ReportKind::Monthly => {
            let report = crate::report::screening_report(
                &config.township.name,
                &cases,
                &register,
                &period,
                rules,
                &loaded.calendar,
            );
            let figures = format!(
                "{} flagged cases ({} new, {} carried over), {} without an owner, responsible person or deadline",
                report.new_cases + report.carried_over,
                report.new_cases,
                report.carried_over,
                report.unassigned.len()
            );
            (crate::report::Document::Screening(std::sync::Arc::new(report)), figures)
        }
    };
    let bytes = match extension.as_str() {
        "xlsx" => crate::render::report::xlsx(&document).context("building the workbook")?,
        "html" => crate::render::report::standalone_html(&document, &config.township.name)
            .map_err(anyhow::Error::msg)?
            .into_bytes(),
        _ => crate::render::report::markdown(&document).into_bytes(),
    };
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
    println!("{}: {} {} to {} — {figures}", out.display(), period.label, period.start, period.end);
    if provisional {
        println!("provisional: the period has not ended; the figures are as of {today}, and the report says so");
    }
    Ok(ExitCode::SUCCESS)
}

/// `report sweep --period NAME`: the sweep for the holiday or event of that name whose sweep day
/// is the latest on or before today, else the next one.
pub(super) async fn sweep_report(
    loaded: &LoadedConfig,
    clock: &dyn Clock,
    name: &str,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    let config = &loaded.config;
    let today = clock.today(config.time_zone());
    let targets = &loaded.settings.sweep_targets;
    let dated: Vec<(chrono::NaiveDate, &crate::schedule::SweepTarget)> = targets
        .iter()
        .filter(|t| t.name == name.trim())
        .filter_map(|t| Some((crate::schedule::sweep_day(t, &loaded.calendar)?, t)))
        .collect();
    let chosen = dated
        .iter()
        .filter(|(d, _)| *d <= today)
        .max_by_key(|(d, _)| *d)
        .or_else(|| dated.iter().min_by_key(|(d, _)| *d));
    let Some((day, target)) = chosen else {
        let mut names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        anyhow::bail!("--period {name}: no holiday or event of that name; known: {}", names.join("; "));
    };
    let store = open_store(loaded).await?;
    let register = store.load_register().await.context("reading cases")?;
    let cases = store.load_cases().await.context("reading cases")?;
    store.close().await;
    let report = crate::report::sweep_report(
        &config.township.name,
        target,
        *day,
        &cases,
        &register,
        &loaded.settings.rules,
        &loaded.calendar,
    );
    let count = report.cases.len();
    let document = crate::report::Document::Sweep(std::sync::Arc::new(report));
    let extension = out.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let bytes = match extension.as_str() {
        "xlsx" => crate::render::report::xlsx(&document).context("building the workbook")?,
        "html" => crate::render::report::standalone_html(&document, &config.township.name)
            .map_err(anyhow::Error::msg)?
            .into_bytes(),
        "md" => crate::render::report::markdown(&document).into_bytes(),
        _ => anyhow::bail!("--out {}: write .xlsx, .html or .md", out.display()),
    };
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
    println!("{}: {} ({}), swept {day}: {count} open flagged cases", out.display(), target.name, target.starts);
    Ok(ExitCode::SUCCESS)
}
