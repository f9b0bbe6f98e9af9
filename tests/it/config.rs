//! `petition-watch check` against broken configs: each problem names file, line and key.

use crate::helpers::{Workspace, run_binary};

/// A workspace whose config has `from` replaced by `to` (which must occur).
fn edited(from: &str, to: &str) -> Workspace {
    let ws = Workspace::new();
    let path = ws.config_path();
    let text = std::fs::read_to_string(&path).expect("config");
    assert!(text.contains(from), "the shipped config contains {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write config");
    ws
}

fn line_of(ws: &Workspace, needle: &str) -> usize {
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    text.lines().position(|l| l.contains(needle)).expect("needle present") + 1
}

#[test]
fn the_shipped_config_passes_check() {
    let ws = Workspace::new();
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("ok — 6 people"), "{}", out.stdout);
    assert!(out.stdout.contains("holiday schedules for 2025, 2026"), "{}", out.stdout);
}

#[test]
fn malformed_toml_is_reported_on_its_line() {
    let ws = edited("name = \"示例镇\"", "name = \"示例镇");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1);
    let line = line_of(&ws, "name = \"示例镇");
    assert!(out.stderr.contains(&format!("petition-watch.toml:{line}: not valid TOML")), "{}", out.stderr);
}

#[test]
fn an_unknown_key_names_its_line_and_the_nearest_valid_key() {
    let ws = edited("busy_timeout = \"10s\"", "busy_timeot = \"10s\"");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1);
    let line = line_of(&ws, "busy_timeot");
    let want = format!(
        "petition-watch.toml:{line}: database.busy_timeot: unknown key `busy_timeot`; did you mean `busy_timeout`?"
    );
    assert!(out.stderr.contains(&want), "{}", out.stderr);
}

#[test]
fn a_five_field_cron_spec_is_refused_with_its_key() {
    let ws = edited("schedule = \"0 0 9 1 * *\"", "schedule = \"0 9 1 * *\"");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1);
    let line = line_of(&ws, "schedule = \"0 9 1 * *\"");
    let want =
        format!("petition-watch.toml:{line}: jobs.monthly_screening.schedule: \"0 9 1 * *\" has 5 fields, expected 6");
    assert!(out.stderr.contains(&want), "{}", out.stderr);
}

