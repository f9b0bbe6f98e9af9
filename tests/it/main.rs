//! Integration tests: real SQLite files, a real PostgreSQL server, the real binary.

mod cli;
mod config;
mod fuzz;
mod helpers;
mod import;
mod samples;
mod screen;
mod store;
