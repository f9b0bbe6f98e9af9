//! 组织者/关键人物: an open case whose petitioner is the petitioner of a `collective` case
//! received within `organizer_window_days` before D (the case itself counts).

use super::super::context::days_before;
use super::super::{CaseView, Context, Evidence, Finding};

pub fn check(ctx: &Context<'_>, v: &CaseView<'_>, _: &[Finding]) -> Option<Evidence> {
    if !v.open {
        return None;
    }
    let t = &ctx.rules.thresholds;
    let collective = match ctx.collective_case_of(v.ix) {
        Some(ix) => ctx.case(ix),
        // Without an identity only the case itself can count.
        None => Some(v.case)
            .filter(|c| c.petitioner_count >= t.collective_min_petitioners)
            .filter(|c| c.received_on >= days_before(ctx.as_of, t.organizer_window_days))?,
    };
    Some(Evidence::CollectiveCase { case_no: collective.case_no.clone(), petitioners: collective.petitioner_count })
}
