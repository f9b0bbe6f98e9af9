//! The HTTP API, end to end over 127.0.0.1: tokens and scopes, JSON errors, size limits,
//! case intake through the importer's validation, the OpenAPI document, the status page (also in
//! headless Chromium) and the metrics of a running daemon.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use petition_watch::clock::SystemClock;
use petition_watch::config::{self, LoadedConfig};
use petition_watch::http::{Shared, serve};
use petition_watch::import::{ImportOptions, import_file};
use petition_watch::store::Store;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::delivery::workspace;
use crate::helpers::{Workspace, open, repo, run_binary, today};

pub const READ: &str = "office-read-token-0123456789";
pub const WRITE: &str = "intake-write-token-0123456789";

fn tokens_env() -> Vec<(String, String)> {
    vec![(config::TOKENS_ENV.to_owned(), format!("office:read:{READ},county:write:{WRITE}"))]
}

/// An HTTP listener in this process on a free port, over a workspace's SQLite store.
pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub loaded: LoadedConfig,
    pub ws: Workspace,
    _stop: watch::Sender<bool>,
}

impl Api {
    pub async fn start(extra_env: &[(&str, &str)], with_register: bool) -> Self {
        let ws = workspace("", &["outbox"]);
        let mut env = tokens_env();
        env.extend(extra_env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let loaded = config::load(&ws.config_path(), &env, today()).unwrap_or_else(|e| panic!("config loads: {e}"));
        let store = open(&loaded.config.database.url).await;
        if with_register {
            let options = ImportOptions::from_config(&loaded.config, false, false);
            let report = import_file(
                &repo().join("config/examples/register.csv"),
                Some(&store),
                &loaded.settings.rules.directory,
                options,
                Utc::now(),
            )
            .await;
            assert!(report.imported() > 0, "the sample register imports");
        }
        let (_config_tx, config_rx) = watch::channel(Arc::new(loaded.clone()));
        let (stop, stop_rx) = watch::channel(false);
        let shared = Shared {
            store: store.clone(),
            clock: Arc::new(SystemClock),
            config: config_rx,
            scheduler_running: Arc::new(std::sync::atomic::AtomicBool::new(true)),
            wake_delivery: Arc::new(tokio::sync::Notify::new()),
            work: Default::default(),
            reload: petition_watch::telemetry::ReloadStatus::started(Utc::now()),
        };
        let (addr, _task) = serve("127.0.0.1:0".parse().expect("address"), shared, stop_rx).await.expect("listens");
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Self { base: format!("http://{addr}"), client, store, loaded, ws, _stop: stop }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        answer(request.send().await.expect("request")).await
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        answer(request.send().await.expect("request")).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, token, body).await
    }
}

pub async fn answer(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"));
    (status, value)
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {body}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_required_and_scopes_are_enforced() {
    let api = Api::start(&[], false).await;
    let response = api.client.get(api.url("/api/v1/jobs")).send().await.expect("request");
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer realm=\"petition-watch\"");
    let (_, body) = answer(response).await;
    assert_eq!(code(&body), "unauthorized");

    let (status, body) = api.get("/api/v1/jobs", Some("office-read-token-012345678X")).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "unauthorized"), "a near miss is unknown");
    let (status, body) = api.get("/api/v1/jobs", Some(READ)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["jobs"].as_array().map(Vec::len), Some(8));

    let case = json!({"case_no": "API-0001", "received_on": "2026-11-20"});
    let (status, body) = api.post("/api/v1/cases", Some(READ), &case).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    let (status, body) = api.post("/api/v1/notices/ntc_x/retry", Some(READ), &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    let (status, body) = api.post("/api/v1/cases", None, &case).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "unauthorized"));
    assert!(api.store.get_cases(&["API-0001"]).await.expect("read").is_empty(), "nothing written");

    let (status, body) = api.get("/api/v1/nothing", Some(READ)).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let (status, body) = api.send(reqwest::Method::DELETE, "/api/v1/cases", Some(WRITE), &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
}

