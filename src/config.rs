//! The administrator's settings: `config/petition-watch.toml`, overridden by the environment.
//!
//! [`Config`] mirrors the file key for key; every key has a default here and is documented
//! in the shipped file. [`load`] reads and validates it, naming the file, line and key of
//! every problem. Secrets are read through [`Secret`], which never prints its value.

mod load;
mod locate;
mod secret;
mod tokens;
mod validate;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::domain::PersonId;

pub use load::{ConfigError, LoadedConfig, Problem, load, load_from_str, parse_holiday_file};
pub use secret::{Secret, SecretRef, redact_url};
pub use tokens::{ApiToken, MIN_TOKEN_CHARS, Scope, TOKENS_ENV, TokenConfig, TokenValue};

pub use crate::plan::EscalationSettings as Escalation;
pub use crate::rules::{Deadlines, Thresholds};

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[township]`: who and where.
    pub township: Township,
    /// `[database]`: where the register lives.
    pub database: Database,
    /// `[paths]`: where holidays, templates and the file outbox live.
    pub paths: Paths,
    /// `[log]`: how the daemon writes its log.
    pub log: Log,
    /// `[[people]]`: everyone the daemon may notify.
    pub people: Vec<Person>,
    /// `[leading_group]`: 信访工作领导小组.
    pub leading_group: LeadingGroup,
    /// `[administrators]`: who hears about dead notices and configuration problems.
    pub administrators: Administrators,
    /// `[channels.NAME]`: delivery endpoints, by name.
    pub channels: BTreeMap<String, ChannelConfig>,
    /// `[jobs.NAME]`: the scheduled jobs.
    pub jobs: Jobs,
    /// `[deadlines]`: statutory limits (DESIGN §2.1).
    pub deadlines: Deadlines,
    /// `[thresholds]`: the screening rules' thresholds (DESIGN §2.2).
    pub thresholds: Thresholds,
    /// `[escalation]`: who else hears about a case that stays overdue.
    pub escalation: Escalation,
    /// `[delivery]`: retries and quiet hours.
    pub delivery: Delivery,
    /// `[reports]`: report periods.
    pub reports: Reports,
    /// `[import]`: register import limits.
    pub import: Import,
    /// `[sweeps]`: how long before each holiday the pre-event sweep runs.
    pub sweeps: Sweeps,
    /// `[[events]]`: meetings and local events that get a sweep (两会, 党代会, …).
    pub events: Vec<Event>,
    /// `[duty_roster]`: 领导接待日 rotation.
    pub duty_roster: DutyRoster,
    /// `[http]`: the optional HTTP listener.
    pub http: Http,
}

/// `[http]`: the optional HTTP listener: health checks, metrics, the API and the status page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Http {
    /// Address to listen on, e.g. "127.0.0.1:8080"; empty: no listener. `run --listen` overrides.
    pub listen: String,
    /// API tokens written here: `{ name, scope, token }`, the token a string or a secret reference.
    pub tokens: Vec<TokenConfig>,
    /// A file of `name:scope:token` lines (relative to the config file); none when absent.
    pub tokens_file: Option<PathBuf>,
    /// The status page at `/`: `login` (a token is asked for), `open`, or `off`.
    pub status_page: StatusPage,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest register file `POST /api/v1/imports` takes, in bytes.
    pub max_upload_bytes: usize,
    /// Most connections open at once; one more is closed as soon as it is accepted, so the
    /// listener never takes the file descriptors delivery needs.
    pub max_connections: usize,
    /// How long a connection may take to send a request's header, and stay idle between
    /// requests, before it is closed.
    #[serde(deserialize_with = "de_duration")]
    pub header_read_timeout: Duration,
    /// How long one request may take, its body included, before it is answered 408.
    #[serde(deserialize_with = "de_duration")]
    pub request_timeout: Duration,
    /// Most requests that screen the whole register (findings, the status page) at once.
    pub max_heavy_requests: usize,
    /// The address people reach the listener at (`https://xf.example.gov.cn`), for the action
    /// links in notices; empty: notices carry no links.
    pub public_url: String,
    /// The keys that sign action links: the first signs, every one verifies (rotation).
    pub link_keys: Vec<SecretRef>,
}

