//! `petition-watch screen` end to end: the public JSON format, CSV for Excel and the table.

use serde_json::json;

use crate::helpers::Workspace;

const REGISTER: &str = "信访件编号,收到日期,受理日期,人数,证件号码,事项,包案期限\n\
    B-2,2026-09-01,2026-09-02,6,,,\n\
    A-1,2025-12-18,2025-12-20,1,320112196503120011,补偿,2027-01-04\n\
    A-0,2025-06-01,2025-06-02,1,320112196503120011,补偿,\n";

fn imported(rows: &str) -> Workspace {
    let ws = Workspace::new();
    let file = ws.write("r.csv", rows);
    let out = ws.run(&["import", file.to_str().expect("path")]);
    assert_eq!(out.code, 0, "{out:?}");
    ws
}

#[test]
fn json_is_the_public_format_with_sorted_cases_flags_and_running_deadlines() {
    let ws = imported(REGISTER);
    let out = ws.run(&["screen", "--as-of", "2026-01-05", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.lines().count(), 1, "one object on stdout, logs elsewhere");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(v["as_of"], "2026-01-05");
    let cases = v["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 2, "B-2 was received after D");
    assert_eq!(cases[0]["case_no"], "A-0");
    assert_eq!(cases[0]["flags"], json!(["backlog", "initial", "no_owner", "overdue", "signed"]));
    assert_eq!(cases[0]["deadlines"], json!({"handling": {"due": "2025-08-01", "act_by": "2025-08-01"}}));
    assert_eq!(cases[1]["case_no"], "A-1");
    assert_eq!(cases[1]["flags"], json!(["no_owner", "repeat", "signed"]));
    assert_eq!(
        cases[1]["deadlines"],
        json!({
            "handling": {"due": "2026-02-18", "act_by": "2026-02-14"},
            "owner": {"due": "2027-01-04", "act_by": "2027-01-04", "calendar_unverified": true},
        })
    );
    assert!(cases[1]["evidence"]["repeat"].as_str().expect("why").contains("A-0"));
}

#[test]
fn re_running_an_old_date_reproduces_that_days_findings() {
    let ws = imported(REGISTER);
    let first = ws.run(&["screen", "--as-of", "2026年1月5日", "--format", "json"]);
    // Later the office records the conclusion of A-0; screening 2026-01-05 again sees the same.
    let later = ws.write("later.csv", "信访件编号,收到日期,受理日期,办结日期\nA-0,2025-06-01,2025-06-02,2026-03-01\n");
    assert_eq!(ws.run(&["import", later.to_str().expect("path")]).code, 0);
    let again = ws.run(&["screen", "--as-of", "2026-01-05", "--format", "json"]);
    let cases = |o: &crate::helpers::Output| {
        serde_json::from_str::<serde_json::Value>(&o.stdout).expect("JSON")["cases"][0].clone()
    };
    assert_eq!(cases(&first), cases(&again));
}

#[test]
fn csv_opens_in_excel_and_the_table_speaks_chinese() {
    let ws = imported(REGISTER);
    let out = ws.run(&["screen", "--as-of", "2026-01-05", "--format", "csv"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.starts_with('\u{feff}'), "BOM");
    assert!(
        out.stdout.contains("A-1,2025-12-18,,,重复信访、署名信访、未落实包案,no_owner repeat signed,"),
        "{}",
        out.stdout
    );
    let table = ws.run(&["screen", "--as-of", "2026-01-05"]);
    assert!(table.stdout.contains("重复信访(repeat)"), "{}", table.stdout);
    assert!(table.stdout.contains("办理期限：2026-02-18（2026-02-14前办理）"), "{}", table.stdout);
    assert!(table.stdout.contains("（日历未核实）"), "{}", table.stdout);
    let bad = ws.run(&["screen", "--as-of", "2026-02-30"]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("not a day of the calendar"), "{}", bad.stderr);
}

#[test]
fn the_sample_register_screens_as_an_office_worker_expects() {
    let ws = Workspace::new();
    let sample = crate::helpers::repo().join("config/examples/register.csv");
    assert_eq!(ws.run(&["import", sample.to_str().expect("path")]).code, 0);
    let out = ws.run(&["screen", "--as-of", "2026-11-27", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let flags_of = |no: &str| -> Vec<String> {
        v["cases"].as_array().expect("cases").iter().find(|c| c["case_no"] == no).map_or_else(Vec::new, |c| {
            c["flags"].as_array().expect("flags").iter().map(|f| f.as_str().expect("name").to_owned()).collect()
        })
    };
    // The three 环境保护 cases of 青石村 in November are an early sign.
    for no in ["XF2026-036", "XF2026-039", "XF2026-041"] {
        assert!(flags_of(no).contains(&"early_sign".to_owned()), "{no}: {:?}", flags_of(no));
    }
    // 孙丽 must recuse from the 村务 case naming her relative.
    assert!(flags_of("XF2026-017").contains(&"conflict".to_owned()));
    // The 12-person joint letter without an owner (县 is one level above 乡镇: not skip-level).
    let joint = flags_of("XF2026-040");
    for flag in ["collective", "joint", "no_owner", "organizer"] {
        assert!(joint.contains(&flag.to_owned()), "{flag} in {joint:?}");
    }
    assert!(!joint.contains(&"skip_level".to_owned()));
}

/// Register text never becomes a live formula in a CSV export (DESIGN §3): `screen --format
/// csv` and `import --errors` write cells beginning with `=` `+` `-` `@` as text.
#[test]
fn csv_exports_write_formula_like_register_text_as_text() {
    let ws = crate::helpers::Workspace::new();
    let file = ws.write(
        "formulas.csv",
        "信访件编号,收到日期,村(社区),问题类别,受理日期,责任单位,人数\n\
         F-1,2026-09-01,\"=HYPERLINK(\"\"http://example.invalid\"\",\"\"点此\"\")\",+cmd,2026-09-02,@SUM(A1),1\n\
         F-2,2026-09-01,-2+3,征地拆迁,=cmd|' /C calc'!A0,,1\n",
    );
    let errors = ws.path("rejected.csv");
    let out = ws.run(&["import", file.to_str().expect("path"), "--errors", errors.to_str().expect("path")]);
    assert_eq!(out.code, 3, "F-2's acceptance date is not a date: {out:?}");
    let out = ws.run(&["screen", "--as-of", "2026-11-20", "--format", "csv"]);
    assert_eq!(out.code, 0, "{out:?}");
    let rejected = std::fs::read_to_string(&errors).expect("rejected rows");
    for (what, text) in [("screen", out.stdout.as_str()), ("rejected rows", rejected.as_str())] {
        let mut reader =
            csv::ReaderBuilder::new().has_headers(false).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let mut cells = 0;
        for record in reader.records() {
            for cell in record.expect("CSV row").iter() {
                cells += 1;
                assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{what}: live formula {cell:?}");
            }
        }
        assert!(cells > 5, "{what} has cells");
    }
    assert!(out.stdout.contains("'=HYPERLINK"), "the village is kept, as text: {}", out.stdout);
    assert!(rejected.contains("'=cmd"), "the rejected value is kept, as text: {rejected}");
}
