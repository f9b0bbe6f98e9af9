//! Maps a key path such as `jobs.monthly_screening.schedule` or `people[2].id` to the line
//! of a TOML document where it is written, so every problem can name its line.

use toml::de::{DeTable, DeValue};

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Step::Key(key.to_owned()));
        }
        while let Some(inner) = rest.strip_prefix('[') {
            let Some(end) = inner.find(']') else { break };
            if let Ok(index) = inner[..end].parse() {
                out.push(Step::Index(index));
            }
            rest = &inner[end + 1..];
        }
    }
    out
}

/// 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
}

/// The line where `path` is written, or where its nearest written ancestor is.
/// `None` when the document does not parse or nothing on the path is written.
pub fn locate(text: &str, path: &str) -> Option<usize> {
    let root = DeTable::parse(text).ok()?;
    let mut best: Option<usize> = None;
    let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
    let mut value: Option<&DeValue<'_>> = None;
    for step in steps(path) {
        let found = match step {
            Step::Key(key) => table
                .or_else(|| value.and_then(DeValue::as_table))
                .and_then(|t| t.get_key_value(key.as_str()))
                .map(|(k, v)| (k.span().start, v.get_ref())),
            Step::Index(index) => value
                .and_then(DeValue::as_array)
                .and_then(|a| a.get(index))
                .map(|item| (item.span().start, item.get_ref())),
        };
        let Some((offset, next)) = found else { break };
        best = Some(offset);
        value = Some(next);
        table = None;
    }
    best.map(|offset| line_of(text, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "[township]\nname = \"x\"\n\n[jobs.monthly_screening]\nschedule = \"0 9 1 * *\"\n\n[[people]]\nid = \"a\"\n\n[[people]]\nid = \"b\"\nname = \"B\"\n";

    #[test]
    fn keys_tables_and_array_items_are_found_on_their_lines() {
        assert_eq!(locate(DOC, "township.name"), Some(2));
        assert_eq!(locate(DOC, "jobs.monthly_screening.schedule"), Some(5));
        assert_eq!(locate(DOC, "people[1].name"), Some(12));
        assert_eq!(locate(DOC, "people[0].id"), Some(8));
    }

    #[test]
    fn a_missing_key_falls_back_to_its_nearest_written_ancestor() {
        assert_eq!(locate(DOC, "people[5].id"), Some(7));
        assert_eq!(locate(DOC, "jobs.monthly_screening.enabled"), Some(4));
        assert_eq!(locate(DOC, "nowhere"), None);
        assert_eq!(locate("not toml [", "a"), None);
    }
}