impl Default for Http {
    fn default() -> Self {
        Self {
            listen: String::new(),
            tokens: Vec::new(),
            tokens_file: None,
            status_page: StatusPage::Login,
            max_body_bytes: 1024 * 1024,
            max_upload_bytes: 64 * 1024 * 1024,
            max_connections: 256,
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_heavy_requests: 2,
            public_url: String::new(),
            link_keys: Vec::new(),
        }
    }
}

/// Action links, when `http.public_url` is set: where they point and the keys that sign them
/// (read when the config loads).
#[derive(Debug, Clone)]
pub struct ActionLinks {
    /// `http.public_url` without a trailing slash.
    pub public_url: String,
    /// The signing keys, the signing one first.
    pub keys: Vec<Secret>,
}

impl ActionLinks {
    /// The keys as bytes, the signing one first.
    pub fn key_bytes(&self) -> Vec<&[u8]> {
        self.keys.iter().map(|k| k.expose().as_bytes()).collect()
    }
}

/// The shortest link key accepted, in bytes.
pub const MIN_LINK_KEY_BYTES: usize = 32;

/// Who may see the status page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusPage {
    /// Anyone holding an API token (read or write), after logging in with it.
    Login,
    /// Anyone who reaches the listener (an office network only).
    Open,
    /// Not served.
    Off,
}

/// `[duty_roster]`: who receives petitioners on reception days (the days are the
/// `duty_roster` job's firings).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DutyRoster {
    /// Leaders (ids) in turn.
    pub rotation: Vec<PersonId>,
    /// The first reception day of the rotation (its first person is on duty then).
    pub starts: Option<chrono::NaiveDate>,
    /// Swaps: `{ date = "YYYY-MM-DD", person = "id" }` — that person is on duty that day.
    pub swaps: Vec<Swap>,
    /// Leave: `{ person = "id", from = "YYYY-MM-DD", to = "YYYY-MM-DD" }` — passed over then.
    pub leave: Vec<Leave>,
}

/// A swapped reception day.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Swap {
    /// The day.
    pub date: chrono::NaiveDate,
    /// Who is on duty instead.
    pub person: PersonId,
}

/// A leader's leave.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leave {
    /// Who.
    pub person: PersonId,
    /// First day away.
    pub from: chrono::NaiveDate,
    /// Last day away.
    pub to: chrono::NaiveDate,
}

/// `[sweeps]`: working days between the pre-event sweep and the first day of each holiday.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sweeps {
    /// Before the Spring Festival (春节).
    pub spring_festival_working_days: u32,
    /// Before National Day (国庆节).
    pub national_day_working_days: u32,
    /// Before every other official holiday.
    pub other_holidays_working_days: u32,
}

impl Default for Sweeps {
    fn default() -> Self {
        Self { spring_festival_working_days: 15, national_day_working_days: 15, other_holidays_working_days: 7 }
    }
}

/// `[[events]]`: an event the township sweeps for, like a holiday.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Its name as notices show it (全国两会).
    pub name: String,
    /// Its first day, YYYY-MM-DD.
    pub starts: chrono::NaiveDate,
    /// Working days before `starts` that the sweep runs.
    #[serde(default = "default_event_working_days")]
    pub working_days_before: u32,
}

fn default_event_working_days() -> u32 {
    14
}

/// What a config means, built once when it loads (and on each reload) and then passed around:
/// the screening rules, who can be told what on which channel, the job schedules and what the
/// jobs plan with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The screening rules: limits, thresholds, statistical month and the directory of people.
    pub rules: crate::rules::RuleBook,
    /// Person id → name, title, addresses and channels (their own, else
    /// `delivery.default_channels`).
    pub contacts: BTreeMap<String, crate::domain::Contact>,
    /// The enabled channels, as planning sees them.
    pub channels: BTreeMap<String, crate::domain::ChannelInfo>,
    /// The petition office's administrators (person ids).
    pub administrators: Vec<String>,
    /// The holidays and events the pre-event sweep runs before, by first day.
    pub sweep_targets: Vec<crate::schedule::SweepTarget>,
    /// The enabled jobs with their schedules (the sweep's only on its sweep days).
    pub schedules: Vec<(crate::plan::Job, crate::schedule::Schedule, CatchUp)>,
    /// The leading group's members (person ids): the full reports on their own channels.
    pub leading_group_members: Vec<String>,
    /// The reception-day rota, when it has a first day.
    pub duty: Option<crate::plan::duty::Rota>,
    /// The listener's address (`http.listen`, checked when the config loaded; `None`: none).
    pub listen: Option<std::net::SocketAddr>,
    /// Action links (`http.public_url` and `http.link_keys`), when set.
    pub links: Option<ActionLinks>,
}

