//! `notices …` (the outbox: list, show, retry, deliver) and `notify test`.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::ValueEnum;

use super::{ListFormat, NoticesCommand, open_store};
use crate::clock::Clock;
use crate::config::LoadedConfig;

pub(super) async fn notices(
    loaded: &LoadedConfig,
    clock: Arc<dyn Clock>,
    command: NoticesCommand,
) -> anyhow::Result<ExitCode> {
    use crate::store::{NoticeFilter, RetryOutcome, StatusFilter};
    let store = open_store(loaded).await?;
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let code = match command {
        NoticesCommand::List { status, since, channel, recipient, limit, format } => {
            let tz = loaded.config.time_zone();
            let since = since.and_then(|d| d.and_hms_opt(0, 0, 0)).and_then(|t| {
                use chrono::TimeZone;
                tz.from_local_datetime(&t).earliest().map(|t| t.with_timezone(&chrono::Utc))
            });
            let status = status.and_then(|s| {
                let word = s.to_possible_value().map(|v| v.get_name().to_owned()).unwrap_or_default();
                StatusFilter::parse(&word)
            });
            let rows = store.list_notices(&NoticeFilter { status, since, channel, recipient }, limit).await?;
            let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
            match format {
                ListFormat::Json => {
                    let notices = rows.iter().cloned().map(crate::http::api::NoticeJson::from).collect();
                    serde_json::to_writer_pretty(&mut stdout, &crate::http::api::NoticeList { notices })?;
                    writeln!(stdout)?;
                }
                ListFormat::Table => {
                    writeln!(
                        stdout,
                        "id\tstatus\tattempts\tjob\trecipient\tchannel\tcases\tplanned\tnext/sent\tlast error"
                    )?;
                    for n in &rows {
                        let when = n.sent_at.map_or_else(|| local(n.next_attempt_at), local);
                        writeln!(
                            stdout,
                            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                            n.id,
                            n.status,
                            n.attempts,
                            n.job,
                            n.recipient,
                            n.channel,
                            n.case_nos.len(),
                            local(n.created_at),
                            when,
                            n.last_error.as_deref().unwrap_or("")
                        )?;
                    }
                    writeln!(stdout, "{} notices", rows.len())?;
                }
            }
            ExitCode::SUCCESS
        }
        NoticesCommand::Show { id } => match store.get_notice(&id).await? {
            None => {
                eprintln!("error: no notice {id}");
                ExitCode::FAILURE
            }
            Some((n, attempts)) => {
                writeln!(stdout, "id:        {}", n.id)?;
                writeln!(stdout, "status:    {} after {} attempts", n.status, n.attempts)?;
                writeln!(stdout, "job:       {} ({})", n.job, n.period)?;
                writeln!(stdout, "to:        {} via {}", n.recipient, n.channel)?;
                writeln!(stdout, "reason:    {}", n.reason)?;
                writeln!(stdout, "cases:     {}", n.case_nos.join(", "))?;
                writeln!(stdout, "planned:   {}", n.created_at)?;
                if let Some(error) = &n.last_error {
                    writeln!(stdout, "last error: {error}")?;
                }
                for a in &attempts {
                    writeln!(
                        stdout,
                        "attempt {}: {} at {} {}",
                        a.attempt,
                        a.outcome,
                        a.at,
                        a.detail.as_deref().unwrap_or("")
                    )?;
                }
                let templates = loaded.notice_templates()?;
                match serde_json::from_str::<crate::notice::NoticeBody>(&n.payload) {
                    Ok(body) => {
                        let email = templates.email(&body)?;
                        writeln!(stdout, "\nSubject: {}\n\n{}", email.subject, email.text)?;
                    }
                    Err(e) => writeln!(stdout, "\n(stored notice does not parse: {e})")?,
                }
                ExitCode::SUCCESS
            }
        },
        NoticesCommand::Retry { id: None, status, channel } => {
            let word = status.and_then(|s| s.to_possible_value()).map(|v| v.get_name().to_owned()).unwrap_or_default();
            let Some(status) = StatusFilter::parse(&word).filter(|s| {
                matches!(
                    s,
                    StatusFilter::Failed
                        | StatusFilter::Is(crate::store::NoticeStatus::Dead | crate::store::NoticeStatus::Pending)
                )
            }) else {
                eprintln!(
                    "error: --status {word}: only dead, failed or pending notices are retried (a sent notice is not sent twice)"
                );
                return Ok(ExitCode::FAILURE);
            };
            let filter = NoticeFilter { status: Some(status), channel, ..Default::default() };
            let rows = store.list_notices(&filter, i64::MAX).await?;
            let mut retried = 0;
            for row in &rows {
                if matches!(store.retry_notice(&row.id, clock.now()).await?, RetryOutcome::Retried(_)) {
                    retried += 1;
                }
            }
            writeln!(
                stdout,
                "{retried} notices due now (run `petition-watch notices deliver` or let the daemon send them)"
            )?;
            ExitCode::SUCCESS
        }
        NoticesCommand::Retry { id: Some(id), .. } => match store.retry_notice(&id, clock.now()).await? {
            RetryOutcome::Missing => {
                eprintln!("error: no notice {id}");
                ExitCode::FAILURE
            }
            RetryOutcome::Retried(status) => {
                writeln!(
                    stdout,
                    "{id}: was {status}; due now (run `petition-watch notices deliver` or let the daemon send it)"
                )?;
                ExitCode::SUCCESS
            }
            RetryOutcome::NotRetryable(status) => {
                eprintln!(
                    "error: {id} is {status}; only pending or dead notices are retried (a sent notice is not sent twice)"
                );
                ExitCode::FAILURE
            }
        },
        NoticesCommand::Deliver => {
            let deliverer =
                Arc::new(crate::delivery::Deliverer::new(store.clone(), loaded).map_err(anyhow::Error::msg)?);
            let summary = deliverer.drain(Arc::clone(&clock)).await?;
            let crate::store::OutboxCounts { pending, dead, .. } = store.outbox_counts().await?;
            writeln!(
                stdout,
                "delivered {}, failed and rescheduled {}, held {}, dead {}; outbox now: {pending} waiting, {dead} dead in all",
                summary.sent, summary.retried, summary.held, summary.dead
            )?;
            if summary.dead > 0 { ExitCode::from(3) } else { ExitCode::SUCCESS }
        }
    };
    stdout.flush()?;
    store.close().await;
    Ok(code)
}

pub(super) async fn notify_test(
    loaded: &LoadedConfig,
    clock: &dyn Clock,
    channel: &str,
    to: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let config = &loaded.config;
    let contacts = &loaded.settings.contacts;
    let person = match to {
        Some(id) => id.to_owned(),
        None => config
            .administrators
            .people
            .first()
            .map(|p| p.as_str().to_owned())
            .or_else(|| config.people.first().map(|p| p.id.as_str().to_owned()))
            .ok_or_else(|| anyhow::anyhow!("no [[people]] in the config to address the test to"))?,
    };
    let addressee = contacts
        .get(&person)
        .map(|c| c.addressee.clone())
        .ok_or_else(|| anyhow::anyhow!("--to {person}: not defined in [[people]]"))?;
    let store = open_store(loaded).await?;
    let deliverer = crate::delivery::Deliverer::new(store.clone(), loaded).map_err(anyhow::Error::msg)?;
    let result = deliverer.test(channel, addressee, clock.now()).await;
    store.close().await;
    match result {
        Ok(()) => {
            println!("{channel}: test message delivered to {person}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{channel}: test message failed: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}
