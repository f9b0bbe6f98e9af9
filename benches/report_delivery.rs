//! Delivering a quarterly supervision digest: the job run over a synthetic register of ROWS
//! cases (default 20 000), then its notices — one email per member of the leading group, each
//! with the digest's workbook, and the group's summary — delivered to the file outbox. Median of
//! three runs, each on a fresh database.
//!
//! `cargo bench --bench report_delivery` (ROWS=N changes the size).

#[path = "support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use petition_watch::clock::SystemClock;
use petition_watch::config;
use petition_watch::delivery::Deliverer;
use petition_watch::plan::Job;
use petition_watch::store::{Store, StoreOptions};

fn main() {
    let rows: usize = std::env::var("ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut times: Vec<Duration> = Vec::new();
    let mut sent = 0;
    runtime.block_on(async {
        for attempt in 0..3 {
            let db = dir.path().join(format!("report-{attempt}.db"));
            support::prefill(&db, rows, &[]).await;
            let path = support::config(
                dir.path(),
                &db,
                "",
                &[("default_channels = [\"mail\", \"outbox\"]", "default_channels = [\"outbox\"]")],
            );
            let today = chrono::NaiveDate::from_ymd_opt(2026, 10, 8).expect("date");
            let loaded = config::load(&path, &[], today).unwrap_or_else(|e| panic!("{e}"));
            let store = Store::open(&loaded.config.database.url, &StoreOptions::default()).await.expect("store");
            let at = chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 10, 8, 9, 0, 0).single().expect("at");
            let at = at.with_timezone(&Utc);
            let run = petition_watch::jobs::run(&store, &loaded, Job::QuarterlySupervision, today, at, at, false)
                .await
                .expect("the job runs");
            let deliverer = Arc::new(Deliverer::new(store.clone(), &loaded).expect("deliverer"));
            let start = Instant::now();
            let summary = deliverer.drain(Arc::new(SystemClock)).await.expect("drain");
            times.push(start.elapsed());
            assert_eq!(summary.sent, run.enqueued, "{summary:?}");
            sent = summary.sent;
            store.close().await;
        }
    });
    times.sort();
    println!(
        "quarterly digest of {rows} cases: {sent} notices delivered in {:.2} s (median of 3; runs {:?})",
        times[1].as_secs_f64(),
        times.iter().map(|t| format!("{:.2}", t.as_secs_f64())).collect::<Vec<_>>()
    );
}
