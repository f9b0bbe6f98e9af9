//! Turning results into what people read: the `screen` listing (table, JSON, CSV), what a notice
//! may say about a case to each audience, and notices rendered through the templates. Pure: data
//! in, text out.

pub mod chart;
pub mod message;
pub mod notice;
pub mod report;
pub mod screen;
