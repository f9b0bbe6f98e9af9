//! The store suite, run on SQLite and on PostgreSQL alike.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use petition_watch::domain::{Case, CaseNo, Channel, DateSpan, Disposition, Level, PetitionerId, Phone, Source};
use petition_watch::import::{ImportOptions, import_file};
use petition_watch::render::screen::to_json;
use petition_watch::rules::{Register, screen};
use petition_watch::store::{AttemptOutcome, ClaimOutcome, NewNotice, OutboxCounts, Store, UpsertCounts};

use crate::helpers::{PgDatabase, Workspace, now, open};

/// Runs each named suite function once per backend.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread")]
            async fn sqlite() {
                let dir = tempfile::tempdir().expect("temp dir");
                let store = crate::helpers::open(&format!("sqlite://{}/t.db", dir.path().display())).await;
                super::$name(&store).await;
                store.close().await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn postgres() {
                let Some(db) = crate::helpers::PgDatabase::create().await else { return };
                let store = crate::helpers::open(&db.url).await;
                super::$name(&store).await;
                store.close().await;
                db.drop_db().await;
            }
        }
    )*};
}

on_both_backends!(
    a_case_reads_back_exactly_as_written,
    reimport_counts_new_updated_and_unchanged,
    batches_larger_than_one_statement_are_written_whole,
    people_from_config_replace_the_table,
    an_import_with_bad_rows_leaves_stored_cases_untouched,
    rejected_rows_fixed_and_imported_again_keep_the_stored_id_and_phone,
    migrating_twice_changes_nothing,
    the_register_read_for_screening_screens_like_the_stored_cases,
    the_outbox_takes_each_notice_once_by_its_id,
    claims_go_oldest_first_and_a_lapsed_lease_makes_a_notice_due_again,
    every_attempt_is_recorded_and_decides_the_notices_state,
    a_batch_claim_leases_the_longest_due_and_a_notice_put_back_is_due_again,
    attempts_finishing_together_are_each_recorded_once,
    a_firing_is_claimed_once_but_its_claimant_may_finish_it_after_a_failure,
    a_firing_left_running_by_a_dead_claimant_is_taken_over_once_its_lease_runs_out,
    a_runs_reminders_are_written_whole_and_a_pair_named_twice_keeps_its_last_record,
    a_cases_events_read_back_in_order_and_the_notices_that_listed_it_are_found_exactly,
    a_withdrawn_case_leaves_every_read_and_comes_back_only_when_restored,
    a_renamed_case_keeps_its_events_reminders_and_notices,
);

/// 作废 (DESIGN §5.3): a withdrawn case leaves the register's reads (screening, lists), is kept
/// whole with who, when and why, is left out of a re-import, and comes back only when restored.
async fn a_withdrawn_case_leaves_every_read_and_comes_back_only_when_restored(store: &Store) {
    use petition_watch::store::{Correction, Withdrawal};
    let mistake = full_case("XF2026-O60");
    let kept = full_case("XF2026-060");
    store.upsert_cases(&[mistake.clone(), kept.clone()], now()).await.expect("upsert");
    let why = Withdrawal { at: at(-60), by: "clerk".into(), reason: "编号录错，与 XF2026-060 重复".into() };
    assert_eq!(store.withdraw_case("XF2026-O60", &why).await.expect("withdraw"), Correction::Done);
    assert_eq!(store.withdraw_case("XF2026-O60", &why).await.expect("again"), Correction::Conflict);
    assert_eq!(store.withdraw_case("XF-NONE", &why).await.expect("none"), Correction::NotFound);
    assert_eq!(store.load_cases().await.expect("load"), vec![kept.clone()]);
    assert_eq!(store.load_register().await.expect("register").len(), 1);
    assert_eq!(store.get_case(&mistake.case_no).await.expect("read"), None);
    let (whole, kept_why) = store.withdrawn_case(&mistake.case_no).await.expect("read").expect("kept");
    assert_eq!((whole, kept_why), (mistake.clone(), why.clone()));
    let events = store.case_events("XF2026-O60").await.expect("events");
    assert_eq!((events[0].kind.name(), events[0].text.as_str()), ("withdrawn", "编号录错，与 XF2026-060 重复"));

    // The register imported again still lists it: left out, unless restoring.
    let again = store.upsert_cases(&[mistake.clone(), kept.clone()], now()).await.expect("reimport");
    assert_eq!((again.unchanged, again.withdrawn, again.inserted), (1, 1, 0));
    assert_eq!(store.count_cases().await.expect("count"), 1);
    let restored = store.upsert_cases_restoring(std::slice::from_ref(&mistake), now(), true).await.expect("restore");
    assert_eq!((restored.restored, restored.inserted), (1, 1));
    assert_eq!(store.get_case(&mistake.case_no).await.expect("read"), Some(mistake.clone()));
    assert!(store.withdrawn_case(&mistake.case_no).await.expect("read").is_none());
    let kinds: Vec<String> =
        store.case_events("XF2026-O60").await.expect("events").iter().map(|e| e.kind.name().to_owned()).collect();
    assert_eq!(kinds, ["withdrawn", "restored"]);

    // Withdrawn again and restored from the page or the API: back whole, by whom it says.
    assert_eq!(store.withdraw_case("XF2026-O60", &why).await.expect("withdraw"), Correction::Done);
    assert_eq!(store.restore_case("XF2026-O60", "clerk", "误作废", now()).await.expect("restore"), Correction::Done);
    assert_eq!(store.get_case(&mistake.case_no).await.expect("read"), Some(mistake.clone()));
    assert_eq!(store.restore_case("XF2026-O60", "clerk", "", now()).await.expect("again"), Correction::Conflict);
    assert_eq!(store.restore_case("XF-NONE", "clerk", "", now()).await.expect("none"), Correction::NotFound);
    let last = store.case_events("XF2026-O60").await.expect("events").pop().expect("an event");
    assert_eq!((last.kind.name(), last.by.as_str(), last.text.as_str()), ("restored", "clerk", "误作废"));
    assert!(store.withdrawn_case(&mistake.case_no).await.expect("read").is_none());
}

