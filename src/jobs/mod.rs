//! The jobs (DESIGN §2.3) as the daemon runs them: the enabled jobs with their schedules and
//! the catch-up window, and a run — each a thin edge: read the register, call the pure core
//! (screen, then [`crate::plan::job`]), and write the run's record, notices and reminders in
//! one transaction.

mod run;

use crate::config::LoadedConfig;
use crate::plan::Job;
use crate::plan::notices::Plan;

pub use run::run;

/// How far back a catch-up looks at most: a firing missed longer ago is stale.
pub const CATCH_UP_WINDOW_DAYS: i64 = 35;

/// The jobs the daemon runs, with their schedules (built when the config loaded).
pub fn schedules(loaded: &LoadedConfig) -> &[(Job, crate::schedule::Schedule, crate::schedule::CatchUp)] {
    &loaded.settings.schedules
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// Whether this process owned the firing (false: it ran elsewhere already; nothing done).
    pub claimed: bool,
    /// Flagged cases in the screening.
    pub flagged: usize,
    /// Cases per flag in the screening (every flag, zeros included; empty without a screening).
    pub flags: Vec<(&'static str, usize)>,
    /// The plan: notices, reminders, and who was held back and why.
    pub plan: Plan,
    /// Notices that were new in the outbox.
    pub enqueued: usize,
}

/// Who claims a firing: host name and process id.
pub fn claimant() -> String {
    let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "localhost".into());
    format!("{host}:{}", std::process::id())
}
