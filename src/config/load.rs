//! Reading the config file, the environment overrides, the holiday files and the templates,
//! with every problem reported as `FILE:LINE: KEY: what is wrong`.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::de::DeserializeOwned;

use super::Config;
use super::locate::{line_of, locate};
use crate::calendar::{Calendar, HolidayFile};

/// Prefix of the environment variables that override config keys
/// (`PETITION_WATCH_DATABASE__URL` sets `database.url`; `__` separates table levels).
pub const ENV_PREFIX: &str = "PETITION_WATCH_";

/// One thing wrong (or worth a warning) in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: `FILE:LINE`, `FILE`, or `environment NAME`.
    pub place: String,
    /// The key at fault (`jobs.monthly_screening.schedule`), empty for the whole file.
    pub key: String,
    /// What is wrong, and what would be right.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.place, self.message)
        } else {
            write!(f, "{}: {}: {}", self.place, self.key, self.message)
        }
    }
}

/// The configuration could not be used; every problem found is listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The problems, in file order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// A configuration that passed every check, with what was built from it.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The settings as written (typed: time zone, cron specs and times parsed).
    pub config: Config,
    /// What they mean, built once: the rule book, contacts and channels.
    pub settings: super::Settings,
    /// The file they came from.
    pub path: PathBuf,
    /// The working-day calendar from the holiday files.
    pub calendar: Calendar,
    /// The holiday files read.
    pub holiday_files: Vec<PathBuf>,
    /// The template files that were read, with their text.
    pub templates: Vec<(PathBuf, String)>,
    /// Things that work but an administrator should know.
    pub warnings: Vec<Problem>,
    /// The HTTP API's tokens, from every source.
    pub api_tokens: Vec<super::ApiToken>,
}

impl LoadedConfig {
    /// What a job's plan needs of the township, borrowed from these settings.
    pub fn township(&self) -> crate::plan::job::Township<'_> {
        let s = &self.settings;
        crate::plan::job::Township {
            name: &self.config.township.name,
            time_zone: self.config.time_zone(),
            calendar: &self.calendar,
            rules: &s.rules,
            people: s.people(),
            escalation: &self.config.escalation,
            sweep_targets: &s.sweep_targets,
            leading_group: crate::plan::job::LeadingGroup {
                members: &s.leading_group_members,
                channels: &self.config.leading_group.channels,
            },
            duty: s.duty.as_ref(),
        }
    }

    /// Resolves a path from the config against the config file's directory.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        resolve_against(&self.path, path)
    }

    /// The notice templates: the built-in ones with the config's files in their place.
    pub fn notice_templates(&self) -> Result<crate::render::message::Templates, crate::render::message::TemplateError> {
        crate::render::message::Templates::new(template_overrides(&self.templates))
    }
}

fn resolve_against(config_path: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_owned();
    }
    config_path.parent().unwrap_or_else(|| Path::new(".")).join(path)
}

/// A source document being read: its name for messages and its text for line numbers.
pub(super) struct Doc<'a> {
    pub name: String,
    pub text: &'a str,
    /// Keys set from the environment: (key path, variable name).
    pub overridden: Vec<(String, String)>,
    /// The environment the config is read with (secrets named `{ env = … }` come from it).
    pub env: &'a [(String, String)],
}

impl Doc<'_> {
    /// A variable of the environment the config is read with.
    pub fn env_var(&self, name: &str) -> Option<String> {
        self.env.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    /// A problem at `key`, placed on the line where the key is written.
    pub fn problem(&self, key: &str, message: impl Into<String>) -> Problem {
        if let Some((_, var)) =
            self.overridden.iter().find(|(path, _)| key == path || key.starts_with(&format!("{path}.")))
        {
            return Problem { place: format!("environment {var}"), key: key.into(), message: message.into() };
        }
        let place = match locate(self.text, key) {
            Some(line) => format!("{}:{line}", self.name),
            None => self.name.clone(),
        };
        Problem { place, key: key.into(), message: message.into() }
    }
}

/// Reads the config at `path` with the environment `env`, then the holiday files and templates
/// it names. `today` decides whether next year's missing holiday schedule is worth a warning.
pub fn load(path: &Path, env: &[(String, String)], today: NaiveDate) -> Result<LoadedConfig, ConfigError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        problems: vec![Problem { place: name.clone(), key: String::new(), message: format!("cannot be read: {e}") }],
    })?;
    load_from_str(&text, path, env, today)
}

