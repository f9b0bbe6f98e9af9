//! 重复信访: the petitioner has another case on the same matter received within
//! `repeat_window_days` before this one, that came first (earlier `received_on`; on the same day,
//! the lower `case_no`). Applies to every listed case.

use super::super::context::days_before;
use super::super::{CaseView, Context, Evidence, Finding};

pub fn check(ctx: &Context<'_>, v: &CaseView<'_>, _: &[Finding]) -> Option<Evidence> {
    let from = days_before(v.case.received_on, ctx.rules.thresholds.repeat_window_days);
    let pos = u32::try_from(v.ix).ok()?;
    // In each list the latest case before this one is the best witness: lists are in the
    // order cases came, so if it is outside the window every earlier one is too.
    ctx.same_matter_lists(v.ix)
        .filter_map(|list| {
            let before = list.partition_point(|p| *p < pos);
            before.checked_sub(1).map(|i| list[i] as usize)
        })
        .map(|ix| ctx.case(ix))
        .filter(|earlier| earlier.received_on >= from)
        .max_by(|a, b| (a.received_on, &a.case_no).cmp(&(b.received_on, &b.case_no)))
        .map(|earlier| Evidence::EarlierCase { case_no: earlier.case_no.clone(), received_on: earlier.received_on })
}
