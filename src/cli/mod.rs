//! The `petition-watch` command line: parses arguments, loads the config, starts logging and
//! calls one function per command, each command group in its own file (`jobs`, `notices`,
//! `report`, `check`, `import`, `demo`; `run`, `screen`, `cases` and `migrate` here). Exit codes: 0 done, 1 failed, 3 import partly rejected.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use crate::clock::{Clock, SystemClock};
use crate::config::{self, LoadedConfig, LogFormat};
use crate::store::{Store, StoreOptions};

mod check;
mod demo;
mod import;
mod jobs;
mod notices;
mod report;

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
        /// Write every rejected row to this file: a `.xlsx` name gets the rows themselves (the
        /// file's header, every cell, and 错误原因 last) to fix in Excel and import again, one
        /// file at a time; any other name a CSV of row, column, value and reason (UTF-8 with BOM).
        #[arg(long, value_name = "FILE")]
        errors: Option<PathBuf>,
        /// Bring back withdrawn cases (作废) the files list; without it their rows are left out.
        #[arg(long)]
        restore: bool,
        /// The language of the messages: en or zh (default: the config's township.language).
        #[arg(long, value_enum)]
        lang: Option<crate::config::Language>,
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
    /// notices written to the file outbox (var/outbox/), and who received what.
    Demo {
        /// Show the log lines too (by default only warnings and errors).
        #[arg(long)]
        verbose: bool,
    },
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
    // The demo is read by a newcomer: its summary and table, not the log, unless asked.
    let level = match cli.command {
        Command::Demo { verbose: false } if std::env::var_os("RUST_LOG").is_none() => "warn",
        _ => loaded.config.log.level.as_str(),
    };
    crate::telemetry::init(cli.log_format.unwrap_or(loaded.config.log.format), level);
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
                loaded.settings.listen = Some(address);
            }
            crate::app::run(loaded.path.clone(), env, loaded, store, Arc::clone(&clock), control).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { .. } => demo::demo(loaded, clock).await,
        Command::Report { kind, period, out } => report::report(loaded, clock_ref, kind, &period, &out).await,
        Command::Simulate { from, to, format } => jobs::simulate(loaded, from, to, format).await,
        Command::Jobs { command: JobsCommand::List } => {
            jobs::jobs_list(loaded, clock_ref)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Jobs { command: JobsCommand::Run { name, as_of, dry_run, send } } => {
            jobs::jobs_run(loaded, clock_ref, &name, as_of, dry_run, send).await
        }
        Command::Notices { command } => notices::notices(loaded, clock, command).await,
        Command::Notify { command: NotifyCommand::Test { channel, to } } => {
            notices::notify_test(loaded, clock_ref, &channel, to.as_deref()).await
        }
        Command::Check => Ok(check::check(loaded)),
        Command::Migrate => {
            let store = open_store_for_writing(loaded, clock_ref).await?;
            println!("database ({}) is up to date", store.backend());
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { files, dry_run, errors, restore, lang } => {
            let zh = lang.unwrap_or(loaded.config.township.language) == crate::config::Language::Zh;
            import::import(loaded, clock_ref, &files, dry_run, errors.as_deref(), restore, zh).await
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