#[test]
fn a_person_referenced_but_not_defined_is_named() {
    let ws = edited("people = [\"zhou-xf\"]", "people = [\"zhou-xiaofang\"]");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1);
    let line = line_of(&ws, "people = [\"zhou-xiaofang\"]");
    assert!(
        out.stderr.contains(&format!(
            ":{line}: administrators.people[0]: `zhou-xiaofang` is not defined in [[people]]; did you mean `zhou-xf`?"
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn every_semantic_problem_is_listed_not_just_the_first() {
    let ws = edited("channels = [\"outbox\"]\n\n[administrators]", "channels = [\"nowhere\"]\n\n[administrators]");
    let text = std::fs::read_to_string(ws.config_path())
        .expect("config")
        .replace("month_starts_on_day = 1", "month_starts_on_day = 29");
    std::fs::write(ws.config_path(), text).expect("write");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("leading_group.channels[0]: channel `nowhere` is not defined"), "{}", out.stderr);
    assert!(out.stderr.contains("reports.month_starts_on_day: 29 is not a day from 1 to 28"), "{}", out.stderr);
}

#[test]
fn environment_variables_override_keys_and_are_blamed_for_their_errors() {
    let ws = Workspace::new();
    let out = run_binary(
        ws.dir.path(),
        &ws.config_path(),
        &["check"],
        &[("PETITION_WATCH_JOBS__DEADLINE_WATCH__SCHEDULE", "0 30 8 * *")],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("environment PETITION_WATCH_JOBS__DEADLINE_WATCH__SCHEDULE: jobs.deadline_watch.schedule: \"0 30 8 * *\" has 5 fields"),
        "{}",
        out.stderr
    );
    let db = ws.path("elsewhere.db");
    let url = format!("sqlite://{}", db.display());
    let out = run_binary(ws.dir.path(), &ws.config_path(), &["migrate"], &[("DATABASE_URL", &url)]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(db.exists(), "DATABASE_URL chose the database");
}

#[test]
fn an_enabled_channel_whose_secret_is_missing_names_the_variable_not_a_value() {
    let ws = edited("kind = \"smtp\"\nenabled = false", "kind = \"smtp\"\nenabled = true");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("channels.mail.password: environment variable PETITION_WATCH_SMTP_PASSWORD is not set"),
        "{}",
        out.stderr
    );
    let out =
        run_binary(ws.dir.path(), &ws.config_path(), &["check"], &[("PETITION_WATCH_SMTP_PASSWORD", "hunter2-secret")]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stdout.contains("hunter2") && !out.stderr.contains("hunter2"));
}

/// A workspace whose config reads holidays from an empty `holidays/` of its own (returned).
fn with_own_holidays() -> (Workspace, std::path::PathBuf) {
    let ws = Workspace::new();
    let holidays = ws.path("holidays");
    std::fs::create_dir(&holidays).expect("dir");
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    let text = text
        .lines()
        .map(|l| if l.starts_with("holidays = ") { "holidays = \"holidays\"" } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(ws.config_path(), text).expect("write");
    (ws, holidays)
}

#[test]
fn a_broken_holiday_file_is_reported_on_its_line() {
    let (ws, holidays) = with_own_holidays();
    std::fs::copy(crate::helpers::repo().join("config/holidays/2026.toml"), holidays.join("2026.toml")).expect("copy");
    std::fs::write(
        holidays.join("2027.toml"),
        "year = 2027\nnotice = \"test\"\nmake_up_working_days = [\"2027-02-10\"]\n",
    )
    .expect("write");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("2027.toml:3: make_up_working_days[0]: 2027-02-10 is a Wed, not a weekend day"),
        "{}",
        out.stderr
    );
}

/// A holiday file copied from another year with only `year` changed, or named for a year it
/// does not hold, fails `check` (its dates would be wrong working days for the year it names).
#[test]
fn a_holiday_file_holding_another_years_dates_fails_check() {
    let shipped = std::fs::read_to_string(crate::helpers::repo().join("config/holidays/2026.toml")).expect("2026");
    for (file, text, needle) in [
        (
            "2027.toml",
            shipped.replace("year = 2026", "year = 2027"),
            "holidays[0].days_off: 2026-01-01..2026-01-03 is not in 2027",
        ),
        ("2027.toml", shipped.clone(), "2027.toml:3: year: is 2026, but the file is named for 2027"),
    ] {
        let (ws, holidays) = with_own_holidays();
        std::fs::write(holidays.join(file), text).expect("write");
        let out = ws.run(&["check"]);
        assert_eq!(out.code, 1, "{out:?}");
        assert!(out.stderr.contains(needle), "{needle}: {}", out.stderr);
    }
}

#[test]
fn a_template_with_a_syntax_error_fails_check() {
    let ws = Workspace::new();
    let templates = ws.path("templates");
    std::fs::create_dir(&templates).expect("dir");
    std::fs::write(templates.join("notice.j2"), "尊敬的{{ leader }}：\n{% for c in cases %}\n{{ c.case_no }\n")
        .expect("write");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("notice.j2:3: template does not parse"), "{}", out.stderr);
}

#[test]
fn a_notice_template_that_names_an_unknown_variable_fails_check() {
    let ws = Workspace::new();
    let templates = ws.path("templates");
    std::fs::create_dir(&templates).expect("dir");
    std::fs::write(templates.join("notice.md.j2"), "**{{ township }}** {{ leeder.name }}\n").expect("write");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("notice.md.j2: template does not render with a sample notice"), "{}", out.stderr);
    assert!(out.stderr.contains("leeder"), "{}", out.stderr);
}

#[test]
fn an_enabled_duty_roster_needs_a_rotation_of_defined_people() {
    let ws = Workspace::new();
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    let text = text.replace(
        "rotation = [\"li-hua\", \"zhao-min\", \"chen-gang\", \"sun-li\"]",
        "rotation = [\"li-hua\", \"zhao-mim\"]",
    );
    std::fs::write(ws.config_path(), text.replace("starts = \"2026-01-05\"\n", "")).expect("write");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("duty_roster.rotation[1]: `zhao-mim` is not defined in [[people]]; did you mean `zhao-min`?"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("duty_roster: the duty_roster job is enabled: set rotation"), "{}", out.stderr);
}