/// A mistyped number corrected (DESIGN §5.3): the case, its events and reminders move to the
/// right number; the notices sent under the old one are found through the rename; a number
/// taken by another case is refused and nothing changes.
async fn a_renamed_case_keeps_its_events_reminders_and_notices(store: &Store) {
    use petition_watch::domain::{CaseEvent, EventKind};
    use petition_watch::store::Correction;
    let wrong = full_case("XF-1");
    store.upsert_cases(&[wrong.clone(), full_case("XF-2")], now()).await.expect("upsert");
    let ack = CaseEvent {
        case_no: "XF-1".into(),
        kind: EventKind::Ack,
        at: at(0),
        by: "li-hua".into(),
        text: String::new(),
        notice: None,
        due_on: None,
        how: None,
        pressed: None,
    };
    store.record_event(&ack).await.expect("event");
    store.enqueue(&[notice(1)], now()).await.expect("notice");
    assert_eq!(store.rename_case("XF-1", "XF-2", "clerk", at(30)).await.expect("taken"), Correction::Conflict);
    assert_eq!(store.rename_case("XF-9", "XF-8", "clerk", at(30)).await.expect("none"), Correction::NotFound);
    assert_eq!(store.rename_case("XF-1", "XF-10", "clerk", at(30)).await.expect("rename"), Correction::Done);
    assert_eq!(store.get_case(&case_no("XF-1")).await.expect("read"), None);
    let moved = store.get_case(&case_no("XF-10")).await.expect("read").expect("renamed");
    assert_eq!(moved.summary, wrong.summary);
    let kinds: Vec<String> =
        store.case_events("XF-10").await.expect("events").iter().map(|e| e.kind.name().to_owned()).collect();
    assert_eq!(kinds, ["ack", "renamed"]);
    assert_eq!(store.latest_acks().await.expect("acks").keys().map(|(_, c)| c.as_str()).collect::<Vec<_>>(), ["XF-10"]);
    assert_eq!(store.former_numbers("XF-10").await.expect("former"), ["XF-1"]);
    assert_eq!(store.notices_listing("XF-1").await.expect("listing").len(), 1, "the notice keeps its number");

    // The register imported again still has the mistyped number: its row is left out, so the
    // ghost does not come back, and the import can say under which number the case is now.
    let again = store.upsert_cases(&[wrong.clone(), full_case("XF-2")], now()).await.expect("reimport");
    assert_eq!((again.renamed, again.inserted, again.unchanged), (1, 0, 1));
    assert_eq!(store.get_case(&case_no("XF-1")).await.expect("read"), None);
    assert_eq!(
        store.renamed_among(&["XF-1", "XF-2"]).await.expect("renamed"),
        [("XF-1".to_owned(), "XF-10".to_owned())]
    );
}

