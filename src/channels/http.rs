//! The HTTP channels (DESIGN §4.1): a generic JSON webhook signed with Standard Webhooks v1, and
//! the WeCom, DingTalk and Feishu group robots. reqwest with rustls, a timeout per request, no
//! redirects (a robot URL that redirects is misconfigured).
//!
//! Outcomes: 2xx is delivered — except that the robots answer 200 with an error code in the body,
//! which is read: their rate-limit codes are transient, a bad key or signature is permanent, and
//! an unknown code is a failure (transient), never a success. HTTP 5xx, 408 and 429 and timeouts
//! are transient (`Retry-After` honoured); 410 disables the endpoint; other 4xx are permanent.
//! Each endpoint has token-bucket rate limits; a message over a robot's size limit goes out in
//! parts, and a retry resumes after the parts already delivered.

use std::num::NonZeroU32;
use std::time::Duration;

use chrono::{DateTime, Utc};
use governor::clock::{Clock as _, DefaultClock};
use governor::{Quota, RateLimiter};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::DeliveryError;
use super::signing::{WebhookKey, dingtalk_sign, feishu_sign, standard_webhook_signature};
use crate::config::ChannelKind;
use crate::notice::NoticeBody;
use crate::render::message::{Templates, split_chat};

type Limiter = RateLimiter<governor::state::NotKeyed, governor::state::InMemoryState, DefaultClock>;

/// Which HTTP endpoint this is, with its credentials.
#[derive(Debug, Clone)]
pub enum Endpoint {
    /// Generic webhook: the signing keys (several during rotation; none means unsigned).
    Webhook(Vec<WebhookKey>),
    /// WeCom group robot: the robot key.
    Wecom(String),
    /// DingTalk custom robot: access token and optional 加签 secret.
    Dingtalk(String, Option<String>),
    /// Feishu custom bot: hook id and optional 签名校验 secret.
    Feishu(String, Option<String>),
}

/// Settings of one HTTP channel.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// The endpoint's URL (robots: without the key).
    pub url: String,
    /// Kind and credentials.
    pub endpoint: Endpoint,
    /// Time allowed per request.
    pub timeout: Duration,
    /// Messages per minute at most (0: no limit).
    pub per_minute: u32,
    /// Messages per second at most (0: no limit).
    pub per_second: u32,
    /// A chat message's size limit in bytes (longer ones are split).
    pub max_message_bytes: usize,
    /// PEM of the only CA to trust, instead of the system's.
    pub ca_pem: Option<Vec<u8>>,
}

/// The defaults of a kind: (URL, per minute, per second, message bytes).
pub fn defaults(kind: ChannelKind) -> (&'static str, u32, u32, usize) {
    match kind {
        ChannelKind::Wecom => ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send", 20, 0, 4096),
        ChannelKind::Dingtalk => ("https://oapi.dingtalk.com/robot/send", 20, 0, 20_000),
        ChannelKind::Feishu => ("https://open.feishu.cn/open-apis/bot/v2/hook", 100, 5, 20_000),
        _ => ("", 0, 0, 1 << 20),
    }
}

/// An HTTP channel with its client and rate limiters.
pub struct HttpChannel {
    client: reqwest::Client,
    /// The endpoint's URL, parsed once (robots: without the key).
    url: reqwest::Url,
    settings: HttpSettings,
    limiters: Vec<Limiter>,
}

impl std::fmt::Debug for HttpChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL of a robot holds no key (the key is added per request); secrets stay out.
        f.debug_struct("HttpChannel").field("url", &self.settings.url).finish_non_exhaustive()
    }
}

