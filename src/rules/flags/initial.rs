//! 初信初访: an open case that is not `repeat`.

use super::super::{CaseView, Context, Evidence, Finding, Flag};

pub fn check<'a>(_: &Context<'a>, v: &CaseView<'a>, found: &[Finding<'a>]) -> Option<Evidence<'a>> {
    (v.open && !found.iter().any(|f| f.flag == Flag::Repeat)).then_some(Evidence::FirstPetition)
}
