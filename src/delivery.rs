//! The delivery worker (DESIGN §4.1): claim a due notice, render it, send it through its
//! channel, record the outcome — sent, due again on the retry schedule, or dead — with an audit
//! row. Several workers run at once; on PostgreSQL several replicas share the outbox.
//!
//! Quiet hours hold chat notices (not email) until the morning; our own rate limits hold a
//! notice until a token is free; neither counts as an attempt. A dead notice, and an endpoint
//! that answered 410 (disabled until restart), are reported to the administrators' channels.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveTime, TimeZone, Utc};

use crate::channels::{Channel, DeliveryError};
use crate::clock::Clock;
use crate::config::LoadedConfig;
use crate::domain::Addressee;
use crate::notice::{NoticeBody, NoticeKind};
use crate::plan::{notice_id, retry_at};
use crate::render::message::Templates;
use crate::store::{AttemptOutcome, ClaimOutcome, Claimed, NewNotice, Store, StoreError};

/// Notices claimed at once per worker when the shared queue runs dry ([`Deliverer::drain_until`]).
pub const CLAIMS_PER_WORKER: usize = 4;

/// How a claimed notice ended this time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered.
    Sent,
    /// Failed; due again at this instant.
    Retry(DateTime<Utc>),
    /// Given up.
    Dead(String),
    /// Put back without an attempt (quiet hours, rate limit, channel not configured) until then.
    Held(DateTime<Utc>),
}

/// Counts from draining the outbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DrainSummary {
    /// Delivered.
    pub sent: usize,
    /// Failed and scheduled again.
    pub retried: usize,
    /// Given up.
    pub dead: usize,
    /// Held for later.
    pub held: usize,
}

impl std::ops::AddAssign for DrainSummary {
    fn add_assign(&mut self, other: Self) {
        self.sent += other.sent;
        self.retried += other.retried;
        self.dead += other.dead;
        self.held += other.held;
    }
}

/// The delivery settings the worker needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Waits between attempts.
    pub retry_schedule: Vec<Duration>,
    /// Random spread of each wait.
    pub jitter: f64,
    /// Quiet hours for chat channels (local start, end); `None` when off.
    pub quiet_hours: Option<(NaiveTime, NaiveTime)>,
    /// The township's time zone.
    pub time_zone: chrono_tz::Tz,
    /// How long a claim is reserved.
    pub lease: Duration,
    /// Concurrent deliveries.
    pub workers: usize,
    /// Where action links point and the key that signs them (`http.public_url`,
    /// `http.link_keys`); `None` when notices carry no links.
    pub links: Option<crate::config::ActionLinks>,
}

/// The worker: channels, templates, settings, and the endpoints disabled by a 410.
pub struct Deliverer {
    store: Store,
    channels: BTreeMap<String, Arc<Channel>>,
    templates: Arc<Templates>,
    settings: Settings,
    /// Administrators to tell about dead notices: (addressee, channel) pairs.
    administrators: Vec<(Addressee, String)>,
    /// Person id → name, for the 督办 lines of notices.
    names: HashMap<String, String>,
    township: String,
    disabled: Mutex<HashMap<String, String>>,
    /// One report rendered at a time, whatever the number of workers: a report's workbook lists
    /// every case it counts, and on a register of 100,000 cases rendering and encoding one takes
    /// some 200 MB; the few reports a month lose nothing by waiting for each other.
    reports: tokio::sync::Semaphore,
    /// Notices given up on in this delivery run, told to the administrators in one digest at
    /// its end: (id, channel, recipient, why).
    dead_this_run: Mutex<Vec<(String, String, String, String)>>,
}