#[test]
fn api_tokens_come_from_the_config_a_file_and_the_environment_and_bad_ones_are_placed() {
    let ws = Workspace::new();
    let secret = ws.write("dashboard.token", "dashboard-token-0123456789\n");
    let tokens = format!(
        "[[http.tokens]]\nname = \"county\"\nscope = \"write\"\ntoken = \"county-token-0123456789\"\n\n\
         [[http.tokens]]\nname = \"dashboard\"\nscope = \"read\"\ntoken = {{ file = {:?} }}\n\n",
        secret.display().to_string()
    );
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    let text = text.replacen("[http]\n", &format!("{tokens}[http]\ntokens_file = \"api-tokens\"\n"), 1);
    std::fs::write(ws.config_path(), text).expect("write config");
    ws.write("api-tokens", "# name:scope:token\noffice:read:office-token-0123456789\n");
    let env = vec![(petition_watch::config::TOKENS_ENV.to_owned(), "robot:read:robot-token-0123456789".to_owned())];
    let loaded = petition_watch::config::load(&ws.config_path(), &env, crate::helpers::today())
        .unwrap_or_else(|e| panic!("loads: {e}"));
    let names: Vec<(&str, &str)> = loaded.api_tokens.iter().map(|t| (t.name.as_str(), t.scope.as_str())).collect();
    assert_eq!(names, [("county", "write"), ("dashboard", "read"), ("office", "read"), ("robot", "read")]);
    assert_eq!(loaded.api_tokens[1].token.expose(), "dashboard-token-0123456789");

    // A bad line in the file is placed on its line; a bad scope on its key; neither prints a token.
    ws.write("api-tokens", "office:read:office-token-0123456789\nclerk:admin:clerk-token-0123456789\n");
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    std::fs::write(ws.config_path(), text.replacen("scope = \"read\"", "scope = \"reader\"", 1)).expect("write");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    let scope_line = line_of(&ws, "scope = \"reader\"");
    assert!(out.stderr.contains(&format!("petition-watch.toml:{scope_line}: http.tokens[1].scope")), "{}", out.stderr);
    assert!(!out.stderr.contains("token-0123456789"), "{}", out.stderr);
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    std::fs::write(ws.config_path(), text.replacen("scope = \"reader\"", "scope = \"read\"", 1)).expect("write");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("api-tokens:2: http.tokens_file: the scope of \"clerk\" is \"admin\""),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("clerk-token"), "{}", out.stderr);
}

