//! 集体访: at least `collective_min_petitioners` petitioners (`petitioner_count`, which defaults
//! to 1, not to the number of signatories). Applies to every listed case.

use super::super::{CaseView, Context, Evidence, Finding};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    let n = v.record.petitioner_count;
    (n >= ctx.rules.thresholds.collective_min_petitioners).then_some(Evidence::Petitioners(n))
}
