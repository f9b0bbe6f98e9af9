//! 署名信访: the case is not anonymous. Applies to every listed case.

use super::super::{CaseView, Context, Evidence, Finding};

pub fn check<'a>(_: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    (!v.record.anonymous).then_some(Evidence::NotAnonymous)
}
