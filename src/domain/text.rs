//! Parsers for the spellings a register uses: dates, yes/no, lists, and text normalisation.

use chrono::NaiveDate;
use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Normalises a person's name for comparison: Unicode NFKC with every white-space
/// character removed (`张 三` and `張三` written full-width both compare by their NFKC form).
pub fn normalize_name(raw: &str) -> String {
    fold_name(raw).into_owned()
}

/// Normalises free text for comparison (`matter`, `category`, `village`): NFKC, then trimmed.
pub fn normalize_text(raw: &str) -> String {
    fold(raw).into_owned()
}

/// [`normalize_text`] without allocating when the text is already normal (the common case).
pub fn fold(text: &str) -> Cow<'_, str> {
    let trimmed = text.trim();
    if trimmed.is_ascii() || is_nfkc_quick(trimmed.chars()) == IsNormalized::Yes {
        Cow::Borrowed(trimmed)
    } else {
        let folded: String = trimmed.nfkc().collect();
        Cow::Owned(folded.trim().to_owned())
    }
}

/// [`normalize_name`] without allocating when the name is already normal.
pub fn fold_name(text: &str) -> Cow<'_, str> {
    let folded = fold(text);
    if folded.chars().any(char::is_whitespace) {
        Cow::Owned(folded.chars().filter(|c| !c.is_whitespace()).collect())
    } else {
        folded
    }
}

/// Parses a register date: `YYYY-MM-DD`, `YYYY/M/D`, `YYYY.M.D` or `YYYY年M月D日`,
/// month and day with one or two digits. Full-width digits are accepted (NFKC).
/// Returns a reason when the text is not such a date or names a day that does not exist.
pub fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    let text = normalize_text(raw);
    let (body, seps): (&str, [char; 2]) = if let Some(body) = text.strip_suffix('日') {
        (body, ['年', '月'])
    } else if text.contains('-') {
        (text.as_str(), ['-', '-'])
    } else if text.contains('/') {
        (text.as_str(), ['/', '/'])
    } else {
        (text.as_str(), ['.', '.'])
    };
    let expected = "expected YYYY-MM-DD, YYYY/M/D, YYYY.M.D or YYYY年M月D日";
    let mut parts = body.splitn(2, seps[0]);
    let year = parts.next().unwrap_or_default();
    let rest = parts.next().ok_or_else(|| format!("{text:?} is not a date; {expected}"))?;
    let mut parts = rest.splitn(2, seps[1]);
    let month = parts.next().unwrap_or_default();
    let day = parts.next().ok_or_else(|| format!("{text:?} is not a date; {expected}"))?;
    let digits =
        |s: &str, min: usize, max: usize| (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(year, 4, 4) && digits(month, 1, 2) && digits(day, 1, 2)) {
        return Err(format!("{text:?} is not a date; {expected}"));
    }
    let (y, m, d) = (
        year.parse::<i32>().map_err(|e| e.to_string())?,
        month.parse::<u32>().map_err(|e| e.to_string())?,
        day.parse::<u32>().map_err(|e| e.to_string())?,
    );
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("{text:?} is not a day of the calendar"))
}

/// Parses a yes/no cell, any case: yes/no, y/n, true/false, 1/0, 是/否; blank is no.
pub fn parse_bool(raw: &str) -> Result<bool, String> {
    match normalize_text(raw).to_lowercase().as_str() {
        "" | "no" | "n" | "false" | "0" | "否" => Ok(false),
        "yes" | "y" | "true" | "1" | "是" => Ok(true),
        other => Err(format!("{other:?} is not yes or no; accepted: yes/no, y/n, true/false, 1/0, 是/否 (blank = no)")),
    }
}

/// Splits a list cell on `;`, `；` or `、`, trimming items and dropping empty ones.
pub fn split_list(raw: &str) -> Vec<String> {
    raw.split([';', '；', '、']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn every_date_spelling_of_the_register_parses() {
        for (raw, want) in [
            ("2026-03-05", day(2026, 3, 5)),
            ("2026-3-5", day(2026, 3, 5)),
            ("2026/3/5", day(2026, 3, 5)),
            ("2026/03/05", day(2026, 3, 5)),
            ("2026.3.5", day(2026, 3, 5)),
            ("2026年3月5日", day(2026, 3, 5)),
            ("2026年03月05日", day(2026, 3, 5)),
            (" ２０２６年３月５日 ", day(2026, 3, 5)),
        ] {
            assert_eq!(parse_date(raw), Ok(want), "{raw}");
        }
    }

    #[test]
    fn impossible_and_malformed_dates_are_refused_with_a_reason() {
        for raw in ["2026-02-30", "2026-13-01", "26-3-5", "2026-3", "yesterday", "", "2026-003-05"] {
            let err = parse_date(raw).expect_err(raw);
            assert!(err.contains("not a"), "{raw}: {err}");
        }
    }

    #[test]
    fn booleans_accept_every_listed_spelling() {
        for raw in ["yes", "Y", "TRUE", "1", "是"] {
            assert_eq!(parse_bool(raw), Ok(true), "{raw}");
        }
        for raw in ["", "no", "n", "False", "0", "否"] {
            assert_eq!(parse_bool(raw), Ok(false), "{raw}");
        }
        assert!(parse_bool("maybe").is_err());
    }

    #[test]
    fn lists_split_on_every_separator() {
        assert_eq!(split_list("张三;李四；王五、 赵六 ;"), ["张三", "李四", "王五", "赵六"]);
        assert!(split_list("  ").is_empty());
    }

    #[test]
    fn names_compare_after_nfkc_without_white_space() {
        assert_eq!(normalize_name(" 张 三\u{3000}"), "张三");
        assert_eq!(normalize_name("ＡＢＣ"), "ABC");
        assert_eq!(normalize_text("  土地 征收 "), "土地 征收");
        assert!(matches!(fold(" 东湖村 "), Cow::Borrowed("东湖村")), "already normal: no copy");
        assert_eq!(fold("村（社区）"), "村(社区)");
        assert_eq!(fold_name("ＺＨＡＮＧ　Ｓａｎ"), "ZHANGSan");
    }
}
