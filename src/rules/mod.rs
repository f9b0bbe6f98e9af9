//! The township's screening rules (DESIGN §2.2): given the register and an as-of date D, which
//! cases carry which flags, why, and which deadlines run.
//!
//! Pure: the register, the calendar, the settings and D come in; a [`Screening`] comes out.
//! One flag per file under [`flags`]; the indexes that keep every flag linear in the size of
//! the register are built once per screening in [`context`].

mod categories;
mod context;
mod deadlines;
mod evidence;
pub mod flags;
mod register;
mod settings;

use chrono::NaiveDate;
use serde::Serialize;

pub use categories::{CategoryTrend, EarlySignGroup, statistical_month_start};
pub use context::{CaseView, Context, window_start};
pub use deadlines::{Deadline, DeadlineKind, happened, running_deadlines};
pub use evidence::{DueSoonDeadline, Evidence, FlagSet};
pub use register::{Clocks, NONE, RawCase, Record, Register, RegisterBuilder, Sym};
pub use settings::{Deadlines, Thresholds};

use crate::calendar::Calendar;

/// A flag of DESIGN §2.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// 重复信访.
    Repeat,
    /// 联名信访.
    Joint,
    /// 集体访.
    Collective,
    /// 署名信访.
    Signed,
    /// 越级访.
    SkipLevel,
    /// 苗头性问题.
    EarlySign,
    /// 初信初访.
    Initial,
    /// 组织者/关键人物.
    Organizer,
    /// 受理超期.
    AcceptanceOverdue,
    /// 临期.
    DueSoon,
    /// 办理超期.
    Overdue,
    /// 包案超期.
    OwnerOverdue,
    /// 信访积案.
    Backlog,
    /// 久拖不决.
    LongRunning,
    /// 未落实包案.
    NoOwner,
    /// 回避.
    Conflict,
    /// 复查超期.
    ReviewOverdue,
    /// 复核超期.
    RecheckOverdue,
}

impl Flag {
    /// Every flag, in the order DESIGN §2.2 lists them (and they are evaluated).
    pub const ALL: [Flag; 18] = [
        Flag::Repeat,
        Flag::Joint,
        Flag::Collective,
        Flag::Signed,
        Flag::SkipLevel,
        Flag::EarlySign,
        Flag::Initial,
        Flag::Organizer,
        Flag::AcceptanceOverdue,
        Flag::DueSoon,
        Flag::Overdue,
        Flag::OwnerOverdue,
        Flag::Backlog,
        Flag::LongRunning,
        Flag::NoOwner,
        Flag::Conflict,
        Flag::ReviewOverdue,
        Flag::RecheckOverdue,
    ];

    /// The flag's name in JSON and config.
    pub fn name(self) -> &'static str {
        match self {
            Flag::Repeat => "repeat",
            Flag::Joint => "joint",
            Flag::Collective => "collective",
            Flag::Signed => "signed",
            Flag::SkipLevel => "skip_level",
            Flag::EarlySign => "early_sign",
            Flag::Initial => "initial",
            Flag::Organizer => "organizer",
            Flag::AcceptanceOverdue => "acceptance_overdue",
            Flag::DueSoon => "due_soon",
            Flag::Overdue => "overdue",
            Flag::OwnerOverdue => "owner_overdue",
            Flag::Backlog => "backlog",
            Flag::LongRunning => "long_running",
            Flag::NoOwner => "no_owner",
            Flag::Conflict => "conflict",
            Flag::ReviewOverdue => "review_overdue",
            Flag::RecheckOverdue => "recheck_overdue",
        }
    }

    /// The flag's Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Flag::Repeat => "重复信访",
            Flag::Joint => "联名信访",
            Flag::Collective => "集体访",
            Flag::Signed => "署名信访",
            Flag::SkipLevel => "越级访",
            Flag::EarlySign => "苗头性问题",
            Flag::Initial => "初信初访",
            Flag::Organizer => "组织者/关键人物",
            Flag::AcceptanceOverdue => "受理超期",
            Flag::DueSoon => "临期",
            Flag::Overdue => "办理超期",
            Flag::OwnerOverdue => "包案超期",
            Flag::Backlog => "信访积案",
            Flag::LongRunning => "久拖不决",
            Flag::NoOwner => "未落实包案",
            Flag::Conflict => "回避",
            Flag::ReviewOverdue => "复查超期",
            Flag::RecheckOverdue => "复核超期",
        }
    }

    /// Parses a flag name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether the flag is a deadline passed (one of the `*_overdue`).
    pub fn is_overdue(self) -> bool {
        matches!(
            self,
            Flag::AcceptanceOverdue | Flag::Overdue | Flag::OwnerOverdue | Flag::ReviewOverdue | Flag::RecheckOverdue
        )
    }

    /// Whether the flag classifies the case rather than asks for action (署名信访, 初信初访):
    /// notices show such labels quietly, after the flags that need action.
    pub fn is_label(self) -> bool {
        matches!(self, Flag::Signed | Flag::Initial)
    }

    /// The order a reader meets flags in (notices, pages, reports' figures): deadlines passed
    /// first, then due soon and no owner, then the risks (collective, skip-level, repeat, …),
    /// and the classification labels last.
    ///
    /// Choice: a deadline passed outranks every risk flag because it is the one a leader must
    /// act on today; among risks, those the township rule book names as most serious (集体访,
    /// 越级访, 重复信访) come first.
    pub const BY_URGENCY: [Flag; 18] = [
        Flag::Overdue,
        Flag::AcceptanceOverdue,
        Flag::OwnerOverdue,
        Flag::ReviewOverdue,
        Flag::RecheckOverdue,
        Flag::DueSoon,
        Flag::NoOwner,
        Flag::Collective,
        Flag::SkipLevel,
        Flag::Repeat,
        Flag::Organizer,
        Flag::Joint,
        Flag::EarlySign,
        Flag::LongRunning,
        Flag::Backlog,
        Flag::Conflict,
        Flag::Initial,
        Flag::Signed,
    ];

    /// The flag's place in [`Flag::BY_URGENCY`] (0 = first).
    pub fn urgency_rank(self) -> usize {
        Self::BY_URGENCY.iter().position(|f| *f == self).unwrap_or(Self::BY_URGENCY.len())
    }

    /// Whether `deadline_watch` covers it: `due_soon` and every `*_overdue` flag.
    pub fn is_deadline(self) -> bool {
        matches!(
            self,
            Flag::AcceptanceOverdue
                | Flag::DueSoon
                | Flag::Overdue
                | Flag::OwnerOverdue
                | Flag::ReviewOverdue
                | Flag::RecheckOverdue
        )
    }
}

