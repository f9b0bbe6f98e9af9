//! `demo`: the sample register screened and its notices written to `var/outbox/`.

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
    store.close().await;
    let outboxes: Vec<String> = demo
        .config
        .channels
        .iter()
        .filter(|(_, c)| c.enabled && c.kind == crate::config::ChannelKind::File)
        .filter_map(|(_, c)| c.dir.as_ref().map(|d| d.display().to_string()))
        .collect();
    println!(
        "delivered {} notices ({} failed for now, {} dead) to {}; open the .eml files with a mail client",
        summary.sent,
        summary.retried,
        summary.dead,
        if outboxes.is_empty() { "the enabled channels".to_owned() } else { outboxes.join(", ") }
    );
    Ok(ExitCode::SUCCESS)
}