#[tokio::test(flavor = "multi_thread")]
async fn case_intake_is_idempotent_and_conflicts_are_refused() {
    let api = Api::start(&[], false).await;
    let case = json!({
        "case_no": "API-0001", "received_on": "2026-11-20", "信访人": "王小明", "village": "东湖村",
        "category": "民政救助", "accused": ["李四", "赵五"], "owner_leader": "li-hua", "phone": "13800001111",
        "extra": {"备注": "来电登记"}
    });
    let (status, body) = api.post("/api/v1/cases", Some(WRITE), &case).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["inserted"], 1);
    let (status, body) = api.post("/api/v1/cases", Some(WRITE), &case).await;
    assert_eq!(status, 200, "the same case again changes nothing: {body}");
    assert_eq!((body["inserted"].as_u64(), body["unchanged"].as_u64()), (Some(0), Some(1)));

    let mut changed = case.clone();
    changed["village"] = json!("西山村");
    let (status, body) = api.post("/api/v1/cases", Some(WRITE), &changed).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "case_exists"), "{body}");
    assert_eq!(body["error"]["details"]["case_nos"], json!(["API-0001"]));
    let (_, stored) = api.get("/api/v1/cases/API-0001", Some(WRITE)).await;
    assert_eq!(stored["village"], "东湖村", "a refused POST writes nothing");

    let (status, body) = api.send(reqwest::Method::PUT, "/api/v1/cases", Some(WRITE), &json!([changed])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["updated"], 1);
    let (status, stored) = api.get("/api/v1/cases/API-0001", Some(WRITE)).await;
    assert_eq!(status, 200);
    assert_eq!(stored["village"], "西山村");
    assert_eq!(stored["petitioner"], "王小明");
    assert_eq!(stored["accused"], json!(["李四", "赵五"]));
    assert_eq!(stored["extra"]["备注"], "来电登记");

    // What GET gives back can be PUT again unchanged.
    let mut round_trip = stored.clone();
    if let Some(map) = round_trip.as_object_mut() {
        map.remove("redacted");
    }
    let (status, body) = api.send(reqwest::Method::PUT, "/api/v1/cases", Some(WRITE), &round_trip).await;
    assert_eq!((status, body["unchanged"].as_u64()), (StatusCode::OK, Some(1)), "{body}");

    let (status, missing) = api.get("/api/v1/cases/NO-SUCH", Some(READ)).await;
    assert_eq!((status, code(&missing)), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_token_sees_a_case_without_the_petitioners_identity() {
    let api = Api::start(&[], false).await;
    let case = json!({"case_no": "API-0002", "received_on": "2026-11-20", "petitioner": "王小明",
        "petitioner_id": "110101199003077777", "phone": "13800001111", "summary": "王小明反映李四占地",
        "extra": {"备注": "王小明的邻居"}});
    assert_eq!(api.post("/api/v1/cases", Some(WRITE), &case).await.0, 201);
    let (status, seen) = api.get("/api/v1/cases/API-0002", Some(READ)).await;
    assert_eq!(status, 200);
    assert_eq!(seen["petitioner"], "王**");
    let text = seen.to_string();
    for secret in ["王小明", "110101199003077777", "13800001111", "占地", "邻居"] {
        assert!(!text.contains(secret), "a read token saw {secret}: {text}");
    }
    assert_eq!(seen["redacted"], json!(["petitioner_id", "phone", "summary", "accused", "conflicts", "extra"]));
    let (_, full) = api.get("/api/v1/cases/API-0002", Some(WRITE)).await;
    assert_eq!(full["petitioner_id"], "110101199003077777");
    assert_eq!(full["phone"], "13800001111");
}

/// What each scope may see (DESIGN §3): a read token never learns who is accused — not from
/// the case (`accused`, `conflicts`), not from the findings' evidence — nor a confidential or
/// anonymous petitioner's name, even masked; the write scope sees all of it.
#[tokio::test(flavor = "multi_thread")]
async fn a_read_token_never_learns_who_is_accused_or_a_confidential_petitioner() {
    let api = Api::start(&[], false).await;
    let case = json!({"case_no": "API-0003", "received_on": "2026-09-01", "accepted_on": "2026-09-02",
        "petitioner": "保小红", "confidential": true, "accused": ["李华"], "conflicts": ["赵敏"],
        "owner_leader": "li-hua", "owner_deadline": "2026-12-31"});
    assert_eq!(api.post("/api/v1/cases", Some(WRITE), &case).await.0, 201);
    let (status, seen) = api.get("/api/v1/cases/API-0003", Some(READ)).await;
    assert_eq!(status, 200);
    let (_, findings) = api.get("/api/v1/findings?as_of=2026-11-20", Some(READ)).await;
    let listed = findings["cases"].as_array().expect("cases").iter().find(|c| c["case_no"] == "API-0003").cloned();
    let listed = listed.expect("the case is listed");
    assert!(listed["flags"].as_array().expect("flags").contains(&json!("conflict")), "the flag itself stays: {listed}");
    for text in [seen.to_string(), listed.to_string()] {
        for secret in ["李华", "赵敏", "li-hua\",\"accused", "系被反映人", "列入回避人员", "保", "accused\":"]
        {
            assert!(!text.contains(secret), "a read token saw {secret}: {text}");
        }
    }
    let (_, full) = api.get("/api/v1/cases/API-0003", Some(WRITE)).await;
    assert_eq!((full["accused"].clone(), full["conflicts"].clone()), (json!(["李华"]), json!(["赵敏"])));
    let (_, findings) = api.get("/api/v1/findings?as_of=2026-11-20", Some(WRITE)).await;
    assert!(findings.to_string().contains("系被反映人"), "the write scope sees why: {findings}");
}

#[tokio::test(flavor = "multi_thread")]
async fn intake_uses_the_importers_validation_and_takes_a_batch_whole_or_not_at_all() {
    let api = Api::start(&[], false).await;
    let batch = json!([
        {"case_no": "API-0010", "received_on": "2026-11-20"},
        {"case_no": "API-0011", "received_on": "2026-02-30", "extension_days": 45}
    ]);
    let (status, body) = api.post("/api/v1/cases", Some(WRITE), &batch).await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_case"), "{body}");
    let details = &body["error"]["details"];
    assert_eq!(details[0]["index"], 1);
    assert_eq!(details[0]["case_no"], "API-0011");
    let problems: Vec<(String, String)> = details[0]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| (p["column"].as_str().unwrap_or("").to_owned(), p["reason"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert!(api.store.get_cases(&["API-0010"]).await.expect("read").is_empty(), "the good case was not written either");

    // The register importer says exactly the same about the same row.
    let ws = Workspace::new();
    let csv = ws.write("same.csv", "case_no,received_on,extension_days\nAPI-0011,2026-02-30,45\n");
    let options = ImportOptions::from_config(&api.loaded.config, true, false);
    let report = import_file(&csv, None, &api.loaded.settings.rules.directory, options, Utc::now()).await;
    let imported: Vec<(String, String)> =
        report.rejected.iter().flat_map(|r| &r.problems).map(|p| (p.column.clone(), p.reason.clone())).collect();
    assert_eq!(problems, imported);
    assert_eq!(problems.len(), 2, "the date and the extension: {problems:?}");

    for (body, expected) in [
        (json!({"case_no": "API-0012", "received_on": "2026-11-20", "colour": "red"}), "unknown_field"),
        (json!({"case_no": "API-0012", "received_on": "2026-11-20", "收到日期": "2026-11-20"}), "unknown_field"),
        (json!({"case_no": "API-0012", "received_on": "2026-11-20", "extra": {"信访人": "x"}}), "unknown_field"),
        (json!("API-0012"), "bad_json"),
        (json!([]), "invalid_case"),
        (json!({"case_no": "API-0012"}), "invalid_case"),
        (json!({"case_no": "API-0012", "received_on": "2026-11-20", "accused": [1, 2]}), "invalid_case"),
    ] {
        let (status, answer) = api.post("/api/v1/cases", Some(WRITE), &body).await;
        assert_eq!(code(&answer), expected, "{body} → {status} {answer}");
        assert!(status.is_client_error());
    }

    let response = api
        .client
        .post(api.url("/api/v1/cases"))
        .bearer_auth(WRITE)
        .header("content-type", "application/json")
        .body("{\"case_no\": \"API-0013\", ")
        .send()
        .await
        .expect("request");
    let (status, body) = answer(response).await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "bad_json"));
    let response = api
        .client
        .post(api.url("/api/v1/cases"))
        .bearer_auth(WRITE)
        .header("content-type", "text/csv")
        .body("case_no,received_on\nAPI-0013,2026-11-20\n")
        .send()
        .await
        .expect("request");
    let (status, body) = answer(response).await;
    assert_eq!((status, code(&body)), (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"));
    assert_eq!(api.store.count_cases().await.expect("count"), 0, "nothing was written by any of these");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_body_is_refused_before_it_is_read() {
    let api = Api::start(&[("PETITION_WATCH_HTTP__MAX_BODY_BYTES", "4096")], false).await;
    let many: Vec<Value> =
        (0..200).map(|i| json!({"case_no": format!("API-{i:04}"), "received_on": "2026-11-20"})).collect();
    let (status, body) = api.post("/api/v1/cases", Some(WRITE), &json!(many)).await;
    assert_eq!((status, code(&body)), (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"), "{body}");
    let (status, _) = api.post("/api/v1/cases", Some(WRITE), &json!(many[..10])).await;
    assert_eq!(status, 201, "a batch under the limit is taken");
}

#[tokio::test(flavor = "multi_thread")]
async fn findings_notices_and_retries_answer_what_the_register_and_outbox_hold() {
    let api = Api::start(&[], true).await;
    // The findings are what `screen --format json` prints for the same day (for the write scope;
    // a read token's differ only in a recusal's evidence, which names nobody).
    let (status, findings) = api.get("/api/v1/findings?as_of=2026-10-08", Some(WRITE)).await;
    assert_eq!(status, 200);
    let (status, read) = api.get("/api/v1/findings?as_of=2026-10-08", Some(READ)).await;
    assert_eq!(status, 200);
    let without_recusal_evidence = |mut v: Value| {
        for case in v["cases"].as_array_mut().expect("cases") {
            case["evidence"].as_object_mut().expect("evidence").remove("conflict");
        }
        v
    };
    assert_eq!(without_recusal_evidence(read.clone()), without_recusal_evidence(findings.clone()));
    assert!(!read.to_string().contains("回避人员\""), "{read}");
    let db = api.loaded.config.database.url.clone();
    let cli = run_binary(
        api.ws.dir.path(),
        &api.ws.config_path(),
        &["screen", "--as-of", "2026-10-08", "--format", "json"],
        &[("DATABASE_URL", &db)],
    );
    assert_eq!(cli.code, 0, "{}", cli.stderr);
    let printed: Value = serde_json::from_str(&cli.stdout).expect("screen prints JSON");
    assert_eq!(findings, printed);
    assert!(findings["cases"].as_array().is_some_and(|c| !c.is_empty()));
    for (query, expected) in [("?as_of=2026-13-01", "bad_query"), ("?asof=2026-10-08", "bad_query")] {
        let (status, body) = api.get(&format!("/api/v1/findings{query}"), Some(READ)).await;
        assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, expected));
    }

    // A job run fills the outbox; the API lists it.
    let now = Utc::now();
    let report = petition_watch::jobs::run(
        &api.store,
        &api.loaded,
        petition_watch::plan::Job::DeadlineWatch,
        chrono::NaiveDate::from_ymd_opt(2026, 10, 8).expect("date"),
        now,
        now,
        false,
    )
    .await
    .expect("job runs");
    assert!(report.enqueued > 0);
    let (status, list) = api.get("/api/v1/notices?status=pending&limit=1000", Some(READ)).await;
    assert_eq!(status, 200);
    let notices = list["notices"].as_array().expect("notices");
    assert_eq!(notices.len(), report.enqueued);
    let (_, one) = api.get("/api/v1/notices?limit=1", Some(READ)).await;
    assert_eq!(one["notices"].as_array().map(Vec::len), Some(1));
    let (status, body) = api.get("/api/v1/notices?status=lost", Some(READ)).await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "bad_query"));

    // A dead notice can be retried; a sent one cannot; an unknown one is 404.
    let id = notices[0]["id"].as_str().expect("id").to_owned();
    set_status(&db, &id, "dead").await;
    let (status, body) = api.post(&format!("/api/v1/notices/{id}/retry"), Some(WRITE), &json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["previous_status"], "dead");
    let (_, after) = api.get("/api/v1/notices?status=pending&limit=1000", Some(READ)).await;
    assert!(after["notices"].as_array().expect("list").iter().any(|n| n["id"] == id.as_str()), "pending again");
    set_status(&db, &id, "sent").await;
    let (status, body) = api.post(&format!("/api/v1/notices/{id}/retry"), Some(WRITE), &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "not_retryable"));
    let (status, body) = api.post("/api/v1/notices/ntc_nothing/retry", Some(WRITE), &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));

    let (_, jobs) = api.get("/api/v1/jobs", Some(READ)).await;
    let watch = jobs["jobs"].as_array().expect("jobs").iter().find(|j| j["name"] == "deadline_watch").cloned();
    let watch = watch.expect("deadline_watch listed");
    assert_eq!(watch["name_zh"], "期限督办");
    assert!(watch["next_firing"].as_str().is_some_and(|t| t.ends_with("08:30:00+08:00")), "{watch}");
    assert!(watch["last_firing"].is_string(), "the run above is recorded: {watch}");
}

