//! Register import: CSV or XLSX files in, cases stored, every rejected row reported with its
//! row number, column, value and reason.
//!
//! Reading and parsing ([`parse_grid`]) are pure; only [`import_file`] touches the store,
//! writing in batches of `import.batch_rows` rows, each batch one transaction.

pub mod checks;
mod columns;
pub mod json;
pub mod rejected;
mod row;
mod source;
pub mod zh;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

pub use columns::{Column, Header, find_header};
pub use row::{CellProblem, RowRules, parse_row};
pub use source::{Cell, Grid, decode, read_csv, read_grid, read_workbook_bytes};

use crate::config::Config;
use crate::domain::{Case, CaseNo};
use crate::store::{Store, UpsertCounts};

/// A row that was not imported, with every problem found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRejection {
    /// Row number as a spreadsheet shows it (the header row counts).
    pub row: usize,
    /// The problems, by column.
    pub problems: Vec<CellProblem>,
    /// Every cell of the row as read (text, dates as `YYYY-MM-DD`), unmasked: for the
    /// rejected-rows workbook ([`rejected::workbook`]), which masks what it writes.
    pub cells: Vec<String>,
}

impl CellProblem {
    /// The problem as the clerk reads it, in Chinese: 收到日期：“2026-02-30” 不是日历上有的日子.
    pub fn zh(&self) -> String {
        let reason = zh::reason(&self.reason);
        let column = zh::column(&self.column);
        if self.value.is_empty() || self.reason.contains(&self.value) {
            format!("{column}：{reason}")
        } else {
            format!("{column}：“{}” {reason}", self.value)
        }
    }
}

impl fmt::Display for CellProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() || self.reason.contains(&self.value) {
            write!(f, "{}: {}", self.column, self.reason)
        } else {
            write!(f, "{}: {:?} {}", self.column, self.value, self.reason)
        }
    }
}

/// A register parsed but not yet stored.
#[derive(Debug, Clone, Default)]
pub struct ParsedRegister {
    /// Good rows: (row number, case), in file order.
    pub cases: Vec<(usize, Case)>,
    /// Bad rows.
    pub rejected: Vec<RowRejection>,
    /// `owner_leader` values that name nobody in the config (kept as text).
    pub unknown_people: BTreeSet<String>,
    /// Data rows read (blank rows not counted).
    pub rows: usize,
    /// 0-based index of the header row.
    pub header_row: usize,
    /// The header found (the rejected-rows workbook repeats it).
    pub header: Option<Header>,
    /// Good rows whose ID or phone cell held a masked number (as the rejected-rows workbook
    /// writes it): (index into `cases`, which columns), for [`import_file`] to keep the stored
    /// number of the case.
    pub masked: Vec<(usize, Vec<Column>)>,
}