/// [`load`] for a config already read into `text`.
pub fn load_from_str(
    text: &str,
    path: &Path,
    env: &[(String, String)],
    today: NaiveDate,
) -> Result<LoadedConfig, ConfigError> {
    let mut table: toml::Table = parse_document(text, &path.display().to_string())?;
    let mut doc = Doc { name: path.display().to_string(), text, overridden: Vec::new(), env };
    apply_env(&mut table, env, &mut doc)?;
    let config: Config = deserialize(toml::Value::Table(table), &doc)?;

    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    super::validate::validate(&config, &doc, &mut problems, &mut warnings);

    let holidays_dir = resolve_against(path, &config.paths.holidays);
    let (calendar, holiday_files) = load_holidays(&holidays_dir, &mut problems);
    if let Some(warning) = calendar.missing_schedule_warning(today) {
        warnings.push(Problem { place: holidays_dir.display().to_string(), key: String::new(), message: warning });
    }
    let templates = check_templates(&resolve_against(path, &config.paths.templates), &mut problems);
    let tokens_file = config.http.tokens_file.as_ref().map(|file| resolve_against(path, file));
    let api_tokens = super::tokens::gather(&config.http.tokens, tokens_file.as_deref(), &doc, &mut problems);
    let links = super::validate::action_links(&config, &doc, &mut problems);

    if !problems.is_empty() {
        return Err(ConfigError { problems });
    }
    let mut settings = super::Settings::new(&config, &calendar);
    settings.links = links;
    Ok(LoadedConfig {
        config,
        settings,
        path: path.to_owned(),
        calendar,
        holiday_files,
        templates,
        warnings,
        api_tokens,
    })
}

/// Parses TOML text, reporting a syntax error on its line.
fn parse_document<T: DeserializeOwned>(text: &str, name: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let place = match e.span() {
            Some(span) => format!("{name}:{}", line_of(text, span.start)),
            None => name.to_owned(),
        };
        let message = format!("not valid TOML: {}", e.message().trim());
        ConfigError { problems: vec![Problem { place, key: String::new(), message }] }
    })
}

/// Deserializes a parsed document into `T`, naming the key and line of the first problem.
pub(super) fn deserialize<T: DeserializeOwned>(value: toml::Value, doc: &Doc<'_>) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut key = e.path().to_string();
        if key == "." {
            key.clear();
        }
        let raw = e.inner().message().to_owned();
        let message = match unknown_key(&raw) {
            Some((unknown, hint)) => {
                // Show the unknown key itself, whether or not the path already ends in it.
                if key.is_empty() {
                    key.clone_from(&unknown);
                } else if key.rsplit('.').next() != Some(unknown.as_str()) {
                    key = format!("{key}.{unknown}");
                }
                format!("unknown key `{unknown}`; {hint}")
            }
            None => without_value(&raw),
        };
        ConfigError { problems: vec![doc.problem(&key, message)] }
    })
}

/// A type error without the value that caused it (DESIGN §3: a secret put under the wrong key,
/// `password = "…"` where a `{ env = … }` belongs, must not be echoed): serde's `invalid type:
/// string "…", expected …` becomes `invalid type: a string (not shown), expected …`.
fn without_value(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: ", "invalid length "] {
        let Some(rest) = message.strip_prefix(prefix) else { continue };
        let (unexpected, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let kind = match unexpected.split([' ', '`', '"', '\'']).next().unwrap_or_default() {
            "string" => "a string",
            "integer" | "floating" => "a number",
            "boolean" => "true or false",
            "character" => "a character",
            "sequence" => "a list",
            "map" => "a table",
            _ if !unexpected.contains(['"', '`', '\'']) => unexpected,
            _ => "a value",
        };
        return match expected {
            "" => format!("{prefix}{kind} (not shown)"),
            expected => format!("{prefix}{kind} (not shown), expected {expected}"),
        };
    }
    message.to_owned()
}

