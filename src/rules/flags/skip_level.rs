//! 越级访: `visited_level` − `competent_level` ≥ `skip_level_min_gap`; no flag when either is
//! missing. Applies to every listed case.

use super::super::{CaseView, Context, Evidence, Finding};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    let (visited, competent) = (v.record.visited_level, v.record.competent_level);
    if visited == 0 || competent == 0 {
        return None;
    }
    let gap = i16::from(visited) - i16::from(competent);
    (gap >= i16::from(ctx.rules.thresholds.skip_level_min_gap)).then_some(Evidence::Levels { visited, competent })
}
