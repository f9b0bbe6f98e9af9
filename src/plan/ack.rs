//! 未签收 (DESIGN §5.3): a person who has not acknowledged an overdue or urgent case of a notice
//! within `ack_working_hours` working hours of its delivery is reported to the office. Working
//! hours are the office's day (`office_opens`..`office_closes`) on working days: nights,
//! weekends and holidays do not count, so a notice delivered at 16:30 on a Friday with 4 hours
//! allowed is due at 11:30 on the next working day.
//!
//! Pure: the delivered notices, the latest 签收 of each (person, case), the window of this run
//! and the calendar come in; the office's notices come out.
//!
//! Choices: a (person, case) is reported once per run, at the earliest due of the notices that
//! listed it (a person reached by email and a group robot gets two notices about one case); each
//! is reported by the run whose window (the previous recorded firing, this firing] holds its due
//! instant, so a firing missed while the daemon was down is covered by the next one; a 签收 counts
//! when it is recorded after the notice was planned; the administrators' own notices are not
//! reported (they are the office).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::notices::{People, Plan, PlannedCase, PlannedNotice, reach};
use super::{EscalationSettings, NoticeReason};
use crate::calendar::Calendar;
use crate::notice::{NoticeBody, NoticeKind};
use crate::rules::FlagSet;

/// When a notice delivered at `sent` must be acknowledged: `hours` working hours later,
/// counting only the office's day on working days.
pub fn ack_due(
    sent: DateTime<Utc>,
    hours: u32,
    office: (NaiveTime, NaiveTime),
    calendar: &Calendar,
    tz: Tz,
) -> DateTime<Utc> {
    let local = calendar.add_office_minutes(sent.with_timezone(&tz).naive_local(), i64::from(hours) * 60, office);
    tz.from_local_datetime(&local).earliest().map_or(sent, |t| t.with_timezone(&Utc))
}

/// A delivered case notice, as the ack watch reads it from the outbox.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// The notice's id.
    pub id: String,
    /// The person it went to.
    pub recipient: String,
    /// When it was planned (a 签收 after this answers it).
    pub planned_at: DateTime<Utc>,
    /// When it was delivered.
    pub sent_at: DateTime<Utc>,
    /// What it said.
    pub body: NoticeBody,
}

/// A (person, case) not acknowledged in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unacknowledged {
    /// The person (id).
    pub person: String,
    /// 信访件编号.
    pub case_no: String,
    /// The case's flags as the notice showed them.
    pub flags: Vec<String>,
    /// The job that sent it (Chinese).
    pub job_zh: String,
    /// When the notice was delivered.
    pub sent_at: DateTime<Utc>,
    /// When the 签收 was due.
    pub due_at: DateTime<Utc>,
    /// The notice.
    pub notice: String,
}

/// The (person, case) pairs whose 签收 fell due in `window` (after, until] and has not come:
/// the urgent cases of `delivered`, not acknowledged (per `acks`, the latest 签收 of each
/// (person, case)) since their notice was planned. Administrators' own notices are left out.
pub fn unacknowledged(
    delivered: &[Delivered],
    acks: &HashMap<(String, String), DateTime<Utc>>,
    (after, until): (DateTime<Utc>, DateTime<Utc>),
    administrators: &[String],
    settings: &EscalationSettings,
    calendar: &Calendar,
    tz: Tz,
) -> Vec<Unacknowledged> {
    let mut found: BTreeMap<(String, String), Unacknowledged> = BTreeMap::new();
    for notice in delivered.iter().filter(|n| n.body.kind == NoticeKind::Cases) {
        if administrators.contains(&notice.recipient) {
            continue;
        }
        let due_at = ack_due(
            notice.sent_at,
            settings.ack_working_hours,
            (settings.office_opens, settings.office_closes),
            calendar,
            tz,
        );
        for case in notice.body.cases.iter().filter(|c| c.urgent) {
            let key = (notice.recipient.clone(), case.line.case_no.clone());
            if acks.get(&key).is_some_and(|at| *at >= notice.planned_at) {
                continue;
            }
            let item = Unacknowledged {
                person: key.0.clone(),
                case_no: key.1.clone(),
                flags: case.line.flags.clone(),
                job_zh: notice.body.job_zh.clone(),
                sent_at: notice.sent_at,
                due_at,
                notice: notice.id.clone(),
            };
            match found.get(&key) {
                Some(known) if known.due_at <= due_at => {}
                _ => {
                    found.insert(key, item);
                }
            }
        }
    }
    let mut out: Vec<Unacknowledged> = found.into_values().filter(|u| u.due_at > after && u.due_at <= until).collect();
    out.sort_by(|a, b| (a.due_at, &a.person, &a.case_no).cmp(&(b.due_at, &b.person, &b.case_no)));
    out
}

