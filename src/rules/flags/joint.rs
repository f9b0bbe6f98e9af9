//! 联名信访: at least `joint_min_signatories` signatories. Applies to every listed case.

use super::super::{CaseView, Context, Evidence, Finding};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    let n = v.record.signatories;
    (n >= ctx.rules.thresholds.joint_min_signatories).then_some(Evidence::Signatories(n))
}
