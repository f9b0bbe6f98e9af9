//! 受理超期: an open case not accepted by D, and D is past the acceptance due date.

use super::super::{CaseView, Context, DeadlineKind, Evidence, Finding};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    if !v.open {
        return None;
    }
    super::past(ctx, v.deadline(DeadlineKind::Acceptance)?.due)
}
