//! Deciding whether a notice is due (DESIGN §2.3): how far an overdue case has escalated, and
//! whether a reminder about a case to a recipient is due today or would repeat one too soon.
//! Every decision returns its reason, for the audit trail and the metrics.
//!
//! Pure: the calendar, the settings, the previous notice and D come in.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::calendar::Calendar;
use crate::routing::Escalation;
use crate::rules::FlagSet;

pub mod duty;
pub mod intake;
pub mod notices;

/// `[escalation]` (DESIGN §2.3).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EscalationSettings {
    /// Working days overdue after which the portfolio leader (分管领导) also hears.
    pub portfolio_after_working_days: u32,
    /// Working days overdue after which the party secretary (第一责任人) also hears.
    pub secretary_after_working_days: u32,
    /// Working days between reminders about the same case to the same person.
    pub repeat_every_working_days: u32,
}

impl Default for EscalationSettings {
    fn default() -> Self {
        Self { portfolio_after_working_days: 5, secretary_after_working_days: 10, repeat_every_working_days: 3 }
    }
}

/// How far a case overdue since `due` has escalated at `as_of`: the portfolio leader is added
/// once it has been overdue `portfolio_after_working_days` working days, the party secretary after
/// `secretary_after_working_days`.
///
/// Choice: "after N working days" counts the working days d with due < d ≤ D, and escalates once
/// that count reaches N (so with the default 5, on the fifth working day past the due date).
pub fn escalation(due: NaiveDate, as_of: NaiveDate, calendar: &Calendar, settings: &EscalationSettings) -> Escalation {
    let overdue = calendar.working_days_between(due, as_of);
    if overdue >= settings.secretary_after_working_days {
        Escalation::Secretary
    } else if overdue >= settings.portfolio_after_working_days {
        Escalation::Portfolio
    } else {
        Escalation::Owner
    }
}

/// The last notice a recipient got about a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Previous {
    /// The local date it was sent.
    pub sent_on: NaiveDate,
    /// The flags it reported.
    pub flags: FlagSet,
    /// The escalation it was sent at.
    pub escalation: Escalation,
}

/// Why a notice goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeReason {
    /// Nothing was sent about the case to this recipient before.
    First,
    /// The case has flags the last notice did not report.
    NewFindings,
    /// The case has escalated since the last notice.
    Escalated,
    /// The repeat interval has passed.
    RepeatDue,
    /// A list (monthly screening, pre-event sweep) names every case it concerns, whatever the
    /// deadline watch sent (DESIGN §2.3: the once-a-day rule is the watch's alone).
    Listed,
    /// A case new to the register (intake watch), reported once.
    NewCase,
}

impl NoticeReason {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            NoticeReason::First => "first",
            NoticeReason::NewFindings => "new_findings",
            NoticeReason::Escalated => "escalated",
            NoticeReason::RepeatDue => "repeat_due",
            NoticeReason::Listed => "listed",
            NoticeReason::NewCase => "new_case",
        }
    }

    /// As a notice says it.
    pub fn zh(self) -> &'static str {
        match self {
            NoticeReason::First => "首次提醒",
            NoticeReason::NewFindings => "新增情形",
            NoticeReason::Escalated => "升级督办",
            NoticeReason::RepeatDue => "再次提醒",
            NoticeReason::Listed => "列入排查",
            NoticeReason::NewCase => "新收信访件",
        }
    }

    /// How much it matters, for the reason of a notice about several cases.
    pub fn weight(self) -> u8 {
        match self {
            NoticeReason::RepeatDue | NoticeReason::Listed => 0,
            NoticeReason::First | NoticeReason::NewCase => 1,
            NoticeReason::NewFindings => 2,
            NoticeReason::Escalated => 3,
        }
    }
}

/// Why a notice does not go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// One was already sent today: never more than one a day per case and recipient.
    SentToday,
    /// The repeat interval has not passed; the next reminder is due on this date.
    NotYetDue {
        /// The working day the next reminder is due.
        next: NaiveDate,
    },
}

/// Whether a reminder about a case with `flags` at `escalation` is due to a recipient at
/// `as_of`, given the last one they got. Reminders repeat every `repeat_every_working_days`.
pub fn reminder(
    previous: Option<&Previous>,
    flags: FlagSet,
    escalation: Escalation,
    as_of: NaiveDate,
    calendar: &Calendar,
    settings: &EscalationSettings,
) -> Result<NoticeReason, SkipReason> {
    let Some(previous) = previous else { return Ok(NoticeReason::First) };
    if previous.sent_on >= as_of {
        return Err(SkipReason::SentToday);
    }
    if !flags.minus(previous.flags).is_empty() {
        return Ok(NoticeReason::NewFindings);
    }
    if escalation > previous.escalation {
        return Ok(NoticeReason::Escalated);
    }
    let every = settings.repeat_every_working_days.max(1);
    if calendar.working_days_between(previous.sent_on, as_of) >= every {
        Ok(NoticeReason::RepeatDue)
    } else {
        Err(SkipReason::NotYetDue { next: calendar.add_working_days(previous.sent_on, every) })
    }
}

/// When to try a failed notice again (DESIGN §4.1), or `None` when the schedule is used up and
/// the notice is dead. `attempt` is the attempt that just failed (from 1); the wait is the
/// schedule's entry for it, spread by `jitter` (a fraction, 0.2 = ±20%) using `unit` (a random
/// number in [0, 1) drawn by the caller, so this stays a pure function), and never shorter than
/// the receiver's `Retry-After`.
pub fn retry_at(
    attempt: i64,
    schedule: &[std::time::Duration],
    jitter: f64,
    unit: f64,
    retry_after: Option<std::time::Duration>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let index = usize::try_from(attempt.checked_sub(1)?).ok()?;
    let base = schedule.get(index)?.as_secs_f64();
    let spread = jitter.clamp(0.0, 1.0) * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
    let wait = (base * (1.0 + spread)).max(retry_after.map_or(0.0, |r| r.as_secs_f64()));
    let millis = i64::try_from(std::time::Duration::from_secs_f64(wait.max(0.0)).as_millis()).ok()?;
    now.checked_add_signed(chrono::Duration::milliseconds(millis))
}

/// The end of the quiet hours (local `start`–`end`, which may span midnight) that the local
/// time `at` falls in, or `None` when `at` is outside them. Chat notices are held until then.
pub fn quiet_until(
    at: chrono::NaiveDateTime,
    start: chrono::NaiveTime,
    end: chrono::NaiveTime,
) -> Option<chrono::NaiveDateTime> {
    let time = at.time();
    let today = at.date();
    if start <= end {
        (start <= time && time < end).then(|| today.and_time(end))
    } else if time >= start {
        today.succ_opt().map(|tomorrow| tomorrow.and_time(end))
    } else if time < end {
        Some(today.and_time(end))
    } else {
        None
    }
}

/// A notice's id (DESIGN §4.1): deterministic from the job, the period, the recipient, the
/// channel and a fingerprint of the content, so planning the same notice twice yields the same
/// row (the outbox key) and every retry carries the same id (`webhook-id`, `Message-ID`).
/// `ntc_` and 32 hex digits of SHA-256 over the parts, each length-prefixed so no two
/// different tuples can run together into the same text.
pub fn notice_id(job: &str, period: &str, recipient: &str, channel: &str, content: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in [job.as_bytes(), period.as_bytes(), recipient.as_bytes(), channel.as_bytes(), content] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("ntc_{hex}")
}

#[cfg(test)]
mod tests;
