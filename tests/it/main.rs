//! Integration tests: real SQLite files, a real PostgreSQL server, the real binary.

mod action;
mod alerts;
mod api;
mod browser;
mod cli;
mod config;
mod crash;
mod daemon;
mod delivery;
mod deploy;
mod desk;
mod faults;
mod fuzz;
mod helpers;
mod import;
mod listener;
mod module_map;
mod privacy;
mod reading;
mod receiver;
mod report;
mod samples;
mod screen;
mod smtp_server;
mod store;
mod timeline;
