use super::*;

fn directory() -> Directory {
    let land = ["征地拆迁".to_owned()];
    let none: [String; 0] = [];
    Directory::new([("wang", "王建国", &none[..]), ("li", "李华", &land[..]), ("sun", "孙丽", &none[..])])
        .with_secretary(Some("wang"))
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// (recipient ids with their reasons and stand-in, skipped names with why)
fn routed(
    owner: Option<&str>,
    accused: &[&str],
    conflicts: &[&str],
    escalation: Escalation,
) -> (Vec<String>, Vec<String>) {
    let (accused, conflicts) = (names(accused), names(conflicts));
    let case =
        CaseParties { owner_leader: owner, category: Some("征地拆迁"), accused: &accused, conflicts: &conflicts };
    let routing = route(case, &directory(), escalation);
    let recipients = routing
        .recipients
        .iter()
        .map(|r| match &r.stands_in_for {
            Some(other) => format!("{}:{:?} for {other}", r.person, r.reason),
            None => format!("{}:{:?}", r.person, r.reason),
        })
        .collect();
    let skipped = routing.skipped.iter().map(|s| format!("{}:{:?}", s.name, s.why)).collect();
    (recipients, skipped)
}

#[test]
fn the_line_grows_with_escalation() {
    assert_eq!(routed(Some("sun"), &[], &[], Escalation::Owner).0, ["sun:Owner"]);
    assert_eq!(routed(Some("sun"), &[], &[], Escalation::Portfolio).0, ["sun:Owner", "li:Portfolio"]);
    assert_eq!(routed(Some("sun"), &[], &[], Escalation::Secretary).0, ["sun:Owner", "li:Portfolio", "wang:Secretary"]);
}

#[test]
fn an_accused_owner_never_receives_and_the_next_in_line_stands_in() {
    let (recipients, skipped) = routed(Some("孙丽"), &["孙 丽"], &[], Escalation::Owner);
    assert_eq!(recipients, ["li:Portfolio for 孙丽"]);
    assert_eq!(skipped, ["孙丽:Accused"]);
}

#[test]
fn recusal_passes_the_case_down_the_line_to_the_secretary() {
    let (recipients, skipped) = routed(Some("sun"), &[], &["孙丽", "li"], Escalation::Owner);
    assert_eq!(recipients, ["wang:Secretary for 孙丽"]);
    assert_eq!(skipped, ["孙丽:Conflict", "李华:Conflict"]);
}

#[test]
fn when_everyone_in_line_must_recuse_nobody_receives_and_all_is_recorded() {
    let (recipients, skipped) = routed(Some("sun"), &["王建国"], &["孙丽", "李华"], Escalation::Secretary);
    assert!(recipients.is_empty());
    assert_eq!(skipped.len(), 3);
}

#[test]
fn an_owner_not_in_the_config_is_reached_through_the_portfolio_leader() {
    let (recipients, skipped) = routed(Some("赵六"), &[], &[], Escalation::Owner);
    assert_eq!(recipients, ["li:Portfolio for 赵六"]);
    assert_eq!(skipped, ["赵六:NotInConfig"]);
}

#[test]
fn a_person_holding_two_roles_receives_once() {
    let (recipients, _) = routed(Some("li"), &[], &[], Escalation::Secretary);
    assert_eq!(recipients, ["li:Owner", "wang:Secretary"]);
}

#[test]
fn a_case_without_an_owner_goes_to_the_portfolio_leader_only_when_escalated() {
    assert!(routed(None, &[], &[], Escalation::Owner).0.is_empty());
    assert_eq!(routed(None, &[], &[], Escalation::Portfolio).0, ["li:Portfolio"]);
}
