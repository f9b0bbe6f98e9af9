//! 复核超期: the recheck clock runs at D and D is past the recheck due date.

use super::super::{CaseView, Context, DeadlineKind, Evidence, Finding};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    super::past(ctx, v.deadline(DeadlineKind::Recheck)?.due)
}