impl Settings {
    /// Builds the settings of `config` on its `calendar`.
    pub fn new(config: &Config, calendar: &crate::calendar::Calendar) -> Self {
        let tz = config.time_zone();
        let sweep_targets = config.sweep_targets(calendar);
        let schedules = config
            .jobs
            .all()
            .into_iter()
            .filter(|(_, c)| c.enabled)
            .map(|(job, c)| {
                let mut schedule = crate::schedule::Schedule::new(&c.schedule, c.on_non_working_day, tz);
                if job == crate::plan::Job::PreEventSweep {
                    let days = sweep_targets.iter().filter_map(|t| crate::schedule::sweep_day(t, calendar)).collect();
                    schedule = schedule.only_on(days);
                }
                (job, schedule, c.catch_up)
            })
            .collect();
        let roster = &config.duty_roster;
        // The reception days are the duty roster's firings: with that job disabled there are
        // none, and the eve reminder (duty_eve) has nobody to tell.
        let duty = roster.starts.filter(|_| config.jobs.duty_roster.enabled).map(|starts| crate::plan::duty::Rota {
            starts,
            reception_days: crate::schedule::Schedule::new(
                &config.jobs.duty_roster.schedule,
                config.jobs.duty_roster.on_non_working_day,
                tz,
            ),
            rotation: roster.rotation.iter().map(|p| p.as_str().to_owned()).collect(),
            swaps: roster.swaps.iter().map(|s| (s.date, s.person.as_str().to_owned())).collect(),
            leave: roster.leave.iter().map(|l| (l.person.as_str().to_owned(), l.from, l.to)).collect(),
        });
        Self {
            rules: config.rule_book(),
            contacts: config.contacts(),
            channels: config.channel_infos(),
            administrators: config.administrators.people.iter().map(|p| p.as_str().to_owned()).collect(),
            sweep_targets,
            schedules,
            leading_group_members: config.leading_group.members.iter().map(|p| p.as_str().to_owned()).collect(),
            duty,
            listen: config.http.listen.parse().ok(),
            links: None,
        }
    }

    /// Everyone a job run may notify, borrowed from these settings.
    pub fn people(&self) -> crate::plan::notices::People<'_> {
        crate::plan::notices::People {
            directory: &self.rules.directory,
            contacts: &self.contacts,
            channels: &self.channels,
            administrators: &self.administrators,
        }
    }
}

impl Config {
    /// The screening rules' settings: limits, thresholds, statistical month and people.
    fn rule_book(&self) -> crate::rules::RuleBook {
        crate::rules::RuleBook {
            deadlines: self.deadlines.clone(),
            thresholds: self.thresholds.clone(),
            month_starts_on_day: self.reports.month_starts_on_day,
            directory: crate::domain::Directory::new(
                self.people.iter().map(|p| (p.id.as_str(), p.name.as_str(), p.portfolio.as_slice())),
            )
            .with_secretary(self.people.iter().find(|p| p.role == Role::PartySecretary).map(|p| p.id.as_str())),
        }
    }

    /// How notices reach each person: name, title, addresses, and their channels (their own
    /// list, else `delivery.default_channels`).
    fn contacts(&self) -> BTreeMap<String, crate::domain::Contact> {
        self.people
            .iter()
            .map(|p| {
                let channels = if p.channels.is_empty() { &self.delivery.default_channels } else { &p.channels };
                let contact = crate::domain::Contact {
                    addressee: crate::domain::Addressee {
                        id: p.id.as_str().to_owned(),
                        name: p.name.clone(),
                        title: p.title.clone(),
                        email: p.email.clone(),
                        wecom_userid: p.wecom_userid.clone(),
                        dingtalk_userid: p.dingtalk_userid.clone(),
                        feishu_open_id: p.feishu_open_id.clone(),
                    },
                    channels: channels.clone(),
                };
                (p.id.as_str().to_owned(), contact)
            })
            .collect()
    }

