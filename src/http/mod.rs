//! The optional HTTP listener (DESIGN §5.3), so far the health checks: `/healthz` (the process
//! answers) and `/readyz` (the database answers, the config is loaded, the scheduler runs) for
//! load balancers and Kubernetes probes. The API, metrics and status page follow.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;
use tokio::sync::watch;

use crate::store::Store;

/// What the health checks look at.
#[derive(Clone)]
pub struct Health {
    /// The database.
    pub store: Store,
    /// Set while the scheduler loop runs.
    pub scheduler_running: Arc<AtomicBool>,
}

/// The router.
pub fn router(health: Health) -> Router {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).with_state(health)
}

async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, axum::Json(json!({"status": "ok"})))
}

async fn readyz(State(health): State<Health>) -> impl IntoResponse {
    let database = health.store.ping().await.is_ok();
    let scheduler = health.scheduler_running.load(Ordering::SeqCst);
    let status = if database && scheduler { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let word = |ok: bool, yes: &str, no: &str| if ok { yes.to_owned() } else { no.to_owned() };
    let body = json!({
        "database": word(database, "ok", "unreachable"),
        "config": "loaded",
        "scheduler": word(scheduler, "running", "stopped"),
    });
    (status, axum::Json(body))
}

/// Serves `router` on `address` until `stop` turns true. Returns the bound address (port 0
/// picks a free one) once listening.
pub async fn serve(
    address: SocketAddr,
    health: Health,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    let app = router(health);
    let task = tokio::spawn(async move {
        let shutdown = async move {
            while !*stop.borrow() {
                if stop.changed().await.is_err() {
                    return;
                }
            }
        };
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
            tracing::error!(error = %e, "HTTP listener stopped");
        }
    });
    tracing::info!(address = %bound, "HTTP listener started");
    Ok((bound, task))
}
