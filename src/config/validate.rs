//! Checks that need more than one key: references between people, channels and groups,
//! cron specs, time zones, URLs and secrets.

use std::collections::{BTreeMap, BTreeSet};

use super::load::{Doc, Problem};
use super::{ChannelConfig, ChannelKind, Config, Role};
use crate::domain::{PersonId, normalize_text};

/// Adds every problem found in `config` to `problems`, and things worth knowing to `warnings`.
pub(super) fn validate(config: &Config, doc: &Doc<'_>, problems: &mut Vec<Problem>, warnings: &mut Vec<Problem>) {
    let mut err = |key: &str, message: String| problems.push(doc.problem(key, message));

    let url = &config.database.url;
    if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        err("database.url", format!("{:?} is neither sqlite://PATH nor postgres://…", super::redact_url(url)));
    }
    if config.database.claim_lease < std::time::Duration::from_secs(10) {
        err(
            "database.claim_lease",
            "must be at least 10s (a shorter lease lets a replica take over a firing still running)".into(),
        );
    }
    if config.database.max_connections == 0 {
        err("database.max_connections", "must be at least 1".into());
    }
    let listen = &config.http.listen;
    if !listen.is_empty() && listen.parse::<std::net::SocketAddr>().is_err() {
        err("http.listen", format!("{listen:?} is not an address like \"127.0.0.1:8080\" or \"[::1]:8080\""));
    }
    if config.http.max_connections == 0 {
        err("http.max_connections", "must be at least 1".into());
    }
    if config.http.max_heavy_requests == 0 {
        err("http.max_heavy_requests", "must be at least 1".into());
    }
    if config.http.header_read_timeout.is_zero() {
        err("http.header_read_timeout", "must be longer than 0s".into());
    }
    if config.http.request_timeout.is_zero() {
        err("http.request_timeout", "must be longer than 0s".into());
    }
    if config.http.max_body_bytes < 1024 {
        err("http.max_body_bytes", "must be at least 1024 bytes".into());
    }

    // People: unique ids and names, one party secretary, each category in one portfolio.
    let mut ids = BTreeSet::new();
    let mut names = BTreeMap::new();
    let mut portfolio_owner: BTreeMap<String, &PersonId> = BTreeMap::new();
    for (i, person) in config.people.iter().enumerate() {
        if !ids.insert(person.id.clone()) {
            err(&format!("people[{i}].id"), format!("`{}` is defined twice", person.id));
        }
        let name = crate::domain::normalize_name(&person.name);
        if name.is_empty() {
            err(&format!("people[{i}].name"), "is blank".into());
        } else if let Some(other) = names.insert(name, &person.id) {
            err(
                &format!("people[{i}].name"),
                format!("{:?} is also the name of `{other}`; names must tell people apart", person.name),
            );
        }
        if let Some(email) = &person.email
            && !looks_like_email(email)
        {
            err(&format!("people[{i}].email"), format!("{email:?} is not an email address"));
        }
        for (j, category) in person.portfolio.iter().enumerate() {
            let category = normalize_text(category);
            if let Some(other) = portfolio_owner.insert(category.clone(), &person.id) {
                err(
                    &format!("people[{i}].portfolio[{j}]"),
                    format!("category {category:?} is already in the portfolio of `{other}`"),
                );
            }
        }
        for (j, channel) in person.channels.iter().enumerate() {
            check_channel_ref(config, channel, &format!("people[{i}].channels[{j}]"), &mut err);
        }
    }
    let secretaries = config.people.iter().filter(|p| p.role == Role::PartySecretary).count();
    if secretaries > 1 {
        err("people", format!("{secretaries} people have role = \"party_secretary\"; the 第一责任人 is one person"));
    } else if secretaries == 0 && !config.people.is_empty() {
        warnings.push(
            doc.problem("people", "nobody has role = \"party_secretary\": escalations stop at the portfolio leader"),
        );
    }

    for (i, member) in config.leading_group.members.iter().enumerate() {
        if !ids.contains(member) {
            err(&format!("leading_group.members[{i}]"), unknown_person(member, &ids));
        }
    }
    for (i, channel) in config.leading_group.channels.iter().enumerate() {
        check_channel_ref(config, channel, &format!("leading_group.channels[{i}]"), &mut err);
    }
    for (i, person) in config.administrators.people.iter().enumerate() {
        if !ids.contains(person) {
            err(&format!("administrators.people[{i}]"), unknown_person(person, &ids));
        }
    }
    for (i, channel) in config.administrators.channels.iter().enumerate() {
        check_channel_ref(config, channel, &format!("administrators.channels[{i}]"), &mut err);
    }

    for (name, channel) in &config.channels {
        check_channel(name, channel, &|var: &str| doc.env_var(var), &mut err);
    }

    let d = &config.deadlines;
    for (key, value) in [
        ("acceptance_days", d.acceptance_days),
        ("handling_days", d.handling_days),
        ("review_days", d.review_days),
        ("recheck_days", d.recheck_days),
    ] {
        if value == 0 {
            err(&format!("deadlines.{key}"), "must be at least 1 day".into());
        }
    }
    if d.max_extension_days > 30 {
        err(
            "deadlines.max_extension_days",
            format!("{} exceeds the legal maximum of 30 days (信访工作条例 第三十四条)", d.max_extension_days),
        );
    }
    let e = &config.escalation;
    if e.secretary_after_working_days < e.portfolio_after_working_days {
        err(
            "escalation.secretary_after_working_days",
            format!(
                "{} is before portfolio_after_working_days = {}; the party secretary is the last step",
                e.secretary_after_working_days, e.portfolio_after_working_days
            ),
        );
    }
    if e.repeat_every_working_days == 0 {
        err("escalation.repeat_every_working_days", "must be at least 1 working day".into());
    }
    if e.office_closes <= e.office_opens {
        err(
            "escalation.office_closes",
            format!(
                "{} is not after office_opens = {}",
                e.office_closes.format("%H:%M"),
                e.office_opens.format("%H:%M")
            ),
        );
    }
    if e.ack_working_hours == 0 {
        err("escalation.ack_working_hours", "must be at least 1 working hour".into());
    }
    if config.delivery.retry_schedule.is_empty() {
        err("delivery.retry_schedule", "must list at least one wait".into());
    }
    if !(0.0..=1.0).contains(&config.delivery.jitter) {
        err("delivery.jitter", format!("{} is not a fraction between 0 and 1", config.delivery.jitter));
    }
    let roster = &config.duty_roster;
    let referenced = roster
        .rotation
        .iter()
        .enumerate()
        .map(|(i, id)| (id, format!("duty_roster.rotation[{i}]")))
        .chain(roster.swaps.iter().enumerate().map(|(i, s)| (&s.person, format!("duty_roster.swaps[{i}].person"))))
        .chain(roster.leave.iter().enumerate().map(|(i, l)| (&l.person, format!("duty_roster.leave[{i}].person"))));
    for (id, key) in referenced {
        if !ids.contains(id) {
            err(&key, unknown_person(id, &ids));
        }
    }
    for (i, leave) in roster.leave.iter().enumerate() {
        if leave.to < leave.from {
            err(&format!("duty_roster.leave[{i}].to"), format!("{} is before from = {}", leave.to, leave.from));
        }
    }
    if config.jobs.duty_roster.enabled && (roster.rotation.is_empty() || roster.starts.is_none()) {
        err("duty_roster", "the duty_roster job is enabled: set rotation (leaders in turn) and starts (the first reception day), or disable jobs.duty_roster".into());
    }
    for (i, channel) in config.delivery.default_channels.iter().enumerate() {
        check_channel_ref(config, channel, &format!("delivery.default_channels[{i}]"), &mut err);
    }
    if config.delivery.workers == 0 || config.delivery.workers > 64 {
        err("delivery.workers", format!("{} is not between 1 and 64", config.delivery.workers));
    }
    if config.delivery.lease < std::time::Duration::from_secs(10) {
        err("delivery.lease", "must be at least 10s (longer than one delivery attempt)".into());
    }
    if !(1..=28).contains(&config.reports.month_starts_on_day) {
        err("reports.month_starts_on_day", format!("{} is not a day from 1 to 28", config.reports.month_starts_on_day));
    }
    if config.import.batch_rows == 0 {
        err("import.batch_rows", "must be at least 1".into());
    }
    if config.import.max_cell_bytes < 256 {
        err("import.max_cell_bytes", "must be at least 256 bytes".into());
    }
}

