//! API tokens (DESIGN §5.3): `[[http.tokens]]` in the config, the lines of `http.tokens_file`,
//! and the environment variable `PETITION_WATCH_API_TOKENS` (`name:scope:token,…`). Each has a
//! name (shown in logs, never the token), a scope (`read` or `write`; write includes read) and
//! the token itself, which is never printed.

use std::fmt;
use std::path::Path;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::load::{Doc, Problem};
use super::secret::{Secret, SecretRef};

/// The environment variable holding tokens: comma-separated `name:scope:token`.
pub const TOKENS_ENV: &str = "PETITION_WATCH_API_TOKENS";

/// The shortest token accepted: a guessable token is no lock.
pub const MIN_TOKEN_CHARS: usize = 16;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read cases, findings, notices, jobs; see the status page.
    Read,
    /// Everything `read` may, and take in cases and retry notices.
    Write,
}

impl Scope {
    /// Parses `read` or `write`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            _ => None,
        }
    }

    /// `read` or `write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }

    /// Whether a token of this scope may do what `needed` allows.
    pub fn allows(self, needed: Scope) -> bool {
        self >= needed
    }
}

/// One `[[http.tokens]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Who holds it (a system or a person), for logs and the status page.
    pub name: String,
    /// `read` or `write`.
    pub scope: Scope,
    /// The token: a string, or `{ env = "NAME" }` / `{ file = "PATH" }`.
    pub token: TokenValue,
}

/// A token written in the config, or where to read it.
#[derive(Clone)]
pub enum TokenValue {
    /// Written in the config file itself.
    Literal(Secret),
    /// Read from the environment or a file.
    From(SecretRef),
}

impl fmt::Debug for TokenValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Literal(_) => f.write_str("Literal(***)"),
            Self::From(r) => write!(f, "From({r:?})"),
        }
    }
}

