//! Reports as documents: the supervision digest as an XLSX workbook (one sheet per table,
//! Chinese headers, frozen header row, dates as dates) for the leading group to sort, and as a
//! Markdown summary for the chat robots. Pure: the model in, bytes or text out.

use super::markdown_text;
use chrono::NaiveDate;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::report::{CaseRef, Digest, Document, Row, ScreeningReport, SweepReport};

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
    sheet.autofit();

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
    book.save_to_buffer()
}

/// Rows above which a list sheet is written through a temporary file one row at a time
/// (rust_xlsxwriter's low-memory mode; strings are still shared, the file is standard) instead of
/// being held whole: a sheet held whole costs some 300 bytes a cell, which on a register of 100,000
/// cases is gigabytes. Such a sheet cannot be autofitted (autofit sees only the row in hand) and
/// gets fixed column widths instead.
pub const STREAMED_ROWS: usize = 5_000;

/// A new sheet named `name` for a list of `rows` rows (see [`STREAMED_ROWS`]).
fn list_sheet<'b>(book: &'b mut Workbook, name: &str, rows: usize) -> Result<&'b mut Worksheet, XlsxError> {
    if rows > STREAMED_ROWS {
        book.add_worksheet_with_low_memory()?.set_name(name)
    } else {
        book.add_worksheet().set_name(name)
    }
}

/// Freezes a list sheet's header row and sizes its columns: autofit when it was held whole,
/// `widths` (characters, from the first column) when it was streamed.
fn finish_list(sheet: &mut Worksheet, rows: usize, widths: &[f64]) -> Result<(), XlsxError> {
    sheet.set_freeze_panes(1, 0)?;
    if rows > STREAMED_ROWS {
        for (col, width) in widths.iter().enumerate() {
            sheet.set_column_width(col as u16, *width)?;
        }
    } else {
        sheet.autofit();
    }
    Ok(())
}

/// Column widths of a case as [`write_case`] writes it, after `lead` columns of `lead_width`.
fn case_widths(lead: usize, lead_width: f64, owner: bool) -> Vec<f64> {
    let mut widths = vec![lead_width; lead];
    if owner {
        widths.push(10.0);
    }
    widths.extend([14.0, 11.0, 12.0, 12.0, 16.0, 11.0, 36.0, 10.0]);
    widths
}

fn write_row(sheet: &mut Worksheet, row: u32, r: &Row) -> Result<(), XlsxError> {
    sheet.write_string(row, 0, &r.name)?;
    sheet.write_number(row, 1, r.current as f64)?;
    sheet.write_number(row, 2, r.previous as f64)?;
    sheet.write_number(row, 3, r.current as f64 - r.previous as f64)?;
    Ok(())
}

fn excel_date(day: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::parse_from_str(&day.to_string())
}

/// Writes a case from `col`: (owner,) number, received, village, category, unit, due, flags, status.
fn write_case(
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
    md.push_str("\n明细见附件表格。");
    md
}

/// An email whose text and HTML parts are a report's summary (the tables are attached).
fn summary_email(township: &str, subject: String, summary: &str, to_name: &str) -> crate::render::message::Email {
    let plain: String = summary.replace("**", "");
    let text = format!("{to_name}：\n\n{plain}\n\n{township}信访工作领导小组办公室\n");
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"></head>\n<body style=\"font-family: 'Microsoft YaHei', 'PingFang SC', sans-serif; font-size: 14px;\">\n",
    );
    html.push_str(&format!("<p>{}：</p>\n", escape(to_name)));
    let mut in_list = false;
    for (line, marked) in plain.lines().zip(summary.lines()) {
        let item = line.strip_prefix("- ");
        if item.is_some() != in_list {
            html.push_str(if in_list { "</ul>\n" } else { "<ul>\n" });
            in_list = !in_list;
        }
        if let Some(item) = item {
            html.push_str(&format!("<li>{}</li>\n", escape(item)));
        } else if marked.starts_with("**") {
            // A heading (bold in the Markdown).
            html.push_str(&format!("<p><b>{}</b></p>\n", escape(line)));
        } else if !line.trim().is_empty() {
            html.push_str(&format!("<p>{}</p>\n", escape(line)));
        }
    }
    if in_list {
        html.push_str("</ul>\n");
    }
    html.push_str(&format!(
        "<p style=\"color: #666;\">{}信访工作领导小组办公室</p>\n</body></html>\n",
        escape(township)
    ));
    crate::render::message::Email { subject, text, html }
}

/// A report's workbook file name: ASCII, so every mail client shows it (RFC 2231 names are
/// shown badly by some).
pub fn file_name(document: &Document) -> String {
    let label: String = document.label().chars().filter(char::is_ascii_alphanumeric).collect();
    match document {
        Document::Supervision(_) => format!("supervision-{label}.xlsx"),
        Document::Screening(_) => format!("screening-{label}.xlsx"),
        Document::Sweep(s) => format!("sweep-{}.xlsx", s.starts),
    }
}

/// A report's workbook.
pub fn xlsx(document: &Document) -> Result<Vec<u8>, XlsxError> {
    match document {
        Document::Supervision(d) => digest_xlsx(d),
        Document::Screening(r) => screening_xlsx(r),
        Document::Sweep(s) => sweep_xlsx(s),
    }
}

/// A report's Markdown summary.
pub fn markdown(document: &Document) -> String {
    match document {
        Document::Supervision(d) => digest_markdown(d),
        Document::Screening(r) => screening_markdown(r),
        Document::Sweep(s) => sweep_markdown(s),
    }
}

