//! 重复信访: the petitioner has another case on the same matter that came first (earlier
//! `received_on`; on the same day, the lower `case_no`), received at most `repeat_window_days`
//! before this one — or at any time earlier when the window is 0, the default (the rule book
//! counts 来访或来信2次 with no window). Applies to every listed case.

use super::super::context::days_before;
use super::super::{CaseView, Context, Evidence, Finding};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    let earlier = ctx.latest_earlier_on_matter(v.pos)?;
    let record = ctx.record(earlier);
    let window = ctx.rules.thresholds.repeat_window_days;
    // Lists are in the order cases came: the latest case before this one is the best witness;
    // if it is outside the window, every earlier one is too.
    (window == 0 || record.received_on >= days_before(v.record.received_on, window))
        .then(|| Evidence::EarlierCase { case_no: ctx.register.case_no(record), received_on: record.received_on })
}
