//! `check`: the config, its holiday files, templates, channels, and who no channel reaches.

use std::process::ExitCode;

use crate::config::LoadedConfig;

/// What `check` finds that loading does not (DESIGN §5.1, `check` fails on it): an enabled
/// channel that `run` could not build (a secret it would reject, an unreadable file), and a person
/// who must be reached — a leader (an owner or portfolio leader), the party secretary, an
/// administrator — whom no enabled channel reaches. Each as (key, what is wrong).
fn reach_problems(loaded: &LoadedConfig) -> Vec<(String, String)> {
    let config = &loaded.config;
    let mut out = Vec::new();
    for (name, channel) in config.channels.iter().filter(|(_, c)| c.enabled) {
        if let Err(e) = crate::channels::Channel::build(name, channel) {
            out.push((format!("channels.{name}"), format!("`run` would refuse it: {e}")));
        }
    }
    let infos = &loaded.settings.channels;
    let contacts = &loaded.settings.contacts;
    let admins: Vec<&str> = config.administrators.people.iter().map(|p| p.as_str()).collect();
    for (i, person) in config.people.iter().enumerate() {
        let must = match person.role {
            crate::config::Role::PartySecretary => Some("the party secretary (第一责任人)"),
            crate::config::Role::Leader if !person.portfolio.is_empty() => Some("a portfolio leader (分管领导)"),
            crate::config::Role::Leader => Some("a leader who may own cases (包案领导)"),
            _ if admins.contains(&person.id.as_str()) => Some("an administrator (信访办)"),
            _ => None,
        };
        let Some(role) = must else { continue };
        let Some(contact) = contacts.get(person.id.as_str()) else { continue };
        let reached = contact
            .channels
            .iter()
            .any(|name| infos.get(name).is_some_and(|info| !info.needs_email || contact.addressee.email.is_some()));
        if !reached {
            let why: Vec<String> = contact
                .channels
                .iter()
                .map(|name| match (config.channels.get(name), infos.get(name)) {
                    (None, _) => format!("{name} is not defined"),
                    (Some(_), None) => format!("{name} is disabled"),
                    (Some(_), Some(_)) => format!("{name} is mail and the person has no email"),
                })
                .collect();
            out.push((
                format!("people[{i}]"),
                format!(
                    "`{}` ({}) is {role} and no enabled channel reaches them ({}); their notices would go unheard",
                    person.id,
                    person.name,
                    if why.is_empty() { "no channels".to_owned() } else { why.join("; ") }
                ),
            ));
        }
    }
    out
}

pub(super) fn check(loaded: &LoadedConfig) -> ExitCode {
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    let problems = reach_problems(loaded);
    if !problems.is_empty() {
        for (key, message) in &problems {
            eprintln!("{}: {key}: {message}", loaded.path.display());
        }
        eprintln!(
            "{} problems: channels `run` would refuse, or people their notices would never reach",
            problems.len()
        );
        return ExitCode::FAILURE;
    }
    let c = &loaded.config;
    let years: Vec<String> = loaded.calendar.years().map(|y| y.to_string()).collect();
    println!(
        "{}: ok — {} people, {} channels, holiday schedules for {}, {} templates",
        loaded.path.display(),
        c.people.len(),
        c.channels.len(),
        if years.is_empty() { "no year".to_owned() } else { years.join(", ") },
        loaded.templates.len()
    );
    ExitCode::SUCCESS
}
