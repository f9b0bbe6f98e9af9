//! Who hears about a case (DESIGN §2.3, §3): the case's owner leader (包案领导), and as a case
//! stays overdue its portfolio leader (分管领导) and then the party secretary (第一责任人).
//! Nobody named in the case's `accused` or `conflicts` ever receives it: the next person in
//! that line stands in, and the reason is recorded for the audit trail.
//!
//! Pure: the case's people and the directory come in; a [`Routing`] comes out.

use crate::domain::Directory;

/// Why a person is on a case's line of recipients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// 包案领导: the case's owner.
    Owner,
    /// 分管领导: the leader whose portfolio holds the case's category.
    Portfolio,
    /// 第一责任人: the party secretary, last step of escalation.
    Secretary,
}

impl Reason {
    /// The Chinese name of the role.
    pub fn zh(self) -> &'static str {
        match self {
            Reason::Owner => "包案领导",
            Reason::Portfolio => "分管领导",
            Reason::Secretary => "第一责任人",
        }
    }
}

/// How far a case has escalated: who is due to hear about it besides its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Escalation {
    /// The owner only.
    Owner,
    /// Also the portfolio leader.
    Portfolio,
    /// Also the party secretary.
    Secretary,
}

/// Why someone on the line does not receive the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// Named as 被反映人 (信访工作条例 第二十八条).
    Accused,
    /// Listed in 回避人员 (第三十条).
    Conflict,
    /// Named in the register but not defined in the config: no way to reach them.
    NotInConfig,
}

/// A person who receives the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// Person id in the config.
    pub person: String,
    /// Their name.
    pub name: String,
    /// The role they receive it in.
    pub reason: Reason,
    /// Whom they stand in for, when someone before them in line was skipped.
    pub stands_in_for: Option<String>,
}

/// Someone on the line who does not receive the case, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Their name (or the register's text when not in the config).
    pub name: String,
    /// The role they would have received it in.
    pub reason: Reason,
    /// Why not.
    pub why: SkipReason,
}

/// The recipients of one case, and the people skipped on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routing {
    /// Who receives it, in line order, each person once.
    pub recipients: Vec<Recipient>,
    /// Who was passed over, and why.
    pub skipped: Vec<Skipped>,
}

/// The people of a case that routing looks at.
#[derive(Debug, Clone, Copy, Default)]
pub struct CaseParties<'a> {
    /// 包案领导 as written (an id or a name).
    pub owner_leader: Option<&'a str>,
    /// 问题类别, for the portfolio leader.
    pub category: Option<&'a str>,
    /// 被反映人.
    pub accused: &'a [String],
    /// 回避人员.
    pub conflicts: &'a [String],
}

/// Whether `person` (an id or a name) must not receive the case: named as accused, or listed
/// in its conflicts.
pub fn excluded(case: &CaseParties<'_>, directory: &Directory, person: &str) -> Option<SkipReason> {
    let wanted = directory.resolve(person);
    let named = |list: &[String]| list.iter().any(|n| directory.resolve(n) == wanted);
    if named(case.accused) {
        Some(SkipReason::Accused)
    } else if named(case.conflicts) {
        Some(SkipReason::Conflict)
    } else {
        None
    }
}

/// One place in a case's line of recipients.
struct InLine<'d> {
    reason: Reason,
    /// The configured person (id, name), if the reference names one.
    person: Option<(&'d str, &'d str)>,
    /// The name as shown (the config's name, or the register's text).
    name: String,
}

/// Routes one case at an escalation level. The line is owner → portfolio leader → party
/// secretary; the first `escalation` steps of it are due, and each skipped person's place is
/// taken by the next one in line who is not skipped and not already receiving.
///
/// Choice: when everyone in line is skipped the case has no recipient here; the caller sends it
/// to the administrators so it is never silently dropped.
pub fn route(case: CaseParties<'_>, directory: &Directory, escalation: Escalation) -> Routing {
    let portfolio = case.category.and_then(|c| directory.portfolio_leader(c));
    let owner = case.owner_leader.filter(|o| !o.trim().is_empty());
    let line: Vec<InLine<'_>> = [
        owner.map(|o| InLine {
            reason: Reason::Owner,
            person: directory.find(o),
            name: directory.display_name(o).to_owned(),
        }),
        portfolio.map(|(id, name)| InLine {
            reason: Reason::Portfolio,
            person: Some((id, name)),
            name: name.to_owned(),
        }),
        directory.secretary().map(|(id, name)| InLine {
            reason: Reason::Secretary,
            person: Some((id, name)),
            name: name.to_owned(),
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    let due = |reason: Reason| match reason {
        Reason::Owner => true,
        Reason::Portfolio => escalation >= Escalation::Portfolio,
        Reason::Secretary => escalation >= Escalation::Secretary,
    };

    let mut routing = Routing::default();
    let mut stand_in_needed: Vec<String> = Vec::new();
    for InLine { reason, person, name } in &line {
        let why = excluded(&case, directory, name).or(person.is_none().then_some(SkipReason::NotInConfig));
        if let Some(why) = why {
            if due(*reason) {
                stand_in_needed.push(name.clone());
            }
            routing.skipped.push(Skipped { name: name.clone(), reason: *reason, why });
            continue;
        }
        let Some((id, person_name)) = person else { continue };
        if routing.recipients.iter().any(|r| r.person == *id) {
            continue;
        }
        if due(*reason) || !stand_in_needed.is_empty() {
            let stands_in_for = if due(*reason) { None } else { Some(stand_in_needed.remove(0)) };
            routing.recipients.push(Recipient {
                person: (*id).to_owned(),
                name: (*person_name).to_owned(),
                reason: *reason,
                stands_in_for,
            });
        }
    }
    routing
}

#[cfg(test)]
mod tests;
