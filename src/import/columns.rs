//! Register columns: their English and Chinese header names, and finding the header row.

use std::collections::BTreeMap;

use unicode_normalization::UnicodeNormalization;

/// A column petition-watch understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
pub enum Column {
    CaseNo,
    ReceivedOn,
    Channel,
    Source,
    Petitioner,
    PetitionerId,
    Phone,
    Village,
    Anonymous,
    Confidential,
    PetitionerCount,
    Signatories,
    Category,
    Matter,
    Summary,
    Accused,
    CompetentLevel,
    VisitedLevel,
    AcceptedOn,
    ExtensionDays,
    OwnerLeader,
    OwnerDeadline,
    ResponsiblePerson,
    ResponsibleUnit,
    ConcludedOn,
    ReviewAcceptedOn,
    ReviewOpinionOn,
    RecheckRequestedOn,
    RecheckOpinionOn,
    Hearings,
    Conflicts,
    Disposition,
    DisposedOn,
    ReplyOn,
    ReplyHow,
}

/// Each column: its English name, its Chinese name, and other headers offices use for it.
const NAMES: &[(Column, &str, &str, &[&str])] = &[
    (Column::CaseNo, "case_no", "信访件编号", &["信访编号", "编号", "案件编号"]),
    (Column::ReceivedOn, "received_on", "收到日期", &["登记日期", "来信来访日期", "信访日期"]),
    (Column::Channel, "channel", "信访形式", &["形式"]),
    (Column::Source, "source", "信访来源", &["来源"]),
    (Column::Petitioner, "petitioner", "信访人", &["信访人姓名", "姓名"]),
    (Column::PetitionerId, "petitioner_id", "证件号码", &["身份证号", "身份证号码"]),
    (Column::Phone, "phone", "联系电话", &["电话", "联系方式"]),
    (Column::Village, "village", "村(社区)", &["村", "社区", "村居"]),
    (Column::Anonymous, "anonymous", "匿名", &["是否匿名"]),
    (Column::Confidential, "confidential", "要求保密", &["是否保密", "保密"]),
    (Column::PetitionerCount, "petitioner_count", "人数", &["来访人数"]),
    (Column::Signatories, "signatories", "联名人数", &[]),
    (Column::Category, "category", "问题类别", &["类别", "问题类型"]),
    (Column::Matter, "matter", "事项", &["信访事项"]),
    (Column::Summary, "summary", "主要诉求", &["诉求", "内容摘要"]),
    (Column::Accused, "accused", "被反映人", &["被反映对象"]),
    (Column::CompetentLevel, "competent_level", "有权处理层级", &[]),
    (Column::VisitedLevel, "visited_level", "走访层级", &[]),
    (Column::AcceptedOn, "accepted_on", "受理日期", &[]),
    (Column::ExtensionDays, "extension_days", "延期天数", &[]),
    (Column::OwnerLeader, "owner_leader", "包案领导", &[]),
    (Column::OwnerDeadline, "owner_deadline", "包案期限", &[]),
    (Column::ResponsiblePerson, "responsible_person", "责任人", &[]),
    (Column::ResponsibleUnit, "responsible_unit", "责任单位", &[]),
    (Column::ConcludedOn, "concluded_on", "办结日期", &[]),
    (Column::ReviewAcceptedOn, "review_accepted_on", "复查受理日期", &[]),
    (Column::ReviewOpinionOn, "review_opinion_on", "复查意见日期", &[]),
    (Column::RecheckRequestedOn, "recheck_requested_on", "复核申请日期", &[]),
    (Column::RecheckOpinionOn, "recheck_opinion_on", "复核意见日期", &[]),
    (Column::Hearings, "hearings", "听证", &["听证日期"]),
    (Column::Conflicts, "conflicts", "回避人员", &[]),
    (Column::Disposition, "disposition", "处理方式", &["告知转送"]),
    (Column::DisposedOn, "disposed_on", "告知转送日期", &["告知日期", "转送日期"]),
    (Column::ReplyOn, "reply_on", "答复日期", &["答复时间"]),
    (Column::ReplyHow, "reply_how", "答复方式", &[]),
];

impl Column {
    /// Every column, in register order.
    pub fn all() -> impl Iterator<Item = Self> {
        NAMES.iter().map(|(column, ..)| *column)
    }

