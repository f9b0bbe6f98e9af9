//! The `file` channel: each notice becomes a file in a directory — the demo's outbox, and a way
//! for administrators to see exactly what would be sent. Written atomically (a temporary file,
//! then a rename), named so a person finds theirs — `2026-12-04_期限督办_李华_outbox_1a2b3c4d.eml`:
//! the day, the job, the person, the channel and the end of the notice id (the whole id is inside
//! the message) — so a repeated delivery rewrites the same file.

use std::path::{Path, PathBuf};

use super::DeliveryError;

/// The readable part of a notice's file name: day, job, person and channel, each stripped of
/// what a file name may not hold.
pub fn readable_name(day: chrono::NaiveDate, job: &str, person: &str, channel: &str) -> String {
    let clean = |part: &str| -> String {
        part.chars()
            .filter(|c| !c.is_control())
            .map(
                |c| if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | ' ' | '_') { '-' } else { c },
            )
            .take(40)
            .collect()
    };
    format!("{day}_{}_{}_{}", clean(job), clean(person), clean(channel))
}

/// Writes notice `id` to `dir` as `<readable>_<end of id>.<extension>`; returns the file's path.
pub fn deliver(
    dir: &Path,
    readable: &str,
    id: &str,
    extension: &str,
    content: &[u8],
) -> Result<PathBuf, DeliveryError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| DeliveryError::transient(format!("cannot create {}: {e}", dir.display())))?;
    // Ids come from `plan::notice_id` (ntc_ + hex); anything else is refused rather than
    // allowed to name a path outside the directory.
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(DeliveryError::Permanent(format!("notice id {id:?} is not a file name")));
    }
    if readable.contains(['/', '\\']) || readable.starts_with('.') {
        return Err(DeliveryError::Permanent(format!("{readable:?} is not a file name")));
    }
    let short = &id[id.len().saturating_sub(8)..];
    let stem = if readable.is_empty() { id.to_owned() } else { format!("{readable}_{short}") };
    let path = dir.join(format!("{stem}.{extension}"));
    let temporary = dir.join(format!(".{id}.{extension}.tmp"));
    std::fs::write(&temporary, content)
        .and_then(|()| std::fs::rename(&temporary, &path))
        .map_err(|e| DeliveryError::transient(format!("cannot write {}: {e}", path.display())))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTENT: &[u8] = b"{\"case_nos\": [\"XF-1\"]}";

    #[test]
    fn a_notice_becomes_one_file_a_person_can_find_and_rewriting_it_is_harmless() {
        let dir = tempfile::tempdir().expect("temp dir");
        let outbox = dir.path().join("var/outbox");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).expect("day");
        let readable = readable_name(day, "期限督办", "李华", "outbox");
        let path = deliver(&outbox, &readable, "ntc_99990123abcd", "json", CONTENT).expect("written");
        assert_eq!(path, outbox.join("2026-12-04_期限督办_李华_outbox_0123abcd.json"));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "{\"case_nos\": [\"XF-1\"]}");
        deliver(&outbox, &readable, "ntc_99990123abcd", "json", CONTENT).expect("rewritten");
        assert_eq!(std::fs::read_dir(&outbox).expect("dir").count(), 1, "no temporary file left behind");
        assert_eq!(readable_name(day, "节前/会前排查", "欧阳 修", "a_b"), "2026-12-04_节前-会前排查_欧阳-修_a-b");
    }

    #[test]
    fn an_id_or_a_name_that_is_not_a_file_name_is_refused_for_good() {
        let dir = tempfile::tempdir().expect("temp dir");
        for id in ["../escape", "", "a/b"] {
            assert!(
                matches!(deliver(dir.path(), "x", id, "json", CONTENT), Err(DeliveryError::Permanent(_))),
                "{id:?}"
            );
        }
        for readable in ["../x", "a/b", ".hidden"] {
            let refused = deliver(dir.path(), readable, "ntc_1", "json", CONTENT);
            assert!(matches!(refused, Err(DeliveryError::Permanent(_))), "{readable:?}");
        }
    }
}
