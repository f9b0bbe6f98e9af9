//! `import`: registers into the store, with each rejected row and why.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::open_store_for_writing;
use crate::clock::Clock;
use crate::config::LoadedConfig;
use crate::import::{FileReport, ImportOptions, import_file};

/// Rejected rows printed per file before the rest are only counted.
const SHOWN_REJECTIONS: usize = 100;

pub(super) async fn import(
    loaded: &LoadedConfig,
    clock: &dyn Clock,
    files: &[PathBuf],
    dry_run: bool,
    errors: Option<&Path>,
    restore: bool,
    zh: bool,
) -> anyhow::Result<ExitCode> {
    let store = if dry_run { None } else { Some(open_store_for_writing(loaded, clock).await?) };
    let mut options = ImportOptions::from_config(&loaded.config, dry_run, std::io::stderr().is_terminal());
    options.restore = restore;
    options.today = Some(clock.today(loaded.config.time_zone()));
    let now = clock.now();
    let mut reports = Vec::new();
    for file in files {
        let report = import_file(file, store.as_ref(), &loaded.settings.rules.directory, options, now).await;
        print_report(&report, dry_run, zh);
        reports.push(report);
    }
    if let Some(store) = &store {
        store.close().await;
    }
    if let Some(path) = errors {
        write_rejections(path, &reports, zh).with_context(|| format!("writing {}", path.display()))?;
    }
    let stored: usize = reports.iter().map(|r| if dry_run { r.valid } else { r.imported() }).sum();
    let troubled = reports.iter().any(|r| r.fatal.is_some() || !r.rejected.is_empty());
    Ok(match (troubled, stored) {
        (false, _) => ExitCode::SUCCESS,
        (true, 0) => ExitCode::FAILURE,
        (true, _) => ExitCode::from(3),
    })
}

fn print_report(report: &FileReport, dry_run: bool, zh: bool) {
    let file = report.file.display();
    // One line each on stderr; under `--log-format json` a JSON log line each instead, so no
    // message (nor a cell with a line break in it) can pass for a log line of its own.
    let say = |row: Option<usize>, message: &str| {
        if crate::telemetry::json_logs() {
            tracing::warn!(file = %file, row, "{message}");
        } else {
            match row {
                Some(row) => eprintln!("{file}:{row}: {message}"),
                None => eprintln!("{file}: {message}"),
            }
        }
    };
    if let Some(note) = &report.note {
        say(None, note);
    }
    for w in report.warnings.iter().take(SHOWN_REJECTIONS) {
        let column = if zh { crate::import::zh::column(&w.column) } else { w.column.clone() };
        match zh {
            true => say(Some(w.row), &format!("注意：{column}：{}", w.message)),
            false => say(Some(w.row), &format!("warning: {column}: {}", w.message)),
        }
    }
    if report.warnings.len() > SHOWN_REJECTIONS {
        say(None, &format!("warning: {} more warnings", report.warnings.len() - SHOWN_REJECTIONS));
    }
    for rejection in report.rejected.iter().take(SHOWN_REJECTIONS) {
        for problem in &rejection.problems {
            let said = if zh { problem.zh() } else { problem.to_string() };
            say(Some(rejection.row), &said);
        }
    }
    if report.rejected.len() > SHOWN_REJECTIONS {
        say(
            None,
            &format!(
                "… and {} more rejected rows (--errors FILE lists them all)",
                report.rejected.len() - SHOWN_REJECTIONS
            ),
        );
    }
    if !report.unknown_people.is_empty() {
        let names: Vec<&str> = report.unknown_people.iter().map(String::as_str).collect();
        match zh {
            true => say(None, &format!("注意：以下包案领导不在人员名单中，按原文保存：{}", names.join("、"))),
            false => {
                say(None, &format!("warning: 包案领导 not defined in [[people]], kept as text: {}", names.join("、")))
            }
        }
    }
    if let Some(fatal) = &report.fatal {
        say(None, fatal);
    }
    let rejected = report.rejected.len();
    if zh {
        let c = report.counts;
        match dry_run {
            true => {
                println!("{file}：试导入 — 读取 {} 行，可导入 {} 行，拒收 {rejected} 行", report.rows, report.valid)
            }
            false => println!(
                "{file}：读取 {} 行 — 导入 {} 件（新增 {}，更新 {}，未变 {}），拒收 {rejected} 行",
                report.rows,
                report.imported(),
                c.inserted,
                c.updated,
                c.unchanged
            ),
        }
        if !report.withdrawn.is_empty() {
            println!(
                "{file}：{} 行是已作废的信访件，未导入：{}；如需恢复，请加 --restore 重新导入",
                report.withdrawn.len(),
                report.withdrawn.join("、")
            );
        }
        if !report.renamed.is_empty() {
            let pairs: Vec<String> = report.renamed.iter().map(|(from, to)| format!("{from} → {to}")).collect();
            println!(
                "{file}：{} 行的编号已更正，未导入：{}；请在登记簿中改用正确的编号",
                report.renamed.len(),
                pairs.join("、")
            );
        }
        return;
    }
    if dry_run {
        println!(
            "{file}: dry run — {} rows read, {} would be imported, {rejected} rejected",
            report.rows, report.valid
        );
    } else {
        let c = report.counts;
        println!(
            "{file}: {} rows read — imported {} (new {}, updated {}, unchanged {}), rejected {rejected}",
            report.rows,
            report.imported(),
            c.inserted,
            c.updated,
            c.unchanged
        );
        if c.restored > 0 {
            println!("{file}: {} withdrawn cases (作废) restored", c.restored);
        }
        if !report.withdrawn.is_empty() {
            println!(
                "{file}: {} rows are of withdrawn cases (作废) and were left out: {}; import with --restore to bring them back",
                report.withdrawn.len(),
                report.withdrawn.join(", ")
            );
        }
        if !report.renamed.is_empty() {
            let pairs: Vec<String> = report.renamed.iter().map(|(from, to)| format!("{from} → {to}")).collect();
            println!(
                "{file}: {} rows are under a number corrected since (更正编号) and were left out: {}; use the right number in the register",
                report.renamed.len(),
                pairs.join(", ")
            );
        }
        if report.replies_recorded > 0 {
            println!("{file}: {} answers to petitioners (答复日期) recorded as reply events", report.replies_recorded);
        }
    }
}

