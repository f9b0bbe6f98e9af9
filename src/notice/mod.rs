//! What a notice says — the body a job plans, the outbox stores and the renderer and channels
//! read — and what it may say about a case, by audience (DESIGN §3): group channels get a thin line —
//! case number, flags, deadline, owner, the petitioner's name masked — and no ID number, phone,
//! address or content; email to the case's own leaders may carry the details. Confidential and
//! anonymous cases never show the petitioner, to anyone. ID numbers and phones are never part of
//! a notice at all.

pub mod link;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::domain::{Addressee, Case, mask_name};
use crate::rules::{CaseResult, DeadlineKind};

/// Who reads the notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// A group channel (WeCom/DingTalk/Feishu group, a webhook marked `group`).
    Group,
    /// A case's own leader, by email.
    Leader,
}

/// The deadline a notice shows for a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineLine {
    /// Its Chinese name (办理期限, …).
    pub name: String,
    /// The working day to act by.
    pub act_by: NaiveDate,
    /// The statutory date.
    pub due: NaiveDate,
    /// What is asked, in the deadline's words (DESIGN §2.4): 请于…前受理或告知 / 办结 / 出具复查
    /// 意见 …; a date already past is never asked for — an overdue case reads 已超期 N 个工作日，
    /// 请立即办理. Empty in notices planned before this field existed.
    #[serde(default)]
    pub ask: String,
}

/// What a notice asks of a deadline on `as_of` (DESIGN §2.4).
///
/// Choice: when the act-by day has passed but the statutory date has not (a deadline on a
/// weekend, read on the Saturday), the notice asks to act at once and names the statutory date.
pub fn ask(kind: DeadlineKind, due: NaiveDate, act_by: NaiveDate, as_of: NaiveDate, calendar: &Calendar) -> String {
    if as_of > due {
        match calendar.working_days_between(due, as_of) {
            0 => "已超期，请立即办理".to_owned(),
            n => format!("已超期 {n} 个工作日，请立即办理"),
        }
    } else if as_of > act_by {
        format!("请立即{}（期限 {due}）", kind.verb())
    } else {
        format!("请于 {act_by} 前{}", kind.verb())
    }
}

/// One case as a notice shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseLine {
    /// 信访件编号.
    pub case_no: String,
    /// The flags that need action, Chinese names, most urgent first ([`Flag::BY_URGENCY`]).
    pub flags: Vec<String>,
    /// The classification labels (署名信访, 初信初访), shown quietly after the flags.
    #[serde(default)]
    pub labels: Vec<String>,
    /// The most urgent running deadline.
    pub deadline: Option<DeadlineLine>,
    /// 包案领导 as written.
    pub owner: Option<String>,
    /// The petitioner: masked for groups, in full for leaders; 匿名 for an anonymous case and
    /// 保密 for a confidential one, never their name.
    pub petitioner: Option<String>,
    /// 村(社区): leaders only.
    pub village: Option<String>,
    /// 主要诉求: leaders only.
    pub summary: Option<String>,
}

/// The line for `case` with its screening `result` at `as_of`, for `audience`.
pub fn case_line(
    case: &Case,
    result: &CaseResult<'_>,
    audience: Audience,
    as_of: NaiveDate,
    calendar: &Calendar,
) -> CaseLine {
    // Choice: an anonymous case says 匿名 and a confidential one 保密 where the petitioner
    // would be, so an empty place never reads as a register left blank.
    let petitioner = if case.anonymous {
        Some("匿名".to_owned())
    } else if case.confidential {
        Some("保密".to_owned())
    } else {
        case.petitioner.as_deref().filter(|p| !p.trim().is_empty()).map(|p| match audience {
            Audience::Group => mask_name(p),
            Audience::Leader => p.trim().to_owned(),
        })
    };
    let leader_only = |value: &Option<String>| match audience {
        Audience::Leader => value.clone(),
        Audience::Group => None,
    };
    // Most urgent: the earliest act-by date among the running deadlines (owner deadline last on ties).
    let deadline =
        result.deadlines.iter().min_by_key(|d| (d.act_by, d.kind == DeadlineKind::Owner)).map(|d| DeadlineLine {
            name: d.kind.zh().to_owned(),
            act_by: d.act_by,
            due: d.due,
            ask: ask(d.kind, d.due, d.act_by, as_of, calendar),
        });
    let mut flags: Vec<crate::rules::Flag> = result.findings.iter().map(|f| f.flag).collect();
    flags.sort_by_key(|f| f.urgency_rank());
    let (labels, flags): (Vec<_>, Vec<_>) = flags.into_iter().partition(|f| f.is_label());
    let zh = |flags: Vec<crate::rules::Flag>| flags.into_iter().map(|f| f.zh().to_owned()).collect();
    CaseLine {
        case_no: case.case_no.to_string(),
        flags: zh(flags),
        labels: zh(labels),
        deadline,
        owner: case.owner_leader.clone(),
        petitioner,
        village: leader_only(&case.village),
        summary: leader_only(&case.summary),
    }
}

