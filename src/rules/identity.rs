//! Petitioner identity and "same matter" (DESIGN §2.2).

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

use crate::domain::Case;

/// NFKC then trimmed, without allocating when the text is already normal.
pub fn fold(text: &str) -> Cow<'_, str> {
    let trimmed = text.trim();
    if is_nfkc_quick(trimmed.chars()) == IsNormalized::Yes {
        Cow::Borrowed(trimmed)
    } else {
        let folded: String = trimmed.nfkc().collect();
        Cow::Owned(folded.trim().to_owned())
    }
}

/// NFKC with all white space removed, for names.
fn fold_name(text: &str) -> Cow<'_, str> {
    let folded = fold(text);
    if folded.chars().any(char::is_whitespace) {
        Cow::Owned(folded.chars().filter(|c| !c.is_whitespace()).collect())
    } else {
        folded
    }
}

/// The petitioner's identity key, one per case: the ID number when present; else the
/// normalised name with the phone's digits; else the name with the village. Anonymous cases,
/// and cases with neither name nor ID, have none and are never linked to another case.
///
/// The three kinds are prefixed so an ID can never equal a name.
pub fn identity(case: &Case) -> Option<String> {
    if case.anonymous {
        return None;
    }
    if let Some(id) = &case.petitioner_id {
        return Some(format!("id:{}", id.expose().to_uppercase()));
    }
    let name = fold_name(case.petitioner.as_deref()?);
    if name.is_empty() {
        return None;
    }
    match &case.phone {
        Some(phone) => Some(format!("np:{name}\u{1f}{}", phone.digits())),
        None => Some(format!("nv:{name}\u{1f}{}", case.village.as_deref().map(fold).unwrap_or_default())),
    }
}

/// A case's folded `matter`, `category` and `village`, blank as `None`.
pub fn folded(value: Option<&str>) -> Option<Cow<'_, str>> {
    value.map(fold).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CaseNo, PetitionerId, Phone};

    fn case(name: Option<&str>) -> Case {
        let mut c = Case::new(CaseNo::parse("I-1").expect("no"), chrono::NaiveDate::MIN);
        c.petitioner = name.map(str::to_owned);
        c
    }

    #[test]
    fn identity_prefers_the_id_then_name_and_phone_then_name_and_village() {
        let mut c = case(Some("张 三"));
        c.village = Some("东湖村".into());
        assert_eq!(identity(&c).as_deref(), Some("nv:张三\u{1f}东湖村"));
        c.phone = Some(Phone::parse("138-0013-8000").expect("phone"));
        assert_eq!(identity(&c).as_deref(), Some("np:张三\u{1f}13800138000"));
        c.petitioner_id = Some(PetitionerId::parse("32011219650312002x").expect("id"));
        assert_eq!(identity(&c).as_deref(), Some("id:32011219650312002X"));
        c.anonymous = true;
        assert_eq!(identity(&c), None);
    }

    #[test]
    fn a_case_with_neither_name_nor_id_has_no_identity() {
        assert_eq!(identity(&case(None)), None);
        assert_eq!(identity(&case(Some("  "))), None);
    }

    #[test]
    fn full_width_names_fold_to_the_same_identity() {
        assert_eq!(identity(&case(Some("ＺＨＡＮＧ　Ｓａｎ"))), identity(&case(Some("ZHANGSan"))));
    }
}
