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
    assert!(!html.contains(name.as_str()) || html.contains(&format!("value=\"{name}\"")), "the name is only in the box");
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
    assert!(sheet.rows().skip(1).all(|r| r.last().is_some_and(|c| c.to_string() == "是")), "every one overdue");
    let read = api.client.get(api.url(&link)).bearer_auth(READ).send().await.expect("export");
    let bytes = read.bytes().await.expect("workbook");
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    let sheet = book.worksheet_range("信访件").expect("the sheet");
    let header: Vec<String> = sheet.rows().next().expect("header").iter().map(|c| c.to_string()).collect();
    assert!(!header.contains(&"信访人".to_owned()), "a read token's export has no petitioner: {header:?}");
}
