//! The supervision digest as an XLSX workbook (one sheet per table, Chinese headers, frozen header row, dates as dates, long case lists streamed) and as the robots' Markdown, with the sheet helpers the other reports share.

use chrono::NaiveDate;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::render::markdown_text;
use crate::report::{CaseRef, Digest, Row};

/// The digest as an XLSX workbook.
pub fn digest_xlsx(digest: &Digest) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let (label, start, end) = &digest.period;
    let (previous, _, _) = &digest.previous;

    let sheet = book.add_worksheet().set_name("概况")?;
    sheet.write_string_with_format(
        0,
        0,
        format!("{}信访工作督查（{label}：{start} 至 {end}）", digest.township),
        &bold,
    )?;
    let mut row = 2u32;
    for (title, rows) in [
        ("收到信访件", std::slice::from_ref(&digest.received)),
        ("按情形", digest.by_flag.as_slice()),
        ("按状态", digest.by_status.as_slice()),
        ("按问题类别", digest.by_category.as_slice()),
        ("按村（社区）", digest.by_village.as_slice()),
    ] {
        for (col, header) in [title, label.as_str(), previous.as_str(), "增减"].iter().enumerate() {
            sheet.write_string_with_format(row, col as u16, *header, &bold)?;
        }
        row += 1;
        for r in rows {
            write_row(sheet, row, r)?;
            row += 1;
        }
        row += 1;
    }
    sheet.set_column_width(0, 24)?;

    let headers =
        ["包案领导", "信访件编号", "收到日期", "村（社区）", "问题类别", "责任单位", "法定期限", "情形", "状态"];
    let mut lists: Vec<(&str, &CaseRef)> = Vec::new();
    for (kind, map) in [("超期", &digest.overdue), ("临期", &digest.due_soon)] {
        for cases in map.values() {
            lists.extend(cases.iter().map(|c| (kind, c)));
        }
    }
    let sheet = list_sheet(&mut book, "超期与临期", lists.len())?;
    sheet.write_string_with_format(0, 0, "类别", &bold)?;
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16 + 1, *header, &bold)?;
    }
    for (i, (kind, case)) in lists.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, *kind)?;
        write_case(sheet, r, 1, case, true, &date)?;
    }
    finish_list(sheet, lists.len(), &case_widths(1, 6.0, true))?;

    let closed_rows = digest.closed_in_time.len() + digest.closed_late.len();
    let sheet = list_sheet(&mut book, "办结情况", closed_rows)?;
    sheet.write_string_with_format(0, 0, "办结", &bold)?;
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16 + 1, *header, &bold)?;
    }
    let closed =
        digest.closed_in_time.iter().map(|c| ("按期", c)).chain(digest.closed_late.iter().map(|c| ("超期", c)));
    for (i, (kind, case)) in closed.enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, kind)?;
        write_case(sheet, r, 1, case, true, &date)?;
    }
    finish_list(sheet, closed_rows, &case_widths(1, 6.0, true))?;

    let sheet = book.add_worksheet().set_name("责任追究")?;
    let unit_headers =
        ["责任单位", "收到信访件", "重复信访", "越级访", "集体访", "集体越级访", "超期办结", "期末超期未结"];
    for (col, header) in unit_headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *header, &bold)?;
    }
    for (i, unit) in digest.accountability.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, &unit.unit)?;
        let figures = [
            unit.cases,
            unit.repeat,
            unit.skip_level,
            unit.collective,
            unit.collective_skip_level,
            unit.closed_late,
            unit.open_overdue,
        ];
        for (col, n) in figures.iter().enumerate() {
            sheet.write_number(r, col as u16 + 1, *n as f64)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    let mut columns: Vec<Vec<String>> = unit_headers.iter().map(|h| vec![(*h).to_owned()]).collect();
    columns[0].extend(digest.accountability.iter().map(|u| u.unit.clone()));
    fit_columns(sheet, &columns)?;

    let sheet = list_sheet(&mut book, "案件清单", digest.cases.len())?;
    for (col, header) in headers.iter().skip(1).enumerate() {
        sheet.write_string_with_format(0, col as u16, *header, &bold)?;
    }
    sheet.write_string_with_format(0, headers.len() as u16 - 1, "包案领导", &bold)?;
    for (i, case) in digest.cases.iter().enumerate() {
        let r = i as u32 + 1;
        write_case(sheet, r, 0, case, false, &date)?;
        sheet.write_string(r, headers.len() as u16 - 1, &case.owner)?;
    }
    let mut widths = case_widths(0, 0.0, false);
    widths.push(10.0);
    finish_list(sheet, digest.cases.len(), &widths)?;
    if let Some(work) = &digest.work {
        super::work_sheet(&mut book, work)?;
    }
    print_setup(&mut book)?;
    book.save_to_buffer()
}

