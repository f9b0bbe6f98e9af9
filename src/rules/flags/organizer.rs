//! 组织者/关键人物: an open case whose petitioner is the petitioner of a `collective` case
//! received within `organizer_window_days` before D (the case itself counts).

use super::super::context::days_before;
use super::super::{CaseView, Context, Evidence, Finding};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    if !v.open {
        return None;
    }
    let t = &ctx.rules.thresholds;
    let collective = match ctx.collective_case_of(v.pos) {
        Some(pos) => ctx.record(pos),
        // Without an identity only the case itself can count.
        None => Some(v.record)
            .filter(|r| r.petitioner_count >= t.collective_min_petitioners)
            .filter(|r| r.received_on >= days_before(ctx.as_of, t.organizer_window_days))?,
    };
    Some(Evidence::CollectiveCase {
        case_no: ctx.register.case_no(collective),
        petitioners: collective.petitioner_count,
    })
}
