//! Reading a register file into a grid of cells: CSV in any encoding an office produces
//! (UTF-8 with or without BOM, UTF-16 with BOM, GBK/GB18030), or the register sheet of an XLSX.

use std::path::Path;

use calamine::{Data, Reader};
use chrono::NaiveDate;

use super::columns::{Column, HEADER_SEARCH_ROWS};

/// One cell as the file gave it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text (every CSV cell).
    Text(String),
    /// An Excel number.
    Number(f64),
    /// An Excel date cell.
    Date(NaiveDate),
    /// An Excel boolean.
    Bool(bool),
}

impl Cell {
    /// The cell as text: integers without a decimal point, dates as `YYYY-MM-DD`.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.clone(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{n:.0}"),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Bool(b) => b.to_string(),
        }
    }

    /// Whether the cell holds nothing but white space.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

/// A register's rows, and a note on how it was read (encoding, which sheet).
#[derive(Debug, Clone)]
pub struct Grid {
    /// Rows of cells, the file's first row first.
    pub rows: Vec<Vec<Cell>>,
    /// What a user may want to know about how the file was read.
    pub note: Option<String>,
}

/// Reads a CSV or XLSX file. Errors are whole-file problems (unreadable, empty, no register sheet).
pub fn read_grid(path: &Path) -> Result<Grid, String> {
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_lowercase).unwrap_or_default();
    match extension.as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" => read_workbook(path),
        _ => {
            let bytes = std::fs::read(path).map_err(|e| format!("cannot be read: {e}"))?;
            read_csv(&bytes)
        }
    }
}

/// Decodes register bytes: a BOM decides; else valid UTF-8 is UTF-8; else GB18030 (a superset
/// of GBK, what Excel on Chinese Windows writes).
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), String> {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(format!(
                "starts with a {} byte-order mark but is not valid {}",
                encoding.name(),
                encoding.name()
            ));
        }
        return Ok((text.into_owned(), encoding.name()));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_owned(), "UTF-8"));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err("is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8 or as XLSX".into());
    }
    Ok((text.into_owned(), "GBK/GB18030"))
}

/// Parses CSV bytes. The delimiter is the one of `,`, tab and `;` most used in the first line.
pub fn read_csv(bytes: &[u8]) -> Result<Grid, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("is empty".into());
    }
    let (text, encoding) = decode(bytes)?;
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter =
        [b',', b'\t', b';'].into_iter().max_by_key(|d| first_line.bytes().filter(|b| b == d).count()).unwrap_or(b',');
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("row {}: not valid CSV: {e}", i + 1))?;
        rows.push(record.iter().map(|c| if c.is_empty() { Cell::Empty } else { Cell::Text(c.to_owned()) }).collect());
    }
    let note = (encoding != "UTF-8").then(|| format!("read as {encoding} text"));
    Ok(Grid { rows, note })
}

fn cell_from(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => dt.as_datetime().map_or(Cell::Number(dt.as_f64()), |d| Cell::Date(d.date())),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

/// Reads the first sheet whose first rows carry the register's header.
fn read_workbook(path: &Path) -> Result<Grid, String> {
    let workbook = calamine::open_workbook_auto(path).map_err(|e| format!("cannot be read as a workbook: {e}"))?;
    workbook_grid(workbook)
}

/// Reads a workbook (XLSX, XLS, ODS) held in memory, as [`read_grid`] reads a file.
pub fn read_workbook_bytes(bytes: &[u8]) -> Result<Grid, String> {
    let workbook = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| format!("cannot be read as a workbook: {e}"))?;
    workbook_grid(workbook)
}

/// The most columns a register sheet is read to; cells beyond are left out (the register has
/// about thirty, with room for the office's own).
const MAX_COLUMNS: usize = 256;

/// The most rows a register sheet may have (Excel's own limit).
const MAX_ROWS: usize = 1_048_576;

/// An XLSX sheet's used cells, row by row, read as they stream by.
fn xlsx_rows<R: std::io::Read + std::io::Seek>(
    xlsx: &mut calamine::Xlsx<R>,
    name: &str,
) -> Result<Vec<Vec<Cell>>, String> {
    let mut reader = xlsx.worksheet_cells_reader(name).map_err(|e| e.to_string())?;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? {
        let (row, column) = cell.get_position();
        let (row, column) = (row as usize, column as usize);
        let value = Data::from(cell.get_value().clone());
        if column >= MAX_COLUMNS || row >= MAX_ROWS || matches!(value, Data::Empty) {
            continue;
        }
        if rows.len() <= row {
            rows.resize_with(row + 1, Vec::new);
        }
        let cells = &mut rows[row];
        if cells.len() <= column {
            cells.resize(column + 1, Cell::Empty);
        }
        cells[column] = cell_from(&value);
    }
    Ok(rows)
}

