//! The `file` channel: each notice becomes a file in a directory — the demo's outbox, and a way
//! for administrators to see exactly what would be sent. Written atomically (a temporary file,
//! then a rename), named by the notice id, so a repeated delivery rewrites the same file.

use std::path::{Path, PathBuf};

use super::DeliveryError;

/// Writes notice `id` to `dir` as `<id>.<extension>`; returns the file's path.
pub fn deliver(dir: &Path, id: &str, extension: &str, content: &[u8]) -> Result<PathBuf, DeliveryError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| DeliveryError::transient(format!("cannot create {}: {e}", dir.display())))?;
    // Ids come from `plan::notice_id` (ntc_ + hex); anything else is refused rather than
    // allowed to name a path outside the directory.
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(DeliveryError::Permanent(format!("notice id {id:?} is not a file name")));
    }
    let path = dir.join(format!("{id}.{extension}"));
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
    fn a_notice_becomes_one_file_named_by_its_id_and_rewriting_it_is_harmless() {
        let dir = tempfile::tempdir().expect("temp dir");
        let outbox = dir.path().join("var/outbox");
        let path = deliver(&outbox, "ntc_0123abcd", "json", CONTENT).expect("written");
        assert_eq!(path, outbox.join("ntc_0123abcd.json"));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "{\"case_nos\": [\"XF-1\"]}");
        deliver(&outbox, "ntc_0123abcd", "json", CONTENT).expect("rewritten");
        assert_eq!(std::fs::read_dir(&outbox).expect("dir").count(), 1, "no temporary file left behind");
    }

    #[test]
    fn an_id_that_is_not_a_file_name_is_refused_for_good() {
        let dir = tempfile::tempdir().expect("temp dir");
        for id in ["../escape", "", "a/b"] {
            assert!(matches!(deliver(dir.path(), id, "json", CONTENT), Err(DeliveryError::Permanent(_))), "{id:?}");
        }
    }
}
