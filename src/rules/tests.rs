//! Table-driven tests of every flag at and one past its threshold (defaults of DESIGN §2.2),
//! against the shipped 2025–2026 holiday schedules.

use chrono::{Days, NaiveDate};

use super::*;
use crate::calendar::tests::shipped;
use crate::domain::{Case, CaseNo, DateSpan, Level, PetitionerId};

/// D for every test: Friday 2026-11-27 (a working day).
fn d() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid date")
}

fn before(days: u64) -> NaiveDate {
    d() - Days::new(days)
}

fn after(days: u64) -> NaiveDate {
    d() + Days::new(days)
}

fn case(no: &str, received: NaiveDate) -> Case {
    let mut c = Case::new(CaseNo::parse(no).expect("case no"), received);
    c.petitioner = Some(format!("信访人{no}"));
    c
}

/// A case by a given petitioner (ID number) on a given matter.
fn by(no: &str, received: NaiveDate, id: &str, matter: Option<&str>, category: Option<&str>) -> Case {
    let mut c = case(no, received);
    c.petitioner_id = Some(PetitionerId::parse(id).expect("id"));
    c.matter = matter.map(str::to_owned);
    c.category = category.map(str::to_owned);
    c
}

fn rules() -> RuleBook {
    let portfolio = ["征地拆迁".to_owned()];
    RuleBook {
        month_starts_on_day: 1,
        directory: crate::domain::Directory::new([("li-hua", "李华", &portfolio[..]), ("sun-li", "孙丽", &[][..])]),
        ..RuleBook::default()
    }
}

/// The flags of case `no` when the register is screened at D (`None`: not listed).
fn flags_at(register: &[Case], as_of: NaiveDate, no: &str) -> Option<Vec<&'static str>> {
    let rules = rules();
    let register = Register::from_cases(register);
    let screening = screen(&register, as_of, &rules, shipped());
    screening.cases.iter().find(|r| r.case_no == no).map(|r| r.flag_names())
}

fn flags(register: &[Case], no: &str) -> Vec<&'static str> {
    flags_at(register, d(), no).unwrap_or_default()
}

fn has(register: &[Case], no: &str, flag: &str) -> bool {
    flags(register, no).contains(&flag)
}

#[test]
fn repeat_counts_an_earlier_case_on_the_same_matter_at_any_time_by_default() {
    let id = "320112196503120011";
    for earlier_days_before in [0, 365, 366, 2000] {
        let x = by("X", before(10), id, Some("征地补偿"), Some("征地拆迁"));
        let earlier = by("A", before(10 + earlier_days_before), id, Some("征地补偿"), Some("征地拆迁"));
        let found = flags(&[earlier, x], "X");
        assert!(found.contains(&"repeat"), "earlier case {earlier_days_before} days before: {found:?}");
        assert!(!found.contains(&"initial"), "earlier case {earlier_days_before} days before: {found:?}");
    }
}

#[test]
fn a_configured_repeat_window_bounds_repeat_but_never_makes_a_second_petition_initial() {
    let id = "320112196503120011";
    let mut rules = rules();
    rules.thresholds.repeat_window_days = 365;
    for (earlier_days_before, want) in [(365, true), (366, false), (0, true)] {
        let x = by("X", before(10), id, Some("征地补偿"), Some("征地拆迁"));
        let earlier = by("A", before(10 + earlier_days_before), id, Some("征地补偿"), Some("征地拆迁"));
        let register = Register::from_cases(&[earlier, x]);
        let screening = screen(&register, d(), &rules, shipped());
        let found = screening.cases.iter().find(|r| r.case_no == "X").map(|r| r.flag_names()).unwrap_or_default();
        assert_eq!(found.contains(&"repeat"), want, "earlier case {earlier_days_before} days before: {found:?}");
        assert!(!found.contains(&"initial"), "earlier case {earlier_days_before} days before: {found:?}");
    }
}

#[test]
fn a_second_petition_393_days_after_the_first_is_repeat_and_long_running_not_initial() {
    let id = "320112196503120011";
    let first = by("A", before(393 + 5), id, Some("宅基地"), None);
    let mut second = by("B", before(5), id, Some("宅基地"), None);
    second.accepted_on = Some(before(4));
    let found = flags(&[first, second], "B");
    assert!(found.contains(&"repeat") && found.contains(&"long_running"), "{found:?}");
    assert!(!found.contains(&"initial"), "{found:?}");
}

