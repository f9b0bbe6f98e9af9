//! petition-watch: screens a township petition register (信访登记台账) on a working-day
//! calendar and makes sure each responsible leader hears about their cases.
//!
//! # Module map
//!
//! Data flows one way: register → store → screening → notices → delivery. The pure core
//! (no I/O, no clock) sits at the top of the list; edges below it call into it, never the reverse.
//!
//! | module | owns | may depend on |
//! |---|---|---|
//! | [`domain`] | a case and its typed values (`CaseNo`, `Level`, masked `PetitionerId`/`Phone`), register text parsers | — |
//! | [`calendar`] | working days from the official holiday schedules, Mon–Fri fallback | `domain` |
//! | [`rules`] | deadlines and every screening flag at a date, over a compact interned register | `domain`, `calendar` |
//! | [`routing`] | who hears about a case: owner, portfolio leader, party secretary; recusal with stand-ins | `rules` |
//! | [`plan`] | whether a notice is due: escalation by working days overdue, reminder dedup and repeat | `calendar`, `rules`, `routing` |
//! | [`render`] | what people read: the `screen` table, JSON and CSV; a case as each audience may see it | `domain`, `rules` |
//! | [`config`] | the settings file, environment overrides, validation with file:line:key errors | `domain`, `calendar`, `rules`, `plan` |
//! | [`clock`] | the only reader of the wall clock; a fixed clock for tests | — |
//! | [`telemetry`] | tracing setup (text or JSON lines) | `config` |
//! | [`store`] | cases, people, job runs, outbox and audit tables on SQLite or PostgreSQL; the register read for screening | `domain`, `config`, `rules` |
//! | [`channels`] | delivery endpoints with transient/permanent failures; so far the `file` channel and the webhook signatures | `store` (claimed notices) |
//! | [`import`] | reading CSV/XLSX registers into cases, row by row with reasons | `domain`, `config`, `store` |
//! | [`cli`] | the `petition-watch` command line: parses arguments and wires the rest | everything |

#![warn(missing_docs)]

pub mod calendar;
pub mod channels;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod import;
pub mod plan;
pub mod render;
pub mod routing;
pub mod rules;
pub mod store;
pub mod telemetry;
