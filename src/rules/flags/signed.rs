//! 署名信访: the case is not anonymous. Applies to every listed case.

use super::super::{CaseView, Context, Evidence, Finding};

pub fn check(_: &Context<'_>, v: &CaseView<'_>, _: &[Finding]) -> Option<Evidence> {
    (!v.record.anonymous).then_some(Evidence::NotAnonymous)
}
