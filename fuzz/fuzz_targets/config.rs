//! Any text as the config file (with environment overrides taken from its last line): loaded
//! and validated, each problem reported, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (body, env_line) = text.rsplit_once('\n').unwrap_or((text, ""));
    let env: Vec<(String, String)> = env_line
        .split(' ')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default();
    let path = std::path::Path::new("fuzz/config/petition-watch.toml");
    if let Err(e) = petition_watch::config::load_from_str(body, path, &env, today) {
        let _ = e.to_string();
    }
});
