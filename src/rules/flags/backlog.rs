//! 信访积案: an open case with more than `backlog_days` days from `accepted_on` (or from
//! `received_on` when not accepted by D) to D.

use super::super::{CaseView, Context, Evidence, Finding, happened};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    if !v.open {
        return None;
    }
    let since = happened(v.record.clocks.accepted_on, ctx.as_of).unwrap_or(v.record.received_on);
    let days = (ctx.as_of - since).num_days();
    (days > i64::from(ctx.rules.thresholds.backlog_days)).then_some(Evidence::OpenFor { since, days })
}