async fn set_status(url: &str, id: &str, status: &str) {
    let pool = sqlx::SqlitePool::connect(url).await.expect("sqlite");
    sqlx::query("UPDATE outbox SET status = $1 WHERE id = $2")
        .bind(status)
        .bind(id)
        .execute(&pool)
        .await
        .expect("update");
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_is_checked_in_and_every_path_in_it_is_served() {
    let api = Api::start(&[], false).await;
    let response = api.client.get(api.url("/api/v1/openapi.json")).send().await.expect("request");
    assert_eq!(response.status(), 200);
    let served = response.text().await.expect("body");
    let file = repo().join("docs/openapi.json");
    if std::env::var_os("PETITION_WATCH_UPDATE_GOLDEN").is_some() {
        std::fs::write(&file, format!("{served}\n")).expect("write docs/openapi.json");
    }
    let checked_in = std::fs::read_to_string(&file).expect("docs/openapi.json");
    assert_eq!(
        checked_in.trim_end(),
        served,
        "docs/openapi.json is out of date: run PETITION_WATCH_UPDATE_GOLDEN=1 cargo test openapi and review the diff"
    );
    let doc: Value = serde_json::from_str(&served).expect("JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let paths = doc["paths"].as_object().expect("paths");
    assert_eq!(paths.len(), 10);
    for (path, operations) in paths {
        let concrete = path.replace("{case_no}", "XF2026-001").replace("{id}", "ntc_x");
        for method in operations.as_object().expect("operations").keys() {
            let method: reqwest::Method = method.to_uppercase().parse().expect("method");
            let (status, body) = api.send(method.clone(), &concrete, None, &json!({})).await;
            assert_eq!(status, 401, "{method} {path} is routed and guarded: {body}");
        }
    }
}

/// Waits for `address` to answer `/healthz`.
async fn wait_healthy(client: &reqwest::Client, address: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        match client.get(format!("http://{address}/healthz")).send().await {
            Ok(r) if r.status() == 200 => return,
            _ if std::time::Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            _ => panic!("no /healthz on {address}"),
        }
    }
}

fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.split(['{', ' ']).next() == Some(name))
        .filter(|l| labels.iter().all(|(k, v)| l.contains(&format!("{k}=\"{v}\""))))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_move_when_the_daemon_runs_a_job_and_delivers() {
    let ws = workspace("", &["outbox"]);
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    // The deadline watch every five seconds, every day.
    let old = "schedule = \"0 30 8 * * *\"\non_non_working_day = \"skip\"";
    assert!(text.contains(old), "the shipped deadline_watch schedule");
    let text = text.replace(old, "schedule = \"*/5 * * * * *\"\non_non_working_day = \"run\"");
    std::fs::write(ws.config_path(), text).expect("config");
    let store = open(&ws.load().config.database.url).await;
    let loaded = ws.load();
    crate::helpers::import_sample(&store, &loaded).await;
    store.close().await;

    let address = crate::helpers::free_address();
    let mut daemon = crate::helpers::spawn_listening_daemon(&ws, &address, None);
    let client = reqwest::Client::new();
    wait_healthy(&client, &address).await;
    let scrape = || async {
        let response = client.get(format!("http://{address}/metrics")).send().await.expect("metrics");
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap_or("").starts_with("text/plain"));
        response.text().await.expect("text")
    };
    let first = scrape().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    let later = loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let text = scrape().await;
        let runs = metric(&text, "petition_watch_job_firings_total", &[("job", "deadline_watch"), ("outcome", "done")]);
        let sent = metric(&text, "petition_watch_deliveries_total", &[("channel", "outbox"), ("outcome", "sent")]);
        if runs >= 2.0 && sent > 0.0 {
            break text;
        }
        assert!(std::time::Instant::now() < deadline, "counters did not move:\n{text}");
    };
    let _ = std::process::Command::new("kill").arg("-TERM").arg(daemon.id().to_string()).status();
    let _ = daemon.wait();

    let before = metric(&first, "petition_watch_job_firings_total", &[("job", "deadline_watch")]);
    let after = metric(&later, "petition_watch_job_firings_total", &[("job", "deadline_watch")]);
    assert!(after > before, "firings counted: {before} → {after}");
    assert!(metric(&later, "petition_watch_job_duration_seconds_count", &[("job", "deadline_watch")]) >= 2.0);
    assert!(metric(&later, "petition_watch_findings", &[("job", "deadline_watch")]) > 0.0, "findings per flag");
    let sent = metric(&later, "petition_watch_deliveries_total", &[("outcome", "sent")]);
    assert_eq!(
        metric(&later, "petition_watch_delivery_latency_seconds_count", &[]),
        sent,
        "one latency per sent notice"
    );
    assert!(metric(&later, "petition_watch_outbox_notices", &[("status", "sent")]) > 0.0);
    assert!(later.contains("petition_watch_outbox_depth "), "{later}");
    assert!(metric(&later, "petition_watch_job_last_success_timestamp_seconds", &[("job", "deadline_watch")]) > 1.7e9);
}

