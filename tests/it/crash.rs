//! Crash safety (DESIGN §4.1): the delivering process is killed with SIGKILL again and again
//! while it delivers 1,000 notices to a real receiver, and restarted each time. Every notice
//! must arrive; a notice may arrive twice only if it was in flight at a kill, and then with the
//! same `webhook-id`; nothing may be dead.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use petition_watch::domain::Addressee;
use petition_watch::notice::{NoticeBody, NoticeKind};
use petition_watch::plan::notice_id;
use petition_watch::store::NewNotice;

use crate::delivery::{http_channels, workspace};
use crate::helpers::open;
use crate::receiver::{Receiver, Reply};

const NOTICES: usize = 1000;

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_deliverer_loses_nothing_and_repeats_only_what_was_in_flight() {
    let receiver = Receiver::start().await;
    // A receiver that takes a few milliseconds per request, as real ones do, and four workers:
    // a run lasts over a second, so the deliverer is still mid-run when it is killed however
    // fast it becomes.
    receiver.script("webhook", (0..2 * NOTICES).map(|_| Reply::Hang(Duration::from_millis(5))));
    let ws = workspace("", &["hook"]);
    let config = std::fs::read_to_string(ws.config_path()).expect("config") + &http_channels(&ws, &receiver, "");
    std::fs::write(
        ws.config_path(),
        config.replace("lease = \"5m\"", "lease = \"10s\"").replace("workers = 16", "workers = 4"),
    )
    .expect("config");
    let loaded = ws.load();
    assert_eq!(loaded.config.delivery.workers, 4, "the test's config sets four workers");
    let store = open(&loaded.config.database.url).await;
    let notices: Vec<NewNotice> = (0..NOTICES)
        .map(|i| {
            let body = NoticeBody {
                kind: NoticeKind::Cases,
                report: None,
                report_link: None,
                job: "deadline_watch".into(),
                job_zh: "期限督办".into(),
                township: "示例镇".into(),
                period: "2026-11-27".into(),
                as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
                to: Addressee {
                    id: format!("person-{i}"),
                    name: "李华".into(),
                    title: None,
                    email: None,
                    wecom_userid: None,
                    dingtalk_userid: None,
                    feishu_open_id: None,
                },
                group: true,
                cases: vec![],
                text: None,
            };
            let payload = serde_json::to_string(&body).expect("json");
            NewNotice {
                id: notice_id("deadline_watch", "2026-11-27", &body.to.id, "hook", payload.as_bytes()),
                job: "deadline_watch".into(),
                period: "2026-11-27".into(),
                recipient: body.to.id.clone(),
                channel: "hook".into(),
                reason: "first".into(),
                case_nos: vec![],
                payload,
            }
        })
        .collect();
    assert_eq!(store.enqueue(&notices, Utc::now()).await.expect("enqueue"), NOTICES);

    let deliver = || {
        Command::new(env!("CARGO_BIN_EXE_petition-watch"))
            .current_dir(ws.dir.path())
            .arg("--config")
            .arg(ws.config_path())
            .args(["notices", "deliver"])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("deliverer starts")
    };
    let mut kills = 0;
    let mut seed = 0x9e37_79b9_u64;
    while kills < 12 {
        let before = receiver.hits().len();
        if before >= NOTICES {
            break;
        }
        let mut child = deliver();
        // A pseudo-random moment into the run.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        tokio::time::sleep(Duration::from_millis(150 + seed % 400)).await;
        match child.try_wait().expect("poll") {
            Some(_) => break,
            None => {
                child.kill().expect("SIGKILL");
                child.wait().expect("reaped");
                kills += 1;
            }
        }
    }
    assert!(kills >= 3, "the deliverer was killed mid-run several times ({kills})");
    // Restart until everything is out: notices leased by a killed process are due again once
    // their lease (10s here) has run out.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let status = deliver().wait().expect("deliverer runs");
        assert!(status.success(), "deliverer exits cleanly: {status}");
        let petition_watch::store::OutboxCounts { pending, sending, dead, .. } =
            store.outbox_counts().await.expect("counts");
        assert_eq!(dead, 0, "nothing is dead");
        if pending + sending == 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{pending} pending, {sending} leased after a minute");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let mut arrivals: HashMap<String, usize> = HashMap::new();
    for hit in receiver.hits() {
        assert!(hit.verified);
        *arrivals.entry(hit.webhook_id.expect("webhook-id")).or_default() += 1;
    }
    let missing: Vec<&NewNotice> = notices.iter().filter(|n| !arrivals.contains_key(&n.id)).collect();
    assert!(missing.is_empty(), "{} notices never arrived", missing.len());
    let duplicates: usize = arrivals.values().map(|n| n - 1).sum();
    let workers = loaded.config.delivery.workers;
    assert!(
        duplicates <= kills * workers,
        "{duplicates} duplicates after {kills} kills: at most the {workers} in flight at each kill may repeat"
    );
    eprintln!("crash test: {kills} kills, {NOTICES} notices delivered, {duplicates} delivered twice (same webhook-id)");
    store.close().await;
}