impl<'de> Deserialize<'de> for TokenValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TokenVisitor;
        impl<'de> Visitor<'de> for TokenVisitor {
            type Value = TokenValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a token string, or { env = \"NAME\" } or { file = \"PATH\" }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TokenValue, E> {
                Ok(TokenValue::Literal(Secret::new(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TokenValue, A::Error> {
                SecretRef::deserialize(de::value::MapAccessDeserializer::new(map)).map(TokenValue::From)
            }
        }
        deserializer.deserialize_any(TokenVisitor)
    }
}

/// A token the HTTP listener accepts.
#[derive(Debug, Clone)]
pub struct ApiToken {
    /// Its holder's name.
    pub name: String,
    /// What it may do.
    pub scope: Scope,
    /// The token.
    pub token: Secret,
}

/// Checks one token's name and value; the message never contains the token.
fn check(name: &str, token: &str) -> Result<(), String> {
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || "-_.@".contains(c)) {
        return Err(format!("name {name:?} must be letters, digits, '-', '_', '.' or '@'"));
    }
    if token.chars().count() < MIN_TOKEN_CHARS {
        return Err(format!(
            "the token of {name:?} is shorter than {MIN_TOKEN_CHARS} characters; use a random one, \
             e.g. `head -c 24 /dev/urandom | base64`"
        ));
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control() || c == ',') {
        return Err(format!("the token of {name:?} contains white space or a comma"));
    }
    Ok(())
}

/// Parses one `name:scope:token` entry (of the file or the environment variable).
fn parse_entry(entry: &str) -> Result<ApiToken, String> {
    let mut parts = entry.trim().splitn(3, ':');
    let (Some(name), Some(scope), Some(token)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("expected name:scope:token".into());
    };
    let scope = Scope::parse(scope)
        .ok_or_else(|| format!("the scope of {:?} is {:?}; expected read or write", name.trim(), scope.trim()))?;
    let name = name.trim();
    check(name, token)?;
    Ok(ApiToken { name: name.to_owned(), scope, token: Secret::new(token) })
}

/// Gathers the tokens of every source, reporting each bad one (by key, file line or entry
/// number) in `problems`. `tokens_file` is already resolved against the config's directory.
pub(super) fn gather(
    configured: &[TokenConfig],
    tokens_file: Option<&Path>,
    doc: &Doc<'_>,
    problems: &mut Vec<Problem>,
) -> Vec<ApiToken> {
    let problem = |key: &str, message: String| doc.problem(key, message);
    let mut tokens: Vec<(ApiToken, String)> = Vec::new();
    for (i, entry) in configured.iter().enumerate() {
        let key = format!("http.tokens[{i}].token");
        let token = match &entry.token {
            TokenValue::Literal(secret) => Ok(secret.clone()),
            TokenValue::From(reference) => reference.resolve_with(|name| doc.env_var(name)),
        };
        match token.and_then(|t| check(&entry.name, t.expose()).map(|()| t)) {
            Ok(token) => {
                tokens.push((ApiToken { name: entry.name.clone(), scope: entry.scope, token }, key));
            }
            Err(message) => problems.push(problem(&key, message)),
        }
    }
    if let Some(path) = tokens_file {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                for (n, line) in text.lines().enumerate() {
                    let line = line.trim();
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    let place = format!("{}:{}", path.display(), n + 1);
                    match parse_entry(line) {
                        Ok(token) => tokens.push((token, place)),
                        Err(message) => problems.push(Problem { place, key: "http.tokens_file".into(), message }),
                    }
                }
            }
            Err(e) => problems.push(problem("http.tokens_file", format!("{} cannot be read: {e}", path.display()))),
        }
    }
    if let Some(value) = doc.env_var(TOKENS_ENV) {
        for (n, entry) in value.split(',').enumerate().filter(|(_, e)| !e.trim().is_empty()) {
            let place = format!("environment {TOKENS_ENV}, entry {}", n + 1);
            match parse_entry(entry) {
                Ok(token) => tokens.push((token, place)),
                Err(message) => problems.push(Problem { place, key: String::new(), message }),
            }
        }
    }
    for (i, (token, place)) in tokens.iter().enumerate() {
        if let Some((_, first)) = tokens[..i].iter().find(|(t, _)| t.name == token.name) {
            problems.push(Problem {
                place: place.clone(),
                key: String::new(),
                message: format!("token name {:?} is also given at {first}; names must differ", token.name),
            });
        } else if let Some((other, _)) = tokens[..i].iter().find(|(t, _)| t.token == token.token) {
            problems.push(Problem {
                place: place.clone(),
                key: String::new(),
                message: format!(
                    "token {:?} has the same token as {:?}; give each holder its own",
                    token.name, other.name
                ),
            });
        }
    }
    tokens.into_iter().map(|(t, _)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_env(env: &[(String, String)], problems: &mut Vec<Problem>) -> Vec<ApiToken> {
        let doc = Doc { name: "test.toml".into(), text: "", overridden: Vec::new(), env };
        gather(&[], None, &doc, problems)
    }

    #[test]
    fn the_environment_variable_gives_named_scoped_tokens() {
        let env = vec![(
            TOKENS_ENV.to_owned(),
            "ops:read:0123456789abcdefXYZ, intake:write:a:b:c-0123456789abcdef".to_owned(),
        )];
        let mut problems = Vec::new();
        let tokens = from_env(&env, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(tokens.len(), 2);
        assert_eq!((tokens[0].name.as_str(), tokens[0].scope), ("ops", Scope::Read));
        assert_eq!((tokens[1].name.as_str(), tokens[1].scope), ("intake", Scope::Write));
        assert_eq!(tokens[1].token.expose(), "a:b:c-0123456789abcdef", "a token may contain colons");
    }

    #[test]
    fn bad_entries_are_named_without_their_token() {
        let secret = "short";
        let env = vec![(TOKENS_ENV.to_owned(), format!("a:admin:0123456789abcdefgh,b:read:{secret},c"))];
        let mut problems = Vec::new();
        let tokens = from_env(&env, &mut problems);
        assert!(tokens.is_empty());
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 3, "{text:?}");
        assert!(text[0].contains("entry 1") && text[0].contains("expected read or write"), "{}", text[0]);
        assert!(text[1].contains("entry 2") && text[1].contains("shorter than 16"), "{}", text[1]);
        assert!(text[2].contains("entry 3") && text[2].contains("name:scope:token"), "{}", text[2]);
        assert!(!text.iter().any(|t| t.contains(&format!(":{secret}"))), "a token is never printed");
    }

    #[test]
    fn names_and_tokens_must_differ() {
        let env = vec![(
            TOKENS_ENV.to_owned(),
            "a:read:0123456789abcdefgh,a:write:zyxwvutsrq9876543,b:read:0123456789abcdefgh".into(),
        )];
        let mut problems = Vec::new();
        from_env(&env, &mut problems);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].message.contains("names must differ"));
        assert!(problems[1].message.contains("same token as \"a\""));
    }

    #[test]
    fn write_includes_read() {
        assert!(Scope::Write.allows(Scope::Read));
        assert!(Scope::Write.allows(Scope::Write));
        assert!(Scope::Read.allows(Scope::Read));
        assert!(!Scope::Read.allows(Scope::Write));
    }
}