/// A correction of a number racing an import of the register that still has the mistyped one,
/// from two pools (two replicas): whichever goes first, the case ends under its right number
/// only — no ghost under the old one — on each backend.
async fn renames_racing_imports_leave_no_ghost(a: &Store, b: &Store) {
    use petition_watch::store::Correction;
    for round in 0..12 {
        let (wrong, right) = (format!("RACE-O{round}"), format!("RACE-0{round}"));
        a.upsert_cases(&[full_case(&wrong)], now()).await.expect("stored");
        let batch: Vec<Case> = std::iter::once(full_case(&wrong))
            .chain((0..150).map(|i| full_case(&format!("BULK-{round}-{i}"))))
            .collect();
        let (imported, renamed) =
            tokio::join!(a.upsert_cases(&batch, now()), b.rename_case(&wrong, &right, "clerk", now()));
        imported.expect("the import");
        assert_eq!(renamed.expect("the rename"), Correction::Done, "round {round}");
        assert_eq!(a.get_case(&case_no(&wrong)).await.expect("read"), None, "round {round}: no ghost");
        assert!(a.get_case(&case_no(&right)).await.expect("read").is_some(), "round {round}: under its number");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn renames_racing_imports_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let (a, b) = (open(&url).await, open(&url).await);
    renames_racing_imports_leave_no_ghost(&a, &b).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn renames_racing_imports_on_postgresql() {
    let Some(db) = PgDatabase::create().await else { return };
    let (a, b) = tokio::join!(open(&db.url), open(&db.url));
    renames_racing_imports_leave_no_ghost(&a, &b).await;
    a.close().await;
    b.close().await;
    db.drop_db().await;
}

async fn a_cases_events_read_back_in_order_and_the_notices_that_listed_it_are_found_exactly(store: &Store) {
    use petition_watch::domain::{CaseEvent, EventKind};
    let event = |kind, seconds, text: &str| CaseEvent {
        case_no: "XF-1".into(),
        kind,
        at: at(seconds),
        by: "li-hua".into(),
        text: text.into(),
        notice: Some("ntc_1".into()),
        due_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 31),
        how: (kind == EventKind::Reply).then(|| "电话".to_owned()),
        pressed: (kind == EventKind::Supervision).then(|| "zhao-min".to_owned()),
    };
    // Recorded out of order: read back by time.
    let reply = event(EventKind::Reply, 120, "已电话告知信访人处理意见");
    let ack = event(EventKind::Ack, 0, "");
    let progress = event(EventKind::Progress, 60, "已约谈村委会");
    for e in [&reply, &ack, &progress] {
        store.record_event(e).await.expect("recorded");
    }
    let other = CaseEvent { case_no: "XF-10".into(), ..event(EventKind::Ack, 30, "") };
    store.record_event(&other).await.expect("recorded");
    let events = store.case_events("XF-1").await.expect("read");
    assert_eq!(events, vec![ack, progress, reply.clone()]);
    assert!(store.case_events("XF-2").await.expect("read").is_empty());

    // The latest 签收 per person and case.
    let again = event(EventKind::Ack, 90, "");
    store.record_event(&again).await.expect("recorded");
    let acks = store.latest_acks().await.expect("acks");
    assert_eq!(acks.get(&("li-hua".to_owned(), "XF-1".to_owned())), Some(&at(90)));
    assert_eq!(acks.get(&("li-hua".to_owned(), "XF-10".to_owned())), Some(&at(30)));
    assert_eq!(acks.len(), 2, "{acks:?}");
    let events = store.case_events("XF-1").await.expect("read");
    assert_eq!(events.len(), 4);

    // The latest 督办 of the cases asked for.
    for seconds in [10, 20] {
        store
            .record_event(&event(EventKind::Supervision, seconds, &format!("督办 {seconds}")))
            .await
            .expect("recorded");
    }
    let pressed = store.latest_supervisions(&["XF-1", "XF-10"]).await.expect("supervisions");
    assert_eq!(pressed.len(), 1, "{pressed:?}");
    assert_eq!((pressed["XF-1"].text.as_str(), pressed["XF-1"].pressed.as_deref()), ("督办 20", Some("zhao-min")));

    // The notices listing XF-1 — not XF-10 or XF-11, whose numbers start the same.
    let batch: Vec<NewNotice> = [1, 10, 11].into_iter().map(notice).collect();
    store.enqueue(&batch, now()).await.expect("enqueue");
    let listing = store.notices_listing("XF-1").await.expect("listing");
    assert_eq!(listing.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), vec![batch[0].id.as_str()]);
    assert_eq!((listing[0].recipient.as_str(), listing[0].status.as_str()), ("li-hua", "pending"));
    // LIKE's wildcards in a number are taken literally.
    assert!(store.notices_listing("XF-_").await.expect("listing").is_empty());
    assert!(store.notices_listing("%").await.expect("listing").is_empty());
}

async fn a_runs_reminders_are_written_whole_and_a_pair_named_twice_keeps_its_last_record(store: &Store) {
    use petition_watch::plan::Previous;
    use petition_watch::plan::notices::Reminder;
    use petition_watch::routing::Escalation;
    use petition_watch::rules::FlagSet;
    use petition_watch::store::RunRecord;
    let reminder = |person: &str, n: usize, sent_on: NaiveDate, escalation: Escalation| {
        let previous = Previous {
            sent_on,
            flags: FlagSet::from_bits(n as u32 % 64),
            escalation,
            deadlines: petition_watch::plan::Reminded::default(),
            acknowledged_on: None,
        };
        (Reminder { recipient: person.into(), case_no: format!("XF{n:05}"), previous }, "deadline_watch".to_owned())
    };
    // More reminders than one statement carries, with one pair named twice in the run (both in
    // the last statement's rows).
    let mut reminders: Vec<_> =
        (0..1_234).map(|n| reminder("li-hua", n, day(2026, 11, 2), Escalation::Owner)).collect();
    reminders.push(reminder("li-hua", 1_200, day(2026, 11, 3), Escalation::Portfolio));
    let at = now();
    let run = RunRecord { job: "deadline_watch".into(), scheduled_for: at, claimed_by: "host-a:1".into() };
    assert!(store.claim_run(&run, at, lease(at)).await.expect("claim"));
    store.complete_run(&run, 1_234, &[], &reminders, at).await.expect("complete");
    let stored = store.load_reminders().await.expect("reminders");
    assert_eq!(stored.len(), 1_234);
    let twice = &stored[&("li-hua".to_owned(), "XF01200".to_owned())];
    assert_eq!((twice.sent_on, twice.escalation), (day(2026, 11, 3), Escalation::Portfolio));
    assert_eq!(stored[&("li-hua".to_owned(), "XF01233".to_owned())].flags, FlagSet::from_bits(1_233 % 64));
    // A later run replaces what each person was last told, and adds the new pairs.
    let later: Vec<_> =
        (1_000..1_600).map(|n| reminder("li-hua", n, day(2026, 11, 6), Escalation::Secretary)).collect();
    let next = RunRecord { scheduled_for: at + chrono::Duration::days(4), ..run };
    assert!(store.claim_run(&next, next.scheduled_for, lease(next.scheduled_for)).await.expect("claim"));
    store.complete_run(&next, 600, &[], &later, next.scheduled_for).await.expect("complete");
    let stored = store.load_reminders().await.expect("reminders");
    assert_eq!(stored.len(), 1_600);
    assert_eq!(stored[&("li-hua".to_owned(), "XF01100".to_owned())].sent_on, day(2026, 11, 6));
    assert_eq!(stored[&("li-hua".to_owned(), "XF00999".to_owned())].sent_on, day(2026, 11, 2));
}

