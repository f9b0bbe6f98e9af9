//! One register row to one [`Case`]: every cell parsed by its column's rules, every problem
//! of the row reported with its column and value (a row is imported whole or not at all).

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use super::columns::{Column, Header};
use super::source::Cell;
use crate::domain::{
    Case, CaseNo, Channel, DateSpan, Disposition, Level, PetitionerId, Phone, REPLY_WAYS, Source, mask_cell,
    mask_identifiers, normalize_text, parse_bool, parse_date, split_hearings, split_list,
};

/// Limits a row is checked against.
#[derive(Debug, Clone, Copy)]
pub struct RowRules {
    /// Longest cell, in bytes.
    pub max_cell_bytes: usize,
    /// Most extension days allowed (legal maximum 30).
    pub max_extension_days: u32,
}

/// One problem with one cell of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellProblem {
    /// The column as the file titles it (and its English name when that differs).
    pub column: String,
    /// The cell's value, shortened for display.
    pub value: String,
    /// What is wrong.
    pub reason: String,
}

/// Shortens a value for an error message, long numbers in it masked first (a cut could leave
/// the first ten digits of an ID number whole).
fn shown(text: &str) -> String {
    const MAX: usize = 40;
    let masked = mask_identifiers(text);
    // Line breaks and other control characters are shown escaped (`\n`): a cell's line break
    // must not start a line of the message (or pass for a log line of its own).
    let masked: String = masked
        .trim()
        .chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() { c.escape_debug().collect() } else { vec![c] };
            escaped
        })
        .collect();
    let trimmed = masked.as_str();
    if trimmed.chars().count() <= MAX {
        trimmed.to_owned()
    } else {
        let head: String = trimmed.chars().take(MAX).collect();
        format!("{head}… ({} bytes)", trimmed.len())
    }
}

/// Excel counts days from 1899-12-30; a date column holding a plain number is such a serial.
fn excel_serial(n: f64) -> Option<NaiveDate> {
    if n.fract() != 0.0 || !(1.0..=2_958_465.0).contains(&n) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(Days::new(n as u64))
}

struct RowReader<'a> {
    header: &'a Header,
    cells: &'a [Cell],
    problems: Vec<CellProblem>,
}

impl RowReader<'_> {
    fn cell(&self, column: Column) -> Option<&Cell> {
        let index = *self.header.known.get(&column)?;
        self.cells.get(index).filter(|c| !c.is_blank())
    }

    fn title(&self, column: Column) -> String {
        let written = self.header.known.get(&column).and_then(|i| self.header.titles.get(*i));
        let written = written.map(|t| t.replace(char::is_control, " "));
        let written = written.as_ref();
        match written {
            Some(t) if t != column.name() => format!("{t} ({})", column.name()),
            Some(t) => t.clone(),
            None => column.name().to_owned(),
        }
    }

    /// Records a problem with a cell. The value is shown as an error message may show it
    /// (DESIGN §3): an ID or phone column's cell masked whole, long numbers in any other masked.
    fn fail(&mut self, column: Column, value: &str, reason: impl Into<String>) {
        let value = match column {
            Column::PetitionerId | Column::Phone => mask_cell(value),
            _ => shown(value),
        };
        let reason = mask_identifiers(&reason.into()).into_owned();
        let problem = CellProblem { column: self.title(column), value, reason };
        self.problems.push(problem);
    }

    /// Text of a cell, trimmed; `None` when blank.
    fn text(&self, column: Column) -> Option<String> {
        self.cell(column).map(|c| c.text().trim().to_owned())
    }

    fn parse<T, E: ToString>(&mut self, column: Column, parse: impl Fn(&str) -> Result<T, E>) -> Option<T> {
        let text = self.text(column)?;
        match parse(&text) {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(column, &text, e.to_string());
                None
            }
        }
    }

    fn date(&mut self, column: Column) -> Option<NaiveDate> {
        match self.cell(column)? {
            Cell::Date(d) => Some(*d),
            Cell::Number(n) => {
                let n = *n;
                let date = excel_serial(n);
                if date.is_none() {
                    self.fail(column, &n.to_string(), "is a number, not a date");
                }
                date
            }
            _ => self.parse(column, parse_date),
        }
    }

    fn flag(&mut self, column: Column) -> bool {
        match self.cell(column) {
            Some(Cell::Bool(b)) => *b,
            _ => self.parse(column, parse_bool).unwrap_or(false),
        }
    }

    fn count(&mut self, column: Column, default: u32, min: u32) -> u32 {
        self.parse(column, |t| {
            let n: f64 = t.parse().map_err(|_| format!("{t:?} is not a whole number"))?;
            if n.fract() != 0.0 {
                return Err(format!("{t:?} is not a whole number"));
            }
            if n < f64::from(min) {
                return Err(format!("must be {min} or more"));
            }
            if n > f64::from(u32::MAX) {
                return Err("is too large".to_owned());
            }
            Ok(n as u32)
        })
        .unwrap_or(default)
    }

    fn level(&mut self, column: Column) -> Option<Level> {
        self.parse(column, Level::parse)
    }

    fn list(&mut self, column: Column) -> Vec<String> {
        self.text(column).map(|t| split_list(&t)).unwrap_or_default()
    }

    /// Free text, NFKC-folded for the columns that are compared, as written otherwise.
    fn free_text(&self, column: Column, compare: bool) -> Option<String> {
        self.text(column).map(|t| if compare { normalize_text(&t) } else { t })
    }
}