#[test]
fn on_the_same_day_the_lower_case_number_came_first() {
    let id = "320112196503120011";
    let a = by("A", before(3), id, Some("m"), None);
    let b = by("B", before(3), id, Some("m"), None);
    let register = [b, a];
    assert!(has(&register, "B", "repeat"));
    assert!(!has(&register, "A", "repeat"));
    assert!(has(&register, "A", "initial"));
}

#[test]
fn same_matter_compares_matters_when_both_have_one_and_categories_otherwise() {
    let id = "320112196503120011";
    let cases = |m1: Option<&str>, c1: Option<&str>, m2: Option<&str>, c2: Option<&str>| {
        [by("A", before(40), id, m1, c1), by("X", before(5), id, m2, c2)]
    };
    assert!(has(&cases(Some("甲"), Some("土地"), Some("甲"), Some("社保")), "X", "repeat"), "equal matters");
    assert!(
        !has(&cases(Some("甲"), Some("土地"), Some("乙"), Some("土地")), "X", "repeat"),
        "different matters, same category"
    );
    assert!(
        has(&cases(None, Some("土地"), Some("乙"), Some("土地")), "X", "repeat"),
        "one matter missing: category decides"
    );
    assert!(!has(&cases(None, None, None, None), "X", "repeat"), "no matter and no category");
    assert!(has(&cases(Some(" 甲 "), None, Some("甲"), None), "X", "repeat"), "matters compared trimmed");
}

#[test]
fn anonymous_cases_and_later_cases_never_make_a_repeat() {
    let id = "320112196503120011";
    let mut anon = by("A", before(40), id, Some("m"), None);
    anon.anonymous = true;
    let x = by("X", before(5), id, Some("m"), None);
    assert!(!has(&[anon, x.clone()], "X", "repeat"));
    let later = by("Z", before(1), id, Some("m"), None);
    assert!(!has(&[later, x], "X", "repeat"));
}

#[test]
fn identity_falls_back_to_name_and_phone_then_name_and_village() {
    let mut a = case("A", before(40));
    a.petitioner = Some("张 三".into());
    a.village = Some("东湖村".into());
    a.category = Some("土地".into());
    let mut x = a.clone();
    x.case_no = CaseNo::parse("X").expect("no");
    x.received_on = before(2);
    x.petitioner = Some("张三".into());
    assert!(has(&[a.clone(), x.clone()], "X", "repeat"), "same name and village");
    x.village = Some("西山村".into());
    assert!(!has(&[a, x], "X", "repeat"), "same name, other village");
}

#[test]
fn joint_collective_signed_and_skip_level_at_their_thresholds() {
    let mut c = case("X", before(3));
    c.signatories = 2;
    assert!(has(std::slice::from_ref(&c), "X", "joint"));
    c.signatories = 1;
    assert!(!has(std::slice::from_ref(&c), "X", "joint"));

    c.petitioner_count = 5;
    assert!(has(std::slice::from_ref(&c), "X", "collective"));
    c.petitioner_count = 4;
    c.signatories = 40;
    assert!(!has(std::slice::from_ref(&c), "X", "collective"), "signatories do not count as petitioners");

    assert!(has(std::slice::from_ref(&c), "X", "signed"));
    c.anonymous = true;
    assert!(!has(std::slice::from_ref(&c), "X", "signed"));

    for (visited, competent, want) in
        [(Some(3), Some(1), true), (Some(2), Some(1), false), (Some(5), None, false), (None, Some(1), false)]
    {
        c.visited_level = visited.and_then(Level::from_number);
        c.competent_level = competent.and_then(Level::from_number);
        assert_eq!(has(std::slice::from_ref(&c), "X", "skip_level"), want, "{visited:?} vs {competent:?}");
    }
}

