//! The work recorded on a case (DESIGN §5.3): 签收, progress, the answer given to the petitioner,
//! 督办, the conclusion reported — who recorded it, when, and the notice it answers.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// What was done on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// 签收: the person acknowledged the case.
    Ack,
    /// A progress note (办理进展), with the date the next step is expected.
    Progress,
    /// The answer given to the petitioner (答复): how, and its text or summary.
    Reply,
    /// 督办: the office pressed someone on the case, to act by a date.
    Supervision,
    /// The conclusion reported (办结报告) to the office and up the line.
    ConclusionReported,
    /// 作废: withdrawn as entered by mistake (the text says why). Recorded by the register itself.
    Withdrawn,
    /// A withdrawn case brought back by a re-import.
    Restored,
    /// Its number corrected (the text says from what).
    Renamed,
}

impl EventKind {
    /// Every kind, in the order a case's work usually runs.
    pub const ALL: [EventKind; 8] = [
        EventKind::Ack,
        EventKind::Progress,
        EventKind::Reply,
        EventKind::Supervision,
        EventKind::ConclusionReported,
        EventKind::Withdrawn,
        EventKind::Restored,
        EventKind::Renamed,
    ];

    /// The kinds another system may record (`POST /api/v1/cases/{case_no}/events`); the others
    /// are the register's own corrections.
    pub const RECORDABLE: [EventKind; 5] =
        [EventKind::Ack, EventKind::Progress, EventKind::Reply, EventKind::Supervision, EventKind::ConclusionReported];

    /// The stable name (`ack`, `progress`, …), as stored and in the API.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Ack => "ack",
            EventKind::Progress => "progress",
            EventKind::Reply => "reply",
            EventKind::Supervision => "supervision",
            EventKind::ConclusionReported => "conclusion_reported",
            EventKind::Withdrawn => "withdrawn",
            EventKind::Restored => "restored",
            EventKind::Renamed => "renamed",
        }
    }

    /// The Chinese name (签收, 办理进展, 答复, 督办, 办结报告).
    pub fn zh(self) -> &'static str {
        match self {
            EventKind::Ack => "签收",
            EventKind::Progress => "办理进展",
            EventKind::Reply => "答复",
            EventKind::Supervision => "督办",
            EventKind::ConclusionReported => "办结报告",
            EventKind::Withdrawn => "作废",
            EventKind::Restored => "恢复",
            EventKind::Renamed => "更正编号",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name.trim())
    }
}

/// How an answer reached the petitioner (答复方式).
pub const REPLY_WAYS: [&str; 3] = ["书面", "当面", "电话"];

/// One record of the work on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseEvent {
    /// The case.
    pub case_no: String,
    /// What was done.
    pub kind: EventKind,
    /// When it was recorded (or done, when the recorder says so).
    pub at: DateTime<Utc>,
    /// Who: a person id from the config, or the name of the API token that recorded it.
    pub by: String,
    /// What was said or done, in the recorder's words (empty for a bare 签收).
    pub text: String,
    /// The notice it answers, when it came from one.
    pub notice: Option<String>,
    /// The date the next step is expected (progress) or the date to act by (督办).
    pub due_on: Option<NaiveDate>,
    /// How an answer reached the petitioner: 书面, 当面 or 电话.
    pub how: Option<String>,
    /// Whom a 督办 presses (a person id from the config).
    pub pressed: Option<String>,
}
