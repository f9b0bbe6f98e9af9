//! Logging: human-readable lines by default, JSON lines for machines, always to stderr
//! so that stdout stays free for command output.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. `level` is a tracing filter (`info`,
/// `petition_watch=debug`); `RUST_LOG` overrides it. Noisy dependencies are kept at `warn`.
pub fn init(format: LogFormat, level: &str) {
    JSON_LOGS.store(format == LogFormat::Json, std::sync::atomic::Ordering::Relaxed);
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(format!("{level},sqlx=warn,tokio_cron_scheduler=warn")))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr);
    // A second init (tests, repeated calls) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.with_target(false).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

static JSON_LOGS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether logs are JSON lines (`--log-format json`): then a command's messages on stderr go
/// through the log too, so every stderr line is one JSON object.
pub fn json_logs() -> bool {
    JSON_LOGS.load(std::sync::atomic::Ordering::Relaxed)
}

/// The Prometheus metrics (served at `/metrics`). Recorded where things happen (the daemon's
/// scheduler loop, the delivery worker); a command without the listener records into nothing.
pub mod metric {
    /// Counter: firings run by this replica, by `job` and `outcome` (`done`, `failed`).
    pub const JOB_FIRINGS: &str = "petition_watch_job_firings_total";
    /// Histogram: how long a job run took, by `job`.
    pub const JOB_DURATION: &str = "petition_watch_job_duration_seconds";
    /// Gauge: cases carrying each `flag` in the latest screening of a `job`.
    pub const FINDINGS: &str = "petition_watch_findings";
    /// Gauge: Unix time of the latest firing that ran to the end, by `job` (any replica).
    pub const LAST_SUCCESS: &str = "petition_watch_job_last_success_timestamp_seconds";
    /// Counter: delivery attempts by `channel` and `outcome` (`sent`, `retry`, `dead`, `held`).
    pub const DELIVERIES: &str = "petition_watch_deliveries_total";
    /// Counter: attempts that failed and were scheduled again, by `channel`.
    pub const RETRIES: &str = "petition_watch_notice_retries_total";
    /// Counter: notices given up on, by `channel`.
    pub const DEAD: &str = "petition_watch_notices_dead_total";
    /// Histogram: from planning (enqueue) to delivery, by `channel`.
    pub const DELIVERY_LATENCY: &str = "petition_watch_delivery_latency_seconds";
    /// Gauge: notices in the outbox by `channel` and `status` (pending, sending, sent, dead).
    pub const OUTBOX: &str = "petition_watch_outbox_notices";
    /// Gauge: notices waiting to be sent (pending or sending), all channels.
    pub const OUTBOX_DEPTH: &str = "petition_watch_outbox_depth";
    /// Gauge: 1 when the latest config reload (or the start) succeeded, 0 when it was refused.
    pub const CONFIG_RELOAD_SUCCESSFUL: &str = "petition_watch_config_last_reload_successful";
    /// Gauge: Unix time the config in force was loaded (start or the latest good reload).
    pub const CONFIG_RELOAD_SUCCESS_TIMESTAMP: &str = "petition_watch_config_last_reload_success_timestamp_seconds";
    /// Gauge: 1 while a year's holiday schedule is missing (the current year, or from 1 November
    /// the next): its dates are computed from the statutory days off and marked unverified.
    pub const CALENDAR_UNVERIFIED: &str = "petition_watch_calendar_unverified";
    /// Counter: connections closed on arrival because `http.max_connections` were open.
    pub const HTTP_CONNECTIONS_REFUSED: &str = "petition_watch_http_connections_refused_total";
}

/// The process's Prometheus recorder, installed on first use (one per process).
pub fn metrics() -> &'static metrics_exporter_prometheus::PrometheusHandle {
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
    static HANDLE: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle> = std::sync::OnceLock::new();
    HANDLE.get_or_init(|| {
        let seconds = [0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0, 1800.0, 3600.0, 21_600.0, 86_400.0];
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &seconds)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Another recorder may be installed already (a test harness); ours still renders
        // what is recorded through it, and the daemon installs none other.
        let _ = metrics::set_global_recorder(recorder);
        describe();
        handle
    })
}