    /// The enabled channels, as planning sees them.
    fn channel_infos(&self) -> BTreeMap<String, crate::domain::ChannelInfo> {
        self.channels
            .iter()
            .filter(|(_, c)| c.enabled)
            .map(|(name, c)| {
                let group =
                    c.group || matches!(c.kind, ChannelKind::Wecom | ChannelKind::Dingtalk | ChannelKind::Feishu);
                (name.clone(), crate::domain::ChannelInfo { group, needs_email: c.kind == ChannelKind::Smtp })
            })
            .collect()
    }

    /// What the pre-event sweep sweeps for: each holiday of the calendar and each event, with
    /// the working days before it that the sweep runs.
    fn sweep_targets(&self, calendar: &crate::calendar::Calendar) -> Vec<crate::schedule::SweepTarget> {
        use crate::calendar::HolidayKind;
        let mut targets: Vec<crate::schedule::SweepTarget> = calendar
            .holidays()
            .map(|h| crate::schedule::SweepTarget {
                name: h.name.clone(),
                starts: h.days_off.first,
                working_days_before: match h.kind {
                    HolidayKind::SpringFestival => self.sweeps.spring_festival_working_days,
                    HolidayKind::NationalDay => self.sweeps.national_day_working_days,
                    _ => self.sweeps.other_holidays_working_days,
                },
            })
            .collect();
        targets.extend(self.events.iter().map(|e| crate::schedule::SweepTarget {
            name: e.name.clone(),
            starts: e.starts,
            working_days_before: e.working_days_before,
        }));
        targets.sort_by_key(|t| t.starts);
        targets
    }
}

/// `[township]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Township {
    /// The township's name as it appears in notices and reports.
    pub name: String,
    /// IANA time zone in which dates and schedules are read: parsed once, when the config loads.
    #[serde(deserialize_with = "de_time_zone")]
    pub time_zone: chrono_tz::Tz,
    /// The language of the importer's messages on the command line (`import --lang` overrides).
    pub language: Language,
}

/// The language of messages the clerk reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English (as logs are).
    #[default]
    En,
    /// Chinese (中文).
    Zh,
}

impl Default for Township {
    fn default() -> Self {
        Self { name: "示例镇".into(), time_zone: chrono_tz::Asia::Shanghai, language: Language::En }
    }
}

fn de_time_zone<'de, D: serde::Deserializer<'de>>(d: D) -> Result<chrono_tz::Tz, D::Error> {
    let name = String::deserialize(d)?;
    name.parse()
        .map_err(|_| serde::de::Error::custom(format!("{name:?} is not an IANA time zone such as \"Asia/Shanghai\"")))
}

/// `[database]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Database {
    /// `sqlite://PATH` (embedded) or `postgres://…` (shared). `DATABASE_URL` overrides it.
    pub url: String,
    /// Connections in the pool.
    pub max_connections: u32,
    /// How long a writer waits for a locked SQLite database before failing.
    #[serde(deserialize_with = "de_duration")]
    pub busy_timeout: Duration,
    /// How long a claimed firing stays its claimant's before it is recorded; when the claimant
    /// dies first, another process (a restart, a replica) takes the firing over after this.
    #[serde(deserialize_with = "de_duration")]
    pub claim_lease: Duration,
}

impl Default for Database {
    fn default() -> Self {
        Self {
            url: "sqlite://var/petition-watch.db".into(),
            max_connections: 5,
            busy_timeout: Duration::from_secs(10),
            claim_lease: Duration::from_secs(120),
        }
    }
}

/// `[paths]`: relative paths are relative to the directory of the config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Paths {
    /// Holiday schedules, one `YEAR.toml` per year.
    pub holidays: PathBuf,
    /// User-editable notice and report templates.
    pub templates: PathBuf,
}

impl Default for Paths {
    fn default() -> Self {
        Self { holidays: "holidays".into(), templates: "templates".into() }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// `[log]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Log {
    /// `text` or `json`; `--log-format` overrides it.
    pub format: LogFormat,
    /// A tracing filter such as `info` or `petition_watch=debug`; `RUST_LOG` overrides it.
    pub level: String,
}

impl Default for Log {
    fn default() -> Self {
        Self { format: LogFormat::Text, level: "info".into() }
    }
}

/// A person's role in the township's petition work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 镇党委书记, 信访工作第一责任人: the last step of escalation.
    PartySecretary,
    /// 班子成员: a township leader (包案领导, 分管领导).
    Leader,
    /// 信访办: petition office staff.
    Office,
    /// Anyone else (a unit's 责任人).
    Staff,
}

