//! Property tests: no input a user controls makes the importer or the config loader panic.

use petition_watch::import::{RowRules, parse_grid, read_csv};
use proptest::prelude::*;

use crate::helpers::today;

const RULES: RowRules = RowRules { max_cell_bytes: 1_024, max_extension_days: 30 };

/// Cells drawn from the register's own vocabulary, plus noise.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("2026-02-30".to_owned()),
        Just("2026年3月9日".to_owned()),
        Just("-1".to_owned()),
        Just("31".to_owned()),
        Just("是".to_owned()),
        Just("来访".to_owned()),
        Just("省".to_owned()),
        Just("2026-03-01..2026-02-01".to_owned()),
        Just("\"quoted, with comma\"".to_owned()),
        "[a-z0-9年月日/.\\-;；、 ]{0,12}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_csv_reader(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(grid) = read_csv(&bytes) {
            let _ = parse_grid(&grid, RULES, |_| false);
        }
    }

    #[test]
    fn register_shaped_rows_are_imported_or_rejected_never_panic(
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..12), 0..8)
    ) {
        let mut text = String::from("信访件编号,收到日期,人数,联名人数,延期天数,匿名,信访形式,走访层级,听证,证件号码,联系电话,受理日期\n");
        for row in &rows {
            let cells: Vec<String> = row.iter().map(|c| c.replace(['\n', '\r'], " ")).collect();
            text.push_str(&cells.join(","));
            text.push('\n');
        }
        let grid = read_csv(text.as_bytes()).map_err(TestCaseError::fail)?;
        let parsed = parse_grid(&grid, RULES, |_| false).map_err(TestCaseError::fail)?;
        // Every non-blank data row is accounted for, once.
        prop_assert_eq!(parsed.cases.len() + parsed.rejected.len(), parsed.rows);
    }

    #[test]
    fn arbitrary_config_text_never_panics_the_loader(text in any::<String>()) {
        let _ = petition_watch::config::load_from_str(&text, std::path::Path::new("fuzz.toml"), &[], today());
    }

    #[test]
    fn config_shaped_text_never_panics_the_loader(
        table in "(township|database|jobs\\.monthly_screening|people|channels\\.x|thresholds|delivery)",
        key in "(name|url|schedule|id|kind|dir|retry_schedule|jitter|nmae|enabled)",
        value in "(\"[^\"\\\\]{0,10}\"|[0-9]{1,3}|true|\\[\"1s\", \"x\"\\]|-1|\\{ env = \"X\" \\})",
        env_value in "[ -~]{0,12}",
    ) {
        let text = format!("[{table}]\n{key} = {value}\n");
        let env = vec![("PETITION_WATCH_DATABASE__MAX_CONNECTIONS".to_owned(), env_value)];
        let _ = petition_watch::config::load_from_str(&text, std::path::Path::new("fuzz.toml"), &env, today());
    }
}

#[test]
fn truncated_and_corrupted_workbooks_are_errors_not_panics() {
    let sample = std::fs::read(crate::helpers::repo().join("config/examples/register.xlsx")).expect("sample workbook");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.xlsx");
    let mut seed: u32 = 7;
    for cut in (0..sample.len()).step_by(sample.len() / 40) {
        let mut bytes = sample[..cut].to_vec();
        std::fs::write(&path, &bytes).expect("write");
        let _ = petition_watch::import::read_grid(&path);
        // Flip a few bytes inside the zip as well.
        for _ in 0..8 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            if !bytes.is_empty() {
                let at = seed as usize % bytes.len();
                bytes[at] ^= 0x5a;
            }
        }
        std::fs::write(&path, &bytes).expect("write");
        let _ = petition_watch::import::read_grid(&path);
    }
}
