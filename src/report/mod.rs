//! Reports the leading group reads (DESIGN §2.4): the periods they cover and the figures in
//! them, each traceable to a list of cases. Pure: the cases, the register, the rules and the
//! calendar come in; a report model comes out, which `render::report` writes as XLSX or
//! Markdown.
//!
//! One concept a file: `period` (statistical months, quarters, years), `digest` (the supervision
//! digest, 季度督查), `screening` (the monthly screening report), `sweep` (the list before a
//! holiday or event), `work` (签收, answers and 督办 in a period) and `document` (a report as a
//! notice carries it).

mod digest;
mod document;
mod period;
mod screening;
mod sweep;
#[cfg(test)]
mod tests;
mod work;

use digest::{BLANK, case_ref, trend};
pub use digest::{CaseRef, Digest, Row, TREND_FLAGS, UnitRow, digest};
pub use document::Document;
pub use period::Period;
pub use screening::{FlagSection, RepeatPetitioner, ScreeningReport, screening_report};
pub use sweep::{SweepReport, sweep_report};
pub use work::{SupervisionRow, Told, WorkFigures, WorkInput, work_figures};
