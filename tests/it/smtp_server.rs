//! A real SMTP server on 127.0.0.1 for the delivery tests: EHLO, STARTTLS with a self-signed
//! certificate made at start (not a CA), AUTH PLAIN and LOGIN (only after TLS), MAIL, RCPT,
//! DATA, RSET, NOOP, QUIT. It can be told to answer 421 to new connections or 451/550 to
//! particular recipients, and records every message with the connection it came on.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A message as the server received it.
#[derive(Debug, Clone)]
#[allow(dead_code)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
    pub connection: usize,
    pub tls: bool,
    pub user: Option<String>,
}

/// What the server will do next, and what it saw.
#[derive(Debug, Default)]
pub struct Script {
    /// Answer 421 to this many new connections, then behave.
    pub refuse_connections: usize,
    /// Recipient address → reply line for RCPT (e.g. "451 4.3.0 try later").
    pub rcpt_replies: HashMap<String, String>,
    /// Recipient address → how many more times to use its reply before accepting.
    pub rcpt_reply_times: HashMap<String, usize>,
    pub received: Vec<Received>,
    pub connections: usize,
    /// Drop each connection right after accepting a message, without a word (as a server
    /// restarting or timing out idle clients does).
    pub hang_up_after_each_message: bool,
}

pub struct SmtpServer {
    pub addr: SocketAddr,
    pub cert_pem: String,
    pub script: Arc<Mutex<Script>>,
    task: tokio::task::JoinHandle<()>,
    acceptor: TlsAcceptor,
    mode: Mode,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub const USER: &str = "xinfang@example.gov.cn";
pub const PASSWORD: &str = "s3cret-smtp-password";

/// How the server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Plain, offering STARTTLS; AUTH only after it, and required.
    Starttls,
    /// TLS from the first byte (port 465 style); AUTH required.
    Implicit,
    /// Plain, no TLS, no AUTH: a relay on the same machine.
    Relay,
}

impl SmtpServer {
    pub async fn start() -> Self {
        Self::start_with(Mode::Starttls).await
    }

    pub async fn start_with(mode: Mode) -> Self {
        let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("test certificate");
        let cert_pem = key.cert.pem();
        let cert_der = key.cert.der().clone();
        let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(key.signing_key.serialize_der().into());
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert_der], key_der)
            .expect("server certificate");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind SMTP");
        let addr = listener.local_addr().expect("address");
        let script = Arc::new(Mutex::new(Script::default()));
        let task = serve(listener, acceptor.clone(), Arc::clone(&script), mode);
        Self { addr, cert_pem, script, task, acceptor, mode }
    }

    /// Goes down: the port refuses connections and every open session is cut.
    pub async fn stop(&mut self) {
        self.task.abort();
        while !self.task.is_finished() {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Comes back on the same port with the same certificate and script.
    pub async fn resume(&mut self) {
        let listener = TcpListener::bind(self.addr).await.expect("rebind SMTP");
        self.task = serve(listener, self.acceptor.clone(), Arc::clone(&self.script), self.mode);
    }

    pub fn received(&self) -> Vec<Received> {
        self.script.lock().expect("script").received.clone()
    }

    pub fn connections(&self) -> usize {
        self.script.lock().expect("script").connections
    }
}

/// Accepts connections until aborted; aborting also ends every session it started.
fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    script: Arc<Mutex<Script>>,
    mode: Mode,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut sessions = tokio::task::JoinSet::new();
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                Some(_) = sessions.join_next(), if !sessions.is_empty() => continue,
            };
            let Ok((stream, _)) = accepted else { return };
            let script = Arc::clone(&script);
            let acceptor = acceptor.clone();
            sessions.spawn(async move {
                let _ = match mode {
                    Mode::Implicit => match acceptor.accept(stream).await {
                        Ok(tls) => session(Box::new(tls), acceptor, script, mode).await,
                        Err(_) => Ok(()),
                    },
                    _ => session(Box::new(stream), acceptor, script, mode).await,
                };
            });
        }
    })
}

