//! The clerk's desk on the status page: finding cases (search, filters, the export of the view)
//! and the rejected rows' workbook, over a real listener and a real store.

use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;

use crate::api::{Api, READ, WRITE};
use crate::helpers::repo;

/// The case list's rows: the case numbers it links to, in order.
fn listed(html: &str) -> Vec<String> {
    html.split("<td><a href=\"/case/")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(no, _)| no.to_owned()))
        .collect()
}

async fn page(api: &Api, token: &str, query: &str) -> (StatusCode, String) {
    let response = api.client.get(api.url(&format!("/cases?{query}"))).bearer_auth(token).send().await.expect("page");
    (response.status(), response.text().await.expect("html"))
}

/// The sample register's rows, as the file has them: (case number, petitioner, village,
/// category, owner, anonymous, confidential).
fn register_rows() -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(repo().join("config/examples/register.csv")).expect("register");
    text.lines().skip(1).map(|l| l.split(',').map(str::to_owned).collect()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_case_list_finds_filters_and_exports_what_it_shows() {
    let api = Api::start(&[], true).await;
    let rows = register_rows();
    let (status, html) = page(&api, WRITE, "").await;
    assert_eq!(status, StatusCode::OK);
    let all = listed(&html);
    let mut numbers: Vec<String> = rows.iter().map(|r| r[0].clone()).collect();
    numbers.sort();
    assert_eq!(all, numbers, "with no query the list is the whole register, by number");
    assert!(html.contains(&format!("找到 {} 件", numbers.len())), "the count is said");

    // A village: exactly the register's cases of it.
    let village = rows.iter().map(|r| r[7].clone()).find(|v| !v.is_empty()).expect("a village");
    let mut of_village: Vec<String> = rows.iter().filter(|r| r[7] == village).map(|r| r[0].clone()).collect();
    of_village.sort();
    let query = form_urlencoded::Serializer::new(String::new()).append_pair("q", &village).finish();
    let (_, html) = page(&api, WRITE, &query).await;
    assert_eq!(listed(&html), of_village, "searching {village}");

    // A petitioner's name finds their cases for the clerk, masked; never for a read token, and
    // never an anonymous or confidential case.
    let named = rows.iter().find(|r| !r[4].is_empty() && r[8] == "否" && r[9] == "否").expect("a named petitioner");
    let name = &named[4];
    let mut theirs: Vec<String> =
        rows.iter().filter(|r| r[4] == *name && r[8] == "否" && r[9] == "否").map(|r| r[0].clone()).collect();
    theirs.sort();
    let query = form_urlencoded::Serializer::new(String::new()).append_pair("q", name).finish();
    let (_, html) = page(&api, WRITE, &query).await;
    assert_eq!(listed(&html), theirs, "the clerk searching {name}");
    assert!(
        !html.contains(name.as_str()) || html.contains(&format!("value=\"{name}\"")),
        "the name is only in the box"
    );
    let masked = format!("{}**", name.chars().next().expect("a character"));
    assert!(html.contains(&masked), "the petitioner shows masked");
    let (_, read) = page(&api, READ, &query).await;
    assert!(listed(&read).is_empty(), "a read token does not find a case by its petitioner: {:?}", listed(&read));
    assert!(!read.contains("<th>信访人</th>") && !read.contains(&masked), "a read token sees no petitioner");
    if let Some(hidden) = rows.iter().find(|r| !r[4].is_empty() && (r[8] == "是" || r[9] == "是")) {
        let query = form_urlencoded::Serializer::new(String::new()).append_pair("q", &hidden[4]).finish();
        let (_, html) = page(&api, WRITE, &query).await;
        assert!(!listed(&html).contains(&hidden[0]), "an anonymous or confidential case is not found by name");
    }

    // The overdue flag: exactly the cases the findings API flags overdue today.
    let (_, findings) = api.get("/api/v1/findings", Some(WRITE)).await;
    let mut overdue: Vec<String> = findings["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["flags"].as_array().is_some_and(|f| f.contains(&serde_json::json!("overdue"))))
        .map(|c| c["case_no"].as_str().expect("no").to_owned())
        .collect();
    overdue.sort();
    assert!(!overdue.is_empty(), "the sample register has overdue cases");
    let (_, html) = page(&api, WRITE, "flag=overdue").await;
    assert_eq!(listed(&html), overdue);
    // 已超期 is every passed deadline, so it holds at least the overdue-flagged cases.
    let (_, html) = page(&api, WRITE, "overdue=1").await;
    let passed = listed(&html);
    assert!(overdue.iter().all(|no| passed.contains(no)) && passed.len() < numbers.len(), "{passed:?}");
    // A status: 已办结 cases are those with a conclusion date.
    let (_, html) = page(&api, WRITE, "status=%E5%B7%B2%E5%8A%9E%E7%BB%93").await;
    let mut concluded: Vec<String> = rows.iter().filter(|r| !r[24].is_empty()).map(|r| r[0].clone()).collect();
    concluded.sort();
    assert_eq!(listed(&html), concluded);

    let (status, html) = page(&api, WRITE, "flag=nonsense").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("没有名为“nonsense”的标记"), "{html}");

    // The export is the view: the same cases, every cell text, the clerk's columns.
    let (_, html) = page(&api, WRITE, "flag=overdue").await;
    let link = html.split("id=\"export\"").next().and_then(|h| h.rsplit("href=\"").next()).expect("an export link");
    let link = link.split('"').next().expect("link").replace("&amp;", "&").replace("&#x2f;", "/");
    assert_eq!(link, "/cases.xlsx?flag=overdue");
    let response = api.client.get(api.url(&link)).bearer_auth(WRITE).send().await.expect("export");
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()["content-disposition"].to_str().expect("ascii").to_owned();
    assert!(disposition.starts_with("attachment;") && disposition.contains("UTF-8''"), "{disposition}");
    let bytes = response.bytes().await.expect("workbook");
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    let sheet = book.worksheet_range("信访件").expect("the sheet");
    let header: Vec<String> = sheet.rows().next().expect("header").iter().map(|c| c.to_string()).collect();
    assert_eq!(header[..3], ["信访件编号", "收到日期", "信访人"]);
    let exported: Vec<String> = sheet.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert_eq!(exported, overdue);
    assert!(sheet.rows().skip(1).all(|r| matches!(r[1], Data::DateTime(_))), "收到日期 is a date");
    assert!(sheet.rows().skip(1).all(|r| r.last().is_some_and(|c| *c == "是")), "every one overdue");
    let read = api.client.get(api.url(&link)).bearer_auth(READ).send().await.expect("export");
    let bytes = read.bytes().await.expect("workbook");
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    let sheet = book.worksheet_range("信访件").expect("the sheet");
    let header: Vec<String> = sheet.rows().next().expect("header").iter().map(|c| c.to_string()).collect();
    assert!(!header.contains(&"信访人".to_owned()), "a read token's export has no petitioner: {header:?}");
}

/// Uploads `bytes` as `name` from the status page (a write-token login); the page.
async fn upload(api: &Api, name: &str, bytes: &[u8]) -> String {
    let (content_type, body) = crate::api::multipart(name, bytes);
    let request =
        api.client.post(api.url("/upload")).bearer_auth(WRITE).header("content-type", content_type).body(body);
    let response = request.send().await.expect("upload");
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.expect("page")
}

/// The sheet's cells as text, row by row.
fn sheet_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    let range = book.worksheet_range(sheet).expect("the sheet");
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

/// The rejected rows' workbook the page offers: `data:` link decoded.
fn rejected_download(html: &str) -> Vec<u8> {
    use base64::Engine as _;
    let link = html.split("id=\"rejected-download\"").next().and_then(|h| h.rsplit("href=\"").next()).expect("a link");
    let data = link.split('"').next().expect("href").rsplit(',').next().expect("base64");
    let data = data.replace("&#x2f;", "/").replace("&#x2b;", "+").replace("&#x3d;", "=");
    base64::engine::general_purpose::STANDARD.decode(data).expect("base64")
}

const HEADER: &str =
    "信访件编号,收到日期,信访形式,信访人,证件号码,联系电话,村(社区),问题类别,受理日期,延期天数,包案领导";

#[tokio::test(flavor = "multi_thread")]
async fn the_rejected_rows_come_back_as_a_workbook_to_fix_and_upload_again() {
    let api = Api::start(&[], true).await;
    let csv = format!(
        "{HEADER}\n\
         XF2026-901,2026-02-30,来访,韩梅梅,110101199003071234,13800138000,东湖村,征地拆迁,,,李华\n\
         XF2025-002,2025-07-26,来信,邓丽华,320166195107094386,15372107122,南桥社区,村务管理,2025-07-29,45,孙丽\n\
         XF2026-902,2026-11-20,传真,王小明,,,西山村,=HYPERLINK(\"x\"),,,赵敏\n\
         XF2026-903,2026-11-21,来信,李小红,,,青石村,教育医疗,,,赵敏\n"
    );
    let html = upload(&api, "十一月登记簿.csv", csv.as_bytes()).await;
    assert!(html.contains("十一月登记簿.csv：导入 1 件（新增 1，更新 0，未变 0），以下各行未导入"), "{html}");
    assert!(html.contains("download=\"十一月登记簿_未导入的行.xlsx\""), "named after her file");
    let book = rejected_download(&html);
    let rows = sheet_rows(&book, "未导入的行");
    let mut header: Vec<String> = HEADER.split(',').map(str::to_owned).collect();
    header.push("错误原因".into());
    assert_eq!(rows[0], header, "her header, then 错误原因");
    assert_eq!(rows.len(), 4, "the three rejected rows: {rows:?}");
    assert_eq!(rows[1][..4], ["XF2026-901", "2026-02-30", "来访", "韩梅梅"], "every cell as she typed it");
    assert_eq!(
        (rows[1][4].as_str(), rows[1][5].as_str()),
        ("11**************34", "13*******00"),
        "ID and phone masked"
    );
    assert!(
        rows[1][11].starts_with("原第 2 行 — 收到日期：") && rows[1][11].contains("不是日历上有的日子"),
        "{rows:?}"
    );
    assert!(rows[2][11].contains("原第 3 行") && rows[2][11].contains("延期天数"), "{rows:?}");
    assert!(rows[3][11].contains("信访形式") && rows[3][7] == "=HYPERLINK(\"x\")", "text, not a formula: {rows:?}");
    let flat = rows.concat().join(" ");
    for secret in ["110101199003071234", "13800138000", "320166195107094386"] {
        assert!(!flat.contains(secret), "{secret} in the rejected rows");
    }

    // She fixes the three rows in Excel (the workbook as it came, three cells changed) and
    // uploads it again.
    let mut fixed = rust_xlsxwriter::Workbook::new();
    let sheet = fixed.add_worksheet();
    for (r, row) in (0u32..).zip(&rows) {
        for (c, cell) in (0u16..).zip(row) {
            let cell = match (r, c) {
                (1, 1) => "2026-02-28",
                (2, 9) => "30",
                (3, 2) => "来信",
                (3, 7) => "村务管理",
                _ => cell.as_str(),
            };
            sheet.write_string(r, c, cell).expect("cell");
        }
    }
    let fixed = fixed.save_to_buffer().expect("workbook");
    let html = upload(&api, "十一月登记簿_未导入的行.xlsx", &fixed).await;
    assert!(html.contains("导入 3 件（新增 2，更新 1，未变 0）。"), "{html}");
    assert!(!html.contains("rejected-download"), "nothing rejected");
    // The case already stored keeps its ID and phone; the new one has none and she is told.
    let get = |no: &str| {
        let no = petition_watch::domain::CaseNo::parse(no).expect("no");
        let store = api.store.clone();
        async move { store.get_case(&no).await.expect("read").expect("stored") }
    };
    let updated = get("XF2025-002").await;
    assert_eq!(updated.extension_days, 30);
    assert_eq!(updated.petitioner_id.as_ref().map(|i| i.expose().to_owned()).as_deref(), Some("320166195107094386"));
    assert_eq!(updated.phone.as_ref().map(|p| p.expose().to_owned()).as_deref(), Some("15372107122"));
    assert!(!updated.extra.contains_key("错误原因"), "the reason column is not data");
    let new = get("XF2026-901").await;
    assert_eq!((new.received_on.to_string(), new.petitioner_id.is_none()), ("2026-02-28".to_owned(), true));
    assert!(html.contains("证件号码是遮盖后的号码"), "she is told the ID was not kept: {html}");
}

/// The sample register as the clerk keeps it in Excel, with three rows typed wrong: a day that
/// does not exist, a channel that is not one, an extension over the law's 30 days.
fn register_with_three_bad_rows() -> (Vec<u8>, Vec<String>) {
    let text = std::fs::read_to_string(repo().join("config/examples/register.csv")).expect("register");
    let mut rows: Vec<Vec<String>> = text.lines().map(|l| l.split(',').map(str::to_owned).collect()).collect();
    let header = rows[0].clone();
    let at = |title: &str| header.iter().position(|h| h == title).expect("a column");
    let mut bad = Vec::new();
    for (no, column, value) in
        [("XF2026-101", "收到日期", "2026-02-30"), ("XF2026-102", "信访形式", "传真"), ("XF2026-103", "延期天数", "45")]
    {
        let mut row = rows[1].clone();
        row[at("信访件编号")] = no.to_owned();
        row[at("收到日期")] = "2026-11-20".to_owned();
        row[at("受理日期")] = "2026-11-23".to_owned();
        row[at("办结日期")] = String::new();
        row[at(column)] = value.to_owned();
        rows.push(row);
        bad.push(no.to_owned());
    }
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in (0u32..).zip(&rows) {
        for (c, cell) in (0u16..).zip(row) {
            if !cell.is_empty() {
                sheet.write_string(r, c, cell).expect("cell");
            }
        }
    }
    (book.save_to_buffer().expect("workbook"), bad)
}

/// The clerk's week in a real browser, at a desk's width and at a phone's: log in, upload the
/// register with three bad rows, read what is wrong in Chinese, download those rows, fix them
/// in "Excel", upload them again, withdraw a case entered by mistake and see it leave the
/// screening, and look a case up. Nothing is wider than the window; the screenshots are kept.
#[tokio::test(flavor = "multi_thread")]
async fn the_clerks_week_works_from_the_browser_alone() {
    let Some(chromium) = crate::api::chromium() else { return };
    let (workbook, bad) = register_with_three_bad_rows();
    for (width, height, label) in [(1280, 900, "desktop"), (390, 844, "390")] {
        let api = Api::start(&[], false).await;
        let dir = tempfile::tempdir().expect("dir");
        let register = dir.path().join("信访登记簿.xlsx");
        std::fs::write(&register, &workbook).expect("register");
        let mut browser = crate::browser::Browser::launch(&chromium, dir.path(), width, height).await;
        let shot = |name: &str| {
            let path = dir.path().join(format!("{name}-{label}.png"));
            (path, format!("clerk-{name}-{label}.png"))
        };

        // Monday: she logs in and uploads the register.
        browser.goto(&api.url("/")).await;
        browser.wait_for("document.querySelector('input[name=token]')").await;
        browser.eval(&format!("document.querySelector('input[name=token]').value = '{WRITE}'")).await;
        browser
            .then(
                "document.querySelector('form[action=\"/login\"]').submit()",
                "document.getElementById('upload-form')",
            )
            .await;
        browser.choose_file("#upload-form input[type=file]", &register).await;
        browser
            .then("document.querySelector('#upload-form button').click()", "document.getElementById('upload-result')")
            .await;
        let said = browser.eval("document.body.innerText").await.as_str().expect("text").to_owned();
        let total = register_rows().len();
        assert!(
            said.contains(&format!("信访登记簿.xlsx：导入 {total} 件（新增 {total}，更新 0，未变 0），以下各行未导入")),
            "{said}"
        );
        for message in [
            "收到日期：“2026-02-30” 不是日历上有的日子",
            "信访形式：“传真” 不是有效的信访形式",
            "延期天数：“45” 超过法定最长延期 30 日",
        ] {
            assert!(said.contains(message), "{message} is not on the page: {said}");
        }
        assert_eq!(browser.overflow().await, 0, "the upload's result fits the window at {width} px");
        let scrolled =
            browser.eval("Math.abs(document.getElementById('upload').getBoundingClientRect().top) < 5").await;
        assert_eq!(scrolled, serde_json::json!(true), "the result is where she looks, not below the fold");
        let (path, name) = shot("upload");
        browser.screenshot(&path).await;
        crate::api::keep_artefact(&path, &name);
        let (path, name) = shot("upload-result");
        browser.screenshot_of("#upload", &path).await;
        crate::api::keep_artefact(&path, &name);

        // She downloads the rows not imported, fixes them in Excel and uploads that file.
        browser.eval("document.getElementById('rejected-download').click()").await;
        let file = browser.downloaded("信访登记簿_未导入的行.xlsx").await;
        let rows = sheet_rows(&std::fs::read(&file).expect("download"), "未导入的行");
        assert_eq!(rows.iter().skip(1).map(|r| r[0].clone()).collect::<Vec<_>>(), bad);
        let reason = rows[0].len() - 1;
        assert_eq!(rows[0][reason], "错误原因");
        let at = |title: &str| rows[0].iter().position(|h| h == title).expect("a column");
        let mut fixed = rust_xlsxwriter::Workbook::new();
        let sheet = fixed.add_worksheet();
        for (r, row) in (0u32..).zip(&rows) {
            for (c, cell) in (0usize..).zip(row) {
                let cell = match (r, c) {
                    (1, c) if c == at("收到日期") => "2026-02-27",
                    (2, c) if c == at("信访形式") => "来信",
                    (3, c) if c == at("延期天数") => "30",
                    _ => cell.as_str(),
                };
                sheet.write_string(r, u16::try_from(c).expect("column"), cell).expect("cell");
            }
        }
        let again = dir.path().join("改正后.xlsx");
        std::fs::write(&again, fixed.save_to_buffer().expect("workbook")).expect("file");
        browser.choose_file("#upload-form input[type=file]", &again).await;
        browser
            .then(
                "document.querySelector('#upload-form button').click()",
                "document.getElementById('upload-result') && document.body.innerText.includes('改正后.xlsx')",
            )
            .await;
        let said = browser.eval("document.getElementById('upload-result').innerText").await;
        assert_eq!(said.as_str(), Some("改正后.xlsx：导入 3 件（新增 3，更新 0，未变 0）。"));

        // Wednesday: one case was entered by mistake; she withdraws it and it leaves the screening.
        let (_, findings) = api.get("/api/v1/findings", Some(WRITE)).await;
        let flagged: Vec<String> = findings["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .map(|c| c["case_no"].as_str().expect("no").to_owned())
            .collect();
        let mistaken = flagged.first().expect("a flagged case").clone();
        let status = browser.eval("document.body.innerHTML").await;
        assert!(status.as_str().is_some_and(|h| h.contains(&format!("/case/{mistaken}\""))), "listed before");
        browser
            .eval(&format!(
                "const f = document.querySelector('form[action^=\"/correct\"]'); \
                 f.querySelector('[name=case_no]').value = '{mistaken}'; f.querySelector('[name=reason]').value = '误登记（测试件）'"
            ))
            .await;
        browser
            .then(
                "document.querySelector('form[action^=\"/correct\"] button').click()",
                "document.getElementById('correct-done')",
            )
            .await;
        let said = browser.eval("document.getElementById('correct-done').innerText").await;
        assert_eq!(said.as_str(), Some(format!("{mistaken} 已作废。").as_str()));
        let html = browser.eval("document.body.innerHTML").await;
        assert!(!html.as_str().is_some_and(|h| h.contains(&format!("/case/{mistaken}\""))), "it left the page's list");
        let (_, findings) = api.get("/api/v1/findings", Some(WRITE)).await;
        assert!(!findings.to_string().contains(&format!("\"{mistaken}\"")), "it left the screening");

        // Friday: she looks a case up by its village and opens it.
        let village = register_rows().iter().find(|r| r[0] == flagged[1]).map(|r| r[7].clone()).expect("village");
        browser.then("document.getElementById('find-link').click()", "document.getElementById('find')").await;
        browser.eval(&format!("document.querySelector('#find input[name=q]').value = '{village}'")).await;
        browser.then("document.querySelector('#find button').click()", "location.search.includes('q=')").await;
        let listed = browser.eval("[...document.querySelectorAll('#case-list a')].map(a => a.textContent)").await;
        assert!(listed.as_array().is_some_and(|l| l.contains(&serde_json::json!(flagged[1]))), "{listed}");
        assert_eq!(browser.overflow().await, 0, "the case list fits the window at {width} px");
        let (path, name) = shot("cases");
        browser.screenshot(&path).await;
        crate::api::keep_artefact(&path, &name);
        browser
            .then(
                &format!("document.querySelector('a[href=\"/case/{}\"]').click()", flagged[1]),
                "document.getElementById('deadlines')",
            )
            .await;
        let said = browser.eval("document.body.innerText").await;
        assert!(
            said.as_str().is_some_and(|t| t.contains(&format!("信访件 {}", flagged[1])) && t.contains("期限")),
            "{said}"
        );
        assert_eq!(browser.overflow().await, 0, "the case page fits the window at {width} px");
        let (path, name) = shot("case");
        browser.screenshot(&path).await;
        crate::api::keep_artefact(&path, &name);
    }
}

/// A case's page says what moved since the latest reminder about it: the deadline watch
/// reminded of the handling deadline, then the register gave the case 30 more days.
#[tokio::test(flavor = "multi_thread")]
async fn a_cases_page_says_what_moved_since_its_latest_reminder() {
    let api = Api::start(&[], false).await;
    let header = "信访件编号,收到日期,信访形式,问题类别,受理日期,延期天数,包案领导";
    let file = api.ws.write("r.csv", format!("{header}\nM1,2026-09-01,来信,村务管理,2026-09-02,,li-hua\n"));
    assert_eq!(api.ws.run(&["import", file.to_str().expect("path")]).code, 0);
    let out = api.ws.run(&["jobs", "run", "deadline_watch"]);
    assert_eq!(out.code, 0, "{out:?}");
    let page = || async {
        let response = api.client.get(api.url("/case/M1")).bearer_auth(WRITE).send().await.expect("page");
        response.text().await.expect("html")
    };
    let before = page().await;
    assert!(before.contains("办理期限") && !before.contains("id=\"moved\""), "nothing moved yet: {before}");
    let due =
        |html: &str| html.split("<td data-label=\"法定日期\">").nth(1).and_then(|t| t.get(..10)).map(str::to_owned);
    let was = due(&before).expect("a handling deadline");

    let file = api.ws.write("r.csv", format!("{header}\nM1,2026-09-01,来信,村务管理,2026-09-02,30,li-hua\n"));
    assert_eq!(api.ws.run(&["import", file.to_str().expect("path")]).code, 0);
    let after = page().await;
    let now = due(&after).expect("a handling deadline");
    assert_ne!(now, was);
    // The watch ran today, township time.
    let today = chrono::Utc::now().with_timezone(&api.loaded.config.time_zone()).date_naive();
    assert!(
        after.contains(&format!("<li>办理期限由 {was} 调整为 {now}（延期 30 日），上次提醒于 {today}</li>")),
        "{after}"
    );
}

/// A number corrected on the page stays corrected: the register uploaded again with the old
/// number leaves that row out and says under which number the case is now (page and API).
#[tokio::test(flavor = "multi_thread")]
async fn a_corrected_number_does_not_come_back_from_the_next_upload() {
    let api = Api::start(&[], true).await;
    let (status, body) =
        api.post("/api/v1/cases/XF2026-022/rename", Some(WRITE), &serde_json::json!({"to": "XF2026-922"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let register = std::fs::read(repo().join("config/examples/register.csv")).expect("register");
    let row = register_rows().iter().position(|r| r[0] == "XF2026-022").expect("the row") + 2;
    let html = upload(&api, "登记簿.csv", &register).await;
    assert!(
        html.contains(&format!(
            "<td>第 {row} 行</td><td>信访件编号</td><td>编号 XF2026-022 已更正为 XF2026-922，本行未导入"
        )),
        "{html}"
    );
    let number = petition_watch::domain::CaseNo::parse("XF2026-022").expect("no");
    assert_eq!(api.store.get_case(&number).await.expect("read"), None, "no ghost");

    let (content_type, body) = crate::api::multipart("登记簿.csv", &register);
    let request = api.client.post(api.url("/api/v1/imports")).bearer_auth(WRITE).header("content-type", content_type);
    let (status, body) = crate::api::answer(request.body(body).send().await.expect("upload")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["renamed"], serde_json::json!([{"from": "XF2026-022", "to": "XF2026-922"}]), "{body}");
}
