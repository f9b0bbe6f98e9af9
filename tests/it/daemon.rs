//! The daemon: catch-up after downtime (once, not once per missed firing), exactly-once firings
//! across replicas on PostgreSQL, and a clean stop on SIGTERM.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use petition_watch::store::RunRecord;

use crate::delivery::{http_channels, workspace};
use crate::helpers::{PgDatabase, open};
use crate::receiver::Receiver;

fn shanghai(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::DateTime<Utc> {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("instant").with_timezone(&Utc)
}

pub async fn runs(url: &str, job: &str) -> Vec<(String, String)> {
    use sqlx::Row;
    let pool = sqlx::SqlitePool::connect(url).await.expect("sqlite");
    let rows =
        sqlx::query("SELECT CAST(scheduled_for AS TEXT), status FROM job_runs WHERE job = $1 ORDER BY scheduled_for")
            .bind(job)
            .fetch_all(&pool)
            .await
            .expect("job runs")
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
            .collect();
    pool.close().await;
    rows
}

/// Starts the daemon in this process at `now`, lets it settle (catch up, deliver), stops it.
async fn daemon_at(ws: &crate::helpers::Workspace, now: chrono::DateTime<Utc>, settle: Duration) {
    let app = crate::helpers::TestApp::spawn(ws, now, false).await;
    tokio::time::sleep(settle).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_firing_missed_while_down_is_caught_up_once_not_once_per_missed_firing() {
    let ws = workspace("", &["outbox"]);
    let loaded = ws.load();
    let url = loaded.config.database.url.clone();
    let store = open(&url).await;
    crate::helpers::import_sample(&store, &loaded).await;
    // The daemon last ran the deadline watch on Tuesday 2026-11-24, then was down until Friday 10:00.
    let last = RunRecord {
        job: "deadline_watch".into(),
        scheduled_for: shanghai(2026, 11, 24, 8, 30),
        claimed_by: "earlier".into(),
    };
    assert!(
        store
            .claim_run(&last, last.scheduled_for, last.scheduled_for + chrono::Duration::minutes(2))
            .await
            .expect("claim")
    );
    store.complete_run(&last, 0, &[], &[], last.scheduled_for).await.expect("complete");
    store.close().await;

    daemon_at(&ws, shanghai(2026, 11, 27, 10, 0), Duration::from_secs(3)).await;
    let after_first = runs(&url, "deadline_watch").await;
    assert_eq!(after_first.len(), 2, "one catch-up for Wed, Thu and Fri missed: {after_first:?}");
    assert!(after_first[1].0.starts_with("2026-11-27T00:30:00"), "the latest missed firing: {after_first:?}");
    assert_eq!(after_first[1].1, "done");
    assert!(std::fs::read_dir(ws.path("outbox")).expect("outbox").count() > 0, "its notices were delivered");
    // The monthly screening never ran here before: a fresh install does not catch up on it.
    assert!(runs(&url, "monthly_screening").await.is_empty());

    // Restarted the same morning: nothing more to catch up.
    daemon_at(&ws, shanghai(2026, 11, 27, 10, 5), Duration::from_secs(2)).await;
    assert_eq!(runs(&url, "deadline_watch").await, after_first);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_firing_whose_claimant_was_killed_before_recording_it_runs_after_the_restart() {
    let ws = workspace("", &["outbox"]);
    let loaded = ws.load();
    let url = loaded.config.database.url.clone();
    let store = open(&url).await;
    crate::helpers::import_sample(&store, &loaded).await;
    // The monthly screening of 2026-12-01 was claimed at 09:00 by a process killed before it
    // recorded the run (kill -9 mid-screening): no notices, the claim left "running".
    let firing = shanghai(2026, 12, 1, 9, 0);
    let dead = RunRecord { job: "monthly_screening".into(), scheduled_for: firing, claimed_by: "killed:4242".into() };
    assert!(store.claim_run(&dead, firing, firing + chrono::Duration::minutes(2)).await.expect("claim"));
    store.close().await;

    daemon_at(&ws, shanghai(2026, 12, 1, 9, 30), Duration::from_secs(3)).await;
    let after = runs(&url, "monthly_screening").await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].1, "done", "the restarted daemon took the firing over and ran it: {after:?}");
    let delivered = std::fs::read_dir(ws.path("outbox")).expect("outbox").count();
    assert!(delivered > 0, "its notices were delivered");

    // Restarted again: the firing is done, nothing runs twice.
    daemon_at(&ws, shanghai(2026, 12, 1, 9, 40), Duration::from_secs(2)).await;
    assert_eq!(runs(&url, "monthly_screening").await, after);
    assert_eq!(std::fs::read_dir(ws.path("outbox")).expect("outbox").count(), delivered);
}

/// The shipped config with only the deadline watch on, firing on `spec` every day.
pub fn only_the_deadline_watch(config: &str, spec: &str) -> String {
    let mut config = config.to_owned();
    for job in ["monthly_screening", "quarterly_supervision", "pre_event_sweep", "duty_roster"] {
        config = config.replacen(&format!("[jobs.{job}]\n"), &format!("[jobs.{job}]\nenabled = false\n"), 1);
    }
    let shipped = "schedule = \"0 30 8 * * *\"\non_non_working_day = \"skip\"";
    assert!(config.contains(shipped), "the shipped deadline watch");
    let config = config.replace(shipped, &format!("schedule = \"{spec}\"\non_non_working_day = \"run\""));
    config.replacen("enabled = true\n", "", 5)
}

#[tokio::test(flavor = "multi_thread")]
async fn three_replicas_on_postgresql_run_each_firing_once_and_stop_on_sigterm() {
    let Some(db) = PgDatabase::create().await else { return };
    let receiver = Receiver::start().await;
    let ws = workspace("", &["hook"]);
    let config = std::fs::read_to_string(ws.config_path()).expect("config") + &http_channels(&ws, &receiver, "");
    // Every second, every day; the other jobs off.
    let config = config.replace(&format!("sqlite://{}/pw.db", ws.dir.path().display()), &db.url);
    std::fs::write(ws.config_path(), only_the_deadline_watch(&config, "* * * * * *")).expect("config");
    let loaded = ws.load();
    assert!(
        !loaded.config.jobs.monthly_screening.enabled
            && loaded.config.jobs.deadline_watch.schedule.as_str() == "* * * * * *"
    );
    let store = open(&db.url).await;
    crate::helpers::import_sample(&store, &loaded).await;

    let started = Utc::now();
    let logs: Vec<std::path::PathBuf> = (0..3).map(|i| ws.path(&format!("daemon-{i}.log"))).collect();
    let addresses: Vec<String> = (0..3)
        .map(|_| {
            let port =
                std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
            format!("127.0.0.1:{port}")
        })
        .collect();
    let mut daemons: Vec<std::process::Child> = logs
        .iter()
        .zip(&addresses)
        .map(|(log, address)| crate::helpers::spawn_listening_daemon(&ws, address, Some(log)))
        .collect();
    // A minute of firings every second (the test); the other tests run meanwhile.
    tokio::time::sleep(Duration::from_secs(60)).await;
    // Each replica is ready, and their metrics add up to the firings run between them.
    let client = reqwest::Client::new();
    let mut fired_here = 0.0;
    for address in &addresses {
        let ready = client.get(format!("http://{address}/readyz")).send().await.expect("readyz");
        assert_eq!(ready.status(), 200, "{address} ready");
        let text =
            client.get(format!("http://{address}/metrics")).send().await.expect("metrics").text().await.expect("text");
        fired_here += text
            .lines()
            .filter(|l| l.starts_with("petition_watch_job_firings_total{") && l.contains("job=\"deadline_watch\""))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>();
    }
    let counted_then: i64 = {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("pg");
        let n = sqlx::query_scalar("SELECT COUNT(*) FROM job_runs").fetch_one(&pool).await.expect("count");
        pool.close().await;
        n
    };
    // Firings go on between the scrapes and the count: the sum lies within a few of it.
    assert!((fired_here - counted_then as f64).abs() <= 6.0, "metrics {fired_here} vs job_runs {counted_then}");
    for daemon in &daemons {
        let status =
            std::process::Command::new("kill").arg("-TERM").arg(daemon.id().to_string()).status().expect("kill");
        assert!(status.success());
    }
    let stop_started = std::time::Instant::now();
    for (daemon, log) in daemons.iter_mut().zip(&logs) {
        let status = loop {
            if let Some(status) = daemon.try_wait().expect("poll") {
                break status;
            }
            assert!(stop_started.elapsed() < Duration::from_secs(30), "daemon did not stop within 30 s of SIGTERM");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let stderr = std::fs::read_to_string(log).unwrap_or_default();
        assert!(status.success(), "exit 0 on SIGTERM: {status}\n{stderr}");
    }
    let stopped = Utc::now();

    use sqlx::Row;
    let pool = sqlx::PgPool::connect(&db.url).await.expect("pg");
    let rows = sqlx::query("SELECT scheduled_for, status, claimed_by FROM job_runs WHERE job = 'deadline_watch'")
        .fetch_all(&pool)
        .await
        .expect("runs");
    let firings: Vec<chrono::DateTime<Utc>> = rows.iter().map(|r| r.get(0)).collect();
    assert!(firings.len() >= 50, "a firing each second for a minute: {}", firings.len());
    let seconds = (stopped - started).num_seconds() + 2;
    assert!(firings.len() as i64 <= seconds, "no firing ran twice under two names: {} in {seconds} s", firings.len());
    assert!(firings.iter().all(|f| f.timestamp_subsec_nanos() == 0), "firings are whole seconds: {firings:?}");
    assert!(rows.iter().all(|r| r.get::<String, _>(1) == "done"), "every claimed firing completed");
    assert!(firings.iter().all(|f| *f >= started - chrono::Duration::seconds(1) && *f <= stopped));
    let claimants: std::collections::BTreeSet<String> = rows.iter().map(|r| r.get(2)).collect();
    assert!(claimants.len() >= 2, "the replicas shared the firings: {claimants:?}");
    // Each notice to the webhook went out once (the administrators' own notices, such as the
    // weekly word that next year's holiday schedule is missing, go by their channels).
    let notices: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE channel = 'hook'").fetch_one(&pool).await.expect("count");
    let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE channel = 'hook' AND status = 'sent'")
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    let mut ids: Vec<String> = receiver.hits().into_iter().filter_map(|h| h.webhook_id).collect();
    let arrived = ids.len();
    ids.sort();
    ids.dedup();
    assert!(notices > 0 && sent == notices, "{sent} of {notices} sent");
    assert_eq!((arrived, ids.len()), (notices as usize, notices as usize), "each notice arrived once");
    store.close().await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_config_on_sighup_is_refused_and_a_good_one_is_taken() {
    let ws = workspace("", &["outbox"]);
    let good = std::fs::read_to_string(ws.config_path()).expect("config");
    let log = ws.path("daemon.log");
    let mut daemon = std::process::Command::new(env!("CARGO_BIN_EXE_petition-watch"))
        .current_dir(ws.dir.path())
        .arg("--config")
        .arg(ws.config_path())
        .args(["--log-format", "json", "run"])
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("daemon starts");
    let pid = daemon.id().to_string();
    let signal = |name: &str| {
        let status = std::process::Command::new("kill").arg(format!("-{name}")).arg(&pid).status();
        assert!(status.expect("kill").success());
    };
    let wait_for = |needle: &str| {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.contains(needle) {
                return text;
            }
            assert!(std::time::Instant::now() < deadline, "no {needle:?} in the log:\n{text}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    wait_for("daemon started");
    std::fs::write(ws.config_path(), good.replace("schedule = \"0 30 8 * * *\"", "schedule = \"30 8 * * *\""))
        .expect("broken");
    signal("HUP");
    let text = wait_for("reload refused");
    assert!(text.contains("has 5 fields"), "the reason is logged: {text}");
    assert!(daemon.try_wait().expect("poll").is_none(), "still running on the old config");
    std::fs::write(ws.config_path(), good.replace("schedule = \"0 30 8 * * *\"", "schedule = \"0 45 8 * * *\""))
        .expect("good");
    signal("HUP");
    let text = wait_for("config reloaded");
    assert!(text.contains(" 08:45\""), "the deadline watch's next firing moved to 08:45: {text}");
    signal("TERM");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = daemon.try_wait().expect("poll") {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "did not stop");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success());
    assert!(wait_for("stopped").contains("finishing the delivery in progress"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daemon_answers_health_checks_when_asked_to_listen() {
    let ws = workspace("", &["outbox"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
    let address = format!("127.0.0.1:{port}");
    let mut daemon = std::process::Command::new(env!("CARGO_BIN_EXE_petition-watch"))
        .current_dir(ws.dir.path())
        .arg("--config")
        .arg(ws.config_path())
        .args(["run", "--listen", &address])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("daemon starts");
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let health = loop {
        match client.get(format!("http://{address}/healthz")).send().await {
            Ok(response) => break response,
            Err(_) if std::time::Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(e) => panic!("no /healthz on {address}: {e}"),
        }
    };
    assert_eq!(health.status(), 200);
    let ready = client.get(format!("http://{address}/readyz")).send().await.expect("readyz");
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(
        (&body["database"], &body["config"], &body["scheduler"]),
        (&serde_json::json!("ok"), &serde_json::json!("loaded"), &serde_json::json!("running"))
    );
    assert_eq!(body["config_reload"]["successful"], true);
    assert_eq!(body["config_reload"]["restart_needed"], serde_json::json!([]));
    assert_eq!(client.get(format!("http://{address}/nothing")).send().await.expect("404").status(), 404);
    let status = std::process::Command::new("kill").arg("-TERM").arg(daemon.id().to_string()).status().expect("kill");
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = daemon.try_wait().expect("poll") {
            break exit;
        }
        assert!(std::time::Instant::now() < deadline, "did not stop");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(exit.success());
    assert!(client.get(format!("http://{address}/healthz")).send().await.is_err(), "the listener closed");
}

/// A refused reload is seen where administrators look (item: not only in the log): `/readyz`
/// says so with the reason, `/metrics` has `petition_watch_config_last_reload_successful 0`, the
/// administrators get a notice; a good reload puts it back to 1 and names the settings that
/// wait for a restart.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_reload_shows_in_readyz_metrics_and_a_notice_to_the_administrators() {
    let ws = workspace("", &["outbox"]);
    let address = crate::helpers::free_address();
    let good = std::fs::read_to_string(ws.config_path()).expect("config");
    let mut daemon = crate::helpers::spawn_listening_daemon(&ws, &address, None);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client");
    let get = |path: &str| {
        let (client, url) = (client.clone(), format!("http://{address}{path}"));
        async move {
            let response = client.get(url).send().await?;
            response.text().await
        }
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while get("/healthz").await.is_err() {
        assert!(std::time::Instant::now() < deadline, "the daemon did not start listening");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let gauge = |metrics: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with("petition_watch_config_last_reload_successful "))
            .and_then(|l| l.rsplit(' ').next())
            .map(str::to_owned)
    };
    assert_eq!(gauge(&get("/metrics").await.expect("metrics")).as_deref(), Some("1"));
    // The workspace has no schedule for the year after 2026: from 2026-11-01 on that is reported.
    let metrics = get("/metrics").await.expect("metrics");
    assert!(metrics.lines().any(|l| l == "petition_watch_calendar_unverified 1"), "{metrics}");
    let signal = |name: &str| {
        let status = std::process::Command::new("kill").args([&format!("-{name}"), &daemon.id().to_string()]).status();
        assert!(status.expect("kill").success());
    };
    let wait_for = |path: &'static str, needle: &'static str| {
        let get = &get;
        async move {
            let deadline = std::time::Instant::now() + Duration::from_secs(20);
            loop {
                let text = get(path).await.unwrap_or_default();
                if text.contains(needle) {
                    return text;
                }
                assert!(std::time::Instant::now() < deadline, "no {needle:?} in {path}: {text}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };

    std::fs::write(ws.config_path(), good.replace("schedule = \"0 30 8 * * *\"", "schedule = \"30 8 * * *\""))
        .expect("broken");
    signal("HUP");
    let ready = wait_for("/readyz", "reload failed").await;
    assert!(ready.contains("has 5 fields"), "the reason: {ready}");
    assert_eq!(gauge(&get("/metrics").await.expect("metrics")).as_deref(), Some("0"));
    let outbox = ws.path("outbox");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let told = loop {
        let texts: Vec<String> = std::fs::read_dir(&outbox)
            .map(|d| d.filter_map(Result::ok).filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect())
            .unwrap_or_default();
        if let Some(text) = texts.into_iter().find(|t| t.contains("xinfang@example.gov.cn")) {
            break text;
        }
        assert!(std::time::Instant::now() < deadline, "the administrators were not told");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(told.contains("zhou-xf") || told.contains("xinfang@example.gov.cn"), "{told}");

    std::fs::write(ws.config_path(), good.replace("max_body_bytes = 1048576", "max_body_bytes = 2097152"))
        .expect("good");
    signal("HUP");
    let ready = wait_for("/readyz", "\"config\":\"loaded\"").await;
    assert!(ready.contains("http.max_body_bytes"), "the setting that waits for a restart: {ready}");
    assert_eq!(gauge(&get("/metrics").await.expect("metrics")).as_deref(), Some("1"));
    signal("TERM");
    let _ = daemon.wait();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_holiday_schedule_is_told_to_the_administrators_once_a_week_from_november() {
    let ws = workspace("", &["outbox"]);
    let admin_notices = |ws: &crate::helpers::Workspace| -> Vec<String> {
        std::fs::read_dir(ws.path("outbox"))
            .map(|d| {
                d.filter_map(Result::ok).filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect::<Vec<String>>()
            })
            .unwrap_or_default()
            .into_iter()
            .map(|raw| crate::privacy::readable(&raw))
            .filter(|t: &String| t.contains("2027 年节假日安排尚未加载"))
            .collect()
    };
    // October: the 2027 schedule is not due yet.
    daemon_at(&ws, shanghai(2026, 10, 30, 10, 0), Duration::from_secs(2)).await;
    assert!(admin_notices(&ws).is_empty());
    // November: told; a restart the same week tells nobody again; the next week tells again.
    daemon_at(&ws, shanghai(2026, 11, 2, 10, 0), Duration::from_secs(2)).await;
    assert_eq!(admin_notices(&ws).len(), 1);
    daemon_at(&ws, shanghai(2026, 11, 4, 10, 0), Duration::from_secs(2)).await;
    assert_eq!(admin_notices(&ws).len(), 1, "once a week");
    daemon_at(&ws, shanghai(2026, 11, 9, 10, 0), Duration::from_secs(2)).await;
    let told = admin_notices(&ws);
    assert_eq!(told.len(), 2, "the next week again");
    assert!(told[0].contains("config/holidays/2027.toml"), "{}", told[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn moving_the_clock_onto_a_firing_runs_it_then_and_not_before() {
    let ws = workspace("", &["outbox"]);
    let loaded = ws.load();
    let store = open(&loaded.config.database.url).await;
    crate::helpers::import_sample(&store, &loaded).await;
    store.close().await;
    // Monday 2026-11-23, 08:29:59: the deadline watch fires at 08:30.
    let app =
        crate::helpers::TestApp::spawn(&ws, shanghai(2026, 11, 23, 8, 29) + chrono::Duration::seconds(59), true).await;
    let address = app.address.clone().expect("listening");
    let health = reqwest::get(format!("{address}/healthz")).await.expect("healthz");
    assert_eq!(health.status(), 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(runs(&app.url, "deadline_watch").await.is_empty(), "not before 08:30");
    app.clock.advance(chrono::Duration::seconds(1));
    let url = app.url.clone();
    let ran =
        app.until(|| async { runs(&url, "deadline_watch").await.iter().any(|(_, status)| status == "done") }).await;
    assert!(ran, "the 08:30 firing ran when the clock reached it");
    let done = runs(&app.url, "deadline_watch").await;
    assert_eq!(done.len(), 1, "{done:?}");
    assert!(done[0].0.starts_with("2026-11-23T00:30:00"), "{done:?}");
    app.stop().await;
}