    /// The English column name.
    pub fn name(self) -> &'static str {
        NAMES.iter().find(|(c, ..)| *c == self).map_or("", |(_, en, ..)| en)
    }

    /// The Chinese column name.
    pub fn zh(self) -> &'static str {
        NAMES.iter().find(|(c, ..)| *c == self).map_or("", |(_, _, zh, _)| zh)
    }

    /// Recognises a header cell (NFKC, case and white space ignored).
    pub fn from_header(header: &str) -> Option<Self> {
        let key = header_key(header);
        if key.is_empty() {
            return None;
        }
        NAMES.iter().find_map(|(column, en, zh, others)| {
            let hit = header_key(en) == key || header_key(zh) == key || others.iter().any(|o| header_key(o) == key);
            hit.then_some(*column)
        })
    }
}

fn header_key(header: &str) -> String {
    header.nfkc().filter(|c| !c.is_whitespace() && *c != '*').flat_map(char::to_lowercase).collect()
}

/// The header row: which column index holds which field, and the other columns' names.
#[derive(Debug, Clone)]
pub struct Header {
    /// 0-based index of the header row in the sheet.
    pub row_index: usize,
    /// Known columns by field.
    pub known: BTreeMap<Column, usize>,
    /// Every column's header text, by index (as written, trimmed).
    pub titles: Vec<String>,
}

/// Rows searched for the header: registers often carry a title row or two above it.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// Finds the header row among the first rows: the first that names both `case_no` and
/// `received_on`. Errors say which required columns are missing, or which two headers clash.
pub fn find_header(rows: &[Vec<String>]) -> Result<Header, String> {
    let mut best: Option<(usize, Vec<String>)> = None;
    for (index, row) in rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let columns: Vec<Option<Column>> = row.iter().map(|h| Column::from_header(h)).collect();
        let has = |c: Column| columns.contains(&Some(c));
        if has(Column::CaseNo) && has(Column::ReceivedOn) {
            let mut known = BTreeMap::new();
            for (i, column) in columns.iter().enumerate() {
                if let Some(column) = column
                    && let Some(first) = known.insert(*column, i)
                {
                    return Err(format!(
                        "row {}: columns {:?} and {:?} both mean {}; keep one",
                        index + 1,
                        row[first].trim(),
                        row[i].trim(),
                        column.name()
                    ));
                }
            }
            let titles = row.iter().map(|t| t.trim().to_owned()).collect();
            return Ok(Header { row_index: index, known, titles });
        }
        let found = columns.iter().flatten().count();
        if found > 0 && best.as_ref().is_none_or(|(n, _)| found > *n) {
            let missing = [Column::CaseNo, Column::ReceivedOn]
                .into_iter()
                .filter(|c| !has(*c))
                .map(|c| format!("{} ({})", c.name(), c.zh()))
                .collect();
            best = Some((found, missing));
        }
    }
    Err(match best {
        Some((_, missing)) => format!("the header row lacks the required column(s) {}", missing.join(", ")),
        None => format!(
            "no header row in the first {HEADER_SEARCH_ROWS} rows: expected columns such as \
             case_no (信访件编号) and received_on (收到日期)"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn chinese_english_and_full_width_headers_are_recognised() {
        assert_eq!(Column::from_header("信访件编号"), Some(Column::CaseNo));
        assert_eq!(Column::from_header(" Case_No "), Some(Column::CaseNo));
        assert_eq!(Column::from_header("村（社区）"), Some(Column::Village));
        assert_eq!(Column::from_header("登记日期"), Some(Column::ReceivedOn));
        assert_eq!(Column::from_header("备注"), None);
    }

    #[test]
    fn a_title_row_above_the_header_is_skipped() {
        let rows = vec![row(&["某镇信访登记台账", "", ""]), row(&["信访件编号", "收到日期", "备注"])];
        let header = find_header(&rows).expect("header found");
        assert_eq!(header.row_index, 1);
        assert_eq!(header.known.get(&Column::ReceivedOn), Some(&1));
    }

    #[test]
    fn missing_and_clashing_columns_are_named() {
        let err = find_header(&[row(&["信访件编号", "信访人"])]).expect_err("no date column");
        assert!(err.contains("received_on (收到日期)"), "{err}");
        let err = find_header(&[row(&["编号", "收到日期", "登记日期"])]).expect_err("clash");
        assert!(err.contains("both mean received_on"), "{err}");
    }
}
