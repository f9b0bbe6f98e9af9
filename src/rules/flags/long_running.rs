//! 久拖不决: an open case whose petitioner's first case on the same matter (the case itself
//! counts) was received `long_running_days` or more days before D.

use super::super::context::days_before;
use super::super::{CaseView, Context, Evidence, Finding};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    if !v.open {
        return None;
    }
    // Lists are in the order cases came, so each list's first entry is its earliest case.
    let first = ctx
        .register
        .same_matter_lists(v.pos)
        .filter_map(|list| list.first().map(|p| *p as usize))
        .chain(std::iter::once(v.pos))
        .min()?;
    let record = ctx.record(first);
    (record.received_on <= days_before(ctx.as_of, ctx.rules.thresholds.long_running_days)).then(|| {
        Evidence::FirstOnMatter {
            case_no: ctx.register.case_no(record),
            received_on: record.received_on,
            days: (ctx.as_of - record.received_on).num_days(),
        }
    })
}
