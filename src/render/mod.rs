//! Turning results into what people read: the `screen` listing (table, JSON, CSV) and what a
//! notice may say about a case to each audience; templates follow. Pure: data in, text out.

pub mod notice;
pub mod screen;
