//! petition-watch side by side with Prometheus Alertmanager on this machine, and the mail
//! channel against postfix's smtp-sink.
//!
//! `cargo bench --bench versus` (needs `prometheus-alertmanager` and `postfix` from Debian:
//! `apt-get install prometheus-alertmanager postfix`; a missing one is reported and skipped).
//!
//! 1. Idle: each daemon started with nothing to do; RSS after 10 s (petition-watch: the shipped
//!    config with its jobs and channels, 100,000 cases in its SQLite file).
//! 2. Webhooks: the same receiver on 127.0.0.1 (a minimal axum server in this process) gets
//!    - from Alertmanager: 10,000 distinct alerts posted one per request to its API
//!      (`group_by: ['...']`, `group_wait: 0s`, so each alert is one webhook POST);
//!    - from petition-watch: 10,000 notices in its outbox when the daemon (`run`) starts, with
//!      `workers = 4` and again with the shipped `workers = 16`.
//!      Time from the first alert posted / the daemon started until the last one arrives, the
//!      rate, p50/p99 from enqueue to receipt, and peak RSS (VmHWM) of each process.
//! 3. Mail: 10,000 messages from the outbox to `smtp-sink` (plain SMTP on 127.0.0.1) with 1 and
//!    4 connections, messages/second.
//!
//! Environment: VERSUS_N (10000), VERSUS_CASES (100000).

#[path = "support/mod.rs"]
mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{binary, config, memory, notices, prefill, start};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;

/// What the receiver saw: (arrival, id) per POST.
#[derive(Default)]
struct Seen {
    hits: Vec<(Instant, String)>,
}

async fn receive(State(seen): State<Arc<Mutex<Seen>>>, headers: HeaderMap, body: Bytes) -> &'static str {
    let id = match headers.get("webhook-id").and_then(|v| v.to_str().ok()) {
        Some(id) => id.to_owned(),
        None => serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["alerts"][0]["labels"]["n"].as_str().map(str::to_owned))
            .unwrap_or_default(),
    };
    if let Ok(mut seen) = seen.lock() {
        seen.hits.push((Instant::now(), id));
    }
    "ok"
}

async fn receiver() -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let app = Router::new().route("/{*path}", post(receive)).with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), seen)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port()
}

/// CPU seconds (user + system) a process has used.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

