//! 初信初访: an open case whose petitioner has no earlier case on the same matter at all —
//! whatever `repeat_window_days` says, so a second petition outside a configured repeat window
//! is neither `repeat` nor `initial`. An anonymous case has no identity and so no earlier case:
//! open, it is `initial`.

use super::super::{CaseView, Context, Evidence, Finding};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    (v.open && ctx.latest_earlier_on_matter(v.pos).is_none()).then_some(Evidence::FirstPetition)
}