#[test]
fn early_sign_needs_three_cases_of_one_category_in_one_village_in_the_30_days_ending_d() {
    let make = |no: &str, days: u64| {
        let mut c = case(no, before(days));
        c.category = Some("环境保护".into());
        c.village = Some("青石村".into());
        c.concluded_on = Some(before(days.saturating_sub(1)).min(d()));
        c
    };
    let mut anonymous = make("C", 0);
    anonymous.anonymous = true;
    let register = [make("A", 29), make("B", 10), anonymous.clone()];
    for no in ["A", "B", "C"] {
        assert!(has(&register, no, "early_sign"), "{no}");
    }
    let register = [make("A", 30), make("B", 10), anonymous];
    assert!(!has(&register, "B", "early_sign"), "A is outside D-29..D");
    let rules = rules();
    let register = Register::from_cases(&register);
    let screening = screen(&register, d(), &rules, shipped());
    assert!(screening.early_signs.is_empty());
}

#[test]
fn initial_applies_to_open_cases_that_are_not_repeat() {
    let mut c = case("X", before(3));
    assert!(has(std::slice::from_ref(&c), "X", "initial"));
    c.concluded_on = Some(before(1));
    assert_eq!(flags(std::slice::from_ref(&c), "X"), ["signed"], "closed but recent: listed without initial");
}

#[test]
fn organizer_looks_for_a_collective_case_within_365_days_before_d() {
    let id = "320112196503120011";
    for (days, want) in [(365, true), (366, false)] {
        let mut collective = by("A", before(days), id, None, None);
        collective.petitioner_count = 8;
        collective.concluded_on = Some(before(days - 30));
        let x = by("X", before(2), id, None, None);
        assert_eq!(has(&[collective, x], "X", "organizer"), want, "{days}");
    }
    let mut itself = case("X", before(2));
    itself.petitioner_count = 6;
    itself.anonymous = true;
    assert!(has(&[itself], "X", "organizer"), "the case itself counts, even without an identity");
}

#[test]
fn acceptance_overdue_is_judged_against_due_and_ignores_acceptance_after_d() {
    // received D-16: due D-1 → overdue. received D-15: due D → not yet.
    assert!(has(&[case("X", before(16))], "X", "acceptance_overdue"));
    assert!(!has(&[case("X", before(15))], "X", "acceptance_overdue"));
    let mut accepted_later = case("X", before(20));
    accepted_later.accepted_on = Some(after(1));
    assert!(has(&[accepted_later.clone()], "X", "acceptance_overdue"), "acceptance after D has not happened");
    accepted_later.accepted_on = Some(before(1));
    assert!(!has(&[accepted_later], "X", "acceptance_overdue"));
}

#[test]
fn due_soon_counts_working_days_up_to_act_by_and_overdue_starts_after_due() {
    // Accepted so that handling is due on the given day (60 days after acceptance).
    let with_due = |due: NaiveDate| {
        let mut c = case("X", due - Days::new(70));
        c.accepted_on = Some(due - Days::new(60));
        c
    };
    // From Friday D, 5 working days: Mon 11-30 … Fri 12-04.
    let five = NaiveDate::from_ymd_opt(2026, 12, 4).expect("date");
    assert!(has(&[with_due(five)], "X", "due_soon"));
    assert!(!has(&[with_due(five + Days::new(3))], "X", "due_soon"), "Monday 12-07 is the 6th working day");
    // Due Sunday 11-29: act_by is D itself, 0 working days left, not yet overdue.
    let sunday = after(2);
    assert_eq!(
        flags(&[with_due(sunday)], "X").into_iter().filter(|f| ["due_soon", "overdue"].contains(f)).collect::<Vec<_>>(),
        ["due_soon"]
    );
    // Due on D: still due_soon; due the day before: overdue and no longer due_soon.
    assert!(has(&[with_due(d())], "X", "due_soon"));
    let late = flags(&[with_due(before(1))], "X");
    assert!(late.contains(&"overdue") && !late.contains(&"due_soon"), "{late:?}");
}

