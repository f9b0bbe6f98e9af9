//! The daemon (DESIGN §4, §4.2): the one composition root. It runs the scheduler and the
//! delivery worker under one shutdown signal, reloads the config on SIGHUP, and stops on
//! SIGTERM/SIGINT after the delivery in progress.
//!
//! The scheduler is a loop over the pure [`crate::schedule`]. It sleeps until the next firing
//! of any job, at most 30 s (so a clock that jumps is noticed), and tokio-cron-scheduler wakes
//! it at each job's cron slots by the wall clock (`app::trigger`). Awake, it runs, for each job,
//! the latest firing in (last look, now] — one run even if the clock jumped over several. Each firing is claimed in `job_runs` before it runs, so with several replicas it
//! runs once; jobs run one after another, so a job never overlaps itself. At start, a job with
//! `catch_up = "once"` runs its latest firing missed since the last one recorded, once. At
//! start and at every look at the clock, a firing whose claimant died before recording it (its
//! claim's lease ran out) is taken over and run.
//!
//! Choice: tokio-cron-scheduler is the wake-up trigger only. It has no catch-up, no overlap
//! guard and no exclusivity across replicas, and cannot apply the working-day policy; those stay
//! here and in `job_runs`. Cron parsing for the firings themselves is croner's (the same parser
//! the trigger uses), through [`crate::schedule`].

mod trigger;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::{Notify, watch};

use crate::clock::Clock;
use crate::config::LoadedConfig;
use crate::delivery::Deliverer;
use crate::jobs::{CATCH_UP_WINDOW_DAYS, schedules};
use crate::plan::Job;
use crate::schedule::CatchUp;
use crate::store::Store;
use crate::telemetry::ReloadStatus;

/// Waits before each new try of a firing whose run failed; after the last, it is given up.
const FIRING_RETRY_WAITS: [Duration; 5] = [
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
    Duration::from_secs(8),
    Duration::from_secs(15),
];

/// The longest the scheduler sleeps before looking at the clock again.
const TICK: Duration = Duration::from_secs(30);

/// Runs the firings due in (`after`, `now`]: for each job the latest one (catch-up runs
/// collapse to one). With `catching_up`, only that job's, if it catches up. Returns how many
/// runs this process claimed.
pub async fn run_due(
    store: &Store,
    loaded: &LoadedConfig,
    after: DateTime<Tz>,
    now: DateTime<Utc>,
    catching_up: Option<Job>,
) -> usize {
    let tz = loaded.config.time_zone();
    let only_catch_up = catching_up.is_some();
    let mut claimed = 0;
    for &(job, ref schedule, catch_up) in schedules(loaded) {
        if catching_up.is_some_and(|only| only != job || catch_up == CatchUp::Skip) {
            continue;
        }
        let Some(firing) = schedule.last_in(after, now.with_timezone(&tz), &loaded.calendar) else { continue };
        tracing::info!(job = job.name(), at = %firing.at, catch_up = only_catch_up, "firing");
        claimed += run_firing(store, loaded, job, firing.at, now).await;
    }
    claimed
}

/// Runs one firing of `job` (screening as of its local date); a run that fails (the database
/// went away) is tried again a few times: its claim lets this process run it again, and nothing
/// of the failed attempt was written. Returns 1 when this process claimed and ran it.
async fn run_firing(store: &Store, loaded: &LoadedConfig, job: Job, at: DateTime<Tz>, now: DateTime<Utc>) -> usize {
    let as_of = at.date_naive();
    let scheduled_for = at.with_timezone(&Utc);
    for attempt in 0..=FIRING_RETRY_WAITS.len() {
        let started = std::time::Instant::now();
        let result = crate::jobs::run(store, loaded, job, as_of, scheduled_for, now, false).await;
        record_run(job, &result, started.elapsed());
        match (result, FIRING_RETRY_WAITS.get(attempt)) {
            (Ok(report), _) => return usize::from(report.claimed),
            (Err(e), _) if matches!(e.downcast_ref(), Some(crate::store::StoreError::ClaimLost { .. })) => {
                tracing::warn!(job = job.name(), %at, error = %e, "another process took the firing over");
                return 0;
            }
            (Err(e), Some(wait)) => {
                tracing::warn!(job = job.name(), %at, error = %e, retry_in = ?wait, "job run failed; trying again");
                tokio::time::sleep(*wait).await;
            }
            (Err(e), None) => {
                tracing::error!(job = job.name(), %at, error = %e, "job run failed; giving up on this firing")
            }
        }
    }
    0
}

