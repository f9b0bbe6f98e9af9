//! The `smtp` channel: email through lettre over tokio with rustls — STARTTLS, implicit TLS, or
//! plain for a relay on the same machine; AUTH when a user name is configured; a pool of
//! connections reused across notices.
//!
//! The pool is ours, over lettre's connection type, for two reasons: a pooled connection the
//! server closed must be retried once on a fresh one (lettre's pool does not), and the socket
//! needs `TCP_NODELAY` — lettre writes a message's body and its final `.` separately, and
//! without it every message waits out the server's delayed ACK (about 40 ms: 25 messages a
//! second on a connection instead of thousands). Implicit TLS (port 465) connects through
//! lettre's own connector, without that option.
//!
//! Every send runs under the channel's `timeout`. A reply code decides the outcome: 4xx
//! transient, 5xx permanent. A failure without a reply (connection refused, closed, reset) is
//! tried once more on a fresh connection before it counts as transient.

use std::time::Duration;

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, CertificateStore, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::sync::{Mutex, Semaphore};

use super::DeliveryError;
use crate::config::SmtpSecurity;
use crate::render::message::Email;

/// How to reach an SMTP server.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// Server host name (also the name its certificate must carry).
    pub host: String,
    /// Port.
    pub port: u16,
    /// STARTTLS, implicit TLS or none.
    pub security: SmtpSecurity,
    /// AUTH user and password.
    pub credentials: Option<(String, String)>,
    /// Sender address.
    pub from: String,
    /// Sender display name.
    pub from_name: Option<String>,
    /// PEM of the only CA to trust (an internal CA), instead of the system's.
    pub ca_pem: Option<Vec<u8>>,
    /// Connections kept open at most.
    pub connections: u32,
    /// Time allowed for one message.
    pub timeout: Duration,
}

/// An SMTP channel, its pool shared by every send.
pub struct SmtpChannel {
    settings: SmtpSettings,
    tls: Option<TlsParameters>,
    from: Mailbox,
    /// The domain part of Message-IDs.
    domain: String,
    hello: ClientId,
    /// Open connections not in use.
    idle: Mutex<Vec<AsyncSmtpConnection>>,
    /// At most `connections` sends at once.
    permits: Semaphore,
}

impl std::fmt::Debug for SmtpChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpChannel").field("from", &self.from.email.to_string()).finish_non_exhaustive()
    }
}

impl SmtpChannel {
    /// Builds the channel; connects lazily on the first send.
    pub fn new(settings: &SmtpSettings) -> Result<Self, String> {
        let from_address = settings.from.parse().map_err(|e| format!("from {:?}: {e}", settings.from))?;
        let from = Mailbox::new(settings.from_name.clone(), from_address);
        let tls = match settings.security {
            SmtpSecurity::None => None,
            SmtpSecurity::Starttls | SmtpSecurity::Tls => {
                let mut builder = TlsParameters::builder(settings.host.clone());
                if let Some(pem) = &settings.ca_pem {
                    let certificate = Certificate::from_pem(pem).map_err(|e| format!("ca_file: {e}"))?;
                    builder = builder.certificate_store(CertificateStore::None).add_root_certificate(certificate);
                }
                Some(builder.build_rustls().map_err(|e| format!("TLS: {e}"))?)
            }
        };
        let domain = settings.from.rsplit_once('@').map_or("petition-watch.local", |(_, d)| d).to_owned();
        Ok(Self {
            settings: settings.clone(),
            tls,
            from,
            domain,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(usize::try_from(settings.connections.max(1)).unwrap_or(1)),
        })
    }