/// Reads serde's "unknown field `x`, expected one of `a`, `b`" and suggests the nearest name.
fn unknown_key(message: &str) -> Option<(String, String)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, expected) = rest.split_once('`')?;
    let valid: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let nearest = valid
        .iter()
        .map(|v| (strsim::jaro_winkler(unknown, v), *v))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score >= 0.75);
    let hint = match nearest {
        Some((_, name)) => format!("did you mean `{name}`?"),
        None if valid.is_empty() => "no keys are allowed here".to_owned(),
        None => format!("valid keys here: {}", valid.join(", ")),
    };
    Some((unknown.to_owned(), hint))
}

/// Applies `DATABASE_URL` and `PETITION_WATCH_A__B=value` overrides to the parsed table.
fn apply_env(table: &mut toml::Table, env: &[(String, String)], doc: &mut Doc<'_>) -> Result<(), ConfigError> {
    let mut overrides: Vec<(Vec<String>, &str, &str)> = Vec::new();
    for (name, value) in env {
        if name == "DATABASE_URL" {
            overrides.push((vec!["database".into(), "url".into()], name, value));
        } else if let Some(rest) = name.strip_prefix(ENV_PREFIX).filter(|r| r.contains("__")) {
            let path = rest.split("__").map(str::to_lowercase).collect();
            overrides.push((path, name, value));
        }
    }
    // DATABASE_URL wins over PETITION_WATCH_DATABASE__URL: apply it last.
    overrides.sort_by_key(|(_, name, _)| *name == "DATABASE_URL");
    for (path, name, value) in overrides {
        let mut current = &mut *table;
        let (last, parents) = path.split_last().unwrap_or((&path[0], &[]));
        for part in parents {
            let entry = current.entry(part.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            current = match entry {
                toml::Value::Table(t) => t,
                _ => {
                    let key = path.join(".");
                    return Err(ConfigError {
                        problems: vec![Problem {
                            place: format!("environment {name}"),
                            key,
                            message: format!("`{part}` is not a table, so it has no keys to set"),
                        }],
                    });
                }
            };
        }
        let new_value = match current.get(last) {
            Some(toml::Value::String(_)) | None => value_from_env(value, true),
            Some(_) => value_from_env(value, false),
        };
        current.insert(last.clone(), new_value);
        doc.overridden.push((path.join("."), name.to_owned()));
    }
    Ok(())
}

/// An environment value: a string where a string is expected, otherwise read as TOML
/// (`5`, `true`, `["a", "b"]`), falling back to a string.
fn value_from_env(raw: &str, prefer_string: bool) -> toml::Value {
    if !prefer_string
        && let Ok(mut t) = toml::from_str::<toml::Table>(&format!("v = {raw}"))
        && let Some(v) = t.remove("v")
    {
        return v;
    }
    toml::Value::String(raw.to_owned())
}

/// Reads every `*.toml` in the holidays directory into a calendar.
fn load_holidays(dir: &Path, problems: &mut Vec<Problem>) -> (Calendar, Vec<PathBuf>) {
    let place = dir.display().to_string();
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect(),
        Err(e) => {
            problems.push(Problem { place, key: "paths.holidays".into(), message: format!("cannot be read: {e}") });
            return (Calendar::default(), Vec::new());
        }
    };
    paths.sort();
    let mut files: Vec<HolidayFile> = Vec::new();
    for path in &paths {
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                problems.push(Problem { place: name, key: String::new(), message: format!("cannot be read: {e}") });
                continue;
            }
        };
        let doc = Doc { name: name.clone(), text: &text, overridden: Vec::new(), env: &[] };
        let (file, found) = match parse_holiday_file(&text, &name) {
            Ok(file) => (file, Vec::new()),
            Err((Some(file), found)) => (file, found),
            Err((None, found)) => {
                problems.extend(found);
                continue;
            }
        };
        let mut found = found;
        // `2027.toml` holds 2027's schedule: a file named for one year and holding another's
        // would give the wrong working days to both.
        let stem_year = path.file_stem().and_then(|s| s.to_str()).and_then(|s| s.parse::<i32>().ok());
        if let Some(stem_year) = stem_year.filter(|y| *y != file.year) {
            found.push(doc.problem("year", format!("is {}, but the file is named for {stem_year}", file.year)));
        }
        let sound = found.is_empty();
        problems.extend(found);
        if let Some(earlier) = files.iter().position(|f| f.year == file.year) {
            problems
                .push(doc.problem("year", format!("{} is also the year of {}", file.year, paths[earlier].display())));
        } else if sound {
            files.push(file);
        }
    }
    (Calendar::new(files), paths)
}

