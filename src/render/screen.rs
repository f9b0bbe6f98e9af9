//! `petition-watch screen` output: the public JSON of DESIGN §5.1, a readable table with the
//! Chinese flag names, and CSV for Excel (UTF-8 with BOM).

use std::fmt::Write as _;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

use crate::rules::{CaseResult, DeadlineKind, Screening};

/// The public JSON object: `{"as_of": "YYYY-MM-DD", "cases": [...]}`, cases sorted by
/// `case_no`, each with `case_no`, sorted `flags`, `deadlines` (the running ones, keyed by
/// name, each `{"due", "act_by"}` plus `"calendar_unverified": true` where a fallback year
/// was used) and `evidence` (flag → why, in Chinese). Stable: other tools read it.
pub fn to_json(screening: &Screening<'_>) -> Value {
    serde_json::to_value(JsonScreening(screening, Parties::Shown)).unwrap_or(Value::Null)
}

/// [`to_json`] as a reader who may not learn who is accused sees it (a read-only API token,
/// DESIGN §3): the `conflict` flag stays, its evidence names nobody.
pub fn to_json_without_parties(screening: &Screening<'_>) -> Value {
    serde_json::to_value(JsonScreening(screening, Parties::Withheld)).unwrap_or(Value::Null)
}

/// Streams the public JSON object of [`to_json`] to `out` without building it in memory.
pub fn write_json(screening: &Screening<'_>, out: impl std::io::Write) -> serde_json::Result<()> {
    serde_json::to_writer(out, &JsonScreening(screening, Parties::Shown))
}

/// What the evidence of a recusal says of the people in it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parties {
    /// Who must recuse and why (包案领导李华系被反映人).
    Shown,
    /// Only that someone must.
    Withheld,
}

/// The evidence of a recusal for a reader who may not learn who is accused.
pub const RECUSAL_WITHHELD: &str = "承办人员中有须回避的人";

struct JsonScreening<'s, 'a>(&'s Screening<'a>, Parties);

impl Serialize for JsonScreening<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("as_of", &self.0.as_of.to_string())?;
        map.serialize_entry("cases", &JsonCases(&self.0.cases, self.1))?;
        map.end()
    }
}

struct JsonCases<'s, 'a>(&'s [CaseResult<'a>], Parties);

impl Serialize for JsonCases<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|r| JsonCase(r, self.1)))
    }
}

struct JsonCase<'s, 'a>(&'s CaseResult<'a>, Parties);

impl Serialize for JsonCase<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        // Keys in sorted order, as serde_json's own maps print them.
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("case_no", r.case_no)?;
        map.serialize_entry("deadlines", &JsonDeadlines(&r.deadlines))?;
        map.serialize_entry("evidence", &JsonEvidence(&r.findings, self.1))?;
        map.serialize_entry("flags", &r.flag_names())?;
        map.end()
    }
}

struct JsonDeadlines<'s>(&'s [crate::rules::Deadline]);

impl Serialize for JsonDeadlines<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sorted: Vec<&crate::rules::Deadline> = self.0.iter().collect();
        sorted.sort_by_key(|d| d.kind.name());
        let mut map = serializer.serialize_map(Some(sorted.len()))?;
        for d in sorted {
            map.serialize_entry(d.kind.name(), &JsonDeadline(d))?;
        }
        map.end()
    }
}

struct JsonDeadline<'s>(&'s crate::rules::Deadline);

impl Serialize for JsonDeadline<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("act_by", &d.act_by.to_string())?;
        if d.calendar_unverified {
            map.serialize_entry("calendar_unverified", &true)?;
        }
        map.serialize_entry("due", &d.due.to_string())?;
        map.end()
    }
}

struct JsonEvidence<'s, 'a>(&'s [crate::rules::Finding<'a>], Parties);

impl Serialize for JsonEvidence<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sorted: Vec<&crate::rules::Finding<'_>> = self.0.iter().collect();
        sorted.sort_by_key(|f| f.flag.name());
        let mut map = serializer.serialize_map(Some(sorted.len()))?;
        for f in sorted {
            if self.1 == Parties::Withheld && matches!(f.evidence, crate::rules::Evidence::Recusal { .. }) {
                map.serialize_entry(f.flag.name(), RECUSAL_WITHHELD)?;
            } else {
                map.serialize_entry(f.flag.name(), &DisplayString(&f.evidence))?;
            }
        }
        map.end()
    }
}