/// Rows above which a list sheet is written through a temporary file one row at a time
/// (rust_xlsxwriter's low-memory mode; strings are still shared, the file is standard) instead of
/// being held whole: a sheet held whole costs some 300 bytes a cell, which on a register of 100,000
/// cases is gigabytes. Such a sheet cannot be autofitted (autofit sees only the row in hand) and
/// gets fixed column widths instead.
pub const STREAMED_ROWS: usize = 5_000;

/// A new sheet named `name` for a list of `rows` rows (see [`STREAMED_ROWS`]).
pub(super) fn list_sheet<'b>(book: &'b mut Workbook, name: &str, rows: usize) -> Result<&'b mut Worksheet, XlsxError> {
    if rows > STREAMED_ROWS {
        book.add_worksheet_with_low_memory()?.set_name(name)
    } else {
        book.add_worksheet().set_name(name)
    }
}

/// Freezes a list sheet's header row and sizes its columns to `widths` (Excel's character
/// units, from the first column), made for Chinese text.
///
/// Choice: fixed widths rather than rust_xlsxwriter's autofit, which counts a Chinese character
/// as narrow as a Latin one and leaves 村（社区）and 问题类别 cut off; a held sheet and a streamed
/// one look the same.
pub(super) fn finish_list(sheet: &mut Worksheet, _rows: usize, widths: &[f64]) -> Result<(), XlsxError> {
    sheet.set_freeze_panes(1, 0)?;
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    Ok(())
}

/// Sizes a held sheet's columns to fit `columns` (each column's texts, header first), within
/// 6 and 60 units.
pub(super) fn fit_columns(sheet: &mut Worksheet, columns: &[Vec<String>]) -> Result<(), XlsxError> {
    for (col, texts) in columns.iter().enumerate() {
        let widest = texts.iter().map(|t| crate::domain::display_width(t) as f64).fold(0.0, f64::max);
        sheet.set_column_width(col as u16, (widest + 2.0).clamp(6.0, 60.0))?;
    }
    Ok(())
}

/// Sets up every sheet of `book` to print as the leading group reads it: A4 landscape, as wide
/// as one page, the header row repeated on each page (list sheets), 第 N 页 / 共 M 页 in the
/// footer.
pub(super) fn print_setup(book: &mut Workbook) -> Result<(), XlsxError> {
    for sheet in book.worksheets_mut() {
        sheet.set_landscape();
        sheet.set_paper_size(9);
        sheet.set_print_fit_to_pages(1, 0);
        sheet.set_footer("&C第 &P 页 / 共 &N 页");
        if sheet.name() != "概况" {
            sheet.set_repeat_rows(0, 0)?;
        }
    }
    Ok(())
}

/// Column widths of a case as [`write_case`] writes it, after `lead` columns of `lead_width`.
pub(super) fn case_widths(lead: usize, lead_width: f64, owner: bool) -> Vec<f64> {
    let mut widths = vec![lead_width; lead];
    if owner {
        widths.push(10.0);
    }
    widths.extend([14.0, 11.0, 12.0, 12.0, 16.0, 11.0, 36.0, 10.0]);
    widths
}