fn write_rejections(path: &Path, reports: &[FileReport], zh: bool) -> anyhow::Result<()> {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) {
        return write_rejected_rows(path, reports);
    }
    let mut out = std::fs::File::create(path)?;
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut writer = csv::Writer::from_writer(out);
    match zh {
        true => writer.write_record(["文件", "行", "列", "内容", "错误原因"])?,
        false => writer.write_record(["file", "row", "column", "value", "reason"])?,
    }
    // Every cell as text: a value from the register may start with `=`, `+`, `-` or `@`.
    let safe = |cells: [&str; 5]| cells.map(|c| crate::domain::spreadsheet_text(c).into_owned());
    for report in reports {
        let file = report.file.display().to_string();
        if let Some(fatal) = &report.fatal {
            writer.write_record(safe([file.as_str(), "", "", "", fatal]))?;
        }
        for rejection in &report.rejected {
            for p in &rejection.problems {
                let (column, reason) = match zh {
                    true => (crate::import::zh::column(&p.column), crate::import::zh::reason(&p.reason)),
                    false => (p.column.clone(), p.reason.clone()),
                };
                writer.write_record(safe([file.as_str(), &rejection.row.to_string(), &column, &p.value, &reason]))?;
            }
        }
    }
    writer.flush()?;
    Ok(())
}

/// The rejected rows themselves as a workbook ([`crate::import::rejected::workbook`]): one
/// file's rows, under its own header, so they can be fixed and imported again.
fn write_rejected_rows(path: &Path, reports: &[FileReport]) -> anyhow::Result<()> {
    let with_rows: Vec<&FileReport> = reports.iter().filter(|r| !r.rejected.is_empty()).collect();
    if with_rows.len() > 1 {
        anyhow::bail!(
            "{} files have rejected rows; an .xlsx --errors file holds one file's rows (import them one at a time, or give a .csv name)",
            with_rows.len()
        );
    }
    let first = with_rows.first().copied().or(reports.first());
    let Some(header) = first.and_then(|r| r.header.as_ref()) else {
        anyhow::bail!("no register header was read, so there are no rows to write");
    };
    let rejected = first.map_or(&[][..], |r| r.rejected.as_slice());
    std::fs::write(path, crate::import::rejected::workbook(header, rejected)?)?;
    Ok(())
}
