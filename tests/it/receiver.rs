//! A real HTTP receiver on 127.0.0.1 (axum) standing in for a webhook endpoint and the WeCom,
//! DingTalk and Feishu robots. It checks each request the way the real service would — the
//! Standard Webhooks signature, the robot key, DingTalk's and Feishu's signatures, computed here
//! independently of the code under test — and answers as scripted: success, an HTTP status
//! (with Retry-After), 200 with a robot error code, or no answer until the client gives up.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

pub const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const WECOM_KEY: &str = "wecom-robot-key-0001";
pub const DINGTALK_TOKEN: &str = "dingtalk-access-token-0001";
pub const DINGTALK_SECRET: &str = "SECdingtalk-signing-secret";
pub const FEISHU_HOOK: &str = "feishu-hook-0001";
pub const FEISHU_SECRET: &str = "feishu-signing-secret";

/// A scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    Status(u16),
    RetryAfter(u16, u64),
    RobotCode(i64),
    Hang(Duration),
}

/// A request the receiver accepted (signature checked).
#[derive(Debug, Clone)]
pub struct Hit {
    /// webhook, wecom, dingtalk or feishu.
    pub route: String,
    /// The `webhook-id` header (generic webhooks).
    pub webhook_id: Option<String>,
    pub body: Value,
    /// The request passed the endpoint's authentication.
    pub verified: bool,
    /// The answer given.
    #[allow(dead_code)]
    pub answered: u16,
}

#[derive(Default)]
pub struct Inner {
    pub script: HashMap<String, VecDeque<Reply>>,
    pub hits: Vec<Hit>,
}

#[derive(Clone)]
pub struct Receiver {
    pub addr: SocketAddr,
    pub inner: Arc<Mutex<Inner>>,
}

type Shared = Arc<Mutex<Inner>>;

impl Receiver {
    pub async fn start() -> Self {
        let inner: Shared = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/hook", post(webhook))
            .route("/wecom", post(wecom))
            .route("/dingtalk", post(dingtalk))
            .route("/feishu/{hook}", post(feishu))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, inner }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Queues answers for a route; each request takes the next, then success.
    pub fn script(&self, route: &str, replies: impl IntoIterator<Item = Reply>) {
        self.inner.lock().expect("receiver").script.entry(route.to_owned()).or_default().extend(replies);
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.inner.lock().expect("receiver").hits.clone()
    }
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// Records the hit and answers as scripted (or success for the route's kind).
async fn answer(inner: &Shared, route: &str, webhook_id: Option<String>, body: Value, verified: bool) -> Response {
    let next = inner.lock().expect("receiver").script.get_mut(route).and_then(VecDeque::pop_front);
    if let Some(Reply::Hang(wait)) = next {
        tokio::time::sleep(wait).await;
    }
    let robot_ok = match route {
        "feishu" => json!({"code": 0, "msg": "success"}),
        "webhook" => json!({"ok": true}),
        _ => json!({"errcode": 0, "errmsg": "ok"}),
    };
    let (status, response) = if !verified {
        match route {
            "webhook" => (401, json!({"error": "bad signature"}).to_string()),
            "feishu" => (200, json!({"code": 19021, "msg": "sign match fail"}).to_string()),
            "dingtalk" => (200, json!({"errcode": 310000, "errmsg": "sign not match"}).to_string()),
            _ => (200, json!({"errcode": 93000, "errmsg": "invalid webhook url"}).to_string()),
        }
    } else {
        match next {
            None | Some(Reply::Hang(_)) | Some(Reply::Status(200)) => (200, robot_ok.to_string()),
            Some(Reply::Status(code)) | Some(Reply::RetryAfter(code, _)) => (code, String::new()),
            Some(Reply::RobotCode(code)) => {
                let body = if route == "feishu" {
                    json!({"code": code, "msg": "error"})
                } else {
                    json!({"errcode": code, "errmsg": "error"})
                };
                (200, body.to_string())
            }
        }
    };
    inner.lock().expect("receiver").hits.push(Hit {
        route: route.to_owned(),
        webhook_id,
        body,
        verified,
        answered: status,
    });
    let mut response = (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), response).into_response();
    if let Some(Reply::RetryAfter(_, seconds)) = next {
        response.headers_mut().insert("retry-after", seconds.to_string().parse().expect("header"));
    }
    response
}

async fn webhook(State(inner): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let (id, timestamp, signatures) = (header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"));
    let key = STANDARD.decode(WEBHOOK_SECRET.trim_start_matches("whsec_")).expect("secret");
    let mut signed = format!("{id}.{timestamp}.").into_bytes();
    signed.extend_from_slice(&body);
    let expected = format!("v1,{}", STANDARD.encode(hmac_sha256(&key, &signed)));
    let verified = !id.is_empty() && signatures.split(' ').any(|s| s == expected);
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    answer(&inner, "webhook", Some(id), value, verified).await
}

async fn wecom(State(inner): State<Shared>, Query(query): Query<HashMap<String, String>>, body: Bytes) -> Response {
    let verified = query.get("key").map(String::as_str) == Some(WECOM_KEY);
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    answer(&inner, "wecom", None, value, verified).await
}

async fn dingtalk(State(inner): State<Shared>, Query(query): Query<HashMap<String, String>>, body: Bytes) -> Response {
    let timestamp = query.get("timestamp").cloned().unwrap_or_default();
    let expected =
        STANDARD.encode(hmac_sha256(DINGTALK_SECRET.as_bytes(), format!("{timestamp}\n{DINGTALK_SECRET}").as_bytes()));
    // The query was URL-decoded by the extractor: compare with the plain base64.
    let verified =
        query.get("access_token").map(String::as_str) == Some(DINGTALK_TOKEN) && query.get("sign") == Some(&expected);
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    answer(&inner, "dingtalk", None, value, verified).await
}

async fn feishu(State(inner): State<Shared>, Path(hook): Path<String>, body: Bytes) -> Response {
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let timestamp = value.get("timestamp").and_then(Value::as_str).unwrap_or("").to_owned();
    let expected = STANDARD.encode(hmac_sha256(format!("{timestamp}\n{FEISHU_SECRET}").as_bytes(), b""));
    let verified = hook == FEISHU_HOOK && value.get("sign").and_then(Value::as_str) == Some(expected.as_str());
    answer(&inner, "feishu", None, value, verified).await
}