fn describe() {
    use metric::*;
    metrics::describe_counter!(JOB_FIRINGS, "Job firings run by this replica, by job and outcome.");
    metrics::describe_histogram!(JOB_DURATION, metrics::Unit::Seconds, "Job run duration.");
    metrics::describe_gauge!(FINDINGS, "Cases carrying each flag in the latest screening of a job.");
    metrics::describe_gauge!(LAST_SUCCESS, "Unix time of the latest completed firing of each job.");
    metrics::describe_counter!(DELIVERIES, "Delivery attempts by channel and outcome.");
    metrics::describe_counter!(RETRIES, "Failed attempts scheduled again, by channel.");
    metrics::describe_counter!(DEAD, "Notices given up on, by channel.");
    metrics::describe_histogram!(DELIVERY_LATENCY, metrics::Unit::Seconds, "From planning to delivery.");
    metrics::describe_gauge!(OUTBOX, "Notices in the outbox by channel and status.");
    metrics::describe_gauge!(OUTBOX_DEPTH, "Notices waiting to be sent.");
    metrics::describe_gauge!(
        CALENDAR_UNVERIFIED,
        "1 while a year's holiday schedule is missing (add config/holidays/YEAR.toml)."
    );
    metrics::describe_counter!(
        HTTP_CONNECTIONS_REFUSED,
        "Connections closed on arrival: http.max_connections were open."
    );
}

/// How the latest reload went (SIGHUP), for `/readyz`, `/metrics` and the status page: a
/// refused reload must be seen where the administrators look, not only in the log.
#[derive(Debug, Clone)]
pub struct ReloadStatus(std::sync::Arc<std::sync::Mutex<ReloadState>>);

/// What [`ReloadStatus`] holds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReloadState {
    /// Whether the latest reload (or the start) loaded the config.
    pub successful: bool,
    /// When the config in force was loaded (start or the latest good reload).
    pub loaded_at: chrono::DateTime<chrono::Utc>,
    /// When the latest reload failed, and why (the config in force is older).
    pub failed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Why it failed.
    pub error: Option<String>,
    /// Settings the config in force sets otherwise than the process started with: they take
    /// effect only after a restart.
    pub restart_needed: Vec<&'static str>,
}

impl ReloadStatus {
    /// The status at start: the config just loaded.
    pub fn started(now: chrono::DateTime<chrono::Utc>) -> Self {
        let status = Self(std::sync::Arc::new(std::sync::Mutex::new(ReloadState {
            successful: true,
            loaded_at: now,
            failed_at: None,
            error: None,
            restart_needed: Vec::new(),
        })));
        status.publish();
        status
    }

    /// What it says now.
    pub fn get(&self) -> ReloadState {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Records a good reload at `now`, with the settings that wait for a restart.
    pub fn succeeded(&self, now: chrono::DateTime<chrono::Utc>, restart_needed: Vec<&'static str>) {
        {
            let mut state = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            state.successful = true;
            state.loaded_at = now;
            state.failed_at = None;
            state.error = None;
            state.restart_needed = restart_needed;
        }
        self.publish();
    }

    /// Records a refused reload at `now`, and why.
    pub fn failed(&self, now: chrono::DateTime<chrono::Utc>, error: &str) {
        {
            let mut state = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            state.successful = false;
            state.failed_at = Some(now);
            state.error = Some(error.to_owned());
        }
        self.publish();
    }

    /// Sets the Prometheus gauges, as Prometheus and Alertmanager name theirs.
    fn publish(&self) {
        use crate::telemetry::metric;
        // The recorder first (the listener installs it too, but may start after this).
        let _ = crate::telemetry::metrics();
        let state = self.get();
        metrics::gauge!(metric::CONFIG_RELOAD_SUCCESSFUL).set(if state.successful { 1.0 } else { 0.0 });
        metrics::gauge!(metric::CONFIG_RELOAD_SUCCESS_TIMESTAMP).set(state.loaded_at.timestamp() as f64);
    }
}
