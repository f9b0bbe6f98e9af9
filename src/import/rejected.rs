//! The rejected rows as a workbook the clerk fixes in Excel and uploads again: her own header
//! (as written), every cell of each rejected row, and a last column [`REASON`] saying in Chinese
//! what is wrong (原第 N 行 — 收到日期：“2026-02-30” 不是日历上有的日子).
//!
//! What the workbook may not carry is masked as in every other output (DESIGN §3): an ID or
//! phone column's cell whole (`32**57`), long digit runs in any other cell. Uploaded again, a
//! masked ID or phone cell keeps the number the register already holds for that case
//! ([`super::parse_grid`] leaves it out, [`super::import_file`] fills it in), and the importer
//! ignores the [`REASON`] column.

use rust_xlsxwriter::{Format, FormatBorder, Workbook, XlsxError};

use super::{Column, Header, RowRejection};
use crate::domain::{mask_cell, mask_identifiers};

/// The column the rejected-rows workbook adds: why the row was not imported.
pub const REASON: &str = "错误原因";

/// Whether a cell of an ID or phone column holds a masked number (`32**57`, `138****8000`),
/// as the rejected-rows workbook and every other output show it.
pub fn is_masked(text: &str) -> bool {
    text.contains('*') || text.contains('＊')
}

/// A cell of a rejected row as every output shows it: an ID or phone column's cell masked whole,
/// long digit runs in any other masked (DESIGN §3).
fn shown(header: &Header, col: usize, text: &str) -> String {
    let whole = [Column::PetitionerId, Column::Phone].iter().any(|c| header.known.get(c) == Some(&col));
    if whole { mask_cell(text) } else { mask_identifiers(text).into_owned() }
}

/// The row's cells that are not blank, as `(header title, value)` masked as [`workbook`] writes
/// them: what the page and the API show beside the row's problems.
pub fn cells(header: &Header, rejection: &RowRejection) -> Vec<(String, String)> {
    rejection
        .cells
        .iter()
        .enumerate()
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(col, text)| {
            let title = header
                .titles
                .get(col)
                .filter(|t| !t.is_empty())
                .cloned()
                .unwrap_or_else(|| format!("第 {} 列", col + 1));
            (title, shown(header, col, text))
        })
        .collect()
}

/// The workbook of `rejected` under `header` (only the header when no row was rejected).
pub fn workbook(header: &Header, rejected: &[RowRejection]) -> Result<Vec<u8>, XlsxError> {
    let width = rejected.iter().map(|r| r.cells.len()).max().unwrap_or(0).max(header.titles.len());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("未导入的行")?;
    let head = Format::new().set_bold().set_background_color("F0F2F5").set_border_bottom(FormatBorder::Thin);
    let reason_head = head.clone().set_font_color("B42318");
    let wrap = Format::new().set_text_wrap().set_font_color("B42318");
    for col in 0..width {
        let title = header.titles.get(col).map_or("", String::as_str);
        let col = u16::try_from(col).map_err(|_| XlsxError::ParameterError("too many columns".into()))?;
        sheet.write_string_with_format(0, col, title, &head)?;
        sheet.set_column_width(col, (title.chars().count() as f64 * 2.2).clamp(10.0, 30.0))?;
    }
    let last = u16::try_from(width).map_err(|_| XlsxError::ParameterError("too many columns".into()))?;
    sheet.write_string_with_format(0, last, REASON, &reason_head)?;
    sheet.set_column_width(last, 60.0)?;
    sheet.set_freeze_panes(1, 0)?;
    for (row, rejection) in (1u32..).zip(rejected) {
        for (col, text) in rejection.cells.iter().enumerate() {
            if text.trim().is_empty() {
                continue;
            }
            let shown = shown(header, col, text);
            let col = u16::try_from(col).map_err(|_| XlsxError::ParameterError("too many columns".into()))?;
            // write_string never makes a formula: register text is data (DESIGN §3).
            sheet.write_string(row, col, shown)?;
        }
        let problems: Vec<String> = rejection.problems.iter().map(super::CellProblem::zh).collect();
        let reason = format!("原第 {} 行 — {}", rejection.row, problems.join("；"));
        sheet.write_string_with_format(row, last, mask_identifiers(&reason), &wrap)?;
    }
    book.save_to_buffer()
}
