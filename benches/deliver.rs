//! Delivery throughput: notices from the outbox (SQLite) to a real SMTP server on loopback
//! (STARTTLS and AUTH, the test suite's server) and to a real HTTP receiver (a signed generic
//! webhook, the test suite's receiver), with 1 and 4 workers/connections (and 16 workers for the
//! webhook). Median of 3 runs of N notices each (N=2000 for mail, 5000 for the webhook; MAIL_N /
//! HOOK_N change them).
//!
//! `cargo bench --bench deliver`
//!
//! The servers run in this process on the same two cores as the worker, so the figures are
//! what the worker sustains against a fast local peer, not what a county mail server accepts.

#[path = "../tests/it/receiver.rs"]
#[allow(dead_code)]
mod receiver;
#[path = "../tests/it/smtp_server.rs"]
#[allow(dead_code)]
mod smtp_server;
#[path = "support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use petition_watch::clock::SystemClock;
use petition_watch::config;
use petition_watch::delivery::Deliverer;
use petition_watch::store::{Store, StoreOptions};

async fn run(dir: &std::path::Path, channel_toml: &str, channel: &str, workers: usize, n: usize) -> Duration {
    let holidays = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/holidays");
    let shipped =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/petition-watch.toml"))
            .expect("config");
    let head = &shipped[..shipped.find("[channels.outbox]").expect("channels")];
    let mut times = Vec::new();
    for attempt in 0..3 {
        let db = dir.join(format!("{channel}-{workers}-{attempt}.db"));
        let text = head
            .replace("holidays = \"holidays\"", &format!("holidays = {:?}", holidays.display().to_string()))
            .replace("sqlite://var/petition-watch.db", &format!("sqlite://{}", db.display()))
            .replace("workers = 16", &format!("workers = {workers}"))
            .replace("default_channels = [\"mail\", \"outbox\"]", "default_channels = []")
            .replace("channels = [\"outbox\"]", "channels = []")
            + "\n"
            + &channel_toml.replace("CONNECTIONS", &workers.to_string());
        let path = dir.join("bench.toml");
        std::fs::write(&path, text).expect("config");
        let loaded = config::load(&path, &[], chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"))
            .unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(&loaded.config.database.url, &StoreOptions::default()).await.expect("store");
        store.enqueue(&support::notices(n, channel, &format!("run-{attempt}")), Utc::now()).await.expect("enqueue");
        let deliverer = Arc::new(Deliverer::new(store.clone(), &loaded).expect("deliverer"));
        let start = Instant::now();
        let summary = deliverer.drain(Arc::new(SystemClock)).await.expect("drain");
        times.push(start.elapsed());
        assert_eq!(summary.sent, n, "{summary:?}");
        store.close().await;
    }
    times.sort();
    times[1]
}

fn main() {
    let mail_n: usize = std::env::var("MAIL_N").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let hook_n: usize = std::env::var("HOOK_N").ok().and_then(|v| v.parse().ok()).unwrap_or(5000);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    runtime.block_on(async {
        let server = smtp_server::SmtpServer::start().await;
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, &server.cert_pem).expect("ca");
        let password = dir.path().join("password");
        std::fs::write(&password, smtp_server::PASSWORD).expect("password");
        let mail = format!(
            "[channels.mail]\nkind = \"smtp\"\nhost = \"127.0.0.1\"\nport = {}\nusername = {:?}\npassword = {{ file = {:?} }}\n\
             from = \"xinfang@example.gov.cn\"\nca_file = {:?}\nconnections = CONNECTIONS\n",
            server.addr.port(),
            smtp_server::USER,
            password.display().to_string(),
            ca.display().to_string()
        );
        let receiver = receiver::Receiver::start().await;
        let key = dir.path().join("whsec");
        std::fs::write(&key, receiver::WEBHOOK_SECRET).expect("key");
        let hook = format!(
            "[channels.hook]\nkind = \"webhook\"\nurl = {:?}\nkey = {{ file = {:?} }}\n",
            receiver.url("/hook"),
            key.display().to_string()
        );
        for workers in [1, 4] {
            let t = run(dir.path(), &mail, "mail", workers, mail_n).await;
            println!(
                "smtp    {workers} connection(s): {mail_n} messages in {:>6.2} s = {:>7.0} messages/s (median of 3)",
                t.as_secs_f64(),
                mail_n as f64 / t.as_secs_f64()
            );
        }
        for workers in [1, 4, 16] {
            let t = run(dir.path(), &hook, "hook", workers, hook_n).await;
            println!(
                "webhook {workers} worker(s):     {hook_n} notices  in {:>6.2} s = {:>7.0} notices/s (median of 3)",
                t.as_secs_f64(),
                hook_n as f64 / t.as_secs_f64()
            );
        }
    });
}
