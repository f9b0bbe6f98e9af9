//! 办理超期: an open, accepted case, and D is past the handling due date (with extension).

use super::super::{CaseView, Context, DeadlineKind, Evidence, Finding};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    if !v.open {
        return None;
    }
    super::past(ctx, v.deadline(DeadlineKind::Handling)?.due)
}