fn form(api: &Api, body: &str) -> reqwest::RequestBuilder {
    api.client.post(api.url("/login")).header("content-type", "application/x-www-form-urlencoded").body(body.to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_status_page_asks_for_a_token_and_shows_no_identity() {
    let api = Api::start(&[], true).await;
    let page = api.client.get(api.url("/")).send().await.expect("page");
    assert_eq!(page.status(), 401);
    let html = page.text().await.expect("html");
    assert!(html.contains("访问令牌") && html.contains("action=\"/login\""), "a login form: {html}");

    let bad = form(&api, "token=wrong-token-0123456789").send().await.expect("login");
    assert_eq!(bad.status(), 401);
    assert!(bad.text().await.expect("html").contains("令牌无效"));

    let good = form(&api, &format!("token={READ}")).send().await.expect("login");
    assert_eq!(good.status(), 303);
    let cookie = good.headers()["set-cookie"].to_str().expect("cookie").to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains(READ), "the cookie holds no token");
    let session = cookie.split(';').next().expect("name=value").to_owned();
    let page = api.client.get(api.url("/")).header("cookie", &session).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    for expected in ["各包案领导名下预警件", "定时任务", "期限督办", "最近发送", "退出"] {
        assert!(html.contains(expected), "the page shows {expected}");
    }
    assert!(html.contains("XF2026-0"), "case numbers are listed");
    // The workspace has schedules for 2025 and 2026 only: from 2026-11-01 the next year's is missing.
    assert!(html.contains("年节假日安排尚未加载") && html.contains("calendar-unverified"), "the holiday banner");
    // Names, ID numbers and phones of the register's petitioners never appear.
    let register = std::fs::read_to_string(repo().join("config/examples/register.csv")).expect("register");
    let mut lines = register.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let columns: Vec<usize> = ["信访人", "证件号码", "联系电话"]
        .iter()
        .filter_map(|name| header.iter().position(|h| h.trim() == *name))
        .collect();
    assert_eq!(columns.len(), 3, "the sample register has these columns: {header:?}");
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        for &i in &columns {
            if let Some(value) = cells.get(i).map(|v| v.trim()).filter(|v| v.chars().count() >= 2) {
                assert!(!html.contains(value), "the status page shows {value}");
            }
        }
    }
    let bearer = api.client.get(api.url("/")).bearer_auth(WRITE).send().await.expect("page");
    assert_eq!(bearer.status(), 200, "a bearer token works too");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_status_page_can_be_open_or_off() {
    let open_api = Api::start(&[("PETITION_WATCH_HTTP__STATUS_PAGE", "open")], false).await;
    assert_eq!(open_api.client.get(open_api.url("/")).send().await.expect("page").status(), 200);
    let off = Api::start(&[("PETITION_WATCH_HTTP__STATUS_PAGE", "off")], false).await;
    let (status, body) = off.get("/", Some(READ)).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
}

/// The headless Chromium to render pages with; `None` (the test skips, saying so) only
/// outside CI — under `CI=true` a missing Chromium fails the test.
pub fn chromium() -> Option<String> {
    let found =
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| std::path::Path::new(p).exists());
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI needs chromium (.ci/run installs it)");
        eprintln!("SKIPPED: no chromium here; apt-get install chromium fonts-noto-cjk");
    }
    found.map(str::to_owned)
}

/// Runs headless Chromium on `url` at window `size` ("390,1400") with `action` (`--dump-dom`
/// or `--screenshot=PATH`), a profile in `ws`; its standard output.
pub async fn chromium_run(chromium: &str, ws: &Workspace, size: &str, action: &str, url: &str) -> String {
    let args: Vec<String> = crate::browser::HEADLESS
        .into_iter()
        .chain(["--virtual-time-budget=3000"])
        .map(str::to_owned)
        .chain([
            format!("--window-size={size}"),
            format!("--user-data-dir={}", ws.path("profile").display()),
            action.to_owned(),
            url.to_owned(),
        ])
        .collect();
    let chromium = chromium.to_owned();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(chromium).args(args).output().expect("chromium runs")
    })
    .await
    .expect("joined");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Keeps a screenshot as a test artefact, under the target directory's `tmp/screenshots/`.
pub fn keep_artefact(path: &std::path::Path, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::copy(path, dir.join(name));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_status_page_renders_in_headless_chromium() {
    let Some(chromium) = chromium() else { return };
    let api = Api::start(&[("PETITION_WATCH_HTTP__STATUS_PAGE", "open")], true).await;
    let ws = Workspace::new();
    let shot = ws.path("status.png");
    let url = api.url("/");
    let dom = chromium_run(&chromium, &ws, "1280,1600", "--dump-dom", &url).await;
    assert!(dom.contains("<h2>各包案领导名下预警件"), "chromium rendered the page: {dom}");
    assert!(dom.contains("XF2026-0"));
    chromium_run(&chromium, &ws, "1280,1600", &format!("--screenshot={}", shot.display()), &url).await;
    let png = std::fs::read(&shot).expect("screenshot written");
    assert_eq!(&png[1..4], b"PNG");
    let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    assert_eq!(width, 1280);
    assert!(png.len() > 50_000, "a page with content, not a blank: {} bytes", png.len());
    keep_artefact(&shot, "status-page-1280.png");
    if let Some(keep) = std::env::var_os("PETITION_WATCH_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).expect("copy screenshot");
    }
}

/// `POST /api/v1/cases` checks and writes in one transaction (DESIGN §5.3): forty clients
/// posting one new number at once on PostgreSQL get one 201 between them; the same content
/// again is 200 unchanged, other content 409 — never a second 201 or an "updated".
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_posts_of_one_new_number_insert_it_once_on_postgresql() {
    let Some(db) = crate::helpers::PgDatabase::create().await else { return };
    let api = Api::start(&[("DATABASE_URL", db.url.as_str())], false).await;
    assert_eq!(api.store.backend(), "postgres");
    let post_all = |bodies: Vec<Value>| {
        let api = &api;
        async move {
            let requests =
                bodies.into_iter().map(|body| async move { api.post("/api/v1/cases", Some(WRITE), &body).await });
            futures_util::future::join_all(requests).await
        }
    };
    let same = json!({"case_no": "RACE-1", "received_on": "2026-11-20", "summary": "同一内容"});
    let answers = post_all(vec![same; 40]).await;
    let created = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
    let statuses = |answers: &[(StatusCode, Value)]| answers.iter().map(|(s, _)| s.as_u16()).collect::<Vec<_>>();
    assert_eq!(created, 1, "one 201: {:?}", statuses(&answers));
    for (status, body) in answers.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
        assert_eq!(*status, StatusCode::OK, "{body}");
        assert_eq!(
            (body["inserted"].as_u64(), body["updated"].as_u64(), body["unchanged"].as_u64()),
            (Some(0), Some(0), Some(1))
        );
    }
    let different: Vec<Value> = (0..40)
        .map(|n| json!({"case_no": "RACE-2", "received_on": "2026-11-20", "summary": format!("内容 {n}")}))
        .collect();
    let answers = post_all(different).await;
    let created = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
    assert_eq!(created, 1, "one 201: {:?}", statuses(&answers));
    for (status, body) in answers.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
        assert_eq!(*status, StatusCode::CONFLICT, "{body}");
        assert_eq!(code(body), "case_exists");
    }
    api.store.close().await;
    db.drop_db().await;
}

