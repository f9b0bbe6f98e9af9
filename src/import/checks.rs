//! The checks a clerk needs on rows that import (DESIGN §5.3, second wave): each a warning,
//! in Chinese, naming the row and the column as the register titles it — the row is still
//! imported, since the register may be right and the clerk decides.
//!
//! - dates in an impossible order: 受理 before 收到, 办结 before 受理 (or 收到), any date after
//!   today;
//! - an owner (包案领导) or responsible person (责任人) the config does not know, with the
//!   nearest known name;
//! - a case number that differs from a stored one, or another row's, only by O/0, I/l/1 or
//!   full/half width — a mistyped number becomes a ghost case in every reminder.

use std::collections::HashMap;

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

use super::columns::Column;
use crate::domain::{Case, Directory, mask_identifiers};

/// A warning about a row that imported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowWarning {
    /// Row number as a spreadsheet shows it.
    pub row: usize,
    /// The column as the register titles it (Chinese), with its English name.
    pub column: String,
    /// What looks wrong, in Chinese.
    pub message: String,
}

/// A column as warnings name it: its Chinese title with its English name.
pub fn column(c: Column) -> String {
    format!("{} ({})", c.zh(), c.name())
}

/// A case number as a mistyping cannot change it: width folded, upper case, O read as 0 and
/// I/L as 1.
pub fn lookalike_key(case_no: &str) -> String {
    case_no
        .nfkc()
        .flat_map(char::to_uppercase)
        .map(|c| match c {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// The person the config knows whose name `typed` is nearest to: one contained in it or
/// containing it, else one a single character away.
pub fn nearest_name<'d>(typed: &str, names: &'d [&'d str]) -> Option<&'d str> {
    let typed = typed.trim();
    names
        .iter()
        .copied()
        .filter(|name| !name.is_empty())
        .map(|name| {
            let distance =
                if typed.contains(name) || name.contains(typed) { 0 } else { strsim::levenshtein(typed, name) };
            (distance, name)
        })
        .filter(|(distance, _)| *distance <= 1)
        .min()
        .map(|(_, name)| name)
}

/// The warnings about `cases` (row, case) read on `today`: their dates, their people (against
/// `directory`, whose names are `names`), and their numbers against each other's and `stored`
/// (the register's numbers before this import).
pub fn warnings<'c>(
    cases: impl IntoIterator<Item = (usize, &'c Case)>,
    today: Option<NaiveDate>,
    directory: &Directory,
    names: &[&str],
    stored: &[String],
) -> Vec<RowWarning> {
    let mut out = Vec::new();
    let mut known: HashMap<String, String> = stored.iter().map(|no| (lookalike_key(no), no.clone())).collect();
    for (row, case) in cases {
        let mut warn = |c: Column, message: String| out.push(RowWarning { row, column: column(c), message });
        if let Some(accepted) = case.accepted_on
            && accepted < case.received_on
        {
            warn(Column::AcceptedOn, format!("受理日期 {accepted} 早于收到日期 {}，请核对。", case.received_on));
        }
        if let Some(concluded) = case.concluded_on {
            let (before, what) = match case.accepted_on {
                Some(accepted) => (accepted, "受理日期"),
                None => (case.received_on, "收到日期"),
            };
            if concluded < before {
                warn(Column::ConcludedOn, format!("办结日期 {concluded} 早于{what} {before}，请核对。"));
            }
        }
        if let Some(today) = today {
            let dates = [
                (Column::ReceivedOn, Some(case.received_on)),
                (Column::AcceptedOn, case.accepted_on),
                (Column::ConcludedOn, case.concluded_on),
                (Column::DisposedOn, case.disposed_on),
                (Column::ReviewAcceptedOn, case.review_accepted_on),
                (Column::ReviewOpinionOn, case.review_opinion_on),
                (Column::RecheckRequestedOn, case.recheck_requested_on),
                (Column::RecheckOpinionOn, case.recheck_opinion_on),
            ];
            for (c, date) in dates {
                if let Some(date) = date.filter(|d| *d > today) {
                    warn(c, format!("{date} 是将来的日期（今天是 {today}），请核对；在这一天到来之前按未发生处理。"));
                }
            }
        }
        for (c, person) in
            [(Column::OwnerLeader, &case.owner_leader), (Column::ResponsiblePerson, &case.responsible_person)]
        {
            let Some(person) = person.as_deref().map(str::trim).filter(|p| !p.is_empty()) else { continue };
            if directory.find(person).is_some() {
                continue;
            }
            // A responsible person is often someone outside the config (a village cadre): only a
            // near miss of a configured name is worth a word.
            let shown = mask_identifiers(person);
            match (c, nearest_name(person, names)) {
                (_, Some(near)) => warn(c, format!("“{shown}”不在人员名单中，是否为“{near}”？")),
                (Column::OwnerLeader, None) => {
                    warn(c, format!("“{shown}”不在人员名单中，提醒将发给分管领导或信访办。"))
                }
                _ => {}
            }
        }
        let key = lookalike_key(case.case_no.as_str());
        match known.get(&key) {
            Some(other) if other != case.case_no.as_str() => warn(
                Column::CaseNo,
                format!("信访件编号 {} 与已有的 {other} 只差 O/0、I/l/1 或全角半角，是否录错？", case.case_no),
            ),
            Some(_) => {}
            None => {
                known.insert(key, case.case_no.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CaseNo;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default()
    }

    fn case(no: &str) -> Case {
        Case::new(CaseNo::parse(no).expect("number"), day(3, 2))
    }

    #[test]
    fn impossible_dates_unknown_people_and_lookalike_numbers_are_each_named() {
        let directory = Directory::new([("li-hua", "李华", &[][..]), ("zhao-min", "赵敏", &[][..])]);
        let names = ["李华", "赵敏"];
        let mut early = case("XF2026-001");
        early.accepted_on = Some(day(3, 1));
        early.concluded_on = Some(day(2, 28));
        let mut future = case("XF2026-002");
        future.concluded_on = Some(day(12, 31));
        let mut typo = case("XF2026-003");
        typo.owner_leader = Some("李桦".into());
        typo.responsible_person = Some("村支书王五".into());
        let mut stranger = case("XF2026-004");
        stranger.owner_leader = Some("钱七".into());
        let ghost = case("XF2026-O6O");
        let wide = case("ＸＦ2026-O６1");
        let rows: Vec<(usize, Case)> =
            [early, future, typo, stranger, ghost, wide].into_iter().enumerate().map(|(i, c)| (i + 2, c)).collect();
        let found = warnings(
            rows.iter().map(|(r, c)| (*r, c)),
            Some(day(12, 6)),
            &directory,
            &names,
            &["XF2026-060".into(), "XF2026-061".into()],
        );
        let said: Vec<(usize, &str, &str)> =
            found.iter().map(|w| (w.row, w.column.as_str(), w.message.as_str())).collect();
        let has = |row: usize, column: &str, text: &str| {
            assert!(
                said.iter().any(|(r, c, m)| *r == row && c.starts_with(column) && m.contains(text)),
                "row {row} {column} {text}: {said:?}"
            )
        };
        has(2, "受理日期", "早于收到日期 2026-03-02");
        has(2, "办结日期", "早于受理日期 2026-03-01");
        has(3, "办结日期", "是将来的日期");
        has(4, "包案领导", "是否为“李华”");
        has(5, "包案领导", "不在人员名单中，提醒将发给");
        has(6, "信访件编号", "与已有的 XF2026-060");
        assert_eq!(said.iter().filter(|(r, ..)| *r == 4).count(), 1, "a village cadre is nobody's typo: {said:?}");
        assert_eq!(said.iter().filter(|(r, ..)| *r == 7).count(), 1, "a full-width number with an O: {said:?}");
    }
}