/// The office's notices of an ack-watch run at `now` (job `job`, period `period`) about
/// `items`: one per administrator per channel, naming each person and case (number and flags
/// only: no petitioner, place or content, whatever the channel).
pub fn ack_plan(
    (job, job_zh, period): (&str, &str, &str),
    township: &str,
    now: DateTime<Utc>,
    items: &[Unacknowledged],
    people: &People<'_>,
    settings: &EscalationSettings,
    tz: Tz,
) -> Plan {
    let mut plan = Plan { cases_in_scope: items.len(), ..Plan::default() };
    if items.is_empty() {
        return plan;
    }
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%m-%d %H:%M").to_string();
    let name = |id: &str| {
        people.contacts.get(id).map_or_else(
            || id.to_owned(),
            |c| format!("{}{}", c.addressee.name, c.addressee.title.as_deref().unwrap_or("")),
        )
    };
    let mut text = format!(
        "截至 {}，以下 {} 件超期或紧急信访事项的提醒送达后已超过 {} 个工作小时，收件人仍未签收：",
        now.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        items.len(),
        settings.ack_working_hours
    );
    for (i, item) in items.iter().enumerate() {
        let flags = if item.flags.is_empty() { String::new() } else { format!("（{}）", item.flags.join("、")) };
        text.push_str(&format!(
            "\n{}. {} · {}{} · {}提醒 {} 送达，应于 {} 前签收",
            i + 1,
            name(&item.person),
            item.case_no,
            flags,
            item.job_zh,
            local(item.sent_at),
            local(item.due_at)
        ));
    }
    text.push_str("\n请督促以上领导及时签收并办理。");
    let cases: Vec<PlannedCase> = items
        .iter()
        .map(|i| PlannedCase { case_no: i.case_no.clone(), flags: FlagSet::default(), moved: Vec::new() })
        .collect();
    for admin in people.administrators {
        let Some((contact, channels)) = reach(people, admin) else { continue };
        for (channel, info) in channels {
            let body = NoticeBody {
                kind: NoticeKind::Admin,
                job: job.to_owned(),
                job_zh: job_zh.to_owned(),
                township: township.to_owned(),
                period: period.to_owned(),
                as_of: now.with_timezone(&tz).date_naive(),
                to: contact.addressee.clone(),
                group: info.group,
                cases: Vec::new(),
                text: Some(text.clone()),
                report: None,
                report_link: None,
            };
            plan.notices.push(PlannedNotice::new(
                job,
                period,
                channel,
                NoticeReason::Unacknowledged,
                cases.clone(),
                body,
            ));
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shanghai(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2026, m, d, h, min, 0)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn due(sent: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        ack_due(sent, hours, (t(8, 30), t(17, 30)), crate::calendar::tests::shipped(), chrono_tz::Asia::Shanghai)
    }

    #[test]
    fn working_hours_skip_the_night_the_weekend_and_holidays() {
        // Friday 2026-11-27, 08:30: due at 12:30 the same day.
        assert_eq!(due(shanghai(11, 27, 8, 30), 4), shanghai(11, 27, 12, 30));
        // Friday 16:30: one hour that day, three on Monday.
        assert_eq!(due(shanghai(11, 27, 16, 30), 4), shanghai(11, 30, 11, 30));
        // Delivered at night or on a Saturday: counted from the next working day's opening.
        assert_eq!(due(shanghai(11, 26, 22, 0), 4), shanghai(11, 27, 12, 30));
        assert_eq!(due(shanghai(11, 28, 10, 0), 4), shanghai(11, 30, 12, 30));
        // Before the National Day holiday (10-01..10-07 off; Saturday 10-10 is a make-up working
        // day): Wednesday 09-30 at 17:00 leaves half an hour, the rest on Thursday 10-08.
        assert_eq!(due(shanghai(9, 30, 17, 0), 4), shanghai(10, 8, 12, 0));
        // Longer than a day: 9 hours a day.
        assert_eq!(due(shanghai(11, 27, 8, 30), 12), shanghai(11, 30, 11, 30));
    }
}
