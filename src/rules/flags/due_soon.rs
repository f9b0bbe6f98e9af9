//! 临期: a case open or in review with some running deadline (acceptance, handling, review,
//! recheck, owner) that is not yet past (D ≤ due) and has at most `due_soon_working_days`
//! working days d, D < d ≤ act-by, left (0 once act-by has passed). The evidence names each such
//! deadline, in [`DeadlineKind`](super::super::DeadlineKind) order.

use super::super::evidence::DueSoonDeadline;
use super::super::{CaseView, Context, Evidence, Finding};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    if !(v.open || v.in_review) {
        return None;
    }
    let limit = ctx.rules.thresholds.due_soon_working_days;
    let soon: Vec<DueSoonDeadline> = v
        .deadlines
        .iter()
        .filter(|d| ctx.as_of <= d.due)
        .filter_map(|d| {
            let left = ctx.calendar.working_days_between(ctx.as_of, d.act_by);
            (left <= limit).then_some(DueSoonDeadline {
                kind: d.kind,
                due: d.due,
                act_by: d.act_by,
                working_days_left: left,
            })
        })
        .collect();
    (!soon.is_empty()).then_some(Evidence::DueSoon(soon))
}
