//! Helpers shared by the `deliver`, `versus` and `soak` benchmarks: the release binary, a config for a
//! scratch database, synthetic notices and cases, process memory.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use chrono::Utc;
use petition_watch::domain::Addressee;
use petition_watch::domain::{Case, CaseNo};
use petition_watch::notice::{NoticeBody, NoticeKind};
use petition_watch::plan::notice_id;
use petition_watch::store::{NewNotice, Store, StoreOptions};

/// (VmRSS, VmHWM) of a process, in MiB.
pub fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Builds the release binary and returns its path.
pub fn binary() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--locked", "--bin", "petition-watch"])
        .current_dir(root)
        .status()
        .expect("cargo build");
    assert!(status.success());
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("release/petition-watch")
}

/// The shipped config pointed at `db`, with `channels` in place of the shipped ones.
pub fn config(dir: &Path, db: &Path, channels: &str, replace: &[(&str, &str)]) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shipped = std::fs::read_to_string(root.join("config/petition-watch.toml")).expect("config");
    let head = &shipped[..shipped.find("[channels.outbox]").expect("channels")];
    let mut text = head
        .replace(
            "holidays = \"holidays\"",
            &format!("holidays = {:?}", root.join("config/holidays").display().to_string()),
        )
        .replace(
            "templates = \"templates\"",
            &format!("templates = {:?}", root.join("config/templates").display().to_string()),
        )
        .replace("sqlite://var/petition-watch.db", &format!("sqlite://{}", db.display()))
        .replace("quiet_hours_start = \"21:00\"", "quiet_hours_start = \"00:00\"")
        .replace("quiet_hours_end = \"08:00\"", "quiet_hours_end = \"00:00\"");
    for (from, to) in replace {
        text = text.replace(from, to);
    }
    let path = dir.join(format!("{}.toml", db.file_stem().and_then(|s| s.to_str()).unwrap_or("pw")));
    std::fs::write(
        &path,
        format!(
            "{text}[channels.outbox]\nkind = \"file\"\ndir = {:?}\n\n{channels}",
            dir.join("outbox").display().to_string()
        ),
    )
    .expect("write config");
    path
}

/// `n` test notices for `channel`, distinct within `period`.
pub fn notices(n: usize, channel: &str, period: &str) -> Vec<NewNotice> {
    (0..n)
        .map(|i| {
            let body = NoticeBody {
                kind: NoticeKind::Test,
                report: None,
                report_link: None,
                job: "bench".into(),
                job_zh: "性能测试".into(),
                township: "示例镇".into(),
                period: period.into(),
                as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
                to: Addressee {
                    id: format!("p{i}"),
                    name: "李华".into(),
                    title: Some("镇长".into()),
                    email: Some(format!("p{i}@example.gov.cn")),
                    wecom_userid: None,
                    dingtalk_userid: None,
                    feishu_open_id: None,
                },
                group: false,
                cases: vec![],
                text: Some("这是一条性能测试消息。".into()),
            };
            let payload = serde_json::to_string(&body).expect("json");
            NewNotice {
                id: notice_id("bench", &body.period, &body.to.id, channel, payload.as_bytes()),
                job: "bench".into(),
                period: body.period.clone(),
                recipient: body.to.id.clone(),
                channel: channel.into(),
                reason: "first".into(),
                case_nos: vec![],
                payload,
            }
        })
        .collect()
}

/// Writes `cases` synthetic cases and `notices` into a SQLite file.
pub async fn prefill(db: &Path, cases: usize, notices: &[NewNotice]) {
    let store = Store::open(&format!("sqlite://{}", db.display()), &StoreOptions::default()).await.expect("store");
    if cases > 0 {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("date");
        let all: Vec<Case> = (0..cases)
            .map(|i| {
                let mut case = Case::new(
                    CaseNo::parse(&format!("XF{i:07}")).expect("case no"),
                    day + chrono::Days::new((i % 300) as u64),
                );
                case.village = Some(format!("第{}村", i % 40));
                case.category = Some(["民政救助", "征地拆迁", "劳动社保", "环境保护"][i % 4].into());
                case.owner_leader = Some(["li-hua", "sun-li", "zhao-min", "chen-gang"][i % 4].into());
                case
            })
            .collect();
        for chunk in all.chunks(5_000) {
            store.upsert_cases(chunk, Utc::now()).await.expect("cases");
        }
    }
    if !notices.is_empty() {
        store.enqueue(notices, Utc::now()).await.expect("enqueue");
    }
    store.close().await;
}

/// Starts the binary with `args`, logs off.
pub fn start(binary: &Path, config: &Path, dir: &Path, args: &[&str]) -> Child {
    let mut child = Command::new(binary)
        .arg("--config")
        .arg(config)
        .args(args)
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(
            std::fs::File::create(dir.join(format!("{}.log", args.join("-"))))
                .map_or_else(|_| Stdio::null(), Stdio::from),
        )
        .spawn()
        .expect("starts");
    std::thread::sleep(std::time::Duration::from_millis(500));
    if let Ok(Some(status)) = child.try_wait() {
        let log = std::fs::read_to_string(dir.join(format!("{}.log", args.join("-")))).unwrap_or_default();
        panic!("petition-watch {args:?} exited at once ({status}):\n{log}");
    }
    child
}

/// Stops a daemon with SIGTERM and waits for it.
pub fn stop_child(child: &mut Child) {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let _ = child.wait();
}
