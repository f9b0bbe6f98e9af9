//! Delivery end to end: the sample register screened and planned, the notices delivered to a
//! real SMTP server (STARTTLS, AUTH) and a real HTTP receiver playing each robot, with the
//! failures the channels must judge: 4xx/5xx, 421, 410, 429 with Retry-After, robot error codes,
//! a receiver that hangs.

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use petition_watch::clock::SystemClock;
use petition_watch::config::LoadedConfig;
use petition_watch::delivery::{Deliverer, Outcome};
use petition_watch::import::{ImportOptions, import_file};
use petition_watch::jobs;
use petition_watch::plan::Job;
use petition_watch::store::{NoticeFilter, Store};

use crate::helpers::{Workspace, open, repo};
use crate::receiver::{self, Receiver, Reply};
use crate::smtp_server::{self, SmtpServer};

/// A workspace whose channels are `channels` (TOML), reaching everyone by `defaults`, with
/// administrators on the file channel `outbox` and quiet hours off.
pub fn workspace(channels: &str, defaults: &[&str]) -> Workspace {
    let ws = Workspace::new();
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    let head = &text[..text.find("[channels.outbox]").expect("channels section")];
    let list: Vec<String> = defaults.iter().map(|d| format!("{d:?}")).collect();
    let head = head
        .replace("quiet_hours_start = \"21:00\"", "quiet_hours_start = \"00:00\"")
        .replace("quiet_hours_end = \"08:00\"", "quiet_hours_end = \"00:00\"")
        .replace("default_channels = [\"mail\", \"outbox\"]", &format!("default_channels = [{}]", list.join(", ")))
        .replace("retry_schedule = [\"30s\"", "retry_schedule = [\"1s\"");
    let outbox = ws.path("outbox");
    let config =
        format!("{head}[channels.outbox]\nkind = \"file\"\ndir = {:?}\n\n{channels}", outbox.display().to_string());
    std::fs::write(ws.config_path(), config).expect("write config");
    for (name, value) in [
        ("webhook.key", receiver::WEBHOOK_SECRET),
        ("wecom.key", receiver::WECOM_KEY),
        ("dingtalk.key", receiver::DINGTALK_TOKEN),
        ("dingtalk.secret", receiver::DINGTALK_SECRET),
        ("feishu.key", receiver::FEISHU_HOOK),
        ("feishu.secret", receiver::FEISHU_SECRET),
        ("smtp.password", smtp_server::PASSWORD),
    ] {
        ws.write(name, value);
    }
    ws
}

/// The SMTP channel `mail` for `server`, trusting its certificate.
pub fn smtp_channel(ws: &Workspace, server: &SmtpServer, extra: &str) -> String {
    let ca = ws.write("smtp-ca.pem", &server.cert_pem);
    format!(
        "[channels.mail]\nkind = \"smtp\"\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"starttls\"\nusername = {:?}\n\
         password = {{ file = {:?} }}\nfrom = \"xinfang@example.gov.cn\"\nfrom_name = \"示例镇信访办\"\nca_file = {:?}\ntimeout = \"5s\"\n{extra}\n",
        server.addr.port(),
        smtp_server::USER,
        ws.path("smtp.password").display().to_string(),
        ca.display().to_string(),
    )
}

/// The four HTTP channels pointed at `receiver`, all group channels.
pub fn http_channels(ws: &Workspace, receiver: &Receiver, extra: &str) -> String {
    let secret = |name: &str| format!("{{ file = {:?} }}", ws.path(name).display().to_string());
    format!(
        "[channels.hook]\nkind = \"webhook\"\ngroup = true\nurl = {:?}\nkey = {}\ntimeout = \"2s\"\n{extra}\n\n\
         [channels.wecom]\nkind = \"wecom\"\nurl = {:?}\nkey = {}\ntimeout = \"2s\"\nper_minute = 0\n{extra}\n\n\
         [channels.dingtalk]\nkind = \"dingtalk\"\nurl = {:?}\nkey = {}\nsecret = {}\ntimeout = \"2s\"\nper_minute = 0\n{extra}\n\n\
         [channels.feishu]\nkind = \"feishu\"\nurl = {:?}\nkey = {}\nsecret = {}\ntimeout = \"2s\"\nper_minute = 0\nper_second = 0\n{extra}\n",
        receiver.url("/hook"),
        secret("webhook.key"),
        receiver.url("/wecom"),
        secret("wecom.key"),
        receiver.url("/dingtalk"),
        secret("dingtalk.key"),
        secret("dingtalk.secret"),
        receiver.url("/feishu"),
        secret("feishu.key"),
        secret("feishu.secret"),
    )
}

pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).expect("date")
}

/// Imports the sample register and runs the deadline watch; returns the store.
pub async fn planned(ws: &Workspace, loaded: &LoadedConfig) -> (Store, usize) {
    let url = loaded.config.database.url.clone();
    let store = open(&url).await;
    let options = ImportOptions::from_config(&loaded.config, false, false);
    let report = import_file(
        &repo().join("config/examples/register.csv"),
        Some(&store),
        &loaded.settings.rules.directory,
        options,
        Utc::now(),
    )
    .await;
    assert_eq!(report.imported(), 52, "{:?}", report.fatal);
    let now = Utc::now();
    let run = jobs::run(&store, loaded, Job::DeadlineWatch, as_of(), now, now, false).await.expect("job runs");
    assert!(run.claimed && run.enqueued > 0, "notices planned: {}", run.enqueued);
    let _ = ws;
    (store, run.enqueued)
}

pub async fn drain(store: &Store, loaded: &LoadedConfig) -> petition_watch::delivery::DrainSummary {
    let deliverer = Arc::new(Deliverer::new(store.clone(), loaded).expect("deliverer"));
    deliverer.drain(Arc::new(SystemClock)).await.expect("drain")
}

/// Decodes the RFC 2047 words of a header line.
fn decode_header(raw: &str) -> String {
    use base64::Engine;
    raw.split_whitespace()
        .map(|word| match word.strip_prefix("=?utf-8?b?").and_then(|w| w.strip_suffix("?=")) {
            Some(encoded) => {
                String::from_utf8(base64::engine::general_purpose::STANDARD.decode(encoded).unwrap_or_default())
                    .unwrap_or_default()
            }
            None => word.to_owned(),
        })
        .collect()
}

fn header(data: &str, name: &str) -> String {
    let mut value = String::new();
    let mut lines = data.split("\r\n");
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix(&format!("{name}: ")) {
            value.push_str(rest);
            for next in lines.by_ref() {
                match next.strip_prefix(' ') {
                    Some(more) => {
                        value.push(' ');
                        value.push_str(more);
                    }
                    None => break,
                }
            }
            break;
        }
    }
    value
}