fn unknown_person(id: &PersonId, ids: &BTreeSet<PersonId>) -> String {
    let nearest = ids
        .iter()
        .map(|known| (strsim::jaro_winkler(id.as_str(), known.as_str()), known))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score >= 0.75);
    match nearest {
        Some((_, known)) => format!("`{id}` is not defined in [[people]]; did you mean `{known}`?"),
        None => format!("`{id}` is not defined in [[people]]"),
    }
}

fn check_channel_ref(config: &Config, name: &str, key: &str, err: &mut impl FnMut(&str, String)) {
    if !config.channels.contains_key(name) {
        let known: Vec<&str> = config.channels.keys().map(String::as_str).collect();
        err(key, format!("channel `{name}` is not defined; defined channels: {}", known.join(", ")));
    }
}

fn looks_like_email(text: &str) -> bool {
    let mut parts = text.split('@');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(local), Some(domain), None) if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !text.contains(char::is_whitespace)
    )
}

/// Whether `host` is this machine (a relay on loopback sees no network).
fn is_loopback(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Checks that a channel has the keys its kind needs and none it cannot use.
fn check_channel(
    name: &str,
    c: &ChannelConfig,
    env: &dyn Fn(&str) -> Option<String>,
    err: &mut impl FnMut(&str, String),
) {
    let key = |k: &str| format!("channels.{name}.{k}");
    let kind = format!("{:?}", c.kind).to_lowercase();
    let mut require = |present: bool, k: &str| {
        if !present {
            err(&key(k), format!("is required for kind = \"{kind}\""));
        }
    };
    match c.kind {
        ChannelKind::Smtp => {
            require(c.host.is_some(), "host");
            require(c.from.is_some(), "from");
        }
        ChannelKind::Webhook => require(c.url.is_some(), "url"),
        ChannelKind::Wecom | ChannelKind::Dingtalk | ChannelKind::Feishu => require(c.key.is_some(), "key"),
        ChannelKind::File => require(c.dir.is_some(), "dir"),
    }
    if let Some(from) = &c.from
        && !looks_like_email(from)
    {
        err(&key("from"), format!("{from:?} is not an email address"));
    }
    if let Some(url) = &c.url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        // Not quoted: a robot's URL may carry its key.
        err(&key("url"), "is not an http(s) URL: it must start with https:// or http://".into());
    }
    if let Some(ca) = &c.ca_file
        && c.enabled
        && let Err(e) = std::fs::read(ca)
    {
        err(&key("ca_file"), format!("cannot read {}: {e}", ca.display()));
    }
    if c.max_message_bytes.is_some_and(|n| n < 256) {
        err(&key("max_message_bytes"), "must be at least 256 bytes".into());
    }
    if c.timeout >= std::time::Duration::from_secs(300) || c.timeout.is_zero() {
        err(&key("timeout"), "must be more than 0s and less than 5m".into());
    }
    if c.kind == ChannelKind::Smtp
        && c.enabled
        && c.security == crate::config::SmtpSecurity::None
        && c.username.is_some()
        && !c.allow_plaintext_auth
        && let Some(host) = c.host.as_deref().filter(|h| !is_loopback(h))
    {
        err(
            &key("security"),
            format!(
                "\"none\" would send the password unencrypted to {host}; use \"starttls\" or \"tls\", \
                 or set allow_plaintext_auth = true for a relay on a trusted network"
            ),
        );
    }
    if c.password.is_some() && c.username.is_none() {
        err(&key("username"), "is required when a password is given".into());
    }
    if c.enabled {
        for (k, secret) in [("password", &c.password), ("key", &c.key), ("secret", &c.secret)] {
            if let Some(secret) = secret
                && let Err(message) = secret.resolve_with(env)
            {
                err(&key(k), message);
            }
        }
    }
}

