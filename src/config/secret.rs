//! Secrets (SMTP passwords, robot keys, signing secrets): named in the config, read from the
//! environment or a file, and never printed.

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

/// A database URL with its password removed, so it can be shown: in `user:password@host`
/// the password becomes `***`, and so does a `password=` query parameter. A mistyped URL (no
/// `://`, an unknown scheme) is redacted the same way: whatever stands between the scheme or
/// start and the last `@` after its first `:` is taken for a password.
pub fn redact_url(url: &str) -> String {
    let mut shown = match url.rfind('@') {
        Some(at) => {
            let (before, host) = url.split_at(at);
            let marked = before.find("://").map(|i| i + 3).or_else(|| before.find("//").map(|i| i + 2));
            let start = marked.or_else(|| before.find(':').map(|i| i + 1)).unwrap_or(0);
            let (scheme, auth) = before.split_at(start);
            match auth.split_once(':') {
                Some((user, _)) => format!("{scheme}{user}:***{host}"),
                // `user:password@host` with no scheme: the colon found was the password's.
                None if marked.is_none() => format!("{}:***{host}", &scheme[..scheme.len().saturating_sub(1)]),
                None => url.to_owned(),
            }
        }
        None => url.to_owned(),
    };
    let lower = shown.to_ascii_lowercase();
    if let Some(i) = lower.find("password=") {
        let value = i + "password=".len();
        let end = shown[value..].find('&').map_or(shown.len(), |e| value + e);
        shown.replace_range(value..end, "***");
    }
    shown
}

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
    fn database_urls_are_shown_without_their_password_even_when_mistyped() {
        for (url, shown) in [
            ("postgres://pw:s3cret@db:5432/x", "postgres://pw:***@db:5432/x"),
            ("postgress://pw:s3cret@db/x", "postgress://pw:***@db/x"),
            ("postgres:/pw:s3cret@db/x", "postgres:/pw:***@db/x"),
            ("postgres//pw:s3cret@db/x", "postgres//pw:***@db/x"),
            ("pw:s3cret@db/x", "pw:***@db/x"),
            (
                "postgres://db/x?user=pw&password=s3cret&sslmode=require",
                "postgres://db/x?user=pw&password=***&sslmode=require",
            ),
            ("postgres://db/x?PASSWORD=s3cret", "postgres://db/x?PASSWORD=***"),
            ("sqlite://var/pw.db", "sqlite://var/pw.db"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
            assert!(!redact_url(url).contains("s3cret"));
        }
    }

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