async fn a_firing_is_claimed_once_but_its_claimant_may_finish_it_after_a_failure(store: &Store) {
    use petition_watch::store::RunRecord;
    let at = now();
    let mine = RunRecord { job: "deadline_watch".into(), scheduled_for: at, claimed_by: "host-a:1".into() };
    let theirs = RunRecord { claimed_by: "host-b:2".into(), ..mine.clone() };
    assert!(store.claim_run(&mine, at, lease(at)).await.expect("claim"));
    assert!(!store.claim_run(&theirs, at, lease(at)).await.expect("claim"), "another replica does not take it");
    // The run failed (say the database went away before its notices were written) …
    store.fail_run(&mine, "connection reset", at).await.expect("fail");
    assert!(!store.claim_run(&theirs, at, lease(at)).await.expect("claim"), "… still not theirs");
    assert!(store.claim_run(&mine, at, lease(at)).await.expect("claim"), "… but its claimant may run it again");
    store.complete_run(&mine, 0, &[], &[], at).await.expect("complete");
    assert!(!store.claim_run(&mine, at, lease(at)).await.expect("claim"), "a finished firing is never run again");
    assert_eq!(store.last_done_runs().await.expect("runs").len(), 1);
}

/// A claim's lease as the shipped config makes it: two minutes from `at`.
fn lease(at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    at + chrono::Duration::minutes(2)
}

async fn a_firing_left_running_by_a_dead_claimant_is_taken_over_once_its_lease_runs_out(store: &Store) {
    use petition_watch::store::{OrphanedRun, RunRecord, StoreError};
    let at = now();
    let dead = RunRecord { job: "monthly_screening".into(), scheduled_for: at, claimed_by: "host-a:1".into() };
    let restarted = RunRecord { claimed_by: "host-a:2".into(), ..dead.clone() };
    let replica = RunRecord { claimed_by: "host-b:7".into(), ..dead.clone() };
    assert!(store.claim_run(&dead, at, lease(at)).await.expect("claim"));
    // host-a:1 is killed here, before it records the run.
    let soon = at + chrono::Duration::seconds(30);
    assert!(store.orphaned_runs(at - chrono::Duration::days(1), soon).await.expect("orphans").is_empty());
    assert!(!store.claim_run(&restarted, soon, lease(soon)).await.expect("claim"), "the lease still holds");
    let later = at + chrono::Duration::minutes(3);
    let orphans = store.orphaned_runs(at - chrono::Duration::days(1), later).await.expect("orphans");
    assert_eq!(orphans, [OrphanedRun { job: dead.job.clone(), scheduled_for: at, claimed_by: "host-a:1".into() }]);
    assert!(
        store.orphaned_runs(at + chrono::Duration::seconds(1), later).await.expect("orphans").is_empty(),
        "only firings since the given instant"
    );
    assert!(store.claim_run(&restarted, later, lease(later)).await.expect("claim"), "taken over after the lease");
    assert!(!store.claim_run(&replica, later, lease(later)).await.expect("claim"), "by one process only");
    assert!(store.orphaned_runs(at - chrono::Duration::days(1), later).await.expect("orphans").is_empty());
    // The first claimant, had it only been slow, may no longer record the run: the fence.
    match store.complete_run(&dead, 0, &[], &[], later).await {
        Err(StoreError::ClaimLost { job, .. }) => assert_eq!(job, "monthly_screening"),
        other => panic!("a lapsed claim recorded its run: {other:?}"),
    }
    store.complete_run(&restarted, 3, &[], &[], later).await.expect("the new claimant records it");
    let much_later = at + chrono::Duration::hours(1);
    assert!(!store.claim_run(&replica, much_later, lease(much_later)).await.expect("claim"), "done is done");
    assert!(store.orphaned_runs(at - chrono::Duration::days(1), much_later).await.expect("orphans").is_empty());
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn case_no(text: &str) -> CaseNo {
    CaseNo::parse(text).expect("valid case number")
}

/// A case with every field set.
fn full_case(no: &str) -> Case {
    let mut c = Case::new(case_no(no), day(2026, 3, 2));
    c.channel = Some(Channel::Visit);
    c.source = Some(Source::Assigned);
    c.petitioner = Some("张秀英".into());
    c.petitioner_id = Some(PetitionerId::parse("32011219650312002x").expect("id"));
    c.phone = Some(Phone::parse("138-0013-8000").expect("phone"));
    c.village = Some("东湖村".into());
    c.anonymous = false;
    c.confidential = true;
    c.petitioner_count = 7;
    c.signatories = 3;
    c.category = Some("征地拆迁".into());
    c.matter = Some("东湖村二组征地补偿".into());
    c.summary = Some("反映征地补偿款未足额发放\n请求尽快解决".into());
    c.accused = vec!["王德福".into(), "李长贵".into()];
    c.competent_level = Level::from_number(1);
    c.visited_level = Level::from_number(4);
    c.accepted_on = Some(day(2026, 3, 4));
    c.extension_days = 30;
    c.owner_leader = Some("li-hua".into());
    c.owner_deadline = Some(day(2026, 6, 30));
    c.responsible_person = Some("钱永刚".into());
    c.responsible_unit = Some("镇征迁办".into());
    c.concluded_on = Some(day(2026, 5, 20));
    c.review_accepted_on = Some(day(2026, 6, 1));
    c.review_opinion_on = Some(day(2026, 6, 20));
    c.recheck_requested_on = Some(day(2026, 7, 1));
    c.recheck_opinion_on = Some(day(2026, 7, 31));
    c.hearings =
        vec![DateSpan::parse("2026-06-05..2026-06-07").expect("span"), DateSpan::parse("2026-07-10").expect("span")];
    c.conflicts = vec!["孙丽".into()];
    c.disposition = Some(Disposition::Transferred);
    c.disposed_on = Some(day(2026, 5, 25));
    c.extra = BTreeMap::from([("备注".to_owned(), "村委会主任系亲属".to_owned())]);
    c
}

async fn a_case_reads_back_exactly_as_written(store: &Store) {
    let written = full_case("XF2026-001");
    let bare = Case::new(case_no("XF2026-002"), day(2026, 3, 3));
    store.upsert_cases(&[written.clone(), bare.clone()], now()).await.expect("upsert");
    let read = store.get_case(&written.case_no).await.expect("read").expect("stored");
    assert_eq!(read, written);
    assert_eq!(store.load_cases().await.expect("load"), vec![written, bare]);
    assert_eq!(store.get_case(&case_no("XF-none")).await.expect("read"), None);
}

async fn reimport_counts_new_updated_and_unchanged(store: &Store) {
    let a = full_case("A-1");
    let b = full_case("A-2");
    let first = store.upsert_cases(&[a.clone(), b.clone()], now()).await.expect("first");
    assert_eq!(first, UpsertCounts { inserted: 2, updated: 0, unchanged: 0, ..Default::default() });
    let mut b2 = b.clone();
    b2.concluded_on = None; // a blank cell clears the stored value
    let c = full_case("A-3");
    let second = store.upsert_cases(&[a.clone(), b2.clone(), c], now()).await.expect("second");
    assert_eq!(second, UpsertCounts { inserted: 1, updated: 1, unchanged: 1, ..Default::default() });
    let stored = store.get_case(&b.case_no).await.expect("read").expect("stored");
    assert_eq!(stored.concluded_on, None);
    assert_eq!(store.count_cases().await.expect("count"), 3);
}

async fn batches_larger_than_one_statement_are_written_whole(store: &Store) {
    let cases: Vec<Case> = (0..1_203).map(|i| full_case(&format!("BULK-{i:05}"))).collect();
    let counts = store.upsert_cases(&cases, now()).await.expect("upsert");
    assert_eq!(counts.inserted, 1_203);
    assert_eq!(store.count_cases().await.expect("count"), 1_203);
    let again = store.upsert_cases(&cases, now()).await.expect("again");
    assert_eq!(again.unchanged, 1_203);
}

async fn people_from_config_replace_the_table(store: &Store) {
    let ws = Workspace::new();
    let loaded = ws.load();
    store.sync_people(&loaded.config.people, now()).await.expect("sync");
    // Replicas starting together all sync the same people at once.
    let together = (0..4).map(|_| store.sync_people(&loaded.config.people, now()));
    for result in futures_util::future::join_all(together).await {
        result.expect("concurrent syncs do not collide");
    }
    store.sync_people(&loaded.config.people[..2], now()).await.expect("sync fewer");
    let n: i64 = match store {
        Store::Sqlite(pool) => sqlx::query_scalar("SELECT COUNT(*) FROM people").fetch_one(pool).await.expect("count"),
        Store::Postgres(pool) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM people").fetch_one(pool).await.expect("count")
        }
    };
    assert_eq!(n, 2);
}

