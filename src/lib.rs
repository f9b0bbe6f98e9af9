//! petition-watch: screens a township petition register (信访登记台账) on a working-day
//! calendar and makes sure each responsible leader hears about their cases.
//!
//! # Module map
//!
//! Data flows one way: register → store → screening → notices → delivery. The pure core
//! (no I/O, no clock) sits at the top of the list; edges below it call into it, never the reverse.
//! The last column is every module a module's code (tests aside) names, and no cycle runs
//! through them: `tests/it/module_map.rs` keeps this table true.
//!
//! | module | owns | may depend on |
//! |---|---|---|
//! | [`domain`] | a case and its typed values (`CaseNo`, `Level`, masked `PetitionerId`/`Phone`), register text parsers; people: the directory (ids, names, portfolios), contacts, addressees, channels as planning sees them | — |
//! | [`calendar`] | working days from the official holiday schedules; for a year without one, the statutory days off (lunar dates and 清明 computed) | `domain` |
//! | [`rules`] | deadlines and every screening flag at a date, over a compact interned register | `calendar`, `domain` |
//! | [`routing`] | who hears about a case: owner, portfolio leader, party secretary; recusal with stand-ins | `domain` |
//! | [`schedule`] | when jobs fire: cron in the township's time zone, moved by the non-working-day policy (`NonWorkingDayPolicy`, `CatchUp`); sweep days | `calendar` |
//! | [`report`] | report periods (statistical months) and the supervision digest: figures by flag, status, category, village and unit, each with its list of cases; the screening and sweep reports | `calendar`, `domain`, `rules`, `schedule` |
//! | [`notice`] | what a notice says: the body planned, stored in the outbox and rendered; a case as each audience may see it (masking) and what each deadline asks; the signed action links (`notice::link`) | `calendar`, `domain`, `report`, `rules` |
//! | [`render`] | what people read: the `screen` table, JSON and CSV; notices through the minijinja templates; chat messages split to size; the digest as XLSX and Markdown | `domain`, `notice`, `report`, `rules` |
//! | [`plan`] | the jobs (`Job`) and what each run plans, over the township's settings (`job::Township`): case notices one per person and channel, escalation, reminder dedup and repeat, moved deadlines, the intake watch's routing, retry times, quiet hours, notice ids | `calendar`, `domain`, `notice`, `report`, `routing`, `rules`, `schedule` |
//! | [`config`] | the settings file, environment overrides, validation with file:line:key errors; typed once when loaded (`Settings`: rule book, contacts, channels, schedules, sweep targets, rota) | `calendar`, `domain`, `plan`, `render`, `rules`, `schedule` |
//! | [`clock`] | the only reader of the wall clock; a fixed clock and a hand-moved one (waking the scheduler) for tests | — |
//! | [`telemetry`] | tracing setup (text or JSON lines); the Prometheus recorder and metric names; the config-reload status | `config` |
//! | [`store`] | cases, people, job runs, outbox and audit tables on SQLite or PostgreSQL; the register read for screening | `config`, `domain`, `plan`, `routing`, `rules` |
//! | [`channels`] | delivery endpoints: SMTP (lettre), webhook/WeCom/DingTalk/Feishu (reqwest, signed, rate-limited), files; a report's workbook built once for all its emails; failures judged transient, permanent, gone or throttled | `config`, `notice`, `render`, `report` |
//! | [`jobs`] | the enabled jobs with their schedules and the catch-up window; a job run: read from the store what `plan::job` needs, screen, plan, and write the run, its notices and reminders in one transaction | `config`, `domain`, `plan`, `report`, `rules`, `schedule`, `store` |
//! | [`delivery`] | the outbox worker: claim, send, retry on the schedule, dead, tell the administrators; delivery metrics | `channels`, `clock`, `config`, `domain`, `notice`, `plan`, `render`, `store`, `telemetry` |
//! | [`import`] | reading CSV/XLSX registers into cases, row by row with reasons | `config`, `domain`, `store` |
//! | [`app`] | the daemon: scheduler loop (woken by tokio-cron-scheduler at cron slots) with claims and catch-up, delivery worker, HTTP listener, SIGHUP reload, SIGTERM stop; job metrics | `clock`, `config`, `delivery`, `http`, `jobs`, `plan`, `schedule`, `store`, `telemetry` |
//! | [`http`] | the optional HTTP listener: health checks, `/metrics`, the token-guarded JSON API with its OpenAPI document (case intake through the importer's parser), the status page (with the case list, its export and the clerk's upload and corrections), the action page behind notices' links | `clock`, `config`, `domain`, `import`, `jobs`, `notice`, `plan`, `render`, `routing`, `rules`, `store`, `telemetry` |
//! | [`cli`] | the `petition-watch` command line: parses arguments and wires the rest | everything |

#![warn(missing_docs)]

pub mod app;
pub mod calendar;
pub mod channels;
pub mod cli;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod domain;
pub mod http;
pub mod import;
pub mod jobs;
pub mod notice;
pub mod plan;
pub mod render;
pub mod report;
pub mod routing;
pub mod rules;
pub mod schedule;
pub mod store;
pub mod telemetry;
