//! Why a flag was raised: the facts, for notices, reports and `screen`.

use std::fmt;

use chrono::NaiveDate;

use super::{DeadlineKind, Flag};

/// One deadline that makes a case `due_soon`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueSoonDeadline {
    /// Which deadline.
    pub kind: DeadlineKind,
    /// Its statutory date.
    pub due: NaiveDate,
    /// The last working day to act.
    pub act_by: NaiveDate,
    /// Working days after D up to and including `act_by`.
    pub working_days_left: u32,
}

/// The facts behind one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence<'a> {
    /// `repeat`: the earlier case on the same matter (the latest one before this case).
    EarlierCase {
        /// Its number.
        case_no: &'a str,
        /// When it was received.
        received_on: NaiveDate,
    },
    /// `joint`: how many signed.
    Signatories(u32),
    /// `collective`: how many came.
    Petitioners(u32),
    /// `signed`: the petitioner gave their name.
    NotAnonymous,
    /// `skip_level`: where they went against where the matter belongs.
    Levels {
        /// 走访层级.
        visited: u8,
        /// 有权处理层级.
        competent: u8,
    },
    /// `early_sign`: cases of one category in one village within the window.
    EarlySign {
        /// The category.
        category: &'a str,
        /// The village.
        village: &'a str,
        /// How many cases.
        cases: usize,
    },
    /// `initial`: no earlier petition on the matter.
    FirstPetition,
    /// `organizer`: the collective case that makes the petitioner a key person.
    CollectiveCase {
        /// Its number.
        case_no: &'a str,
        /// How many came.
        petitioners: u32,
    },
    /// `*_overdue`: the statutory date passed.
    Overdue {
        /// The date.
        due: NaiveDate,
        /// Calendar days since.
        days: i64,
    },
    /// `due_soon`: each running deadline close to its act-by date.
    DueSoon(Vec<DueSoonDeadline>),
    /// `backlog`: open this long.
    OpenFor {
        /// From acceptance (or receipt).
        since: NaiveDate,
        /// Days to D.
        days: i64,
    },
    /// `long_running`: the petitioner's first case on the matter.
    FirstOnMatter {
        /// Its number.
        case_no: &'a str,
        /// When it was received.
        received_on: NaiveDate,
        /// Days to D.
        days: i64,
    },
    /// `no_owner`: what is missing, and the flags that require an owner.
    MissingOwner {
        /// No 包案领导.
        leader: bool,
        /// No 包案期限.
        deadline: bool,
        /// Flags that call for an owner.
        because: FlagSet,
    },
    /// `conflict`: who is involved and in what role.
    Recusal {
        /// The person's name.
        person: String,
        /// 包案领导, 责任人 or 分管领导.
        role: &'static str,
        /// Named as 被反映人 (true) or listed in 回避人员 (false).
        accused: bool,
    },
}

impl fmt::Display for Evidence<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Evidence::EarlierCase { case_no, received_on } => write!(f, "此前同一事项：{case_no}（{received_on}）"),
            Evidence::Signatories(n) => write!(f, "联名{n}人"),
            Evidence::Petitioners(n) => write!(f, "{n}人"),
            Evidence::NotAnonymous => f.write_str("署名"),
            Evidence::Levels { visited, competent } => {
                write!(f, "走访{}级，有权处理{}级", level_name(*visited), level_name(*competent))
            }
            Evidence::EarlySign { category, village, cases } => write!(f, "{village}「{category}」近期{cases}件"),
            Evidence::FirstPetition => f.write_str("首次信访"),
            Evidence::CollectiveCase { case_no, petitioners } => write!(f, "集体访{case_no}（{petitioners}人）"),
            Evidence::Overdue { due, days } => write!(f, "期限{due}，已超{days}天"),
            Evidence::DueSoon(deadlines) => {
                for (i, d) in deadlines.iter().enumerate() {
                    if i > 0 {
                        f.write_str("；")?;
                    }
                    write!(
                        f,
                        "{}：请于{}前{}，剩{}个工作日",
                        d.kind.zh(),
                        d.act_by,
                        d.kind.verb(),
                        d.working_days_left
                    )?;
                }
                Ok(())
            }
            Evidence::OpenFor { since, days } => write!(f, "自{since}起{days}天未办结"),
            Evidence::FirstOnMatter { case_no, received_on, days } => {
                write!(f, "首次信访{case_no}（{received_on}），已{days}天")
            }
            Evidence::MissingOwner { leader, deadline, because } => {
                let missing: Vec<&str> = [(*leader, "包案领导"), (*deadline, "包案期限")]
                    .into_iter()
                    .filter(|(m, _)| *m)
                    .map(|(_, s)| s)
                    .collect();
                let flags: Vec<&str> = because.iter().map(Flag::zh).collect();
                write!(f, "缺{}（{}）", missing.join("、"), flags.join("、"))
            }
            Evidence::Recusal { person, role, accused } => {
                let why = if *accused { "系被反映人" } else { "列入回避人员" };
                write!(f, "{role}{person}{why}")
            }
        }
    }
}

fn level_name(level: u8) -> &'static str {
    match level {
        1 => "乡镇",
        2 => "县",
        3 => "市",
        4 => "省",
        5 => "国家",
        _ => "?",
    }
}

/// A set of flags, as bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlagSet(u32);

impl FromIterator<Flag> for FlagSet {
    fn from_iter<I: IntoIterator<Item = Flag>>(flags: I) -> Self {
        let mut set = FlagSet::default();
        for flag in flags {
            set.insert(flag);
        }
        set
    }
}

impl FlagSet {
    /// Adds a flag.
    pub fn insert(&mut self, flag: Flag) {
        self.0 |= 1 << (flag as u32);
    }

    /// Whether the set holds no flag.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the set holds `flag`.
    pub fn contains(self, flag: Flag) -> bool {
        self.0 & (1 << (flag as u32)) != 0
    }

    /// The flags of `self` that `other` lacks.
    pub fn minus(self, other: FlagSet) -> FlagSet {
        FlagSet(self.0 & !other.0)
    }

    /// The set as a bit mask (bit n = the n-th flag of [`Flag::ALL`]), for storage.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// A set from [`FlagSet::bits`]; bits that name no flag are dropped.
    pub fn from_bits(bits: u32) -> Self {
        FlagSet(bits & ((1 << Flag::ALL.len()) - 1))
    }

    /// The flags, in [`Flag::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Flag> {
        Flag::ALL.into_iter().filter(move |f| self.0 & (1 << (*f as u32)) != 0)
    }
}