pub(super) fn write_row(sheet: &mut Worksheet, row: u32, r: &Row) -> Result<(), XlsxError> {
    sheet.write_string(row, 0, &r.name)?;
    sheet.write_number(row, 1, r.current as f64)?;
    sheet.write_number(row, 2, r.previous as f64)?;
    sheet.write_number(row, 3, r.current as f64 - r.previous as f64)?;
    Ok(())
}

pub(super) fn excel_date(day: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::parse_from_str(&day.to_string())
}

/// Writes a case from `col`: (owner,) number, received, village, category, unit, due, flags, status.
pub(super) fn write_case(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    c: &CaseRef,
    owner: bool,
    date: &Format,
) -> Result<(), XlsxError> {
    let mut col = col;
    if owner {
        sheet.write_string(row, col, &c.owner)?;
        col += 1;
    }
    sheet.write_string(row, col, &c.case_no)?;
    sheet.write_datetime_with_format(row, col + 1, &excel_date(c.received_on)?, date)?;
    sheet.write_string(row, col + 2, &c.village)?;
    sheet.write_string(row, col + 3, &c.category)?;
    sheet.write_string(row, col + 4, &c.unit)?;
    if let Some(due) = c.due {
        sheet.write_datetime_with_format(row, col + 5, &excel_date(due)?, date)?;
    }
    sheet.write_string(row, col + 6, c.flags.join("、"))?;
    sheet.write_string(row, col + 7, &c.status)?;
    Ok(())
}

/// The digest's key figures as Markdown for the chat robots (split to size by the channel).
pub fn digest_markdown(digest: &Digest) -> String {
    let (label, start, end) = &digest.period;
    let (previous, _, _) = &digest.previous;
    let mut md = format!("**{}信访工作督查 {label}**（{start} 至 {end}）\n", digest.township);
    let r = &digest.received;
    md.push_str(&format!("收到信访件 {} 件（{previous} {} 件）\n", r.current, r.previous));
    let overdue: usize = digest.overdue.values().map(Vec::len).sum();
    let due_soon: usize = digest.due_soon.values().map(Vec::len).sum();
    md.push_str(&format!("期末超期 {overdue} 件，临期 {due_soon} 件\n"));
    md.push_str(&format!(
        "本期办结 {} 件，其中超期办结 {} 件\n",
        digest.closed_in_time.len() + digest.closed_late.len(),
        digest.closed_late.len()
    ));
    if !digest.by_flag.is_empty() {
        md.push_str("\n**按情形**\n");
        for row in &digest.by_flag {
            md.push_str(&format!("- {}：{}（{previous} {}）\n", row.name, row.current, row.previous));
        }
    }
    if !digest.overdue.is_empty() {
        md.push_str("\n**超期件（按包案领导）**\n");
        for (owner, cases) in &digest.overdue {
            let nos: Vec<&str> = cases.iter().map(|c| c.case_no.as_str()).collect();
            let (owner, nos) = (markdown_text(owner), markdown_text(&nos.join("、")).into_owned());
            md.push_str(&format!("- {owner}：{} 件（{nos}）\n", cases.len()));
        }
    }
    let flagged: Vec<_> = digest.accountability.iter().filter(|u| u.repeat + u.skip_level + u.collective > 0).collect();
    if !flagged.is_empty() {
        md.push_str("\n**责任追究情形（按责任单位）**\n");
        for u in flagged {
            md.push_str(&format!(
                "- {}：重复信访 {}，越级访 {}，集体访 {}\n",
                markdown_text(&u.unit),
                u.repeat,
                u.skip_level,
                u.collective
            ));
        }
    }
    if let Some(work) = &digest.work {
        md.push_str(&super::work_markdown(work));
    }
    md.push('\n');
    md.push_str(super::DETAILS_ELSEWHERE);
    md
}
