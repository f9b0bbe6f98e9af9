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
