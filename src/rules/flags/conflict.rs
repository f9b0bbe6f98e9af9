//! 回避: an open case whose owner leader, responsible person or portfolio leader (the person
//! whose `portfolio` holds the case's category) is named in `accused` or `conflicts` — whole
//! names after normalisation, person ids resolved to names through the config.

use super::super::{CaseView, Context, Evidence, Finding};

pub fn check<'a>(ctx: &Context<'a>, v: &CaseView<'a>, _: &[Finding<'a>]) -> Option<Evidence<'a>> {
    let parties = ctx.register.parties(v.record);
    if !v.open || parties.is_empty() {
        return None;
    }
    let directory = &ctx.rules.directory;
    let register = ctx.register;
    let portfolio = register.opt_text(v.record.category).and_then(|c| directory.portfolio_leader(c)).map(|(id, _)| id);
    let involved = [
        (register.opt_text(v.record.owner_leader), "包案领导"),
        (register.opt_text(v.record.responsible_person), "责任人"),
        (portfolio, "分管领导"),
    ];
    for (person, role) in involved {
        let Some(person) = person else { continue };
        let name = directory.resolve(person);
        if let Some((_, accused)) = parties.iter().find(|(party, _)| directory.resolve(register.text(*party)) == name) {
            return Some(Evidence::Recusal {
                person: directory.display_name(person).to_owned(),
                role,
                accused: *accused,
            });
        }
    }
    None
}