/// `[[people]]`: one person the daemon may notify.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Stable id used in the register and elsewhere in the config.
    pub id: PersonId,
    /// Full name as written in the register.
    pub name: String,
    /// `party_secretary`, `leader`, `office` or `staff`.
    pub role: Role,
    /// Job title shown in notices (e.g. 副镇长).
    #[serde(default)]
    pub title: Option<String>,
    /// Work email address.
    #[serde(default)]
    pub email: Option<String>,
    /// WeCom user id, for @-mentions in group robots.
    #[serde(default)]
    pub wecom_userid: Option<String>,
    /// DingTalk mobile or user id, for @-mentions.
    #[serde(default)]
    pub dingtalk_userid: Option<String>,
    /// Feishu open id, for @-mentions.
    #[serde(default)]
    pub feishu_open_id: Option<String>,
    /// 分线: the case categories this leader is in charge of (分管领导).
    #[serde(default)]
    pub portfolio: Vec<String>,
    /// Channels (by name) that reach this person besides email.
    #[serde(default)]
    pub channels: Vec<String>,
}

/// `[leading_group]`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct LeadingGroup {
    /// People (ids) who receive the reports.
    pub members: Vec<PersonId>,
    /// Group channels (names) that receive the report summaries.
    pub channels: Vec<String>,
}

/// `[administrators]`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Administrators {
    /// People (ids) who administer the daemon.
    pub people: Vec<PersonId>,
    /// Channels (names) that hear about dead notices and disabled endpoints.
    pub channels: Vec<String>,
}

/// What kind of endpoint a channel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// Email through an SMTP server.
    Smtp,
    /// A generic JSON webhook signed with Standard Webhooks v1.
    Webhook,
    /// A WeCom (企业微信) group robot.
    Wecom,
    /// A DingTalk (钉钉) custom robot.
    Dingtalk,
    /// A Feishu (飞书) custom bot.
    Feishu,
    /// Files in a directory: the demo's and a dry run's outbox.
    File,
}

/// How an SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine.
    None,
}

/// `[channels.NAME]`: one delivery endpoint. Which keys apply depends on `kind`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// smtp, webhook, wecom, dingtalk, feishu or file.
    pub kind: ChannelKind,
    /// A disabled channel is checked for form only and sends nothing.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// A group channel gets thin, masked notices (DESIGN §3). Chat robots are always groups.
    #[serde(default)]
    pub group: bool,
    /// smtp: server host name.
    #[serde(default)]
    pub host: Option<String>,
    /// smtp: server port (default 587 for starttls, 465 for tls, 25 for none).
    #[serde(default)]
    pub port: Option<u16>,
    /// smtp: starttls, tls or none.
    #[serde(default)]
    pub security: SmtpSecurity,
    /// smtp: user name for AUTH (omit for no AUTH).
    #[serde(default)]
    pub username: Option<String>,
    /// smtp: allow AUTH without encryption (`security = "none"`) to a host that is not this
    /// machine — the password crosses the network readable; only for a trusted relay.
    #[serde(default)]
    pub allow_plaintext_auth: bool,
    /// smtp: the password, from an environment variable or a file.
    #[serde(default)]
    pub password: Option<SecretRef>,
    /// smtp: sender address.
    #[serde(default)]
    pub from: Option<String>,
    /// smtp: sender display name.
    #[serde(default)]
    pub from_name: Option<String>,
    /// webhook: the receiver's URL; wecom/dingtalk/feishu: the robot's URL without its key.
    #[serde(default)]
    pub url: Option<String>,
    /// webhook: `whsec_…` signing secret; wecom: robot key; dingtalk: access token; feishu: hook id.
    #[serde(default)]
    pub key: Option<SecretRef>,
    /// dingtalk/feishu: the signing secret (加签).
    #[serde(default)]
    pub secret: Option<SecretRef>,
    /// file: directory the notices are written to (relative to the working directory).
    #[serde(default)]
    pub dir: Option<PathBuf>,
    /// file: `eml` (the email each person would get) or `json` (the generic webhook's body).
    #[serde(default)]
    pub format: FileFormat,
    /// smtp/webhook/robots: a PEM file with the only CA to trust (an internal CA) instead of
    /// the system's.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// smtp: connections kept open to the server at most.
    #[serde(default = "default_connections")]
    pub connections: u32,
    /// Messages per minute at most (0: unlimited). Default: 20 for wecom and dingtalk, 100 for
    /// feishu, unlimited for the rest.
    #[serde(default)]
    pub per_minute: Option<u32>,
    /// Messages per second at most (0: unlimited). Default: 5 for feishu, unlimited for the rest.
    #[serde(default)]
    pub per_second: Option<u32>,
    /// Robots: size limit of one message in bytes; longer ones are split, marked (1/3).
    /// Default: 4096 for wecom, 20000 for dingtalk and feishu.
    #[serde(default)]
    pub max_message_bytes: Option<usize>,
    /// Time allowed for one delivery attempt.
    #[serde(default = "default_timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
}