impl HttpChannel {
    /// Builds the channel.
    pub fn new(settings: HttpSettings) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("petition-watch/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &settings.ca_pem {
            let certificate = reqwest::Certificate::from_pem(pem).map_err(|e| format!("ca_file: {e}"))?;
            builder = builder.tls_certs_only([certificate]);
        }
        let client = builder.build().map_err(|e| format!("HTTP client: {e}"))?;
        let url = reqwest::Url::parse(&settings.url).map_err(|e| format!("url {:?}: {e}", settings.url))?;
        let mut limiters = Vec::new();
        if let Some(n) = NonZeroU32::new(settings.per_minute) {
            limiters.push(RateLimiter::direct(Quota::per_minute(n)));
        }
        if let Some(n) = NonZeroU32::new(settings.per_second) {
            limiters.push(RateLimiter::direct(Quota::per_second(n)));
        }
        Ok(Self { client, url, settings, limiters })
    }

    /// Whether this is a chat robot (held in quiet hours, Markdown in parts).
    pub fn is_chat(&self) -> bool {
        !matches!(self.settings.endpoint, Endpoint::Webhook(_))
    }

    /// Delivers notice `id`. `parts_done` counts the parts of a split chat message delivered so
    /// far (by earlier attempts too); it is advanced as parts go out.
    pub async fn send(
        &self,
        id: &str,
        body: &NoticeBody,
        templates: &Templates,
        now: DateTime<Utc>,
        parts_done: &mut usize,
    ) -> Result<(), DeliveryError> {
        if let Endpoint::Webhook(keys) = &self.settings.endpoint {
            self.throttle()?;
            let bytes = serde_json::to_vec(&webhook_body(id, body, now)).unwrap_or_default();
            let timestamp = now.timestamp();
            let mut request = self
                .client
                .post(self.url.clone())
                .header("content-type", "application/json")
                .header("webhook-id", id)
                .header("webhook-timestamp", timestamp.to_string());
            if !keys.is_empty() {
                request = request.header("webhook-signature", standard_webhook_signature(keys, id, timestamp, &bytes));
            }
            let response = request.body(bytes).send().await.map_err(request_error)?;
            return judge(response, now, |_| Ok(())).await;
        }
        let text = super::chat_text(body, templates, &self.mention(body))?;
        let parts = split_chat(&text, self.settings.max_message_bytes);
        let title = format!("{} · {}", body.township, body.job_zh);
        while *parts_done < parts.len() {
            self.throttle()?;
            self.post_chat(&parts[*parts_done], &title, body, now).await?;
            *parts_done += 1;
        }
        Ok(())
    }

    /// Takes a token from each bucket, or says how long to wait.
    fn throttle(&self) -> Result<(), DeliveryError> {
        for limiter in &self.limiters {
            if let Err(not_until) = limiter.check() {
                return Err(DeliveryError::Throttled(not_until.wait_time_from(DefaultClock::default().now())));
            }
        }
        Ok(())
    }

    /// The @-mention of the addressee, written the robot's way (empty when unknown).
    fn mention(&self, body: &NoticeBody) -> String {
        let to = &body.to;
        match &self.settings.endpoint {
            Endpoint::Wecom(_) => to.wecom_userid.as_ref().map(|u| format!("<@{u}>")),
            Endpoint::Dingtalk(..) => to.dingtalk_userid.as_ref().map(|u| format!("@{u}")),
            Endpoint::Feishu(..) => to.feishu_open_id.as_ref().map(|u| format!("<at id={u}></at>")),
            Endpoint::Webhook(_) => None,
        }
        .unwrap_or_default()
    }

    async fn post_chat(
        &self,
        part: &str,
        title: &str,
        body: &NoticeBody,
        now: DateTime<Utc>,
    ) -> Result<(), DeliveryError> {
        let base = self.settings.url.trim_end_matches('/');
        // The action links of the cases in this part, as buttons (DingTalk, Feishu); WeCom's
        // Markdown carries them as links in the text (its cards hold three links at most).
        let buttons: Vec<(String, &str)> = body
            .cases
            .iter()
            .filter_map(|c| Some((c, c.link.as_deref()?)))
            .filter(|(_, link)| part.contains(link))
            .map(|(c, link)| (format!("{} 签收 / 答复", c.line.case_no), link))
            .collect();
        let (url, payload) = match &self.settings.endpoint {
            Endpoint::Wecom(key) => {
                (format!("{base}?key={}", encode(key)), json!({"msgtype": "markdown", "markdown": {"content": part}}))
            }
            Endpoint::Dingtalk(token, secret) => {
                let mut url = format!("{base}?access_token={}", encode(token));
                if let Some(secret) = secret {
                    let ms = now.timestamp_millis();
                    url.push_str(&format!("&timestamp={ms}&sign={}", dingtalk_sign(secret, ms)));
                }
                let at: Vec<&String> = body.to.dingtalk_userid.iter().collect();
                let payload = if buttons.is_empty() {
                    json!({"msgtype": "markdown", "markdown": {"title": title, "text": part}, "at": {"atUserIds": at}})
                } else {
                    // An ActionCard with a button per case (vertical, independent jumps).
                    let btns: Vec<Value> =
                        buttons.iter().map(|(label, link)| json!({"title": label, "actionURL": link})).collect();
                    json!({"msgtype": "actionCard", "actionCard": {"title": title, "text": part, "btnOrientation": "0", "btns": btns}})
                };
                (url, payload)
            }
            Endpoint::Feishu(hook, secret) => {
                let mut elements = vec![json!({"tag": "markdown", "content": part})];
                if !buttons.is_empty() {
                    let actions: Vec<Value> = buttons
                        .iter()
                        .map(|(label, link)| {
                            json!({"tag": "button", "type": "primary", "text": {"tag": "plain_text", "content": label}, "url": link})
                        })
                        .collect();
                    elements.push(json!({"tag": "action", "actions": actions}));
                }
                let mut payload = json!({
                    "msg_type": "interactive",
                    "card": {
                        "header": {"title": {"tag": "plain_text", "content": title}},
                        "elements": elements,
                    },
                });
                if let Some(secret) = secret {
                    let s = now.timestamp();
                    payload["timestamp"] = json!(s.to_string());
                    payload["sign"] = json!(feishu_sign(secret, s));
                }
                (format!("{base}/{}", encode(hook)), payload)
            }
            Endpoint::Webhook(_) => unreachable!("webhooks are not chat"),
        };
        let response = self.client.post(url).json(&payload).send().await.map_err(request_error)?;
        let endpoint = &self.settings.endpoint;
        judge(response, now, |answer| robot_answer(endpoint, answer)).await
    }
}