/// What a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Cases for a leader to act on.
    Cases,
    /// A test message (`notify test`).
    Test,
    /// A message for the administrators (a dead notice, a disabled endpoint).
    Admin,
    /// A report for the leading group.
    Report,
}

/// One case in a notice, with why this person hears about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeCase {
    /// What the case shows to this audience.
    #[serde(flatten)]
    pub line: CaseLine,
    /// The role the recipient receives it in (包案领导, 分管领导, 第一责任人, 信访办).
    pub role: String,
    /// Whom the recipient stands in for (recusal), by name.
    pub stands_in_for: Option<String>,
    /// Working days past the statutory date, for overdue cases.
    pub overdue_working_days: Option<u32>,
    /// Why it is sent now (首次提醒, 新增情形, 升级督办, 再次提醒, 期限调整, …).
    pub reason: String,
    /// Deadlines that moved since the last reminder about the case (DESIGN §2.4).
    #[serde(default)]
    pub moved: Vec<MovedLine>,
    /// The case's action link (`{public_url}/a/{token}`, DESIGN §5.3), signed when the notice is
    /// sent ([`link::attach`]); never part of the stored payload, so a notice's id does not
    /// depend on the signing key or the moment it was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The case is overdue (the deadline watch) or urgent (a new collective, skip-level or
    /// 上级交办 case, the intake watch): its 签收 is expected within `ack_working_hours`, and
    /// the ack watch reports it to the office when it does not come (DESIGN §5.3).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub urgent: bool,
    /// The latest 督办 on the case, as the notice says it (DESIGN §5.3), added when the notice is
    /// sent ([`supervision_line`]); never part of the stored payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervision: Option<String>,
}

/// A 督办 as a notice says it: 信访办周晓芳 12-01 督办赵敏：请于 2026-12-05 前办结。… — with its text
/// for a leader, without it for a group (it may name the petitioner or tell the content).
/// `name` gives a person's name from their id.
pub fn supervision_line(
    event: &crate::domain::CaseEvent,
    name: impl Fn(&str) -> String,
    audience: Audience,
    tz: chrono_tz::Tz,
) -> String {
    let when = event.at.with_timezone(&tz).format("%m-%d");
    let whom = event.pressed.as_deref().map(&name).unwrap_or_default();
    let mut line = format!("{}于 {when} 督办{whom}", name(&event.by));
    if let Some(due) = event.due_on {
        line.push_str(&format!("，请于 {due} 前办结"));
    }
    if audience == Audience::Leader && !event.text.trim().is_empty() {
        line.push_str(&format!("：{}", crate::domain::mask_identifiers(event.text.trim())));
    }
    line
}

/// A deadline that moved, as a notice says it: 办理期限由 2026-02-18 调整为 2026-03-20（延期 30 日）.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovedLine {
    /// The deadline's Chinese name.
    pub name: String,
    /// The date reminded of before.
    pub from: NaiveDate,
    /// The date now.
    pub to: NaiveDate,
    /// Why it moved.
    pub why: String,
}