fn default_connections() -> u32 {
    4
}

/// What the `file` channel writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// `<id>.eml`: the email, as a mail client opens it.
    #[default]
    Eml,
    /// `<id>.json`: the generic webhook's body.
    Json,
}

/// Reads a duration written as `30s`, `2m`, `1h 30m`.
fn de_duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    humantime::parse_duration(&text).map_err(|_| serde::de::Error::custom("is not a duration like 30s, 2m or 1h"))
}

/// Reads a list of durations.
fn de_durations<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
    let texts = Vec::<String>::deserialize(d)?;
    texts
        .iter()
        .map(|text| {
            humantime::parse_duration(text)
                .map_err(|_| serde::de::Error::custom("is not a duration like 30s, 2m or 1h"))
        })
        .collect()
}

fn yes() -> bool {
    true
}

fn default_timeout() -> Duration {
    Duration::from_secs(30)
}

use crate::schedule::{CatchUp, NonWorkingDayPolicy};

/// `[jobs.NAME]`: one scheduled job.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobConfig {
    /// Whether the daemon schedules it.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Six-field cron (sec min hour day month weekday), in the township's time zone: parsed and
    /// checked when the config loads.
    pub schedule: crate::schedule::CronSpec,
    /// run, skip, next_working_day or previous_working_day.
    #[serde(default)]
    pub on_non_working_day: NonWorkingDayPolicy,
    /// once or skip.
    #[serde(default)]
    pub catch_up: CatchUp,
}

impl JobConfig {
    fn new(schedule: &str, on_non_working_day: NonWorkingDayPolicy) -> Self {
        // The built-in specs are constants that parse; a typo in one fails every test at once.
        let schedule = crate::schedule::CronSpec::parse(schedule).unwrap_or_else(|e| panic!("built-in schedule: {e}"));
        Self { enabled: true, schedule, on_non_working_day, catch_up: CatchUp::Once }
    }
}

/// `[jobs]`: the five jobs of DESIGN §2.3.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Jobs {
    /// 预测排查: monthly risk screening.
    pub monthly_screening: JobConfig,
    /// 季度督查: quarterly supervision digest.
    pub quarterly_supervision: JobConfig,
    /// 节前/会前排查: checked daily; runs N working days before each holiday and event.
    pub pre_event_sweep: JobConfig,
    /// Daily deadline watch with escalation.
    pub deadline_watch: JobConfig,
    /// 领导接待日: tells the day's duty leader.
    pub duty_roster: JobConfig,
    /// 接待日前提醒: tells the next reception day's duty leader the afternoon before.
    pub duty_eve: JobConfig,
    /// 新收信访事项: each new case to its portfolio leader the day it is registered.
    pub intake_watch: JobConfig,
    /// 未签收: overdue and urgent cases not acknowledged in time, to the office.
    pub ack_watch: JobConfig,
}

impl Default for Jobs {
    fn default() -> Self {
        use NonWorkingDayPolicy::{NextWorkingDay, Skip};
        Self {
            monthly_screening: JobConfig::new("0 0 9 1 * *", NextWorkingDay),
            quarterly_supervision: JobConfig::new("0 0 9 1 1,4,7,10 *", NextWorkingDay),
            pre_event_sweep: JobConfig::new("0 0 9 * * *", Skip),
            deadline_watch: JobConfig::new("0 30 8 * * *", Skip),
            duty_roster: JobConfig::new("0 0 8 * * *", Skip),
            duty_eve: JobConfig::new("0 0 16 * * *", Skip),
            intake_watch: JobConfig::new("0 0 9,14 * * *", Skip),
            ack_watch: JobConfig::new("0 0,30 8-17 * * *", Skip),
        }
    }
}