async fn wait_for(seen: &Arc<Mutex<Seen>>, n: usize, limit: Duration) -> Option<Instant> {
    let start = Instant::now();
    loop {
        if let Ok(s) = seen.lock() {
            let ids: std::collections::HashSet<&str> = s.hits.iter().map(|(_, id)| id.as_str()).collect();
            if ids.len() >= n {
                return s.hits.iter().map(|(t, _)| *t).max();
            }
        }
        if start.elapsed() > limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

struct Run {
    seconds: f64,
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    peak_mib: f64,
    duplicates: usize,
}

fn latencies(seen: &Seen, started: &std::collections::HashMap<String, Instant>) -> (f64, f64, usize) {
    let mut first: std::collections::HashMap<&str, Instant> = std::collections::HashMap::new();
    let mut duplicates = 0;
    for (at, id) in &seen.hits {
        if first.insert(id.as_str(), *at).is_some() {
            duplicates += 1;
        }
    }
    let mut ms: Vec<f64> = first
        .iter()
        .filter_map(|(id, at)| started.get(*id).map(|s| at.duration_since(*s).as_secs_f64() * 1000.0))
        .collect();
    ms.sort_by(f64::total_cmp);
    (percentile(&ms, 0.5), percentile(&ms, 0.99), duplicates)
}

fn stop(mut child: Child) {
    common::stop_child(&mut child);
}

/// Samples a process's RSS until `done` is set; returns the highest.
fn sample_peak(pid: u32, done: Arc<std::sync::atomic::AtomicBool>) -> std::thread::JoinHandle<f64> {
    std::thread::spawn(move || {
        let mut peak: f64 = 0.0;
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            peak = peak.max(memory(pid).0);
            std::thread::sleep(Duration::from_millis(10));
        }
        peak.max(memory(pid).1)
    })
}

async fn alertmanager(n: usize, dir: &Path) -> Option<(f64, f64, Run)> {
    let am = ["/usr/bin/prometheus-alertmanager", "/usr/bin/alertmanager"].into_iter().find(|p| Path::new(p).exists());
    let Some(am) = am else {
        eprintln!("SKIPPED Alertmanager: apt-get install prometheus-alertmanager");
        return None;
    };
    let (url, seen) = receiver().await;
    let config = dir.join("alertmanager.yml");
    std::fs::write(
        &config,
        format!(
            "route:\n  receiver: hook\n  group_by: ['...']\n  group_wait: 0s\n  group_interval: 1m\n  repeat_interval: 24h\n\
             receivers:\n  - name: hook\n    webhook_configs:\n      - url: {url}/am\n        send_resolved: false\n"
        ),
    )
    .expect("config");
    let port = free_port();
    let child = Command::new(am)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.path={}", dir.join("am-data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .arg("--log.level=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("alertmanager starts");
    let pid = child.id();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if client.get(format!("{base}/-/ready")).send().await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(10)).await;
    let (idle, _) = memory(pid);
    let idle_cpu = cpu_seconds(pid);

    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = sample_peak(pid, Arc::clone(&done));
    let begin = Instant::now();
    let started = Arc::new(Mutex::new(std::collections::HashMap::new()));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let posters: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            let base = base.clone();
            let started = Arc::clone(&started);
            let next = Arc::clone(&next);
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if i >= n {
                        return;
                    }
                    let id = format!("a{i}");
                    let alert = serde_json::json!([{
                        "labels": {"alertname": "CaseOverdue", "n": id, "leader": format!("p{}", i % 50)},
                        "annotations": {"summary": "这是一条性能测试消息。"},
                    }]);
                    if let Ok(mut s) = started.lock() {
                        s.insert(id, Instant::now());
                    }
                    let _ = client.post(format!("{base}/api/v2/alerts")).json(&alert).send().await;
                }
            })
        })
        .collect();
    for p in posters {
        let _ = p.await;
    }
    let last = wait_for(&seen, n, Duration::from_secs(300)).await;
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let peak = sampler.join().unwrap_or(0.0);
    stop(child);
    let last = last?;
    let seconds = last.duration_since(begin).as_secs_f64();
    let started = started.lock().map(|s| s.clone()).unwrap_or_default();
    let guard = seen.lock().ok()?;
    let (p50, p99, duplicates) = latencies(&guard, &started);
    drop(guard);
    Some((
        idle,
        idle_cpu,
        Run { seconds, rate: n as f64 / seconds, p50_ms: p50, p99_ms: p99, peak_mib: peak, duplicates },
    ))
}

async fn petition_watch_idle(binary: &Path, dir: &Path, cases: usize) -> (f64, f64) {
    let db = dir.join("idle.db");
    prefill(&db, cases, &[]).await;
    let config =
        config(dir, &db, "", &[("default_channels = [\"mail\", \"outbox\"]", "default_channels = [\"outbox\"]")]);
    let child = start(binary, &config, dir, &["run"]);
    let pid = child.id();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let (rss, _) = memory(pid);
    let cpu0 = cpu_seconds(pid);
    tokio::time::sleep(Duration::from_secs(60)).await;
    let cpu = cpu_seconds(pid) - cpu0;
    let (rss_after, _) = memory(pid);
    stop(child);
    (rss.max(rss_after), cpu)
}

async fn petition_watch_webhook(binary: &Path, dir: &Path, n: usize, workers: usize) -> Run {
    let (url, seen) = receiver().await;
    let db = dir.join(format!("hook-{workers}.db"));
    let secret = dir.join("hook.key");
    std::fs::write(&secret, "whsec_dGVzdC1rZXktZm9yLWJlbmNobWFya3MtMDEyMzQ1Ng==").expect("key");
    let channels = format!(
        "[channels.hook]\nkind = \"webhook\"\ngroup = true\nurl = \"{url}/pw\"\nkey = {{ file = {:?} }}\ntimeout = \"5s\"\n",
        secret.display().to_string()
    );
    let config = config(
        dir,
        &db,
        &channels,
        &[
            ("default_channels = [\"mail\", \"outbox\"]", "default_channels = [\"hook\"]"),
            ("workers = 16", &format!("workers = {workers}")),
        ],
    );
    let batch = notices(n, "hook", "versus");
    prefill(&db, 0, &batch).await;
    let begin = Instant::now();
    // `start` waits half a second to see the daemon stay up: off the runtime's threads, so the
    // receiver keeps both while the notices arrive (Alertmanager is started before its clock).
    let child = tokio::task::block_in_place(|| start(binary, &config, dir, &["run"]));
    let pid = child.id();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = sample_peak(pid, Arc::clone(&done));
    let last = wait_for(&seen, n, Duration::from_secs(300)).await.expect("every notice arrives");
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let peak = sampler.join().unwrap_or(0.0);
    stop(child);
    let seconds = last.duration_since(begin).as_secs_f64();
    let started: std::collections::HashMap<String, Instant> = batch.iter().map(|b| (b.id.clone(), begin)).collect();
    let (p50, p99, duplicates) = latencies(&seen.lock().expect("seen"), &started);
    Run { seconds, rate: n as f64 / seconds, p50_ms: p50, p99_ms: p99, peak_mib: peak, duplicates }
}

