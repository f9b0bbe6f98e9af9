//! The scheduler's wake-up trigger: tokio-cron-scheduler, one cron job per enabled job, each
//! job's spec read in the township's time zone. A trigger only wakes the scheduler loop; what
//! runs is decided there, as before: the firings the pure [`crate::schedule`] says are due
//! (working-day policy, sweep days), each claimed in `job_runs` so it runs once across
//! replicas and never overlaps itself, and catch-up at start.
//!
//! Choice: the trigger is not the only wake. tokio-cron-scheduler looks at the wall clock every
//! 500 ms, so a slot wakes each replica up to half a second late, always in the same order (the
//! replica whose look comes first would win every firing, and replicas would stop sharing the
//! work); and it knows nothing of the working-day calendar, so it cannot wake for a firing the
//! `on_non_working_day` policy moved off its slot. The loop therefore also sleeps until the
//! exact next firing on tokio's (monotonic) timer. The trigger is what wakes it at a slot when
//! the wall clock and the monotonic clock part — a VM resumed from suspend, a clock stepped
//! forward — where the timer alone would notice only at its next 30-second look.

use std::collections::BTreeSet;
use std::sync::Arc;

use tokio::sync::Notify;
use tokio_cron_scheduler::{Job as CronJob, JobScheduler};

use crate::config::LoadedConfig;
use crate::jobs::schedules;
use crate::plan::Job;

/// A running trigger: wakes `wake` at every cron slot of the jobs it covers.
pub struct Trigger {
    scheduler: Option<JobScheduler>,
    covered: BTreeSet<Job>,
}

impl Trigger {
    /// Starts a trigger for the enabled jobs of `loaded`. A job the trigger cannot take (its
    /// spec, a scheduler that would not start) is logged and left to the loop's timer alone.
    pub async fn start(loaded: &LoadedConfig, wake: Arc<Notify>) -> Self {
        let mut covered = BTreeSet::new();
        let scheduler = match JobScheduler::new().await {
            Ok(scheduler) => scheduler,
            Err(e) => {
                tracing::warn!(error = %e, "the cron trigger did not start; the scheduler wakes on its own timer");
                return Self { scheduler: None, covered };
            }
        };
        let tz = loaded.config.time_zone();
        for &(job, _, _) in schedules(loaded) {
            let config = loaded.config.jobs.get(job);
            let wake = Arc::clone(&wake);
            let cron = CronJob::new_async_tz(config.schedule.as_str(), tz, move |_, _| {
                let wake = Arc::clone(&wake);
                Box::pin(async move { wake.notify_one() })
            });
            let added = match cron {
                Ok(cron) => scheduler.add(cron).await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match added {
                Ok(_) => {
                    covered.insert(job);
                }
                Err(e) => tracing::warn!(
                    job = job.name(),
                    schedule = %config.schedule,
                    error = %e,
                    "the cron trigger cannot take this schedule; the scheduler's own timer wakes for it"
                ),
            }
        }
        if let Err(e) = scheduler.start().await {
            tracing::warn!(error = %e, "the cron trigger did not start; the scheduler wakes on its own timer");
            covered.clear();
        }
        Self { scheduler: Some(scheduler), covered }
    }

    /// Whether the trigger wakes the loop at `job`'s cron slots.
    pub fn covers(&self, job: Job) -> bool {
        self.covered.contains(&job)
    }

    /// Stops the trigger (before a reload's new one starts, and at shutdown).
    pub async fn stop(mut self) {
        if let Some(scheduler) = self.scheduler.as_mut()
            && let Err(e) = scheduler.shutdown().await
        {
            tracing::warn!(error = %e, "the cron trigger did not stop cleanly");
        }
        tracing::debug!(jobs = self.covered.len(), "cron trigger stopped");
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use super::*;
    use crate::schedule::{CronSpec, NonWorkingDayPolicy};

    fn shipped_with_watch(spec: &str) -> LoadedConfig {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/petition-watch.toml");
        let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
        let mut loaded = crate::config::load(&path, &[], today).unwrap_or_else(|e| panic!("shipped config: {e}"));
        let jobs = &mut loaded.config.jobs;
        for job in [&mut jobs.monthly_screening, &mut jobs.quarterly_supervision, &mut jobs.pre_event_sweep] {
            job.enabled = false;
        }
        for job in [&mut jobs.duty_roster, &mut jobs.intake_watch] {
            job.enabled = false;
        }
        jobs.deadline_watch.schedule = CronSpec::parse(spec).unwrap_or_else(|e| panic!("{e}"));
        jobs.deadline_watch.on_non_working_day = NonWorkingDayPolicy::Run;
        loaded.settings = crate::config::Settings::new(&loaded.config, &loaded.calendar);
        loaded
    }

    // tokio-cron-scheduler's `add` needs a multi-threaded runtime.
    #[tokio::test(flavor = "multi_thread")]
    async fn the_trigger_wakes_the_scheduler_at_each_cron_slot_of_the_jobs_it_covers() {
        let loaded = shipped_with_watch("* * * * * *");
        let wake = Arc::new(Notify::new());
        let trigger = Trigger::start(&loaded, Arc::clone(&wake)).await;
        assert!(trigger.covers(Job::DeadlineWatch));
        assert!(!trigger.covers(Job::MonthlyScreening), "a disabled job has no trigger");
        for _ in 0..2 {
            tokio::time::timeout(Duration::from_secs(3), wake.notified()).await.expect("woken within a slot");
        }
        trigger.stop().await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_slot_that_has_not_come_does_not_wake_the_scheduler() {
        let loaded = shipped_with_watch("0 0 9 1 1 *");
        let wake = Arc::new(Notify::new());
        let trigger = Trigger::start(&loaded, Arc::clone(&wake)).await;
        assert!(trigger.covers(Job::DeadlineWatch));
        assert!(tokio::time::timeout(Duration::from_millis(1500), wake.notified()).await.is_err());
        trigger.stop().await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_spec_with_a_year_is_taken_by_the_trigger_too() {
        let loaded = shipped_with_watch("0 0 9 1 1 * 2027");
        let trigger = Trigger::start(&loaded, Arc::new(Notify::new())).await;
        assert!(trigger.covers(Job::DeadlineWatch));
        trigger.stop().await;
    }
}
