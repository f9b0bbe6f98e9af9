//! Text folding for the comparisons of DESIGN §2.2: `matter`, `category` and `village` compare
//! after NFKC and trimming; names after NFKC with all white space removed. The petitioner
//! identity built from them lives in [`super::register`].

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// NFKC then trimmed, without allocating when the text is already normal.
pub fn fold(text: &str) -> Cow<'_, str> {
    let trimmed = text.trim();
    if trimmed.is_ascii() || is_nfkc_quick(trimmed.chars()) == IsNormalized::Yes {
        Cow::Borrowed(trimmed)
    } else {
        let folded: String = trimmed.nfkc().collect();
        Cow::Owned(folded.trim().to_owned())
    }
}

/// NFKC with all white space removed, for names.
pub fn fold_name(text: &str) -> Cow<'_, str> {
    let folded = fold(text);
    if folded.chars().any(char::is_whitespace) {
        Cow::Owned(folded.chars().filter(|c| !c.is_whitespace()).collect())
    } else {
        folded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_matches_the_domain_normalisation() {
        for text in [" 土地 征收 ", "ＡＢＣ", "村（社区）", "plain"] {
            assert_eq!(fold(text), crate::domain::normalize_text(text), "{text}");
            assert_eq!(fold_name(text), crate::domain::normalize_name(text), "{text}");
        }
    }
}