struct DisplayString<'s, T>(&'s T);

impl<T: std::fmt::Display> Serialize for DisplayString<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self.0)
    }
}

fn deadline_cell(result: &CaseResult<'_>, kind: DeadlineKind) -> String {
    result
        .deadlines
        .iter()
        .find(|d| d.kind == kind)
        .map(|d| {
            let mark = if d.calendar_unverified { "（日历未核实）" } else { "" };
            if d.due == d.act_by {
                format!("{}{mark}", d.due)
            } else {
                format!("{}（{}前办理）{mark}", d.due, d.act_by)
            }
        })
        .unwrap_or_default()
}

fn flag_list(result: &CaseResult<'_>) -> String {
    result.findings.iter().map(|f| format!("{}({})", f.flag.zh(), f.flag.name())).collect::<Vec<_>>().join(" ")
}

/// A readable listing: one block per case, then the category-level findings.
pub fn to_table(screening: &Screening<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "排查日期 {}：{} 件需关注", screening.as_of, screening.cases.len());
    for result in &screening.cases {
        let c = result;
        let _ = writeln!(out);
        let owner = c.owner_leader.unwrap_or("（未落实包案领导）");
        let place = [c.village, c.category].into_iter().flatten().collect::<Vec<_>>().join(" · ");
        let _ = writeln!(out, "{}  收到 {}  {}  包案领导 {}", c.case_no, c.received_on, place, owner);
        let _ = writeln!(out, "  标记：{}", flag_list(result));
        for d in &result.deadlines {
            let _ = writeln!(out, "  {}：{}", d.kind.zh(), deadline_cell(result, d.kind));
        }
        for f in result.findings.iter().filter(|f| f.flag.name() != "signed") {
            let _ = writeln!(out, "  · {}：{}", f.flag.zh(), f.evidence);
        }
    }
    if !screening.early_signs.is_empty() {
        let _ = writeln!(out, "\n苗头性问题（同村同类近期多发）：");
        for g in &screening.early_signs {
            let nos: Vec<&str> = g.case_nos.iter().map(String::as_str).collect();
            let _ = writeln!(out, "  {} · {}：{} 件（{}）", g.village, g.category, nos.len(), nos.join("、"));
        }
    }
    let rising: Vec<_> =
        screening.trends.iter().filter(|t| f64::from(t.this_period) > t.previous_mean() && t.this_period > 0).collect();
    if !rising.is_empty() {
        let _ = writeln!(out, "\n本期（自 {} 起）高于前三期均值的问题类别：", rising[0].period_start);
        for t in rising {
            let _ = writeln!(
                out,
                "  {}：本期 {} 件，前三期 {:?}（均值 {:.1}）",
                t.category,
                t.this_period,
                t.previous,
                t.previous_mean()
            );
        }
    }
    out
}

/// CSV for Excel: UTF-8 with BOM, Chinese headers, one row per listed case.
pub fn to_csv(screening: &Screening<'_>) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record([
        "信访件编号",
        "收到日期",
        "村(社区)",
        "问题类别",
        "标记",
        "flags",
        "受理期限",
        "办理期限",
        "复查期限",
        "复核期限",
        "包案期限",
        "包案领导",
        "责任单位",
        "说明",
    ])?;
    for result in &screening.cases {
        let c = result;
        let zh: Vec<&str> = result.findings.iter().map(|f| f.flag.zh()).collect();
        let why: Vec<String> = result
            .findings
            .iter()
            .filter(|f| f.flag.name() != "signed")
            .map(|f| format!("{}：{}", f.flag.zh(), f.evidence))
            .collect();
        let record = [
            c.case_no,
            &c.received_on.to_string(),
            c.village.unwrap_or(""),
            c.category.unwrap_or(""),
            &zh.join("、"),
            &result.flag_names().join(" "),
            &deadline_cell(result, DeadlineKind::Acceptance),
            &deadline_cell(result, DeadlineKind::Handling),
            &deadline_cell(result, DeadlineKind::Review),
            &deadline_cell(result, DeadlineKind::Recheck),
            &deadline_cell(result, DeadlineKind::Owner),
            c.owner_leader.unwrap_or(""),
            c.responsible_unit.unwrap_or(""),
            &why.join("；"),
        ];
        writer.write_record(record.iter().map(|cell| crate::domain::spreadsheet_text(cell)).map(|c| c.into_owned()))?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
