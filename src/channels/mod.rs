//! Delivery endpoints: `smtp` (lettre), the HTTP channels (`webhook`, `wecom`, `dingtalk`,
//! `feishu`; reqwest) and `file`. Each channel sorts its own failures into transient (try again
//! later), permanent (give up), gone (HTTP 410: the endpoint is disabled) and throttled (our
//! own rate limit: wait, not a failure), so the delivery worker never reads error strings.

pub mod file;
pub mod http;
pub mod signing;
pub mod smtp;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::Mailbox;

use crate::config::{ChannelConfig, ChannelKind, FileFormat, SmtpSecurity};
use crate::notice::NoticeBody;
use crate::render::message::Templates;
use http::{Endpoint, HttpChannel, HttpSettings};
use signing::WebhookKey;
use smtp::{SmtpChannel, SmtpSettings};

/// Why a delivery attempt failed, as the channel judged it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Worth retrying on the schedule (SMTP 4xx, HTTP 5xx/408/429, timeouts, a full disk).
    #[error("{reason}")]
    Transient {
        /// What happened (no secrets, no personal identifiers).
        reason: String,
        /// The receiver's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// Retrying will not help (SMTP 5xx, HTTP 4xx, a bad key): the notice is dead.
    #[error("{0}")]
    Permanent(String),
    /// HTTP 410: the endpoint is gone; the channel is disabled until restart.
    #[error("{0}: endpoint gone, channel disabled")]
    Gone(String),
    /// Our own rate limit for the endpoint: try again after the wait; not an attempt.
    #[error("rate limit: wait {0:?}")]
    Throttled(Duration),
}

impl DeliveryError {
    /// A transient failure without `Retry-After`.
    pub fn transient(reason: impl Into<String>) -> Self {
        DeliveryError::Transient { reason: reason.into(), retry_after: None }
    }
}

/// A configured, enabled channel, ready to send.
#[derive(Debug)]
pub enum Channel {
    /// Email.
    Smtp(Box<SmtpChannel>),
    /// A webhook or a chat robot.
    Http(Box<HttpChannel>),
    /// Files in a directory.
    File {
        /// The channel's name (part of each file's name).
        name: String,
        /// The directory.
        dir: PathBuf,
        /// What is written.
        format: FileFormat,
    },
}

impl Channel {
    /// Builds the channel named `name` from its config, reading its secrets.
    pub fn build(name: &str, c: &ChannelConfig) -> Result<Self, String> {
        let context = |e: String| format!("channels.{name}: {e}");
        let secret = |key: &str, value: &Option<crate::config::SecretRef>| -> Result<Option<String>, String> {
            value
                .as_ref()
                .map(|s| s.resolve().map(|s| s.expose().to_owned()).map_err(|e| format!("channels.{name}.{key}: {e}")))
                .transpose()
        };
        let ca_pem = c
            .ca_file
            .as_ref()
            .map(|path| std::fs::read(path).map_err(|e| format!("channels.{name}.ca_file: {}: {e}", path.display())))
            .transpose()?;
        let required =
            |key: &str, value: Option<String>| value.ok_or_else(|| format!("channels.{name}.{key} is required"));
        match c.kind {
            ChannelKind::File => Ok(Channel::File {
                name: name.to_owned(),
                dir: required("dir", c.dir.clone().map(|d| d.display().to_string()))?.into(),
                format: c.format,
            }),
            ChannelKind::Smtp => {
                let port = c.port.unwrap_or(match c.security {
                    SmtpSecurity::Starttls => 587,
                    SmtpSecurity::Tls => 465,
                    SmtpSecurity::None => 25,
                });
                let password = secret("password", &c.password)?;
                let settings = SmtpSettings {
                    host: required("host", c.host.clone())?,
                    port,
                    security: c.security,
                    credentials: c.username.clone().map(|user| (user, password.unwrap_or_default())),
                    from: required("from", c.from.clone())?,
                    from_name: c.from_name.clone(),
                    ca_pem,
                    connections: c.connections,
                    timeout: c.timeout,
                };
                SmtpChannel::new(&settings).map(|c| Channel::Smtp(Box::new(c))).map_err(context)
            }
            kind => {
                let (default_url, per_minute, per_second, max_bytes) = http::defaults(kind);
                let key = secret("key", &c.key)?;
                let endpoint = match kind {
                    ChannelKind::Webhook => Endpoint::Webhook(
                        key.unwrap_or_default()
                            .split_whitespace()
                            .map(|k| WebhookKey::parse(k).map_err(|e| format!("channels.{name}.key {e}")))
                            .collect::<Result<_, _>>()?,
                    ),
                    ChannelKind::Wecom => Endpoint::Wecom(required("key", key)?),
                    ChannelKind::Dingtalk => Endpoint::Dingtalk(required("key", key)?, secret("secret", &c.secret)?),
                    _ => Endpoint::Feishu(required("key", key)?, secret("secret", &c.secret)?),
                };
                let settings = HttpSettings {
                    url: c.url.clone().unwrap_or_else(|| default_url.to_owned()),
                    endpoint,
                    timeout: c.timeout,
                    per_minute: c.per_minute.unwrap_or(per_minute),
                    per_second: c.per_second.unwrap_or(per_second),
                    max_message_bytes: c.max_message_bytes.unwrap_or(max_bytes),
                    ca_pem,
                };
                HttpChannel::new(settings).map(|c| Channel::Http(Box::new(c))).map_err(context)
            }
        }
    }

