//! Soak: the daemon (release build, `run`) for SOAK_MINUTES (10) on an accelerated schedule
//! with SOAK_CASES (100,000) cases, delivering to a webhook receiver that fails one request in
//! ten; new notices are added to the outbox every 10 s from outside, as a second writer would.
//! Reports RSS over time, firings, deliveries, duplicates and dead notices.
//!
//! `cargo bench --bench soak` (SOAK_MINUTES=1 for a quick look)
//!
//! Schedule: the deadline watch every 10 s and the monthly screening every 60 s, each screening
//! the whole register; the other jobs off.

#[path = "support/mod.rs"]
mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::Utc;
use petition_watch::store::{Store, StoreOptions};

#[derive(Default)]
struct Receipts {
    /// Accepted deliveries per webhook-id.
    accepted: HashMap<String, usize>,
    refused: usize,
}

/// Reads the whole request before answering, as a real endpoint does (answering before the body
/// is read makes the sender's request fail after the answer was counted: a duplicate of the
/// receiver's making).
async fn receive(
    State(state): State<(Arc<Mutex<Receipts>>, Arc<AtomicU64>)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    if body.is_empty() {
        return StatusCode::BAD_REQUEST;
    }
    let (receipts, counter) = state;
    let n = counter.fetch_add(1, Ordering::SeqCst);
    let id = headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let Ok(mut r) = receipts.lock() else { return StatusCode::INTERNAL_SERVER_ERROR };
    // One request in ten fails, spread evenly.
    if n % 10 == 7 {
        r.refused += 1;
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    *r.accepted.entry(id).or_default() += 1;
    StatusCode::OK
}

fn main() {
    let minutes: u64 = std::env::var("SOAK_MINUTES").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let cases: usize = std::env::var("SOAK_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let binary = common::binary();
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let receipts = Arc::new(Mutex::new(Receipts::default()));
        let app = Router::new()
            .route("/{*path}", post(receive))
            .with_state((Arc::clone(&receipts), Arc::new(AtomicU64::new(0))))
            // Every leader's monthly notice lists their 25,000 cases (megabytes of JSON): axum's
            // 2 MB default would refuse it with 413, a permanent failure, and the notice go dead.
            .layer(axum::extract::DefaultBodyLimit::max(256 << 20));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });

        let db = dir.path().join("soak.db");
        let secret = dir.path().join("hook.key");
        std::fs::write(&secret, "whsec_dGVzdC1rZXktZm9yLWJlbmNobWFya3MtMDEyMzQ1Ng==").expect("key");
        let channels = format!(
            "[channels.hook]\nkind = \"webhook\"\ngroup = true\nurl = \"{url}/soak\"\nkey = {{ file = {:?} }}\ntimeout = \"5s\"\n",
            secret.display().to_string()
        );
        let config = common::config(
            dir.path(),
            &db,
            &channels,
            &[
                ("default_channels = [\"mail\", \"outbox\"]", "default_channels = [\"hook\"]"),
                ("retry_schedule = [\"30s\", \"2m\"", "retry_schedule = [\"1s\", \"2s\""),
                ("schedule = \"0 30 8 * * *\"\non_non_working_day = \"skip\"", "schedule = \"*/10 * * * * *\"\non_non_working_day = \"run\""),
                ("schedule = \"0 0 9 1 * *\"\non_non_working_day = \"next_working_day\"", "schedule = \"0 * * * * *\"\non_non_working_day = \"run\""),
                ("enabled = true\nschedule = \"0 0 9 1 1,4,7,10 *\"", "enabled = false\nschedule = \"0 0 9 1 1,4,7,10 *\""),
                ("enabled = true\nschedule = \"0 0 9 * * *\"", "enabled = false\nschedule = \"0 0 9 * * *\""),
                ("enabled = true\nschedule = \"0 0 8 * * *\"", "enabled = false\nschedule = \"0 0 8 * * *\""),
            ],
        );
        common::prefill(&db, cases, &[]).await;
        let mut child = common::start(&binary, &config, dir.path(), &["run"]);
        let pid = child.id();
        let store = Store::open(&format!("sqlite://{}", db.display()), &StoreOptions::default()).await.expect("store");
        let began = Instant::now();
        let mut samples = Vec::new();
        let mut batch = 0;
        let mut added = 0;
        while began.elapsed() < Duration::from_secs(minutes * 60) {
            tokio::time::sleep(Duration::from_secs(10)).await;
            let notices = common::notices(100, "hook", &format!("soak-{batch}"));
            added += store.enqueue(&notices, Utc::now()).await.expect("enqueue");
            batch += 1;
            let (rss, _) = common::memory(pid);
            samples.push((began.elapsed().as_secs(), rss));
            println!("{:>4} s  RSS {rss:.1} MiB", began.elapsed().as_secs());
        }
        // Let the last retries finish, then stop.
        tokio::time::sleep(Duration::from_secs(15)).await;
        common::stop_child(&mut child);
        let petition_watch::store::OutboxCounts { pending, sending, sent, dead } = store.outbox_counts().await.expect("counts");
        let runs = store.last_done_runs().await.expect("runs");
        let firings: i64 = {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.expect("db");
            let n = sqlx::query_scalar("SELECT COUNT(*) FROM job_runs WHERE status = 'done'").fetch_one(&pool).await.expect("n");
            pool.close().await;
            n
        };
        // Each notice delivered twice, with its attempts as the audit trail recorded them: a
        // duplicate is allowed only where an attempt failed after the receiver had taken it
        // (no answer within the timeout) or the daemon stopped between sending and recording.
        let twice: Vec<String> = {
            let r = receipts.lock().expect("receipts");
            r.accepted.iter().filter(|(_, n)| **n > 1).map(|(id, _)| id.clone()).collect()
        };
        let dead_ids: Vec<String> = {
            let filter = petition_watch::store::NoticeFilter {
                status: petition_watch::store::StatusFilter::parse("dead"),
                ..Default::default()
            };
            store.list_notices(&filter, 100).await.expect("dead").into_iter().map(|n| n.id).collect()
        };
        for (what, id) in twice.iter().map(|id| ("delivered twice", id)).chain(dead_ids.iter().map(|id| ("dead", id))) {
            match store.get_notice(id).await {
                Ok(Some((notice, attempts))) => {
                    println!("{what}: {id} ({}, {} attempts)", notice.status, notice.attempts);
                    for a in attempts {
                        println!("    attempt {} at {}: {} {}", a.attempt, a.at, a.outcome, a.detail.unwrap_or_default());
                    }
                }
                _ => println!("{what}: {id} (not in the outbox)"),
            }
        }
        store.close().await;
        let r = receipts.lock().expect("receipts");
        let duplicates: usize = r.accepted.values().map(|n| n.saturating_sub(1)).sum();
        let first = samples.iter().take(6).map(|(_, m)| *m).fold(0.0, f64::max);
        let last = samples.iter().rev().take(6).map(|(_, m)| *m).fold(0.0, f64::max);
        println!(
            "soak {minutes} min, {cases} cases: {firings} firings done ({} jobs), {added} notices added, \
             outbox sent {sent} pending {pending} sending {sending} dead {dead}; receiver accepted {} ids, refused {} requests, \
             duplicates {duplicates}; RSS first minute max {first:.1} MiB, last minute max {last:.1} MiB",
            runs.len(),
            r.accepted.len(),
            r.refused
        );
    });
}
