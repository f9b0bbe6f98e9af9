//! Notices as people read them: the user-editable minijinja templates of `config/templates/`
//! (built-in copies are used for any file that is absent), rendered into an email (subject, plain
//! text, HTML) or a chat message, and chat messages split to a robot's size limit.
//!
//! Templates run with strict undefined variables (a typo is an error, caught by `check` when it
//! renders every template with sample notices) and bounded fuel (a runaway loop in a user's
//! template stops instead of hanging a delivery).

use minijinja::{AutoEscape, Environment, UndefinedBehavior, context};

use crate::domain::Addressee;
use crate::notice::{CaseLine, DeadlineLine, NoticeBody, NoticeCase, NoticeKind};

/// The templates a notice uses, with their built-in text.
pub const BUILT_IN: [(&str, &str); 4] = [
    ("notice.subject.j2", include_str!("../../config/templates/notice.subject.j2")),
    ("notice.txt.j2", include_str!("../../config/templates/notice.txt.j2")),
    ("notice.html.j2", include_str!("../../config/templates/notice.html.j2")),
    ("notice.md.j2", include_str!("../../config/templates/notice.md.j2")),
];

/// Instructions one rendering may execute (minijinja fuel); ample for thousands of cases.
const FUEL: u64 = 5_000_000;

/// A template that does not parse or does not render.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{template}: {message}")]
pub struct TemplateError {
    /// The template's file name.
    pub template: String,
    /// What is wrong, with the line when minijinja knows it.
    pub message: String,
}

impl TemplateError {
    fn new(template: &str, error: &minijinja::Error) -> Self {
        let mut message = error.detail().map_or_else(|| error.kind().to_string(), str::to_owned);
        if let Some(line) = error.line() {
            message = format!("line {line}: {message}");
        }
        Self { template: template.to_owned(), message }
    }
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// Subject line (one line).
    pub subject: String,
    /// Plain-text part.
    pub text: String,
    /// HTML part.
    pub html: String,
}

/// The notice templates, parsed.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The built-in templates, with `overrides` (file name, source) in place of any of them.
    /// Names that are not notice templates are ignored here (reports have their own).
    pub fn new(overrides: impl IntoIterator<Item = (String, String)>) -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(FUEL));
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html.j2") {
                AutoEscape::Html
            } else if name.ends_with(".md.j2") {
                AutoEscape::Custom("markdown".into())
            } else {
                AutoEscape::None
            }
        });
        // Robot Markdown: every value from a notice is register text, neutralised (links,
        // mentions, tags, emphasis); the `mention` the channel writes is passed as safe.
        env.set_formatter(|out, state, value| {
            if matches!(state.auto_escape(), AutoEscape::Custom(name) if name == "markdown") {
                let text = value.to_string();
                let shown = if value.is_safe() { text } else { super::markdown_text(&text).into_owned() };
                return out.write_str(&shown).map_err(minijinja::Error::from);
            }
            minijinja::escape_formatter(out, state, value)
        });
        let mut sources: Vec<(String, String)> =
            BUILT_IN.iter().map(|(name, source)| ((*name).to_owned(), (*source).to_owned())).collect();
        for (name, source) in overrides {
            if let Some(slot) = sources.iter_mut().find(|(n, _)| *n == name) {
                slot.1 = source;
            }
        }
        for (name, source) in sources {
            env.add_template_owned(name.clone(), source).map_err(|e| TemplateError::new(&name, &e))?;
        }
        Ok(Self { env })
    }

    /// The built-in templates only.
    pub fn built_in() -> Self {
        Self::new([]).unwrap_or_else(|e| unreachable!("built-in templates are tested: {e}"))
    }

    fn render(&self, name: &str, body: &NoticeBody, mention: &str) -> Result<String, TemplateError> {
        let template = self.env.get_template(name).map_err(|e| TemplateError::new(name, &e))?;
        template
            .render(context! {
                mention => minijinja::Value::from_safe_string(mention.to_owned()),
                ..minijinja::Value::from(minijinja::value::Serde(body))
            })
            .map_err(|e| TemplateError::new(name, &e))
    }

    /// The email for `body`.
    pub fn email(&self, body: &NoticeBody) -> Result<Email, TemplateError> {
        let subject = self.render("notice.subject.j2", body, "")?;
        // A subject is one line: a template's stray newlines would break the header.
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
        Ok(Email {
            subject,
            text: self.render("notice.txt.j2", body, "")?.trim().to_owned() + "\n",
            html: self.render("notice.html.j2", body, "")?,
        })
    }

    /// The chat message (Markdown) for `body`, with `mention` written the robot's way.
    pub fn chat(&self, body: &NoticeBody, mention: &str) -> Result<String, TemplateError> {
        Ok(self.render("notice.md.j2", body, mention)?.trim().to_owned())
    }

    /// Renders every template with sample notices of each kind and audience; the problems found.
    pub fn check(&self) -> Vec<TemplateError> {
        let mut problems = Vec::new();
        for body in samples() {
            if let Err(e) = self.email(&body) {
                problems.push(e);
            }
            if let Err(e) = self.chat(&body, "<@zhangsan>") {
                problems.push(e);
            }
        }
        problems.dedup();
        problems
    }
}

