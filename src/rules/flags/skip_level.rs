//! 越级访: `visited_level` − `competent_level` ≥ `skip_level_min_gap`; no flag when either is
//! missing. Applies to every listed case.

use super::super::{CaseView, Context, Evidence, Finding};

pub fn check(ctx: &Context<'_>, v: &CaseView<'_>, _: &[Finding]) -> Option<Evidence> {
    let visited = v.case.visited_level?.number();
    let competent = v.case.competent_level?.number();
    let gap = i16::from(visited) - i16::from(competent);
    (gap >= i16::from(ctx.rules.thresholds.skip_level_min_gap)).then_some(Evidence::Levels { visited, competent })
}