/// Parses every data row below the header. Whole-file problems (no header) are `Err`.
pub fn parse_grid(grid: &Grid, rules: RowRules, knows_person: impl Fn(&str) -> bool) -> Result<ParsedRegister, String> {
    let texts: Vec<Vec<String>> =
        grid.rows.iter().take(columns::HEADER_SEARCH_ROWS).map(|r| r.iter().map(Cell::text).collect()).collect();
    let header = find_header(&texts)?;
    let mut parsed = ParsedRegister { header_row: header.row_index, ..ParsedRegister::default() };
    let mut first_row_of: HashMap<CaseNo, usize> = HashMap::new();
    for (index, cells) in grid.rows.iter().enumerate().skip(header.row_index + 1) {
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        parsed.rows += 1;
        let row = index + 1;
        // A masked ID or phone number (the rejected-rows workbook's) is read as blank here and
        // the stored number kept by the import.
        let masked: Vec<Column> = [Column::PetitionerId, Column::Phone]
            .into_iter()
            .filter(|c| header.known.get(c).and_then(|i| cells.get(*i)).is_some_and(|c| rejected::is_masked(&c.text())))
            .collect();
        let unmasked;
        let cells = if masked.is_empty() {
            cells
        } else {
            let mut copy = cells.clone();
            for column in &masked {
                if let Some(cell) = header.known.get(column).and_then(|i| copy.get_mut(*i)) {
                    *cell = Cell::Empty;
                }
            }
            unmasked = copy;
            &unmasked
        };
        match parse_row(&header, cells, rules) {
            Ok(case) => {
                if let Some(first) = first_row_of.get(&case.case_no) {
                    let column = Column::CaseNo;
                    parsed.rejected.push(RowRejection {
                        row,
                        cells: grid.rows[index].iter().map(Cell::text).collect(),
                        problems: vec![CellProblem {
                            column: checks::column(column),
                            value: case.case_no.to_string(),
                            reason: format!(
                                "{:?} was already imported from row {first} of this file; the first row wins",
                                case.case_no.as_str()
                            ),
                        }],
                    });
                    continue;
                }
                if let Some(owner) = &case.owner_leader
                    && !knows_person(owner)
                {
                    parsed.unknown_people.insert(crate::domain::mask_identifiers(owner).into_owned());
                }
                first_row_of.insert(case.case_no.clone(), row);
                if !masked.is_empty() {
                    parsed.masked.push((parsed.cases.len(), masked));
                }
                parsed.cases.push((row, case));
            }
            Err(problems) => {
                let cells = grid.rows[index].iter().map(Cell::text).collect();
                parsed.rejected.push(RowRejection { row, problems, cells });
            }
        }
    }
    parsed.header = Some(header);
    Ok(parsed)
}

/// How to import.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    /// Validate only; write nothing.
    pub dry_run: bool,
    /// Row limits.
    pub rules: RowRules,
    /// Rows per transaction.
    pub batch_rows: usize,
    /// Show a progress bar (on a terminal) instead of log lines.
    pub progress_bar: bool,
    /// The township's time zone (a 答复日期 is a local day).
    pub time_zone: chrono_tz::Tz,
    /// Bring back withdrawn cases (作废) the file lists; without it their rows are left out.
    pub restore: bool,
    /// Today, for the check that no date lies in the future ([`checks`]); `None` skips it.
    pub today: Option<chrono::NaiveDate>,
}

impl ImportOptions {
    /// Options from the config's `[import]` and `[deadlines]` sections.
    pub fn from_config(config: &Config, dry_run: bool, progress_bar: bool) -> Self {
        Self {
            dry_run,
            rules: RowRules {
                max_cell_bytes: config.import.max_cell_bytes,
                max_extension_days: config.deadlines.max_extension_days,
            },
            batch_rows: config.import.batch_rows.max(1),
            progress_bar,
            time_zone: config.time_zone(),
            restore: false,
            today: None,
        }
    }
}

/// What importing one file did.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    /// The file.
    pub file: PathBuf,
    /// How it was read (encoding, sheet).
    pub note: Option<String>,
    /// Data rows read.
    pub rows: usize,
    /// Rows that passed every check.
    pub valid: usize,
    /// What the store did with them (all zero on a dry run).
    pub counts: UpsertCounts,
    /// Rows not imported.
    pub rejected: Vec<RowRejection>,
    /// `owner_leader` names the config does not know.
    pub unknown_people: BTreeSet<String>,
    /// A problem that stopped the whole file (or the rest of it).
    pub fatal: Option<String>,
    /// Answers to petitioners (答复日期) recorded as reply events by this import.
    pub replies_recorded: usize,
    /// Numbers of withdrawn cases (作废) whose rows were left out.
    pub withdrawn: Vec<String>,
    /// Rows under a number corrected since (更正编号), left out: (old number, number now).
    pub renamed: Vec<(String, String)>,
    /// What looks wrong in rows that imported (in Chinese): impossible dates, unknown people,
    /// numbers that look like stored ones ([`checks`]).
    pub warnings: Vec<checks::RowWarning>,
    /// The file's header (for the rejected-rows workbook, [`rejected::workbook`]).
    pub header: Option<Header>,
}

impl FileReport {
    /// Rows written to the store (new, updated or unchanged).
    pub fn imported(&self) -> usize {
        self.counts.inserted + self.counts.updated + self.counts.unchanged
    }
}