async fn session(
    stream: Box<dyn Io>,
    acceptor: TlsAcceptor,
    script: Arc<Mutex<Script>>,
    mode: Mode,
) -> std::io::Result<()> {
    let (connection, refuse) = {
        let mut s = script.lock().expect("script");
        s.connections += 1;
        let refuse = s.refuse_connections > 0;
        if refuse {
            s.refuse_connections -= 1;
        }
        (s.connections, refuse)
    };
    if refuse {
        let mut stream = stream;
        stream.write_all(b"421 4.3.2 too busy, try later\r\n").await?;
        return stream.shutdown().await;
    }
    let mut reader = BufReader::new(stream);
    reader.get_mut().write_all(b"220 test.local ESMTP ready\r\n").await?;
    let (mut tls, mut user, mut from, mut to): (bool, Option<String>, String, Vec<String>) =
        (mode == Mode::Implicit, None, String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            let mut r = String::from("250-test.local\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n");
            if mode == Mode::Relay {
            } else if !tls {
                r.push_str("250-STARTTLS\r\n");
            } else {
                r.push_str("250-AUTH PLAIN LOGIN\r\n");
            }
            r.push_str("250 SIZE 10485760");
            r
        } else if upper == "STARTTLS" && !tls {
            reader.get_mut().write_all(b"220 2.0.0 go ahead\r\n").await?;
            let plain = reader.into_inner();
            let secured = acceptor.accept(plain).await?;
            reader = BufReader::new(Box::new(secured) as Box<dyn Io>);
            tls = true;
            continue;
        } else if let Some(rest) = upper.strip_prefix("AUTH PLAIN") {
            let encoded = if rest.trim().is_empty() {
                reader.get_mut().write_all(b"334 \r\n").await?;
                line.clear();
                reader.read_line(&mut line).await?;
                line.trim().to_owned()
            } else {
                command[10..].trim().to_owned()
            };
            let decoded = STANDARD.decode(encoded).unwrap_or_default();
            let parts: Vec<&[u8]> = decoded.split(|b| *b == 0).collect();
            if tls && parts.len() == 3 && parts[1] == USER.as_bytes() && parts[2] == PASSWORD.as_bytes() {
                user = Some(USER.to_owned());
                "235 2.7.0 authenticated".into()
            } else {
                "535 5.7.8 bad credentials".into()
            }
        } else if upper.starts_with("AUTH LOGIN") {
            reader.get_mut().write_all(b"334 VXNlcm5hbWU6\r\n").await?;
            line.clear();
            reader.read_line(&mut line).await?;
            let name = STANDARD.decode(line.trim()).unwrap_or_default();
            reader.get_mut().write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
            line.clear();
            reader.read_line(&mut line).await?;
            let password = STANDARD.decode(line.trim()).unwrap_or_default();
            if tls && name == USER.as_bytes() && password == PASSWORD.as_bytes() {
                user = Some(USER.to_owned());
                "235 2.7.0 authenticated".into()
            } else {
                "535 5.7.8 bad credentials".into()
            }
        } else if upper.starts_with("MAIL FROM:") {
            if user.is_none() && mode != Mode::Relay {
                "530 5.7.0 authentication required".into()
            } else {
                from = address(&command);
                to.clear();
                "250 2.1.0 ok".into()
            }
        } else if upper.starts_with("RCPT TO:") {
            let rcpt = address(&command);
            let mut s = script.lock().expect("script");
            let scripted = match s.rcpt_reply_times.get_mut(&rcpt) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    s.rcpt_replies.get(&rcpt).cloned()
                }
                _ => None,
            };
            match scripted {
                Some(reply) => reply,
                None => {
                    to.push(rcpt);
                    "250 2.1.5 ok".into()
                }
            }
        } else if upper == "DATA" {
            if to.is_empty() {
                "554 5.5.1 no valid recipients".into()
            } else {
                reader.get_mut().write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').filter(|_| line.starts_with("..")).unwrap_or(&line));
                }
                script.lock().expect("script").received.push(Received {
                    from: from.clone(),
                    to: std::mem::take(&mut to),
                    data,
                    connection,
                    tls,
                    user: user.clone(),
                });
                if script.lock().expect("script").hang_up_after_each_message {
                    reader.get_mut().write_all(b"250 2.0.0 queued\r\n").await?;
                    return reader.get_mut().shutdown().await;
                }
                "250 2.0.0 queued".into()
            }
        } else if upper == "RSET" {
            to.clear();
            "250 2.0.0 ok".into()
        } else if upper == "NOOP" {
            "250 2.0.0 ok".into()
        } else if upper == "QUIT" {
            reader.get_mut().write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(());
        } else {
            "502 5.5.2 command not recognised".into()
        };
        reader.get_mut().write_all(format!("{reply}\r\n").as_bytes()).await?;
    }
}

fn address(command: &str) -> String {
    let start = command.find('<').map_or(0, |i| i + 1);
    let end = command[start..].find('>').map_or(command.len(), |i| start + i);
    command[start..end].to_owned()
}
