//! 苗头性问题: at least `early_sign_min_cases` cases (any status, anonymous included) with the
//! same non-empty category and the same non-empty village were received in the
//! `early_sign_window_days` ending D; each of them gets it.

use super::super::{CaseView, Context, Evidence, Finding};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    let group = ctx.early_sign_group(v.pos)?;
    let pos = u32::try_from(v.pos).ok()?;
    let min = usize::try_from(ctx.rules.thresholds.early_sign_min_cases).unwrap_or(usize::MAX);
    (group.len() >= min && group.binary_search(&pos).is_ok()).then(|| Evidence::EarlySign {
        category: ctx.register.text(v.record.category),
        village: ctx.register.text(v.record.village),
        cases: group.len(),
    })
}
