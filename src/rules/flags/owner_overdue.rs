//! 包案超期: an open case, and D is past its `owner_deadline` (an owner leader is not required).

use super::super::{CaseView, Context, DeadlineKind, Evidence, Finding};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    if !v.open {
        return None;
    }
    super::past(ctx, v.deadline(DeadlineKind::Owner)?.due)
}
