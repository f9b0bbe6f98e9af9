//! Identifiers: case numbers, person ids, and the petitioner's personal identifiers
//! (ID number and phone), which mask themselves wherever they are displayed.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The value was blank.
    #[error("is blank")]
    Blank,
    /// The value was longer than the limit.
    #[error("is {len} characters long; at most {max} are allowed")]
    TooLong {
        /// Characters given.
        len: usize,
        /// Characters allowed.
        max: usize,
    },
    /// The value held a character that may not appear in it.
    #[error("contains the character {0:?}, which is not allowed here")]
    BadChar(char),
    /// A phone number with too few or too many digits.
    #[error("has {0} digits; a phone number has 5 to 20")]
    DigitCount(usize),
}

fn check_token(raw: &str, max: usize, allowed: impl Fn(char) -> bool) -> Result<String, IdError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(IdError::Blank);
    }
    let len = value.chars().count();
    if len > max {
        return Err(IdError::TooLong { len, max });
    }
    if let Some(bad) = value.chars().find(|c| !allowed(*c)) {
        return Err(IdError::BadChar(bad));
    }
    Ok(value.to_owned())
}

/// 信访件编号: the register's case number, unique per case. Ordered as text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseNo(String);

impl CaseNo {
    /// Longest case number accepted, in characters.
    pub const MAX_LEN: usize = 64;

    /// Parses a case number: trimmed, non-blank, no control characters.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        check_token(raw, Self::MAX_LEN, |c| !c.is_control()).map(Self)
    }

    /// The case number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CaseNo {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CaseNo> for String {
    fn from(value: CaseNo) -> Self {
        value.0
    }
}

impl fmt::Display for CaseNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of a person defined in the config (`[[people]] id = "…"`):
/// ASCII letters, digits, `_`, `-` and `.`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonId(String);

impl PersonId {
    /// Parses a person id.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        check_token(raw, 64, |c| c.is_ascii_alphanumeric() || "_-.".contains(c)).map(Self)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PersonId {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PersonId> for String {
    fn from(value: PersonId) -> Self {
        value.0
    }
}

impl fmt::Display for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Keeps the first `head` and last `tail` characters and stars the rest.
fn mask(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// A petitioner's name as group channels may show it (DESIGN §3): the first character and
/// two stars, whatever the name's length (`张三` and `欧阳修远` → `张**`, `欧**`), so neither the
/// given name nor its length shows. Blank names give `**`.
pub fn mask_name(name: &str) -> String {
    let first = name.trim().chars().next().map(String::from).unwrap_or_default();
    format!("{first}**")
}

/// 证件号码: a petitioner's ID number, kept upper-cased. `Debug` and `Display` mask it,
/// so it cannot reach a log line by accident; [`PetitionerId::expose`] is the one way out.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PetitionerId(String);

impl PetitionerId {
    /// Parses an ID number: trimmed, upper-cased, letters, digits and `-` only.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        check_token(raw, 32, |c| c.is_alphanumeric() || c == '-').map(|v| Self(v.to_uppercase()))
    }

    /// The full ID number, for storage and identity matching only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The masked form shown everywhere else (`1101**********1234`).
    pub fn masked(&self) -> String {
        mask(&self.0, 4, 4)
    }
}

impl fmt::Debug for PetitionerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PetitionerId({})", self.masked())
    }
}

impl fmt::Display for PetitionerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// 联系电话: a phone number as written, masked in `Debug` and `Display`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Parses a phone number: digits with optional `+`, `-`, spaces and brackets; 5–20 digits.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let value = check_token(raw, 32, |c| c.is_ascii_digit() || " +-()（）".contains(c))?;
        let digits = value.chars().filter(char::is_ascii_digit).count();
        if !(5..=20).contains(&digits) {
            return Err(IdError::DigitCount(digits));
        }
        Ok(Self(value))
    }

    /// The number as written, for storage only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Only the digits, used to tell petitioners apart.
    pub fn digits(&self) -> String {
        self.0.chars().filter(char::is_ascii_digit).collect()
    }

    /// The masked form shown everywhere else (`138****5678`).
    pub fn masked(&self) -> String {
        mask(&self.digits(), 3, 4)
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_no_is_trimmed_and_refuses_blank_and_control_characters() {
        assert_eq!(CaseNo::parse("  XF-2026-001 ").map(|c| c.0), Ok("XF-2026-001".into()));
        assert_eq!(CaseNo::parse("   "), Err(IdError::Blank));
        assert_eq!(CaseNo::parse("a\u{7}b"), Err(IdError::BadChar('\u{7}')));
    }

    #[test]
    fn id_number_is_upper_cased_and_never_shown_in_full() {
        let id = PetitionerId::parse("11010519491231002x").expect("valid id");
        assert_eq!(id.expose(), "11010519491231002X");
        assert_eq!(id.to_string(), "1101**********002X");
        assert!(!format!("{id:?}").contains("19491231"));
    }

    #[test]
    fn names_are_masked_to_their_first_character_and_two_stars() {
        assert_eq!(mask_name("张三"), "张**");
        assert_eq!(mask_name(" 欧阳修远 "), "欧**");
        assert_eq!(mask_name("王"), "王**");
        assert_eq!(mask_name(""), "**");
    }

    #[test]
    fn phone_is_masked_to_its_first_three_and_last_four_digits() {
        let phone = Phone::parse("138-0013-8000").expect("valid phone");
        assert_eq!(phone.masked(), "138****8000");
        assert_eq!(phone.digits(), "13800138000");
        assert!(Phone::parse("12").is_err());
        assert!(Phone::parse("call me").is_err());
    }
}
