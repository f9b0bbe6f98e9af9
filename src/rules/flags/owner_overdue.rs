//! 包案超期: an open case, and D is past its `owner_deadline` (an owner leader is not required).

use super::super::{CaseView, Context, DeadlineKind, Evidence, Finding};

pub fn check(ctx: &Context<'_>, v: &CaseView<'_>, _: &[Finding]) -> Option<Evidence> {
    if !v.open {
        return None;
    }
    super::past(ctx, v.deadline(DeadlineKind::Owner)?.due)
}