/// A case where only the deadline `kind` runs at D, due on `due`.
fn only_running(kind: DeadlineKind, due: NaiveDate) -> Case {
    let mut c = case("X", before(100));
    match kind {
        DeadlineKind::Acceptance => c.received_on = due - Days::new(15),
        DeadlineKind::Handling => {
            c.received_on = due - Days::new(61);
            c.accepted_on = Some(due - Days::new(60));
        }
        DeadlineKind::Review | DeadlineKind::Recheck => {
            c.accepted_on = Some(before(99));
            c.concluded_on = Some(before(60));
            if kind == DeadlineKind::Review {
                c.review_accepted_on = Some(due - Days::new(15));
            } else {
                c.recheck_requested_on = Some(due - Days::new(30));
            }
        }
        DeadlineKind::Owner => {
            c.received_on = before(10);
            c.accepted_on = Some(before(9));
            c.owner_leader = Some("li-hua".into());
            c.owner_deadline = Some(due);
        }
    }
    c
}

#[test]
fn due_soon_warns_on_every_running_deadline_at_and_one_past_its_threshold() {
    // From Friday D, 5 working days: Mon 11-30 … Fri 12-04; Monday 12-07 is the 6th.
    let fifth = NaiveDate::from_ymd_opt(2026, 12, 4).expect("date");
    let sixth = NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
    for kind in [
        DeadlineKind::Acceptance,
        DeadlineKind::Handling,
        DeadlineKind::Review,
        DeadlineKind::Recheck,
        DeadlineKind::Owner,
    ] {
        for (due, want) in [(fifth, true), (sixth, false), (d(), true), (before(1), false)] {
            let c = only_running(kind, due);
            let register = Register::from_cases(std::slice::from_ref(&c));
            let rules = rules();
            let screening = screen(&register, d(), &rules, shipped());
            let result = screening.cases.iter().find(|r| r.case_no == "X");
            let running: Vec<DeadlineKind> =
                result.map(|r| r.deadlines.iter().map(|d| d.kind).collect()).unwrap_or_default();
            assert!(result.is_none() || running.contains(&kind), "{kind:?}: {running:?}");
            let named: Vec<DeadlineKind> = result
                .and_then(|r| r.findings.iter().find(|f| f.flag == Flag::DueSoon))
                .map(|f| match &f.evidence {
                    Evidence::DueSoon(list) => list.iter().map(|d| d.kind).collect(),
                    other => panic!("{other:?}"),
                })
                .unwrap_or_default();
            assert_eq!(named == [kind], want, "{kind:?} due {due}: {named:?}");
        }
    }
}

#[test]
fn the_extension_moves_the_handling_due_date() {
    let mut c = case("X", before(80));
    c.accepted_on = Some(before(61)); // due D-1 without extension
    assert!(has(std::slice::from_ref(&c), "X", "overdue"));
    c.extension_days = 1;
    assert!(!has(std::slice::from_ref(&c), "X", "overdue"));
}

#[test]
fn owner_overdue_and_backlog_at_their_boundaries() {
    let mut c = case("X", before(100));
    c.accepted_on = Some(before(90));
    c.owner_deadline = Some(d());
    let now = flags(std::slice::from_ref(&c), "X");
    assert!(!now.contains(&"owner_overdue") && !now.contains(&"backlog"), "{now:?}");
    c.owner_deadline = Some(before(1));
    c.accepted_on = Some(before(91));
    let later = flags(std::slice::from_ref(&c), "X");
    assert!(later.contains(&"owner_overdue") && later.contains(&"backlog"), "{later:?}");
    let never_accepted = case("Y", before(91));
    assert!(has(&[never_accepted], "Y", "backlog"), "counted from receipt when never accepted");
}

#[test]
fn long_running_counts_from_the_petitioners_first_case_on_the_matter() {
    let id = "320112196503120011";
    for (days, want) in [(365, true), (364, false)] {
        let mut first = by("A", before(days), id, Some("m"), None);
        first.concluded_on = Some(before(days - 20));
        let x = by("X", before(3), id, Some("m"), None);
        assert_eq!(has(&[first, x], "X", "long_running"), want, "{days}");
    }
    let old = by("X", before(400), id, None, None);
    assert!(has(&[old], "X", "long_running"), "the case itself counts");
}

#[test]
fn no_owner_needs_a_flag_that_calls_for_an_owner_and_a_missing_leader_or_deadline() {
    let mut c = case("X", before(3));
    c.petitioner_count = 6;
    assert!(has(std::slice::from_ref(&c), "X", "no_owner"));
    c.owner_leader = Some("李华".into());
    assert!(has(std::slice::from_ref(&c), "X", "no_owner"), "deadline still missing");
    c.owner_deadline = Some(after(30));
    assert!(!has(std::slice::from_ref(&c), "X", "no_owner"));
    let plain = case("Y", before(3));
    assert!(!has(&[plain], "Y", "no_owner"), "initial alone does not call for an owner");
}