/// One flag on one case, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding<'a> {
    /// The flag.
    pub flag: Flag,
    /// The facts that raised it.
    pub evidence: Evidence<'a>,
}

/// A listed case: what identifies it to a reader, its findings and running deadlines at D.
#[derive(Debug, Clone)]
pub struct CaseResult<'a> {
    /// 信访件编号.
    pub case_no: &'a str,
    /// 收到日期.
    pub received_on: NaiveDate,
    /// 村(社区).
    pub village: Option<&'a str>,
    /// 问题类别.
    pub category: Option<&'a str>,
    /// 包案领导 as written.
    pub owner_leader: Option<&'a str>,
    /// 责任单位.
    pub responsible_unit: Option<&'a str>,
    /// Its flags, in [`Flag::ALL`] order.
    pub findings: Vec<Finding<'a>>,
    /// Its running deadlines.
    pub deadlines: Vec<Deadline>,
}

impl CaseResult<'_> {
    /// Whether the case carries `flag`.
    pub fn has(&self, flag: Flag) -> bool {
        self.findings.iter().any(|f| f.flag == flag)
    }

    /// The flag names, sorted (the public JSON's order).
    pub fn flag_names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.findings.iter().map(|f| f.flag.name()).collect();
        names.sort_unstable();
        names
    }
}

/// Everything the rules need besides the register and D.
#[derive(Debug, Clone, Default)]
pub struct RuleBook {
    /// Statutory limits.
    pub deadlines: Deadlines,
    /// Flag thresholds.
    pub thresholds: Thresholds,
    /// First day of a statistical month (1–28).
    pub month_starts_on_day: u32,
    /// People, for recusal.
    pub directory: crate::domain::Directory,
}

/// The result of screening the register at D.
#[derive(Debug, Clone)]
pub struct Screening<'a> {
    /// D.
    pub as_of: NaiveDate,
    /// Listed cases (open, in review, or received in the recent window, with at least one
    /// flag), sorted by case number.
    pub cases: Vec<CaseResult<'a>>,
    /// Villages and categories with an early sign (苗头性问题).
    pub early_signs: Vec<EarlySignGroup>,
    /// Each category's count this statistical month against the mean of the three before.
    pub trends: Vec<CategoryTrend>,
}

/// Screens `register` at `as_of` (DESIGN §2.2). Cases received after `as_of` are left out;
/// events dated after it have not happened.
pub fn screen<'a>(
    register: &'a Register,
    as_of: NaiveDate,
    rules: &'a RuleBook,
    calendar: &'a Calendar,
) -> Screening<'a> {
    let ctx = Context::new(register, as_of, rules, calendar);
    let mut cases = Vec::new();
    for pos in 0..ctx.len() {
        let Some(view) = ctx.view(pos) else { continue };
        let findings = flags::evaluate(&ctx, &view);
        if findings.is_empty() {
            continue;
        }
        let r = view.record;
        cases.push(CaseResult {
            case_no: register.case_no(r),
            received_on: r.received_on,
            village: register.opt_text(r.village),
            category: register.opt_text(r.category),
            owner_leader: register.opt_text(r.owner_leader),
            responsible_unit: register.opt_text(r.responsible_unit),
            findings,
            deadlines: view.deadlines,
        });
    }
    cases.sort_unstable_by(|a, b| a.case_no.cmp(b.case_no));
    Screening { as_of, cases, early_signs: categories::early_signs(&ctx), trends: categories::trends(&ctx) }
}

#[cfg(test)]
mod tests;