/// A part of a report email besides its text: the workbook, the chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// File name; for an inline part, also its Content-ID.
    pub name: String,
    /// MIME type.
    pub content_type: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Shown inside the HTML (`cid:`) rather than attached.
    pub inline: bool,
}

/// The Content-ID of the trend chart in a digest's HTML.
pub const CHART_ID: &str = "trend-chart.png";

/// A report email's parts: the workbook, and for the digest its trend chart (inline).
pub fn parts(document: &Document) -> Result<Vec<Part>, String> {
    let mut parts = vec![Part {
        name: file_name(document),
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes: xlsx(document).map_err(|e| format!("cannot build the workbook: {e}"))?,
        inline: false,
    }];
    let trend = match document {
        Document::Supervision(d) => Some(&d.trend),
        Document::Screening(r) => Some(&r.trend),
        Document::Sweep(_) => None,
    };
    if let Some(trend) = trend {
        let groups: Vec<Vec<usize>> = trend.iter().map(|(_, counts)| counts.clone()).collect();
        let png = crate::render::chart::bars(&groups).map_err(|e| format!("cannot draw the chart: {e}"))?;
        parts.push(Part { name: CHART_ID.into(), content_type: "image/png", bytes: png, inline: true });
    }
    Ok(parts)
}

/// The HTML of a report's chart: the image, and under it the legend and the figures it draws.
fn trend_html(flags: &[String], trend: &[(String, Vec<usize>)]) -> String {
    let colour = |i: usize| {
        let [r, g, b] = crate::render::chart::COLOURS[i % crate::render::chart::COLOURS.len()];
        format!("#{r:02x}{g:02x}{b:02x}")
    };
    let mut html = format!(
        "<p><b>近六个月各类情形件数</b><br><img src=\"cid:{CHART_ID}\" width=\"{}\" height=\"{}\" alt=\"近六个月各类情形件数\"></p>\n",
        crate::render::chart::SIZE.0,
        crate::render::chart::SIZE.1
    );
    html.push_str("<table style=\"border-collapse: collapse;\" cellpadding=\"4\" border=\"1\"><tr><th>情形</th>");
    for (month, _) in trend {
        html.push_str(&format!("<th>{month}</th>"));
    }
    html.push_str("</tr>\n");
    for (i, flag) in flags.iter().enumerate() {
        html.push_str(&format!("<tr><td><span style=\"color: {};\">■</span> {flag}</td>", colour(i)));
        for (_, counts) in trend {
            html.push_str(&format!("<td>{}</td>", counts.get(i).copied().unwrap_or(0)));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
    html
}

/// A report as an email to `to_name`: the summary in text and HTML (the digest with its chart);
/// the workbook is attached.
pub fn email(document: &Document, to_name: &str) -> crate::render::message::Email {
    let (township, subject) = match document {
        Document::Supervision(d) => {
            let (label, start, end) = &d.period;
            (&d.township, format!("【{}信访办】信访工作督查报告 {label}（{start} 至 {end}）", d.township))
        }
        Document::Screening(r) => {
            let (label, _, end) = &r.period;
            (&r.township, format!("【{}信访办】矛盾纠纷预测排查情况 {label}（截至 {end}）", r.township))
        }
        Document::Sweep(s) => (&s.township, format!("【{}信访办】{}前信访稳定排查（{}）", s.township, s.event, s.day)),
    };
    let mut email = summary_email(township, subject, &markdown(document), to_name);
    let chart = match document {
        Document::Supervision(d) => Some(trend_html(&d.trend_flags, &d.trend)),
        Document::Screening(r) => Some(trend_html(&r.trend_flags, &r.trend)),
        Document::Sweep(_) => None,
    };
    if let Some(chart) = chart {
        let signature = email.html.rfind("<p style=").unwrap_or(email.html.len());
        email.html.insert_str(signature, &chart);
    }
    email
}

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
    // The fixed sheets' names are taken first; a flag sheet never reuses one.
    let mut sheet_names: std::collections::BTreeSet<String> =
        ["概况", "重复信访人", "苗头分布", "包案未落实明细"].iter().map(|s| (*s).to_owned()).collect();
    for section in &sections {
        // Sheet names cannot hold '/'.
        let name: String = section.flag.replace('/', "、");
        if !sheet_names.insert(name.clone()) {
            continue;
        }
        let sheet = list_sheet(&mut book, &name, section.cases.len())?;
        for (col, header) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *header, &bold)?;
        }
        for (i, case) in section.cases.iter().enumerate() {
            write_case(sheet, i as u32 + 1, 0, case, true, &date)?;
        }
        finish_list(sheet, section.cases.len(), &case_widths(0, 0.0, true))?;
    }
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
    sheet.autofit();
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
    sheet.autofit();
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
    md.push_str(
        "
明细见附件表格。",
    );
    md
}

/// A report as one HTML file (for `report --out FILE.html`): the email's HTML with the chart
/// embedded as a data URI instead of a `cid:` reference.
pub fn standalone_html(document: &Document, township: &str) -> Result<String, String> {
    use base64::Engine;
    let mut html = email(document, &format!("{township}信访工作领导小组")).html;
    for part in parts(document)?.iter().filter(|p| p.inline) {
        let data = base64::engine::general_purpose::STANDARD.encode(&part.bytes);
        html = html.replace(&format!("cid:{}", part.name), &format!("data:{};base64,{data}", part.content_type));
    }
    Ok(html)
}

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
    md.push_str("\n明细见附件表格。");
    md
}