impl Deliverer {
    /// Builds the worker from a loaded config: every enabled channel (secrets read now).
    pub fn new(store: Store, loaded: &LoadedConfig) -> Result<Self, String> {
        let config = &loaded.config;
        let mut channels = BTreeMap::new();
        for (name, c) in config.channels.iter().filter(|(_, c)| c.enabled) {
            channels.insert(name.clone(), Arc::new(Channel::build(name, c)?));
        }
        let templates = loaded.notice_templates().map_err(|e| format!("template {e}"))?;
        let quiet_hours = config.delivery.quiet_hours();
        let contacts = &loaded.settings.contacts;
        let administrators = config
            .administrators
            .people
            .iter()
            .filter_map(|id| contacts.get(id.as_str()))
            .flat_map(|contact| {
                config.administrators.channels.iter().map(|channel| (contact.addressee.clone(), channel.clone()))
            })
            .collect();
        Ok(Self {
            store,
            channels,
            templates: Arc::new(templates),
            settings: Settings {
                retry_schedule: config.delivery.retry_schedule.clone(),
                jitter: config.delivery.jitter,
                quiet_hours,
                time_zone: config.time_zone(),
                lease: config.delivery.lease,
                workers: config.delivery.workers.max(1),
                links: loaded.settings.links.clone(),
            },
            administrators,
            names: contacts.iter().map(|(id, c)| (id.clone(), c.addressee.name.clone())).collect(),
            township: config.township.name.clone(),
            disabled: Mutex::new(HashMap::new()),
            reports: tokio::sync::Semaphore::new(1),
            dead_this_run: Mutex::new(Vec::new()),
        })
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Claims and delivers one due notice; `None` when nothing is due.
    pub async fn deliver_one(&self, now: DateTime<Utc>) -> Result<Option<(String, Outcome)>, StoreError> {
        let claimed = match self.store.claim_next(now, self.lease_until(now)).await? {
            ClaimOutcome::Empty => return Ok(None),
            ClaimOutcome::Claimed(claimed) => claimed,
        };
        let outcome = self.attempt(&claimed, now).await?;
        record_metrics(&claimed, &outcome, now);
        // One notice is a whole run here: a notice given up on is told at once.
        self.tell_the_dead(now).await?;
        Ok(Some((claimed.id, outcome)))
    }

    async fn attempt(&self, claimed: &Claimed, now: DateTime<Utc>) -> Result<Outcome, StoreError> {
        let Some(channel) = self.channels.get(&claimed.channel) else {
            // Planned for a channel since disabled or removed: kept until it is back.
            let until = now + chrono::Duration::hours(1);
            tracing::warn!(notice = %claimed.id, channel = %claimed.channel, "channel not enabled; notice held");
            self.store.hold(claimed, until).await?;
            return Ok(Outcome::Held(until));
        };
        if let Some(reason) = self.disabled.lock().map(|d| d.get(&claimed.channel).cloned()).unwrap_or_default() {
            return self.give_up(claimed, format!("channel disabled: {reason}"), now).await;
        }
        let mut body: NoticeBody = match serde_json::from_str(&claimed.payload) {
            Ok(body) => body,
            Err(e) => return self.give_up(claimed, format!("stored notice does not parse: {e}"), now).await,
        };
        match self.settings.links.as_ref().and_then(|l| Some((l, *l.key_bytes().first()?))) {
            Some((links, key)) => crate::notice::link::attach(&mut body, &claimed.id, &links.public_url, key, now),
            // Only links signed now go out.
            None => body.cases.iter_mut().for_each(|c| c.link = None),
        }
        self.add_supervisions(&mut body).await?;
        if channel.is_chat()
            && let Some(until) = self.quiet_until(now)
        {
            self.store.hold(claimed, until).await?;
            return Ok(Outcome::Held(until));
        }
        let _report_turn = match body.kind {
            NoticeKind::Report => self.reports.acquire().await.ok(),
            _ => None,
        };
        let mut parts = usize::try_from(claimed.parts_done).unwrap_or(0);
        let result = channel.send(&claimed.id, &body, &self.templates, now, &mut parts).await;
        if i64::try_from(parts).unwrap_or(0) != claimed.parts_done && result.is_err() {
            self.store.record_parts(&claimed.id, i64::try_from(parts).unwrap_or(0)).await?;
        }
        match result {
            Ok(()) => {
                self.store.finish_attempt(claimed, &AttemptOutcome::Sent, now).await?;
                tracing::info!(notice = %claimed.id, channel = %claimed.channel, attempt = claimed.attempt, "notice sent");
                Ok(Outcome::Sent)
            }
            Err(DeliveryError::Throttled(wait)) => {
                let until =
                    now + chrono::Duration::from_std(wait).unwrap_or_default() + chrono::Duration::milliseconds(1);
                self.store.hold(claimed, until).await?;
                Ok(Outcome::Held(until))
            }
            Err(DeliveryError::Transient { reason, retry_after }) => {
                let unit: f64 = rand::random();
                match retry_at(
                    claimed.attempt,
                    &self.settings.retry_schedule,
                    self.settings.jitter,
                    unit,
                    retry_after,
                    now,
                ) {
                    Some(at) => {
                        tracing::warn!(notice = %claimed.id, channel = %claimed.channel, attempt = claimed.attempt, %at, error = %reason, "delivery failed; will retry");
                        let outcome = AttemptOutcome::Retry { at, error: reason };
                        self.store.finish_attempt(claimed, &outcome, now).await?;
                        Ok(Outcome::Retry(at))
                    }
                    None => {
                        self.give_up(claimed, format!("gave up after {} attempts: {reason}", claimed.attempt), now)
                            .await
                    }
                }
            }
            Err(DeliveryError::Permanent(reason)) => self.give_up(claimed, reason, now).await,
            Err(DeliveryError::Gone(reason)) => {
                if let Ok(mut disabled) = self.disabled.lock() {
                    disabled.insert(claimed.channel.clone(), reason.clone());
                }
                tracing::error!(channel = %claimed.channel, error = %reason, "endpoint gone (HTTP 410): channel disabled until restart");
                let text = format!(
                    "渠道“{}”的接收地址已失效（{reason}），系统已停用该渠道，待修正配置并重启后恢复。停用期间发往该渠道的提醒将标记为未送达，可用 petition-watch notices retry 重新发送。",
                    claimed.channel
                );
                self.tell_administrators(&format!("disabled:{}", claimed.channel), &text, &claimed.channel, now)
                    .await?;
                self.give_up(claimed, format!("{reason}: endpoint gone, channel disabled"), now).await
            }
        }
    }

    /// Each case's latest 督办, as the notice's audience may read it (DESIGN §5.3): read when the
    /// notice is sent, so a 督办 recorded after the notice was planned still shows.
    async fn add_supervisions(&self, body: &mut NoticeBody) -> Result<(), StoreError> {
        if body.kind != NoticeKind::Cases || body.cases.is_empty() {
            return Ok(());
        }
        let case_nos: Vec<&str> = body.cases.iter().map(|c| c.line.case_no.as_str()).collect();
        let latest = self.store.latest_supervisions(&case_nos).await?;
        let audience = if body.group { crate::notice::Audience::Group } else { crate::notice::Audience::Leader };
        let name = |id: &str| self.names.get(id).cloned().unwrap_or_else(|| id.to_owned());
        for case in &mut body.cases {
            case.supervision = latest
                .get(&case.line.case_no)
                .map(|event| crate::notice::supervision_line(event, name, audience, self.settings.time_zone));
        }
        Ok(())
    }

    /// Marks a notice dead and tells the administrators (unless it was itself for them).
    async fn give_up(&self, claimed: &Claimed, error: String, now: DateTime<Utc>) -> Result<Outcome, StoreError> {
        tracing::error!(notice = %claimed.id, channel = %claimed.channel, attempt = claimed.attempt, error = %error, "notice dead");
        self.store.finish_attempt(claimed, &AttemptOutcome::Dead { error: error.clone() }, now).await?;
        let for_administrators =
            serde_json::from_str::<NoticeBody>(&claimed.payload).map(|b| b.kind == NoticeKind::Admin).unwrap_or(false);
        if !for_administrators {
            // Told in one digest at the end of the run, not a message per notice.
            self.dead_this_run.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((
                claimed.id.clone(),
                claimed.channel.clone(),
                claimed.recipient.clone(),
                error.clone(),
            ));
        }
        Ok(Outcome::Dead(error))
    }

    /// Enqueues an admin message about `subject` on every administrators' channel except
    /// `failing` (which just failed; empty for none). The same subject and text make the same
    /// notice, so a repeat is not sent twice.
    pub async fn tell_administrators(
        &self,
        subject: &str,
        text: &str,
        failing: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let local = now.with_timezone(&self.settings.time_zone).date_naive();
        let notices: Vec<NewNotice> = self
            .administrators
            .iter()
            .filter(|(_, channel)| channel != failing)
            .map(|(to, channel)| {
                let body = NoticeBody {
                    kind: NoticeKind::Admin,
                    report: None,
                    report_link: None,
                    job: "delivery".into(),
                    job_zh: "提醒送达".into(),
                    township: self.township.clone(),
                    period: subject.to_owned(),
                    as_of: local,
                    to: to.clone(),
                    group: false,
                    cases: vec![],
                    text: Some(text.to_owned()),
                };
                let payload = serde_json::to_string(&body).unwrap_or_default();
                NewNotice {
                    id: notice_id("delivery", subject, &to.id, channel, payload.as_bytes()),
                    job: "delivery".into(),
                    period: subject.to_owned(),
                    recipient: to.id.clone(),
                    channel: channel.clone(),
                    reason: "admin".into(),
                    case_nos: vec![],
                    payload,
                }
            })
            .collect();
        if notices.is_empty() {
            tracing::error!(subject, "no administrators' channel to report to");
            return Ok(());
        }
        self.store.enqueue(&notices, now).await.map(|_| ())
    }

    /// The end of the quiet hours `now` falls in, if it does.
    fn quiet_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (start, end) = self.settings.quiet_hours?;
        let local = now.with_timezone(&self.settings.time_zone);
        let until = crate::plan::quiet_until(local.naive_local(), start, end)?;
        self.settings
            .time_zone
            .from_local_datetime(&until)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .or(Some(now + chrono::Duration::hours(1)))
    }

