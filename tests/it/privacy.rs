//! Recusal and masking end to end (DESIGN §3): the sample register through the real binary —
//! import, both case jobs, delivery by email to a real SMTP server and to group robots — then
//! every outgoing message and every log line is searched for ID numbers, phone numbers and the
//! names of accused people, and no one named in a case's accused or conflicts received it.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::delivery::{http_channels, smtp_channel, workspace};
use crate::helpers::{Output, repo, run_binary};
use crate::receiver::Receiver;
use crate::smtp_server::SmtpServer;

/// The text of a raw email, for other test modules.
pub fn readable_text(raw: &str) -> String {
    readable(raw)
}

/// The text of a raw email: headers with encoded words decoded, base64 parts decoded.
pub fn readable(raw: &str) -> String {
    let mut text = String::new();
    for word in raw.split(|c: char| c.is_whitespace()) {
        if let Some(encoded) = word.strip_prefix("=?utf-8?b?").and_then(|w| w.strip_suffix("?=")) {
            text.push_str(&String::from_utf8_lossy(&STANDARD.decode(encoded).unwrap_or_default()));
        }
    }
    // Mail from the SMTP server ends its lines with CRLF; the file channel's with LF or CRLF.
    let unix = raw.replace("\r\n", "\n");
    for part in unix.split("Content-Transfer-Encoding: base64\n\n").skip(1) {
        let block: String =
            part.split("\n\n").next().unwrap_or("").split('\n').take_while(|l| !l.starts_with("--")).collect();
        text.push_str(&String::from_utf8_lossy(&STANDARD.decode(block.trim()).unwrap_or_default()));
    }
    text + raw
}

async fn binary(cwd: std::path::PathBuf, config: std::path::PathBuf, args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_binary(&cwd, &config, &args, &[("RUST_LOG", "info"), ("PETITION_WATCH_LOG__FORMAT", "json")])
    })
    .await
    .expect("binary ran")
}

#[tokio::test(flavor = "multi_thread")]
async fn no_message_or_log_line_carries_an_id_number_a_phone_or_an_accused_name() {
    let server = SmtpServer::start().await;
    let receiver = Receiver::start().await;
    let ws = workspace("", &["mail", "wecom", "hook"]);
    let config = std::fs::read_to_string(ws.config_path()).expect("config")
        + &smtp_channel(&ws, &server, "")
        + &http_channels(&ws, &receiver, "");
    std::fs::write(ws.config_path(), config).expect("config");
    let (cwd, config) = (ws.dir.path().to_owned(), ws.config_path());
    let register = repo().join("config/examples/register.csv");
    let mut logs = String::new();
    let words = |text: &str| text.split(' ').map(str::to_owned).collect::<Vec<_>>();
    let steps = [
        vec!["import".to_owned(), register.display().to_string()],
        words("jobs run deadline_watch --as-of 2026-11-27 --send"),
        words("jobs run monthly_screening --as-of 2026-12-01 --send"),
        words("notices deliver"),
    ];
    for args in steps {
        let out = binary(cwd.clone(), config.clone(), args.clone()).await;
        assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
        logs.push_str(&out.stderr);
        logs.push_str(&out.stdout);
    }
    assert!(logs.lines().filter(|l| l.starts_with('{')).count() > 10, "JSON log lines were written");

    // What the register says must never leave in a message or a log line.
    let rows: Vec<HashMap<String, String>> =
        csv::Reader::from_path(&register).expect("register").deserialize().map(|r| r.expect("row")).collect();
    let field = |row: &HashMap<String, String>, key: &str| row.get(key).cloned().unwrap_or_default();
    let mut forbidden: Vec<String> = Vec::new();
    for row in &rows {
        forbidden.extend([field(row, "证件号码"), field(row, "联系电话")].into_iter().filter(|v| v.len() >= 6));
        forbidden.extend(field(row, "被反映人").split('、').filter(|n| !n.is_empty()).map(str::to_owned));
    }
    let emails = server.received();
    let hits = receiver.hits();
    assert!(!emails.is_empty() && !hits.is_empty());
    let mut outgoing: Vec<String> = emails.iter().map(|m| readable(&m.data)).collect();
    let case_emails: Vec<&String> = outgoing.iter().filter(|m| !m.contains("multipart/mixed")).collect();
    assert!(
        !case_emails.is_empty() && case_emails.len() < outgoing.len(),
        "case notices and the leading group's report"
    );
    assert!(case_emails.iter().all(|m| m.contains("请督促责任单位")), "the emails' text was decoded for the search");
    outgoing.extend(hits.iter().map(|h| h.body.to_string()));
    for secret in &forbidden {
        for (i, message) in outgoing.iter().enumerate() {
            assert!(!message.contains(secret.as_str()), "{secret} in outgoing message {i}");
        }
        assert!(!logs.contains(secret.as_str()), "{secret} in the logs");
    }

    // Nobody received a case they are accused in or must recuse from.
    let address_of = |name: &str| match name {
        "王建国" => "wangjianguo@example.gov.cn",
        "李华" => "lihua@example.gov.cn",
        "赵敏" => "zhaomin@example.gov.cn",
        "陈刚" => "chengang@example.gov.cn",
        "孙丽" => "sunli@example.gov.cn",
        "周晓芳" => "xinfang@example.gov.cn",
        _ => "",
    };
    let mut recusals = 0;
    for row in &rows {
        let case_no = field(row, "信访件编号");
        for name in field(row, "被反映人").split('、').chain(field(row, "回避人员").split('、')) {
            let address = address_of(name);
            if address.is_empty() {
                continue;
            }
            recusals += 1;
            for message in emails.iter().filter(|m| m.to.iter().any(|t| t == address)) {
                assert!(!readable(&message.data).contains(&case_no), "{name} received {case_no}");
            }
        }
    }
    assert!(recusals > 0, "the sample register has recusals to check");
}