/// Parses data row `cells` under `header`. Returns the case, or every problem of the row.
pub fn parse_row(header: &Header, cells: &[Cell], rules: RowRules) -> Result<Case, Vec<CellProblem>> {
    let mut r = RowReader { header, cells, problems: Vec::new() };

    for (index, cell) in cells.iter().enumerate() {
        let text = cell.text();
        if text.len() > rules.max_cell_bytes {
            let title = header.titles.get(index).cloned().unwrap_or_else(|| format!("column {}", index + 1));
            r.problems.push(CellProblem {
                column: title,
                value: shown(&text),
                reason: format!(
                    "is {} bytes, longer than the {}-byte limit (import.max_cell_bytes)",
                    text.len(),
                    rules.max_cell_bytes
                ),
            });
        }
    }
    if !r.problems.is_empty() {
        return Err(r.problems);
    }

    let case_no = match r.text(Column::CaseNo) {
        Some(text) => r.parse(Column::CaseNo, |_| CaseNo::parse(&text)),
        None => {
            r.fail(Column::CaseNo, "", "is required");
            None
        }
    };
    let received_on = r.date(Column::ReceivedOn);
    if r.cell(Column::ReceivedOn).is_none() {
        r.fail(Column::ReceivedOn, "", "is required");
    }

    let petitioner_id = match r.cell(Column::PetitionerId) {
        // Excel keeps 15 significant digits: an 18-digit ID stored as a number has lost its end.
        Some(Cell::Number(n)) if n.abs() >= 1e15 => {
            let n = *n;
            r.fail(
                Column::PetitionerId,
                &format!("{n}"),
                "is stored as a number and Excel has cut its last digits; format the column as text and re-enter it",
            );
            None
        }
        _ => r.parse(Column::PetitionerId, PetitionerId::parse),
    };

    let channel = r.parse(Column::Channel, Channel::parse);
    let source = r.parse(Column::Source, Source::parse);
    let phone = r.parse(Column::Phone, Phone::parse);
    let anonymous = r.flag(Column::Anonymous);
    let confidential = r.flag(Column::Confidential);
    // 人数 of 0 is a typing error; 联名人数 may be 0 (an unsigned letter).
    let petitioner_count = r.count(Column::PetitionerCount, 1, 1);
    let signatories = r.count(Column::Signatories, 1, 0);
    let competent_level = r.level(Column::CompetentLevel);
    let visited_level = r.level(Column::VisitedLevel);
    let accepted_on = r.date(Column::AcceptedOn);
    let extension_days = r.count(Column::ExtensionDays, 0, 0);
    if extension_days > rules.max_extension_days {
        r.fail(
            Column::ExtensionDays,
            &extension_days.to_string(),
            format!("exceeds the maximum extension of {} days (信访工作条例 第三十四条)", rules.max_extension_days),
        );
    }
    let owner_deadline = r.date(Column::OwnerDeadline);
    let concluded_on = r.date(Column::ConcludedOn);
    let review_accepted_on = r.date(Column::ReviewAcceptedOn);
    let review_opinion_on = r.date(Column::ReviewOpinionOn);
    let recheck_requested_on = r.date(Column::RecheckRequestedOn);
    let recheck_opinion_on = r.date(Column::RecheckOpinionOn);
    let mut hearings = Vec::new();
    for item in r.text(Column::Hearings).map(|t| split_hearings(&t)).unwrap_or_default() {
        match DateSpan::parse(&item) {
            Ok(span) => hearings.push(span),
            Err(e) => r.fail(Column::Hearings, &item, e.0),
        }
    }
    let disposition = r.parse(Column::Disposition, Disposition::parse);
    let disposed_on = r.date(Column::DisposedOn);
    match (r.cell(Column::Disposition).is_some(), r.cell(Column::DisposedOn).is_some()) {
        (true, false) => r.fail(Column::DisposedOn, "", "is required when 处理方式 (disposition) is set"),
        (false, true) => r.fail(
            Column::Disposition,
            "",
            "is required when 告知转送日期 (disposed_on) is set; accepted: informed 告知, transferred 转送",
        ),
        _ => {}
    }
    let mut extra = extra_columns(header, cells);
    // 答复日期 / 答复方式: the answer given to the petitioner, kept with the case under these
    // headers and recorded as a reply event when the case is written ([`super::record_replies`]).
    let reply_on = r.date(Column::ReplyOn);
    let reply_how = r.text(Column::ReplyHow);
    if let (Some(on), Some(received)) = (reply_on, received_on)
        && on < received
    {
        r.fail(Column::ReplyOn, &on.to_string(), format!("is before 收到日期 (received_on) {received}"));
    }
    match (&reply_how, reply_on) {
        (Some(how), _) if !REPLY_WAYS.contains(&how.as_str()) => {
            r.fail(Column::ReplyHow, how, format!("is not one of {}", REPLY_WAYS.join(", ")))
        }
        (Some(_), None) => r.fail(Column::ReplyOn, "", "is required when 答复方式 (reply_how) is set"),
        _ => {}
    }
    if let Some(on) = reply_on {
        extra.insert(REPLY_ON.to_owned(), on.to_string());
    }
    if let Some(how) = reply_how {
        extra.insert(REPLY_HOW.to_owned(), how);
    }

    let (Some(case_no), Some(received_on), true) = (case_no, received_on, r.problems.is_empty()) else {
        return Err(r.problems);
    };
    Ok(Case {
        case_no,
        received_on,
        channel,
        source,
        petitioner: r.free_text(Column::Petitioner, false),
        petitioner_id,
        phone,
        village: r.free_text(Column::Village, true),
        anonymous,
        confidential,
        petitioner_count,
        signatories,
        category: r.free_text(Column::Category, true),
        matter: r.free_text(Column::Matter, true),
        summary: r.free_text(Column::Summary, false),
        accused: r.list(Column::Accused),
        competent_level,
        visited_level,
        accepted_on,
        extension_days,
        owner_leader: r.free_text(Column::OwnerLeader, false),
        owner_deadline,
        responsible_person: r.free_text(Column::ResponsiblePerson, false),
        responsible_unit: r.free_text(Column::ResponsibleUnit, true),
        concluded_on,
        review_accepted_on,
        review_opinion_on,
        recheck_requested_on,
        recheck_opinion_on,
        disposition,
        disposed_on,
        hearings,
        conflicts: r.list(Column::Conflicts),
        extra,
    })
}

/// The key of a case's 答复日期 (`YYYY-MM-DD`) among its extra columns.
pub const REPLY_ON: &str = "答复日期";
/// The key of a case's 答复方式 (书面, 当面 or 电话) among its extra columns.
pub const REPLY_HOW: &str = "答复方式";

/// Columns petition-watch does not know, kept under their header (or `column N`).
fn extra_columns(header: &Header, cells: &[Cell]) -> BTreeMap<String, String> {
    let mut extra = BTreeMap::new();
    for (index, cell) in cells.iter().enumerate() {
        if cell.is_blank() || header.known.values().any(|i| *i == index) {
            continue;
        }
        // The rejected-rows workbook's 错误原因, uploaded again with the fixed rows, is not data.
        if header.titles.get(index).is_some_and(|t| t == super::rejected::REASON) {
            continue;
        }
        let key = match header.titles.get(index) {
            Some(title) if !title.is_empty() => title.clone(),
            _ => format!("column {}", index + 1),
        };
        extra.insert(key, cell.text().trim().to_owned());
    }
    extra
}