/// Runs the firings a process claimed and died before recording (their lease ran out), within
/// the catch-up window, each as it would have run: the firing is taken over, not lost. A job
/// disabled since is left alone. Returns how many runs this process claimed.
pub async fn take_over_orphans(store: &Store, loaded: &LoadedConfig, now: DateTime<Utc>) -> usize {
    let since = now - chrono::Duration::days(CATCH_UP_WINDOW_DAYS);
    let orphans = match store.orphaned_runs(since, now).await {
        Ok(orphans) => orphans,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the job runs; no takeover of unfinished firings");
            return 0;
        }
    };
    let tz = loaded.config.time_zone();
    let enabled = schedules(loaded);
    let mut claimed = 0;
    for orphan in orphans {
        let Some(job) = Job::parse(&orphan.job).filter(|job| enabled.iter().any(|(j, ..)| j == job)) else { continue };
        let at = orphan.scheduled_for.with_timezone(&tz);
        tracing::warn!(
            job = job.name(),
            %at,
            claimed_by = orphan.claimed_by,
            "a firing claimed by a process that did not finish it: taking it over"
        );
        claimed += run_firing(store, loaded, job, at, now).await;
    }
    claimed
}

/// Counts a firing this replica ran in the process's metrics.
fn record_run(job: Job, result: &anyhow::Result<crate::jobs::RunReport>, took: Duration) {
    use crate::telemetry::metric;
    let outcome = match result {
        Ok(report) if !report.claimed => return,
        Ok(_) => "done",
        Err(_) => "failed",
    };
    metrics::counter!(metric::JOB_FIRINGS, "job" => job.name(), "outcome" => outcome).increment(1);
    metrics::histogram!(metric::JOB_DURATION, "job" => job.name()).record(took.as_secs_f64());
    if let Ok(report) = result {
        for (flag, count) in &report.flags {
            metrics::gauge!(metric::FINDINGS, "job" => job.name(), "flag" => *flag).set(*count as f64);
        }
    }
}

/// Logs each job's next firing (at start and after a reload).
fn log_next_firings(loaded: &LoadedConfig, now: DateTime<Utc>) {
    let tz = loaded.config.time_zone();
    for &(job, ref schedule, _) in schedules(loaded) {
        match schedule.next_after(now.with_timezone(&tz), &loaded.calendar) {
            Some(f) => tracing::info!(job = job.name(), next = %f.at.format("%Y-%m-%d %H:%M"), "next firing"),
            None => tracing::info!(job = job.name(), "no firing ahead"),
        }
    }
}

/// The settings read only at start (the listener, the database pool, logging) that `new` sets
/// otherwise than `old`, the config the process started with: they take effect after a restart.
fn restart_needed(old: &crate::config::Config, new: &crate::config::Config) -> Vec<&'static str> {
    let (a, b) = (&old.database, &new.database);
    let (h, k) = (&old.http, &new.http);
    let (l, m) = (&old.log, &new.log);
    [
        ("database.url", a.url != b.url),
        ("database.max_connections", a.max_connections != b.max_connections),
        ("database.busy_timeout", a.busy_timeout != b.busy_timeout),
        ("http.listen", h.listen != k.listen),
        ("http.max_body_bytes", h.max_body_bytes != k.max_body_bytes),
        ("http.max_connections", h.max_connections != k.max_connections),
        ("http.header_read_timeout", h.header_read_timeout != k.header_read_timeout),
        ("http.request_timeout", h.request_timeout != k.request_timeout),
        ("http.max_heavy_requests", h.max_heavy_requests != k.max_heavy_requests),
        ("log.format", format!("{:?}", l.format) != format!("{:?}", m.format)),
        ("log.level", l.level != m.level),
    ]
    .into_iter()
    .filter(|(_, changed)| *changed)
    .map(|(key, _)| key)
    .collect()
}