async fn mail(binary: &Path, dir: &Path, n: usize, connections: usize) -> Option<f64> {
    let sink = "/usr/sbin/smtp-sink";
    if !Path::new(sink).exists() {
        eprintln!("SKIPPED smtp-sink: apt-get install postfix");
        return None;
    }
    let port = free_port();
    let mut command = Command::new(sink);
    if std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout == b"0\n") {
        command.args(["-u", "nobody"]);
    }
    let mut child = command
        .arg(format!("127.0.0.1:{port}"))
        .arg("1024")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let db = dir.join(format!("mail-{connections}.db"));
    let channels = format!(
        "[channels.mail]\nkind = \"smtp\"\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nfrom = \"xinfang@example.gov.cn\"\n\
         from_name = \"示例镇信访办\"\ntimeout = \"10s\"\nconnections = {connections}\n"
    );
    let config = config(
        dir,
        &db,
        &channels,
        &[
            ("default_channels = [\"mail\", \"outbox\"]", "default_channels = [\"mail\"]"),
            ("workers = 16", &format!("workers = {connections}")),
        ],
    );
    prefill(&db, 0, &notices(n, "mail", "versus")).await;
    let begin = Instant::now();
    let status = Command::new(binary)
        .arg("--config")
        .arg(&config)
        .args(["notices", "deliver"])
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .status()
        .expect("deliver");
    let seconds = begin.elapsed().as_secs_f64();
    let _ = child.kill();
    let _ = child.wait();
    status.success().then_some(n as f64 / seconds)
}

fn main() {
    let n: usize = std::env::var("VERSUS_N").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let cases: usize = std::env::var("VERSUS_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let binary = binary();
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let (pw_idle, pw_idle_cpu) = petition_watch_idle(&binary, dir.path(), cases).await;
        println!("petition-watch idle ({cases} cases): RSS {pw_idle:.1} MiB, CPU {pw_idle_cpu:.2} s over 60 s");
        let am = alertmanager(n, dir.path()).await;
        let runs = [4, 16].map(|workers| (workers, petition_watch_webhook(&binary, dir.path(), n, workers)));
        let mut pw = Vec::new();
        for (workers, run) in runs {
            pw.push((workers, run.await));
        }
        if let Some((am_idle, _, am)) = &am {
            println!("Alertmanager idle: RSS {am_idle:.1} MiB");
            println!(
                "Alertmanager: {n} alerts in {:.2} s = {:.0}/s, p50 {:.0} ms, p99 {:.0} ms, peak RSS {:.1} MiB, duplicates {}",
                am.seconds, am.rate, am.p50_ms, am.p99_ms, am.peak_mib, am.duplicates
            );
        }
        for (workers, pw) in &pw {
            println!(
                "petition-watch ({workers} workers): {n} notices in {:.2} s = {:.0}/s, p50 {:.0} ms, p99 {:.0} ms, peak RSS {:.1} MiB, duplicates {}",
                pw.seconds, pw.rate, pw.p50_ms, pw.p99_ms, pw.peak_mib, pw.duplicates
            );
            if let Some((am_idle, _, am)) = &am {
                println!(
                    "ratios ({workers} workers; petition-watch / Alertmanager): idle RSS {:.2}, webhook rate {:.2}, peak RSS {:.2}",
                    pw_idle / am_idle,
                    pw.rate / am.rate,
                    pw.peak_mib / am.peak_mib
                );
            }
        }
        for connections in [1, 4] {
            if let Some(rate) = mail(&binary, dir.path(), n, connections).await {
                println!("mail to smtp-sink, {connections} connection(s): {n} messages at {rate:.0}/s");
            }
        }
    });
}