async fn an_import_with_bad_rows_leaves_stored_cases_untouched(store: &Store) {
    let ws = Workspace::new();
    let loaded = ws.load();
    let options = ImportOptions::from_config(&loaded.config, false, false);
    let good =
        ws.write("good.csv", "信访件编号,收到日期,信访人,延期天数\nK-1,2026-01-05,张三,10\nK-2,2026-01-06,李四,\n");
    let report = import_file(&good, Some(store), &loaded.settings.rules.directory, options, now()).await;
    assert_eq!(report.counts.inserted, 2, "{report:?}");
    // K-1 comes back with an illegal extension: it is rejected and the stored K-1 stays as it was.
    let bad =
        ws.write("bad.csv", "信访件编号,收到日期,信访人,延期天数\nK-1,2026-01-05,张三改,31\nK-2,2026-01-06,李四改,\n");
    let report = import_file(&bad, Some(store), &loaded.settings.rules.directory, options, now()).await;
    assert_eq!(report.counts.updated, 1);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].row, 2);
    let k1 = store.get_case(&case_no("K-1")).await.expect("read").expect("stored");
    assert_eq!((k1.petitioner.as_deref(), k1.extension_days), (Some("张三"), 10));
    let k2 = store.get_case(&case_no("K-2")).await.expect("read").expect("stored");
    assert_eq!(k2.petitioner.as_deref(), Some("李四改"));
}