/// Recusal holds however the clerk writes the accused or conflicts cell (DESIGN §5.2): every
/// separator, a line break from Alt+Enter, the person's id in any case or width, a title in
/// brackets or after the name. 李华 owns every case; she must receive only the control case,
/// whose cell names nobody she is.
#[test]
fn the_accused_never_receives_the_case_however_the_cell_is_written() {
    let spellings = [
        ("R-01", "李华，赵敏", ""),
        ("R-02", "李华,赵敏", ""),
        ("R-03", "李华 赵敏", ""),
        ("R-04", "赵敏/李华", ""),
        ("R-05", "赵敏\n李华", ""),
        ("R-06", "赵敏\r\n李华", ""),
        ("R-07", "LI-HUA", ""),
        ("R-08", "ｌｉ－ｈｕａ", ""),
        ("R-09", "李华（镇长）", ""),
        ("R-10", "赵敏｜李华", ""),
        ("R-11", "赵敏\u{3000}李华", ""),
        ("R-12", "", "赵敏／李华"),
        ("R-13", "", "Li-Hua"),
        ("R-14", "李华镇长", ""),
        ("R-15", "赵敏|李华", ""),
    ];
    let mut csv = String::from("信访件编号,收到日期,信访人,问题类别,被反映人,回避人员,受理日期,包案领导,包案期限\n");
    for (case_no, accused, conflicts) in spellings {
        csv.push_str(&format!(
            "{case_no},2026-09-01,张三,其他,\"{accused}\",\"{conflicts}\",2026-09-02,李华,2026-12-31\n"
        ));
    }
    csv.push_str("R-99,2026-09-01,张三,其他,某村会计 王五,,2026-09-02,李华,2026-12-31\n");
    let ws = crate::helpers::Workspace::new();
    let file = ws.write("recusal.csv", csv);
    let out = ws.run(&["import", file.to_str().expect("path")]);
    assert_eq!(out.code, 0, "{out:?}");

    let out = ws.run(&["screen", "--as-of", "2026-11-20", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let screen: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let flags_of = |case_no: &str| -> Vec<String> {
        let cases = screen["cases"].as_array().expect("cases");
        let case = cases.iter().find(|c| c["case_no"] == case_no).unwrap_or_else(|| panic!("{case_no} listed"));
        serde_json::from_value(case["flags"].clone()).expect("flags")
    };
    for (case_no, accused, conflicts) in spellings {
        assert!(
            flags_of(case_no).contains(&"conflict".to_owned()),
            "{case_no} ({accused:?} / {conflicts:?}) not flagged"
        );
    }
    assert!(!flags_of("R-99").contains(&"conflict".to_owned()), "a cell naming nobody known is only text");

    // The daily watch (every case is overdue), then the monthly screening's lists.
    for args in [
        ["jobs", "run", "deadline_watch", "--as-of", "2026-11-20", "--send"],
        ["jobs", "run", "monthly_screening", "--as-of", "2026-12-01", "--send"],
    ] {
        let out = ws.run(&args);
        assert_eq!(out.code, 0, "{args:?}: {out:?}");
    }
    let out = ws.run(&["notices", "list", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let listed: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let mut received_by_li_hua = std::collections::BTreeSet::new();
    let mut recused_went_to_someone = std::collections::BTreeSet::new();
    for notice in listed["notices"].as_array().expect("notices") {
        for case_no in notice["case_nos"].as_array().expect("case_nos") {
            let case_no = case_no.as_str().expect("case_no").to_owned();
            if notice["recipient"] == "li-hua" {
                received_by_li_hua.insert(case_no);
            } else {
                recused_went_to_someone.insert(case_no);
            }
        }
    }
    for (case_no, ..) in spellings {
        assert!(recused_went_to_someone.contains(case_no), "{case_no} reached the next in line");
    }
    assert_eq!(received_by_li_hua.into_iter().collect::<Vec<_>>(), ["R-99"], "李华 received only the control case");
}

/// The xlsx's cells as text, every sheet.
fn xlsx_text(path: &std::path::Path) -> String {
    use calamine::{Reader, open_workbook_auto};
    let mut book = open_workbook_auto(path).expect("workbook opens");
    let mut text = String::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("sheet");
        for row in range.rows() {
            for cell in row {
                text.push_str(&cell.to_string());
                text.push('\t');
            }
            text.push('\n');
        }
    }
    text
}

/// ID and mobile numbers typed into free text (DESIGN §3): masked on every surface — notices by
/// file and group webhook, `screen --format csv`, the report workbook, `cases`, the rejected-rows
/// file and the messages on stderr, the read and write API, the status page.
#[tokio::test(flavor = "multi_thread")]
async fn id_and_mobile_numbers_typed_into_free_text_are_masked_on_every_surface() {
    let receiver = Receiver::start().await;
    let ws = workspace("", &["outbox", "hook"]);
    let config = std::fs::read_to_string(ws.config_path()).expect("config") + &http_channels(&ws, &receiver, "");
    std::fs::write(ws.config_path(), config).expect("config");
    let (cwd, config) = (ws.dir.path().to_owned(), ws.config_path());
    let register = ws.write(
        "free-text.csv",
        "信访件编号,收到日期,信访人,证件号码,村(社区),问题类别,事项,主要诉求,被反映人,受理日期,包案领导,包案期限,备注\n\
         FT-1,2026-09-01,赵大海13912345678,,东湖村 139-1234-5678,村务管理,账目 13700001111,\"身份证320140196702261657，电话139 1234 5678\",王五15011112222,2026-09-02,孙丽,2026-10-31,联系13812340000\n\
         FT-2,13955556666,钱二,32014019670226165#,西山村,村务管理,,,,,,,\n",
    );
    let forbidden = [
        "13912345678",
        "139-1234-5678",
        "139 1234 5678",
        "13700001111",
        "320140196702261657",
        "15011112222",
        "13812340000",
        "13955556666",
        "32014019670226165",
    ];
    let mut seen = String::new();
    let words = |text: &str| text.split(' ').map(str::to_owned).collect::<Vec<_>>();
    let errors = ws.path("rejected.csv");
    let import =
        vec!["import".to_owned(), register.display().to_string(), "--errors".to_owned(), errors.display().to_string()];
    let out = binary(cwd.clone(), config.clone(), import).await;
    assert_eq!(out.code, 3, "FT-2 is rejected: {}{}", out.stdout, out.stderr);
    seen.push_str(&out.stdout);
    seen.push_str(&out.stderr);
    let rejected = std::fs::read_to_string(&errors).expect("rejected rows");
    assert!(rejected.contains("139****6666") && rejected.contains("证件号码"), "{rejected}");
    seen.push_str(&rejected);
    let report = ws.path("monthly.xlsx");
    for args in [
        words("screen --as-of 2026-11-20 --format csv"),
        words("screen --as-of 2026-11-20 --format json"),
        words("cases --format json"),
        words("jobs run deadline_watch --as-of 2026-11-20 --send"),
        words("jobs run monthly_screening --as-of 2026-12-01 --send"),
        words("notices deliver"),
        vec![
            "report".into(),
            "monthly".into(),
            "--period".into(),
            "2026-11".into(),
            "--out".into(),
            report.display().to_string(),
        ],
    ] {
        let out = binary(cwd.clone(), config.clone(), args.clone()).await;
        assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
        seen.push_str(&out.stdout);
        seen.push_str(&out.stderr);
    }
    seen.push_str(&xlsx_text(&report));
    let mut files = 0;
    for entry in std::fs::read_dir(ws.path("outbox")).expect("outbox") {
        let path = entry.expect("entry").path();
        seen.push_str(&readable(&std::fs::read_to_string(&path).expect("notice file")));
        files += 1;
    }
    let hits = receiver.hits();
    assert!(files > 0 && !hits.is_empty(), "notices by file ({files}) and by the group webhook ({})", hits.len());
    seen.extend(hits.iter().map(|h| h.body.to_string()));

    // The API with either scope, and the status page.
    let address = crate::helpers::free_address();
    let mut daemon = std::process::Command::new(env!("CARGO_BIN_EXE_petition-watch"))
        .current_dir(&cwd)
        .arg("--config")
        .arg(&config)
        .args(["run", "--listen", &address])
        .env("RUST_LOG", "warn")
        .env("PETITION_WATCH_API_TOKENS", "office:read:read-token-0123456789,county:write:write-token-0123456789")
        .env("PETITION_WATCH_HTTP__STATUS_PAGE", "open")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("daemon starts");
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).build().expect("client");
    let base = format!("http://{address}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(std::time::Instant::now() < deadline, "the daemon did not start listening");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for token in ["read-token-0123456789", "write-token-0123456789"] {
        for path in ["/api/v1/cases/FT-1", "/api/v1/findings?as_of=2026-11-20"] {
            let response = client.get(format!("{base}{path}")).bearer_auth(token).send().await.expect("request");
            assert_eq!(response.status(), 200, "{path}");
            seen.push_str(&response.text().await.expect("body"));
        }
    }
    let page = client.get(format!("{base}/")).send().await.expect("status page");
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("page");
    assert!(page.contains("FT-1"), "the status page lists the case");
    seen.push_str(&page);
    let _ = daemon.kill();
    let _ = daemon.wait();

    for number in forbidden {
        assert!(!seen.contains(number), "{number} left unmasked");
    }
    assert!(seen.contains("139****5678"), "the free text was there to mask");
    assert!(seen.contains("3201**********1657"), "the ID number was there to mask");
}

/// Register text is data in robot Markdown (DESIGN §3): links, @-mentions and tags written into
/// a village, a category, an owner or a unit reach the WeCom, DingTalk, Feishu and webhook
/// receivers neutralised, in case notices and in the leading group's report summary alike.
#[tokio::test(flavor = "multi_thread")]
async fn links_and_mentions_in_register_text_reach_no_robot_alive() {
    let receiver = Receiver::start().await;
    let ws = workspace("", &["wecom", "dingtalk", "feishu", "hook"]);
    let config = std::fs::read_to_string(ws.config_path())
        .expect("config")
        .replace("channels = [\"outbox\"]", "channels = [\"wecom\", \"dingtalk\", \"feishu\", \"hook\"]")
        + &http_channels(&ws, &receiver, "");
    std::fs::write(ws.config_path(), config).expect("config");
    let (cwd, config) = (ws.dir.path().to_owned(), ws.config_path());
    let mut csv = String::from("信访件编号,收到日期,信访人,村(社区),问题类别,受理日期,包案领导,包案期限,责任单位\n");
    for n in 1..=3 {
        csv.push_str(&format!(
            "MD-{n},2026-11-1{n},@all,[点此](http://evil.example/x),<@all>,2026-11-1{n},\"<at id=all></at>\",2026-11-20,<at user_id=\"\"all\"\">所有人</at>\n"
        ));
    }
    let register = ws.write("markup.csv", csv);
    let mut logs = String::new();
    for args in [
        vec!["import".to_owned(), register.display().to_string()],
        "jobs run deadline_watch --as-of 2026-11-27 --send".split(' ').map(str::to_owned).collect(),
        "jobs run monthly_screening --as-of 2026-12-01 --send".split(' ').map(str::to_owned).collect(),
        vec!["notices".to_owned(), "deliver".to_owned()],
    ] {
        let out = binary(cwd.clone(), config.clone(), args.clone()).await;
        assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
        logs.push_str(&out.stderr);
    }
    // The generic webhook carries the notice as JSON data for another system, not Markdown.
    let hits = receiver.hits();
    let bodies: Vec<String> = hits.iter().filter(|h| h.route != "webhook").map(|h| h.body.to_string()).collect();
    for route in ["wecom", "dingtalk", "feishu"] {
        assert!(hits.iter().any(|h| h.route == route), "{route} got messages");
    }
    assert!(bodies.iter().any(|b| b.contains("MD-1")), "the cases reached the robots: {bodies:?}");
    assert!(bodies.iter().any(|b| b.contains("预测排查")), "the report summary reached the robots");
    for body in &bodies {
        for live in ["[点此](", "<at id=all", "<at user_id", "<@all>", "@all", "http://evil", "\\u003c@all"] {
            assert!(!body.contains(live), "{live} reached a robot: {body}");
        }
    }
}

/// A webhook marked `group` is thin for reports too (DESIGN §3): the leading group's report
/// reaches it as the summary the robots get, never the report with each case's village.
#[tokio::test(flavor = "multi_thread")]
async fn a_group_webhook_gets_the_reports_summary_not_its_cases() {
    let receiver = Receiver::start().await;
    let ws = workspace("", &["outbox"]);
    let config = std::fs::read_to_string(ws.config_path())
        .expect("config")
        .replace("channels = [\"outbox\"]\n\n[administrators]", "channels = [\"hook\"]\n\n[administrators]")
        + &http_channels(&ws, &receiver, "");
    std::fs::write(ws.config_path(), config).expect("config");
    let (cwd, config) = (ws.dir.path().to_owned(), ws.config_path());
    let register = repo().join("config/examples/register.csv");
    for args in [
        vec!["import".to_owned(), register.display().to_string()],
        "jobs run monthly_screening --as-of 2026-12-01 --send".split(' ').map(str::to_owned).collect(),
        vec!["notices".to_owned(), "deliver".to_owned()],
    ] {
        let out = binary(cwd.clone(), config.clone(), args.clone()).await;
        assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
    }
    let hits: Vec<_> = receiver.hits().into_iter().filter(|h| h.route == "webhook").collect();
    assert!(!hits.is_empty(), "the report reached the group webhook");
    for hit in &hits {
        let data = &hit.body["data"];
        assert!(data.get("report").is_none(), "no report in a group notice: {data}");
        assert!(data["text"].as_str().is_some_and(|t| t.contains("预测排查")), "the summary: {data}");
        assert!(!hit.body.to_string().contains("东湖村二组"), "no matter or case detail: {}", hit.body);
    }
}