/// Sample notices for checking templates: a leader's email with every field, a group's thin
/// notice with nothing optional, a test and an admin message.
pub fn samples() -> Vec<NoticeBody> {
    let date = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
    let to = Addressee {
        id: "li-hua".into(),
        name: "李华".into(),
        title: Some("镇长".into()),
        email: Some("lihua@example.gov.cn".into()),
        wecom_userid: Some("lihua".into()),
        dingtalk_userid: None,
        feishu_open_id: None,
    };
    let full = NoticeCase {
        line: CaseLine {
            case_no: "XF-2026-0001".into(),
            flags: vec!["办理超期".into(), "重复信访".into()],
            labels: vec!["初信初访".into(), "署名信访".into()],
            deadline: Some(DeadlineLine {
                name: "办理期限".into(),
                act_by: date(20),
                due: date(21),
                ask: "已超期 4 个工作日，请立即办理".into(),
            }),
            owner: Some("李华".into()),
            petitioner: Some("张秀英".into()),
            village: Some("东湖村".into()),
            summary: Some("反映征地补偿款未足额发放".into()),
        },
        role: "包案领导".into(),
        stands_in_for: Some("赵敏".into()),
        overdue_working_days: Some(4),
        reason: "期限调整".into(),
        moved: vec![crate::notice::MovedLine {
            name: "办理期限".into(),
            from: date(11),
            to: date(21),
            why: "延期 10 日".into(),
        }],
        link: Some("https://xinfang.example.gov.cn/a/sample-token".into()),
        urgent: true,
        supervision: Some("周晓芳于 11-25 督办李华，请于 2026-11-30 前办结：请尽快约谈信访人".into()),
    };
    let thin = NoticeCase {
        line: CaseLine {
            case_no: "XF-2026-0002".into(),
            flags: vec!["临期".into()],
            labels: Vec::new(),
            deadline: None,
            owner: None,
            petitioner: None,
            village: None,
            summary: None,
        },
        role: "分管领导".into(),
        stands_in_for: None,
        overdue_working_days: None,
        reason: "首次提醒".into(),
        moved: Vec::new(),
        link: None,
        urgent: false,
        supervision: None,
    };
    let base = NoticeBody {
        kind: NoticeKind::Cases,
        report: None,
        report_link: None,
        job: "deadline_watch".into(),
        job_zh: "期限督办".into(),
        township: "示例镇".into(),
        period: "2026-11-27".into(),
        as_of: date(27),
        to,
        group: false,
        cases: vec![full, thin.clone()],
        text: None,
    };
    let group = NoticeBody { group: true, cases: vec![thin], ..base.clone() };
    let test =
        NoticeBody {
            kind: NoticeKind::Test, cases: vec![], text: Some("这是一条测试消息。".into()), ..base.clone()
        };
    let admin = NoticeBody { kind: NoticeKind::Admin, ..test.clone() };
    // A case notice with its own opening (the duty roster's), with and without cases.
    let duty = NoticeBody {
        text: Some("2026-11-27 为领导接待日，由李华值班接待群众来访。".into()), ..base.clone()
    };
    let duty_empty = NoticeBody { cases: vec![], ..duty.clone() };
    vec![base, group, test, admin, duty, duty_empty]
}

