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
    /// The value held an invisible or text-reordering character.
    #[error("contains the invisible character U+{:04X}, which is not allowed here; type the number again", u32::from(*.0))]
    Invisible(char),
    /// A phone number with too few or too many digits.
    #[error("has {0} digits; a phone number has 5 to 20")]
    DigitCount(usize),
}

/// Characters that show nothing or reorder text: format characters (zero-width space and
/// joiners, bidirectional marks, embeddings, overrides and isolates, the byte-order mark, soft
/// hyphen), variation selectors and tags.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{E0000}'..='\u{E0FFF}')
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

    /// Parses a case number: NFKC-normalised (a full-width `ＸＦ２０２６－００１` is
    /// `XF2026-001`, so look-alikes name one case), trimmed, non-blank, and without control,
    /// invisible or bidirectional-formatting characters (a zero-width space or a right-to-left
    /// override would make two numbers that look the same differ).
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        use unicode_normalization::UnicodeNormalization;
        if let Some(bad) = raw.chars().find(|c| invisible(*c)) {
            return Err(IdError::Invisible(bad));
        }
        let normal: String = if raw.is_ascii() { raw.to_owned() } else { raw.nfkc().collect() };
        check_token(&normal, Self::MAX_LEN, |c| !c.is_control()).map(Self)
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

/// The fewest digits in a run that [`mask_identifiers`] masks: a mobile number has 11.
const IDENTIFYING_DIGITS: usize = 11;

/// Masks every ID number, mobile number or other long number typed into free text (DESIGN §3):
/// a run of at least 11 digits (full-width digits too), which may be split by single `-` or
/// spaces (`138-0013-8000`, `138 0013 8000`, `+86 138…`), becomes its masked digits like the
/// columns made for them — an ID number (15 or 18 characters, a final `X` included) keeps its
/// first and last four (`3201**********1657`), anything else its first three and last four
/// (`138****8000`). Text without such a run is returned as it is, without copying.
///
/// Choice: any run of 11 or more digits is masked, not only well-formed ID and mobile numbers:
/// bank card and landline numbers with area code identify a petitioner as well, and a number
/// that long is never what a leader needs to read. Two numbers separated by a single space merge
/// into one run and are masked together (over-masking, never a leak).
pub fn mask_identifiers(text: &str) -> std::borrow::Cow<'_, str> {
    let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    // Fast path: fewer than 11 digits in all cannot hold a run that long.
    if text.chars().filter(|c| digit(*c)).count() < IDENTIFYING_DIGITS {
        return std::borrow::Cow::Borrowed(text);
    }
    let separator = |c: char| matches!(c, '-' | ' ' | '－' | '\u{3000}');
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0; // byte offset of the text not yet copied
    let mut i = 0;
    while i < chars.len() {
        if !digit(chars[i].1) {
            i += 1;
            continue;
        }
        // A run: digits, single separators between digits, and an ID's final X.
        let start = i;
        let mut digits = String::new();
        let mut end = i;
        while end < chars.len() {
            let c = chars[end].1;
            if digit(c) {
                // Full-width digits are written as ASCII ones: U+FF10..FF19 → '0'..'9'.
                let ascii =
                    if c.is_ascii_digit() { c } else { char::from_u32(c as u32 - 0xFF10 + 0x30).unwrap_or('0') };
                digits.push(ascii);
                end += 1;
            } else if separator(c) && chars.get(end + 1).is_some_and(|(_, n)| digit(*n)) && end > start {
                end += 1;
            } else {
                break;
            }
        }
        if matches!(digits.len(), 14 | 17) && chars.get(end).is_some_and(|(_, c)| matches!(c, 'X' | 'x' | 'Ｘ' | 'ｘ'))
        {
            digits.push('X');
            end += 1;
        }
        if digits.chars().filter(char::is_ascii_digit).count() >= IDENTIFYING_DIGITS {
            let from = chars[start].0;
            let to = chars.get(end).map_or(text.len(), |(at, _)| *at);
            out.push_str(&text[copied..from]);
            let id_like = matches!(digits.len(), 15 | 18);
            out.push_str(&if id_like { mask(&digits, 4, 4) } else { mask(&digits, 3, 4) });
            copied = to;
        }
        i = end.max(start + 1);
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
}

/// A cell of a column made for an ID or phone number, as an error message may show it: at most
/// its first two and last two characters.
pub fn mask_cell(value: &str) -> String {
    mask(value.trim(), 2, 2)
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
    #[test]
    fn case_numbers_that_look_alike_are_one_number_or_refused() {
        use super::{CaseNo, IdError};
        let plain = CaseNo::parse("XF2026-001").expect("plain");
        assert_eq!(CaseNo::parse("ＸＦ２０２６－００１").expect("full width"), plain);
        assert_eq!(CaseNo::parse(" XF2026-001 ").expect("spaces"), plain);
        for raw in [
            "XF2026\u{200B}-001",
            "\u{202E}100-6202FX",
            "XF2026-001\u{2066}",
            "\u{FEFF}XF2026-001",
            "XF2026\u{00AD}-001",
        ] {
            assert!(matches!(CaseNo::parse(raw), Err(IdError::Invisible(_))), "{raw:?}");
        }
    }

    #[test]
    fn long_numbers_in_free_text_are_masked_like_their_columns() {
        use super::mask_identifiers;
        for (text, want) in [
            ("身份证320140196702261657，要求补偿", "身份证3201**********1657，要求补偿"),
            ("证件 32011219650312002x 已核", "证件 3201**********002X 已核"),
            ("旧证320140670226165", "旧证3201*******6165"),
            ("电话13800138000联系", "电话138****8000联系"),
            ("电话138-0013-8000", "电话138****8000"),
            ("电话 138 0013 8000。", "电话 138****8000。"),
            ("手机＋８６１３８００１３８０００", "手机＋861******8000"),
            ("银行卡6222020200112233445", "银行卡622************3445"),
            ("两个：13800138000、13900139000", "两个：138****8000、139****9000"),
        ] {
            assert_eq!(mask_identifiers(text), want, "{text}");
        }
        for text in ["2026-03-05 反映 12 户", "XF2026-001", "补偿款 1200000 元", "", "无号码"] {
            assert!(matches!(mask_identifiers(text), std::borrow::Cow::Borrowed(t) if t == text), "{text}");
        }
    }

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
