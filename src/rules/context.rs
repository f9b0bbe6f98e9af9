//! One screening's view of the [`Register`] at D: the prefix of cases received by D, and the
//! windows of D (collective cases for `organizer`, category/village groups for `early_sign`).

use chrono::{Days, NaiveDate};
use rustc_hash::FxHashMap;

use super::RuleBook;
use super::deadlines::{Deadline, DeadlineKind, happened, running_deadlines};
use super::register::{NONE, Record, Register, Sym};
use crate::calendar::Calendar;

/// A case as the flags see it at D.
#[derive(Debug, Clone)]
pub struct CaseView<'a> {
    /// Position in register order.
    pub pos: usize,
    /// The case.
    pub record: &'a Record,
    /// No conclusion on or before D.
    pub open: bool,
    /// A review or recheck clock runs at D.
    pub in_review: bool,
    /// Received in the recent window ending D.
    pub recent: bool,
    /// Deadlines whose clocks run at D.
    pub deadlines: Vec<Deadline>,
}

impl CaseView<'_> {
    /// The running deadline of `kind`, if any.
    pub fn deadline(&self, kind: DeadlineKind) -> Option<&Deadline> {
        self.deadlines.iter().find(|d| d.kind == kind)
    }
}

/// The register at D.
pub struct Context<'a> {
    /// D.
    pub as_of: NaiveDate,
    /// The working-day calendar.
    pub calendar: &'a Calendar,
    /// Limits, thresholds and people.
    pub rules: &'a RuleBook,
    /// The cases.
    pub register: &'a Register,
    /// Cases received on or before D: `register.records()[..received]`.
    received: usize,
    /// identity → first collective case received in the organizer window.
    collective: FxHashMap<Sym, u32>,
    /// (category, village) → positions received in the early-sign window.
    early_sign_groups: FxHashMap<(Sym, Sym), Vec<u32>>,
}

/// The first day of a window of `days` days ending on `end` (inclusive at both ends).
pub fn window_start(end: NaiveDate, days: u32) -> NaiveDate {
    end.checked_sub_days(Days::new(u64::from(days.saturating_sub(1)))).unwrap_or(NaiveDate::MIN)
}

/// `end` minus `days` days ("within N days before X" starts here).
pub fn days_before(end: NaiveDate, days: u32) -> NaiveDate {
    end.checked_sub_days(Days::new(u64::from(days))).unwrap_or(NaiveDate::MIN)
}

impl<'a> Context<'a> {
    /// The register as it stood on `as_of`.
    pub fn new(register: &'a Register, as_of: NaiveDate, rules: &'a RuleBook, calendar: &'a Calendar) -> Self {
        let records = register.records();
        let received = records.partition_point(|r| r.received_on <= as_of);
        let first_on_or_after = |day: NaiveDate| records[..received].partition_point(|r| r.received_on < day);
        let t = &rules.thresholds;

        let mut collective = FxHashMap::default();
        let organizer_from = first_on_or_after(days_before(as_of, t.organizer_window_days));
        for (pos, r) in records.iter().enumerate().take(received).skip(organizer_from) {
            if r.identity != NONE && r.petitioner_count >= t.collective_min_petitioners {
                collective.entry(r.identity).or_insert(u32::try_from(pos).unwrap_or(u32::MAX));
            }
        }
        let mut early_sign_groups: FxHashMap<(Sym, Sym), Vec<u32>> = FxHashMap::default();
        let early_from = first_on_or_after(window_start(as_of, t.early_sign_window_days));
        for (pos, r) in records.iter().enumerate().take(received).skip(early_from) {
            if r.category != NONE && r.village != NONE {
                early_sign_groups
                    .entry((r.category, r.village))
                    .or_default()
                    .push(u32::try_from(pos).unwrap_or(u32::MAX));
            }
        }
        Self { as_of, calendar, rules, register, received, collective, early_sign_groups }
    }

    /// Cases received on or before D.
    pub fn len(&self) -> usize {
        self.received
    }

    /// Whether no case was received on or before D.
    pub fn is_empty(&self) -> bool {
        self.received == 0
    }

    /// The record at `pos`.
    pub fn record(&self, pos: usize) -> &'a Record {
        &self.register.records()[pos]
    }

    /// The case at `pos` as the flags see it, or `None` when it is out of the screening's scope
    /// (closed, not in review, and not received in the recent window).
    pub fn view(&self, pos: usize) -> Option<CaseView<'a>> {
        let record = self.record(pos);
        let (c, d) = (&record.clocks, self.as_of);
        // Disposed of without acceptance (告知/转送) on or before D: no longer open (DESIGN §2.2).
        let open = happened(c.concluded_on, d).is_none() && happened(c.disposed_on, d).is_none();
        let review_runs = happened(c.review_accepted_on, d).is_some() && happened(c.review_opinion_on, d).is_none();
        let recheck_runs = happened(c.recheck_requested_on, d).is_some() && happened(c.recheck_opinion_on, d).is_none();
        let in_review = review_runs || recheck_runs;
        let recent = record.received_on >= window_start(d, self.rules.thresholds.recent_window_days);
        if !(open || in_review || recent) {
            return None;
        }
        let hearings = self.register.hearings(record);
        let deadlines = running_deadlines(c, hearings, d, &self.rules.deadlines, self.calendar);
        Some(CaseView { pos, record, open, in_review, recent, deadlines })
    }

    /// The latest case of the same petitioner on the same matter that came before the case at
    /// `pos` (earlier `received_on`; on the same day, the lower `case_no`), if any.
    pub fn latest_earlier_on_matter(&self, pos: usize) -> Option<usize> {
        let here = u32::try_from(pos).ok()?;
        self.register
            .same_matter_lists(pos)
            .filter_map(|list| list.partition_point(|p| *p < here).checked_sub(1).map(|i| list[i] as usize))
            .max()
    }

    /// The first collective case of the petitioner of `pos` within the organizer window.
    pub fn collective_case_of(&self, pos: usize) -> Option<usize> {
        let identity = self.record(pos).identity;
        (identity != NONE).then(|| self.collective.get(&identity)).flatten().map(|p| *p as usize)
    }

    /// The early-sign group (same category and village, received in the window) of `pos`.
    pub fn early_sign_group(&self, pos: usize) -> Option<&[u32]> {
        let r = self.record(pos);
        self.early_sign_groups.get(&(r.category, r.village)).map(Vec::as_slice)
    }

    /// Every early-sign group: ((category, village), positions).
    pub fn early_sign_groups(&self) -> impl Iterator<Item = (&(Sym, Sym), &Vec<u32>)> + '_ {
        self.early_sign_groups.iter()
    }
}