#[test]
fn conflict_resolves_ids_to_names_and_includes_the_portfolio_leader() {
    let mut c = case("X", before(3));
    c.owner_leader = Some("li-hua".into());
    c.accused = vec!["李 华".into()];
    assert!(has(std::slice::from_ref(&c), "X", "conflict"), "owner id against accused name");
    c.owner_leader = Some("孙丽".into());
    c.accused = vec!["李华华".into()];
    assert!(!has(std::slice::from_ref(&c), "X", "conflict"), "whole names only");
    c.category = Some("征地拆迁".into());
    c.conflicts = vec!["li-hua".into()];
    assert!(has(std::slice::from_ref(&c), "X", "conflict"), "portfolio leader in conflicts, by id");
    c.responsible_person = Some("王五".into());
    c.conflicts = vec!["王五".into()];
    c.category = None;
    assert!(has(std::slice::from_ref(&c), "X", "conflict"), "responsible person");
}

#[test]
fn review_and_recheck_overdue_are_judged_against_due_with_hearings_paused() {
    let mut c = case("X", before(200));
    c.accepted_on = Some(before(199));
    c.concluded_on = Some(before(150));
    c.review_accepted_on = Some(before(16)); // due D-1
    assert_eq!(flags(std::slice::from_ref(&c), "X"), ["review_overdue", "signed"]);
    c.hearings = vec![DateSpan { first: before(10), last: before(10) }];
    assert_eq!(flags(std::slice::from_ref(&c), "X"), ["due_soon", "signed"], "one hearing day moves due to D");
    c.review_opinion_on = Some(before(2));
    c.recheck_requested_on = Some(before(32)); // 30 days + one hearing day: due D-1
    assert_eq!(flags(std::slice::from_ref(&c), "X"), ["recheck_overdue", "signed"]);
}

#[test]
fn screening_sees_the_register_as_it_stood_on_d() {
    let mut c = case("X", before(40));
    c.accepted_on = Some(before(35));
    c.concluded_on = Some(before(5));
    assert_eq!(flags_at(std::slice::from_ref(&c), d(), "X"), None, "closed and received 40 days ago: not listed");
    let earlier = before(10);
    let then = flags_at(std::slice::from_ref(&c), earlier, "X").expect("open on D-10");
    assert!(then.contains(&"initial"), "{then:?}");
    assert_eq!(flags_at(std::slice::from_ref(&c), before(41), "X"), None, "not yet received");
    let mut recent = case("Y", before(29));
    recent.concluded_on = Some(before(20));
    assert!(flags_at(&[recent.clone()], d(), "Y").is_some(), "received in D-29..D: listed though closed");
    recent.received_on = before(30);
    assert_eq!(flags_at(&[recent], d(), "Y"), None);
}

