//! `demo`: the sample register screened and its notices written to `var/outbox/` — each
//! leader's email (`.eml`) beside what their group chat would receive (`.json`, the masked
//! thin notice), named so a person finds theirs — and a table of who received what.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use super::open_store_for_writing;
use crate::clock::Clock;
use crate::config::LoadedConfig;
use crate::import::{ImportOptions, import_file};

pub(super) async fn demo(loaded: &LoadedConfig, clock: Arc<dyn Clock>) -> anyhow::Result<ExitCode> {
    let mut demo = loaded.clone();
    let database = PathBuf::from("var/demo.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    demo.config.database.url = format!("sqlite://{}", database.display());
    add_group_outbox(&mut demo)?;
    let store = open_store_for_writing(&demo, clock.as_ref()).await?;
    let register = demo.resolve(Path::new("examples/register.csv"));
    let options = ImportOptions::from_config(&demo.config, false, false);
    let report = import_file(&register, Some(&store), &demo.settings.rules.directory, options, clock.now()).await;
    if let Some(fatal) = &report.fatal {
        anyhow::bail!("{}: {fatal}", register.display());
    }
    println!("imported {} cases from {} into {}", report.imported(), register.display(), database.display());
    let tz = demo.config.time_zone();
    let now = clock.now().with_timezone(&tz);
    for &(job, ref schedule, _) in crate::jobs::schedules(&demo) {
        // The job's latest firing up to now: what the daemon would have run last.
        let Some(firing) = schedule.last_in(now - chrono::Duration::days(400), now, &demo.calendar) else { continue };
        let at = firing.at;
        let report =
            crate::jobs::run(&store, &demo, job, at.date_naive(), at.with_timezone(&chrono::Utc), clock.now(), false)
                .await?;
        println!(
            "{:<18} fired {}: {} flagged cases, {} notices",
            job.name(),
            at.format("%Y-%m-%d %a %H:%M"),
            report.flagged,
            report.enqueued
        );
    }
    let deliverer = Arc::new(crate::delivery::Deliverer::new(store.clone(), &demo).map_err(anyhow::Error::msg)?);
    let summary = deliverer.drain(Arc::clone(&clock)).await?;
    let notices = store.list_notices(&crate::store::NoticeFilter::default(), 100_000).await?;
    store.close().await;
    print_table(&demo, &notices);
    let outboxes: Vec<String> = demo
        .config
        .channels
        .iter()
        .filter(|(_, c)| c.enabled && c.kind == crate::config::ChannelKind::File)
        .filter_map(|(_, c)| c.dir.as_ref().map(|d| d.display().to_string()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    println!(
        "delivered {} notices ({} failed for now, {} dead) to {}: open the .eml files with a mail client; the .json files are what a group chat receives",
        summary.sent,
        summary.retried,
        summary.dead,
        if outboxes.is_empty() { "the enabled channels".to_owned() } else { outboxes.join(", ") }
    );
    Ok(ExitCode::SUCCESS)
}

/// The demo's group chat: a `file` channel writing each group notice as JSON into the outbox
/// beside the emails (channel `group-chat`), given to everyone who uses the default channels
/// and to the leading group, so the masking of group chats can be seen beside the leaders' mail.
fn add_group_outbox(demo: &mut LoadedConfig) -> anyhow::Result<()> {
    let dir = demo
        .config
        .channels
        .values()
        .find(|c| c.enabled && c.kind == crate::config::ChannelKind::File)
        .and_then(|c| c.dir.clone())
        .unwrap_or_else(|| PathBuf::from("var/outbox"));
    let channel: crate::config::ChannelConfig = toml::from_str(&format!(
        "kind = \"file\"\ngroup = true\nformat = \"json\"\ndir = {}",
        toml::Value::String(dir.display().to_string())
    ))?;
    demo.config.channels.insert(GROUP_CHAT.to_owned(), channel);
    demo.config.delivery.default_channels.push(GROUP_CHAT.to_owned());
    demo.config.leading_group.channels.push(GROUP_CHAT.to_owned());
    demo.settings = crate::config::Settings::new(&demo.config, &demo.calendar);
    Ok(())
}

/// The demo's group chat channel.
const GROUP_CHAT: &str = "group-chat";

/// Who received what: per person and job, the channels and the cases.
fn print_table(demo: &LoadedConfig, notices: &[crate::store::NoticeRow]) {
    use std::collections::BTreeMap;
    let mut rows: BTreeMap<(String, String), (Vec<String>, std::collections::BTreeSet<String>)> = BTreeMap::new();
    for n in notices {
        let who = match demo.settings.contacts.get(&n.recipient) {
            Some(c) => format!("{}{}", c.addressee.name, c.addressee.title.as_deref().unwrap_or("")),
            None if n.recipient == crate::plan::LEADING_GROUP => "信访工作领导小组".to_owned(),
            None => n.recipient.clone(),
        };
        let job = crate::plan::Job::parse(&n.job).map_or_else(|| n.job.clone(), |j| j.zh().to_owned());
        let row = rows.entry((who, job)).or_default();
        if !row.0.contains(&n.channel) {
            row.0.push(n.channel.clone());
            row.0.sort();
        }
        row.1.extend(n.case_nos.iter().cloned());
    }
    println!();
    println!("{}{}{}信访件", pad("收件人", 20), pad("任务", 22), pad("渠道", 22));
    for ((who, job), (channels, cases)) in &rows {
        let cases = match cases.len() {
            0 => "—".to_owned(),
            n if n <= 3 => cases.iter().cloned().collect::<Vec<_>>().join("、"),
            n => format!("{} 等 {n} 件", cases.iter().take(2).cloned().collect::<Vec<_>>().join("、")),
        };
        println!("{}{}{}{cases}", pad(who, 20), pad(job, 22), pad(&channels.join(", "), 22));
    }
    println!();
}

/// `text` padded with spaces to `width` terminal columns (a Chinese character takes two).
fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(crate::domain::display_width(text)).max(1)))
}
