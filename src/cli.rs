//! The `petition-watch` command line: parses arguments, loads the config, starts logging and
//! calls one function per command. Exit codes: 0 done, 1 failed, 3 import partly rejected.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::Datelike;
use clap::{Parser, Subcommand, ValueEnum};

use crate::clock::{Clock, SystemClock};
use crate::config::{self, LoadedConfig, LogFormat};
use crate::import::{FileReport, ImportOptions, import_file};
use crate::store::{Store, StoreOptions};

/// Default config location, relative to the working directory.
pub const DEFAULT_CONFIG: &str = "config/petition-watch.toml";

/// Screens a township petition register and tells each responsible leader about their cases.
#[derive(Debug, Parser)]
#[command(name = "petition-watch", version, about)]
pub struct Cli {
    /// Config file.
    #[arg(long, global = true, env = "PETITION_WATCH_CONFIG", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    /// Log format (default: `log.format` from the config).
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the config, holiday files and templates; exit 1 naming file:line and key.
    Check,
    /// Create the database or bring its schema up to date.
    Migrate,
    /// Import register files (CSV or XLSX); exit 0 all imported, 3 some rows rejected, 1 none.
    Import {
        /// Files to import, in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Check the files only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write every rejected row to this CSV file (UTF-8 with BOM, opens in Excel).
        #[arg(long, value_name = "FILE")]
        errors: Option<PathBuf>,
    },
    /// Screen the register at a date: the flagged cases with their flags and running deadlines.
    Screen {
        /// The as-of date (default: today in the configured time zone).
        #[arg(long, value_parser = parse_as_of)]
        as_of: Option<chrono::NaiveDate>,
        /// Output format: a readable table, the public JSON, or CSV for Excel.
        #[arg(long, value_enum, default_value_t = ScreenFormat::Table)]
        format: ScreenFormat,
    },
    /// List the stored cases (no personal identifiers).
    Cases {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Run the daemon: the jobs on schedule and the delivery of their notices.
    Run {
        /// Serve /healthz and /readyz on this address (overrides http.listen).
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
    },
    /// Try it out: the sample register in a fresh database under var/, each job once, the
    /// notices written to the file outbox (var/outbox/), and a summary.
    Demo,
    /// Every firing in a span and how many notices each would send; nothing is sent.
    Simulate {
        /// First day.
        #[arg(long, value_parser = parse_as_of)]
        from: chrono::NaiveDate,
        /// Last day.
        #[arg(long, value_parser = parse_as_of)]
        to: chrono::NaiveDate,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Write a report — the monthly screening report (预测排查情况) or the quarterly supervision
    /// digest (季度督查) — as XLSX (every table, for Excel) or Markdown (the robots' summary).
    Report {
        /// monthly (the screening report), quarterly (the supervision digest), annual (the
        /// digest of a year: the assessment per unit) or sweep (节前/会前排查; --period names
        /// the holiday or event).
        kind: ReportKind,
        /// 2026-10 (month), 2026Q3 (quarter) or 2026 (year), shifted by reports.month_starts_on_day.
        #[arg(long)]
        period: String,
        /// Output file: .xlsx, .html or .md.
        #[arg(long)]
        out: PathBuf,
    },
    /// Run the jobs by hand.
    Jobs {
        /// What to do.
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Look at and act on the outbox.
    Notices {
        /// What to do.
        #[command(subcommand)]
        command: NoticesCommand,
    },
    /// Try a channel.
    Notify {
        /// What to do.
        #[command(subcommand)]
        command: NotifyCommand,
    },
}

/// `jobs …`.
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// The next firing of each job, in local time, with the holiday shift explained.
    List,
    /// Run one job now: screen, plan its notices and write them to the outbox (`notices
    /// deliver` or the daemon sends them).
    Run {
        /// deadline_watch, monthly_screening or pre_event_sweep.
        name: String,
        /// The screening date (default: today in the configured time zone).
        #[arg(long, value_parser = parse_as_of)]
        as_of: Option<chrono::NaiveDate>,
        /// Show the notices that would be written; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the notices even for a date other than today, or a sweep on a day that is not
        /// a sweep day (without it such a run is a rehearsal: an administrator's test must not
        /// reach leaders).
        #[arg(long, conflicts_with = "dry_run")]
        send: bool,
    },
}

/// `notices …`.
#[derive(Debug, Subcommand)]
pub enum NoticesCommand {
    /// List notices, newest first.
    List {
        /// Only notices in this state.
        #[arg(long, value_enum)]
        status: Option<NoticeStatus>,
        /// Only notices planned on or after this date.
        #[arg(long, value_parser = parse_as_of)]
        since: Option<chrono::NaiveDate>,
        /// Only notices on this channel.
        #[arg(long)]
        channel: Option<String>,
        /// Only notices for this person (id from the config).
        #[arg(long)]
        recipient: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 200)]
        limit: i64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Show one notice: what it says and every delivery attempt.
    Show {
        /// Notice id (ntc_…).
        id: String,
    },
    /// Make a dead or waiting notice due now, with a fresh retry schedule; or, with --status
    /// (and --channel), every such notice at once.
    Retry {
        /// Notice id (ntc_…); omit it to retry in bulk with --status.
        #[arg(required_unless_present = "status", conflicts_with_all = ["status", "channel"])]
        id: Option<String>,
        /// Retry every notice in this state (dead, or failed: waiting after a failed attempt).
        #[arg(long, value_enum)]
        status: Option<NoticeStatus>,
        /// With --status: only notices on this channel.
        #[arg(long, requires = "status")]
        channel: Option<String>,
    },
    /// Deliver every notice that is due, then exit (for administrators without the daemon).
    Deliver,
}

/// `notify …`.
#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Send a test message through a channel now and say whether it arrived.
    Test {
        /// Channel name from the config.
        channel: String,
        /// Person (id) to address it to (default: the first administrator, else the first person).
        #[arg(long)]
        to: Option<String>,
    },
}

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportKind {
    /// The monthly screening report.
    Monthly,
    /// The supervision digest of a quarter (季度督查).
    Quarterly,
    /// The annual assessment (年度目标考核): the digest of a year, per unit.
    Annual,
    /// The pre-event sweep (节前/会前排查) for a holiday or event, by name.
    Sweep,
}

