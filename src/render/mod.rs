//! Turning results into what people read: the `screen` listing (table, JSON, CSV), what a notice
//! may say about a case to each audience, and notices rendered through the templates. Pure: data
//! in, text out.

pub mod message;
pub mod report;
pub mod screen;

use std::borrow::Cow;

/// Register text as it may stand in a robot's Markdown message (DESIGN §3: text from the
/// register is data in every markup): link brackets, tags and mentions (`[点此](http://…)`,
/// `<at id=all></at>`, `<@all>`, `@all`), emphasis, code and headings are neutralised by
/// writing their characters in full width (`［` `＜` `＠` `＊` …), which reads the same to a
/// Chinese reader and means nothing to the robot; a line break becomes a space and `://` is
/// broken so that no address turns into a link. Text without any of them is returned as it is.
pub fn markdown_text(text: &str) -> Cow<'_, str> {
    let special = |c: char| {
        matches!(c, '[' | ']' | '<' | '>' | '@' | '*' | '_' | '`' | '#' | '~' | '|' | '\\' | '&' | '\n' | '\r')
    };
    if !text.contains(special) && !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let neutral: String = text
        .chars()
        .map(|c| match c {
            '[' => '［',
            ']' => '］',
            '<' => '＜',
            '>' => '＞',
            '@' => '＠',
            '*' => '＊',
            '_' => '＿',
            '`' => '｀',
            '#' => '＃',
            '~' => '～',
            '|' => '｜',
            '\\' => '＼',
            '&' => '＆',
            '\n' | '\r' => ' ',
            other => other,
        })
        .collect();
    Cow::Owned(neutral.replace("://", "：//"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_mentions_and_formatting_in_register_text_mean_nothing_to_a_robot() {
        for (text, want) in [
            ("[点此](http://evil.example/x)", "［点此］(http：//evil.example/x)"),
            ("<at id=all></at>", "＜at id=all＞＜/at＞"),
            ("<at user_id=\"all\">所有人</at>", "＜at user＿id=\"all\"＞所有人＜/at＞"),
            ("<@all> 请看", "＜＠all＞ 请看"),
            ("@all 紧急", "＠all 紧急"),
            ("**加粗** _斜体_ `代码`", "＊＊加粗＊＊ ＿斜体＿ ｀代码｀"),
            ("第一行\n# 标题", "第一行 ＃ 标题"),
            ("&lt;at id=all&gt;", "＆lt;at id=all＆gt;"),
        ] {
            let neutral = markdown_text(text);
            assert_eq!(neutral, want, "{text}");
            for live in ["[", "<", "@", "**", "\n", "://", "&lt;"] {
                assert!(!neutral.contains(live), "{text}: {live} left in {neutral}");
            }
        }
        for text in ["XF2026-001", "东湖村(社区)", "反映征地补偿款未足额发放！"] {
            assert!(matches!(markdown_text(text), Cow::Borrowed(t) if t == text), "{text}");
        }
    }
}
