//! 久拖不决: an open case whose petitioner's first case on the same matter (the case itself
//! counts) was received `long_running_days` or more days before D.

use super::super::context::days_before;
use super::super::{CaseView, Context, Evidence, Finding};

pub fn check(ctx: &Context<'_>, v: &CaseView<'_>, _: &[Finding]) -> Option<Evidence> {
    if !v.open {
        return None;
    }
    let first = ctx
        .same_matter_lists(v.ix)
        .filter_map(|list| list.first().map(|p| ctx.case(*p as usize)))
        .chain(std::iter::once(v.case))
        .min_by(|a, b| (a.received_on, &a.case_no).cmp(&(b.received_on, &b.case_no)))?;
    (first.received_on <= days_before(ctx.as_of, ctx.rules.thresholds.long_running_days)).then(|| {
        Evidence::FirstOnMatter {
            case_no: first.case_no.clone(),
            received_on: first.received_on,
            days: (ctx.as_of - first.received_on).num_days(),
        }
    })
}