/// The generic webhook's body: the notice with an envelope,
/// `{"data", "id", "timestamp", "type": "petition_watch.notice"}`. Serialized straight from the
/// notice (no intermediate JSON tree).
pub fn webhook_body<'a>(id: &'a str, body: &'a NoticeBody, now: DateTime<Utc>) -> WebhookEnvelope<'a> {
    // A group channel is thin (DESIGN §3): of a report it gets the summary the robots get, not
    // the report with each case's village and owner.
    let data = match &body.report {
        Some(document) if body.group => std::borrow::Cow::Owned(NoticeBody {
            kind: body.kind,
            report: None,
            report_link: None,
            job: body.job.clone(),
            job_zh: body.job_zh.clone(),
            township: body.township.clone(),
            period: body.period.clone(),
            as_of: body.as_of,
            to: body.to.clone(),
            group: true,
            cases: Vec::new(),
            text: Some(crate::render::report::chat_summary(document, body.report_link.as_deref())),
        }),
        _ => std::borrow::Cow::Borrowed(body),
    };
    WebhookEnvelope {
        data,
        id,
        timestamp: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        kind: "petition_watch.notice",
    }
}

/// See [`webhook_body`].
#[derive(Debug, serde::Serialize)]
pub struct WebhookEnvelope<'a> {
    /// The notice (for a group channel, a report's summary in `text` instead of the report).
    pub data: std::borrow::Cow<'a, NoticeBody>,
    /// The notice id (also the `webhook-id` header).
    pub id: &'a str,
    /// When this attempt was made, RFC 3339 in UTC.
    pub timestamp: String,
    /// Always `petition_watch.notice`.
    #[serde(rename = "type")]
    pub kind: &'static str,
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A request that got no answer. The error's text names the host but never the query (where
/// the robots' keys travel).
fn request_error(e: reqwest::Error) -> DeliveryError {
    let what = if e.is_timeout() {
        "no answer within the timeout"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let host = e.url().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    DeliveryError::transient(format!("{what} ({host})"))
}

/// Judges an HTTP answer; `body_ok` reads a 2xx body.
async fn judge(
    response: reqwest::Response,
    now: DateTime<Utc>,
    body_ok: impl FnOnce(&Value) -> Result<(), DeliveryError>,
) -> Result<(), DeliveryError> {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| retry_after(v, now));
    if status.is_success() {
        let text = response.text().await.unwrap_or_default();
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        return body_ok(&answer);
    }
    let reason = format!("HTTP {}", status.as_u16());
    if status == StatusCode::GONE {
        Err(DeliveryError::Gone(reason))
    } else if status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
    {
        Err(DeliveryError::Transient { reason, retry_after })
    } else if status.is_redirection() {
        Err(DeliveryError::Permanent(format!("{reason}: the endpoint redirects; configure its final URL")))
    } else {
        Err(DeliveryError::Permanent(reason))
    }
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value.trim()).ok()?;
    (at.with_timezone(&Utc) - now).to_std().ok()
}

