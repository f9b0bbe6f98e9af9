//! The importer's messages in Chinese, for the clerk (issue 20; `import --lang zh`,
//! `township.language = "zh"`). The importer words each problem once, in English, where it finds
//! it; this reads those words back and says them in Chinese, so the two never disagree on what
//! was wrong. A message it does not know is returned as it is (a test keeps every message the
//! importer makes known).

/// `reason` (an importer problem, in English) in Chinese.
pub fn reason(reason: &str) -> String {
    let r = reason.trim();
    // A value the English quotes as Rust would ("…") is quoted the Chinese way (“…”).
    let quoted = |v: &str| match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => format!("“{inner}”"),
        None => v.to_owned(),
    };
    let split = |marker: &str| r.split_once(marker).map(|(a, b)| (quoted(a.trim()), b.trim()));
    if let Some((value, _)) = split(" is not a day of the calendar") {
        return format!("{value} 不是日历上有的日子");
    }
    if let Some((value, _)) = split(" is not a date;") {
        return format!("{value} 不是日期，应写作 2026-03-02、2026/3/2、2026.3.2 或 2026年3月2日");
    }
    if let Some((value, _)) = split(" is not yes or no;") {
        return format!("{value} 应填 是 或 否（也可填 yes/no、1/0；空白为否）");
    }
    if let Some((value, accepted)) = split(" is not a level; accepted:") {
        return format!("{value} 不是层级，可填：{accepted}");
    }
    for (what, zh) in [
        ("petition channel (信访形式)", "信访形式"),
        ("petition source (信访来源)", "信访来源"),
        ("disposition (处理方式)", "处理方式"),
    ] {
        if let Some((value, accepted)) = split(&format!(" is not a {what}; accepted:")) {
            return format!("{value} 不是有效的{zh}，可填：{accepted}");
        }
    }
    if let Some((value, _)) = split(" is not a whole number") {
        return format!("{value} 不是整数");
    }
    if let Some((value, _)) = split(" ends before it starts") {
        return format!("{value} 的结束日期早于开始日期");
    }
    if let Some((value, rest)) = split(" was already imported from row ") {
        let row = rest.split_whitespace().next().unwrap_or("");
        return format!("{value} 已从本文件第 {row} 行导入，以第一行为准");
    }
    if let Some((_, rest)) = split("must be ") {
        return format!("应不小于 {}", rest.trim_end_matches(" or more"));
    }
    if let Some((_, rest)) = split("exceeds the maximum extension of ") {
        let days = rest.split_whitespace().next().unwrap_or("");
        return format!("超过法定最长延期 {days} 日（信访工作条例 第三十四条）");
    }
    if let Some((_, rest)) = split("is before 收到日期 (received_on)") {
        return format!("早于收到日期 {rest}");
    }
    if let Some((_, list)) = split("is not one of") {
        return format!("应为 {} 之一", list.replace(", ", "、"));
    }
    if let Some((_, rest)) = split("is required when ") {
        let column = rest.split(" (").next().unwrap_or(rest);
        return match rest.split_once("accepted:") {
            Some((_, accepted)) => format!("填了{column}时必须填写（可填：{}）", accepted.trim()),
            None => format!("填了{column}时必须填写"),
        };
    }
    if r.contains("is stored as a number and Excel has cut its last digits") {
        return "以数字保存，Excel 已截去末几位；请把该列设为文本后重新录入".to_owned();
    }
    if let Some((_, rest)) = split("bytes, longer than the ") {
        let (size, limit) =
            (r.trim_start_matches("is ").split(' ').next().unwrap_or(""), rest.split('-').next().unwrap_or(""));
        return format!("长 {size} 字节，超过 {limit} 字节的上限（import.max_cell_bytes）");
    }
    if let Some((_, rest)) = split("characters long; at most ") {
        let length = r.trim_start_matches("is ").split(' ').next().unwrap_or("");
        let max = rest.split(' ').next().unwrap_or("");
        return format!("长 {length} 个字符，最多 {max} 个");
    }
    if let Some((_, rest)) = split("contains the invisible character ") {
        let code = rest.split(',').next().unwrap_or(rest);
        return format!("含有看不见的字符 {code}，请重新输入");
    }
    if let Some((_, rest)) = split("contains the character ") {
        let shown = rest.split(", which").next().unwrap_or(rest);
        return format!("含有不允许的字符 {shown}");
    }
    if let Some((_, rest)) = split("has ")
        && let Some((digits, _)) = rest.split_once(" digits; a phone number has 5 to 20")
    {
        return format!("有 {digits} 位数字；电话号码应为 5 到 20 位");
    }
    // Whole-file problems: the file or its header cannot be read.
    if r.starts_with("no header row in the first ") {
        let rows = r.trim_start_matches("no header row in the first ").split(' ').next().unwrap_or("");
        return format!(
            "前 {rows} 行中没有找到表头：表头应含“信访件编号”和“收到日期”两列。请确认上传的是信访登记簿（Excel 或 CSV）"
        );
    }
    if let Some((_, missing)) = split("the header row lacks the required column(s)") {
        let names: Vec<&str> =
            missing.split(", ").map(|m| m.split_once(" (").map_or(m, |(_, zh)| zh.trim_end_matches(')'))).collect();
        return format!("表头缺少必需的列：{}", names.join("、"));
    }
    if r.starts_with("no sheet has the register header") {
        let sheets = r.rsplit_once("; sheets: ").map_or("", |(_, s)| s);
        return format!("没有一个工作表在前几行中有登记簿表头（“信访件编号”和“收到日期”两列）；工作表：{sheets}");
    }
    if let Some(rest) = r.strip_prefix("row ")
        && let Some((row, detail)) = rest.split_once(": columns ")
        && let Some((pair, _)) = detail.split_once(" both mean ")
    {
        return format!(
            "第 {row} 行（表头）：{} 是同一列，请只保留一列",
            pair.replace('"', "").replace(" and ", " 和 ")
        );
    }
    if let Some(rest) = r.strip_prefix("row ")
        && let Some((row, _)) = rest.split_once(": not valid CSV")
    {
        return format!("第 {row} 行不是有效的 CSV 格式，请在 Excel 中另存为 CSV（UTF-8）或直接上传 .xlsx");
    }
    if r.starts_with("cannot be read as a workbook") {
        return "无法作为工作簿读取：文件可能已损坏或不是 .xlsx 格式，请用 Excel 打开后另存为 .xlsx 再上传".to_owned();
    }
    if r.starts_with("cannot be read") {
        return "无法读取该文件".to_owned();
    }
    if r.starts_with("starts with a ") && r.contains("byte-order mark but is not valid") {
        return "文件的编码标记与内容不符，请在 Excel 中另存为 CSV（UTF-8）或 .xlsx 再上传".to_owned();
    }
    match r {
        "is required" => "必须填写".to_owned(),
        "is blank" => "为空".to_owned(),
        "is a number, not a date" => "是数字而不是日期；请把该列设为日期或文本".to_owned(),
        _ => reason.to_owned(),
    }
}