    /// Sends `email` (with an optional attachment: file name, bytes) to `to` (display name,
    /// address) as notice `id`.
    pub async fn send(
        &self,
        id: &str,
        to: (&str, &str),
        email: &Email,
        parts: &[crate::render::report::Part],
    ) -> Result<(), DeliveryError> {
        let message = build_message(&self.from, &self.domain, id, to, email, parts)?;
        let _permit = self.permits.acquire().await.map_err(|_| DeliveryError::transient("SMTP channel closed"))?;
        let reused = self.idle.lock().await.pop();
        let was_reused = reused.is_some();
        match self.attempt(reused, &message).await {
            // A pooled connection the server had closed: once more on a fresh one.
            Err(Failure::NoReply(_)) if was_reused => self.attempt(None, &message).await.map_err(Into::into),
            other => other.map_err(Into::into),
        }
    }

    /// One try on `connection` (or a new one); a connection that worked goes back to the pool.
    async fn attempt(&self, connection: Option<AsyncSmtpConnection>, message: &Message) -> Result<(), Failure> {
        let work = async {
            let mut connection = match connection {
                Some(c) => c,
                None => self.connect().await?,
            };
            match connection.send(message.envelope(), &message.formatted()).await {
                Ok(_) => {
                    self.idle.lock().await.push(connection);
                    Ok(())
                }
                Err(e) => {
                    connection.abort().await;
                    Err(classify(&e))
                }
            }
        };
        match tokio::time::timeout(self.settings.timeout, work).await {
            Err(_) => Err(Failure::Timeout(self.settings.timeout)),
            Ok(result) => result,
        }
    }

    /// Opens a connection: TCP with `TCP_NODELAY`, EHLO, STARTTLS when configured, AUTH.
    async fn connect(&self) -> Result<AsyncSmtpConnection, Failure> {
        self.open().await.map_err(|e| match e {
            Opening::Smtp(e) => classify(&e),
            Opening::Tcp(e) => {
                Failure::NoReply(format!("cannot connect to {}:{}: {e}", self.settings.host, self.settings.port))
            }
        })
    }

    async fn open(&self) -> Result<AsyncSmtpConnection, Opening> {
        let address = (self.settings.host.as_str(), self.settings.port);
        let mut connection = match (self.settings.security, &self.tls) {
            (SmtpSecurity::Tls, Some(tls)) => AsyncSmtpConnection::connect_tokio1(
                address,
                Some(self.settings.timeout),
                &self.hello,
                Some(tls.clone()),
                None,
            )
            .await
            .map_err(Opening::Smtp)?,
            _ => {
                let stream = tokio::net::TcpStream::connect(address).await.map_err(Opening::Tcp)?;
                let _ = stream.set_nodelay(true);
                let mut connection = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
                    .await
                    .map_err(Opening::Smtp)?;
                if let (SmtpSecurity::Starttls, Some(tls)) = (self.settings.security, &self.tls) {
                    connection.starttls(tls.clone(), &self.hello).await.map_err(Opening::Smtp)?;
                }
                connection
            }
        };
        if let Some((user, password)) = &self.settings.credentials {
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], &Credentials::new(user.clone(), password.clone()))
                .await
                .map_err(Opening::Smtp)?;
        }
        Ok(connection)
    }
}

