//! Any bytes as a CSV register: decoded, parsed and every row judged, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use petition_watch::import::{RowRules, parse_grid, read_csv};

const RULES: RowRules = RowRules { max_cell_bytes: 4_096, max_extension_days: 30 };

fuzz_target!(|data: &[u8]| {
    if let Ok(grid) = read_csv(data) {
        let _ = parse_grid(&grid, RULES, |name| name.len() % 2 == 0);
    }
});
