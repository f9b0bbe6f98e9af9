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

/// How wide `text` shows in a terminal or a spreadsheet column, in narrow-character units: a
/// Chinese character (or any other wide one) counts two, anything else one.
pub fn display_width(text: &str) -> usize {
    text.chars().map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 }).sum()
}

/// Parses a yes/no cell, any case: yes/no, y/n, true/false, 1/0, 是/否; blank is no.
pub fn parse_bool(raw: &str) -> Result<bool, String> {
    match normalize_text(raw).to_lowercase().as_str() {
        "" | "no" | "n" | "false" | "0" | "否" => Ok(false),
        "yes" | "y" | "true" | "1" | "是" => Ok(true),
        other => Err(format!("{other:?} is not yes or no; accepted: yes/no, y/n, true/false, 1/0, 是/否 (blank = no)")),
    }
}

/// A cell of an export that opens in a spreadsheet (CSV), written as text (DESIGN §3): a value
/// beginning with `=` `+` `-` `@`, a tab or a carriage return (or their full-width forms) would
/// be read as a formula, so it gets a leading `'`, which spreadsheets show as text and hide.
pub fn spreadsheet_text(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// The separators a clerk types between the items of a list cell besides white space
/// (DESIGN §5.2): `;` `；` `、` `,` `，` `/` `／` `|`, and the full-width bar `｜` that a Chinese
/// input method types for `|`.
const LIST_SEPARATORS: [char; 9] = [';', '；', '、', ',', '，', '/', '／', '|', '｜'];

/// Splits a list of names (`accused`, `conflicts`) on every separator of DESIGN §5.2 — `;`
/// `；` `、` `,` `，` `/` `／` `|`, white space of any kind (the ideographic space included) and
/// line breaks (Alt+Enter in Excel) — trimming items and dropping empty ones.
pub fn split_list(raw: &str) -> Vec<String> {
    raw.split(|c: char| LIST_SEPARATORS.contains(&c) || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Splits a list of hearing days (`DATE` or `DATE..DATE` items).
///
/// Choice: the separators are those of [`split_list`] except `/` and `／`, which are a date's
/// own separators in this column (`2026/3/5`); white space around `..` joins the two ends of a
/// range (`2026-03-01 .. 2026-03-05` is one item).
pub fn split_hearings(raw: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    let mut joining = false;
    for piece in raw.split(|c: char| (LIST_SEPARATORS.contains(&c) && c != '/' && c != '／') || c.is_whitespace()) {
        if piece.is_empty() {
            continue;
        }
        match items.last_mut() {
            Some(last) if joining || piece.starts_with("..") => last.push_str(piece),
            _ => items.push(piece.to_owned()),
        }
        joining = piece.ends_with("..");
    }
    items
}

/// The key a person's name is compared by in recusal (`accused`, `conflicts`, owners):
/// NFKC, every white-space character removed, and a title in brackets dropped
/// (`李华（镇长）`, `李华[副镇长]`, `【书记】李华` all give `李华`).
pub fn person_key(raw: &str) -> String {
    let folded = fold_name(raw);
    let mut key = String::with_capacity(folded.len());
    let mut depth = 0usize;
    for c in folded.chars() {
        match c {
            '(' | '[' | '【' | '〔' | '〖' | '{' => depth += 1,
            ')' | ']' | '】' | '〕' | '〗' | '}' => depth = depth.saturating_sub(1),
            _ if depth == 0 => key.push(c),
            _ => {}
        }
    }
    // A cell that is nothing but a bracket keeps its text rather than comparing as empty.
    if key.is_empty() { folded.into_owned() } else { key }
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
        for raw in [
            "李华，赵敏",
            "李华,赵敏",
            "李华 赵敏",
            "李华\u{3000}赵敏",
            "李华/赵敏",
            "李华／赵敏",
            "李华|赵敏",
            "李华｜赵敏",
            "李华\n赵敏",
            "李华\r\n赵敏",
            " 李华 ;\t赵敏、",
        ] {
            assert_eq!(split_list(raw), ["李华", "赵敏"], "{raw:?}");
        }
        assert!(split_list("  ").is_empty());
    }

    #[test]
    fn cells_that_a_spreadsheet_would_run_as_formulas_are_written_as_text() {
        for cell in [
            "=HYPERLINK(\"http://x\",\"点此\")",
            "=cmd|' /C calc'!A0",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "＝1",
        ] {
            assert_eq!(spreadsheet_text(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in ["XF2026-001", "2026-03-05", "东湖村", "", "a=b"] {
            assert!(matches!(spreadsheet_text(cell), Cow::Borrowed(c) if c == cell), "{cell:?}");
        }
    }

    #[test]
    fn hearing_lists_keep_slashed_dates_and_spaced_ranges_whole() {
        assert_eq!(split_hearings("2026/3/5；2026-03-08 .. 2026-03-09"), ["2026/3/5", "2026-03-08..2026-03-09"]);
        assert_eq!(
            split_hearings("2026-03-01..2026-03-02, 2026-03-04\n2026.3.6"),
            ["2026-03-01..2026-03-02", "2026-03-04", "2026.3.6"]
        );
        assert_eq!(split_hearings("2026-03-01 ..\u{3000}2026-03-02"), ["2026-03-01..2026-03-02"]);
        assert!(split_hearings(" ; ").is_empty());
    }

    #[test]
    fn person_keys_ignore_width_spaces_and_bracketed_titles() {
        for raw in ["李华", " 李 华 ", "李华（镇长）", "李华(副镇长)", "李华【书记】", "李华 (镇长)", "李华\u{3000}"]
        {
            assert_eq!(person_key(raw), "李华", "{raw:?}");
        }
        assert_eq!(person_key("ｌｉ－ｈｕａ"), "li-hua");
        assert_eq!(person_key("（镇长）"), "(镇长)", "a bracket alone is kept as text");
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