/// Many concurrent findings requests (each on its own connection, within `http.max_connections`)
/// are answered alike, from one screening per date and scope at a time (the bound on heavy
/// work), while the listener still answers health checks.
#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_concurrent_findings_requests_are_all_answered_alike() {
    let api = Api::start(&[], true).await;
    let ask = |path: String| {
        let api = &api;
        async move {
            let response = api.client.get(api.url(&path)).bearer_auth(READ).send().await.expect("request");
            (response.status(), response.text().await.expect("body"))
        }
    };
    let asks = (0..210).map(|n| ask(format!("/api/v1/findings?as_of=2026-10-{:02}", 8 + n % 3)));
    let (answers, health) = tokio::join!(futures_util::future::join_all(asks), async {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        api.client.get(api.url("/healthz")).send().await.expect("health").status()
    });
    assert_eq!(health, StatusCode::OK);
    for day in 0..3 {
        let same: Vec<&(reqwest::StatusCode, String)> = answers.iter().skip(day).step_by(3).collect();
        assert!(same.iter().all(|(status, _)| *status == StatusCode::OK));
        assert!(same.iter().all(|(_, body)| *body == same[0].1), "one answer per date");
        assert!(same[0].1.contains(&format!("2026-10-{:02}", 8 + day)));
    }
}

/// A key given twice in one JSON object is refused (400 `bad_json`), not read as the last one.
#[tokio::test(flavor = "multi_thread")]
async fn a_key_given_twice_in_a_body_is_refused() {
    let api = Api::start(&[], false).await;
    for body in [
        r#"{"case_no": "DUP-1", "received_on": "2026-11-20", "case_no": "DUP-2"}"#,
        r#"[{"case_no": "DUP-3", "received_on": "2026-11-20", "accused": ["a"], "accused": ["b"]}]"#,
    ] {
        let response = api
            .client
            .post(api.url("/api/v1/cases"))
            .bearer_auth(WRITE)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        let (status, answer) = answer(response).await;
        assert_eq!((status, code(&answer)), (StatusCode::BAD_REQUEST, "bad_json"), "{body}");
        assert!(answer.to_string().contains("given twice"), "{answer}");
    }
    for no in ["DUP-1", "DUP-2", "DUP-3"] {
        assert_eq!(api.get(&format!("/api/v1/cases/{no}"), Some(READ)).await.0, StatusCode::NOT_FOUND);
    }
}

/// The work on a case (DESIGN §5.3): recorded through `POST /api/v1/cases/{case_no}/events` by
/// a write token, read back with the case with the notices that listed it; a read token sees
/// who did what and when, never the text (it may name the petitioner).
#[tokio::test(flavor = "multi_thread")]
async fn events_are_recorded_on_a_case_and_read_back_with_the_notices_that_listed_it() {
    let api = Api::start(&[], true).await;
    let (_, case) = api.get("/api/v1/findings?as_of=2026-11-27", Some(WRITE)).await;
    let case_no = case["cases"][0]["case_no"].as_str().expect("a flagged case").to_owned();
    let path = format!("/api/v1/cases/{case_no}/events");

    let ack = json!({"kind": "ack", "by": "li-hua", "at": "2026-11-27T09:05:00+08:00"});
    let (status, body) = api.post(&path, Some(WRITE), &ack).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!((body["kind"].as_str(), body["at"].as_str()), (Some("ack"), Some("2026-11-27T01:05:00+00:00")));
    let reply = json!({"kind": "reply", "how": "电话", "text": "已电话告知王小明处理意见", "due_on": "2026-12-10"});
    let (status, body) = api.post(&path, Some(WRITE), &reply).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["by"], "county", "the token's name when `by` is left out");

    // Refused, and nothing recorded.
    for (bad, code_wanted) in [
        (json!({"kind": "signed"}), "invalid_event"),
        (json!({"kind": "progress"}), "invalid_event"),
        (json!({"kind": "reply", "text": "x", "how": "微信"}), "invalid_event"),
        (json!({"kind": "ack", "at": "2999-01-01T00:00:00Z"}), "invalid_event"),
        (json!({"kind": "ack", "due": "2026-12-01"}), "unknown_field"),
        (json!({"kind": "supervision", "text": "督办", "due_on": "2026-12-04"}), "invalid_event"),
        (json!({"kind": "supervision", "text": "督办", "pressed": "nobody", "due_on": "2026-12-04"}), "invalid_event"),
        (json!({"kind": "supervision", "text": "督办", "pressed": "zhao-min"}), "invalid_event"),
        (json!({"kind": "ack", "pressed": "zhao-min"}), "invalid_event"),
    ] {
        let (status, body) = api.post(&path, Some(WRITE), &bad).await;
        assert!(status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(code(&body), code_wanted, "{bad}: {body}");
    }
    // A 督办 names whom it presses (an id or a name from the config) and by when.
    let press = json!({"kind": "supervision", "text": "请本周内约谈", "pressed": "赵敏", "due_on": "2026-12-04"});
    let (status, body) = api.post(&path, Some(WRITE), &press).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!((body["pressed"].as_str(), body["due_on"].as_str()), (Some("zhao-min"), Some("2026-12-04")));
    assert_eq!(api.post(&path, Some(READ), &ack).await.0, StatusCode::FORBIDDEN);
    assert_eq!(api.post("/api/v1/cases/NO-SUCH/events", Some(WRITE), &ack).await.0, StatusCode::NOT_FOUND);

    // A deadline watch lists the case; its notices show with the case.
    let now = chrono::Utc::now();
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
    petition_watch::jobs::run(
        &api.store,
        &api.loaded,
        petition_watch::plan::Job::MonthlyScreening,
        as_of,
        now,
        now,
        false,
    )
    .await
    .expect("a run");
    let (_, full) = api.get(&format!("/api/v1/cases/{case_no}"), Some(WRITE)).await;
    let events = full["events"].as_array().expect("events");
    assert_eq!(
        events.iter().map(|e| e["kind"].as_str().unwrap_or("")).collect::<Vec<_>>(),
        vec!["ack", "reply", "supervision"]
    );
    assert_eq!(events[1]["text"], "已电话告知王小明处理意见");
    assert_eq!((events[1]["how"].as_str(), events[1]["due_on"].as_str()), (Some("电话"), Some("2026-12-10")));
    let notices = full["notices"].as_array().expect("notices");
    assert!(!notices.is_empty(), "the run's notices list the case: {full}");
    assert!(notices.iter().all(|n| n["job"] == "monthly_screening"), "{full}");

    let (_, seen) = api.get(&format!("/api/v1/cases/{case_no}"), Some(READ)).await;
    let text = seen["events"].to_string();
    assert!(!text.contains("王小明") && !text.contains("处理意见"), "a read token saw an event's text: {text}");
    assert_eq!(seen["events"][1]["kind"], "reply");

    // What GET gives back can still be PUT again unchanged.
    let mut round_trip = full.clone();
    if let Some(map) = round_trip.as_object_mut() {
        map.remove("redacted");
    }
    let (status, body) = api.send(reqwest::Method::PUT, "/api/v1/cases", Some(WRITE), &round_trip).await;
    assert_eq!((status, body["unchanged"].as_u64()), (StatusCode::OK, Some(1)), "{body}");
}

