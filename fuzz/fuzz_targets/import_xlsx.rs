//! Any bytes as a workbook: read (zip, XML, shared strings), parsed and judged, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use petition_watch::import::{RowRules, parse_grid, read_workbook_bytes};

const RULES: RowRules = RowRules { max_cell_bytes: 4_096, max_extension_days: 30 };

fuzz_target!(|data: &[u8]| {
    if let Ok(grid) = read_workbook_bytes(data) {
        let _ = parse_grid(&grid, RULES, |_| true);
    }
});