    /// Whether this is a chat robot: its notices wait out quiet hours.
    pub fn is_chat(&self) -> bool {
        matches!(self, Channel::Http(h) if h.is_chat())
    }

    /// Delivers notice `id` saying `body`. `parts_done` is how many parts of a split chat
    /// message earlier attempts delivered; it is advanced as parts go out.
    pub async fn send(
        &self,
        id: &str,
        body: &NoticeBody,
        templates: &Templates,
        now: DateTime<Utc>,
        parts_done: &mut usize,
    ) -> Result<(), DeliveryError> {
        match self {
            Channel::Smtp(smtp) => {
                let address = body
                    .to
                    .email
                    .as_deref()
                    .ok_or_else(|| DeliveryError::Permanent(format!("{} has no email address", body.to.id)))?;
                let (email, parts) = email(body, templates)?;
                smtp.send(id, (&body.to.name, address), &email, &parts).await
            }
            Channel::Http(channel) => channel.send(id, body, templates, now, parts_done).await,
            Channel::File { name, dir, format } => {
                let (extension, content) = match format {
                    FileFormat::Json => {
                        ("json", serde_json::to_vec_pretty(&http::webhook_body(id, body, now)).unwrap_or_default())
                    }
                    FileFormat::Eml => {
                        let (email, parts) = email(body, templates)?;
                        let address =
                            body.to.email.clone().unwrap_or_else(|| format!("{}@example.invalid", body.to.id));
                        let from = Mailbox::new(
                            Some(format!("{}信访办", body.township)),
                            "petition-watch@example.invalid"
                                .parse()
                                .map_err(|e| DeliveryError::Permanent(format!("{e}")))?,
                        );
                        let message = smtp::build_message(
                            &from,
                            "petition-watch",
                            id,
                            (&body.to.name, &address),
                            &email,
                            &parts,
                        )?;
                        ("eml", message.formatted())
                    }
                };
                let readable = file::readable_name(body.as_of, &body.job_zh, &body.to.name, name);
                file::deliver(dir, &readable, id, extension, &content).map(|_| ())
            }
        }
    }
}

/// The email for a notice: from the templates, or for a report its summary with the workbook
/// attached.
fn email(
    body: &NoticeBody,
    templates: &Templates,
) -> Result<(crate::render::message::Email, Vec<crate::render::report::Part>), DeliveryError> {
    match &body.report {
        Some(document) => {
            let parts = report_parts(document)?;
            Ok((crate::render::report::email(document, &body.to.name), parts.as_ref().clone()))
        }
        None => Ok((templates.email(body).map_err(|e| DeliveryError::Permanent(format!("template {e}")))?, vec![])),
    }
}

/// A report's email parts (its workbook), built once per document: every member of the
/// leading group is mailed the same report, and building and compressing its workbook is most
/// of the cost of delivering it. The last few documents' parts are kept, keyed by the SHA-256 of
/// the document as stored (a member who must recuse gets a document without those cases, so a
/// different key).
fn report_parts(
    document: &crate::report::Document,
) -> Result<std::sync::Arc<Vec<crate::render::report::Part>>, DeliveryError> {
    use sha2::{Digest, Sha256};
    use std::sync::{Arc, Mutex};
    type Cached = Vec<([u8; 32], Arc<Vec<crate::render::report::Part>>)>;
    static BUILT: Mutex<Cached> = Mutex::new(Vec::new());
    /// Documents kept: a run's report and its recusal variants.
    const KEPT: usize = 4;
    let json = serde_json::to_vec(document).map_err(|e| DeliveryError::Permanent(format!("report: {e}")))?;
    let key: [u8; 32] = Sha256::digest(&json).into();
    let found = BUILT.lock().ok().and_then(|built| built.iter().find(|(k, _)| *k == key).map(|(_, p)| Arc::clone(p)));
    if let Some(parts) = found {
        return Ok(parts);
    }
    let parts = Arc::new(crate::render::report::parts(document).map_err(DeliveryError::Permanent)?);
    if let Ok(mut built) = BUILT.lock() {
        if built.len() >= KEPT {
            built.remove(0);
        }
        built.push((key, Arc::clone(&parts)));
    }
    Ok(parts)
}

/// The chat text for a notice: from the template, or for a report its summary.
pub fn chat_text(body: &NoticeBody, templates: &Templates, mention: &str) -> Result<String, DeliveryError> {
    match &body.report {
        Some(document) => Ok(crate::render::report::chat_summary(document, body.report_link.as_deref())),
        None => templates.chat(body, mention).map_err(|e| DeliveryError::Permanent(format!("template {e}"))),
    }
}
