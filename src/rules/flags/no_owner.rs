//! 未落实包案: an open case with any of repeat, collective, skip_level, backlog, long_running,
//! organizer or early_sign that lacks `owner_leader` or `owner_deadline`.

use super::super::register::NONE;
use super::super::{CaseView, Context, Evidence, Finding, Flag, FlagSet};

/// The flags that call for a 包案领导 with a deadline.
const NEEDS_OWNER: [Flag; 7] = [
    Flag::Repeat,
    Flag::Collective,
    Flag::SkipLevel,
    Flag::Backlog,
    Flag::LongRunning,
    Flag::Organizer,
    Flag::EarlySign,
];

pub fn check<'a>(_: &Context<'a>, v: &CaseView<'a>, found: &[Finding<'a>]) -> Option<Evidence<'a>> {
    if !v.open {
        return None;
    }
    let mut because = FlagSet::default();
    for f in found.iter().filter(|f| NEEDS_OWNER.contains(&f.flag)) {
        because.insert(f.flag);
    }
    let leader = v.record.owner_leader == NONE;
    let deadline = v.record.clocks.owner_deadline.is_none();
    (!because.is_empty() && (leader || deadline)).then_some(Evidence::MissingOwner { leader, deadline, because })
}