/// Action links: `http.public_url` must be an http(s) address, and then at least one key of
/// [`super::MIN_LINK_KEY_BYTES`] bytes must sign them. Problems go to `problems`.
pub fn action_links(config: &Config, doc: &Doc<'_>, problems: &mut Vec<Problem>) -> Option<super::ActionLinks> {
    let http = &config.http;
    let url = http.public_url.trim();
    let mut keys = Vec::new();
    for (i, key) in http.link_keys.iter().enumerate() {
        match key.resolve_with(|var: &str| doc.env_var(var)) {
            Ok(secret) if secret.expose().len() >= super::MIN_LINK_KEY_BYTES => keys.push(secret),
            Ok(secret) => problems.push(doc.problem(
                &format!("http.link_keys[{i}]"),
                format!("is {} bytes; a link key needs at least {}", secret.expose().len(), super::MIN_LINK_KEY_BYTES),
            )),
            Err(message) => problems.push(doc.problem(&format!("http.link_keys[{i}]"), message)),
        }
    }
    if url.is_empty() {
        return None;
    }
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    // Only characters that need no escaping in an HTML attribute or a Markdown link: the
    // templates write the links as they are.
    let plain = url.chars().all(|c| c.is_ascii_alphanumeric() || "-._~:/%[]@!$&*+,;=".contains(c));
    let host_given = url.split_once("://").is_some_and(|(_, rest)| !rest.is_empty() && !rest.starts_with('/'));
    if !scheme_ok || !plain || !host_given || url.contains(['?', '#']) {
        problems.push(doc.problem(
            "http.public_url",
            format!(
                "{url:?} is not an address like \"https://xf.example.gov.cn\" (http or https, a host, no query, \
                 no quotes, spaces or brackets)"
            ),
        ));
        return None;
    }
    if http.link_keys.is_empty() {
        problems.push(doc.problem(
            "http.public_url",
            "action links need a key to sign them: set http.link_keys = [{ env = \"PETITION_WATCH_LINK_KEY\" }]",
        ));
        return None;
    }
    (keys.len() == http.link_keys.len())
        .then(|| super::ActionLinks { public_url: url.trim_end_matches('/').to_owned(), keys })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_checked_for_form() {
        assert!(looks_like_email("wang@example.gov.cn"));
        assert!(!looks_like_email("wang"));
        assert!(!looks_like_email("a@b@c.cn"));
        assert!(!looks_like_email("wang @x.cn"));
    }
}
