//! 复核超期: the recheck clock runs at D and D is past the recheck due date.

use super::super::{CaseView, Context, DeadlineKind, Evidence, Finding};

pub fn check(ctx: &Context<'_>, v: &CaseView<'_>, _: &[Finding]) -> Option<Evidence> {
    super::past(ctx, v.deadline(DeadlineKind::Recheck)?.due)
}