/// The daemon's state that a reload replaces.
struct Running {
    loaded: Arc<LoadedConfig>,
    deliverer: Arc<Deliverer>,
}

/// What the daemon is told from outside (signals, or a test).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Re-read the config (SIGHUP).
    Reload,
    /// Stop (SIGTERM, SIGINT).
    Stop,
}

/// Turns SIGHUP into [`Control::Reload`] and SIGTERM/SIGINT into [`Control::Stop`].
pub fn signals() -> anyhow::Result<tokio::sync::mpsc::Receiver<Control>> {
    use tokio::signal::unix::{SignalKind, signal};
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut hangup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        loop {
            let control = tokio::select! {
                _ = terminate.recv() => Control::Stop,
                _ = interrupt.recv() => Control::Stop,
                _ = hangup.recv() => Control::Reload,
            };
            if tx.send(control).await.is_err() || control == Control::Stop {
                return;
            }
        }
    });
    Ok(rx)
}

/// Runs the daemon until told to stop.
pub async fn run(
    config_path: PathBuf,
    env: Vec<(String, String)>,
    loaded: LoadedConfig,
    store: Store,
    clock: Arc<dyn Clock>,
    mut control: tokio::sync::mpsc::Receiver<Control>,
) -> anyhow::Result<()> {
    let deliverer = Arc::new(Deliverer::new(store.clone(), &loaded).map_err(anyhow::Error::msg)?);
    let loaded = Arc::new(loaded);
    // What the process started with: settings read only at start are compared against it.
    let started = Arc::clone(&loaded);
    let (loaded_tx, loaded_rx) = watch::channel(Arc::clone(&loaded));
    let (config_tx, config_rx) = watch::channel(Arc::new(Running { loaded, deliverer }));
    let (stop_tx, stop_rx) = watch::channel(false);
    let wake_delivery = Arc::new(Notify::new());

    let scheduler_running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let reload_status = ReloadStatus::started(clock.now());
    let listen = config_tx.borrow().loaded.settings.listen;
    let listener = match listen {
        None => None,
        Some(address) => {
            let shared = crate::http::Shared {
                store: store.clone(),
                clock: Arc::clone(&clock),
                config: loaded_rx.clone(),
                scheduler_running: Arc::clone(&scheduler_running),
                wake_delivery: Arc::clone(&wake_delivery),
                work: Default::default(),
                reload: reload_status.clone(),
            };
            Some(crate::http::serve(address, shared, stop_rx.clone()).await?)
        }
    };
    let scheduler = tokio::spawn(scheduler(
        store.clone(),
        Arc::clone(&clock),
        config_rx.clone(),
        stop_rx.clone(),
        Arc::clone(&wake_delivery),
    ));
    let wake_delivery_after_reload = Arc::clone(&wake_delivery);
    let delivery = tokio::spawn(delivery(Arc::clone(&clock), config_rx, stop_rx, wake_delivery));

    log_next_firings(&config_tx.borrow().loaded, clock.now());
    tracing::info!(jobs = schedules(&config_tx.borrow().loaded).len(), "daemon started");
    log_unverified_calendar(&config_tx.borrow().loaded, clock.as_ref());
    loop {
        match control.recv().await {
            None | Some(Control::Stop) => break,
            Some(Control::Reload) => {
                let running = Arc::clone(&config_tx.borrow());
                let now = clock.now();
                let today = clock.today(running.loaded.config.time_zone());
                let built = crate::config::load(&config_path, &env, today).map_err(|e| e.to_string()).and_then(|new| {
                    Deliverer::new(store.clone(), &new).map(|deliverer| (new, deliverer)).map_err(|e| e.to_string())
                });
                match built {
                    Ok((new, deliverer)) => {
                        let restart = restart_needed(&started.config, &new.config);
                        log_next_firings(&new, now);
                        let new = Arc::new(new);
                        loaded_tx.send_replace(Arc::clone(&new));
                        config_tx.send_replace(Arc::new(Running { loaded: new, deliverer: Arc::new(deliverer) }));
                        if restart.is_empty() {
                            tracing::info!(config = %config_path.display(), "config reloaded");
                        } else {
                            tracing::warn!(
                                config = %config_path.display(),
                                restart_needed = %restart.join(", "),
                                "config reloaded; these changes take effect only after a restart"
                            );
                        }
                        reload_status.succeeded(now, restart);
                        log_unverified_calendar(&config_tx.borrow().loaded, clock.as_ref());
                    }
                    Err(error) => {
                        tracing::error!(error = %error, "reload refused; still running on the previous config");
                        reload_status.failed(now, &error);
                        let local = now.with_timezone(&running.loaded.config.time_zone());
                        let text = format!(
                            "{} 重新加载配置失败，系统仍按原配置运行。原因：{error}。请修正配置文件（可先运行 petition-watch check）后再重新加载。",
                            local.format("%Y-%m-%d %H:%M")
                        );
                        let subject = format!("reload {}", local.format("%Y-%m-%d"));
                        if let Err(e) = running.deliverer.tell_administrators(&subject, &text, "", now).await {
                            tracing::error!(error = %e, "cannot tell the administrators that the reload failed");
                        }
                        wake_delivery_after_reload.notify_one();
                    }
                }
            }
        }
    }
    tracing::info!("stopping: no new firings; finishing the delivery in progress");
    let _ = stop_tx.send(true);
    scheduler_running.store(false, std::sync::atomic::Ordering::SeqCst);
    let _ = tokio::time::timeout(Duration::from_secs(60), async {
        let _ = scheduler.await;
        let _ = delivery.await;
        if let Some((_, task)) = listener {
            let _ = task.await;
        }
    })
    .await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn scheduler(
    store: Store,
    clock: Arc<dyn Clock>,
    mut config: watch::Receiver<Arc<Running>>,
    mut stop: watch::Receiver<bool>,
    wake_delivery: Arc<Notify>,
) {
    let running = Arc::clone(&config.borrow());
    let tz = running.loaded.config.time_zone();
    // Catch-up: each job's latest firing since the last one recorded (within the window).
    let now = clock.now();
    let mut caught_up = take_over_orphans(&store, &running.loaded, now).await;
    for &(job, _, catch_up) in schedules(&running.loaded) {
        if catch_up == CatchUp::Skip {
            continue;
        }
        let last = match store.last_run(job.name()).await {
            Ok(Some(last)) => last,
            Ok(None) => continue,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the job runs; no catch-up");
                continue;
            }
        };
        let floor = now - chrono::Duration::days(CATCH_UP_WINDOW_DAYS);
        let after = last.max(floor).with_timezone(&tz);
        caught_up += run_due(&store, &running.loaded, after, now, Some(job)).await;
    }
    if caught_up > 0 {
        tracing::info!(runs = caught_up, "caught up missed firings");
        wake_delivery.notify_one();
    }
    let mut told_week = None;
    if remind_of_unverified_calendar(&running, now, &mut told_week).await {
        wake_delivery.notify_one();
    }
    let mut cursor = now.with_timezone(&tz);
    let wake = Arc::new(Notify::new());
    let mut trigger = trigger::Trigger::start(&running.loaded, Arc::clone(&wake)).await;
    let covered = Job::ALL.iter().filter(|job| trigger.covers(**job)).count();
    tracing::debug!(jobs = covered, "cron trigger started");
    loop {
        let running = Arc::clone(&config.borrow_and_update());
        let tz = running.loaded.config.time_zone();
        let next = schedules(&running.loaded)
            .iter()
            .filter_map(|(_, schedule, _)| schedule.next_after(cursor, &running.loaded.calendar))
            .map(|f| f.at.with_timezone(&Utc))
            .min();
        let now = clock.now();
        // The timer aims at the exact instant (so replicas race for a firing fairly); it runs on
        // the monotonic clock. The trigger reads the wall clock every half second, so it wakes
        // the loop at a slot when the two part (a resumed VM, a clock stepped forward).
        let wait = next.map_or(TICK, |at| (at - now).to_std().unwrap_or_default().min(TICK));
        if let Some(at) = next {
            tracing::debug!(next = %at.with_timezone(&tz), "sleeping until the next firing");
        }
        let moved = clock.moved();
        let clock_moved = async {
            match moved {
                Some(moved) => moved.notified().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = wake.notified() => {}
            _ = clock_moved => {}
            _ = tokio::time::sleep(wait) => {}
            _ = config.changed() => {
                trigger.stop().await;
                let running = Arc::clone(&config.borrow());
                trigger = trigger::Trigger::start(&running.loaded, Arc::clone(&wake)).await;
                continue;
            }
            _ = stop.changed() => {
                trigger.stop().await;
                return;
            }
        }
        let now = clock.now();
        if take_over_orphans(&store, &running.loaded, now).await > 0 {
            wake_delivery.notify_one();
        }
        if remind_of_unverified_calendar(&running, now, &mut told_week).await {
            wake_delivery.notify_one();
        }
        if next.is_some_and(|at| at <= now) {
            if run_due(&store, &running.loaded, cursor, now, None).await > 0 {
                wake_delivery.notify_one();
            }
            cursor = now.with_timezone(&tz);
        } else if now.with_timezone(&tz) < cursor {
            // The clock went back: look from the new now, never run a firing twice (claims guard it).
            cursor = now.with_timezone(&tz);
        }
        if *stop.borrow() {
            trigger.stop().await;
            return;
        }
    }
}

/// Logs, at start and after each reload, that a year's holiday schedule is missing (DESIGN §2.1).
fn log_unverified_calendar(loaded: &LoadedConfig, clock: &dyn Clock) {
    let today = clock.today(loaded.config.time_zone());
    if let Some(warning) = loaded.calendar.missing_schedule_warning(today) {
        tracing::warn!(year = loaded.calendar.missing_schedule_year(today), "{warning}");
    }
}

/// Tells the administrators, once a week (one notice per ISO week, whichever replica enqueues
/// it first: its id is the same), that a year's holiday schedule is missing. True when a
/// notice was enqueued now. `told_week` remembers the week this process already enqueued, so
/// the scheduler's every wake does not write the same row again.
async fn remind_of_unverified_calendar(running: &Running, now: DateTime<Utc>, told_week: &mut Option<String>) -> bool {
    use chrono::Datelike;
    let loaded = &running.loaded;
    let today = now.with_timezone(&loaded.config.time_zone()).date_naive();
    let Some(text) = loaded.calendar.missing_schedule_notice(today) else { return false };
    let week = today.iso_week();
    let subject = format!("holidays {}-W{:02}", week.year(), week.week());
    if told_week.as_deref() == Some(subject.as_str()) {
        return false;
    }
    // Dated the week's Monday, so each day of the week makes the same notice (the same id).
    let monday = today - chrono::Days::new(u64::from(today.weekday().num_days_from_monday()));
    let dated = monday
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(loaded.config.time_zone()).earliest())
        .map_or(now, |t| t.with_timezone(&Utc));
    match running.deliverer.tell_administrators(&subject, &text, "", dated).await {
        Ok(()) => {
            *told_week = Some(subject);
            true
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot tell the administrators that a holiday schedule is missing");
            false
        }
    }
}

async fn delivery(
    clock: Arc<dyn Clock>,
    config: watch::Receiver<Arc<Running>>,
    mut stop: watch::Receiver<bool>,
    wake: Arc<Notify>,
) {
    let mut failures: HashMap<String, usize> = HashMap::new();
    loop {
        let deliverer = Arc::clone(&config.borrow().deliverer);
        match deliverer.drain_until(Arc::clone(&clock), Some(stop.clone())).await {
            Ok(summary) if summary != Default::default() => {
                tracing::info!(
                    sent = summary.sent,
                    retried = summary.retried,
                    dead = summary.dead,
                    held = summary.held,
                    "delivered"
                );
            }
            Ok(_) => {}
            Err(e) => {
                let n = failures.entry(e.to_string()).or_default();
                *n += 1;
                tracing::error!(error = %e, times = *n, "delivery stopped on a database error; trying again");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = wake.notified() => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}
