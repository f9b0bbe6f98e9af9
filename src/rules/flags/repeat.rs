//! 重复信访: the petitioner has another case on the same matter received within
//! `repeat_window_days` before this one, that came first (earlier `received_on`; on the same day,
//! the lower `case_no`). Applies to every listed case.

use super::super::context::days_before;
use super::super::{CaseView, Context, Evidence, Finding};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    let from = days_before(v.record.received_on, ctx.rules.thresholds.repeat_window_days);
    let pos = u32::try_from(v.pos).ok()?;
    // Lists are in the order cases came: the latest case before this one is the best witness;
    // if it is outside the window, every earlier one is too.
    let earlier = ctx
        .register
        .same_matter_lists(v.pos)
        .filter_map(|list| list.partition_point(|p| *p < pos).checked_sub(1).map(|i| list[i] as usize))
        .max()?;
    let record = ctx.record(earlier);
    (record.received_on >= from)
        .then(|| Evidence::EarlierCase { case_no: ctx.register.case_no(record), received_on: record.received_on })
}
