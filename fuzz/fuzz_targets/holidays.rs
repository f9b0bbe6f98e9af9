//! Any text as a holiday file (`holidays/YEAR.toml`): parsed and checked, and a sound one
//! builds a calendar that answers for every day of its year, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use petition_watch::calendar::Calendar;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(file) = petition_watch::config::parse_holiday_file(text, "fuzz.toml") {
        let year = file.year;
        let calendar = Calendar::new([file]);
        if let Some(first) = chrono::NaiveDate::from_ymd_opt(year, 1, 1) {
            for day in first.iter_days().take(366) {
                let _ = calendar.is_working_day(day);
            }
        }
    }
});
