//! Secrets (SMTP passwords, robot keys, signing secrets): named in the config, read from the
//! environment or a file, and never printed.

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

/// Where a secret comes from: `{ env = "NAME" }` or `{ file = "PATH" }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    /// Name of the environment variable that holds it.
    #[serde(default)]
    pub env: Option<String>,
    /// Path of a file that holds it (trailing newline ignored).
    #[serde(default)]
    pub file: Option<PathBuf>,
}

impl SecretRef {
    /// Reads the secret from the process's environment or its file. The error names the
    /// variable or file, never the value.
    pub fn resolve(&self) -> Result<Secret, String> {
        self.resolve_with(|name| std::env::var(name).ok())
    }

    /// [`SecretRef::resolve`] with the environment given as `lookup`.
    pub fn resolve_with(&self, lookup: impl Fn(&str) -> Option<String>) -> Result<Secret, String> {
        match (&self.env, &self.file) {
            (Some(name), None) => match lookup(name) {
                Some(value) if !value.is_empty() => Ok(Secret(value)),
                Some(_) => Err(format!("environment variable {name} is empty")),
                None => Err(format!("environment variable {name} is not set")),
            },
            (None, Some(path)) => match std::fs::read_to_string(path) {
                Ok(value) if !value.trim_end().is_empty() => {
                    Ok(Secret(value.trim_end_matches(['\r', '\n']).to_owned()))
                }
                Ok(_) => Err(format!("secret file {} is empty", path.display())),
                Err(e) => Err(format!("secret file {} cannot be read: {e}", path.display())),
            },
            (Some(_), Some(_)) => Err("give either env or file, not both".into()),
            (None, None) => Err("give env = \"VARIABLE\" or file = \"PATH\"".into()),
        }
    }
}

/// A secret value. `Debug` and `Display` print `***`; [`Secret::expose`] is the one way out.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value (for tests and for values built at run time).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one call that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints_its_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret} {secret:?}"), "*** Secret(***)");
    }

    #[test]
    fn a_missing_secret_names_its_source_but_not_a_value() {
        let missing = SecretRef { env: Some("PW_TEST_SURELY_UNSET_VAR".into()), file: None };
        assert_eq!(missing.resolve(), Err("environment variable PW_TEST_SURELY_UNSET_VAR is not set".into()));
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("key");
        std::fs::write(&path, "s3cret\n").expect("write");
        let from_file = SecretRef { env: None, file: Some(path) };
        assert_eq!(from_file.resolve().map(|s| s.expose().to_owned()), Ok("s3cret".into()));
    }
}