/// Splits a chat message into parts of at most `limit` bytes, on line boundaries where it can
/// (a single longer line is cut between characters), each part after the first few marked
/// `(i/n)` on its own first line. A message within the limit is returned whole, unmarked.
pub fn split_chat(text: &str, limit: usize) -> Vec<String> {
    if text.len() <= limit {
        return vec![text.to_owned()];
    }
    // Room for the marker "(i/n)\n" with up to four-digit counts.
    let budget = limit.saturating_sub(12).max(4);
    let mut pieces: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.split('\n') {
        let mut rest = line;
        loop {
            let needed = if current.is_empty() { rest.len() } else { current.len() + 1 + rest.len() };
            if needed <= budget {
                if !current.is_empty() {
                    current.push('\n');
                }
                current.push_str(rest);
                break;
            }
            if !current.is_empty() {
                pieces.push(std::mem::take(&mut current));
                continue;
            }
            // One line longer than a whole part: cut it at a character boundary.
            let mut cut = budget.min(rest.len());
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            pieces.push(rest[..cut].to_owned());
            rest = &rest[cut..];
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    let total = pieces.len();
    pieces.into_iter().enumerate().map(|(i, piece)| format!("({}/{total})\n{piece}", i + 1)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_templates_render_every_sample() {
        let templates = Templates::built_in();
        assert_eq!(templates.check(), vec![]);
        let samples = samples();
        let email = templates.email(&samples[0]).expect("email");
        assert_eq!(email.subject, "【示例镇信访办】期限督办：2件信访事项请您关注（2026-11-27）");
        assert!(email.text.starts_with("李华镇长："), "{}", email.text);
        assert!(
            email.text.contains("1. XF-2026-0001【办理超期、重复信访】\n   办理期限 2026-11-21：已超期"),
            "{}",
            email.text
        );
        assert!(email.text.contains("类别：初信初访、署名信访"), "labels come last, quietly: {}", email.text);
        assert!(
            email.text.contains("期限调整：办理期限由 2026-11-11 调整为 2026-11-21（延期 10 日）"),
            "{}",
            email.text
        );
        assert!(email.html.contains("办理期限由 2026-11-11 调整为 2026-11-21（延期 10 日）"), "{}", email.html);
        assert!(email.text.contains("已超期 4 个工作日"), "{}", email.text);
        assert!(email.text.contains("督办：周晓芳于 11-25 督办李华，请于 2026-11-30 前办结"), "{}", email.text);
        assert!(email.html.contains("督办：周晓芳于 11-25 督办李华"), "{}", email.html);
        assert!(email.text.contains("因赵敏回避"), "{}", email.text);
        assert!(email.html.contains("<a href=\"https://xinfang.example.gov.cn/a/sample-token\""), "{}", email.html);
        assert!(!email.html.contains("<table"), "one block per case, no table: {}", email.html);
        assert!(email.html.contains("包案领导：未落实"), "a case without an owner says so: {}", email.html);
        assert!(email.text.contains("答复情况：https://xinfang.example.gov.cn/a/sample-token"), "{}", email.text);
        let leaders_chat = templates.chat(&samples[0], "").expect("chat");
        assert!(
            leaders_chat.contains("[签收 / 答复](https://xinfang.example.gov.cn/a/sample-token)"),
            "{leaders_chat}"
        );
        let chat = templates.chat(&samples[1], "<@lihua>").expect("chat");
        assert!(chat.contains("<@lihua> 李华"), "{chat}");
        assert!(!chat.contains("张秀英") && !chat.contains("东湖村"), "{chat}");
    }

    #[test]
    fn a_case_notice_with_its_own_opening_shows_it_instead_of_the_count() {
        let templates = Templates::built_in();
        let samples = samples();
        let duty = templates.email(&samples[5]).expect("email");
        assert_eq!(duty.subject, "【示例镇信访办】期限督办（2026-11-27）");
        assert!(duty.text.contains("由李华值班接待群众来访。") && !duty.text.contains("0 件"), "{}", duty.text);
        assert!(!duty.html.contains("<table"), "{}", duty.html);
        let chat = templates.chat(&samples[4], "").expect("chat");
        assert!(chat.contains("李华：2026-11-27 为领导接待日") && chat.contains("XF-2026-0001"), "{chat}");
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let templates = Templates::built_in();
        let mut body = samples().remove(0);
        body.cases[0].line.summary = Some("<script>alert(1)</script> & 补偿".into());
        let email = templates.email(&body).expect("email");
        assert!(email.html.contains("&lt;script&gt;") && !email.html.contains("<script>"));
        assert!(email.text.contains("<script>alert(1)</script> & 补偿"));
    }

    #[test]
    fn a_typo_in_a_users_template_is_reported_with_its_name() {
        let templates = Templates::new([("notice.md.j2".to_owned(), "{{ towship }}".to_owned())]).expect("parses");
        let problems = templates.check();
        assert!(!problems.is_empty());
        assert!(problems.iter().all(|p| p.template == "notice.md.j2"), "{problems:?}");
        let broken = Templates::new([("notice.txt.j2".to_owned(), "{% if %}".to_owned())]).expect_err("syntax");
        assert_eq!(broken.template, "notice.txt.j2");
        assert!(broken.message.starts_with("line 1"), "{}", broken.message);
    }

    #[test]
    fn a_runaway_template_runs_out_of_fuel_instead_of_hanging() {
        let endless = "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}";
        let templates = Templates::new([("notice.md.j2".to_owned(), endless.to_owned())]).expect("parses");
        assert!(templates.chat(&samples()[1], "").is_err());
    }

    #[test]
    fn long_messages_split_on_lines_with_markers_within_the_limit() {
        let text: String = (0..400).map(|i| format!("{i}. 信访件 XF-{i:04} 办理超期\n")).collect();
        let parts = split_chat(text.trim_end(), 4096);
        assert!(parts.len() > 1);
        let n = parts.len();
        for (i, part) in parts.iter().enumerate() {
            assert!(part.len() <= 4096, "part {i} is {} bytes", part.len());
            assert!(part.starts_with(&format!("({}/{n})\n", i + 1)), "{}", &part[..20]);
        }
        let joined: Vec<&str> = parts.iter().flat_map(|p| p.lines().skip(1)).collect();
        assert_eq!(joined.join("\n"), text.trim_end(), "nothing lost or reordered");
        assert_eq!(split_chat("短消息", 4096), vec!["短消息".to_owned()]);
    }

    #[test]
    fn a_line_longer_than_the_limit_is_cut_between_characters() {
        let line = "超".repeat(3000);
        let parts = split_chat(&line, 4096);
        assert!(parts.iter().all(|p| p.len() <= 4096));
        let joined: String = parts.iter().map(|p| p.split_once('\n').map_or("", |(_, rest)| rest)).collect();
        assert_eq!(joined, line);
    }
}
