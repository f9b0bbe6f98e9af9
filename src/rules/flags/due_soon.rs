//! 临期: an open, accepted case that is not `overdue`, with at most `due_soon_working_days`
//! working days d, D < d ≤ handling act-by, left (0 once act-by has passed).

use super::super::{CaseView, Context, DeadlineKind, Evidence, Finding};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    if !v.open {
        return None;
    }
    let handling = v.deadline(DeadlineKind::Handling)?;
    if ctx.as_of > handling.due {
        return None;
    }
    let left = ctx.calendar.working_days_between(ctx.as_of, handling.act_by);
    (left <= ctx.rules.thresholds.due_soon_working_days)
        .then_some(Evidence::DueSoon { act_by: handling.act_by, working_days_left: left })
}