/// 督办 from the status page (DESIGN §5.3): a visitor with a write token records one — whom it
/// presses, by when, what — and is sent back to the page; a read token may not; a bad form is
/// answered on the page in Chinese, and nothing is recorded.
#[tokio::test(flavor = "multi_thread")]
async fn the_office_records_a_supervision_from_the_status_page() {
    let api = Api::start(&[], true).await;
    let form = |pairs: &[(&str, &str)]| form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    let post = |token: &'static str, body: String| {
        let request = api
            .client
            .post(api.url("/supervise"))
            .bearer_auth(token)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        async move {
            let response = request.send().await.expect("post");
            let status = response.status();
            let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
            (status, location, response.text().await.expect("body"))
        }
    };
    let page = api.client.get(api.url("/")).bearer_auth(WRITE).send().await.expect("page");
    let html = page.text().await.expect("html");
    assert!(html.contains("id=\"supervise\"") && html.contains("<option value=\"zhao-min\">赵敏副镇长</option>"));
    let read_page = api.client.get(api.url("/")).bearer_auth(READ).send().await.expect("page");
    assert!(!read_page.text().await.expect("html").contains("id=\"supervise\""), "no form for a read token");

    let good = [("case_no", "XF2026-011"), ("pressed", "zhao-min"), ("due_on", "2999-12-31"), ("text", "请本周内约谈")];
    assert_eq!(post(READ, form(&good)).await.0, StatusCode::FORBIDDEN);
    for (bad, says) in [
        (
            vec![("case_no", "XF-NONE"), ("pressed", "zhao-min"), ("due_on", "2999-12-31"), ("text", "x")],
            "登记簿中没有信访件",
        ),
        (
            vec![("case_no", "XF2026-011"), ("pressed", "nobody"), ("due_on", "2999-12-31"), ("text", "x")],
            "不在人员名单中",
        ),
        (vec![("case_no", "XF2026-011"), ("pressed", "zhao-min"), ("due_on", "2000-01-01"), ("text", "x")], "早于今天"),
        (
            vec![("case_no", "XF2026-011"), ("pressed", "zhao-min"), ("due_on", "2999-12-31"), ("text", "")],
            "请填写督办内容",
        ),
    ] {
        let (status, _, html) = post(WRITE, form(&bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert!(html.contains(says) && html.contains("id=\"supervise-error\""), "{says}: {bad:?}");
    }
    assert!(api.store.case_events("XF2026-011").await.expect("events").is_empty(), "nothing recorded");
    let (status, location, _) = post(WRITE, form(&good)).await;
    assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some("/?done=supervise#supervise")));
    let events = api.store.case_events("XF2026-011").await.expect("events");
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!((e.kind.name(), e.by.as_str(), e.pressed.as_deref()), ("supervision", "county", Some("zhao-min")));
    assert_eq!((e.due_on.map(|d| d.to_string()), e.text.as_str()), (Some("2999-12-31".to_owned()), "请本周内约谈"));
    let done = api.client.get(api.url("/?done=supervise")).bearer_auth(WRITE).send().await.expect("page");
    assert!(done.text().await.expect("html").contains("督办已登记"));
}

/// 作废 and corrected numbers over the API (DESIGN §5.3): DELETE withdraws a case (out of the
/// findings, kept with who, when and why, still readable), a re-import leaves it out unless it
/// says `"restore": true`; rename corrects a number and keeps the case's history.
#[tokio::test(flavor = "multi_thread")]
async fn a_case_is_withdrawn_restored_and_renamed_over_the_api() {
    let api = Api::start(&[], true).await;
    let (_, findings) = api.get("/api/v1/findings?as_of=2026-11-27", Some(WRITE)).await;
    let case_no = findings["cases"][0]["case_no"].as_str().expect("a flagged case").to_owned();
    let path = format!("/api/v1/cases/{case_no}");
    let (_, original) = api.get(&path, Some(WRITE)).await;

    let delete = |token: &'static str, body: Value| {
        let (api, path) = (&api, path.clone());
        async move { api.send(reqwest::Method::DELETE, &path, Some(token), &body).await }
    };
    assert_eq!(delete(READ, json!({"reason": "录错"})).await.0, StatusCode::FORBIDDEN);
    let (status, body) = delete(WRITE, json!({"reason": " "})).await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_reason"));
    let (status, body) = delete(WRITE, json!({"reason": "重复录入"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["by"].as_str(), body["reason"].as_str()), (Some("county"), Some("重复录入")));
    let (status, body) = delete(WRITE, json!({"reason": "重复录入"})).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "already_withdrawn"));

    let (_, findings) = api.get("/api/v1/findings?as_of=2026-11-27", Some(WRITE)).await;
    assert!(!findings.to_string().contains(&format!("\"{case_no}\"")), "out of the screening");
    let (status, withdrawn) = api.get(&path, Some(WRITE)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(withdrawn["withdrawn"]["reason"], "重复录入");
    assert_eq!(withdrawn["events"][withdrawn["events"].as_array().map_or(0, Vec::len) - 1]["kind"], "withdrawn");

    // PUT again as read back: left out; with "restore": true, back.
    let mut again = original.clone();
    if let Some(map) = again.as_object_mut() {
        for key in ["redacted", "events", "notices"] {
            map.remove(key);
        }
    }
    let (status, body) = api.send(reqwest::Method::PUT, "/api/v1/cases", Some(WRITE), &again).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["withdrawn"], json!([case_no.clone()]), "{body}");
    again["restore"] = json!(true);
    let (status, body) = api.send(reqwest::Method::PUT, "/api/v1/cases", Some(WRITE), &again).await;
    assert_eq!((status, body["restored"].as_u64()), (StatusCode::CREATED, Some(1)), "{body}");
    let (_, findings) = api.get("/api/v1/findings?as_of=2026-11-27", Some(WRITE)).await;
    assert!(findings.to_string().contains(&format!("\"{case_no}\"")), "back in the screening");

    // Withdrawn again and restored by its own endpoint.
    assert_eq!(delete(WRITE, json!({"reason": "再次误作废"})).await.0, StatusCode::OK);
    let restore = format!("/api/v1/cases/{case_no}/restore");
    assert_eq!(api.post(&restore, Some(READ), &json!({})).await.0, StatusCode::FORBIDDEN);
    let (status, body) = api.post(&restore, Some(WRITE), &json!({"reason": "作废有误"})).await;
    assert_eq!((status, body["by"].as_str()), (StatusCode::OK, Some("county")), "{body}");
    let (status, body) = api.post(&restore, Some(WRITE), &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "case_exists"), "{body}");
    let (status, body) = api.post("/api/v1/cases/XF-NONE/restore", Some(WRITE), &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_withdrawn"), "{body}");
    let (_, read_back) = api.get(&path, Some(WRITE)).await;
    let events = read_back["events"].as_array().expect("events");
    assert_eq!(
        (events[events.len() - 1]["kind"].as_str(), events[events.len() - 1]["text"].as_str()),
        (Some("restored"), Some("作废有误"))
    );
    let (_, findings) = api.get("/api/v1/findings?as_of=2026-11-27", Some(WRITE)).await;
    assert!(findings.to_string().contains(&format!("\"{case_no}\"")), "back in the screening again");

    // A corrected number keeps the case's history.
    let rename = |to: &str| {
        let (api, path, body) = (&api, format!("/api/v1/cases/{case_no}/rename"), json!({ "to": to }));
        async move { api.post(&path, Some(WRITE), &body).await }
    };
    let other = findings["cases"][1]["case_no"].as_str().expect("another case").to_owned();
    let (status, body) = rename(&other).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "case_exists"));
    let (status, body) = rename("").await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_case_no"));
    let (status, body) = rename("XF2099-001").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(api.get(&path, Some(WRITE)).await.0, StatusCode::NOT_FOUND);
    let (_, renamed) = api.get("/api/v1/cases/XF2099-001", Some(WRITE)).await;
    assert_eq!(renamed["former_numbers"], json!([case_no.clone()]));
    let kinds: Vec<&str> =
        renamed["events"].as_array().expect("events").iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["withdrawn", "restored", "withdrawn", "restored", "renamed"]);
}