#[test]
fn a_listen_address_and_a_body_limit_are_checked() {
    let ws = edited("listen = \"\"", "listen = \"localhost-8080\"\nmax_body_bytes = 10\n");
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    std::fs::write(ws.config_path(), text.replacen("max_body_bytes = 1048576\n", "", 1)).expect("write");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    let line = line_of(&ws, "localhost-8080");
    assert!(
        out.stderr.contains(&format!("petition-watch.toml:{line}: http.listen: \"localhost-8080\" is not an address")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("http.max_body_bytes: must be at least 1024 bytes"), "{}", out.stderr);
}

/// A secret put in the wrong place is never echoed (DESIGN §3): a literal password where a
/// secret reference belongs, a secret in an environment override of another key, a mistyped
/// database URL with its password — `check` names the key and says what is wrong, without it.
#[test]
fn a_secret_put_in_the_wrong_place_is_never_echoed() {
    let secret = "Hunter2-s3cret-value";
    let literal = edited("password = { env = \"PETITION_WATCH_SMTP_PASSWORD\" }", &format!("password = \"{secret}\""));
    let timeout = edited("timeout = \"30s\"", &format!("timeout = \"{secret}\""));
    let plain = Workspace::new();
    for (ws, env, key) in [
        (&literal, vec![], "channels.mail.password"),
        (&timeout, vec![], "timeout"),
        (&plain, vec![("PETITION_WATCH_CHANNELS__MAIL__PASSWORD", secret.to_owned())], "channels.mail.password"),
        (&plain, vec![("PETITION_WATCH_DELIVERY__JITTER", secret.to_owned())], "delivery.jitter"),
        (&plain, vec![("DATABASE_URL", format!("postgress://pw:{secret}@db.example:5432/x"))], "database.url"),
        (&plain, vec![("DATABASE_URL", format!("postgres:/pw:{secret}@db.example/x"))], "database.url"),
    ] {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let out = run_binary(ws.dir.path(), &ws.config_path(), &["check"], &env);
        assert_ne!(out.code, 0, "{env:?}: {out:?}");
        assert!(out.stderr.contains(key), "{key} named: {}", out.stderr);
        assert!(!out.stderr.contains(secret) && !out.stdout.contains(secret), "{key} echoed the secret: {out:?}");
    }
}

/// SMTP AUTH without encryption to another machine is refused by `check` unless asked for by
/// name (`allow_plaintext_auth`); to this machine's relay it is fine.
#[test]
fn plain_text_smtp_auth_to_another_host_needs_an_explicit_opt_in() {
    let base = "[channels.mail]\nkind = \"smtp\"\nenabled = false\nhost = \"smtp.example.gov.cn\"\nport = 587\nsecurity = \"starttls\"\n\
                # Only with security = \"none\" to a relay on a trusted network: AUTH without encryption.\n\
                allow_plaintext_auth = false";
    let env = [("PETITION_WATCH_SMTP_PASSWORD", "pw-for-the-test")];
    for (to, code) in [
        (
            "[channels.mail]\nkind = \"smtp\"\nenabled = true\nhost = \"smtp.example.gov.cn\"\nport = 25\nsecurity = \"none\"",
            1,
        ),
        (
            "[channels.mail]\nkind = \"smtp\"\nenabled = true\nhost = \"smtp.example.gov.cn\"\nport = 25\nsecurity = \"none\"\nallow_plaintext_auth = true",
            0,
        ),
        ("[channels.mail]\nkind = \"smtp\"\nenabled = true\nhost = \"127.0.0.1\"\nport = 25\nsecurity = \"none\"", 0),
        (
            "[channels.mail]\nkind = \"smtp\"\nenabled = true\nhost = \"smtp.example.gov.cn\"\nport = 587\nsecurity = \"starttls\"",
            0,
        ),
    ] {
        let ws = edited(base, to);
        let out = run_binary(ws.dir.path(), &ws.config_path(), &["check"], &env);
        assert_eq!(out.code, code, "{to}: {out:?}");
        if code == 1 {
            assert!(
                out.stderr.contains("channels.mail.security: \"none\" would send the password unencrypted"),
                "{}",
                out.stderr
            );
        }
    }
}

#[test]
fn check_fails_on_a_secret_run_would_refuse_a_leader_no_channel_reaches_and_a_day_that_never_comes() {
    // A webhook key that is not a Standard Webhooks secret.
    let ws = Workspace::new();
    let key = ws.write("webhook.key", "not-a-key!!");
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    let at = text.find("kind = \"webhook\"").expect("webhook channel");
    let (head, tail) = text.split_at(at);
    let tail = tail.replacen("enabled = false", "enabled = true", 1).replacen(
        "/run/secrets/petition-watch-webhook",
        key.to_str().expect("path"),
        1,
    );
    std::fs::write(ws.config_path(), format!("{head}{tail}")).expect("config");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("channels.county-system: `run` would refuse it"), "{}", out.stderr);
    assert!(out.stderr.contains("not a Standard Webhooks secret"), "{}", out.stderr);

    // The party secretary reached only by the disabled mail channel.
    let ws = edited(
        "email = \"wangjianguo@example.gov.cn\"",
        "email = \"wangjianguo@example.gov.cn\"\nchannels = [\"mail\"]",
    );
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("people[0]: `wang-jianguo` (王建国) is the party secretary"), "{}", out.stderr);
    assert!(out.stderr.contains("mail is disabled"), "{}", out.stderr);

    // 31 February never comes.
    let ws = edited("schedule = \"0 0 9 1 * *\"", "schedule = \"0 0 9 31 2 *\"");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    let line = line_of(&ws, "0 0 9 31 2 *");
    assert!(out.stderr.contains(&format!(":{line}: jobs.monthly_screening.schedule")), "{}", out.stderr);
    assert!(out.stderr.contains("can never fire"), "{}", out.stderr);
}

