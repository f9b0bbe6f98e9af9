//! 回避: an open case whose owner leader, responsible person or portfolio leader (the person
//! whose `portfolio` holds the case's category) is named in `accused` or `conflicts` — whole
//! names after normalisation, person ids resolved to names through the config.

use super::super::{CaseView, Context, Evidence, Finding};

pub fn check(ctx: &Context<'_>, v: &CaseView<'_>, _: &[Finding]) -> Option<Evidence> {
    if !v.open || (v.case.accused.is_empty() && v.case.conflicts.is_empty()) {
        return None;
    }
    let directory = &ctx.rules.directory;
    let portfolio = v.case.category.as_deref().and_then(|c| directory.portfolio_leader(c)).map(|(id, _)| id);
    let involved = [
        (v.case.owner_leader.as_deref(), "包案领导"),
        (v.case.responsible_person.as_deref(), "责任人"),
        (portfolio, "分管领导"),
    ];
    for (person, role) in involved {
        let Some(person) = person.filter(|p| !p.trim().is_empty()) else { continue };
        let name = directory.resolve(person);
        let named = |list: &[String]| list.iter().any(|n| directory.resolve(n) == name);
        let accused = named(&v.case.accused);
        if accused || named(&v.case.conflicts) {
            return Some(Evidence::Recusal { person: directory.display_name(person).to_owned(), role, accused });
        }
    }
    None
}
