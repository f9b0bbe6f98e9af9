//! The optional HTTP listener (DESIGN §5.3): health checks for load balancers and probes,
//! Prometheus metrics, the JSON API for other systems (token auth) and the office's read-only
//! status page.
//!
//! | path | who | what |
//! |---|---|---|
//! | `/healthz`, `/readyz` | anyone | the process answers; the database, config and scheduler are fine |
//! | `/metrics` | anyone | Prometheus text (no personal data) |
//! | `/api/v1/…` | bearer token | [`api`]: cases in and out, findings, notices, jobs |
//! | `/api/v1/openapi.json` | anyone | the API's OpenAPI 3.1 document |
//! | `/`, `/login`, `/logout`, `/supervise`, `/upload`, `/correct` | token login, open or off | [`status`]: the status page, where a write token records 督办, uploads the register and corrects it |
//! | `/a/{token}` | the holder of a notice's signed link | [`action`]: 签收 and answers from a phone |
//!
//! Every error is JSON `{"error": {"code", "message", "details"?}}` with a stable `code`.

pub mod action;
pub mod api;
pub mod auth;
pub mod cases;
pub mod status;
pub mod work;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::json;
use tokio::sync::{Notify, watch};

use crate::clock::Clock;
use crate::config::LoadedConfig;
use crate::store::Store;

/// What the handlers share: the store, the clock, the config in force (a reload replaces it),
/// and the daemon's state.
#[derive(Clone)]
pub struct Shared {
    /// The database.
    pub store: Store,
    /// The clock (a test may set it).
    pub clock: Arc<dyn Clock>,
    /// The config in force.
    pub config: watch::Receiver<Arc<LoadedConfig>>,
    /// Set while the scheduler loop runs.
    pub scheduler_running: Arc<AtomicBool>,
    /// Wakes the delivery worker (after a retry is asked for).
    pub wake_delivery: Arc<Notify>,
    /// Turns for heavy requests and the answers being computed ([`work`]).
    pub work: work::HeavyWork,
    /// How the latest config reload went.
    pub reload: crate::telemetry::ReloadStatus,
}

impl Shared {
    /// The config in force now.
    pub fn loaded(&self) -> Arc<LoadedConfig> {
        Arc::clone(&self.config.borrow())
    }
}

/// An error answer: a status, a stable code, a message for people, and details for machines.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code (`unauthorized`, `invalid_case`, …).
    pub code: &'static str,
    /// What is wrong and what would be right.
    pub message: String,
    /// Per-item problems, when there are several.
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    /// An error without details.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), details: None }
    }

    /// Adds details.
    pub fn with_details(mut self, details: impl Serialize) -> Self {
        self.details = serde_json::to_value(details).ok();
        self
    }

    /// The database failed: 503, the cause logged, not shown.
    pub fn store(error: impl std::fmt::Display) -> Self {
        tracing::error!(error = %error, "HTTP request failed on the database");
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "database_unavailable", "the database did not answer; try again")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(details) = self.details {
            error["details"] = details;
        }
        let mut response = (self.status, axum::Json(json!({ "error": error }))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer realm=\"petition-watch\""));
        }
        response
    }
}

/// The router. The body limit and request timeout are read from the config given here (a
/// reload keeps them).
pub fn router(shared: Shared) -> Router {
    let limit = shared.loaded().config.http.max_body_bytes;
    let timeout = shared.loaded().config.http.request_timeout;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/", get(status::page))
        .route("/login", post(status::login))
        .route("/logout", post(status::logout))
        .route("/supervise", post(status::supervise))
        .route("/correct", post(status::correct))
        .route("/case/{case_no}", get(status::case_page))
        .route("/cases", get(cases::list))
        .route("/cases.xlsx", get(cases::export))
        .route(
            "/upload",
            post(status::upload).layer(DefaultBodyLimit::max(shared.loaded().config.http.max_upload_bytes)),
        )
        .route("/a/{token}", get(action::page).post(action::act))
        .route("/r/{token}", get(action::report_page))
        .route("/api/v1/openapi.json", get(api::openapi_json))
        .route("/api/v1/cases", post(api::post_cases).put(api::put_cases))
        .route("/api/v1/cases/{case_no}", get(api::get_case).delete(api::withdraw_case))
        .route("/api/v1/cases/{case_no}/rename", post(api::rename_case))
        .route("/api/v1/cases/{case_no}/restore", post(api::restore_case))
        .route(
            "/api/v1/imports",
            post(api::post_import).layer(DefaultBodyLimit::max(shared.loaded().config.http.max_upload_bytes)),
        )
        .route("/api/v1/cases/{case_no}/events", post(api::post_event))
        .route("/api/v1/findings", get(api::findings))
        .route("/api/v1/notices", get(api::notices))
        .route("/api/v1/notices/{id}/retry", post(api::retry_notice))
        .route("/api/v1/jobs", get(api::jobs))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| async move {
                match tokio::time::timeout(timeout, next.run(request)).await {
                    Ok(response) => response,
                    Err(_) => ApiError::new(
                        StatusCode::REQUEST_TIMEOUT,
                        "request_timeout",
                        format!(
                            "the request took longer than http.request_timeout ({})",
                            humantime::format_duration(timeout)
                        ),
                    )
                    .into_response(),
                }
            },
        ))
        .with_state(shared)
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such path; the API is under /api/v1 (see /api/v1/openapi.json)",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this path does not take that method")
}

async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, axum::Json(json!({"status": "ok"})))
}