#[tokio::test(flavor = "multi_thread")]
async fn email_goes_over_starttls_with_auth_in_chinese_on_pooled_connections() {
    let server = SmtpServer::start().await;
    let ws = workspace("", &["mail"]);
    let config =
        std::fs::read_to_string(ws.config_path()).expect("config") + &smtp_channel(&ws, &server, "connections = 1");
    std::fs::write(ws.config_path(), config.replace("workers = 16", "workers = 1")).expect("config");
    let loaded = ws.load();
    let (store, planned) = planned(&ws, &loaded).await;
    let summary = drain(&store, &loaded).await;
    assert_eq!((summary.sent, summary.dead), (planned, 0));
    let received = server.received();
    assert_eq!(received.len(), planned);
    assert!(received.iter().all(|m| m.tls && m.user.as_deref() == Some(smtp_server::USER)), "STARTTLS and AUTH");
    let ids: Vec<String> = store
        .list_notices(&NoticeFilter::default(), 100)
        .await
        .expect("list")
        .into_iter()
        .map(|n| format!("<{}@example.gov.cn>", n.id))
        .collect();
    for message in &received {
        let subject = decode_header(&header(&message.data, "Subject"));
        assert!(subject.starts_with("【示例镇信访办】期限督办："), "{subject}");
        let from = decode_header(&header(&message.data, "From"));
        assert!(from.contains("示例镇信访办"), "{from}");
        assert!(ids.contains(&header(&message.data, "Message-ID")), "Message-ID from the notice id");
        assert!(message.data.contains("multipart/alternative") && message.data.contains("text/html"));
    }
    assert_eq!(server.connections(), 1, "one pooled connection carried all {planned} messages");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn email_also_goes_over_implicit_tls_and_to_a_plain_local_relay() {
    for (mode, security) in [(smtp_server::Mode::Implicit, "tls"), (smtp_server::Mode::Relay, "none")] {
        let server = SmtpServer::start_with(mode).await;
        let ws = workspace("", &["mail"]);
        let mut channel =
            smtp_channel(&ws, &server, "").replace("security = \"starttls\"", &format!("security = {security:?}"));
        if mode == smtp_server::Mode::Relay {
            // A relay on the same machine: no AUTH.
            let start = channel.find("username").expect("username");
            let end = channel.find("from =").expect("from");
            channel.replace_range(start..end, "");
        }
        let config = std::fs::read_to_string(ws.config_path()).expect("config") + &channel;
        std::fs::write(ws.config_path(), config).expect("config");
        let loaded = ws.load();
        let (store, planned) = planned(&ws, &loaded).await;
        let summary = drain(&store, &loaded).await;
        assert_eq!((summary.sent, summary.dead), (planned, 0), "{security}");
        let received = server.received();
        assert_eq!(received.len(), planned);
        let expect_tls = mode == smtp_server::Mode::Implicit;
        assert!(received.iter().all(|m| m.tls == expect_tls && m.user.is_some() == expect_tls), "{security}");
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn webhooks_are_signed_with_every_key_while_one_is_rotated() {
    let receiver = Receiver::start().await;
    let ws = workspace("", &["hook"]);
    // The new key first, the old (which the receiver knows) second.
    ws.write("webhook.key", format!("whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3 {}", receiver::WEBHOOK_SECRET));
    let config = std::fs::read_to_string(ws.config_path()).expect("config") + &http_channels(&ws, &receiver, "");
    std::fs::write(ws.config_path(), config).expect("config");
    let loaded = ws.load();
    let (store, planned) = planned(&ws, &loaded).await;
    assert_eq!(drain(&store, &loaded).await.sent, planned);
    assert!(receiver.hits().iter().all(|h| h.verified));
    // With only a key the receiver does not know, the signature fails and the notice is dead
    // (401 is permanent) rather than taken as delivered.
    receiver.inner.lock().expect("receiver").hits.clear();
    ws.write("webhook.key", "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3");
    let loaded = ws.load();
    let n = store.list_notices(&NoticeFilter::default(), 1).await.expect("list").remove(0);
    let again = petition_watch::store::NewNotice {
        id: format!("{}_again", n.id),
        job: n.job,
        period: n.period,
        recipient: n.recipient,
        channel: n.channel,
        reason: n.reason,
        case_nos: n.case_nos,
        payload: n.payload,
    };
    store.enqueue(&[again], Utc::now()).await.expect("enqueue");
    let deliverer = Deliverer::new(store.clone(), &loaded).expect("deliverer");
    let (_, outcome) = deliverer.deliver_one(Utc::now()).await.expect("deliver").expect("due");
    assert!(matches!(outcome, Outcome::Dead(ref e) if e.contains("401")), "{outcome:?}");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_robots_rate_limit_holds_the_rest_without_counting_an_attempt() {
    let receiver = Receiver::start().await;
    let ws = workspace("", &["wecom"]);
    let config = std::fs::read_to_string(ws.config_path()).expect("config") + &http_channels(&ws, &receiver, "");
    // Three a minute for this robot.
    let config = config.replacen("per_minute = 0", "per_minute = 3", 1);
    std::fs::write(ws.config_path(), config).expect("config");
    let loaded = ws.load();
    let (store, planned) = planned(&ws, &loaded).await;
    assert!(planned > 3);
    let summary = drain(&store, &loaded).await;
    assert_eq!((summary.sent, summary.retried, summary.dead), (3, 0, 0), "{summary:?}");
    assert_eq!(receiver.hits().len(), 3);
    let waiting = store.list_notices(&NoticeFilter::default(), 100).await.expect("list");
    let held: Vec<_> = waiting.iter().filter(|n| n.status == petition_watch::store::NoticeStatus::Pending).collect();
    assert_eq!(held.len(), planned - 3);
    assert!(held.iter().all(|n| n.attempts == 0 && n.next_attempt_at > Utc::now()), "held for a token, not failed");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pooled_connection_the_server_closed_is_replaced_without_a_failed_attempt() {
    let server = SmtpServer::start().await;
    server.script.lock().expect("script").hang_up_after_each_message = true;
    let ws = workspace("", &["mail"]);
    let config =
        std::fs::read_to_string(ws.config_path()).expect("config") + &smtp_channel(&ws, &server, "connections = 1");
    std::fs::write(ws.config_path(), config.replace("workers = 16", "workers = 1")).expect("config");
    let loaded = ws.load();
    let (store, planned) = planned(&ws, &loaded).await;
    let summary = drain(&store, &loaded).await;
    assert_eq!((summary.sent, summary.retried, summary.dead), (planned, 0, 0));
    assert_eq!(server.connections(), planned, "a fresh connection for each message after the server hung up");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_4xx_is_retried_5xx_is_dead_and_a_421_greeting_is_transient() {
    let server = SmtpServer::start().await;
    {
        let mut script = server.script.lock().expect("script");
        script.refuse_connections = 1;
        script.rcpt_replies.insert("lihua@example.gov.cn".into(), "451 4.3.0 mailbox busy".into());
        script.rcpt_reply_times.insert("lihua@example.gov.cn".into(), 1);
        script.rcpt_replies.insert("zhaomin@example.gov.cn".into(), "550 5.1.1 no such user".into());
        script.rcpt_reply_times.insert("zhaomin@example.gov.cn".into(), 100);
    }
    let ws = workspace("", &["mail"]);
    let config =
        std::fs::read_to_string(ws.config_path()).expect("config") + &smtp_channel(&ws, &server, "connections = 1");
    std::fs::write(ws.config_path(), config.replace("workers = 16", "workers = 1")).expect("config");
    let loaded = ws.load();
    let (store, planned) = planned(&ws, &loaded).await;
    let deliverer = Deliverer::new(store.clone(), &loaded).expect("deliverer");
    // Passes ten minutes apart (the retry schedule here: 1s, 2m, …), until nothing is due:
    // whichever notice the 421 greeting meets, it and the 451 recipient are each retried once.
    let mut outcomes = Vec::new();
    for pass in 0..4 {
        let at = Utc::now() + chrono::Duration::minutes(10 * pass);
        while let Some((id, outcome)) = deliverer.deliver_one(at).await.expect("deliver") {
            outcomes.push((id, outcome));
        }
    }
    let retried = outcomes.iter().filter(|(_, o)| matches!(o, Outcome::Retry(_))).count();
    let dead: Vec<&String> = outcomes.iter().filter(|(_, o)| matches!(o, Outcome::Dead(_))).map(|(id, _)| id).collect();
    assert_eq!(retried, 2, "the 421 greeting and the 451 recipient: {outcomes:?}");
    assert_eq!(dead.len(), 1, "the 550 recipient: {outcomes:?}");
    let (row, attempts) = store.get_notice(dead[0]).await.expect("get").expect("notice");
    assert_eq!(row.recipient, "zhao-min");
    assert!(row.last_error.as_deref().is_some_and(|e| e.contains("550")), "{:?}", row.last_error);
    // Given up at its first 550 (one more attempt before it when the 421 greeting met it first).
    let outcomes_of: Vec<&str> = attempts.iter().map(|a| a.outcome.as_str()).collect();
    assert!(outcomes_of == ["dead"] || outcomes_of == ["retry", "dead"], "{outcomes_of:?}");
    // The administrators heard about it on their channel (the file outbox).
    let admin = std::fs::read_dir(ws.path("outbox")).expect("admin outbox").count();
    assert_eq!(admin, 1, "one admin message about the dead notice");
    // The retried ones went through.
    assert_eq!(server.received().len(), planned - 1, "{outcomes:?}");
    assert!(!server.received().iter().any(|m| m.to.iter().any(|t| t.starts_with("zhaomin"))));
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_webhook_kind_gets_signed_masked_notices() {
    let receiver = Receiver::start().await;
    let ws = workspace("", &["hook", "wecom", "dingtalk", "feishu"]);
    let config = std::fs::read_to_string(ws.config_path()).expect("config") + &http_channels(&ws, &receiver, "");
    std::fs::write(ws.config_path(), config).expect("config");
    let loaded = ws.load();
    let (store, planned) = planned(&ws, &loaded).await;
    let summary = drain(&store, &loaded).await;
    assert_eq!((summary.sent, summary.dead, summary.retried), (planned, 0, 0));
    let hits = receiver.hits();
    assert_eq!(hits.len(), planned);
    assert!(hits.iter().all(|h| h.verified), "every signature and key checked out");
    for route in ["webhook", "wecom", "dingtalk", "feishu"] {
        assert_eq!(hits.iter().filter(|h| h.route == route).count(), planned / 4, "{route}");
    }
    // Group channels: masked names, no details.
    let register = std::fs::read_to_string(repo().join("config/examples/register.csv")).expect("register");
    let petitioners: Vec<String> =
        register.lines().skip(1).filter_map(|l| l.split(',').nth(4).map(str::to_owned)).collect();
    for hit in &hits {
        let text = hit.body.to_string();
        for name in petitioners.iter().filter(|n| n.chars().count() >= 2) {
            assert!(!text.contains(name.as_str()), "{name} unmasked in a group notice: {text}");
        }
    }
    let webhook = hits.iter().find(|h| h.route == "webhook").expect("webhook");
    assert_eq!(webhook.body["type"], "petition_watch.notice");
    assert_eq!(webhook.body["data"]["group"], true);
    assert!(webhook.webhook_id.as_deref().is_some_and(|id| id.starts_with("ntc_")));
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn http_failures_are_judged_per_answer() {
    let receiver = Receiver::start().await;
    receiver.script("webhook", [Reply::Status(500)]);
    receiver.script("wecom", [Reply::RobotCode(45009)]);
    receiver.script("dingtalk", [Reply::RetryAfter(429, 120)]);
    receiver.script("feishu", [Reply::Hang(std::time::Duration::from_secs(4))]);
    let ws = workspace("", &["hook", "wecom", "dingtalk", "feishu"]);
    let config = std::fs::read_to_string(ws.config_path()).expect("config") + &http_channels(&ws, &receiver, "");
    std::fs::write(ws.config_path(), config.replace("workers = 16", "workers = 1")).expect("config");
    let loaded = ws.load();
    let (store, _) = planned(&ws, &loaded).await;
    let deliverer = Deliverer::new(store.clone(), &loaded).expect("deliverer");
    let now = Utc::now();
    let mut retries = Vec::new();
    while let Some((id, outcome)) = deliverer.deliver_one(now).await.expect("deliver") {
        if let Outcome::Retry(at) = outcome {
            let row = store.get_notice(&id).await.expect("get").expect("row").0;
            retries.push((row.channel, (at - now).num_seconds(), row.last_error.unwrap_or_default()));
        }
    }
    retries.sort();
    let channels: Vec<&str> = retries.iter().map(|(c, _, _)| c.as_str()).collect();
    assert_eq!(channels, ["dingtalk", "feishu", "hook", "wecom"], "{retries:?}");
    assert!(retries[0].1 >= 119, "Retry-After 120 honoured: {retries:?}");
    assert!(retries[0].2.contains("429"));
    assert!(retries[1].2.contains("no answer"), "a hang is a timeout: {retries:?}");
    assert!(retries[2].2.contains("500"));
    assert!(retries[3].2.contains("45009"), "a robot's rate-limit code is transient: {retries:?}");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn gone_endpoints_are_disabled_and_bad_keys_are_dead() {
    let receiver = Receiver::start().await;
    receiver.script("webhook", [Reply::Status(410)]);
    receiver.script("wecom", [Reply::RobotCode(93000)]);
    let ws = workspace("", &["hook", "wecom"]);
    let config = std::fs::read_to_string(ws.config_path()).expect("config") + &http_channels(&ws, &receiver, "");
    std::fs::write(ws.config_path(), config.replace("workers = 16", "workers = 1")).expect("config");
    let loaded = ws.load();
    let (store, planned) = planned(&ws, &loaded).await;
    let summary = drain(&store, &loaded).await;
    let per_channel = planned / 2;
    assert_eq!(summary.dead, per_channel + 1, "every hook notice (410, then disabled) and one wecom notice");
    assert_eq!(
        summary.sent,
        per_channel - 1 + 2,
        "the other wecom notices, and two admin messages (the disabled endpoint, one digest of the dead): {summary:?}"
    );
    let hook_hits = receiver.hits().iter().filter(|h| h.route == "webhook").count();
    assert_eq!(hook_hits, 1, "after the 410 the endpoint is not called again");
    let admin_messages: Vec<String> = std::fs::read_dir(ws.path("outbox"))
        .expect("admin outbox")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("message"))
        .collect();
    assert_eq!(admin_messages.len(), 2, "admins hear about the disabled endpoint, and the dead in one digest");
    let digest = admin_messages.iter().map(|m| crate::privacy::readable_text(m)).find(|m| m.contains("未能送达"));
    let digest = digest.expect("the digest of the dead notices");
    assert!(digest.contains(&format!("本次投递有 {} 条提醒未能送达", per_channel + 1)), "{digest}");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn long_chat_messages_go_out_in_marked_parts_within_the_limit() {
    let receiver = Receiver::start().await;
    let ws = workspace("", &["wecom"]);
    let config = std::fs::read_to_string(ws.config_path()).expect("config")
        + &http_channels(&ws, &receiver, "max_message_bytes = 300");
    std::fs::write(ws.config_path(), config).expect("config");
    let loaded = ws.load();
    let (store, planned) = planned(&ws, &loaded).await;
    let summary = drain(&store, &loaded).await;
    assert_eq!(summary.sent, planned);
    let parts: Vec<String> =
        receiver.hits().iter().map(|h| h.body["markdown"]["content"].as_str().expect("markdown").to_owned()).collect();
    assert!(parts.len() > planned, "some notices were split: {} parts for {planned}", parts.len());
    assert!(parts.iter().all(|p| p.len() <= 300));
    assert!(parts.iter().any(|p| p.starts_with("(2/")), "parts are marked");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_split_message_resumes_after_the_parts_already_delivered() {
    let receiver = Receiver::start().await;
    // The first part of the first notice goes through, the second fails.
    receiver.script("wecom", [Reply::Status(200), Reply::Status(503)]);
    let ws = workspace("", &["wecom"]);
    let config = std::fs::read_to_string(ws.config_path()).expect("config")
        + &http_channels(&ws, &receiver, "max_message_bytes = 300");
    std::fs::write(ws.config_path(), config.replace("workers = 16", "workers = 1")).expect("config");
    let loaded = ws.load();
    let (store, _) = planned(&ws, &loaded).await;
    let deliverer = Deliverer::new(store.clone(), &loaded).expect("deliverer");
    let (id, outcome) = deliverer.deliver_one(Utc::now()).await.expect("deliver").expect("a notice");
    assert!(matches!(outcome, Outcome::Retry(_)), "{outcome:?}");
    let first_try: Vec<String> =
        receiver.hits().iter().map(|h| h.body["markdown"]["content"].as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(first_try.len(), 2);
    assert!(first_try[0].starts_with("(1/") && first_try[1].starts_with("(2/"));
    // The retry of that notice starts at part 2: part 1 is not sent twice.
    let later = Utc::now() + chrono::Duration::seconds(10);
    loop {
        let Some((next, outcome)) = deliverer.deliver_one(later).await.expect("deliver") else { break };
        assert_eq!(outcome, Outcome::Sent);
        if next == id {
            break;
        }
    }
    let contents: Vec<String> =
        receiver.hits().iter().map(|h| h.body["markdown"]["content"].as_str().unwrap_or("").to_owned()).collect();
    let part_one = contents.iter().filter(|c| **c == first_try[0]).count();
    assert_eq!(part_one, 1, "part 1 went out once");
    assert_eq!(contents.iter().filter(|c| **c == first_try[1]).count(), 2, "part 2 failed once, then arrived");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_notices_wait_out_quiet_hours_and_email_does_not() {
    let server = SmtpServer::start().await;
    let receiver = Receiver::start().await;
    let ws = workspace("", &["mail", "wecom"]);
    let config = std::fs::read_to_string(ws.config_path()).expect("config")
        + &smtp_channel(&ws, &server, "")
        + &http_channels(&ws, &receiver, "");
    let config = config
        .replace("quiet_hours_start = \"00:00\"", "quiet_hours_start = \"21:00\"")
        .replace("quiet_hours_end = \"00:00\"", "quiet_hours_end = \"08:00\"");
    std::fs::write(ws.config_path(), config).expect("config");
    let loaded = ws.load();
    let (store, planned) = planned(&ws, &loaded).await;
    let deliverer = Deliverer::new(store.clone(), &loaded).expect("deliverer");
    // 22:30 in Shanghai tomorrow (after the notices were planned, whenever the test runs), and
    // 08:00 the morning after.
    let shanghai = chrono_tz::Asia::Shanghai;
    let tomorrow = Utc::now().with_timezone(&shanghai).date_naive() + chrono::Days::new(1);
    let local = |day: chrono::NaiveDate, h: u32, m: u32| {
        use chrono::TimeZone;
        shanghai
            .from_local_datetime(&day.and_hms_opt(h, m, 0).expect("time"))
            .single()
            .expect("instant")
            .with_timezone(&Utc)
    };
    let night = local(tomorrow, 22, 30);
    let morning = local(tomorrow + chrono::Days::new(1), 8, 0);
    let mut held = 0;
    while let Some((_, outcome)) = deliverer.deliver_one(night).await.expect("deliver") {
        match outcome {
            Outcome::Held(until) => {
                assert_eq!(until, morning);
                held += 1;
            }
            other => assert_eq!(other, Outcome::Sent),
        }
    }
    assert_eq!((held, server.received().len(), receiver.hits().len()), (planned / 2, planned / 2, 0));
    let mut sent = 0;
    while let Some((_, outcome)) = deliverer.deliver_one(morning).await.expect("deliver") {
        assert_eq!(outcome, Outcome::Sent);
        sent += 1;
    }
    assert_eq!((sent, receiver.hits().len()), (planned / 2, planned / 2), "held, not dropped");
    let rows = store.list_notices(&NoticeFilter::default(), 100).await.expect("list");
    assert!(rows.iter().all(|r| r.attempts == 1), "holding is not an attempt");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn replicas_on_postgresql_share_the_outbox_and_deliver_each_notice_once() {
    let Some(db) = crate::helpers::PgDatabase::create().await else { return };
    let receiver = Receiver::start().await;
    let ws = workspace("", &["hook"]);
    let config = std::fs::read_to_string(ws.config_path()).expect("config") + &http_channels(&ws, &receiver, "");
    let config = config.replace(&format!("sqlite://{}/pw.db", ws.dir.path().display()), &db.url);
    std::fs::write(ws.config_path(), config).expect("config");
    let loaded = ws.load();
    assert!(loaded.config.database.url.starts_with("postgres://"));
    let (store, planned) = planned(&ws, &loaded).await;
    // More notices, so the replicas overlap: a second township's worth under other ids.
    let mut extra = Vec::new();
    for n in store.list_notices(&NoticeFilter::default(), 100).await.expect("list") {
        for copy in 0..40 {
            extra.push(petition_watch::store::NewNotice {
                id: format!("{}_{copy}", n.id),
                job: n.job.clone(),
                period: n.period.clone(),
                recipient: n.recipient.clone(),
                channel: n.channel.clone(),
                reason: n.reason.clone(),
                case_nos: n.case_nos.clone(),
                payload: n.payload.clone(),
            });
        }
    }
    let total = planned + store.enqueue(&extra, Utc::now()).await.expect("enqueue");
    let replicas: Vec<_> = (0..3)
        .map(|_| {
            let loaded = ws.load();
            let url = loaded.config.database.url.clone();
            tokio::spawn(async move {
                let store = open(&url).await;
                let deliverer = Arc::new(Deliverer::new(store.clone(), &loaded).expect("deliverer"));
                let summary = deliverer.drain(Arc::new(SystemClock)).await.expect("drain");
                store.close().await;
                summary.sent
            })
        })
        .collect();
    let mut per_replica = Vec::new();
    for r in replicas {
        per_replica.push(r.await.expect("replica"));
    }
    assert_eq!(per_replica.iter().sum::<usize>(), total, "{per_replica:?}");
    assert!(per_replica.iter().filter(|n| **n > 0).count() >= 2, "the work was shared: {per_replica:?}");
    let mut ids: Vec<String> = receiver.hits().into_iter().filter_map(|h| h.webhook_id).collect();
    let received = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!((received, ids.len()), (total, total), "each notice exactly once");
    store.close().await;
    db.drop_db().await;
}
