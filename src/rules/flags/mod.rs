//! One file per flag of DESIGN §2.2. Each `check` looks at one case at D (with the indexes of
//! the [`Context`] and the findings already made for the case) and returns the evidence when
//! the flag applies. [`evaluate`] runs them in [`Flag::ALL`] order, so a flag may rely on the
//! ones before it (`initial` on `repeat`, `no_owner` on the flags that call for an owner).

mod acceptance_overdue;
mod backlog;
mod collective;
mod conflict;
mod due_soon;
mod early_sign;
mod initial;
mod joint;
mod long_running;
mod no_owner;
mod organizer;
mod overdue;
mod owner_overdue;
mod recheck_overdue;
mod repeat;
mod review_overdue;
mod signed;
mod skip_level;

use super::{CaseView, Context, Evidence, Finding, Flag};

/// A flag's test.
pub type Check = for<'a> fn(&Context<'a>, &CaseView<'a>, &[Finding<'a>]) -> Option<Evidence<'a>>;

/// The test of each flag.
pub fn check_of(flag: Flag) -> Check {
    match flag {
        Flag::Repeat => repeat::check,
        Flag::Joint => joint::check,
        Flag::Collective => collective::check,
        Flag::Signed => signed::check,
        Flag::SkipLevel => skip_level::check,
        Flag::EarlySign => early_sign::check,
        Flag::Initial => initial::check,
        Flag::Organizer => organizer::check,
        Flag::AcceptanceOverdue => acceptance_overdue::check,
        Flag::DueSoon => due_soon::check,
        Flag::Overdue => overdue::check,
        Flag::OwnerOverdue => owner_overdue::check,
        Flag::Backlog => backlog::check,
        Flag::LongRunning => long_running::check,
        Flag::NoOwner => no_owner::check,
        Flag::Conflict => conflict::check,
        Flag::ReviewOverdue => review_overdue::check,
        Flag::RecheckOverdue => recheck_overdue::check,
    }
}

/// Every flag the case carries at D, in [`Flag::ALL`] order.
pub fn evaluate<'a>(ctx: &Context<'a>, view: &CaseView<'a>) -> Vec<Finding<'a>> {
    let mut found = Vec::with_capacity(8);
    for flag in Flag::ALL {
        if let Some(evidence) = check_of(flag)(ctx, view, &found) {
            found.push(Finding { flag, evidence });
        }
    }
    found
}

/// Overdue evidence when D is past `due`.
fn past<'a>(ctx: &Context<'a>, due: chrono::NaiveDate) -> Option<Evidence<'a>> {
    (ctx.as_of > due).then(|| Evidence::Overdue { due, days: (ctx.as_of - due).num_days() })
}