/// Everything a notice says: the templates' input, stored as the outbox row's payload and
/// rendered at send time. It holds nothing the audience may not see: masking is done when the
/// body is built, so the stored row itself is safe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticeBody {
    /// What the notice is.
    pub kind: NoticeKind,
    /// The job that planned it (`deadline_watch`, …).
    pub job: String,
    /// The job's Chinese name.
    pub job_zh: String,
    /// The township.
    pub township: String,
    /// The period or firing it belongs to.
    pub period: String,
    /// The screening date D.
    pub as_of: NaiveDate,
    /// Who it is for.
    pub to: Addressee,
    /// Whether it goes to a group channel (thin, masked).
    pub group: bool,
    /// The cases, most urgent first.
    pub cases: Vec<NoticeCase>,
    /// Free text, for test and admin messages.
    pub text: Option<String>,
    /// A report's model (the digest), for report notices: rendered at send time into the
    /// email with its workbook attached, or the robots' summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<crate::report::Document>,
    /// A report notice's link to the report as a page (`{public_url}/r/{token}`), signed when
    /// the notice is sent ([`link::attach`]) like the cases' links; never part of the stored
    /// payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_link: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::domain::{CaseNo, PetitionerId, Phone};
    use crate::rules::{Register, RuleBook, screen};

    fn sample() -> Case {
        let received = NaiveDate::from_ymd_opt(2026, 11, 2).expect("date");
        let mut c = Case::new(CaseNo::parse("XF-1").expect("no"), received);
        c.petitioner = Some("张秀英".into());
        c.petitioner_id = Some(PetitionerId::parse("320112196503120011").expect("id"));
        c.phone = Some(Phone::parse("13800138000").expect("phone"));
        c.village = Some("东湖村".into());
        c.summary = Some("反映征地补偿款未足额发放".into());
        c.owner_leader = Some("李华".into());
        c.accepted_on = Some(received);
        c
    }

    fn line(case: &Case, audience: Audience) -> CaseLine {
        let register = Register::from_cases(std::slice::from_ref(case));
        let rules = RuleBook::default();
        let calendar = Calendar::default();
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        let screening = screen(&register, as_of, &rules, &calendar);
        case_line(case, &screening.cases[0], audience, as_of, &calendar)
    }

    #[test]
    fn groups_see_a_masked_name_and_no_details() {
        let group = line(&sample(), Audience::Group);
        assert_eq!(group.petitioner.as_deref(), Some("张**"));
        assert_eq!((group.village.clone(), group.summary.clone()), (None, None));
        let text = serde_json::to_string(&group).expect("json");
        for secret in ["320112196503120011", "13800138000", "秀英", "东湖村", "补偿款"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(group.owner.as_deref(), Some("李华"));
        assert!(group.deadline.is_some());
    }

    #[test]
    fn leaders_see_details_but_never_the_id_number_or_phone() {
        let leader = line(&sample(), Audience::Leader);
        assert_eq!(leader.petitioner.as_deref(), Some("张秀英"));
        assert_eq!(leader.summary.as_deref(), Some("反映征地补偿款未足额发放"));
        let text = serde_json::to_string(&leader).expect("json");
        assert!(!text.contains("320112196503120011") && !text.contains("13800138000"));
    }

    #[test]
    fn confidential_and_anonymous_cases_never_show_the_petitioner() {
        let mut confidential = sample();
        confidential.confidential = true;
        let mut anonymous = sample();
        anonymous.anonymous = true;
        for (case, word) in [(confidential, "保密"), (anonymous, "匿名")] {
            for audience in [Audience::Group, Audience::Leader] {
                assert_eq!(line(&case, audience).petitioner.as_deref(), Some(word), "the word, never the name");
            }
        }
    }

    #[test]
    fn the_words_follow_the_deadline_and_a_past_date_is_never_asked_for() {
        let cal = crate::calendar::tests::shipped();
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).expect("date");
        // Received 2026-02-05: accept by 02-14, the make-up Saturday before the Spring Festival.
        let due = d(2, 20);
        let act_by = cal.last_working_day_on_or_before(due);
        assert_eq!(act_by, d(2, 14));
        assert_eq!(ask(DeadlineKind::Acceptance, due, act_by, d(2, 9), cal), "请于 2026-02-14 前受理或告知");
        assert_eq!(ask(DeadlineKind::Handling, due, act_by, d(2, 9), cal), "请于 2026-02-14 前办结");
        assert_eq!(ask(DeadlineKind::Review, due, act_by, d(2, 9), cal), "请于 2026-02-14 前出具复查意见");
        assert_eq!(ask(DeadlineKind::Recheck, due, act_by, d(2, 9), cal), "请于 2026-02-14 前出具复核意见");
        // The act-by day passed, the statutory day not yet: act at once.
        assert_eq!(ask(DeadlineKind::Acceptance, due, act_by, d(2, 16), cal), "请立即受理或告知（期限 2026-02-20）");
        // Past the statutory day: 02-24 and 02-25 are the working days after 02-20.
        assert_eq!(ask(DeadlineKind::Acceptance, due, act_by, d(2, 25), cal), "已超期 2 个工作日，请立即办理");
    }
}