/// The rejected-rows workbook masks ID and phone numbers; imported again, a masked cell keeps
/// the number the register holds for the case, and a case not stored has none (with a warning).
async fn rejected_rows_fixed_and_imported_again_keep_the_stored_id_and_phone(store: &Store) {
    let ws = Workspace::new();
    let loaded = ws.load();
    let options = ImportOptions::from_config(&loaded.config, false, false);
    let header = "信访件编号,收到日期,证件号码,联系电话,延期天数";
    let good = ws.write("good.csv", format!("{header}\nR-1,2026-01-05,320140196702261657,13227382116,\n"));
    let report = import_file(&good, Some(store), &loaded.settings.rules.directory, options, now()).await;
    assert_eq!(report.counts.inserted, 1, "{report:?}");
    let bad = ws.write(
        "bad.csv",
        format!("{header}\nR-1,2026-01-05,320140196702261657,13227382116,31\nR-2,2026-01-06,110101199003071234,,31\n"),
    );
    let report = import_file(&bad, Some(store), &loaded.settings.rules.directory, options, now()).await;
    assert_eq!(report.rejected.len(), 2);
    let header = report.header.as_ref().expect("a header");
    let book = petition_watch::import::rejected::workbook(header, &report.rejected).expect("workbook");
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(book)).expect("xlsx");
    use calamine::Reader as _;
    let rows: Vec<Vec<String>> = book
        .worksheet_range("未导入的行")
        .expect("sheet")
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    // Fixed in "Excel": 延期天数 set right, every other cell as the workbook gave it.
    let fixed: String = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r = r.clone();
            if i > 0 {
                r[4] = "30".into();
            }
            r.join(",") + "\n"
        })
        .collect();
    assert!(fixed.contains("32**************57") && !fixed.contains("320140196702261657"), "{fixed}");
    let again = ws.write("fixed.csv", &fixed);
    let report = import_file(&again, Some(store), &loaded.settings.rules.directory, options, now()).await;
    assert_eq!((report.counts.updated, report.counts.inserted, report.rejected.len()), (1, 1, 0), "{report:?}");
    let r1 = store.get_case(&case_no("R-1")).await.expect("read").expect("stored");
    assert_eq!(r1.extension_days, 30);
    assert_eq!(r1.petitioner_id.as_ref().map(PetitionerId::expose), Some("320140196702261657"));
    assert_eq!(r1.phone.as_ref().map(Phone::expose), Some("13227382116"));
    assert!(!r1.extra.contains_key("错误原因"));
    let r2 = store.get_case(&case_no("R-2")).await.expect("read").expect("stored");
    assert!(r2.petitioner_id.is_none());
    assert!(report.warnings.iter().any(|w| w.row == 3 && w.message.contains("遮盖")), "{:?}", report.warnings);
}