/// The intake answers the clerk's checks (DESIGN §5.3) beside what it took: a case that looks
/// wrong is taken, with a warning in Chinese naming the item and the column.
#[tokio::test(flavor = "multi_thread")]
async fn the_intake_warns_of_impossible_dates_and_lookalike_numbers() {
    let api = Api::start(&[], true).await;
    let batch = json!([
        {"case_no": "API-W1", "received_on": "2026-03-02", "accepted_on": "2026-03-01"},
        {"case_no": "XF2026-OO1", "received_on": "2026-03-02"},
    ]);
    let (status, body) = api.post("/api/v1/cases", Some(WRITE), &batch).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let warnings = body["warnings"].as_array().expect("warnings");
    assert!(
        warnings.iter().any(|w| w["row"] == 0 && w["message"].as_str().is_some_and(|m| m.contains("早于收到日期"))),
        "{body}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w["row"] == 1 && w["message"].as_str().is_some_and(|m| m.contains("与已有的 XF2026-001"))),
        "{body}"
    );
}

/// A multipart body with one field `file` named `name`.
pub fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "petition-watch-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// `POST /api/v1/imports` (DESIGN §5.3): the register uploaded as a file goes through the same
/// importer; each rejected row is answered in Chinese, naming the column as the file names it.
#[tokio::test(flavor = "multi_thread")]
async fn a_register_uploaded_imports_and_answers_each_rejected_row_in_chinese() {
    let api = Api::start(&[], false).await;
    let upload = |token: &'static str, name: &str, bytes: &[u8]| {
        let (content_type, body) = multipart(name, bytes);
        let request = api
            .client
            .post(api.url("/api/v1/imports"))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body);
        async move { answer(request.send().await.expect("upload")).await }
    };
    let csv = "信访件编号,收到日期,问题类别\nU1,2026-11-02,征地拆迁\nU2,2026-02-30,劳动社保\nU3,2026-11-03,民政救助\n";
    assert_eq!(upload(READ, "r.csv", csv.as_bytes()).await.0, StatusCode::FORBIDDEN);
    let (status, body) = upload(WRITE, "r.csv", csv.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["imported"].as_u64(), body["inserted"].as_u64()), (Some(2), Some(2)), "{body}");
    let rejected = body["rejected"].as_array().expect("rejected");
    assert_eq!(rejected.len(), 1, "{body}");
    assert_eq!((rejected[0]["row"].as_u64(), rejected[0]["column"].as_str()), (Some(3), Some("收到日期")));
    assert!(rejected[0]["message"].as_str().is_some_and(|m| m.contains("不是日历上有的日子")), "{body}");
    assert_eq!(rejected[0]["cells"], json!({"信访件编号": "U2", "收到日期": "2026-02-30", "问题类别": "劳动社保"}));

    // The sample workbook, as the clerk keeps it.
    let xlsx = std::fs::read(repo().join("config/examples/register.xlsx")).expect("workbook");
    let (status, body) = upload(WRITE, "登记簿.xlsx", &xlsx).await;
    assert_eq!((status, body["imported"].as_u64()), (StatusCode::OK, Some(52)), "{body}");

    let response = api
        .client
        .post(api.url("/api/v1/imports"))
        .bearer_auth(WRITE)
        .header("content-type", "multipart/form-data; boundary=x")
        .body("--x--\r\n")
        .send()
        .await
        .expect("empty upload");
    let (status, body) = answer(response).await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "bad_upload"), "{body}");
}

/// The clerk uploads the register from the status page (a write-token login): the result on
/// the page in Chinese, each rejected row with its column; a read token may not.
#[tokio::test(flavor = "multi_thread")]
async fn the_clerk_uploads_the_register_from_the_status_page() {
    let api = Api::start(&[], false).await;
    let csv = "信访件编号,收到日期,问题类别\nP1,2026-11-02,征地拆迁\nP2,2026-02-30,劳动社保\n";
    let post = |token: &'static str| {
        let (content_type, body) = multipart("登记簿.csv", csv.as_bytes());
        let request =
            api.client.post(api.url("/upload")).bearer_auth(token).header("content-type", content_type).body(body);
        async move {
            let response = request.send().await.expect("upload");
            (response.status(), response.text().await.expect("page"))
        }
    };
    assert_eq!(post(READ).await.0, StatusCode::FORBIDDEN);
    let (status, html) = post(WRITE).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("登记簿.csv：导入 1 件（新增 1，更新 0，未变 0），以下各行未导入"), "{html}");
    assert!(html.contains("<td>第 3 行</td><td>收到日期</td><td>收到日期：“2026-02-30” 不是日历上有的日子"), "{html}");
    assert!(
        html.contains("本行：信访件编号：P2　收到日期：2026-02-30　问题类别：劳动社保"),
        "the row's own cells: {html}"
    );
    let page = api.client.get(api.url("/")).bearer_auth(WRITE).send().await.expect("page");
    assert!(page.text().await.expect("html").contains("enctype=\"multipart/form-data\""), "the form is there");

    // What goes wrong with the upload itself is said in Chinese too.
    let empty = api
        .client
        .post(api.url("/upload"))
        .bearer_auth(WRITE)
        .header("content-type", "multipart/form-data; boundary=x")
        .body("--x--\r\n")
        .send()
        .await
        .expect("empty upload");
    let html = empty.text().await.expect("page");
    assert!(html.contains("导入失败：没有收到文件：请先选择登记簿文件"), "{html}");
    let (content_type, body) = multipart("说明.docx", b"PK\x03\x04 not a register");
    let request = api.client.post(api.url("/upload")).bearer_auth(WRITE).header("content-type", content_type);
    let html = request.body(body).send().await.expect("upload").text().await.expect("page");
    let said = html.split("id=\"upload-error\">").nth(1).and_then(|t| t.split("</p>").next()).expect("an error");
    assert!(said.contains("说明.docx") && said.contains("没有找到表头") && !said.contains("header"), "{said}");
}