/// Whether the first rows carry the register's header.
fn has_register_header(rows: &[Vec<Cell>]) -> bool {
    rows.iter().take(HEADER_SEARCH_ROWS).any(|row| {
        let columns: Vec<Option<Column>> = row.iter().map(|c| Column::from_header(&c.text())).collect();
        columns.contains(&Some(Column::CaseNo)) && columns.contains(&Some(Column::ReceivedOn))
    })
}

/// Which sheet of several was read, and which were passed over.
fn sheet_note(name: &str, names: &[String], skipped: &[String]) -> Option<String> {
    (names.len() > 1).then(|| {
        let others = if skipped.is_empty() {
            String::new()
        } else {
            format!("; sheets without the register header: {}", skipped.join(", "))
        };
        format!("read sheet {name:?} of {}{others}", names.len())
    })
}

fn workbook_grid<R: std::io::Read + std::io::Seek>(mut workbook: calamine::Sheets<R>) -> Result<Grid, String> {
    let names = workbook.sheet_names().to_vec();
    if names.is_empty() {
        return Err("has no sheets".into());
    }
    let mut skipped = Vec::new();
    for name in &names {
        // XLSX is read cell by cell: a sheet whose few cells lie far apart (one at row 100,000,
        // another at column XFD) made calamine allocate its whole rectangle (2.4 GB for a
        // 2.4 MB file). Other formats are small enough to read whole.
        if let calamine::Sheets::Xlsx(xlsx) = &mut workbook {
            match xlsx_rows(xlsx, name) {
                Ok(rows) if has_register_header(&rows) => {
                    return Ok(Grid { rows, note: sheet_note(name, &names, &skipped) });
                }
                Ok(_) => skipped.push(format!("{name:?}")),
                Err(e) => skipped.push(format!("{name:?} ({e})")),
            }
            continue;
        }
        let range = match workbook.worksheet_range(name) {
            Ok(range) => range,
            Err(e) => {
                skipped.push(format!("{name:?} ({e})"));
                continue;
            }
        };
        // Excel ranges start at the first used cell; pad so row and column numbers match the sheet.
        let (top, left) = range.start().map_or((0, 0), |(r, c)| (r as usize, c as usize));
        let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); top];
        rows.extend(range.rows().map(|r| {
            let mut row = vec![Cell::Empty; left];
            row.extend(r.iter().map(cell_from));
            row
        }));
        if has_register_header(&rows) {
            return Ok(Grid { rows, note: sheet_note(name, &names, &skipped) });
        }
        skipped.push(format!("{name:?}"));
    }
    Err(format!(
        "no sheet has the register header (case_no/信访件编号 and received_on/收到日期) in its first {HEADER_SEARCH_ROWS} rows; sheets: {}",
        skipped.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_bytes_are_detected_and_decoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("信访件编号,收到日期\nA1,2026-01-05\n");
        let (text, encoding) = decode(&bytes).expect("decodes");
        assert_eq!(encoding, "GBK/GB18030");
        assert!(text.starts_with("信访件编号"));
    }

    #[test]
    fn a_utf8_byte_order_mark_is_removed() {
        let grid = read_csv("\u{feff}信访件编号,收到日期\nA1,2026-01-05\n".as_bytes()).expect("reads");
        assert_eq!(grid.rows[0][0], Cell::Text("信访件编号".into()));
        assert_eq!(grid.note, None);
    }

    #[test]
    fn an_empty_file_is_an_error_not_a_panic() {
        assert_eq!(read_csv(b"").map(|_| ()), Err("is empty".into()));
        assert_eq!(read_csv(b" \n\n").map(|_| ()), Err("is empty".into()));
    }

    #[test]
    fn excel_numbers_read_as_text_without_a_decimal_point() {
        assert_eq!(Cell::Number(2026001.0).text(), "2026001");
        assert_eq!(Cell::Number(1.5).text(), "1.5");
    }
}