/// Reads a robot's answer to a 200 (DESIGN §4.1).
fn robot_answer(endpoint: &Endpoint, answer: &Value) -> Result<(), DeliveryError> {
    let code = |key: &str| answer.get(key).and_then(Value::as_i64);
    let message =
        |key: &str| answer.get(key).and_then(Value::as_str).unwrap_or("").chars().take(200).collect::<String>();
    let (code, message, transient, permanent): (Option<i64>, String, &[i64], &[i64]) = match endpoint {
        // WeCom: 45009 frequency limit, -1 busy; 93000 invalid webhook URL/key, 40008 invalid message type.
        Endpoint::Wecom(_) => (code("errcode"), message("errmsg"), &[45009, -1], &[93000, 40008, 40058]),
        // DingTalk: 130101 sending too fast, -1 busy; 310000 signature/keyword/IP, 300001 bad token.
        Endpoint::Dingtalk(..) => {
            (code("errcode"), message("errmsg"), &[130101, -1], &[310000, 300001, 300005, 400013])
        }
        // Feishu: 9499 and 11232 rate limits; 19021 bad signature, 19022 IP, 19024 keyword, 19001 bad params.
        Endpoint::Feishu(..) => (
            code("code").or_else(|| code("StatusCode")),
            message("msg").to_owned() + &message("StatusMessage"),
            &[9499, 11232, 11233],
            &[19001, 19002, 19021, 19022, 19024],
        ),
        Endpoint::Webhook(_) => return Ok(()),
    };
    match code {
        Some(0) => Ok(()),
        Some(c) if permanent.contains(&c) => Err(DeliveryError::Permanent(format!("robot error {c}: {message}"))),
        Some(c) if transient.contains(&c) => Err(DeliveryError::transient(format!("robot rate limit {c}: {message}"))),
        Some(c) => Err(DeliveryError::transient(format!("robot error {c} (unknown code): {message}"))),
        None => Err(DeliveryError::transient("robot answered 200 without an error code".to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2026-11-27T08:00:00Z").expect("date").with_timezone(&Utc);
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("Fri, 27 Nov 2026 08:01:30 GMT", now), Some(Duration::from_secs(90)));
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn robot_codes_are_judged_and_unknown_codes_are_never_success() {
        let wecom = Endpoint::Wecom("k".into());
        assert_eq!(robot_answer(&wecom, &json!({"errcode": 0, "errmsg": "ok"})), Ok(()));
        assert!(matches!(robot_answer(&wecom, &json!({"errcode": 45009})), Err(DeliveryError::Transient { .. })));
        assert!(matches!(robot_answer(&wecom, &json!({"errcode": 93000})), Err(DeliveryError::Permanent(_))));
        assert!(matches!(robot_answer(&wecom, &json!({"errcode": 777})), Err(DeliveryError::Transient { .. })));
        assert!(matches!(robot_answer(&wecom, &json!("ok")), Err(DeliveryError::Transient { .. })));
        let ding = Endpoint::Dingtalk("t".into(), None);
        assert!(matches!(robot_answer(&ding, &json!({"errcode": 310000})), Err(DeliveryError::Permanent(_))));
        assert!(matches!(robot_answer(&ding, &json!({"errcode": 130101})), Err(DeliveryError::Transient { .. })));
        let feishu = Endpoint::Feishu("h".into(), None);
        assert_eq!(robot_answer(&feishu, &json!({"code": 0, "msg": "success"})), Ok(()));
        assert_eq!(robot_answer(&feishu, &json!({"StatusCode": 0})), Ok(()));
        assert!(matches!(robot_answer(&feishu, &json!({"code": 19021})), Err(DeliveryError::Permanent(_))));
        assert!(matches!(robot_answer(&feishu, &json!({"code": 11232})), Err(DeliveryError::Transient { .. })));
    }
}