/// The message for notice `id` from `from`: multipart plain text and HTML, UTF-8 throughout
/// (lettre encodes Chinese subjects and display names as RFC 2047 words), `Message-ID`
/// `<id@domain>` so every retry carries the same id.
pub fn build_message(
    from: &Mailbox,
    domain: &str,
    id: &str,
    (name, address): (&str, &str),
    email: &Email,
    parts: &[crate::render::report::Part],
) -> Result<Message, DeliveryError> {
    let to_address =
        address.parse().map_err(|e| DeliveryError::Permanent(format!("recipient address {address:?}: {e}")))?;
    let content_type =
        |t: &str| ContentType::parse(t).map_err(|e| DeliveryError::Permanent(format!("content type: {e}")));
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(crlf(&email.text)))
        .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(crlf(&email.html)));
    // Inline parts (the chart) sit with the HTML in multipart/related; files go in multipart/mixed.
    let inline: Vec<_> = parts.iter().filter(|p| p.inline).collect();
    let mut body = alternative;
    if !inline.is_empty() {
        let mut related = MultiPart::related().multipart(body);
        for part in inline {
            related = related.singlepart(
                lettre::message::Attachment::new_inline(part.name.clone())
                    .body(part.bytes.clone(), content_type(part.content_type)?),
            );
        }
        body = related;
    }
    let files: Vec<_> = parts.iter().filter(|p| !p.inline).collect();
    if !files.is_empty() {
        let mut mixed = MultiPart::mixed().multipart(body);
        for part in files {
            mixed = mixed.singlepart(
                lettre::message::Attachment::new(part.name.clone())
                    .body(part.bytes.clone(), content_type(part.content_type)?),
            );
        }
        body = mixed;
    }
    Message::builder()
        .from(from.clone())
        .to(Mailbox::new(Some(name.to_owned()), to_address))
        .subject(email.subject.clone())
        .message_id(Some(format!("<{id}@{domain}>")))
        .multipart(body)
        .map_err(|e| DeliveryError::Permanent(format!("cannot build the message: {e}")))
}

/// `text` with CRLF line endings, as SMTP wants them, in one pass. lettre makes them itself by
/// inserting each `\r` into the string in place, which moves the rest of the text every time:
/// seconds per message for a notice listing thousands of cases.
fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    let mut rest = text;
    while let Some(end) = rest.find('\n') {
        let line = &rest[..end];
        out.push_str(line);
        if !line.ends_with('\r') {
            out.push('\r');
        }
        out.push('\n');
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Why a connection could not be opened.
enum Opening {
    Tcp(std::io::Error),
    Smtp(SmtpError),
}

/// How a send failed, before it is judged.
enum Failure {
    /// The server answered 4xx.
    Transient(String),
    /// The server answered 5xx.
    Permanent(String),
    /// No reply: connection refused, closed, reset, TLS failure.
    NoReply(String),
    /// The send took longer than allowed.
    Timeout(Duration),
}

impl From<Failure> for DeliveryError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Transient(m) | Failure::NoReply(m) => DeliveryError::transient(m),
            Failure::Timeout(t) => {
                DeliveryError::transient(format!("no answer within {}", humantime::format_duration(t)))
            }
            Failure::Permanent(m) => DeliveryError::Permanent(m),
        }
    }
}

fn classify(e: &SmtpError) -> Failure {
    // lettre's message carries the server's reply text; the credentials are never in it.
    let text = format!("SMTP: {e}");
    if e.is_permanent() {
        Failure::Permanent(text)
    } else if e.is_transient() {
        Failure::Transient(text)
    } else if e.is_timeout() {
        Failure::Timeout(Duration::ZERO)
    } else {
        Failure::NoReply(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_become_crlf_once() {
        assert_eq!(crlf("a\nb\r\n\nc"), "a\r\nb\r\n\r\nc");
        assert_eq!(crlf("\n"), "\r\n");
        assert_eq!(crlf("末行无换行"), "末行无换行");
        assert_eq!(crlf("甲\r\n乙\n"), "甲\r\n乙\r\n");
    }

    #[test]
    fn a_message_has_no_bare_line_feed() {
        let email = Email {
            subject: "主题".into(),
            text: "第一行\n第二行\r\n\n末行".into(),
            html: "<p>甲</p>\n<p>乙</p>".into(),
        };
        let from: Mailbox = "信访办 <office@example.gov.cn>".parse().expect("from");
        let message = build_message(&from, "example.gov.cn", "ntc_1", ("李华", "lihua@example.gov.cn"), &email, &[])
            .expect("message");
        let bytes = message.formatted();
        let text = String::from_utf8_lossy(&bytes);
        assert!(bytes.windows(2).all(|w| w[1] != b'\n' || w[0] == b'\r'), "bare LF in {text}");
    }
}