/// The status page on a phone: headless Chromium lays it out in a 390 px frame, logged in with
/// a write token (the clerk's forms shown), and nothing is wider than the phone.
#[tokio::test(flavor = "multi_thread")]
async fn the_status_page_fits_a_phone_in_headless_chromium() {
    let Some(chromium) = chromium() else { return };
    let api = Api::start(&[], true).await;
    let ws = Workspace::new();
    let page = api.client.get(api.url("/")).bearer_auth(WRITE).send().await.expect("page");
    let html = page.text().await.expect("html");
    assert!(html.contains("id=\"upload\"") && html.contains("id=\"supervise\""));
    let probe = "<script>parent.postMessage({width: document.documentElement.scrollWidth}, '*');</script>";
    ws.write("probed.html", html.replacen("</body>", &format!("{probe}</body>"), 1));
    let frame = "<!doctype html><html><body style=\"margin:0\"><iframe src=\"probed.html\" width=\"390\" height=\"1400\" \
                 style=\"border:0\"></iframe><script>addEventListener('message', e => \
                 document.body.setAttribute('data-width', e.data.width));</script></body></html>";
    let measured = ws.write("measure.html", frame);
    let dom = chromium_run(&chromium, &ws, "390,1400", "--dump-dom", &format!("file://{}", measured.display())).await;
    let width = dom.split("data-width=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("?").to_owned();
    assert_eq!(width, "390", "the status page is as wide as the phone, no wider");
    let shot = ws.path("status-390.png");
    chromium_run(
        &chromium,
        &ws,
        "390,1400",
        &format!("--screenshot={}", shot.display()),
        &format!("file://{}", measured.display()),
    )
    .await;
    keep_artefact(&shot, "status-page-390.png");
}

/// The clerk withdraws a case and corrects a number from the status page (a write-token
/// login), answered on the page in Chinese; the same operations as the API's.
#[tokio::test(flavor = "multi_thread")]
async fn the_clerk_withdraws_and_renames_from_the_status_page() {
    let api = Api::start(&[], true).await;
    let post = |token: &'static str, pairs: Vec<(&'static str, &'static str)>| {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        let request = api
            .client
            .post(api.url("/correct"))
            .bearer_auth(token)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        async move {
            let response = request.send().await.expect("post");
            (response.status(), response.text().await.expect("page"))
        }
    };
    let withdraw = vec![("action", "withdraw"), ("case_no", "XF2026-001"), ("reason", "重复登记")];
    assert_eq!(post(READ, withdraw.clone()).await.0, StatusCode::FORBIDDEN);
    let (status, html) = post(WRITE, vec![("action", "withdraw"), ("case_no", "XF2026-001"), ("reason", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("请填写作废原因"), "{html}");
    let (status, html) = post(WRITE, withdraw.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("XF2026-001 已作废。"), "{html}");
    assert!(
        api.store
            .get_case(&petition_watch::domain::CaseNo::parse("XF2026-001").expect("no"))
            .await
            .expect("read")
            .is_none()
    );
    let (status, html) = post(WRITE, withdraw).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("XF2026-001 已经作废。"), "{html}");
    let (status, html) = post(WRITE, vec![("action", "restore"), ("case_no", "XF2026-001")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("XF2026-001 已恢复"), "{html}");
    let number = petition_watch::domain::CaseNo::parse("XF2026-001").expect("no");
    assert!(api.store.get_case(&number).await.expect("read").is_some(), "back in the register");
    let (status, html) = post(WRITE, vec![("action", "restore"), ("case_no", "XF2026-001")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("登记簿中已有 XF2026-001"), "{html}");

    let (status, html) = post(WRITE, vec![("action", "rename"), ("case_no", "XF2026-002"), ("to", "XF2026-003")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("XF2026-003 已是另一件的编号"), "{html}");
    let (status, html) = post(WRITE, vec![("action", "rename"), ("case_no", "XF2026-002"), ("to", "XF2026-902")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("编号已由 XF2026-002 更正为 XF2026-902"), "{html}");
    assert_eq!(api.store.former_numbers("XF2026-902").await.expect("former"), ["XF2026-002"]);
}

/// A case's page on the status page: its deadlines, the work recorded (a read token without the
/// text), the notices that listed it; never the petitioner. A withdrawn case shows why.
#[tokio::test(flavor = "multi_thread")]
async fn a_cases_page_shows_its_deadlines_work_and_notices_but_never_the_petitioner() {
    let api = Api::start(&[], true).await;
    let path = "/api/v1/cases/XF2026-022/events";
    let progress = json!({"kind": "progress", "text": "已约谈村委会", "by": "li-hua"});
    assert_eq!(api.post(path, Some(WRITE), &progress).await.0, StatusCode::CREATED);
    let page = |token: &'static str, no: &'static str| {
        let request = api.client.get(api.url(&format!("/case/{no}"))).bearer_auth(token);
        async move {
            let response = request.send().await.expect("page");
            (response.status(), response.text().await.expect("html"))
        }
    };
    let (status, html) = page(WRITE, "XF2026-022").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("信访件 XF2026-022") && html.contains("办理期限") && html.contains("已约谈村委会"), "{html}");
    assert!(html.contains("<td>办理进展</td><td>李华</td>"), "{html}");
    let (_, read) = page(READ, "XF2026-022").await;
    assert!(read.contains("<td>办理进展</td>") && !read.contains("已约谈村委会"), "a read token sees no text");
    let register = std::fs::read_to_string(repo().join("config/examples/register.csv")).expect("register");
    let row: Vec<&str> = register.lines().find(|l| l.starts_with("XF2026-022,")).expect("row").split(',').collect();
    for secret in [row[4], row[5], row[6], row[14]] {
        assert!(secret.is_empty() || !html.contains(secret), "{secret} on the case page");
    }
    assert_eq!(page(WRITE, "XF-NONE").await.0, StatusCode::NOT_FOUND);
    let (status, _) = api
        .send(reqwest::Method::DELETE, "/api/v1/cases/XF2026-022", Some(WRITE), &json!({"reason": "重复登记"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, html) = page(WRITE, "XF2026-022").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("已作废") && html.contains("重复登记"), "{html}");
    let (_, list) = page(WRITE, "XF2026-014").await;
    assert!(list.contains("信访件 XF2026-014"));
}
