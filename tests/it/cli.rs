//! The README's first command, end to end on a clean working directory.

use crate::helpers::{repo, run_binary};

#[test]
fn the_readme_first_command_runs_the_demo_and_writes_its_notices_to_var_outbox() {
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

    let out = run_binary(dir.path(), &config, &["demo"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("imported 52 cases from"), "{}", out.stdout);
    assert!(out.stdout.contains("deadline_watch") && out.stdout.contains("monthly_screening"), "{}", out.stdout);
    assert!(dir.path().join("var/demo.db").exists(), "the demo's SQLite file is created under var/");
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(dir.path().join("var/outbox"))
        .expect("var/outbox")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    let named = |ext: &str| files.iter().filter(|f| f.extension().is_some_and(|x| x == ext)).count();
    assert!(named("eml") > 0 && named("json") > 0 && named("eml") + named("json") == files.len(), "{files:?}");
    assert!(out.stdout.contains(&format!("delivered {} notices", files.len())), "{}", out.stdout);
    // A person finds theirs: day, job, person, channel.
    let name = |f: &std::path::PathBuf| f.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
    assert!(
        files.iter().any(|f| name(f).starts_with("2026-") && name(f).contains("_期限督办_李华_outbox_")),
        "{files:?}"
    );
    // The monthly report's attachment is named as the README says: screening-YYYY-MM.xlsx.
    let attachment = files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).find_map(|t| {
        let at = t.find("filename=\"screening-")?;
        Some(t[at + 10..].chars().take_while(|c| *c != '"').collect::<String>())
    });
    let attachment = attachment.expect("the monthly report was mailed");
    let bytes = attachment.as_bytes();
    assert!(
        attachment.len() == "screening-2026-11.xlsx".len() && bytes[14] == b'-' && attachment.ends_with(".xlsx"),
        "{attachment}"
    );
    // Quiet: the summary and the table of who received what, no log lines.
    assert!(!out.stderr.contains(" INFO "), "{}", out.stderr);
    assert!(out.stdout.contains("收件人") && out.stdout.contains("李华镇长"), "{}", out.stdout);
    // What a group chat receives, beside the leader's email: the petitioner masked.
    let register = std::fs::read_to_string(repo().join("config/examples/register.csv")).expect("register");
    let names: Vec<&str> =
        register.lines().skip(1).filter_map(|l| l.split(',').nth(4)).filter(|n| n.chars().count() >= 2).collect();
    for group in files.iter().filter(|f| f.extension().is_some_and(|x| x == "json")) {
        let text = std::fs::read_to_string(group).expect("json");
        for petitioner in &names {
            assert!(!text.contains(petitioner), "{petitioner} in the group chat's {}", name(group));
        }
    }
    // Run again: a fresh database, the same notices (the same ids), nothing lost.
    let again = run_binary(dir.path(), &config, &["demo"], &[]);
    assert_eq!(again.code, 0, "{again:?}");

    // The import/screen path on the configured database.
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

    let out = run_binary(dir.path(), &config, &["jobs", "list"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.lines().any(|l| l.starts_with("deadline_watch")), "{}", out.stdout);
    let out = run_binary(
        dir.path(),
        &config,
        &["simulate", "--from", "2026-11-02", "--to", "2026-11-10", "--format", "json"],
        &[],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("{\"from\":\"2026-11-02\",\"to\":\"2026-11-10\",\"firings\":["), "{}", out.stdout);
    let simulated: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let firings = simulated["firings"].as_array().expect("firings");
    // Working days 11-02..11-10: seven duty rosters and deadline watches, the monthly screening on 11-02.
    let count = |job: &str| firings.iter().filter(|f| f["job"] == job).count();
    assert_eq!(
        (count("duty_roster"), count("deadline_watch"), count("monthly_screening")),
        (7, 7, 1),
        "{}",
        out.stdout
    );
    assert_eq!(firings[0]["at"], "2026-11-02T08:00:00+08:00");
    assert_eq!(firings[1]["at"], "2026-11-02T08:30:00+08:00");
    let notices: Vec<&serde_json::Value> =
        firings.iter().flat_map(|f| f["notices"].as_array().expect("notices")).collect();
    assert!(!notices.is_empty());
    for n in notices {
        assert!(n["recipient"].is_string() && n["channel"].is_string(), "{n}");
        for case in n["cases"].as_array().expect("cases") {
            assert!(case["case_no"].is_string() && case["flags"].is_array(), "{case}");
        }
    }
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

#[test]
fn notices_can_be_planned_delivered_listed_shown_and_retried_from_the_command_line() {
    let ws = crate::helpers::Workspace::new();
    // The shipped config writes every notice to its `outbox` file channel (mail is disabled).
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    let outbox = ws.path("outbox");
    std::fs::write(
        ws.config_path(),
        text.replace("dir = \"var/outbox\"", &format!("dir = {:?}", outbox.display().to_string())),
    )
    .expect("config");
    let register = repo().join("config/examples/register.csv").display().to_string();
    assert_eq!(ws.run(&["import", &register]).code, 0);

    let dry = ws.run(&["jobs", "run", "deadline_watch", "--as-of", "2026-11-27", "--dry-run"]);
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(dry.stdout.contains("notices would be written"), "{}", dry.stdout);
    let planned = dry.stdout.lines().filter(|l| l.starts_with("ntc_")).count();
    assert!(planned > 0);

    // Another day than today, without --send: a rehearsal, nothing written for leaders.
    let rehearsal = ws.run(&["jobs", "run", "deadline_watch", "--as-of", "2026-11-27"]);
    assert_eq!(rehearsal.code, 0, "{rehearsal:?}");
    assert!(rehearsal.stderr.contains("is not today") && rehearsal.stderr.contains("--send"), "{}", rehearsal.stderr);
    assert!(rehearsal.stdout.contains(&format!("{planned} notices would be written")), "{}", rehearsal.stdout);
    let none = ws.run(&["notices", "list"]);
    assert!(none.stdout.trim_end().ends_with("0 notices"), "{}", none.stdout);

    let run = ws.run(&["jobs", "run", "deadline_watch", "--as-of", "2026-11-27", "--send"]);
    assert!(run.stdout.contains(&format!("{planned} notices written to the outbox")), "{}", run.stdout);
    let again = ws.run(&["jobs", "run", "deadline_watch", "--as-of", "2026-11-27", "--send"]);
    assert!(again.stdout.contains("0 notices written"), "never twice a day: {}", again.stdout);

    let pending = ws.run(&["notices", "list", "--status", "pending"]);
    assert!(pending.stdout.trim_end().ends_with(&format!("{planned} notices")), "{}", pending.stdout);
    let deliver = ws.run(&["notices", "deliver"]);
    assert_eq!(deliver.code, 0, "{deliver:?}");
    assert!(deliver.stdout.starts_with(&format!("delivered {planned},")), "{}", deliver.stdout);
    let files: Vec<_> = std::fs::read_dir(&outbox).expect("outbox").filter_map(Result::ok).collect();
    assert_eq!(files.len(), planned);
    assert!(files.iter().all(|f| f.path().extension().is_some_and(|e| e == "eml")));

    let sent = ws.run(&["notices", "list", "--status", "sent", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_str(&sent.stdout).expect("json");
    let notices = list["notices"].as_array().expect("array");
    assert_eq!(notices.len(), planned);
    let id = notices[0]["id"].as_str().expect("id");
    let show = ws.run(&["notices", "show", id]);
    assert_eq!(show.code, 0, "{show:?}");
    assert!(show.stdout.contains("attempt 1: sent"), "{}", show.stdout);
    assert!(show.stdout.contains("Subject: 【示例镇信访办】期限督办"), "{}", show.stdout);
    let retry = ws.run(&["notices", "retry", id]);
    assert_eq!(retry.code, 1, "a sent notice is not sent again");
    assert!(retry.stderr.contains("is sent"), "{}", retry.stderr);
    assert_eq!(ws.run(&["notices", "show", "ntc_nosuch"]).code, 1);

    let test = ws.run(&["notify", "test", "outbox"]);
    assert_eq!(test.code, 0, "{test:?}");
    assert_eq!(std::fs::read_dir(&outbox).expect("outbox").count(), planned + 1);
    let unknown = ws.run(&["notify", "test", "mail"]);
    assert_eq!(unknown.code, 1, "mail is disabled in the shipped config");
    assert!(unknown.stderr.contains("not defined or not enabled"), "{}", unknown.stderr);
}

#[test]
fn the_duty_roster_tells_the_duty_leader_and_the_office_who_must_recuse() {
    let ws = crate::helpers::Workspace::new();
    let register = repo().join("config/examples/register.csv").display().to_string();
    assert_eq!(ws.run(&["import", &register]).code, 0);
    // 2026-11-24 is 孙丽's turn (four leaders in turn every working day from 2026-01-05); she
    // must recuse from XF2026-017 (回避人员).
    let out = ws.run(&["jobs", "run", "duty_roster", "--as-of", "2026-11-24", "--send"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("2 notices written"), "{}", out.stdout);
    let list = ws.run(&["notices", "list", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_str(&list.stdout).expect("json");
    let notices = list["notices"].as_array().expect("notices");
    let by = |who: &str| notices.iter().find(|n| n["recipient"] == who).unwrap_or_else(|| panic!("a notice to {who}"));
    let leader = by("sun-li");
    assert!(!leader["case_nos"].as_array().expect("cases").iter().any(|c| c == "XF2026-017"), "{leader}");
    let office = by("zhou-xf");
    assert_eq!(office["case_nos"], serde_json::json!(["XF2026-017"]));
    let shown = ws.run(&["notices", "show", office["id"].as_str().expect("id")]);
    assert!(shown.stdout.contains("今天（11-24，星期二）为领导接待日，由孙丽值班接待群众来访"), "{}", shown.stdout);
    assert!(shown.stdout.contains("孙丽应回避，由李华接待"), "{}", shown.stdout);
    let shown = ws.run(&["notices", "show", leader["id"].as_str().expect("id")]);
    assert!(shown.stdout.contains("孙丽副镇长：") && shown.stdout.contains("由您值班接待群众来访"), "{}", shown.stdout);

    // The afternoon before: the duty leader alone, told of tomorrow; on a Friday, of Monday.
    let eve = ws.run(&["jobs", "run", "duty_eve", "--as-of", "2026-11-23", "--send"]);
    assert!(eve.stdout.contains("1 notices written"), "{}", eve.stdout);
    let list = ws.run(&["notices", "list", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_str(&list.stdout).expect("json");
    let eve_notice = list["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .find(|n| n["job"] == "duty_eve")
        .cloned()
        .expect("an eve notice");
    assert_eq!(eve_notice["recipient"], "sun-li");
    let shown = ws.run(&["notices", "show", eve_notice["id"].as_str().expect("id")]);
    assert!(shown.stdout.contains("明天（11-24，星期二）为领导接待日，由您值班接待群众来访"), "{}", shown.stdout);
    let friday = ws.run(&["jobs", "run", "duty_eve", "--as-of", "2026-11-27", "--send"]);
    assert!(friday.stdout.contains("1 notices written"), "{}", friday.stdout);
    let list = ws.run(&["notices", "list", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_str(&list.stdout).expect("json");
    let mondays: Vec<String> = list["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .filter(|n| n["job"] == "duty_eve" && n["id"] != eve_notice["id"])
        .map(|n| ws.run(&["notices", "show", n["id"].as_str().expect("id")]).stdout)
        .collect();
    assert!(mondays.len() == 1 && mondays[0].contains("11-30（星期一）为领导接待日，由您值班"), "{mondays:?}");
    let saturday = ws.run(&["jobs", "run", "duty_eve", "--as-of", "2026-11-28", "--send"]);
    assert!(saturday.stdout.contains("0 notices written"), "not from a day off: {}", saturday.stdout);
    // Not a reception day: nothing.
    let weekend = ws.run(&["jobs", "run", "duty_roster", "--as-of", "2026-11-28", "--send"]);
    assert!(weekend.stdout.contains("0 notices written"), "{}", weekend.stdout);
}

/// `notices list --channel/--recipient` narrow the outbox, and `notices retry --status …
/// --channel …` makes every such notice due at once.
#[test]
fn notices_are_listed_by_channel_and_recipient_and_retried_in_bulk() {
    let ws = crate::delivery::workspace("", &["outbox"]);
    let register = crate::helpers::repo().join("config/examples/register.csv");
    assert_eq!(ws.run(&["import", register.to_str().expect("path")]).code, 0);
    assert_eq!(ws.run(&["jobs", "run", "deadline_watch", "--as-of", "2026-11-27", "--send"]).code, 0);
    let list = |args: &[&str]| -> Vec<serde_json::Value> {
        let mut all = vec!["notices", "list", "--format", "json"];
        all.extend_from_slice(args);
        let out = ws.run(&all);
        assert_eq!(out.code, 0, "{out:?}");
        let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
        value["notices"].as_array().expect("notices").clone()
    };
    let all = list(&[]);
    let li_hua = list(&["--recipient", "li-hua"]);
    assert!(!li_hua.is_empty() && li_hua.len() < all.len(), "{} of {}", li_hua.len(), all.len());
    assert!(li_hua.iter().all(|n| n["recipient"] == "li-hua"));
    assert_eq!(list(&["--channel", "outbox"]).len(), all.len());
    assert!(list(&["--channel", "no-such-channel"]).is_empty());
    let out = ws.run(&["notices", "retry", "--status", "pending", "--channel", "outbox"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with(&format!("{} notices due now", all.len())), "{}", out.stdout);
    let out = ws.run(&["notices", "retry", "--status", "sent"]);
    assert_eq!(out.code, 1, "a sent notice is not sent twice: {out:?}");
    let out = ws.run(&["notices", "retry"]);
    assert_ne!(out.code, 0, "an id or --status is needed");
}