async fn readyz(State(shared): State<Shared>) -> impl IntoResponse {
    let database = shared.store.ping().await.is_ok();
    let scheduler = shared.scheduler_running.load(Ordering::SeqCst);
    let status = if database && scheduler { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let word = |ok: bool, yes: &str, no: &str| if ok { yes.to_owned() } else { no.to_owned() };
    let reload = shared.reload.get();
    let body = json!({
        "database": word(database, "ok", "unreachable"),
        "config": word(reload.successful, "loaded", "reload failed: running on the previous config"),
        "config_reload": reload,
        "scheduler": word(scheduler, "running", "stopped"),
    });
    (status, axum::Json(body))
}

/// `/metrics`: what this process recorded, and the outbox and last runs read from the database
/// (the same for every replica).
async fn metrics(State(shared): State<Shared>) -> Response {
    use crate::telemetry::metric;
    let handle = crate::telemetry::metrics();
    match shared.store.outbox_by_channel().await {
        Ok(rows) => {
            let mut depth = 0;
            for (channel, status, count) in rows {
                if status == "pending" || status == "sending" {
                    depth += count;
                }
                metrics::gauge!(metric::OUTBOX, "channel" => channel, "status" => status).set(count as f64);
            }
            metrics::gauge!(metric::OUTBOX_DEPTH).set(depth as f64);
        }
        Err(e) => tracing::warn!(error = %e, "metrics: the outbox could not be counted"),
    }
    match shared.store.last_done_runs().await {
        Ok(rows) => {
            for (job, at) in rows {
                metrics::gauge!(metric::LAST_SUCCESS, "job" => job).set(at.timestamp() as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: the job runs could not be read"),
    }
    let loaded = shared.loaded();
    let today = shared.clock.today(loaded.config.time_zone());
    let missing = loaded.calendar.missing_schedule_year(today).is_some();
    metrics::gauge!(metric::CALENDAR_UNVERIFIED).set(if missing { 1.0 } else { 0.0 });
    handle.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response()
}

/// How the listener bounds its connections (`[http]`).
#[derive(Debug, Clone, Copy)]
struct ConnectionLimits {
    max_connections: usize,
    header_read_timeout: std::time::Duration,
}

/// Serves the router on `address` until `stop` turns true. Returns the bound address (port 0
/// picks a free one) once listening.
///
/// The accept loop is this module's own rather than `axum::serve`'s, which neither times out a
/// connection that never finishes its header nor bounds how many are open: about a thousand
/// idle connections took every file descriptor, and the database and the mail and file channels
/// failed with them. Here a connection past `http.max_connections` waits at most a second for a
/// slot in a waiting room a quarter that size, and is closed as soon as it is accepted when that
/// is full too; one that sends no complete header within `http.header_read_timeout` (also the
/// wait for the next request on a kept-alive connection) is closed by hyper's timer.
pub async fn serve(
    address: SocketAddr,
    shared: Shared,
    stop: watch::Receiver<bool>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    // Install the recorder before the first job runs, so nothing recorded is lost.
    let _ = crate::telemetry::metrics();
    let http = shared.loaded().config.http.clone();
    let limits =
        ConnectionLimits { max_connections: http.max_connections, header_read_timeout: http.header_read_timeout };
    let app = router(shared);
    let task = tokio::spawn(accept_loop(listener, app, limits, stop));
    tracing::info!(address = %bound, max_connections = limits.max_connections, "HTTP listener started");
    Ok((bound, task))
}

/// A connection's place: a slot now, or a wait for one in the waiting room.
enum Slot {
    Now(tokio::sync::OwnedSemaphorePermit),
    Later(Arc<tokio::sync::Semaphore>, tokio::sync::OwnedSemaphorePermit),
}

/// Accepts connections until `stop` turns true, then lets open requests finish (10 s at most).
async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<bool>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let waiting_room = Arc::new(tokio::sync::Semaphore::new((limits.max_connections / 4).max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut refused_since_logged = 0u64;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped(&mut stop) => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors (EMFILE) or a connection reset before it was taken:
                // wait a little rather than spin, and keep listening.
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        // A slot now, or a place in the small waiting room for at most a second (a burst of
        // honest clients), else the connection is closed at once: descriptors held by the
        // listener never exceed its slots plus the waiting room.
        let slot = match Arc::clone(&slots).try_acquire_owned() {
            Ok(slot) => Slot::Now(slot),
            Err(_) => match Arc::clone(&waiting_room).try_acquire_owned() {
                Ok(waiting) => Slot::Later(Arc::clone(&slots), waiting),
                Err(_) => {
                    metrics::counter!(crate::telemetry::metric::HTTP_CONNECTIONS_REFUSED).increment(1);
                    if refused_since_logged == 0 {
                        tracing::warn!(
                            max = limits.max_connections,
                            "too many connections open: closing new ones until some end"
                        );
                    }
                    refused_since_logged += 1;
                    drop(stream);
                    continue;
                }
            },
        };
        if refused_since_logged > 0 && slots.available_permits() > limits.max_connections / 2 {
            tracing::info!(refused = refused_since_logged, "connections accepted again");
            refused_since_logged = 0;
        }
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _slot = match slot {
                Slot::Now(slot) => slot,
                Slot::Later(slots, _waiting) => {
                    match tokio::time::timeout(std::time::Duration::from_secs(1), slots.acquire_owned()).await {
                        Ok(Ok(slot)) => slot,
                        _ => {
                            metrics::counter!(crate::telemetry::metric::HTTP_CONNECTIONS_REFUSED).increment(1);
                            return;
                        }
                    }
                }
            };
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "HTTP connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(std::time::Duration::from_secs(10)) => {
            tracing::warn!("HTTP connections still open after 10 s; closing them");
        }
    }
}

/// Resolves once `stop` is true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    while !*stop.borrow() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}