#[test]
fn a_time_zone_that_is_not_one_is_refused_on_its_line() {
    let ws = edited("time_zone = \"Asia/Shanghai\"", "time_zone = \"Asia/Shanghia\"");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    let line = line_of(&ws, "Asia/Shanghia");
    assert!(
        out.stderr.contains(&format!(":{line}: township.time_zone: \"Asia/Shanghia\" is not an IANA time zone")),
        "{}",
        out.stderr
    );
}

#[test]
fn a_quiet_hour_that_is_not_a_time_is_refused_on_its_line() {
    let ws = edited("quiet_hours_start = \"21:00\"", "quiet_hours_start = \"9pm\"");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    let line = line_of(&ws, "9pm");
    assert!(
        out.stderr.contains(&format!(":{line}: delivery.quiet_hours_start: \"9pm\" is not a time like \"21:00\"")),
        "{}",
        out.stderr
    );
}

#[test]
fn action_links_need_an_http_address_and_a_long_enough_key() {
    // Not an address.
    let ws = edited("public_url = \"\"", "public_url = \"xf.example.gov.cn\"");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    let line = line_of(&ws, "public_url = \"xf.example");
    assert!(
        out.stderr.contains(&format!(":{line}: http.public_url: \"xf.example.gov.cn\" is not an address")),
        "{}",
        out.stderr
    );

    // An address with what a link in HTML or Markdown cannot hold, or without a host.
    for bad in ["https://xf.example.gov.cn/a'b", "https://xf.example.gov.cn/(x)", "https:///path"] {
        let ws = edited("public_url = \"\"", &format!("public_url = \"{bad}\""));
        let out = ws.run(&["check"]);
        assert_eq!(out.code, 1, "{bad}: {out:?}");
        assert!(out.stderr.contains("http.public_url:") && out.stderr.contains("is not an address"), "{}", out.stderr);
    }

    // An address, but nothing to sign with.
    let ws = edited("public_url = \"\"", "public_url = \"https://xf.example.gov.cn/\"");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("http.public_url: action links need a key"), "{}", out.stderr);

    // A key too short, then an unset variable: each named on its line, the value never shown.
    let ws = edited(
        "public_url = \"\"\n",
        "public_url = \"https://xf.example.gov.cn/\"\nlink_keys = [{ env = \"SHORT_KEY\" }, { env = \"UNSET_LINK_KEY\" }]\n",
    );
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    std::fs::write(ws.config_path(), text.replacen("link_keys = []\n", "", 1)).expect("write");
    let out = run_binary(ws.dir.path(), &ws.config_path(), &["check"], &[("SHORT_KEY", "tiny-secret-value")]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("http.link_keys[0]: is 17 bytes; a link key needs at least 32"), "{}", out.stderr);
    assert!(out.stderr.contains("http.link_keys[1]: environment variable UNSET_LINK_KEY is not set"), "{}", out.stderr);
    assert!(!out.stderr.contains("tiny-secret-value"), "{}", out.stderr);

    // A good key: the config loads with its links, the trailing slash dropped.
    let key = "k".repeat(40);
    let loaded = petition_watch::config::load(
        &ws.config_path(),
        &[("SHORT_KEY".into(), key.clone()), ("UNSET_LINK_KEY".into(), key)],
        crate::helpers::today(),
    )
    .unwrap_or_else(|e| panic!("loads: {e}"));
    let links = loaded.settings.links.expect("links");
    assert_eq!((links.public_url.as_str(), links.key_bytes().len()), ("https://xf.example.gov.cn", 2));
}

#[test]
fn the_offices_day_must_end_after_it_starts_and_an_ack_needs_an_hour() {
    let ws = edited("office_closes = \"17:30\"", "office_closes = \"08:00\"");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("escalation.office_closes: 08:00 is not after office_opens = 08:30"), "{}", out.stderr);
    let ws = edited("ack_working_hours = 4", "ack_working_hours = 0");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("escalation.ack_working_hours: must be at least 1 working hour"), "{}", out.stderr);
    let ws = edited("office_opens = \"08:30\"", "office_opens = \"8.30\"");
    let out = ws.run(&["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("\"8.30\" is not a time like \"21:00\""), "{}", out.stderr);
}