#[test]
fn listed_cases_are_sorted_by_case_number_with_sorted_flag_names() {
    let register = [case("B-2", before(3)), case("A-10", before(2)), case("A-9", before(1))];
    let rules = rules();
    let register = Register::from_cases(&register);
    let screening = screen(&register, d(), &rules, shipped());
    let order: Vec<&str> = screening.cases.iter().map(|r| r.case_no).collect();
    assert_eq!(order, ["A-10", "A-9", "B-2"]);
    for r in &screening.cases {
        let names = r.flag_names();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    prop_compose! {
        fn any_case()(
            no in 0u32..60,
            received in 0u64..500,
            accepted in proptest::option::of(0u64..40),
            concluded in proptest::option::of(0u64..200),
            person in proptest::option::of(0u8..6),
            anonymous in any::<bool>(),
            count in 1u32..9,
            signatories in 0u32..4,
            category in proptest::option::of(0u8..3),
            village in proptest::option::of(0u8..3),
            matter in proptest::option::of(0u8..3),
            levels in (0i64..7, 0i64..7),
            extension in 0u32..31,
            review in proptest::option::of((0u64..300, proptest::option::of(0u64..40))),
            hearing in proptest::option::of(0u64..400),
        ) -> Case {
            let first = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
            let mut c = case(&format!("P{no}"), first + Days::new(received));
            c.accepted_on = accepted.map(|a| c.received_on + Days::new(a));
            c.concluded_on = concluded.map(|k| c.received_on + Days::new(k));
            c.petitioner = person.map(|p| format!("人{p}"));
            c.anonymous = anonymous;
            c.petitioner_count = count;
            c.signatories = signatories;
            c.category = category.map(|k| format!("类{k}"));
            c.village = village.map(|v| format!("村{v}"));
            c.matter = matter.map(|m| format!("事{m}"));
            c.visited_level = Level::from_number(levels.0);
            c.competent_level = Level::from_number(levels.1);
            c.extension_days = extension;
            if let Some((start, opinion)) = review {
                c.review_accepted_on = Some(first + Days::new(start));
                c.review_opinion_on = opinion.map(|o| first + Days::new(start + o));
            }
            c.hearings = hearing.map(|h| vec![DateSpan { first: first + Days::new(h), last: first + Days::new(h + 1) }]).unwrap_or_default();
            c.owner_deadline = accepted.map(|a| c.received_on + Days::new(a + 30));
            c
        }
    }

    proptest! {
        #[test]
        fn any_register_screens_without_panic_and_lists_only_what_it_may(
            cases in proptest::collection::vec(any_case(), 0..40),
            at in 0u64..600,
        ) {
            let mut seen = std::collections::BTreeSet::new();
            let cases: Vec<Case> = cases.into_iter().filter(|c| seen.insert(c.case_no.clone())).collect();
            let as_of = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date") + Days::new(at);
            let rules = rules();
            let register = Register::from_cases(&cases);
            let screening = screen(&register, as_of, &rules, shipped());
            let mut previous: Option<&str> = None;
            for result in &screening.cases {
                prop_assert!(result.received_on <= as_of);
                prop_assert!(!result.findings.is_empty());
                prop_assert!(previous.is_none_or(|p| p < result.case_no));
                previous = Some(result.case_no);
                for d in &result.deadlines {
                    prop_assert!(d.act_by <= d.due);
                }
                let soon: Vec<DeadlineKind> = result
                    .findings
                    .iter()
                    .filter_map(|f| match &f.evidence {
                        Evidence::DueSoon(list) => Some(list.iter().map(|d| d.kind)),
                        _ => None,
                    })
                    .flatten()
                    .collect();
                prop_assert_eq!(result.has(Flag::DueSoon), !soon.is_empty());
                prop_assert!(!(result.has(Flag::Overdue) && soon.contains(&DeadlineKind::Handling)));
                prop_assert!(!(result.has(Flag::AcceptanceOverdue) && soon.contains(&DeadlineKind::Acceptance)));
                prop_assert!(!(result.has(Flag::Repeat) && result.has(Flag::Initial)));
            }
        }
    }
}

#[test]
fn a_matter_disposed_of_without_acceptance_leaves_the_acceptance_clock_and_the_open_set() {
    let mut c = case("X", before(25));
    c.competent_level = Level::from_number(2);
    c.visited_level = Level::from_number(1);
    c.owner_deadline = Some(before(2));
    c.disposition = Some(crate::domain::Disposition::Informed);
    c.disposed_on = Some(before(20));
    let register = Register::from_cases(std::slice::from_ref(&c));
    let rules = rules();
    let screening = screen(&register, d(), &rules, shipped());
    let listed = screening.cases.iter().find(|r| r.case_no == "X").expect("received in the recent window");
    assert_eq!(listed.flag_names(), ["signed"], "closed on disposed_on: no clock, no open-case flag");
    assert!(listed.deadlines.is_empty());
    // The day before it was disposed of, the acceptance and owner clocks ran.
    let screening = screen(&register, before(21), &rules, shipped());
    let then = screening.cases.iter().find(|r| r.case_no == "X").expect("open then");
    let kinds: Vec<DeadlineKind> = then.deadlines.iter().map(|d| d.kind).collect();
    assert_eq!(kinds, [DeadlineKind::Acceptance, DeadlineKind::Owner]);
    assert!(then.has(Flag::Initial));
}