    /// Delivers until nothing is due, with the configured number of concurrent workers.
    pub async fn drain(self: &Arc<Self>, clock: Arc<dyn Clock>) -> Result<DrainSummary, StoreError> {
        self.drain_until(clock, None).await
    }

    /// Like [`Deliverer::drain`], but each worker stops after its current notice once `stop`
    /// turns true (shutdown: finish the delivery in progress, start no other).
    ///
    /// The workers share a queue of claimed notices, refilled [`CLAIMS_PER_WORKER`] per worker
    /// at a time, so claiming costs one transaction per batch rather than one per notice.
    /// Notices claimed and not attempted (shutdown, an error) are put back at once.
    pub async fn drain_until(
        self: &Arc<Self>,
        clock: Arc<dyn Clock>,
        stop: Option<tokio::sync::watch::Receiver<bool>>,
    ) -> Result<DrainSummary, StoreError> {
        let mut total = DrainSummary::default();
        loop {
            let pass = self.drain_pass(Arc::clone(&clock), stop.clone()).await;
            let told = self.tell_the_dead(clock.now()).await;
            total += pass?;
            // The digest of the notices given up on goes out in this run too.
            if !told? || stop.as_ref().is_some_and(|s| *s.borrow()) {
                return Ok(total);
            }
        }
    }