/// A notice state for `notices list --status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NoticeStatus {
    /// Waiting for delivery.
    Pending,
    /// Waiting after a failed attempt.
    Failed,
    /// Being delivered.
    Sending,
    /// Delivered.
    Sent,
    /// Given up.
    Dead,
}

/// Output format of `screen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScreenFormat {
    /// Readable blocks with Chinese flag names.
    Table,
    /// The public JSON object (DESIGN §5.1).
    Json,
    /// CSV, UTF-8 with BOM, for Excel.
    Csv,
}

fn parse_as_of(text: &str) -> Result<chrono::NaiveDate, String> {
    crate::domain::parse_date(text)
}

/// Output format of listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns for a terminal.
    Table,
    /// One JSON document.
    Json,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let env: Vec<(String, String)> = std::env::vars().collect();
    let today = clock.today(chrono_tz::Asia::Shanghai);
    let loaded = match config::load(&cli.config, &env, today) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    crate::telemetry::init(cli.log_format.unwrap_or(loaded.config.log.format), &loaded.config.log.level);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, &loaded, clock)) {
        Ok(code) => code,
        // `petition-watch cases | head`: the reader left; that is not a failure.
        Err(e) if e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one command with a loaded config.
pub async fn run(command: Command, loaded: &LoadedConfig, clock: Arc<dyn Clock>) -> anyhow::Result<ExitCode> {
    let clock_ref: &dyn Clock = clock.as_ref();
    match command {
        Command::Run { listen } => {
            let store = open_store_for_writing(loaded, clock_ref).await?;
            let env: Vec<(String, String)> = std::env::vars().collect();
            let control = crate::app::signals()?;
            let mut loaded = loaded.clone();
            if let Some(address) = listen {
                loaded.config.http.listen = address.to_string();
            }
            crate::app::run(loaded.path.clone(), env, loaded, store, Arc::clone(&clock), control).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => demo(loaded, clock).await,
        Command::Report { kind, period, out } => report(loaded, clock_ref, kind, &period, &out).await,
        Command::Simulate { from, to, format } => simulate(loaded, from, to, format).await,
        Command::Jobs { command: JobsCommand::List } => {
            jobs_list(loaded, clock_ref)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Jobs { command: JobsCommand::Run { name, as_of, dry_run, send } } => {
            jobs_run(loaded, clock_ref, &name, as_of, dry_run, send).await
        }
        Command::Notices { command } => notices(loaded, clock, command).await,
        Command::Notify { command: NotifyCommand::Test { channel, to } } => {
            notify_test(loaded, clock_ref, &channel, to.as_deref()).await
        }
        Command::Check => Ok(check(loaded)),
        Command::Migrate => {
            let store = open_store_for_writing(loaded, clock_ref).await?;
            println!("database ({}) is up to date", store.backend());
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { files, dry_run, errors } => {
            import(loaded, clock_ref, &files, dry_run, errors.as_deref()).await
        }
        Command::Screen { as_of, format } => {
            let as_of = as_of.unwrap_or_else(|| clock_ref.today(loaded.config.time_zone()));
            let store = open_store(loaded).await?;
            let register = store.load_register().await.context("reading cases")?;
            store.close().await;
            let rules = &loaded.settings.rules;
            let screening = crate::rules::screen(&register, as_of, rules, &loaded.calendar);
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            match format {
                ScreenFormat::Json => {
                    crate::render::screen::write_json(&screening, &mut stdout)?;
                    writeln!(stdout)?;
                }
                ScreenFormat::Table => stdout.write_all(crate::render::screen::to_table(&screening).as_bytes())?,
                ScreenFormat::Csv => stdout.write_all(&crate::render::screen::to_csv(&screening)?)?,
            }
            stdout.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Cases { format } => {
            let store = open_store(loaded).await?;
            let cases = store.load_cases().await.context("reading cases")?;
            store.close().await;
            print_cases(&cases, format)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn jobs_run(
    loaded: &LoadedConfig,
    clock: &dyn Clock,
    name: &str,
    as_of: Option<chrono::NaiveDate>,
    dry_run: bool,
    send: bool,
) -> anyhow::Result<ExitCode> {
    let Some(job) = crate::plan::Job::parse(name) else {
        let known: Vec<&str> = crate::plan::Job::ALL.iter().map(|j| j.name()).collect();
        anyhow::bail!("no job `{name}` can be run by hand yet; these can: {}", known.join(", "));
    };
    let now = clock.now();
    let today = clock.today(loaded.config.time_zone());
    let as_of = as_of.unwrap_or(today);
    // DESIGN §5.1: a date other than today, or a sweep on a day that is not a sweep day, writes
    // nothing without --send.
    let rehearsal = if as_of != today {
        Some(format!("{as_of} is not today ({today})"))
    } else if job == crate::plan::Job::PreEventSweep {
        crate::schedule::sweeps_on(&loaded.settings.sweep_targets, as_of, &loaded.calendar)
            .is_empty()
            .then(|| format!("{as_of} is not a sweep day"))
    } else {
        None
    };
    let dry_run = match rehearsal {
        Some(why) if !send && !dry_run => {
            eprintln!(
                "{why}: nothing is written (a rehearsal, as with --dry-run); add --send to write these notices for delivery"
            );
            true
        }
        _ => dry_run,
    };
    let store = open_store_for_writing(loaded, clock).await?;
    let report = crate::jobs::run(&store, loaded, job, as_of, now, now, dry_run).await;
    store.close().await;
    let report = report?;
    let plan = &report.plan;
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    if dry_run {
        for n in &plan.notices {
            writeln!(
                stdout,
                "{}\t{}\t{}\t{}\t{}",
                n.id,
                n.recipient,
                n.channel,
                n.reason.name(),
                n.case_nos.join(",")
            )?;
        }
    }
    let unreachable =
        plan.held.iter().filter(|(_, _, why)| matches!(why, crate::plan::notices::Held::Unreachable)).count();
    let not_due = plan.held.iter().filter(|(_, _, why)| matches!(why, crate::plan::notices::Held::NotDue(_))).count();
    let recused = plan.held.iter().filter(|(_, _, why)| matches!(why, crate::plan::notices::Held::Recused(_))).count();
    writeln!(
        stdout,
        "{} at {as_of}: {} flagged cases, {} in scope; {} notices {} ({} reminders not yet due, {} recusals, {} unreachable)",
        job.name(),
        report.flagged,
        plan.cases_in_scope,
        if dry_run { plan.notices.len() } else { report.enqueued },
        if dry_run { "would be written" } else { "written to the outbox" },
        not_due,
        recused,
        unreachable,
    )?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

async fn notices(loaded: &LoadedConfig, clock: Arc<dyn Clock>, command: NoticesCommand) -> anyhow::Result<ExitCode> {
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

async fn notify_test(
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

fn jobs_list(loaded: &LoadedConfig, clock: &dyn Clock) -> anyhow::Result<()> {
    let tz = loaded.config.time_zone();
    let now = clock.now().with_timezone(&tz);
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let schedules = crate::jobs::schedules(loaded);
    let targets = &loaded.settings.sweep_targets;
    for (which, job) in loaded.config.jobs.all() {
        let name = which.name();
        let Some((_, schedule, _)) = schedules.iter().find(|(j, ..)| *j == which) else {
            writeln!(stdout, "{name:<22} disabled")?;
            continue;
        };
        let sweep_note = |day: chrono::NaiveDate| {
            let names: Vec<String> = crate::schedule::sweeps_on(targets, day, &loaded.calendar)
                .iter()
                .map(|t| format!("{} {} working days before {}", t.name, t.working_days_before, t.starts))
                .collect();
            if name == "pre_event_sweep" && !names.is_empty() {
                format!("  ({})", names.join("; "))
            } else {
                String::new()
            }
        };
        match schedule.next_after(now, &loaded.calendar) {
            Some(f) if f.moved() => writeln!(
                stdout,
                "{name:<22} {}  (cron slot {} is not a working day; moved by on_non_working_day = {:?})",
                f.at.format("%Y-%m-%d %a %H:%M"),
                f.slot.format("%Y-%m-%d %a %H:%M"),
                job.on_non_working_day
            )?,
            Some(f) => {
                writeln!(stdout, "{name:<22} {}{}", f.at.format("%Y-%m-%d %a %H:%M"), sweep_note(f.at.date_naive()))?
            }
            None if name == "pre_event_sweep" => writeln!(
                stdout,
                "{name:<22} no sweep day ahead: the holiday schedules in holidays/ and [[events]] set them"
            )?,
            None => writeln!(stdout, "{name:<22} no firing in the next two years")?,
        }
    }
    // The firings of a year without a holiday schedule are computed from its statutory days off.
    if let Some(warning) = loaded.calendar.missing_schedule_warning(now.date_naive()) {
        writeln!(stdout, "\nwarning: {warning}")?;
    }
    stdout.flush()?;
    Ok(())
}

async fn report(
    loaded: &LoadedConfig,
    clock: &dyn Clock,
    kind: ReportKind,
    period: &str,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    let config = &loaded.config;
    if kind == ReportKind::Sweep {
        return sweep_report(loaded, clock, period, out).await;
    }
    let period = crate::report::Period::parse(period, config.reports.month_starts_on_day)
        .map_err(|e| anyhow::anyhow!("--period: {e}"))?;
    let expected = match kind {
        ReportKind::Monthly => "a month like 2026-10",
        ReportKind::Quarterly => "a quarter like 2026Q3",
        ReportKind::Annual => "a year like 2026",
        ReportKind::Sweep => "a holiday or event name",
    };
    let months =
        (period.end.year() - period.start.year()) * 12 + period.end.month() as i32 - period.start.month() as i32;
    let fits = match kind {
        ReportKind::Monthly => months <= 1 && !period.label.contains(['Q', 'q']) && period.label.contains('-'),
        ReportKind::Quarterly => period.label.contains(['Q', 'q']),
        ReportKind::Annual => period.label.len() == 4,
        ReportKind::Sweep => false,
    };
    let name = match kind {
        ReportKind::Monthly => "monthly",
        ReportKind::Quarterly => "quarterly",
        ReportKind::Annual => "annual",
        ReportKind::Sweep => "sweep",
    };
    anyhow::ensure!(fits, "--period {}: the {name} report needs {expected}", period.label);
    let extension = out.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    anyhow::ensure!(
        matches!(extension.as_str(), "xlsx" | "md" | "html"),
        "--out {}: write .xlsx (the tables), .html (the email the leading group reads) or .md (the robots' summary)",
        out.display()
    );
    let store = open_store(loaded).await?;
    let register = store.load_register().await.context("reading cases")?;
    let cases = store.load_cases().await.context("reading cases")?;
    store.close().await;
    let rules = &loaded.settings.rules;
    let (document, figures) = match kind {
        ReportKind::Quarterly | ReportKind::Annual | ReportKind::Sweep => {
            let digest =
                crate::report::digest(&config.township.name, &cases, &register, &period, rules, &loaded.calendar);
            let figures = format!(
                "{} cases received, {} overdue at the end",
                digest.received.current,
                digest.overdue.values().map(Vec::len).sum::<usize>()
            );
            (crate::report::Document::Supervision(std::sync::Arc::new(digest)), figures)
        }
        ReportKind::Monthly => {
            let report = crate::report::screening_report(
                &config.township.name,
                &cases,
                &register,
                &period,
                rules,
                &loaded.calendar,
            );
            let figures = format!(
                "{} flagged cases ({} new, {} carried over), {} without an owner, responsible person or deadline",
                report.new_cases + report.carried_over,
                report.new_cases,
                report.carried_over,
                report.unassigned.len()
            );
            (crate::report::Document::Screening(std::sync::Arc::new(report)), figures)
        }
    };
    let bytes = match extension.as_str() {
        "xlsx" => crate::render::report::xlsx(&document).context("building the workbook")?,
        "html" => crate::render::report::standalone_html(&document, &config.township.name)
            .map_err(anyhow::Error::msg)?
            .into_bytes(),
        _ => crate::render::report::markdown(&document).into_bytes(),
    };
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
    println!("{}: {} {} to {} — {figures}", out.display(), period.label, period.start, period.end);
    Ok(ExitCode::SUCCESS)
}

/// `report sweep --period NAME`: the sweep for the holiday or event of that name whose sweep day
/// is the latest on or before today, else the next one.
async fn sweep_report(loaded: &LoadedConfig, clock: &dyn Clock, name: &str, out: &Path) -> anyhow::Result<ExitCode> {
    let config = &loaded.config;
    let today = clock.today(config.time_zone());
    let targets = &loaded.settings.sweep_targets;
    let dated: Vec<(chrono::NaiveDate, &crate::schedule::SweepTarget)> = targets
        .iter()
        .filter(|t| t.name == name.trim())
        .filter_map(|t| Some((crate::schedule::sweep_day(t, &loaded.calendar)?, t)))
        .collect();
    let chosen = dated
        .iter()
        .filter(|(d, _)| *d <= today)
        .max_by_key(|(d, _)| *d)
        .or_else(|| dated.iter().min_by_key(|(d, _)| *d));
    let Some((day, target)) = chosen else {
        let mut names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        anyhow::bail!("--period {name}: no holiday or event of that name; known: {}", names.join("; "));
    };
    let store = open_store(loaded).await?;
    let register = store.load_register().await.context("reading cases")?;
    let cases = store.load_cases().await.context("reading cases")?;
    store.close().await;
    let report = crate::report::sweep_report(
        &config.township.name,
        target,
        *day,
        &cases,
        &register,
        &loaded.settings.rules,
        &loaded.calendar,
    );
    let count = report.cases.len();
    let document = crate::report::Document::Sweep(std::sync::Arc::new(report));
    let extension = out.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let bytes = match extension.as_str() {
        "xlsx" => crate::render::report::xlsx(&document).context("building the workbook")?,
        "html" => crate::render::report::standalone_html(&document, &config.township.name)
            .map_err(anyhow::Error::msg)?
            .into_bytes(),
        "md" => crate::render::report::markdown(&document).into_bytes(),
        _ => anyhow::bail!("--out {}: write .xlsx, .html or .md", out.display()),
    };
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
    println!("{}: {} ({}), swept {day}: {count} open flagged cases", out.display(), target.name, target.starts);
    Ok(ExitCode::SUCCESS)
}

async fn simulate(
    loaded: &LoadedConfig,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    format: ListFormat,
) -> anyhow::Result<ExitCode> {
    use crate::plan::job;
    use chrono::TimeZone;
    use std::collections::HashMap;
    anyhow::ensure!(from <= to, "--from {from} is after --to {to}");
    let tz = loaded.config.time_zone();
    let local = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).and_then(|t| tz.from_local_datetime(&t).earliest());
    let (Some(start), Some(end)) = (local(from), to.succ_opt().and_then(local)) else {
        anyhow::bail!("--from/--to out of range");
    };
    let store = open_store(loaded).await?;
    let register = store.load_register().await.context("reading cases")?;
    let all_cases = store.load_cases().await?;
    let cases: HashMap<String, crate::domain::Case> =
        all_cases.iter().map(|c| (c.case_no.to_string(), c.clone())).collect();
    // What people were told before the span; later reminders belong to another timeline.
    let mut previous = store.load_reminders().await?;
    previous.retain(|_, p| p.sent_on < from);
    // The intake watch reports what no earlier run reported: the stored runs' cases, and in the
    // replay the cases received since its last firing before the span.
    let mut reported = store.intake_reported().await?;
    store.close().await;
    let township = loaded.township();
    let intake_after = crate::jobs::schedules(loaded)
        .into_iter()
        .find(|(job, ..)| *job == crate::plan::Job::IntakeWatch)
        .and_then(|(_, schedule, _)| {
            let before = start - chrono::Duration::seconds(1);
            schedule
                .firings(before - chrono::Duration::days(40), before, &loaded.calendar)
                .last()
                .map(|f| f.at.date_naive())
        })
        .unwrap_or_else(|| job::intake_look_back(&township, from));
    let mut firings: Vec<(chrono::DateTime<chrono_tz::Tz>, crate::plan::Job)> = crate::jobs::schedules(loaded)
        .into_iter()
        .flat_map(|(job, schedule, _)| {
            schedule
                .firings(start - chrono::Duration::seconds(1), end - chrono::Duration::seconds(1), &loaded.calendar)
                .into_iter()
                .map(move |f| (f.at, job))
        })
        .collect();
    firings.sort_by_key(|(at, job)| (*at, job.name()));
    let mut rows = Vec::new();
    // The daemon's run plans each firing with the same functions, over the store.
    for (at, job) in firings {
        let as_of = at.date_naive();
        let reports = if job::reads_all_cases(job) {
            job::reports(&township, job, as_of, &all_cases, &register)
        } else {
            crate::plan::notices::Plan::default()
        };
        if job == crate::plan::Job::QuarterlySupervision {
            rows.push((at, job, reports.notices));
            continue;
        }
        let screening = crate::rules::screen(&register, as_of, township.rules, township.calendar);
        let read = job::cases_to_read(job, as_of, &screening, &register, intake_after, &reported);
        let mut plan = job::case_plan(&township, job, as_of, &screening, &cases, &read, &previous);
        if job == crate::plan::Job::IntakeWatch {
            reported.extend(read.iter().map(|no| (*no).to_owned()));
        }
        plan.notices.extend(reports.notices);
        for r in &plan.reminders {
            previous.insert((r.recipient.clone(), r.case_no.clone()), r.previous);
        }
        rows.push((at, job, plan.notices));
    }
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        ListFormat::Json => {
            let firings: Vec<serde_json::Value> =
                rows.iter().map(|(at, job, notices)| simulated_firing(*at, *job, notices)).collect();
            // Keys in the documented order: from, to, firings.
            writeln!(
                stdout,
                "{{\"from\":{},\"to\":{},\"firings\":{}}}",
                serde_json::to_string(&from)?,
                serde_json::to_string(&to)?,
                serde_json::to_string(&firings)?
            )?;
        }
        ListFormat::Table => {
            for (at, job, notices) in &rows {
                writeln!(stdout, "{}  {:<22} {} notices", at.format("%Y-%m-%d %a %H:%M"), job.name(), notices.len())?;
                for n in notices {
                    let cases = if n.case_nos.is_empty() { "report".to_owned() } else { n.case_nos.join(" ") };
                    writeln!(stdout, "    {} via {}: {cases}", n.recipient, n.channel)?;
                }
            }
            let total: usize = rows.iter().map(|(_, _, n)| n.len()).sum();
            writeln!(stdout, "{} firings from {from} to {to}, {total} notices; nothing was sent", rows.len())?;
        }
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// One firing as `simulate --format json` prints it (DESIGN §5.1): every notice with its
/// recipient (a person id from the config), channel and cases, each case with the sorted flags
/// the notice reports for it (`"cases": []` for a report notice). Keys in the documented order.
///
/// Choice: `moved` appears on a case only when one of its deadlines moved since the last
/// reminder about it (DESIGN §5.1: "`moved` only where a deadline moved").
fn simulated_firing(
    at: chrono::DateTime<chrono_tz::Tz>,
    job: crate::plan::Job,
    notices: &[crate::plan::notices::PlannedNotice],
) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let notices: Vec<Value> = notices
        .iter()
        .map(|n| {
            let cases: Vec<Value> = n
                .cases
                .iter()
                .map(|c| {
                    let mut flags: Vec<&str> = c.flags.iter().map(|f| f.name()).collect();
                    flags.sort_unstable();
                    let mut case = Map::new();
                    case.insert("case_no".into(), json!(c.case_no));
                    case.insert("flags".into(), json!(flags));
                    if !c.moved.is_empty() {
                        let moved: Vec<Value> = c
                            .moved
                            .iter()
                            .map(|m| json!({"deadline": m.kind.name(), "from": m.from, "to": m.to, "why": m.why}))
                            .collect();
                        case.insert("moved".into(), json!(moved));
                    }
                    Value::Object(case)
                })
                .collect();
            json!({"recipient": n.recipient, "channel": n.channel, "cases": cases})
        })
        .collect();
    json!({"at": at.to_rfc3339(), "job": job.name(), "notices": notices})
}

async fn demo(loaded: &LoadedConfig, clock: Arc<dyn Clock>) -> anyhow::Result<ExitCode> {
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
    for (job, schedule, _) in crate::jobs::schedules(&demo) {
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

/// Opens (creating and migrating) the configured database.
pub async fn open_store(loaded: &LoadedConfig) -> anyhow::Result<Store> {
    let options = StoreOptions {
        max_connections: loaded.config.database.max_connections,
        busy_timeout: loaded.config.database.busy_timeout,
    };
    Ok(Store::open(&loaded.config.database.url, &options).await?)
}

/// Opens the database for a command that writes, recording the config's people in it.
async fn open_store_for_writing(loaded: &LoadedConfig, clock: &dyn Clock) -> anyhow::Result<Store> {
    let store = open_store(loaded).await?;
    store
        .sync_people(&loaded.config.people, clock.now())
        .await
        .context("writing the people of the config to the database")?;
    Ok(store)
}

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

fn check(loaded: &LoadedConfig) -> ExitCode {
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

/// Rejected rows printed per file before the rest are only counted.
const SHOWN_REJECTIONS: usize = 100;

async fn import(
    loaded: &LoadedConfig,
    clock: &dyn Clock,
    files: &[PathBuf],
    dry_run: bool,
    errors: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let store = if dry_run { None } else { Some(open_store_for_writing(loaded, clock).await?) };
    let options = ImportOptions::from_config(&loaded.config, dry_run, std::io::stderr().is_terminal());
    let now = clock.now();
    let mut reports = Vec::new();
    for file in files {
        let report = import_file(file, store.as_ref(), &loaded.settings.rules.directory, options, now).await;
        print_report(&report, dry_run);
        reports.push(report);
    }
    if let Some(store) = &store {
        store.close().await;
    }
    if let Some(path) = errors {
        write_rejections(path, &reports).with_context(|| format!("writing {}", path.display()))?;
    }
    let stored: usize = reports.iter().map(|r| if dry_run { r.valid } else { r.imported() }).sum();
    let troubled = reports.iter().any(|r| r.fatal.is_some() || !r.rejected.is_empty());
    Ok(match (troubled, stored) {
        (false, _) => ExitCode::SUCCESS,
        (true, 0) => ExitCode::FAILURE,
        (true, _) => ExitCode::from(3),
    })
}

fn print_report(report: &FileReport, dry_run: bool) {
    let file = report.file.display();
    // One line each on stderr; under `--log-format json` a JSON log line each instead, so no
    // message (nor a cell with a line break in it) can pass for a log line of its own.
    let say = |row: Option<usize>, message: &str| {
        if crate::telemetry::json_logs() {
            tracing::warn!(file = %file, row, "{message}");
        } else {
            match row {
                Some(row) => eprintln!("{file}:{row}: {message}"),
                None => eprintln!("{file}: {message}"),
            }
        }
    };
    if let Some(note) = &report.note {
        say(None, note);
    }
    for rejection in report.rejected.iter().take(SHOWN_REJECTIONS) {
        for problem in &rejection.problems {
            say(Some(rejection.row), &problem.to_string());
        }
    }
    if report.rejected.len() > SHOWN_REJECTIONS {
        say(
            None,
            &format!(
                "… and {} more rejected rows (--errors FILE lists them all)",
                report.rejected.len() - SHOWN_REJECTIONS
            ),
        );
    }
    if !report.unknown_people.is_empty() {
        let names: Vec<&str> = report.unknown_people.iter().map(String::as_str).collect();
        say(None, &format!("warning: 包案领导 not defined in [[people]], kept as text: {}", names.join("、")));
    }
    if let Some(fatal) = &report.fatal {
        say(None, fatal);
    }
    let rejected = report.rejected.len();
    if dry_run {
        println!(
            "{file}: dry run — {} rows read, {} would be imported, {rejected} rejected",
            report.rows, report.valid
        );
    } else {
        let c = report.counts;
        println!(
            "{file}: {} rows read — imported {} (new {}, updated {}, unchanged {}), rejected {rejected}",
            report.rows,
            report.imported(),
            c.inserted,
            c.updated,
            c.unchanged
        );
    }
}

fn write_rejections(path: &Path, reports: &[FileReport]) -> anyhow::Result<()> {
    let mut out = std::fs::File::create(path)?;
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["file", "row", "column", "value", "reason"])?;
    // Every cell as text: a value from the register may start with `=`, `+`, `-` or `@`.
    let safe = |cells: [&str; 5]| cells.map(|c| crate::domain::spreadsheet_text(c).into_owned());
    for report in reports {
        let file = report.file.display().to_string();
        if let Some(fatal) = &report.fatal {
            writer.write_record(safe([file.as_str(), "", "", "", fatal]))?;
        }
        for rejection in &report.rejected {
            for p in &rejection.problems {
                writer.write_record(safe([
                    file.as_str(),
                    &rejection.row.to_string(),
                    &p.column,
                    &p.value,
                    &p.reason,
                ]))?;
            }
        }
    }
    writer.flush()?;
    Ok(())
}

fn print_cases(cases: &[crate::domain::Case], format: ListFormat) -> anyhow::Result<()> {
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = cases
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "case_no": c.case_no.as_str(),
                        "received_on": c.received_on.to_string(),
                        "village": c.village,
                        "category": c.category,
                        "owner_leader": c.owner_leader,
                        "accepted_on": c.accepted_on,
                        "concluded_on": c.concluded_on,
                        "disposition": c.disposition.map(|d| d.as_str()),
                        "disposed_on": c.disposed_on,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut stdout, &serde_json::json!({ "cases": list }))?;
            writeln!(stdout)?;
        }
        ListFormat::Table => {
            writeln!(stdout, "信访件编号\t收到日期\t村(社区)\t问题类别\t包案领导\t受理日期\t办结日期")?;
            for c in cases {
                writeln!(
                    stdout,
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    c.case_no,
                    c.received_on,
                    c.village.as_deref().unwrap_or(""),
                    c.category.as_deref().unwrap_or(""),
                    c.owner_leader.as_deref().unwrap_or(""),
                    date(c.accepted_on),
                    date(c.concluded_on)
                )?;
            }
            writeln!(stdout, "{} cases", cases.len())?;
        }
    }
    stdout.flush()?;
    Ok(())
}
