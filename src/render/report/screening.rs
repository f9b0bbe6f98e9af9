//! The monthly screening report as a workbook and as Markdown.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::digest::fit_columns;
use super::{case_widths, finish_list, list_sheet, write_case};
use crate::render::markdown_text;
use crate::report::ScreeningReport;

/// The monthly screening report as a workbook: a sheet per flag, then the repeat petitioners,
/// the early signs and the cases without an owner, responsible person or deadline.
pub fn screening_xlsx(report: &ScreeningReport) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let headers =
        ["包案领导", "信访件编号", "收到日期", "村（社区）", "问题类别", "责任单位", "法定期限", "情形", "状态"];
    let (label, start, end) = &report.period;
    let sheet = book.add_worksheet().set_name("概况")?;
    sheet.write_string_with_format(
        0,
        0,
        format!("{}矛盾纠纷预测排查（{label}：{start} 至 {end}）", report.township),
        &bold,
    )?;
    sheet.write_string_with_format(2, 0, "情形", &bold)?;
    sheet.write_string_with_format(2, 1, "件数", &bold)?;
    let sections = report.sections();
    for (i, section) in sections.iter().enumerate() {
        sheet.write_string(3 + i as u32, 0, section.flag)?;
        sheet.write_number(3 + i as u32, 1, section.cases.len() as f64)?;
    }
    let row = 4 + sections.len() as u32;
    sheet.write_string(row, 0, "本期新增")?;
    sheet.write_number(row, 1, report.new_cases as f64)?;
    sheet.write_string(row + 1, 0, "上期结转")?;
    sheet.write_number(row + 1, 1, report.carried_over as f64)?;
    sheet.set_column_width(0, 24)?;
    // One sheet lists every flag's cases, grouped by flag (most urgent first), with the flag in
    // its first column and a filter on the header: a case with three flags has three rows, so
    // filtering 情形 gives exactly one flag's list.
    //
    // Choice: one grouped sheet rather than a sheet per flag (21 sheets that printed as 39
    // pages); the count on 概况 is the number of its rows with that 情形.
    let total: usize = sections.iter().map(|s| s.cases.len()).sum();
    let sheet = list_sheet(&mut book, "各类情形明细", total)?;
    sheet.write_string_with_format(0, 0, "情形", &bold)?;
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16 + 1, *header, &bold)?;
    }
    let mut row = 1u32;
    for section in &sections {
        for case in &section.cases {
            sheet.write_string(row, 0, section.flag)?;
            write_case(sheet, row, 1, case, true, &date)?;
            row += 1;
        }
    }
    if total > 0 {
        sheet.autofilter(0, 0, row - 1, headers.len() as u16)?;
    }
    finish_list(sheet, total, &case_widths(1, 16.0, true))?;
    let sheet = book.add_worksheet().set_name("重复信访人")?;
    for (col, header) in ["信访人", "村（社区）", "件数", "信访件编号"].iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *header, &bold)?;
    }
    for (i, p) in report.repeat_petitioners.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, &p.petitioner)?;
        sheet.write_string(r, 1, &p.village)?;
        sheet.write_number(r, 2, p.case_nos.len() as f64)?;
        sheet.write_string(r, 3, p.case_nos.join("、"))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let rows = &report.repeat_petitioners;
    fit_columns(
        sheet,
        &[
            std::iter::once("信访人".to_owned()).chain(rows.iter().map(|p| p.petitioner.clone())).collect(),
            std::iter::once("村（社区）".to_owned()).chain(rows.iter().map(|p| p.village.clone())).collect(),
            vec!["件数".to_owned()],
            std::iter::once("信访件编号".to_owned()).chain(rows.iter().map(|p| p.case_nos.join("、"))).collect(),
        ],
    )?;
    let sheet = book.add_worksheet().set_name("苗头分布")?;
    for (col, header) in ["村（社区）", "问题类别", "件数", "信访件编号"].iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *header, &bold)?;
    }
    for (i, (village, category, nos)) in report.early_signs.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, village)?;
        sheet.write_string(r, 1, category)?;
        sheet.write_number(r, 2, nos.len() as f64)?;
        sheet.write_string(r, 3, nos.join("、"))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let signs = &report.early_signs;
    fit_columns(
        sheet,
        &[
            std::iter::once("村（社区）".to_owned()).chain(signs.iter().map(|(v, _, _)| v.clone())).collect(),
            std::iter::once("问题类别".to_owned()).chain(signs.iter().map(|(_, c, _)| c.clone())).collect(),
            vec!["件数".to_owned()],
            std::iter::once("信访件编号".to_owned()).chain(signs.iter().map(|(_, _, n)| n.join("、"))).collect(),
        ],
    )?;
    let unassigned = report.unassigned_cases();
    let sheet = list_sheet(&mut book, "包案未落实明细", unassigned.len())?;
    sheet.write_string_with_format(0, 0, "缺少", &bold)?;
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16 + 1, *header, &bold)?;
    }
    for (i, (case, missing)) in unassigned.iter().enumerate() {
        sheet.write_string(i as u32 + 1, 0, *missing)?;
        write_case(sheet, i as u32 + 1, 1, case, true, &date)?;
    }
    finish_list(sheet, unassigned.len(), &case_widths(1, 24.0, true))?;
    if let Some(work) = &report.work {
        super::work_sheet(&mut book, work)?;
    }
    super::digest::print_setup(&mut book)?;
    book.save_to_buffer()
}

/// The monthly screening report's summary for the robots.
pub fn screening_markdown(report: &ScreeningReport) -> String {
    let (label, _, end) = &report.period;
    let mut md = format!(
        "**{}矛盾纠纷预测排查 {label}**（截至 {end}）
",
        report.township
    );
    md.push_str(&format!(
        "排查出需关注的信访件：本期新增 {} 件，上期结转 {} 件
",
        report.new_cases, report.carried_over
    ));
    let sections = report.sections();
    if !sections.is_empty() {
        md.push_str(
            "
**按情形**
",
        );
        for s in &sections {
            md.push_str(&format!(
                "- {}：{} 件
",
                s.flag,
                s.cases.len()
            ));
        }
    }
    if !report.repeat_petitioners.is_empty() {
        md.push_str(&format!(
            "
重复信访人 {} 人
",
            report.repeat_petitioners.len()
        ));
    }
    if !report.early_signs.is_empty() {
        md.push_str(
            "
**苗头性问题**
",
        );
        for (village, category, nos) in &report.early_signs {
            let (village, category) = (markdown_text(village), markdown_text(category));
            md.push_str(&format!(
                "- {village}·{category}：{} 件
",
                nos.len()
            ));
        }
    }
    if !report.unassigned.is_empty() {
        md.push_str(&format!(
            "
未落实包案领导、责任人或期限的 {} 件，请尽快明确。
",
            report.unassigned.len()
        ));
    }
    if let Some(work) = &report.work {
        md.push_str(&super::work_markdown(work));
    }
    md.push('\n');
    md.push_str(super::DETAILS_ELSEWHERE);
    md
}