    /// One pass of [`Deliverer::drain_until`]: the workers deliver until nothing is due.
    async fn drain_pass(
        self: &Arc<Self>,
        clock: Arc<dyn Clock>,
        stop: Option<tokio::sync::watch::Receiver<bool>>,
    ) -> Result<DrainSummary, StoreError> {
        let queue = Arc::new(tokio::sync::Mutex::new(VecDeque::new()));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..self.settings.workers {
            let worker = Arc::clone(self);
            let clock = Arc::clone(&clock);
            let stop = stop.clone();
            let queue = Arc::clone(&queue);
            tasks.spawn(async move {
                let mut summary = DrainSummary::default();
                while !stop.as_ref().is_some_and(|s| *s.borrow())
                    && let Some(claimed) = worker.next_claimed(&queue, clock.now()).await?
                {
                    let now = clock.now();
                    let outcome = worker.attempt(&claimed, now).await?;
                    record_metrics(&claimed, &outcome, now);
                    match outcome {
                        Outcome::Sent => summary.sent += 1,
                        Outcome::Retry(_) => summary.retried += 1,
                        Outcome::Dead(_) => summary.dead += 1,
                        Outcome::Held(_) => summary.held += 1,
                    }
                }
                Ok::<_, StoreError>(summary)
            });
        }
        let mut total = DrainSummary::default();
        let mut failed = None;
        while let Some(joined) = tasks.join_next().await {
            let summary =
                joined.map_err(|e| StoreError::WorkerStopped(format!("delivery worker stopped: {e}"))).and_then(|s| s);
            match summary {
                Ok(summary) => total += summary,
                Err(e) => {
                    failed.get_or_insert(e);
                }
            }
        }
        let left: Vec<Claimed> = queue.lock().await.drain(..).map(|(c, _)| c).collect();
        let now = clock.now();
        for claimed in &left {
            if let Err(e) = self.store.hold(claimed, now).await {
                tracing::warn!(notice = %claimed.id, error = %e, "claimed notice not put back; due again when its lease ends");
            }
        }
        failed.map_or(Ok(total), Err)
    }