/// Parses one holiday file's `text` (named `name` in problems): the file, or its problems —
/// with the file when it parsed but is not sound (a day off on a make-up day, …).
pub fn parse_holiday_file(text: &str, name: &str) -> Result<HolidayFile, (Option<HolidayFile>, Vec<Problem>)> {
    let doc = Doc { name: name.to_owned(), text, overridden: Vec::new(), env: &[] };
    let file: HolidayFile = parse_document::<toml::Value>(text, name)
        .and_then(|value| deserialize(value, &doc))
        .map_err(|e| (None, e.problems))?;
    let found: Vec<Problem> = file.problems().into_iter().map(|(key, message)| doc.problem(&key, message)).collect();
    if found.is_empty() { Ok(file) } else { Err((Some(file), found)) }
}

/// Reads the templates directory and checks the notice templates by rendering each with sample
/// notices, so a typo is caught by `check`, not at send time. Files absent from the directory
/// fall back to the built-in text. Returns the files read with their sources.
fn check_templates(dir: &Path, problems: &mut Vec<Problem>) -> Vec<(PathBuf, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        // No templates directory: the built-in templates are used.
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "j2" || x == "jinja"))
        .collect();
    paths.sort();
    let mut read = Vec::new();
    for path in paths {
        match std::fs::read_to_string(&path) {
            Ok(source) => {
                // Each file parses on its own (reports' templates are checked here too).
                let mut env = minijinja::Environment::new();
                if let Err(e) = env.add_template(&path.display().to_string(), &source) {
                    problems.push(template_problem(&path, e.line(), e.detail().unwrap_or("syntax error")));
                    continue;
                }
                read.push((path, source));
            }
            Err(e) => problems.push(Problem {
                place: path.display().to_string(),
                key: String::new(),
                message: format!("cannot be read: {e}"),
            }),
        }
    }
    match crate::render::message::Templates::new(template_overrides(&read)) {
        Ok(templates) => {
            for error in templates.check() {
                problems.push(Problem {
                    place: dir.join(&error.template).display().to_string(),
                    key: String::new(),
                    message: format!("template does not render with a sample notice: {}", error.message),
                });
            }
        }
        Err(error) => problems.push(Problem {
            place: dir.join(&error.template).display().to_string(),
            key: String::new(),
            message: format!("template does not parse: {}", error.message),
        }),
    }
    read
}

fn template_problem(path: &Path, line: Option<usize>, detail: &str) -> Problem {
    let place = match line {
        Some(line) => format!("{}:{line}", path.display()),
        None => path.display().to_string(),
    };
    Problem { place, key: String::new(), message: format!("template does not parse: {detail}") }
}

/// (file name, source) pairs for [`crate::render::message::Templates::new`].
pub fn template_overrides(read: &[(PathBuf, String)]) -> Vec<(String, String)> {
    read.iter().filter_map(|(path, source)| Some((path.file_name()?.to_str()?.to_owned(), source.clone()))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_error_never_shows_the_value_that_caused_it() {
        for (message, want) in [
            (
                "invalid type: string \"Hunter2Secret\", expected struct SecretRef",
                "invalid type: a string (not shown), expected struct SecretRef",
            ),
            (
                "invalid type: integer `123456`, expected a string",
                "invalid type: a number (not shown), expected a string",
            ),
            (
                "invalid value: string \"x\\\"y\", expected one of a, b",
                "invalid value: a string (not shown), expected one of a, b",
            ),
            ("invalid type: map, expected a string", "invalid type: a table (not shown), expected a string"),
            ("missing field `url`", "missing field `url`"),
        ] {
            assert_eq!(without_value(message), want, "{message}");
        }
    }

    #[test]
    fn an_unknown_key_suggests_the_nearest_valid_one() {
        let (key, hint) = unknown_key("unknown field `shedule`, expected one of `enabled`, `schedule`, `catch_up`")
            .expect("recognised");
        assert_eq!(key, "shedule");
        assert_eq!(hint, "did you mean `schedule`?");
        let (_, hint) = unknown_key("unknown field `zzz`, expected `url`").expect("recognised");
        assert_eq!(hint, "valid keys here: url");
    }
}
