//! `petition-watch screen` output: the public JSON of DESIGN §5.1, a readable table with the
//! Chinese flag names, and CSV for Excel (UTF-8 with BOM).

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use crate::rules::{CaseResult, DeadlineKind, Screening};

/// The public JSON object: `{"as_of": "YYYY-MM-DD", "cases": [...]}`, cases sorted by
/// `case_no`, each with `case_no`, sorted `flags`, `deadlines` (the running ones, keyed by
/// name, each `{"due", "act_by"}` plus `"calendar_unverified": true` where a fallback year
/// was used) and `evidence` (flag → why, in Chinese). Stable: other tools read it.
pub fn to_json(screening: &Screening<'_>) -> Value {
    let cases: Vec<Value> = screening.cases.iter().map(case_json).collect();
    json!({ "as_of": screening.as_of.to_string(), "cases": cases })
}

fn case_json(result: &CaseResult<'_>) -> Value {
    let mut deadlines = Map::new();
    for d in &result.deadlines {
        let mut entry = Map::new();
        entry.insert("due".into(), json!(d.due.to_string()));
        entry.insert("act_by".into(), json!(d.act_by.to_string()));
        if d.calendar_unverified {
            entry.insert("calendar_unverified".into(), json!(true));
        }
        deadlines.insert(d.kind.name().into(), Value::Object(entry));
    }
    let evidence: Map<String, Value> =
        result.findings.iter().map(|f| (f.flag.name().to_owned(), json!(f.evidence.to_string()))).collect();
    json!({
        "case_no": result.case_no,
        "flags": result.flag_names(),
        "deadlines": deadlines,
        "evidence": evidence,
    })
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
        writer.write_record([
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
        ])?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