async fn migrating_twice_changes_nothing(store: &Store) {
    store.upsert_cases(&[full_case("M-1")], now()).await.expect("upsert");
    store.migrate().await.expect("second migrate");
    assert_eq!(store.count_cases().await.expect("count"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_sqlite_writers_at_once_both_succeed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let (a, b) = (open(&url).await, open(&url).await);
    let batch = |p: &str| (0..300).map(|i| full_case(&format!("{p}-{i}"))).collect::<Vec<_>>();
    let (ba, bb) = (batch("W1"), batch("W2"));
    let (ra, rb) = tokio::join!(a.upsert_cases(&ba, now()), b.upsert_cases(&bb, now()));
    ra.expect("writer 1");
    rb.expect("writer 2");
    assert_eq!(a.count_cases().await.expect("count"), 600);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_postgres_replicas_migrating_at_once_both_succeed() {
    let Some(db) = PgDatabase::create().await else { return };
    let (a, b) = tokio::join!(open(&db.url), open(&db.url));
    a.upsert_cases(&[full_case("R-1")], now()).await.expect("write through replica a");
    assert_eq!(b.count_cases().await.expect("read through replica b"), 1);
    a.close().await;
    b.close().await;
    db.drop_db().await;
}

async fn the_register_read_for_screening_screens_like_the_stored_cases(store: &Store) {
    let ws = Workspace::new();
    let loaded = ws.load();
    let options = ImportOptions::from_config(&loaded.config, false, false);
    let sample = crate::helpers::repo().join("config/examples/register.csv");
    let report = import_file(&sample, Some(store), &loaded.settings.rules.directory, options, now()).await;
    assert_eq!(report.imported(), 52);
    let mut odd = full_case("ZZ-1"); // hearings, accused and conflicts lists, every date set
    odd.concluded_on = None;
    store.upsert_cases(&[odd], now()).await.expect("upsert");

    let fast = store.load_register().await.expect("register");
    let slow = Register::from_cases(&store.load_cases().await.expect("cases"));
    assert_eq!(fast.len(), 53);
    let rules = loaded.settings.rules.clone();
    for as_of in ["2025-10-01", "2026-02-14", "2026-06-30", "2026-11-27"] {
        let d = petition_watch::domain::parse_date(as_of).expect("date");
        let a = to_json(&screen(&fast, d, &rules, &loaded.calendar));
        let b = to_json(&screen(&slow, d, &rules, &loaded.calendar));
        assert_eq!(a, b, "as of {as_of}");
        assert!(!a["cases"].as_array().expect("cases").is_empty());
    }
}

fn notice(n: usize) -> NewNotice {
    NewNotice {
        id: petition_watch::plan::notice_id(
            "deadline_watch",
            "2026-11-27",
            "li-hua",
            "mail",
            format!("{n}").as_bytes(),
        ),
        job: "deadline_watch".into(),
        period: "2026-11-27".into(),
        recipient: "li-hua".into(),
        channel: "mail".into(),
        reason: "first".into(),
        case_nos: vec![format!("XF-{n}")],
        payload: format!("{{\"n\": {n}}}"),
    }
}

fn at(seconds: i64) -> chrono::DateTime<chrono::Utc> {
    now() + chrono::Duration::seconds(seconds)
}

async fn the_outbox_takes_each_notice_once_by_its_id(store: &Store) {
    let batch: Vec<NewNotice> = (0..3).map(notice).collect();
    assert_eq!(store.enqueue(&batch, now()).await.expect("enqueue"), 3);
    assert_eq!(store.enqueue(&batch, at(60)).await.expect("re-plan"), 0, "planning again adds nothing");
    assert_eq!(store.enqueue(&[notice(3)], at(60)).await.expect("one more"), 1);
    assert_eq!(store.outbox_counts().await.expect("counts"), OutboxCounts { pending: 4, sending: 0, sent: 0, dead: 0 });
}

async fn claims_go_oldest_first_and_a_lapsed_lease_makes_a_notice_due_again(store: &Store) {
    store.enqueue(&[notice(0)], now()).await.expect("enqueue");
    store.enqueue(&[notice(1)], at(1)).await.expect("enqueue");
    let claim = |t: i64| store.claim_next(at(t), at(t + 300));
    let ClaimOutcome::Claimed(first) = claim(10).await.expect("claim") else { panic!("a notice is due") };
    assert_eq!((first.id.as_str(), first.attempt), (notice(0).id.as_str(), 1));
    let ClaimOutcome::Claimed(second) = claim(10).await.expect("claim") else { panic!("a second notice is due") };
    assert_eq!(second.id, notice(1).id);
    assert_eq!(claim(10).await.expect("claim"), ClaimOutcome::Empty, "both are leased");
    // The first worker died: after its lease the notice is due again, as a second attempt.
    let ClaimOutcome::Claimed(again) = claim(311).await.expect("claim") else { panic!("lease lapsed") };
    assert_eq!((again.id, again.attempt), (first.id, 2));
}

async fn every_attempt_is_recorded_and_decides_the_notices_state(store: &Store) {
    let batch: Vec<NewNotice> = (0..3).map(notice).collect();
    store.enqueue(&batch, now()).await.expect("enqueue");
    let mut claimed = Vec::new();
    for _ in 0..3 {
        let ClaimOutcome::Claimed(c) = store.claim_next(at(1), at(301)).await.expect("claim") else { panic!("due") };
        claimed.push(c);
    }
    store.finish_attempt(&claimed[0], &AttemptOutcome::Sent, at(2)).await.expect("sent");
    let retry = AttemptOutcome::Retry { at: at(600), error: "SMTP 451 try later".into() };
    store.finish_attempt(&claimed[1], &retry, at(2)).await.expect("retry");
    store
        .finish_attempt(&claimed[2], &AttemptOutcome::Dead { error: "SMTP 550 no such user".into() }, at(2))
        .await
        .expect("dead");
    assert_eq!(store.outbox_counts().await.expect("counts"), OutboxCounts { pending: 1, sending: 0, sent: 1, dead: 1 });
    assert_eq!(
        store.claim_next(at(599), at(899)).await.expect("claim"),
        ClaimOutcome::Empty,
        "not due before its retry time"
    );
    let ClaimOutcome::Claimed(retried) = store.claim_next(at(600), at(900)).await.expect("claim") else {
        panic!("due")
    };
    assert_eq!((retried.id, retried.attempt), (claimed[1].id.clone(), 2));
    let audit: i64 = match store {
        Store::Sqlite(pool) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM deliveries").fetch_one(pool).await.expect("count")
        }
        Store::Postgres(pool) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM deliveries").fetch_one(pool).await.expect("count")
        }
    };
    assert_eq!(audit, 3);
}

async fn a_batch_claim_leases_the_longest_due_and_a_notice_put_back_is_due_again(store: &Store) {
    for n in 0..5 {
        store.enqueue(&[notice(n)], at(n as i64)).await.expect("enqueue");
    }
    let ids = |claimed: &[petition_watch::store::Claimed]| {
        let mut ids: Vec<String> = claimed.iter().map(|c| c.id.clone()).collect();
        ids.sort();
        ids
    };
    let expected = |ns: &[usize]| {
        let mut ids: Vec<String> = ns.iter().map(|&n| notice(n).id).collect();
        ids.sort();
        ids
    };
    assert!(store.claim_batch(at(-1), at(299), 3).await.expect("claim").is_empty(), "nothing due yet");
    let first = store.claim_batch(at(10), at(310), 3).await.expect("claim");
    assert_eq!(ids(&first), expected(&[0, 1, 2]), "the three due longest");
    assert!(first.iter().all(|c| c.attempt == 1));
    let rest = store.claim_batch(at(10), at(310), 3).await.expect("claim");
    assert_eq!(ids(&rest), expected(&[3, 4]), "the leased ones are not taken again");
    assert!(store.claim_batch(at(10), at(310), 3).await.expect("claim").is_empty());
    // One claimed notice was not attempted (shutdown): put back, due again, same attempt number.
    store.hold(&rest[0], at(11)).await.expect("hold");
    let again = store.claim_batch(at(11), at(311), 3).await.expect("claim");
    assert_eq!(ids(&again), vec![rest[0].id.clone()]);
    assert_eq!(again[0].attempt, 1, "putting back does not count an attempt");
}

async fn attempts_finishing_together_are_each_recorded_once(store: &Store) {
    let batch: Vec<NewNotice> = (0..40).map(notice).collect();
    store.enqueue(&batch, now()).await.expect("enqueue");
    let claimed = store.claim_batch(at(1), at(301), 40).await.expect("claim");
    assert_eq!(claimed.len(), 40);
    // Forty workers finish at once: every third fails and is due again in ten minutes.
    let outcomes: Vec<AttemptOutcome> = (0..40)
        .map(|i| {
            if i % 3 == 0 {
                AttemptOutcome::Retry { at: at(600), error: format!("HTTP 503 (#{i})") }
            } else {
                AttemptOutcome::Sent
            }
        })
        .collect();
    let finishes = claimed.iter().zip(&outcomes).map(|(c, o)| store.finish_attempt(c, o, at(2)));
    for result in futures_util::future::join_all(finishes).await {
        result.expect("recorded");
    }
    assert_eq!(
        store.outbox_counts().await.expect("counts"),
        OutboxCounts { pending: 14, sending: 0, sent: 26, dead: 0 }
    );
    let sent = store
        .list_notices(
            &petition_watch::store::NoticeFilter {
                status: petition_watch::store::StatusFilter::parse("sent"),
                ..Default::default()
            },
            100,
        )
        .await
        .expect("list");
    assert_eq!(sent.len(), 26);
    assert!(sent.iter().all(|n| n.sent_at == Some(at(2)) && n.attempts == 1), "{:?}", sent[0]);
    assert!(store.claim_batch(at(599), at(899), 40).await.expect("claim").is_empty(), "retries wait their time");
    let retried = store.claim_batch(at(600), at(900), 40).await.expect("claim");
    assert_eq!(retried.len(), 14);
    assert!(retried.iter().all(|c| c.attempt == 2));
    let (_, attempts) = store.get_notice(&retried[0].id).await.expect("get").expect("found");
    assert_eq!(attempts.len(), 1, "one audit row per attempt: {attempts:?}");
    assert_eq!((attempts[0].outcome.as_str(), attempts[0].at), ("retry", at(2)));
    assert!(attempts[0].detail.as_deref().is_some_and(|d| d.starts_with("HTTP 503")));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_postgres_replicas_never_claim_the_same_notice() {
    let Some(db) = PgDatabase::create().await else { return };
    let (a, b) = tokio::join!(open(&db.url), open(&db.url));
    let batch: Vec<NewNotice> = (0..60).map(notice).collect();
    a.enqueue(&batch, now()).await.expect("enqueue");
    let drain = |store: Store| async move {
        let mut ids = Vec::new();
        while let ClaimOutcome::Claimed(c) = store.claim_next(at(1), at(301)).await.expect("claim") {
            ids.push(c.id);
        }
        ids
    };
    let (from_a, from_b) = tokio::join!(drain(a.clone()), drain(b.clone()));
    let mut all: Vec<String> = from_a.iter().chain(&from_b).cloned().collect();
    assert_eq!(all.len(), 60, "every notice claimed once: {} + {}", from_a.len(), from_b.len());
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 60, "no notice claimed twice");
    a.close().await;
    b.close().await;
    db.drop_db().await;
}

/// The delivery record is written on the calling thread when it can be written at once; when
/// another process holds the file's write lock it waits for it (on a blocking thread, up to the
/// busy timeout) rather than failing with "database is locked".
#[tokio::test(flavor = "multi_thread")]
async fn an_attempt_finished_while_another_process_writes_waits_for_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("t.db");
    let store = open(&format!("sqlite://{}", file.display())).await;
    store.enqueue(&[notice(0), notice(1)], now()).await.expect("enqueue");
    let claimed = store.claim_batch(at(1), at(301), 2).await.expect("claim");
    store.finish_attempt(&claimed[0], &AttemptOutcome::Sent, at(2)).await.expect("recorded at once");

    let other = rusqlite::Connection::open(&file).expect("second connection");
    other.execute_batch("BEGIN IMMEDIATE").expect("the other process takes the write lock");
    let finishing = {
        let store = store.clone();
        let claimed = claimed[1].clone();
        tokio::spawn(async move { store.finish_attempt(&claimed, &AttemptOutcome::Sent, at(3)).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(!finishing.is_finished(), "the record waits while the file is locked");
    other.execute_batch("COMMIT").expect("the other process is done");
    finishing.await.expect("task").expect("recorded once the lock is free");
    assert_eq!(store.outbox_counts().await.expect("counts"), OutboxCounts { pending: 0, sending: 0, sent: 2, dead: 0 });
    store.close().await;
}

/// A withdrawal racing an import of the same case (DESIGN §5.3), from two connections pools
/// (two replicas): whichever goes first, the case ends withdrawn and out of the register, never
/// in both tables and never lost — on each backend.
async fn withdrawals_racing_imports_leave_each_case_withdrawn(a: &Store, b: &Store) {
    use petition_watch::store::{Correction, Withdrawal};
    for round in 0..12 {
        let no = format!("RACE-{round}");
        a.upsert_cases(&[full_case(&no)], now()).await.expect("stored");
        let mut changed = full_case(&no);
        changed.summary = Some(format!("第 {round} 次导入"));
        let batch: Vec<Case> =
            std::iter::once(changed).chain((0..150).map(|i| full_case(&format!("BULK-{round}-{i}")))).collect();
        let why = Withdrawal { at: now(), by: "clerk".into(), reason: "录错".into() };
        let (imported, withdrawn) = tokio::join!(a.upsert_cases(&batch, now()), b.withdraw_case(&no, &why));
        imported.expect("the import");
        assert_eq!(withdrawn.expect("the withdrawal"), Correction::Done, "round {round}");
        let number = case_no(&no);
        assert_eq!(a.get_case(&number).await.expect("read"), None, "round {round}: out of the register");
        assert!(b.withdrawn_case(&number).await.expect("read").is_some(), "round {round}: kept");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn withdrawals_racing_imports_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let (a, b) = (open(&url).await, open(&url).await);
    withdrawals_racing_imports_leave_each_case_withdrawn(&a, &b).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn withdrawals_racing_imports_on_postgresql() {
    let Some(db) = PgDatabase::create().await else { return };
    let (a, b) = tokio::join!(open(&db.url), open(&db.url));
    withdrawals_racing_imports_leave_each_case_withdrawn(&a, &b).await;
    a.close().await;
    b.close().await;
    db.drop_db().await;
}
