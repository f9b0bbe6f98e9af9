//! Register import through the real binary: every bad input of the register survives,
//! with the row, column and reason reported, and the good rows imported.

use chrono::TimeZone;

use crate::helpers::{Output, Workspace};

const HEADER: &str =
    "信访件编号,收到日期,信访形式,信访人,证件号码,联系电话,村(社区),人数,联名人数,问题类别,延期天数,包案领导,备注";

fn csv(rows: &[&str]) -> String {
    let mut text = String::from(HEADER);
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text.push('\n');
    text
}

fn import(ws: &Workspace, file: &std::path::Path, extra: &[&str]) -> Output {
    let mut args = vec!["import", file.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    ws.run(&args)
}

fn stored(ws: &Workspace) -> serde_json::Value {
    let out = ws.run(&["cases", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    serde_json::from_str(&out.stdout).expect("json listing")
}

fn case_numbers(ws: &Workspace) -> Vec<String> {
    stored(ws)["cases"]
        .as_array()
        .expect("cases array")
        .iter()
        .map(|c| c["case_no"].as_str().expect("case_no").to_owned())
        .collect()
}

#[test]
fn a_clean_register_imports_with_exit_0_and_reimports_unchanged() {
    let ws = Workspace::new();
    let file = ws.write(
        "r.csv",
        csv(&["A1,2026-01-05,来访,张三,,,东湖村,,,征地拆迁,,李华,", "A2,2026/1/6,来信,李四,,,西山村,,,劳动社保,,,"]),
    );
    let out = import(&ws, &file, &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("imported 2 (new 2, updated 0, unchanged 0), rejected 0"), "{}", out.stdout);
    let again = import(&ws, &file, &[]);
    assert!(again.stdout.contains("imported 2 (new 0, updated 0, unchanged 2)"), "{}", again.stdout);
    assert_eq!(case_numbers(&ws), ["A1", "A2"]);
}

#[test]
fn bad_rows_are_rejected_by_row_and_column_and_the_rest_imported_with_exit_3() {
    let ws = Workspace::new();
    let file = ws.write(
        "r.csv",
        csv(&[
            "B1,2026-02-30,来访,张三,,,,,,,,,",   // row 2: no such day
            "B2,2026-03-01,传真,李四,,,,,,,,,",   // row 3: unknown channel
            "B3,2026-03-02,来访,王五,,,,-3,,,,,", // row 4: negative count
            "B4,2026-03-03,来访,赵六,,,,,,,31,,", // row 5: extension over 30
            "B5,2026-03-04,来访,钱七,,,,,,,,,",   // row 6: good
            ",2026-03-05,来访,孙八,,,,,,,,,",     // row 7: no case number
        ]),
    );
    let out = import(&ws, &file, &[]);
    assert_eq!(out.code, 3, "{out:?}");
    let err = &out.stderr;
    assert!(err.contains("r.csv:2: 收到日期 (received_on): \"2026-02-30\" is not a day of the calendar"), "{err}");
    assert!(err.contains("r.csv:3: 信访形式 (channel): \"传真\" is not a petition channel"), "{err}");
    assert!(err.contains("letter 来信, visit 来访, phone 来电, online 网上信访"), "{err}");
    assert!(err.contains("r.csv:4: 人数 (petitioner_count): \"-3\" must be 1 or more"), "{err}");
    assert!(
        err.contains("r.csv:5: 延期天数 (extension_days): \"31\" exceeds the maximum extension of 30 days"),
        "{err}"
    );
    assert!(err.contains("r.csv:7: 信访件编号 (case_no): is required"), "{err}");
    assert!(out.stdout.contains("imported 1 (new 1, updated 0, unchanged 0), rejected 5"), "{}", out.stdout);
    assert_eq!(case_numbers(&ws), ["B5"]);
}

#[test]
fn a_case_number_repeated_in_one_file_keeps_the_first_row_that_imports() {
    let ws = Workspace::new();
    let file = ws.write(
        "r.csv",
        csv(&[
            "C1,2026-13-01,来访,坏行,,,,,,,,,", // row 2: bad, so it does not count as the first
            "C1,2026-03-01,来访,第一,,,,,,,,,", // row 3: imports
            "C1,2026-03-02,来访,第二,,,,,,,,,", // row 4: rejected, names row 3
        ]),
    );
    let out = import(&ws, &file, &[]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr.contains("r.csv:4: 信访件编号 (case_no): \"C1\" was already imported from row 3 of this file"),
        "{}",
        out.stderr
    );
    let cases = stored(&ws);
    assert_eq!(cases["cases"][0]["received_on"], "2026-03-01");
}

#[test]
fn rows_count_the_header_and_any_title_row_above_it() {
    let ws = Workspace::new();
    let file = ws.write(
        "r.csv",
        format!(
            "示例镇信访登记台账（2026年）,,\n{}",
            csv(&["D1,2026-03-01,来访,,,,,,,,,,", "D2,2026-03-32,来访,,,,,,,,,,"])
        ),
    );
    let out = import(&ws, &file, &[]);
    assert!(out.stderr.contains("r.csv:4: 收到日期"), "{}", out.stderr);
}

#[test]
fn a_byte_order_mark_and_gbk_encoding_are_both_read() {
    let ws = Workspace::new();
    let bom = ws.write("bom.csv", format!("\u{feff}{}", csv(&["E1,2026-03-01,来访,张三,,,东湖村,,,,,,"])));
    let gbk_text = csv(&["E2,2026年3月2日,来信,李四,,,西山村,,,,,,"]);
    let (gbk_bytes, _, unmappable) = encoding_rs::GBK.encode(&gbk_text);
    assert!(!unmappable);
    let gbk = ws.write("gbk.csv", gbk_bytes);
    let out = ws.run(&["import", bom.to_str().expect("path"), gbk.to_str().expect("path")]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("gbk.csv: read as GBK/GB18030 text"), "{}", out.stderr);
    let cases = stored(&ws);
    assert_eq!(cases["cases"][0]["village"], "东湖村");
    assert_eq!(cases["cases"][1]["village"], "西山村");
}

#[test]
fn missing_required_columns_and_empty_files_fail_with_exit_1() {
    let ws = Workspace::new();
    let no_date = ws.write("nodate.csv", "信访件编号,信访人\nF1,张三\n");
    let out = import(&ws, &no_date, &[]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("lacks the required column(s) received_on (收到日期)"), "{}", out.stderr);
    let empty = ws.write("empty.csv", "");
    let out = import(&ws, &empty, &[]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("empty.csv: is empty"), "{}", out.stderr);
    let missing = ws.path("nowhere.csv");
    let out = import(&ws, &missing, &[]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("nowhere.csv: cannot be read"), "{}", out.stderr);
}

#[test]
fn a_ten_megabyte_cell_rejects_its_row_without_harm() {
    let ws = Workspace::new();
    let huge = "诉".repeat(10 * 1024 * 1024 / 3);
    let file = ws.write(
        "big.csv",
        csv(&[&format!("G1,2026-03-01,来访,张三,,,,,,,,,{huge}"), "G2,2026-03-02,来访,李四,,,,,,,,,"]),
    );
    let out = import(&ws, &file, &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("big.csv:2: 备注: "), "{}", &out.stderr[..out.stderr.len().min(400)]);
    assert!(out.stderr.contains("longer than the 65536-byte limit"));
    assert!(out.stderr.len() < 2_000, "the value is shortened in the message");
    assert_eq!(case_numbers(&ws), ["G2"]);
}

#[test]
fn a_dry_run_checks_everything_and_writes_nothing() {
    let ws = Workspace::new();
    let file = ws.write("r.csv", csv(&["H1,2026-03-01,来访,,,,,,,,,,", "H2,bad,来访,,,,,,,,,,"]));
    let out = import(&ws, &file, &["--dry-run"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stdout.contains("dry run — 2 rows read, 1 would be imported, 1 rejected"), "{}", out.stdout);
    assert!(case_numbers(&ws).is_empty());
}

#[test]
fn unknown_leaders_are_kept_as_text_with_one_warning() {
    let ws = Workspace::new();
    let file = ws.write(
        "r.csv",
        csv(&[
            "I1,2026-03-01,来访,,,,,,,,,王小明,",
            "I2,2026-03-01,来访,,,,,,,,,王小明,",
            "I3,2026-03-01,来访,,,,,,,,,li-hua,",
        ]),
    );
    let out = import(&ws, &file, &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stderr.matches("not defined in [[people]]").count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("kept as text: 王小明"), "{}", out.stderr);
    assert_eq!(stored(&ws)["cases"][0]["owner_leader"], "王小明");
}

#[test]
fn every_rejection_can_be_written_to_a_csv_for_excel() {
    let ws = Workspace::new();
    let file = ws.write("r.csv", csv(&["J1,2026-03-01,来访,,,,,,,,,,", "J2,2026-02-29,来访,,,,,,,,,,"]));
    let report = ws.path("errors.csv");
    let out = import(&ws, &file, &["--errors", report.to_str().expect("path")]);
    assert_eq!(out.code, 3);
    let text = std::fs::read_to_string(&report).expect("errors written");
    assert!(text.starts_with('\u{feff}'), "BOM for Excel");
    assert!(text.contains(",3,收到日期 (received_on),2026-02-29,"), "{text}");
}

#[test]
fn an_id_number_that_excel_turned_into_a_number_is_refused() {
    use rust_xlsxwriter::Workbook;
    let ws = Workspace::new();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (col, title) in ["信访件编号", "收到日期", "证件号码"].iter().enumerate() {
        sheet.write_string(0, col as u16, *title).expect("write");
    }
    sheet.write_string(1, 0, "X1").expect("write");
    sheet.write_string(1, 1, "2026-03-01").expect("write");
    sheet.write_number(1, 2, 320112196503120000.0).expect("write");
    let path = ws.path("ids.xlsx");
    book.save(&path).expect("save");
    let out = import(&ws, &path, &[]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("ids.xlsx:2: 证件号码 (petitioner_id)"), "{}", out.stderr);
    assert!(out.stderr.contains("Excel has cut its last digits"), "{}", out.stderr);
}

#[test]
fn a_workbook_with_several_sheets_uses_the_first_with_the_register_header() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let ws = Workspace::new();
    let mut book = Workbook::new();
    book.add_worksheet().set_name("填表说明").expect("name").write_string(0, 0, "本表按月报送").expect("write");
    let sheet = book.add_worksheet();
    sheet.set_name("台账").expect("name");
    sheet.write_string(0, 0, "示例镇信访登记台账").expect("write");
    for (col, title) in ["信访件编号", "收到日期", "受理日期", "人数", "走访层级"].iter().enumerate()
    {
        sheet.write_string(1, col as u16, *title).expect("write");
    }
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_number(2, 0, 2026001.0).expect("write");
    let received = ExcelDateTime::from_ymd(2026, 3, 9).expect("date");
    sheet.write_datetime_with_format(2, 1, &received, &date_format).expect("write");
    sheet.write_string(2, 2, "2026年3月10日").expect("write");
    sheet.write_number(2, 3, 23.0).expect("write");
    sheet.write_string(2, 4, "省").expect("write");
    book.add_worksheet().set_name("台账(旧)").expect("name");
    let path = ws.path("book.xlsx");
    book.save(&path).expect("save");
    let out = import(&ws, &path, &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("read sheet \"台账\" of 3; sheets without the register header: \"填表说明\""),
        "{}",
        out.stderr
    );
    let cases = stored(&ws);
    assert_eq!(cases["cases"][0]["case_no"], "2026001");
    assert_eq!(cases["cases"][0]["received_on"], "2026-03-09");
    assert_eq!(cases["cases"][0]["accepted_on"], "2026-03-10");
}

/// A line break in a cell cannot forge a log line: under `--log-format json` every line the
/// import writes to stderr is one JSON object, and in text the break is shown as `\n`.
#[test]
fn a_line_break_in_a_cell_forges_no_log_line() {
    let ws = crate::helpers::Workspace::new();
    let forged = "2026-13-01\n{\"level\":\"ERROR\",\"fields\":{\"message\":\"forged\"}}";
    let file = ws
        .write("forged.csv", format!("信访件编号,收到日期\nX-1,\"{}\"\nX-2,2026-11-02\n", forged.replace('"', "\"\"")));
    let path = file.to_str().expect("path");
    let out = ws.run(&["--log-format", "json", "import", path]);
    assert_eq!(out.code, 3, "{out:?}");
    let lines: Vec<&str> = out.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert_ne!(value["fields"]["message"], "forged", "a forged line: {line}");
    }
    assert!(out.stderr.contains("收到日期"), "the rejection is logged: {}", out.stderr);
    let out = ws.run(&["import", path]);
    assert!(out.stderr.lines().all(|l| !l.starts_with('{')), "{}", out.stderr);
    assert!(out.stderr.contains("\\n{"), "the break shown escaped: {}", out.stderr);
}

/// A workbook whose few cells lie far apart (one at row 200,000, one at column 16,000) imports
/// its rows without building the whole rectangle: cells beyond column 256 are left out.
#[test]
fn a_sparse_workbook_imports_its_rows() {
    let ws = crate::helpers::Workspace::new();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, title) in ["信访件编号", "收到日期", "信访人"].iter().enumerate() {
        sheet.write_string(0, col as u16, *title).expect("header");
    }
    sheet.write_string(1, 0, "SP-1").expect("cell");
    sheet.write_string(1, 1, "2026-11-02").expect("cell");
    sheet.write_string(1, 2, "张三").expect("cell");
    sheet.write_string(1, 16_000, "far right").expect("cell");
    sheet.write_string(200_000, 0, "SP-2").expect("cell");
    sheet.write_string(200_000, 1, "2026-11-03").expect("cell");
    let path = ws.path("sparse.xlsx");
    book.save(&path).expect("save");
    let out = ws.run(&["import", path.to_str().expect("path")]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("imported 2"), "{}", out.stdout);
}

#[test]
fn a_matter_told_where_to_go_or_transferred_leaves_the_acceptance_clock() {
    let ws = Workspace::new();
    let file = ws.write(
        "r.csv",
        "信访件编号,收到日期,信访人,有权处理层级,处理方式,告知转送日期\n\
         D1,2026-03-10,张三,县,告知,2026-03-12\n\
         D2,2026-03-10,李四,县,转交,2026/3/13\n\
         D3,2026-03-10,王五,县,,\n\
         D4,2026-03-10,赵六,县,告知,\n\
         D5,2026-03-10,钱七,县,,2026-03-12\n\
         D6,2026-03-10,孙八,县,上报,2026-03-12\n",
    );
    let out = import(&ws, &file, &[]);
    assert_eq!(out.code, 3, "{out:?}");
    let err = &out.stderr;
    assert!(err.contains("r.csv:5: 告知转送日期 (disposed_on): is required when 处理方式"), "{err}");
    assert!(err.contains("r.csv:6: 处理方式 (disposition): is required when 告知转送日期"), "{err}");
    assert!(err.contains("r.csv:7: 处理方式 (disposition): \"上报\" is not a disposition"), "{err}");
    assert!(err.contains("informed 告知, transferred 转送"), "{err}");
    let listed = stored(&ws);
    let cases = listed["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 3);
    assert_eq!(cases[0]["disposition"], "informed");
    assert_eq!(cases[1]["disposition"], "transferred");
    assert_eq!(cases[1]["disposed_on"], "2026-03-13");
    // On 03-30 the matter handled here is overdue for acceptance; the two disposed of are not.
    let out = ws.run(&["screen", "--as-of", "2026-03-30", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    for case in json["cases"].as_array().expect("cases") {
        let flags: Vec<&str> = case["flags"].as_array().expect("flags").iter().filter_map(|f| f.as_str()).collect();
        let overdue = flags.contains(&"acceptance_overdue");
        assert_eq!(overdue, case["case_no"] == "D3", "{case}");
        if case["case_no"] != "D3" {
            assert_eq!(case["deadlines"], serde_json::json!({}), "{case}");
            assert!(!flags.contains(&"initial"), "{case}");
        }
    }
}

/// 答复日期 / 答复方式 (DESIGN §5.3): the answer to the petitioner a register row records becomes a
/// reply event of the case, once however often the register is imported; a 答复方式 that is not
/// 书面, 当面 or 电话, or one without its date, or a date before the case was received, is refused
/// with its row and column.
#[tokio::test(flavor = "multi_thread")]
async fn the_answers_a_register_records_become_reply_events_once() {
    let ws = Workspace::new();
    let file = ws.write(
        "r.csv",
        "信访件编号,收到日期,信访人,答复日期,答复方式\n\
         R1,2026-03-02,张三,2026-03-20,电话\n\
         R2,2026-03-03,李四,2026/3/25,\n\
         R3,2026-03-04,王五,,\n\
         R4,2026-03-05,赵六,2026-03-21,微信\n\
         R5,2026-03-06,钱七,,书面\n\
         R6,2026-03-07,孙八,2026-03-01,当面\n",
    );
    let out = import(&ws, &file, &[]);
    assert_eq!(out.code, 3, "{out:?}");
    let err = &out.stderr;
    assert!(err.contains("r.csv:5: 答复方式 (reply_how): \"微信\" is not one of 书面, 当面, 电话"), "{err}");
    assert!(err.contains("r.csv:6: 答复日期 (reply_on): is required when 答复方式 (reply_how) is set"), "{err}");
    assert!(err.contains("r.csv:7: 答复日期 (reply_on): \"2026-03-01\" is before 收到日期"), "{err}");
    assert!(out.stdout.contains("2 answers to petitioners (答复日期) recorded as reply events"), "{}", out.stdout);
    let again = import(&ws, &file, &[]);
    assert!(!again.stdout.contains("answers to petitioners"), "nothing recorded twice: {}", again.stdout);

    let loaded = ws.load();
    let store = crate::helpers::open(&loaded.config.database.url).await;
    let r1 = store.case_events("R1").await.expect("events");
    assert_eq!(r1.len(), 1, "{r1:?}");
    assert_eq!((r1[0].kind.name(), r1[0].by.as_str(), r1[0].how.as_deref()), ("reply", "register", Some("电话")));
    let noon = chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 3, 20, 12, 0, 0).single().expect("instant");
    assert_eq!(r1[0].at, noon.with_timezone(&chrono::Utc));
    let r2 = store.case_events("R2").await.expect("events");
    assert_eq!((r2.len(), r2[0].how.as_deref()), (1, None), "a date without its way: {r2:?}");
    assert!(store.case_events("R3").await.expect("events").is_empty());
    // The answer stays with the case, as the register wrote it.
    let number = petition_watch::domain::CaseNo::parse("R1").expect("number");
    let case = store.get_case(&number).await.expect("read").expect("R1");
    assert_eq!(case.extra.get("答复日期").map(String::as_str), Some("2026-03-20"));
    assert_eq!(case.extra.get("答复方式").map(String::as_str), Some("电话"));
    store.close().await;
}

/// The checks a clerk needs (DESIGN §5.3): rows that import but look wrong are named with their
/// row and column, in Chinese — impossible dates, a date in the future, an owner the config
/// does not know (with the nearest name), a number that differs from a stored one only by O/0.
#[test]
fn rows_that_import_but_look_wrong_are_named_in_chinese() {
    let ws = Workspace::new();
    let first = ws.write("first.csv", "信访件编号,收到日期\nXF2026-060,2026-03-02\n");
    assert_eq!(import(&ws, &first, &[]).code, 0);
    let file = ws.write(
        "r.csv",
        "信访件编号,收到日期,受理日期,办结日期,包案领导\n\
         W1,2026-03-02,2026-03-01,,李华\n\
         W2,2026-03-02,,2999-01-01,\n\
         W3,2026-03-02,,,李桦\n\
         XF2026-O60,2026-03-02,,,\n",
    );
    let out = import(&ws, &file, &[]);
    assert_eq!(out.code, 0, "warnings do not stop a row: {out:?}");
    let err = &out.stderr;
    assert!(
        err.contains("r.csv:2: warning: 受理日期 (accepted_on): 受理日期 2026-03-01 早于收到日期 2026-03-02"),
        "{err}"
    );
    assert!(err.contains("r.csv:3: warning: 办结日期 (concluded_on): 2999-01-01 是将来的日期"), "{err}");
    assert!(err.contains("r.csv:4: warning: 包案领导 (owner_leader): “李桦”不在人员名单中，是否为“李华”？"), "{err}");
    assert!(err.contains("r.csv:5: warning: 信访件编号 (case_no): 信访件编号 XF2026-O60 与已有的 XF2026-060"), "{err}");
    assert!(out.stdout.contains("imported 4 (new 4"), "{}", out.stdout);
}

/// The clerk reads the importer in Chinese (`--lang zh`, or `township.language = "zh"`): each
/// rejected row and warning, the summary, and the rejected-rows file.
#[test]
fn the_importer_speaks_chinese_when_asked() {
    let ws = Workspace::new();
    let file = ws.write(
        "r.csv",
        csv(&[
            "C1,2026-02-30,来访,张三,,,,,,,,,",     // no such day
            "C2,2026-03-01,传真,李四,,,,,,,,,",     // unknown channel
            "C3,2026-03-02,来访,王五,,,,,,,31,,",   // extension over 30
            "C4,2026-03-03,来访,赵六,,,,,,,,李桦,", // imports, with a warning
        ]),
    );
    let errors = ws.path("errors.csv");
    let out = import(&ws, &file, &["--lang", "zh", "--errors", errors.to_str().expect("path")]);
    assert_eq!(out.code, 3, "{out:?}");
    let err = &out.stderr;
    assert!(err.contains("r.csv:2: 收到日期：“2026-02-30” 不是日历上有的日子"), "{err}");
    assert!(err.contains("r.csv:3: 信访形式：“传真” 不是有效的信访形式，可填："), "{err}");
    assert!(err.contains("r.csv:4: 延期天数：“31” 超过法定最长延期 30 日"), "{err}");
    assert!(err.contains("r.csv:5: 注意：包案领导：“李桦”不在人员名单中，是否为“李华”？"), "{err}");
    assert!(out.stdout.contains("读取 4 行 — 导入 1 件（新增 1，更新 0，未变 0），拒收 3 行"), "{}", out.stdout);
    let csv_text = std::fs::read_to_string(&errors).expect("errors file");
    assert!(csv_text.contains("错误原因") && csv_text.contains("不是日历上有的日子"), "{csv_text}");

    // An .xlsx name gets the rows themselves: the header, every cell, 错误原因 last.
    let rows_file = ws.path("rows.xlsx");
    let out = import(&ws, &file, &["--lang", "zh", "--errors", rows_file.to_str().expect("path")]);
    assert_eq!(out.code, 3, "{out:?}");
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&rows_file).expect("an xlsx");
    use calamine::Reader as _;
    let sheet = book.worksheet_range("未导入的行").expect("the sheet");
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!((rows.len(), rows[0].last().map(String::as_str)), (4, Some("错误原因")), "{rows:?}");
    assert_eq!(rows[2][..4], ["C2", "2026-03-01", "传真", "李四"], "{rows:?}");
    assert!(rows[2].last().is_some_and(|r| r.starts_with("原第 3 行 — 信访形式")), "{rows:?}");

    // The config's township.language does the same without the flag.
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    std::fs::write(ws.config_path(), text.replacen("language = \"en\"", "language = \"zh\"", 1)).expect("config");
    let again = import(&ws, &file, &[]);
    assert!(again.stderr.contains("不是日历上有的日子"), "{}", again.stderr);
}

/// Every message the importer makes has its Chinese (nothing left in English under `--lang zh`).
#[test]
fn no_message_of_the_importer_is_left_in_english() {
    let ws = Workspace::new();
    let file = ws.write(
        "r.csv",
        "信访件编号,收到日期,信访形式,信访来源,匿名,人数,延期天数,有权处理层级,处理方式,告知转送日期,听证,联系电话,答复日期,答复方式\n\
         ,2026-02-30,传真,小道,也许,-3,31,村,,,2026-03-04..2026-03-02,123,,微信\n\
         D2,3月,来访,,否,x,,,告知,,,,2026-03-01,\n\
         D3,2026-03-03,来访,,否,,,,,2026-03-05,,,2026-03-01,电话\n\
         D3,2026-03-03,来访,,否,,,,,,,,,\n\
         D5,2026-03-03,来访,,否,0,,,,,,,,\n",
    );
    let out = import(&ws, &file, &["--lang", "zh"]);
    assert_eq!(out.code, 3, "{out:?}");
    let english = [
        " is not",
        "is required",
        "must be",
        "exceeds",
        "contains the",
        "was already",
        " is a number",
        "ends before",
        "is before",
    ];
    for line in out.stderr.lines() {
        assert!(!english.iter().any(|e| line.contains(e)), "left in English: {line}\n{}", out.stderr);
    }
    assert!(out.stderr.lines().count() >= 10, "{}", out.stderr);
}
