//! The README's first command, end to end on a clean working directory.

use crate::helpers::{repo, run_binary};

#[test]
fn the_readme_first_command_imports_the_sample_register_and_screens_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A copy of the repository's config, so `var/` is created in the scratch directory.
    let config_dir = dir.path().join("config");
    std::fs::create_dir_all(config_dir.join("examples")).expect("dirs");
    std::fs::copy(repo().join("config/petition-watch.toml"), config_dir.join("petition-watch.toml"))
        .expect("copy config");
    std::fs::create_dir_all(config_dir.join("holidays")).expect("dir");
    for year in ["2025", "2026"] {
        let name = format!("{year}.toml");
        std::fs::copy(repo().join("config/holidays").join(&name), config_dir.join("holidays").join(&name))
            .expect("copy");
    }
    std::fs::copy(repo().join("config/examples/register.csv"), config_dir.join("examples/register.csv")).expect("copy");
    let config = config_dir.join("petition-watch.toml");

    let out = run_binary(dir.path(), &config, &["import", "config/examples/register.csv"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("52 rows read — imported 52 (new 52"), "{}", out.stdout);
    assert!(dir.path().join("var/petition-watch.db").exists(), "the default SQLite file is created under var/");

    let out = run_binary(dir.path(), &config, &["screen", "--as-of", "2026-11-27"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("排查日期 2026-11-27："), "{}", out.stdout);
    assert!(out.stdout.contains("苗头性问题"), "{}", out.stdout);

    let out = run_binary(dir.path(), &config, &["cases"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("信访件编号\t收到日期"), "{}", out.stdout);
    assert!(out.stdout.trim_end().ends_with("52 cases"), "{}", out.stdout);
    // No ID number or phone from the register reaches the listing.
    let register = std::fs::read_to_string(repo().join("config/examples/register.csv")).expect("register");
    let first_id = register.lines().nth(1).and_then(|l| l.split(',').nth(5)).expect("an ID number");
    assert!(!out.stdout.contains(first_id));
}

#[test]
fn logs_can_be_json_lines_on_stderr() {
    let ws = crate::helpers::Workspace::new();
    let file =
        ws.write("r.csv", "信访件编号,收到日期,证件号码,联系电话\nL1,2026-03-01,11010519491231002X,13800138000\n");
    let out = run_binary(
        ws.dir.path(),
        &ws.config_path(),
        &["--log-format", "json", "import", file.to_str().expect("path")],
        &[("RUST_LOG", "debug")],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with('{')).collect();
    assert!(!lines.is_empty(), "{}", out.stderr);
    for line in &lines {
        serde_json::from_str::<serde_json::Value>(line).expect("each log line is JSON");
    }
    assert!(
        !out.stderr.contains("11010519491231002X") && !out.stderr.contains("13800138000"),
        "no ID or phone in logs"
    );
}
