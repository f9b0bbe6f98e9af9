//! Enumerated register values (level, channel, source) and hearing-day spans.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::text::{normalize_text, parse_date};

/// Why a register value was refused; the message lists what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);

/// Strips a trailing 级 ("县级" → "县") so both spellings are accepted.
fn fold(raw: &str) -> String {
    let text = normalize_text(raw).to_lowercase();
    match text.strip_suffix('级') {
        Some(stem) if !stem.is_empty() => stem.to_owned(),
        _ => text,
    }
}

/// 层级: an administrative level, from township (1) to national (5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Level(u8);

impl Level {
    /// Parses 1–5 or a level's name (乡/镇/乡镇/街道, 县/区/县级市, 市, 省/自治区/直辖市,
    /// 国家/中央/北京, or township/county/city/province/national).
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let text = fold(raw);
        let value = match text.as_str() {
            "1" | "乡" | "镇" | "乡镇" | "街道" | "township" => 1,
            "2" | "县" | "区" | "县级市" | "county" | "district" => 2,
            "3" | "市" | "city" => 3,
            "4" | "省" | "自治区" | "直辖市" | "province" => 4,
            "5" | "国家" | "中央" | "北京" | "national" => 5,
            _ => {
                return Err(ValueError(format!(
                    "{:?} is not a level; accepted: 1 乡/镇/乡镇/街道, 2 县/区/县级市, 3 市, \
                     4 省/自治区/直辖市, 5 国家/中央/北京",
                    normalize_text(raw)
                )));
            }
        };
        Ok(Self(value))
    }

    /// Builds a level from its number, 1–5.
    pub fn from_number(value: i64) -> Option<Self> {
        u8::try_from(value).ok().filter(|v| (1..=5).contains(v)).map(Self)
    }

    /// The level's number, 1 (township) to 5 (national).
    pub fn number(self) -> u8 {
        self.0
    }
}

macro_rules! register_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal, { $($(#[$vdoc:meta])* $variant:ident = $en:literal $zh:literal [$($alias:literal),*]),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in register order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// Parses the English or Chinese name (any case).
            pub fn parse(raw: &str) -> Result<Self, ValueError> {
                let text = normalize_text(raw).to_lowercase();
                match text.as_str() {
                    $($en | $zh $(| $alias)* => Ok(Self::$variant),)+
                    _ => Err(ValueError(format!(
                        concat!("{:?} is not a ", $what, "; accepted: {}"),
                        normalize_text(raw),
                        [$(concat!($en, " ", $zh)),+].join(", ")
                    ))),
                }
            }

            /// The English name, as stored.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $en),+ }
            }

            /// The Chinese name, as shown to users.
            pub fn zh(self) -> &'static str {
                match self { $(Self::$variant => $zh),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

register_enum!(
    /// 信访形式: how the petition arrived.
    Channel, "petition channel (信访形式)", {
        /// 来信
        Letter = "letter" "来信" ["信件"],
        /// 来访
        Visit = "visit" "来访" ["走访"],
        /// 来电
        Phone = "phone" "来电" ["电话"],
        /// 网上信访
        Online = "online" "网上信访" ["网上", "网信"],
    }
);

register_enum!(
    /// 信访来源: where the case came from.
    Source, "petition source (信访来源)", {
        /// 直接
        Direct = "direct" "直接" ["直接受理"],
        /// 上级交办
        Assigned = "assigned" "上级交办" ["交办"],
        /// 转送
        Transferred = "transferred" "转送" ["上级转送"],
        /// 领导接待日
        ReceptionDay = "reception_day" "领导接待日" ["接待日"],
    }
);

register_enum!(
    /// 处理方式: how a matter outside the township's competence was disposed of without
    /// acceptance (DESIGN §2.2). Blank in the register: handled here.
    Disposition, "disposition (处理方式)", {
        /// 告知 (不予受理): the petitioner was told where to go.
        Informed = "informed" "告知" ["不予受理", "告知信访人"],
        /// 转送 (转交/移送): sent on to the body that has competence.
        Transferred = "transferred" "转送" ["转交", "移送"],
    }
);

/// A run of hearing days (听证), inclusive at both ends; a single day has `first == last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DateSpan {
    /// First day of the span.
    pub first: NaiveDate,
    /// Last day of the span (not before `first`).
    pub last: NaiveDate,
}

impl DateSpan {
    /// Parses `DATE` or `DATE..DATE` (any register date spelling on each side).
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let text = normalize_text(raw);
        let (first, last) = match text.split_once("..") {
            Some((a, b)) => (a, b),
            None => (text.as_str(), text.as_str()),
        };
        let first = parse_date(first).map_err(ValueError)?;
        let last = parse_date(last).map_err(ValueError)?;
        if last < first {
            return Err(ValueError(format!("{text:?} ends before it starts")));
        }
        Ok(Self { first, last })
    }

    /// Whether `day` lies in the span.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.first <= day && day <= self.last
    }
}

impl fmt::Display for DateSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last { write!(f, "{}", self.first) } else { write!(f, "{}..{}", self.first, self.last) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_accept_numbers_and_every_chinese_name() {
        for (raw, want) in [
            ("1", 1),
            ("乡", 1),
            ("镇", 1),
            ("乡镇", 1),
            ("街道", 1),
            ("2", 2),
            ("县", 2),
            ("县级", 2),
            ("区", 2),
            ("县级市", 2),
            ("市", 3),
            ("市级", 3),
            ("省", 4),
            ("自治区", 4),
            ("直辖市", 4),
            ("国家", 5),
            ("中央", 5),
            ("北京", 5),
            ("5", 5),
            ("National", 5),
        ] {
            assert_eq!(Level::parse(raw).map(Level::number), Ok(want), "{raw}");
        }
        assert!(Level::parse("6").is_err());
        assert!(Level::parse("村").is_err());
    }

    #[test]
    fn an_unknown_channel_lists_the_accepted_values() {
        assert_eq!(Channel::parse("来访"), Ok(Channel::Visit));
        assert_eq!(Channel::parse("Online"), Ok(Channel::Online));
        let err = Channel::parse("传真").expect_err("fax is not a channel");
        assert!(err.0.contains("letter 来信") && err.0.contains("online 网上信访"), "{err}");
        assert_eq!(Source::parse("上级交办"), Ok(Source::Assigned));
        assert_eq!(Source::parse("reception_day"), Ok(Source::ReceptionDay));
    }

    #[test]
    fn hearing_spans_parse_single_days_and_ranges() {
        let span = DateSpan::parse("2026-03-02..2026/3/4").expect("range");
        assert_eq!(span.to_string(), "2026-03-02..2026-03-04");
        assert!(span.contains(NaiveDate::from_ymd_opt(2026, 3, 3).expect("date")));
        assert_eq!(DateSpan::parse("2026年3月2日").map(|s| s.first == s.last), Ok(true));
        assert!(DateSpan::parse("2026-03-04..2026-03-02").is_err());
    }
}
