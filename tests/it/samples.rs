//! The sample register ships as CSV and XLSX; both must hold the same cases.
//! `PETITION_WATCH_REGENERATE_SAMPLES=1 cargo test samples` rewrites the XLSX from the CSV.

use petition_watch::import::{Cell, Grid, RowRules, parse_grid, read_grid};

use crate::helpers::repo;

const RULES: RowRules = RowRules { max_cell_bytes: 65_536, max_extension_days: 30 };

fn write_xlsx(csv: &Grid, path: &std::path::Path) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let guide = book.add_worksheet();
    guide.set_name("填表说明").expect("name");
    for (row, line) in [
        "示例镇信访登记台账 填表说明",
        "1. 每行一件信访件，信访件编号不得重复。",
        "2. 日期填写为日期格式，或 2026-03-09、2026/3/9、2026年3月9日。",
        "3. 证件号码、联系电话请设置为文本格式，避免丢失位数。",
        "4. 被反映人、回避人员、听证等多项内容用顿号（、）或分号分隔。",
    ]
    .iter()
    .enumerate()
    {
        guide.write_string(row as u32, 0, *line).expect("write");
    }
    let sheet = book.add_worksheet();
    sheet.set_name("信访登记台账").expect("name");
    sheet.write_string(0, 0, "示例镇信访登记台账").expect("write");
    let header_format = Format::new().set_bold();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let header = &csv.rows[0];
    let date_columns: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| h.text().ends_with("日期") || h.text() == "包案期限")
        .map(|(i, _)| i)
        .collect();
    let number_columns: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| ["人数", "联名人数", "延期天数"].contains(&h.text().as_str()))
        .map(|(i, _)| i)
        .collect();
    for (col, title) in header.iter().enumerate() {
        sheet.write_string_with_format(1, col as u16, title.text(), &header_format).expect("write");
    }
    for (r, row) in csv.rows.iter().enumerate().skip(1) {
        let excel_row = (r + 1) as u32;
        for (col, cell) in row.iter().enumerate() {
            let text = cell.text();
            if text.is_empty() {
                continue;
            }
            let col16 = col as u16;
            if date_columns.contains(&col)
                && let Ok(date) = petition_watch::domain::parse_date(&text)
            {
                let when = ExcelDateTime::parse_from_str(&date.to_string()).expect("date");
                sheet.write_datetime_with_format(excel_row, col16, &when, &date_format).expect("write");
            } else if number_columns.contains(&col)
                && let Ok(n) = text.parse::<f64>()
            {
                sheet.write_number(excel_row, col16, n).expect("write");
            } else {
                sheet.write_string(excel_row, col16, &text).expect("write");
            }
        }
    }
    sheet.set_freeze_panes(2, 1).expect("freeze");
    sheet.autofit();
    book.save(path).expect("save");
}

#[test]
fn the_sample_xlsx_holds_the_same_cases_as_the_sample_csv() {
    let csv_path = repo().join("config/examples/register.csv");
    let xlsx_path = repo().join("config/examples/register.xlsx");
    let csv = read_grid(&csv_path).expect("csv reads");
    if std::env::var("PETITION_WATCH_REGENERATE_SAMPLES").is_ok_and(|v| v == "1") {
        write_xlsx(&csv, &xlsx_path);
    }
    let xlsx = read_grid(&xlsx_path).expect("xlsx reads");
    assert!(xlsx.note.as_deref().is_some_and(|n| n.contains("信访登记台账")), "{:?}", xlsx.note);
    assert!(xlsx.rows.iter().flatten().any(|c| matches!(c, Cell::Date(_))), "dates are Excel date cells");
    let from_csv = parse_grid(&csv, RULES, |_| true).expect("csv parses");
    let from_xlsx = parse_grid(&xlsx, RULES, |_| true).expect("xlsx parses");
    assert!(
        from_csv.rejected.is_empty() && from_xlsx.rejected.is_empty(),
        "{:?} {:?}",
        from_csv.rejected,
        from_xlsx.rejected
    );
    assert_eq!(from_csv.cases.len(), 52);
    let cases = |p: &petition_watch::import::ParsedRegister| p.cases.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>();
    assert_eq!(cases(&from_xlsx), cases(&from_csv));
}
