//! Alerts in time (DESIGN §2.3, §5.1): replayed with `simulate --format json` over registers
//! written to match the rule book's paragraphs — who receives which case on which day.

use serde_json::Value;

use crate::helpers::Workspace;

const HEADER: &str = "信访件编号,收到日期,信访人,证件号码,问题类别,人数,受理日期,延期天数,包案领导,包案期限,信访来源,走访层级,有权处理层级";

fn workspace(rows: &[&str]) -> Workspace {
    let ws = Workspace::new();
    let mut text = String::from(HEADER);
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text.push('\n');
    let file = ws.write("register.csv", text);
    let out = ws.run(&["import", file.to_str().expect("path")]);
    assert_eq!(out.code, 0, "{out:?}");
    ws
}

fn simulate(ws: &Workspace, from: &str, to: &str) -> Value {
    let out = ws.run(&["simulate", "--from", from, "--to", to, "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    serde_json::from_str(&out.stdout).expect("simulate json")
}

/// (time, job, recipient, case numbers) of every notice with cases, in order.
fn told(sim: &Value) -> Vec<(String, String, String, Vec<String>)> {
    let mut out = Vec::new();
    for firing in sim["firings"].as_array().expect("firings") {
        for notice in firing["notices"].as_array().expect("notices") {
            let cases: Vec<String> = notice["cases"]
                .as_array()
                .expect("cases")
                .iter()
                .map(|c| c["case_no"].as_str().expect("case_no").to_owned())
                .collect();
            if cases.is_empty() || notice["channel"] != "outbox" {
                continue;
            }
            out.push((
                firing["at"].as_str().expect("at").to_owned(),
                firing["job"].as_str().expect("job").to_owned(),
                notice["recipient"].as_str().expect("recipient").to_owned(),
                cases,
            ));
        }
    }
    out
}

#[test]
fn the_monthly_list_names_every_flagged_case_whatever_the_watch_sent_that_morning() {
    // 赵敏 owns four flagged cases on 2026-04-01: three overdue (the 08:30 watch reminds her of
    // them), one a repeat petition on time. The 09:00 monthly screening lists all four.
    let ws = workspace(&[
        "M1,2026-01-05,张一,110105194912310011,劳动社保,1,2026-01-06,,赵敏,,,,",
        "M2,2026-01-06,张二,110105194912310022,劳动社保,1,2026-01-07,,赵敏,,,,",
        "M0,2025-06-01,张三,110105194912310033,民政救助,1,2025-06-02,,赵敏,,,,",
        "M3,2026-03-20,张三,110105194912310033,民政救助,1,2026-03-23,,赵敏,2026-06-30,,,",
    ]);
    let sim = simulate(&ws, "2026-04-01", "2026-04-01");
    let to_zhao: Vec<(String, Vec<String>)> = told(&sim)
        .into_iter()
        .filter(|(_, _, who, _)| who == "zhao-min")
        .map(|(_, job, _, cases)| (job, cases))
        .collect();
    let watch = to_zhao.iter().find(|(job, _)| job == "deadline_watch").expect("the watch reminded her");
    let mut watched = watch.1.clone();
    watched.sort();
    assert_eq!(watched, ["M0", "M1", "M2"]);
    let monthly = to_zhao.iter().find(|(job, _)| job == "monthly_screening").expect("the monthly list");
    let mut listed = monthly.1.clone();
    listed.sort();
    assert_eq!(listed, ["M0", "M1", "M2", "M3"], "{sim}");
}

#[test]
fn simulate_prints_each_notice_with_its_recipient_channel_and_the_flags_it_reports() {
    let ws = workspace(&["S1,2026-01-05,张一,110105194912310011,劳动社保,1,2026-01-06,,赵敏,,,,"]);
    let sim = simulate(&ws, "2026-03-09", "2026-03-09");
    assert_eq!(sim["from"], "2026-03-09");
    assert_eq!(sim["to"], "2026-03-09");
    let watch = sim["firings"]
        .as_array()
        .expect("firings")
        .iter()
        .find(|f| f["job"] == "deadline_watch")
        .expect("the watch fires on a working Monday");
    assert_eq!(watch["at"], "2026-03-09T08:30:00+08:00");
    let notice = watch["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .find(|n| n["recipient"] == "zhao-min" && n["channel"] == "outbox")
        .expect("to the owner");
    // The watch reports the deadline flags only, sorted by name.
    assert_eq!(notice["cases"], serde_json::json!([{"case_no": "S1", "flags": ["overdue"]}]));
}

#[test]
fn a_new_case_reaches_its_portfolio_leader_the_day_it_is_registered_and_urgent_ones_the_secretary_too() {
    // The rule book: 新收案件及时送交分管领导 (首问 3), 报主要领导批转 (接待日 5), 集体上访苗头镇领导
    // 亲自处理 (预测排查 4). A 30-person visit to the province, assigned from above, no owner.
    let ws = workspace(&[
        "I1,2026-03-10,张一,110105194912310011,征地拆迁,30,,,,,上级交办,省,乡镇",
        "I2,2026-03-10,张二,110105194912310022,劳动社保,1,,,,,,,",
        "I3,2026-03-14,张三,110105194912310033,民政救助,1,,,,,,,",
        "I0,2026-03-02,张四,110105194912310044,劳动社保,1,,,,,,,",
    ]);
    let sim = simulate(&ws, "2026-03-10", "2026-03-16");
    let intake: Vec<(String, String, Vec<String>)> = told(&sim)
        .into_iter()
        .filter(|(_, job, ..)| job == "intake_watch")
        .map(|(at, _, who, cases)| (at, who, cases))
        .collect();
    let at_nine = "2026-03-10T09:00:00+08:00".to_owned();
    let one = |who: &str, case: &str| (at_nine.clone(), who.to_owned(), vec![case.to_owned()]);
    let mut first: Vec<(String, String, Vec<String>)> =
        intake.iter().filter(|(at, ..)| *at == at_nine).cloned().collect();
    first.sort();
    let mut want = vec![one("li-hua", "I1"), one("wang-jianguo", "I1"), one("zhou-xf", "I1"), one("zhao-min", "I2")];
    want.sort();
    assert_eq!(first, want, "{intake:?}");
    // Reported once: nothing at 14:00 or later about I1 or I2; I0 came before the span.
    assert!(intake.iter().all(|(at, _, cases)| *at == at_nine || !cases.iter().any(|c| c == "I1" || c == "I2")));
    assert!(intake.iter().all(|(_, _, cases)| !cases.iter().any(|c| c == "I0")), "{intake:?}");
    // Received on a Saturday: reported at the first firing of the next working day.
    let saturday: Vec<&(String, String, Vec<String>)> =
        intake.iter().filter(|(_, _, cases)| cases.iter().any(|c| c == "I3")).collect();
    assert_eq!(saturday.len(), 1, "{intake:?}");
    assert_eq!(saturday[0].0, "2026-03-16T09:00:00+08:00");
    assert_eq!(saturday[0].1, "zhao-min");
    // The notice reports the case's flags.
    let firing = sim["firings"]
        .as_array()
        .expect("firings")
        .iter()
        .find(|f| f["at"] == at_nine.as_str() && f["job"] == "intake_watch")
        .expect("intake firing");
    let to_secretary = firing["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .find(|n| n["recipient"] == "wang-jianguo")
        .expect("secretary");
    let flags = to_secretary["cases"][0]["flags"].as_array().expect("flags");
    for flag in ["collective", "skip_level"] {
        assert!(flags.iter().any(|f| f == flag), "{flags:?}");
    }
}

#[test]
fn a_deadline_moved_by_a_hearing_is_reminded_at_once_with_old_date_new_date_and_why() {
    // Review accepted 2026-03-02: 15 days, due 03-17. The watch warns on 03-10 (5 working days
    // left). A hearing on 03-12 is not counted: due 03-18. The owner hears of the move that day,
    // before the three working days between reminders are up.
    let ws = Workspace::new();
    let file = ws.write(
        "register.csv",
        "信访件编号,收到日期,信访人,证件号码,问题类别,受理日期,办结日期,包案领导,复查受理日期,听证\n\
         R1,2025-12-01,张一,110105194912310011,劳动社保,2025-12-02,2026-01-20,赵敏,2026-03-02,2026-03-12\n",
    );
    assert_eq!(ws.run(&["import", file.to_str().expect("path")]).code, 0);
    let sim = simulate(&ws, "2026-03-09", "2026-03-13");
    let mut seen = Vec::new();
    for firing in sim["firings"].as_array().expect("firings").iter().filter(|f| f["job"] == "deadline_watch") {
        for notice in firing["notices"].as_array().expect("notices") {
            if notice["recipient"] != "zhao-min" || notice["channel"] != "outbox" {
                continue;
            }
            for case in notice["cases"].as_array().expect("cases") {
                seen.push((firing["at"].as_str().expect("at")[..10].to_owned(), case.clone()));
            }
        }
    }
    let days: Vec<&str> = seen.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(days, ["2026-03-10", "2026-03-12"], "{sim}");
    assert!(seen[0].1.get("moved").is_none(), "{}", seen[0].1);
    assert_eq!(
        seen[1].1["moved"],
        serde_json::json!([{"deadline": "review", "from": "2026-03-17", "to": "2026-03-18", "why": "听证 1 日不计入"}])
    );
    assert_eq!(seen[1].1["flags"], serde_json::json!(["due_soon"]));
}

#[test]
fn an_acceptance_deadline_warns_before_the_make_up_saturday_of_the_spring_festival() {
    // A letter received 2026-02-05 must be accepted by 02-20, that is by Saturday 02-14 (a
    // make-up working day before the break). The watch warns from Monday 02-09, five working days
    // before, and names the acceptance deadline.
    let ws = workspace(&["A1,2026-02-05,张一,110105194912310011,劳动社保,1,,,赵敏,,,,"]);
    let sim = simulate(&ws, "2026-02-05", "2026-02-25");
    let to_owner: Vec<(String, String)> = told(&sim)
        .into_iter()
        .filter(|(_, job, who, _)| job == "deadline_watch" && who == "zhao-min")
        .map(|(at, ..)| (at[..10].to_owned(), at))
        .collect();
    assert_eq!(to_owner.first().map(|(d, _)| d.as_str()), Some("2026-02-09"), "{to_owner:?}");
    let out = ws.run(&["screen", "--as-of", "2026-02-09", "--format", "json"]);
    let json: Value = serde_json::from_str(&out.stdout).expect("json");
    let case = &json["cases"][0];
    assert_eq!(case["deadlines"]["acceptance"], serde_json::json!({"due": "2026-02-20", "act_by": "2026-02-14"}));
    assert!(case["flags"].as_array().expect("flags").iter().any(|f| f == "due_soon"), "{case}");
    assert!(case["evidence"]["due_soon"].as_str().expect("evidence").contains("受理期限"), "{case}");
}

#[test]
fn a_year_without_a_schedule_keeps_new_year_s_day_off() {
    // 2027 has no schedule in the workspace: 1 January is its statutory day off, so the monthly
    // screening and the quarterly digest fire on Monday 01-04, and a deadline on Sunday 01-03 is
    // to be met by Thursday 2026-12-31, marked unverified.
    let ws = workspace(&["Y1,2026-12-01,张一,110105194912310011,劳动社保,1,2026-12-02,,赵敏,2027-01-03,,,"]);
    let sim = simulate(&ws, "2026-12-31", "2027-01-05");
    let at = |job: &str| -> Vec<String> {
        sim["firings"]
            .as_array()
            .expect("firings")
            .iter()
            .filter(|f| f["job"] == job)
            .map(|f| f["at"].as_str().expect("at").to_owned())
            .collect()
    };
    assert_eq!(at("monthly_screening"), ["2027-01-04T09:00:00+08:00"]);
    assert_eq!(at("quarterly_supervision"), ["2027-01-04T09:00:00+08:00"]);
    assert!(at("deadline_watch").iter().all(|t| !t.starts_with("2027-01-01")));
    let out = ws.run(&["screen", "--as-of", "2026-12-28", "--format", "json"]);
    let json: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(
        json["cases"][0]["deadlines"]["owner"],
        serde_json::json!({"due": "2027-01-03", "act_by": "2026-12-31", "calendar_unverified": true})
    );
}