/// A column as a problem names it (`收到日期 (received_on)`): its Chinese title only.
pub fn column(column: &str) -> String {
    match column.split_once(" (") {
        Some((title, rest)) if rest.ends_with(')') && rest.is_ascii() => title.to_owned(),
        _ => column.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_of_the_importer_reads_in_chinese() {
        for (english, chinese) in [
            ("\"2026-02-30\" is not a day of the calendar", "“2026-02-30” 不是日历上有的日子"),
            ("\"3月\" is not a date; expected YYYY-MM-DD, YYYY/M/D, YYYY.M.D or YYYY年M月D日", "“3月” 不是日期"),
            ("\"也许\" is not yes or no; accepted: yes/no, y/n, true/false, 1/0, 是/否 (blank = no)", "应填 是 或 否"),
            (
                "\"传真\" is not a petition channel (信访形式); accepted: letter 来信, visit 来访",
                "不是有效的信访形式，可填：letter 来信",
            ),
            ("\"-3\" is not a whole number", "“-3” 不是整数"),
            ("must be 1 or more", "应不小于 1"),
            ("exceeds the maximum extension of 30 days (信访工作条例 第三十四条)", "超过法定最长延期 30 日"),
            ("is required", "必须填写"),
            (
                "no header row in the first 10 rows: expected columns such as case_no (信访件编号) and received_on (收到日期)",
                "前 10 行中没有找到表头",
            ),
            ("the header row lacks the required column(s) received_on (收到日期)", "表头缺少必需的列：收到日期"),
            (
                "row 1: columns \"编号\" and \"信访件编号\" both mean case_no; keep one",
                "第 1 行（表头）：编号 和 信访件编号 是同一列",
            ),
            ("row 7: not valid CSV: found record with 3 fields", "第 7 行不是有效的 CSV 格式"),
            ("cannot be read as a workbook: invalid zip header", "无法作为工作簿读取"),
            ("is required when 处理方式 (disposition) is set", "填了处理方式时必须填写"),
            (
                "is required when 告知转送日期 (disposed_on) is set; accepted: informed 告知, transferred 转送",
                "填了告知转送日期时必须填写（可填：informed 告知",
            ),
            ("is before 收到日期 (received_on) 2026-03-02", "早于收到日期 2026-03-02"),
            ("is not one of 书面, 当面, 电话", "应为 书面、当面、电话 之一"),
            (
                "is stored as a number and Excel has cut its last digits; format the column as text and re-enter it",
                "Excel 已截去末几位",
            ),
            (
                "is 11000000 bytes, longer than the 65536-byte limit (import.max_cell_bytes)",
                "长 11000000 字节，超过 65536 字节的上限",
            ),
            ("\"XF-1\" was already imported from row 2 of this file; the first row wins", "已从本文件第 2 行导入"),
            ("is 300 characters long; at most 64 are allowed", "长 300 个字符，最多 64 个"),
            ("contains the character '\\u{7}', which is not allowed here", "含有不允许的字符"),
            (
                "contains the invisible character U+200B, which is not allowed here; type the number again",
                "含有看不见的字符 U+200B",
            ),
            ("has 3 digits; a phone number has 5 to 20", "有 3 位数字；电话号码应为 5 到 20 位"),
            ("\"2026-03-04..2026-03-02\" ends before it starts", "结束日期早于开始日期"),
            ("is a number, not a date", "是数字而不是日期"),
            ("is blank", "为空"),
        ] {
            let said = reason(english);
            assert!(said.contains(chinese), "{english} → {said}");
            let english_words = said.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() > 3).count();
            assert!(english_words <= 3, "{said}");
        }
        assert_eq!(column("收到日期 (received_on)"), "收到日期");
        assert_eq!(column("备注"), "备注");
    }
}
