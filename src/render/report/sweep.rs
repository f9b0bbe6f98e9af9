//! The sweep's list as a workbook and as Markdown.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::{case_widths, excel_date, finish_list, list_sheet, write_case};
use crate::render::markdown_text;
use crate::report::SweepReport;

/// The sweep as a workbook: one sheet of the open flagged cases, most urgent first.
pub fn sweep_xlsx(report: &SweepReport) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = list_sheet(&mut book, "排查清单", report.cases.len())?;
    let headers = [
        "包案领导",
        "信访件编号",
        "收到日期",
        "村（社区）",
        "问题类别",
        "责任单位",
        "法定期限",
        "情形",
        "状态",
        "最迟办结",
        "最新进展",
    ];
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *header, &bold)?;
    }
    for (i, (case, act_by, progress)) in report.cases.iter().enumerate() {
        let r = i as u32 + 1;
        write_case(sheet, r, 0, case, true, &date)?;
        if let Some(act_by) = act_by {
            sheet.write_datetime_with_format(r, 9, &excel_date(*act_by)?, &date)?;
        }
        sheet.write_string(r, 10, progress)?;
    }
    let mut widths = case_widths(0, 0.0, true);
    widths.extend([11.0, 30.0]);
    finish_list(sheet, report.cases.len(), &widths)?;
    super::digest::print_setup(&mut book)?;
    book.save_to_buffer()
}

/// The sweep's summary for the robots: per owner, how many open flagged cases.
pub fn sweep_markdown(report: &SweepReport) -> String {
    let mut md = format!(
        "**{}{}前信访稳定排查**（{}，{} 开始）\n需在节前/会前化解的信访件 {} 件\n",
        report.township,
        report.event,
        report.day,
        report.starts,
        report.cases.len()
    );
    let mut by_owner: std::collections::BTreeMap<&str, usize> = Default::default();
    for (case, _, _) in &report.cases {
        *by_owner.entry(case.owner.as_str()).or_default() += 1;
    }
    for (owner, n) in by_owner {
        md.push_str(&format!("- {}：{n} 件\n", markdown_text(owner)));
    }
    md.push('\n');
    md.push_str(super::DETAILS_ELSEWHERE);
    md
}
