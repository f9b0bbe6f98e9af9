//! Reports as documents: the supervision digest as an XLSX workbook (one sheet per table,
//! Chinese headers, frozen header row, dates as dates) for the leading group to sort, and as a
//! Markdown summary for the chat robots. Pure: the model in, bytes or text out.
//!
//! Each report in its file (`digest`, `screening`, `sweep`); here, a report as a document: its
//! file name, workbook, Markdown, email with the chart, and the stand-alone HTML page.

mod digest;
mod screening;
mod sweep;

use rust_xlsxwriter::XlsxError;

use crate::report::Document;
use digest::{case_widths, excel_date, finish_list, list_sheet, write_case};

pub use digest::{STREAMED_ROWS, digest_markdown, digest_xlsx};
pub use screening::{screening_markdown, screening_xlsx};
pub use sweep::{sweep_markdown, sweep_xlsx};

/// The work figures as the summary's section (签收率, time to 签收, 按期答复率, the 督办 and how
/// each ended), Markdown.
fn work_markdown(work: &crate::report::WorkFigures) -> String {
    let mut md = String::from("\n**签收、答复与督办**\n");
    for line in work.lines() {
        md.push_str(&format!("- {line}\n"));
    }
    for row in work.supervisions.iter().take(20) {
        let due = row.due_on.map(|d| format!("，限 {d}")).unwrap_or_default();
        md.push_str(&format!(
            "- {} 督办{}（{}{due}）：{}\n",
            crate::render::markdown_text(&row.case_no),
            crate::render::markdown_text(&row.pressed),
            row.on,
            row.outcome
        ));
    }
    if work.supervisions.len() > 20 {
        md.push_str(&format!("- 另有 {} 件督办，见附件表格\n", work.supervisions.len() - 20));
    }
    md
}

/// The work figures' sheet of a report workbook: the figures, then each 督办 with its outcome.
fn work_sheet(book: &mut rust_xlsxwriter::Workbook, work: &crate::report::WorkFigures) -> Result<(), XlsxError> {
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let sheet = book.add_worksheet().set_name("签收与督办")?;
    for (i, line) in work.lines().iter().enumerate() {
        sheet.write_string(i as u32, 0, line)?;
    }
    let top = work.lines().len() as u32 + 1;
    for (col, header) in ["信访件编号", "督办日期", "督办人", "被督办人", "限办日期", "结果"].iter().enumerate()
    {
        sheet.write_string_with_format(top, col as u16, *header, &bold)?;
    }
    for (i, row) in work.supervisions.iter().enumerate() {
        let r = top + 1 + i as u32;
        sheet.write_string(r, 0, crate::domain::spreadsheet_text(&row.case_no))?;
        sheet.write_datetime_with_format(r, 1, &excel_date(row.on)?, &date)?;
        sheet.write_string(r, 2, crate::domain::spreadsheet_text(&row.by))?;
        sheet.write_string(r, 3, crate::domain::spreadsheet_text(&row.pressed))?;
        if let Some(due) = row.due_on {
            sheet.write_datetime_with_format(r, 4, &excel_date(due)?, &date)?;
        }
        sheet.write_string(r, 5, &row.outcome)?;
    }
    for (col, width) in [14.0, 12.0, 10.0, 10.0, 12.0, 12.0].into_iter().enumerate() {
        sheet.set_column_width(col as u16, width)?;
    }
    Ok(())
}

/// The summary's last line where it is read without the workbook (a group chat, `--out
/// FILE.md`): where the details are. An email replaces it with the attachment's name.
pub const DETAILS_ELSEWHERE: &str = "完整报告和明细表格已发送至领导小组成员的邮箱。";

/// A report's summary as a chat receives it: with `link` (the report as a page, signed when
/// sent) its last line points there instead of saying where the details were sent.
pub fn chat_summary(document: &Document, link: Option<&str>) -> String {
    let summary = markdown(document);
    match link {
        Some(link) => {
            summary.replace(DETAILS_ELSEWHERE, &format!("完整报告（含图表）：[在网页上查看]({link})，30 日内有效。"))
        }
        None => summary,
    }
}

/// An email whose text and HTML parts are a report's summary (the tables are attached).
fn summary_email(township: &str, subject: String, summary: &str, to_name: &str) -> crate::render::message::Email {
    let plain: String = summary.replace("**", "");
    let text = format!("{to_name}：\n\n{plain}\n\n{township}信访工作领导小组办公室\n");
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\n<body style=\"font-family: 'Microsoft YaHei', 'PingFang SC', sans-serif; font-size: 14px;\">\n",
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
    let label: String = document.label().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
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

/// A report email's parts: the workbook.
pub fn parts(document: &Document) -> Result<Vec<Part>, String> {
    Ok(vec![Part {
        name: file_name(document),
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes: xlsx(document).map_err(|e| format!("cannot build the workbook: {e}"))?,
        inline: false,
    }])
}

/// Series colours of the trend chart.
const COLOURS: [&str; 6] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

/// The trend chart as HTML (no image, so it reads on a phone and in every mail client, and
/// Chinese is text): one row per flag, one column per month labelled 7月 … 12月, in each cell a
/// bar as tall as the month's count against the largest, with the count under it.
fn trend_html(flags: &[String], trend: &[(String, Vec<usize>)]) -> String {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let month = |label: &str| match label.split_once('-') {
        Some((_, m)) => format!("{}月", m.trim_start_matches('0')),
        None => label.to_owned(),
    };
    let max = trend.iter().flat_map(|(_, c)| c.iter().copied()).max().unwrap_or(0).max(1);
    let mut html = String::from(
        "<p><b>近六个月各类情形件数</b></p>\n<table class=\"trend\" role=\"img\" aria-label=\"近六个月各类情形件数\" style=\"border-collapse: collapse; width: 100%; max-width: 640px; font-size: 12px;\">\n<tr><th style=\"text-align: left; font-weight: normal; color: #666;\">情形＼月份</th>",
    );
    for (label, _) in trend {
        html.push_str(&format!("<th style=\"font-weight: normal; color: #444;\">{}</th>", escape(&month(label))));
    }
    html.push_str("</tr>\n");
    for (i, flag) in flags.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        html.push_str(&format!(
            "<tr><td style=\"padding: 4px 4px 4px 0; border-top: 1px solid #eee;\"><span style=\"color: {colour};\">■</span> {}</td>",
            escape(flag)
        ));
        for (_, counts) in trend {
            let n = counts.get(i).copied().unwrap_or(0);
            let height = if n == 0 { 0 } else { (n * 40 / max).max(2) };
            html.push_str(&format!(
                "<td style=\"vertical-align: bottom; text-align: center; padding: 4px 2px 2px; border-top: 1px solid #eee;\"><div style=\"height: {height}px; width: 60%; margin: 0 auto; background: {colour};\"></div>{n}</td>"
            ));
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
    let summary = markdown(document).replace(DETAILS_ELSEWHERE, &format!("明细见附件表格 {}。", file_name(document)));
    let mut email = summary_email(township, subject, &summary, to_name);
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

/// A report as one HTML file (for `report --out FILE.html`): the email's HTML, chart included.
pub fn standalone_html(document: &Document, township: &str) -> Result<String, String> {
    Ok(email(document, &format!("{township}信访工作领导小组")).html)
}
