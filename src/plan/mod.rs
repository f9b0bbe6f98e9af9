//! Deciding whether a notice is due (DESIGN §2.3): how far an overdue case has escalated, and
//! whether a reminder about a case to a recipient is due today or would repeat one too soon.
//! Every decision returns its reason, for the audit trail and the metrics.
//!
//! Pure: the calendar, the settings, the previous notice and D come in.

use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;

use crate::calendar::Calendar;
use crate::domain::Case;
use crate::routing::Escalation;
use crate::rules::{Deadline, DeadlineKind, FlagSet};

pub mod ack;
pub mod duty;
pub mod intake;
pub mod job;
pub mod notices;

pub use job::Job;

/// The recipient id of the notices to the leading group's channels (report summaries).
pub const LEADING_GROUP: &str = "leading_group";

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
    /// 未签收: a person who has not acknowledged an urgent or overdue case of a notice within
    /// this many working hours of its delivery is reported to the office (DESIGN §5.3).
    pub ack_working_hours: u32,
    /// The office's day on a working day, local time: the working hours counted start here …
    #[serde(deserialize_with = "crate::schedule::de_clock_time")]
    pub office_opens: NaiveTime,
    /// … and end here.
    #[serde(deserialize_with = "crate::schedule::de_clock_time")]
    pub office_closes: NaiveTime,
}

impl Default for EscalationSettings {
    fn default() -> Self {
        Self {
            portfolio_after_working_days: 5,
            secretary_after_working_days: 10,
            repeat_every_working_days: 3,
            ack_working_hours: 4,
            office_opens: NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default(),
            office_closes: NaiveTime::from_hms_opt(17, 30, 0).unwrap_or_default(),
        }
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
    /// The deadlines it reminded of (DESIGN §2.4: so a move can be seen).
    pub deadlines: Reminded,
    /// The local date the recipient last acknowledged the case (签收), if ever: from that
    /// reminder's day on, it is not repeated until something changes (DESIGN §5.3).
    pub acknowledged_on: Option<NaiveDate>,
}

/// The running deadlines a reminder reminded of: `(due, act_by)` per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reminded([Option<(NaiveDate, NaiveDate)>; 5]);

const KINDS: [DeadlineKind; 5] = [
    DeadlineKind::Acceptance,
    DeadlineKind::Handling,
    DeadlineKind::Review,
    DeadlineKind::Recheck,
    DeadlineKind::Owner,
];

impl Reminded {
    /// The deadlines of a screening result.
    pub fn of(deadlines: &[Deadline]) -> Self {
        let mut out = Self::default();
        for d in deadlines {
            out.0[d.kind as usize] = Some((d.due, d.act_by));
        }
        out
    }

    /// `(due, act_by)` of `kind`, if it was reminded of.
    pub fn get(&self, kind: DeadlineKind) -> Option<(NaiveDate, NaiveDate)> {
        self.0[kind as usize]
    }

    /// As stored: `{"handling": {"due": "…", "act_by": "…"}, …}`.
    pub fn to_json(&self) -> String {
        let map: serde_json::Map<String, serde_json::Value> = KINDS
            .iter()
            .filter_map(|k| {
                let (due, act_by) = self.get(*k)?;
                Some((k.name().to_owned(), serde_json::json!({"due": due, "act_by": act_by})))
            })
            .collect();
        serde_json::Value::Object(map).to_string()
    }

    /// From [`Reminded::to_json`]; anything unreadable (a row stored before deadlines were kept)
    /// is nothing reminded of, so no move is seen.
    pub fn from_json(text: &str) -> Self {
        let mut out = Self::default();
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) else { return out };
        for kind in KINDS {
            let day = |key: &str| map.get(kind.name())?.get(key)?.as_str()?.parse::<NaiveDate>().ok();
            if let (Some(due), Some(act_by)) = (day("due"), day("act_by")) {
                out.0[kind as usize] = Some((due, act_by));
            }
        }
        out
    }
}

/// A deadline that moved since the last reminder about it (DESIGN §2.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// Which deadline.
    pub kind: DeadlineKind,
    /// The statutory date reminded of before.
    pub from: NaiveDate,
    /// The statutory date now.
    pub to: NaiveDate,
    /// Why, in the office's words: 延期 N 日 / 听证 N 日不计入 / 包案期限调整.
    pub why: String,
}

/// The deadlines of `case` that moved between `before` and `now`.
///
/// Choice: the reason is read from the case as it stands: a handling deadline that moved on a
/// case with an extension was extended (延期 N 日, N the register's 延期天数); a review or recheck
/// deadline moves by the hearing days (听证 N 日不计入, N the days it moved); an owner deadline was
/// changed (包案期限调整); any other move is a corrected date (期限调整).
pub fn moved(before: &Reminded, now: &[Deadline], case: &Case) -> Vec<Moved> {
    now.iter()
        .filter_map(|d| {
            let (from, _) = before.get(d.kind)?;
            if from == d.due {
                return None;
            }
            let days = (d.due - from).num_days();
            let why = match d.kind {
                DeadlineKind::Handling if case.extension_days > 0 && days > 0 => {
                    format!("延期 {} 日", case.extension_days)
                }
                DeadlineKind::Review | DeadlineKind::Recheck if days > 0 => format!("听证 {days} 日不计入"),
                DeadlineKind::Owner => "包案期限调整".to_owned(),
                _ => "期限调整".to_owned(),
            };
            Some(Moved { kind: d.kind, from, to: d.due, why })
        })
        .collect()
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
    /// A deadline moved since the last reminder (DESIGN §2.3: reminded before the interval).
    Moved,
    /// 未签收: the office hears who has not acknowledged in time (DESIGN §5.3).
    Unacknowledged,
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
            NoticeReason::Moved => "moved",
            NoticeReason::Unacknowledged => "unacknowledged",
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
            NoticeReason::Moved => "期限调整",
            NoticeReason::Unacknowledged => "未签收",
        }
    }

    /// How much it matters, for the reason of a notice about several cases.
    pub fn weight(self) -> u8 {
        match self {
            NoticeReason::RepeatDue | NoticeReason::Listed => 0,
            NoticeReason::First | NoticeReason::NewCase => 1,
            NoticeReason::NewFindings | NoticeReason::Moved | NoticeReason::Unacknowledged => 2,
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
    /// The recipient acknowledged (签收) the case on this day, on or after the last reminder,
    /// and nothing has changed since: no repeat until something does.
    Acknowledged {
        /// The local date of the 签收.
        on: NaiveDate,
    },
}

/// Whether a reminder about a case with `flags` at `escalation` is due to a recipient at
/// `as_of`, given the last one they got. Reminders repeat every `repeat_every_working_days`; a
/// deadline that `moved` since the last one is reminded of before that (never twice a day).
/// A case the recipient acknowledged (签收) on or after the day of the last reminder is not
/// repeated; a new flag, an escalation step or a moved deadline is still sent (DESIGN §5.3:
/// escalation follows the law's clock), and the 签收 then covers reminders up to that one only.
pub fn reminder(
    previous: Option<&Previous>,
    flags: FlagSet,
    escalation: Escalation,
    moved: bool,
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
    if moved {
        return Ok(NoticeReason::Moved);
    }
    if let Some(on) = previous.acknowledged_on.filter(|on| *on >= previous.sent_on) {
        return Err(SkipReason::Acknowledged { on });
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