    /// One message to the administrators listing every notice given up on in this run;
    /// `true` when there were any.
    async fn tell_the_dead(&self, now: DateTime<Utc>) -> Result<bool, StoreError> {
        /// Lines listed in one digest; the rest are counted.
        const LISTED: usize = 50;
        let dead = std::mem::take(&mut *self.dead_this_run.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        let Some((first, ..)) = dead.first() else { return Ok(false) };
        let mut text = format!("本次投递有 {} 条提醒未能送达：\n", dead.len());
        for (id, channel, recipient, error) in dead.iter().take(LISTED) {
            text.push_str(&format!("- {id}（渠道 {channel}，收件人 {recipient}）：{error}\n"));
        }
        if dead.len() > LISTED {
            text.push_str(&format!(
                "- 另有 {} 条，见 petition-watch notices list --status dead\n",
                dead.len() - LISTED
            ));
        }
        let channels: std::collections::BTreeSet<&str> = dead.iter().map(|(_, c, ..)| c.as_str()).collect();
        let retry = match channels.iter().next() {
            Some(channel) if channels.len() == 1 => {
                format!("petition-watch notices retry --status dead --channel {channel}")
            }
            _ => "petition-watch notices retry --status dead".to_owned(),
        };
        text.push_str(&format!("请检查渠道配置后执行 {retry} 重新发送。"));
        // The channel they all failed on is not used to report them.
        let failing = if channels.len() == 1 { channels.iter().next().copied().unwrap_or_default() } else { "" };
        self.tell_administrators(&format!("dead {first}"), &text, failing, now).await?;
        Ok(true)
    }

    /// The next claimed notice from the shared queue, claiming a batch when it is empty;
    /// `None` when nothing is due. A notice that waited in the queue past half its lease is put
    /// back rather than sent (its lease might run out mid-send and another replica take it).
    async fn next_claimed(
        &self,
        queue: &tokio::sync::Mutex<VecDeque<(Claimed, DateTime<Utc>)>>,
        now: DateTime<Utc>,
    ) -> Result<Option<Claimed>, StoreError> {
        let mut queue = queue.lock().await;
        loop {
            if queue.is_empty() {
                let lease_until = self.lease_until(now);
                let batch = self.settings.workers.saturating_mul(CLAIMS_PER_WORKER);
                let claimed = self.store.claim_batch(now, lease_until, batch).await?;
                let stale_after = now + (lease_until - now) / 2;
                queue.extend(claimed.into_iter().map(|c| (c, stale_after)));
            }
            match queue.pop_front() {
                None => return Ok(None),
                Some((claimed, stale_after)) if now > stale_after => self.store.hold(&claimed, now).await?,
                Some((claimed, _)) => return Ok(Some(claimed)),
            }
        }
    }

    fn lease_until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + chrono::Duration::from_std(self.settings.lease).unwrap_or(chrono::Duration::minutes(5))
    }

    /// Sends a test message through `channel` to `to` right away (not through the outbox).
    pub async fn test(&self, channel: &str, to: Addressee, now: DateTime<Utc>) -> Result<(), String> {
        let sender =
            self.channels.get(channel).ok_or_else(|| format!("channel `{channel}` is not defined or not enabled"))?;
        let body = NoticeBody {
            kind: NoticeKind::Test,
            report: None,
            report_link: None,
            job: "notify_test".into(),
            job_zh: "通道测试".into(),
            township: self.township.clone(),
            period: now.to_rfc3339(),
            as_of: now.with_timezone(&self.settings.time_zone).date_naive(),
            to,
            group: false,
            cases: vec![],
            text: Some(format!("这是一条测试消息：渠道“{channel}”配置正确，可以正常接收信访工作提醒。")),
        };
        let id = notice_id("notify_test", &body.period, &body.to.id, channel, b"");
        let mut parts = 0;
        sender.send(&id, &body, &self.templates, now, &mut parts).await.map_err(|e| e.to_string())
    }
}

/// Counts an attempt's outcome in the process's metrics.
fn record_metrics(claimed: &Claimed, outcome: &Outcome, now: DateTime<Utc>) {
    use crate::telemetry::metric;
    let channel = claimed.channel.clone();
    let word = match outcome {
        Outcome::Sent => "sent",
        Outcome::Retry(_) => "retry",
        Outcome::Dead(_) => "dead",
        Outcome::Held(_) => "held",
    };
    metrics::counter!(metric::DELIVERIES, "channel" => channel.clone(), "outcome" => word).increment(1);
    match outcome {
        Outcome::Sent => {
            let latency = (now - claimed.created_at).to_std().unwrap_or_default();
            metrics::histogram!(metric::DELIVERY_LATENCY, "channel" => channel).record(latency.as_secs_f64());
        }
        Outcome::Retry(_) => metrics::counter!(metric::RETRIES, "channel" => channel).increment(1),
        Outcome::Dead(_) => metrics::counter!(metric::DEAD, "channel" => channel).increment(1),
        Outcome::Held(_) => {}
    }
}
