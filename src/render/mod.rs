//! Turning results into what people read: the `screen` listing (table, JSON, CSV) now;
//! notice and report templates later. Pure: data in, text out.

pub mod screen;
