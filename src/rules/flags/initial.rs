//! 初信初访: an open case that is not `repeat`.

use super::super::{CaseView, Context, Evidence, Finding, Flag};

pub fn check(_: &Context<'_>, v: &CaseView<'_>, found: &[Finding]) -> Option<Evidence> {
    (v.open && !found.iter().any(|f| f.flag == Flag::Repeat)).then_some(Evidence::FirstPetition)
}
