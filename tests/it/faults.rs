//! Faults: the SMTP server down for a while, the clock jumping over a firing, PostgreSQL
//! restarted under a running daemon, and the disk filling under the SQLite file.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use petition_watch::delivery::{Deliverer, Outcome};

use crate::delivery::{http_channels, planned, smtp_channel, workspace};
use crate::helpers::{Workspace, open, repo, run_binary};
use crate::receiver::Receiver;
use crate::smtp_server::SmtpServer;

fn shanghai(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("instant").with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_waits_out_an_smtp_outage_with_growing_gaps_and_all_arrives() {
    let mut server = SmtpServer::start().await;
    let ws = workspace("", &["mail"]);
    let config = std::fs::read_to_string(ws.config_path()).expect("config") + &smtp_channel(&ws, &server, "");
    std::fs::write(ws.config_path(), config).expect("config");
    let loaded = ws.load();
    let (store, planned) = planned(&ws, &loaded).await;
    let deliverer = Deliverer::new(store.clone(), &loaded).expect("deliverer");
    server.stop().await;

    // Down: every attempt fails and is put off, none is given up.
    let mut at = Utc::now() + chrono::Duration::seconds(1);
    let mut gaps = Vec::new();
    for _ in 0..3 {
        let mut retried = 0;
        let mut next = Vec::new();
        while let Some((_, outcome)) = deliverer.deliver_one(at).await.expect("deliver") {
            match outcome {
                Outcome::Retry(when) => {
                    retried += 1;
                    next.push(when);
                }
                other => panic!("while the server is down: {other:?}"),
            }
        }
        assert_eq!(retried, planned, "every notice tried once more");
        let latest = next.iter().max().copied().expect("retries");
        gaps.push((latest - at).num_seconds());
        assert!(deliverer.deliver_one(at + chrono::Duration::milliseconds(500)).await.expect("deliver").is_none());
        at = latest + chrono::Duration::seconds(1);
    }
    // The shipped schedule with a 1 s first wait (tests): 1 s, 2 min, 10 min, each ±20%.
    assert!(gaps[0] <= 2 && (90..=150).contains(&gaps[1]) && (470..=730).contains(&gaps[2]), "backoff: {gaps:?}");
    assert_eq!(server.received().len(), 0);

    // Back: everything goes out on the next attempt, once.
    server.resume().await;
    let mut sent = 0;
    while let Some((_, outcome)) = deliverer.deliver_one(at).await.expect("deliver") {
        assert_eq!(outcome, Outcome::Sent);
        sent += 1;
    }
    assert_eq!((sent, server.received().len()), (planned, planned));
    let petition_watch::store::OutboxCounts { pending, sending, sent: delivered, dead } =
        store.outbox_counts().await.expect("counts");
    assert_eq!((pending, sending, delivered, dead), (0, 0, planned as i64, 0));
}

async fn job_runs(url: &str, job: &str) -> Vec<String> {
    let pool = sqlx::SqlitePool::connect(url).await.expect("sqlite");
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(scheduled_for AS TEXT) || ' ' || status FROM job_runs WHERE job = $1 ORDER BY 1",
    )
    .bind(job)
    .fetch_all(&pool)
    .await
    .expect("runs");
    pool.close().await;
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clock_jumping_over_firings_runs_the_latest_once() {
    let ws = workspace("", &["outbox"]);
    let loaded = ws.load();
    let url = loaded.config.database.url.clone();
    let store = open(&url).await;
    crate::helpers::import_sample(&store, &loaded).await;
    store.close().await;

    // Monday 10:00: the day's firings are behind, and a new installation does not catch up.
    let app = crate::helpers::TestApp::spawn(&ws, shanghai(2026, 11, 23, 10, 0), false).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(job_runs(&url, "deadline_watch").await.is_empty(), "nothing ran at start");

    // The clock jumps to Thursday 10:00, over the Tue, Wed and Thu 08:30 firings.
    app.clock.set(shanghai(2026, 11, 26, 10, 0));
    let done =
        app.until(|| async { job_runs(&url, "deadline_watch").await.iter().any(|r| r.ends_with(" done")) }).await;
    let runs = job_runs(&url, "deadline_watch").await;
    assert!(done, "the latest firing ran: {runs:?}");
    // A second look at the clock (it is moved to the same instant) runs nothing more.
    app.clock.set(shanghai(2026, 11, 26, 10, 0));
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.stop().await;
    let after = job_runs(&url, "deadline_watch").await;
    assert_eq!(after, runs, "nothing more ran");
    assert_eq!(runs.len(), 1, "one run for the three firings jumped over: {runs:?}");
    assert!(runs[0].starts_with("2026-11-26T00:30:00"), "the latest (Thursday 08:30): {runs:?}");
}

/// A PostgreSQL server of this test's own (it is restarted; the shared one must not be).
struct PrivatePostgres {
    dir: tempfile::TempDir,
    port: u16,
    bin: std::path::PathBuf,
}

impl PrivatePostgres {
    fn start() -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .find(|b| b.join("initdb").exists());
        let Some(bin) = bin else {
            assert!(std::env::var_os("CI").is_none(), "CI needs PostgreSQL's server binaries");
            eprintln!("SKIPPED: no PostgreSQL server binaries to start a private server");
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("data dir");
        let root = std::process::Command::new("id").arg("-u").output().expect("id").stdout == b"0\n";
        if root {
            // initdb refuses root: the server runs as postgres.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
            let ok = std::process::Command::new("chown").arg("postgres:").arg(&data).status().expect("chown");
            assert!(ok.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
        let server = Self { dir, port, bin };
        server.run("initdb", &["-D", &server.data(), "-U", "root", "-A", "trust", "-E", "UTF8", "--no-sync"]);
        server.ctl("start");
        Some(server)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let root = std::process::Command::new("id").arg("-u").output().expect("id").stdout == b"0\n";
        let program = self.bin.join(tool);
        let mut command = if root {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            std::process::Command::new(program)
        };
        let out = command.args(args).output().expect("runs");
        assert!(out.status.success(), "{tool} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn ctl(&self, action: &str) {
        let options =
            format!("-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off", self.port);
        let log = format!("{}/server.log", self.data());
        self.run("pg_ctl", &["-D", &self.data(), "-l", &log, "-o", &options, "-m", "fast", "-w", action]);
    }

    fn url(&self) -> String {
        format!("postgres://root@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.ctl("stop")));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daemon_rides_out_a_postgresql_restart_and_loses_nothing() {
    let Some(pg) = PrivatePostgres::start() else { return };
    let receiver = Receiver::start().await;
    let ws = workspace("", &["hook"]);
    let config = std::fs::read_to_string(ws.config_path()).expect("config") + &http_channels(&ws, &receiver, "");
    let config = crate::daemon::only_the_deadline_watch(&config, "*/2 * * * * *");
    std::fs::write(ws.config_path(), config).expect("config");
    let url = pg.url();
    let import = run_binary(
        ws.dir.path(),
        &ws.config_path(),
        &["import", &repo().join("config/examples/register.csv").display().to_string()],
        &[("DATABASE_URL", &url)],
    );
    assert_eq!(import.code, 0, "{}", import.stderr);

    let log = ws.path("daemon.log");
    let mut daemon = std::process::Command::new(env!("CARGO_BIN_EXE_petition-watch"))
        .current_dir(ws.dir.path())
        .arg("--config")
        .arg(ws.config_path())
        .arg("run")
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("daemon starts");
    tokio::time::sleep(Duration::from_secs(5)).await;
    // Down for four seconds: two firings fall in the outage (the pool waits for the server to
    // come back, up to 30 s, before a run fails and is tried again).
    let down_at = Utc::now();
    pg.ctl("stop");
    tokio::time::sleep(Duration::from_secs(4)).await;
    pg.ctl("start");
    let restarted_at = Utc::now();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let _ = std::process::Command::new("kill").arg("-TERM").arg(daemon.id().to_string()).status();
    let status = tokio::task::spawn_blocking(move || daemon.wait()).await.expect("joined").expect("waits");
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(status.success(), "exit 0 after the restart: {status}\n{stderr}");
    let troubles: Vec<&str> = stderr.lines().filter(|l| l.contains("WARN") || l.contains("ERROR")).collect();
    eprintln!("what the daemon said about the restart:\n{}", troubles.join("\n"));

    let store = open(&url).await;
    use sqlx::Row;
    let pool = sqlx::PgPool::connect(&url).await.expect("pg");
    let rows = sqlx::query("SELECT scheduled_for, status FROM job_runs ORDER BY scheduled_for")
        .fetch_all(&pool)
        .await
        .expect("runs");
    let firings: Vec<(DateTime<Utc>, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert!(firings.iter().all(|(_, s)| s == "done"), "every firing claimed was completed: {firings:?}\n{stderr}");
    assert!(
        firings.iter().filter(|(at, _)| *at > restarted_at + chrono::Duration::seconds(3)).count() >= 2,
        "it kept firing after the restart: {firings:?}\n{stderr}"
    );
    assert!(
        firings.iter().any(|(at, _)| *at > down_at && *at < restarted_at),
        "a firing due while the database was down ran once it was back: {firings:?}\n{stderr}"
    );
    // Every notice planned was delivered (the daemon may be stopped mid-way: deliver the rest).
    let loaded = ws.load();
    let mut loaded = loaded;
    loaded.config.database.url = url.clone();
    let deliverer = Arc::new(Deliverer::new(store.clone(), &loaded).expect("deliverer"));
    deliverer.drain(Arc::new(petition_watch::clock::SystemClock)).await.expect("drain");
    let petition_watch::store::OutboxCounts { pending, sending, sent, dead } =
        store.outbox_counts().await.expect("counts");
    assert!(sent > 0 && (pending, sending, dead) == (0, 0, 0), "{pending} {sending} {sent} {dead}");
    let ids: std::collections::BTreeSet<String> = receiver.hits().iter().filter_map(|h| h.webhook_id.clone()).collect();
    // The administrators' own notices (the weekly word that a holiday schedule is missing) go
    // by their channels, not the webhook.
    let to_hook: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE channel = 'hook' AND status = 'sent'")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert!(to_hook > 0);
    assert_eq!(ids.len() as i64, to_hook, "each notice arrived (at least once)");
    pool.close().await;
    store.close().await;
}

/// Mounts a small tmpfs at `dir` (root), or returns `false` when the system refuses.
fn small_disk(dir: &std::path::Path, size: &str) -> bool {
    std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_stops_an_import_with_a_clear_error_and_no_damage() {
    let ws = Workspace::new();
    let disk = ws.path("disk");
    std::fs::create_dir(&disk).expect("disk dir");
    let mounted = small_disk(&disk, "1m");
    struct Unmount(std::path::PathBuf, bool);
    impl Drop for Unmount {
        fn drop(&mut self) {
            if self.1 {
                let _ = std::process::Command::new("umount").arg(&self.0).status();
            }
        }
    }
    let _unmount = Unmount(disk.clone(), mounted);
    let db = disk.join("pw.db");
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    let current = text.lines().find(|l| l.starts_with("url = \"sqlite://")).expect("database url").to_owned();
    std::fs::write(ws.config_path(), text.replacen(&current, &format!("url = \"sqlite://{}\"", db.display()), 1))
        .expect("config");
    let mut csv = String::from("case_no,received_on,village,category,summary\n");
    let filler = "群众反映的问题需要核实处理".repeat(12);
    for i in 0..8_000 {
        csv.push_str(&format!("DISK-{i:05},2026-10-{:02},东湖村,民政救助,{filler}{i}\n", 1 + i % 28));
    }
    let file = ws.write("big.csv", csv);
    let path = file.display().to_string();
    // Without a small file system, a file-size limit stands in for it (writes fail with EFBIG).
    let out = if mounted {
        run_binary(ws.dir.path(), &ws.config_path(), &["import", &path], &[])
    } else {
        assert!(std::env::var_os("CI").is_none(), "CI runs as root and can mount a tmpfs");
        let script = format!(
            "trap '' XFSZ; ulimit -f 2048; exec {:?} --config {:?} import {path:?}",
            env!("CARGO_BIN_EXE_petition-watch"),
            ws.config_path().display().to_string()
        );
        let out =
            std::process::Command::new("sh").arg("-c").arg(script).current_dir(ws.dir.path()).output().expect("sh");
        crate::helpers::Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    eprintln!("the import on a full disk said:\n{}{}", out.stdout, out.stderr);
    assert_eq!(out.code, 1, "the import fails: {out:?}");
    let said = format!("{}{}", out.stdout, out.stderr).to_lowercase();
    assert!(said.contains("full") || said.contains("too large"), "the error says the disk is full: {out:?}");
    assert!(!said.contains("panicked"), "{out:?}");

    // The database is whole: what was committed is there, readable, and a later import works.
    let url = format!("sqlite://{}", db.display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("sqlite opens");
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await.expect("check");
    assert_eq!(check, "ok");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases").fetch_one(&pool).await.expect("count");
    pool.close().await;
    assert!(stored < 8_000, "not everything fitted: {stored}");
    if mounted {
        let ok =
            std::process::Command::new("mount").args(["-o", "remount,size=64m"]).arg(&disk).status().expect("remount");
        assert!(ok.success());
        let again = run_binary(ws.dir.path(), &ws.config_path(), &["import", &path], &[]);
        assert_eq!(again.code, 0, "with room again the import completes: {again:?}");
        let pool = sqlx::SqlitePool::connect(&url).await.expect("sqlite opens");
        let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases").fetch_one(&pool).await.expect("count");
        assert_eq!(stored, 8_000);
        pool.close().await;
    }
}