/// Imports one file into `store` (or only checks it, on a dry run).
#[tracing::instrument(skip_all, fields(file = %path.display()))]
pub async fn import_file(
    path: &Path,
    store: Option<&Store>,
    directory: &crate::domain::Directory,
    options: ImportOptions,
    now: DateTime<Utc>,
) -> FileReport {
    let mut report = FileReport { file: path.to_owned(), ..FileReport::default() };
    let grid = match read_grid(path) {
        Ok(grid) => grid,
        Err(why) => {
            report.fatal = Some(why);
            return report;
        }
    };
    report.note = grid.note.clone();
    // The directory resolves ids and normalised names once (when the config loaded), not per row.
    let parsed = match parse_grid(&grid, options.rules, |name| directory.find(name).is_some()) {
        Ok(parsed) => parsed,
        Err(why) => {
            report.fatal = Some(why);
            return report;
        }
    };
    drop(grid);
    let mut parsed = parsed;
    if let Some(store) = store {
        report.warnings.extend(keep_masked_numbers(store, &mut parsed).await);
    }
    // The register's numbers before this import, for the look-alike check (a dry run checks
    // against them too).
    let stored = match store {
        Some(store) => store.case_numbers().await.unwrap_or_default(),
        None => Vec::new(),
    };
    let rows = parsed.cases.iter().map(|(row, case)| (*row, case));
    report.warnings.extend(checks::warnings(rows, options.today, directory, &directory.names(), &stored));
    report.warnings.sort_by_key(|w| w.row);
    report.header = parsed.header.take();
    report.rows = parsed.rows;
    report.valid = parsed.cases.len();
    report.rejected = parsed.rejected;
    report.unknown_people = parsed.unknown_people;
    let Some(store) = store.filter(|_| !options.dry_run) else {
        return report;
    };

    let bar = options.progress_bar.then(|| {
        let bar = indicatif::ProgressBar::new(parsed.cases.len() as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} rows ({per_sec}, {eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(path.display().to_string());
        bar
    });
    let mut written = 0;
    for batch in parsed.cases.chunks(options.batch_rows) {
        match store.upsert_cases_restoring(batch.iter().map(|(_, c)| c), now, options.restore).await {
            Ok(counts) => {
                report.counts.inserted += counts.inserted;
                report.counts.updated += counts.updated;
                report.counts.unchanged += counts.unchanged;
                report.counts.restored += counts.restored;
                report.counts.renamed += counts.renamed;
                if counts.renamed > 0 {
                    let numbers: Vec<&str> = batch.iter().map(|(_, c)| c.case_no.as_str()).collect();
                    let found = store.renamed_among(&numbers).await.unwrap_or_default();
                    for (row, case) in batch {
                        if let Some((from, to)) = found.iter().find(|(from, _)| from == case.case_no.as_str()) {
                            report.warnings.push(checks::RowWarning {
                                row: *row,
                                column: checks::column(Column::CaseNo),
                                message: format!("编号 {from} 已更正为 {to}，本行未导入；请在登记簿中把编号改为 {to}"),
                            });
                        }
                    }
                    report.renamed.extend(found);
                }
                if counts.withdrawn > 0 {
                    let numbers: Vec<&str> = batch.iter().map(|(_, c)| c.case_no.as_str()).collect();
                    let mut found: Vec<String> =
                        store.withdrawn_among(&numbers).await.unwrap_or_default().into_iter().collect();
                    found.sort();
                    report.withdrawn.extend(found);
                }
                written += batch.len();
                match &bar {
                    Some(bar) => bar.inc(batch.len() as u64),
                    None => tracing::info!(written, total = parsed.cases.len(), "rows written"),
                }
            }
            Err(e) => {
                let first_row = batch.first().map_or(0, |(row, _)| *row);
                report.fatal = Some(format!(
                    "stopped at row {first_row}: {e}; the {written} rows before it were imported, nothing from row {first_row} on"
                ));
                break;
            }
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    report.warnings.sort_by_key(|w| w.row);
    let written_cases = parsed.cases.iter().take(written).map(|(_, c)| c);
    match record_replies(store, written_cases, options.time_zone, now).await {
        Ok(n) => report.replies_recorded = n,
        Err(e) => {
            report
                .fatal
                .get_or_insert_with(|| format!("the cases were imported, but their 答复日期 were not recorded: {e}"));
        }
    }
    report
}

/// Gives the rows whose ID or phone cell held a masked number (the rejected-rows workbook's,
/// uploaded again) the number the register already holds for their case; a case not stored yet
/// is imported without it, with a warning that says so. A store that cannot be read leaves the
/// cells blank, with the same warning.
async fn keep_masked_numbers(store: &Store, parsed: &mut ParsedRegister) -> Vec<checks::RowWarning> {
    if parsed.masked.is_empty() {
        return Vec::new();
    }
    let numbers: Vec<&str> =
        parsed.masked.iter().filter_map(|(i, _)| parsed.cases.get(*i)).map(|(_, c)| c.case_no.as_str()).collect();
    let stored: HashMap<String, Case> =
        store.get_cases(&numbers).await.unwrap_or_default().into_iter().map(|c| (c.case_no.to_string(), c)).collect();
    let mut warnings = Vec::new();
    for (index, columns) in std::mem::take(&mut parsed.masked) {
        let Some((row, case)) = parsed.cases.get_mut(index) else { continue };
        let before = stored.get(case.case_no.as_str());
        for column in columns {
            let kept = match column {
                Column::PetitionerId => {
                    case.petitioner_id = before.and_then(|b| b.petitioner_id.clone());
                    case.petitioner_id.is_some()
                }
                _ => {
                    case.phone = before.and_then(|b| b.phone.clone());
                    case.phone.is_some()
                }
            };
            if !kept {
                warnings.push(checks::RowWarning {
                    row: *row,
                    column: checks::column(column),
                    message: format!(
                        "{}是遮盖后的号码（未导入的行表格中的样子），登记簿中也没有这件的号码，本次未保存；请从原登记簿填写完整号码后再导入",
                        column.zh()
                    ),
                });
            }
        }
    }
    warnings
}

/// Who a reply event taken from the register is recorded by.
pub const REGISTER: &str = "register";

/// Records the answer to the petitioner that each case's register row gives (答复日期, 答复方式,
/// kept among its extra columns) as a reply event by [`REGISTER`], once: an answer already
/// recorded from the register for that case and day is not recorded again, so a re-import adds
/// nothing. Returns how many were recorded.
///
/// Choice: the event is dated noon of the 答复日期, township time (the register gives the day, not
/// the hour); a 答复日期 after today is not recorded (it has not happened), and 答复方式 may be
/// left blank.
pub async fn record_replies<'c>(
    store: &Store,
    cases: impl Iterator<Item = &'c crate::domain::Case>,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<usize, crate::store::StoreError> {
    use chrono::TimeZone;
    let mut wanted = Vec::new();
    for case in cases {
        let Some(on) = case.extra.get(row::REPLY_ON).and_then(|d| d.parse::<chrono::NaiveDate>().ok()) else {
            continue;
        };
        let Some(at) = on.and_hms_opt(12, 0, 0).and_then(|t| tz.from_local_datetime(&t).earliest()) else {
            continue;
        };
        let at = at.with_timezone(&Utc);
        if at.with_timezone(&tz).date_naive() > now.with_timezone(&tz).date_naive() {
            continue;
        }
        let how = case.extra.get(row::REPLY_HOW).cloned();
        wanted.push(crate::domain::CaseEvent {
            case_no: case.case_no.to_string(),
            kind: crate::domain::EventKind::Reply,
            at,
            by: REGISTER.to_owned(),
            text: format!("登记簿记载：{on} {}答复信访人", how.as_deref().unwrap_or("")),
            notice: None,
            due_on: None,
            how,
            pressed: None,
        });
    }
    if wanted.is_empty() {
        return Ok(0);
    }
    let known = store.replies_by(REGISTER).await?;
    let mut recorded = 0;
    for event in wanted.iter().filter(|e| !known.contains(&(e.case_no.clone(), e.at))) {
        store.record_event(event).await?;
        recorded += 1;
    }
    Ok(recorded)
}

#[cfg(test)]
mod tests;
