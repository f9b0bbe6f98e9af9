//! The `smtp` channel: email through lettre over tokio with rustls — STARTTLS, implicit TLS, or
//! plain for a relay on the same machine; AUTH when a user name is configured; a pool of
//! connections reused across notices.
//!
//! lettre's own timeout covers connecting only, so every send runs under the channel's
//! `timeout`. A reply code decides the outcome: 4xx transient, 5xx permanent. A failure without
//! a reply (a pooled connection the server closed, a reset) is tried once more on a fresh
//! connection before it counts as transient.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::transport::smtp::{Error as SmtpError, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

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
#[derive(Clone)]
pub struct SmtpChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The domain part of Message-IDs.
    domain: String,
    timeout: Duration,
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
        let tls = || -> Result<TlsParameters, String> {
            let mut builder = TlsParameters::builder(settings.host.clone());
            if let Some(pem) = &settings.ca_pem {
                let certificate = Certificate::from_pem(pem).map_err(|e| format!("ca_file: {e}"))?;
                builder = builder.certificate_store(CertificateStore::None).add_root_certificate(certificate);
            }
            builder.build_rustls().map_err(|e| format!("TLS: {e}"))
        };
        let tls = match settings.security {
            SmtpSecurity::Starttls => Tls::Required(tls()?),
            SmtpSecurity::Tls => Tls::Wrapper(tls()?),
            SmtpSecurity::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.as_str())
            .port(settings.port)
            .tls(tls)
            .timeout(Some(settings.timeout))
            .pool_config(PoolConfig::new().max_size(settings.connections.max(1)).idle_timeout(Duration::from_secs(60)));
        if let Some((user, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let domain = settings.from.rsplit_once('@').map_or("petition-watch.local", |(_, d)| d).to_owned();
        Ok(Self { transport: builder.build(), from, domain, timeout: settings.timeout })
    }

    /// Sends `email` to `to` (display name, address) as notice `id`.
    pub async fn send(&self, id: &str, to: (&str, &str), email: &Email) -> Result<(), DeliveryError> {
        let message = self.message(id, to, email)?;
        match self.attempt(&message).await {
            Err(Failure::NoReply(_)) => match self.attempt(&message).await {
                Ok(()) => Ok(()),
                Err(failure) => Err(failure.into()),
            },
            other => other.map_err(Into::into),
        }
    }

    /// The message for notice `id`.
    pub fn message(&self, id: &str, to: (&str, &str), email: &Email) -> Result<Message, DeliveryError> {
        build_message(&self.from, &self.domain, id, to, email)
    }

    async fn attempt(&self, message: &Message) -> Result<(), Failure> {
        match tokio::time::timeout(self.timeout, self.transport.send(message.clone())).await {
            Err(_) => Err(Failure::Timeout(self.timeout)),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(classify(&e)),
        }
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
) -> Result<Message, DeliveryError> {
    let to_address =
        address.parse().map_err(|e| DeliveryError::Permanent(format!("recipient address {address:?}: {e}")))?;
    Message::builder()
        .from(from.clone())
        .to(Mailbox::new(Some(name.to_owned()), to_address))
        .subject(email.subject.clone())
        .message_id(Some(format!("<{id}@{domain}>")))
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone()))
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(email.html.clone())),
        )
        .map_err(|e| DeliveryError::Permanent(format!("cannot build the message: {e}")))
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