impl Jobs {
    /// Every job with its settings, in a fixed order (the order `jobs list` shows).
    pub fn all(&self) -> [(crate::plan::Job, &JobConfig); 8] {
        use crate::plan::Job;
        [
            Job::MonthlyScreening,
            Job::QuarterlySupervision,
            Job::PreEventSweep,
            Job::DeadlineWatch,
            Job::DutyRoster,
            Job::DutyEve,
            Job::IntakeWatch,
            Job::AckWatch,
        ]
        .map(|job| (job, self.get(job)))
    }

    /// The settings of `job`.
    pub fn get(&self, job: crate::plan::Job) -> &JobConfig {
        use crate::plan::Job;
        match job {
            Job::MonthlyScreening => &self.monthly_screening,
            Job::QuarterlySupervision => &self.quarterly_supervision,
            Job::PreEventSweep => &self.pre_event_sweep,
            Job::DeadlineWatch => &self.deadline_watch,
            Job::DutyRoster => &self.duty_roster,
            Job::DutyEve => &self.duty_eve,
            Job::IntakeWatch => &self.intake_watch,
            Job::AckWatch => &self.ack_watch,
        }
    }
}

/// `[delivery]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Delivery {
    /// Waits between attempts; after the last, the notice is dead.
    #[serde(deserialize_with = "de_durations")]
    pub retry_schedule: Vec<Duration>,
    /// Random spread applied to each wait, as a fraction (0.2 = ±20%).
    pub jitter: f64,
    /// Chat channels hold notices from this local time (`"21:00"`) …
    #[serde(deserialize_with = "crate::schedule::de_clock_time")]
    pub quiet_hours_start: chrono::NaiveTime,
    /// … until this local time. Equal start and end disable quiet hours.
    #[serde(deserialize_with = "crate::schedule::de_clock_time")]
    pub quiet_hours_end: chrono::NaiveTime,
    /// Channels (names) that reach a person whose `channels` list is empty.
    pub default_channels: Vec<String>,
    /// Notices delivered at the same time (one SMTP connection or HTTP request each).
    pub workers: usize,
    /// How long a claimed notice is reserved for its worker; after a crash it is due again
    /// once this has passed.
    #[serde(deserialize_with = "de_duration")]
    pub lease: Duration,
}

impl Delivery {
    /// The quiet hours (local start, end), or `None` when start and end are equal (off).
    pub fn quiet_hours(&self) -> Option<(chrono::NaiveTime, chrono::NaiveTime)> {
        (self.quiet_hours_start != self.quiet_hours_end).then_some((self.quiet_hours_start, self.quiet_hours_end))
    }
}

impl Default for Delivery {
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        Self {
            retry_schedule: vec![
                Duration::from_secs(30),
                minutes(2),
                minutes(10),
                minutes(30),
                minutes(120),
                minutes(360),
                minutes(720),
                minutes(1440),
            ],
            jitter: 0.2,
            quiet_hours_start: chrono::NaiveTime::from_hms_opt(21, 0, 0).unwrap_or_default(),
            quiet_hours_end: chrono::NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
            default_channels: vec!["mail".into()],
            workers: 16,
            lease: Duration::from_secs(300),
        }
    }
}

/// `[reports]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Reports {
    /// Day of the month a statistical month starts (1–28); 21 means 21st of the month before.
    pub month_starts_on_day: u32,
}

impl Default for Reports {
    fn default() -> Self {
        Self { month_starts_on_day: 1 }
    }
}

/// `[import]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Import {
    /// Longest cell accepted, in bytes; a longer cell rejects its row.
    pub max_cell_bytes: usize,
    /// Rows written per database transaction.
    pub batch_rows: usize,
}

impl Default for Import {
    fn default() -> Self {
        Self { max_cell_bytes: 65_536, batch_rows: 2_000 }
    }
}

impl Config {
    /// The configured time zone, parsed when the config loaded.
    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.township.time_zone
    }
}
