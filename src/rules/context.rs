//! One screening's view of the register at D, with the indexes that keep every flag linear:
//! cases in "came first" order, interned identity/matter/category/village keys, per-petitioner
//! lists by matter and by category, and the windows of D (collective cases, early signs).

use std::collections::HashMap;

use chrono::{Days, NaiveDate};

use super::deadlines::{Deadline, happened, running_deadlines};
use super::identity::{folded, identity};
use super::{RuleBook, Thresholds};
use crate::calendar::Calendar;
use crate::domain::Case;

/// Interned keys of one case (`None` where the value is blank or, for identity, absent).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseKeys {
    /// Petitioner identity.
    pub identity: Option<u32>,
    /// Folded `matter`.
    pub matter: Option<u32>,
    /// Folded `category`.
    pub category: Option<u32>,
    /// Folded `village`.
    pub village: Option<u32>,
}

#[derive(Default)]
struct Interner(HashMap<String, u32>);

impl Interner {
    fn intern(&mut self, text: &str) -> u32 {
        if let Some(id) = self.0.get(text) {
            return *id;
        }
        let id = u32::try_from(self.0.len()).unwrap_or(u32::MAX);
        self.0.insert(text.to_owned(), id);
        id
    }
}

/// A case as the flags see it at D.
#[derive(Debug, Clone)]
pub struct CaseView<'a> {
    /// Position in [`Context`] order.
    pub ix: usize,
    /// The case.
    pub case: &'a Case,
    /// Its interned keys.
    pub keys: CaseKeys,
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
    pub fn deadline(&self, kind: super::DeadlineKind) -> Option<&Deadline> {
        self.deadlines.iter().find(|d| d.kind == kind)
    }
}

/// The register at D, indexed.
pub struct Context<'a> {
    /// D.
    pub as_of: NaiveDate,
    /// The working-day calendar.
    pub calendar: &'a Calendar,
    /// Limits, thresholds and people.
    pub rules: &'a RuleBook,
    /// Cases received on or before D, in the order they came: (received_on, case_no).
    cases: Vec<&'a Case>,
    keys: Vec<CaseKeys>,
    /// (identity, matter) → positions, in order.
    by_matter: HashMap<(u32, u32), Vec<u32>>,
    /// (identity, category) → positions, in order.
    by_category: HashMap<(u32, u32), Vec<u32>>,
    /// (identity, category) → positions of cases without a matter, in order.
    by_category_without_matter: HashMap<(u32, u32), Vec<u32>>,
    /// identity → first collective case received in the organizer window.
    collective: HashMap<u32, u32>,
    /// (category, village) → positions received in the early-sign window.
    early_sign_groups: HashMap<(u32, u32), Vec<u32>>,
    names: Vec<String>,
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
    /// Indexes the cases of `register` received on or before `as_of`.
    pub fn new(register: &'a [Case], as_of: NaiveDate, rules: &'a RuleBook, calendar: &'a Calendar) -> Self {
        let mut cases: Vec<&Case> = register.iter().filter(|c| c.received_on <= as_of).collect();
        cases.sort_by(|a, b| (a.received_on, &a.case_no).cmp(&(b.received_on, &b.case_no)));
        let t: &Thresholds = &rules.thresholds;
        let organizer_from = days_before(as_of, t.organizer_window_days);
        let early_from = window_start(as_of, t.early_sign_window_days);

        let mut interner = Interner::default();
        let mut ctx = Self {
            as_of,
            calendar,
            rules,
            keys: Vec::with_capacity(cases.len()),
            by_matter: HashMap::new(),
            by_category: HashMap::new(),
            by_category_without_matter: HashMap::new(),
            collective: HashMap::new(),
            early_sign_groups: HashMap::new(),
            names: Vec::new(),
            cases,
        };
        for (ix, case) in ctx.cases.iter().enumerate() {
            let pos = u32::try_from(ix).unwrap_or(u32::MAX);
            let keys = CaseKeys {
                identity: identity(case).map(|id| interner.intern(&id)),
                matter: folded(case.matter.as_deref()).map(|m| interner.intern(&m)),
                category: folded(case.category.as_deref()).map(|c| interner.intern(&c)),
                village: folded(case.village.as_deref()).map(|v| interner.intern(&v)),
            };
            if let Some(person) = keys.identity {
                if let Some(matter) = keys.matter {
                    ctx.by_matter.entry((person, matter)).or_default().push(pos);
                }
                if let Some(category) = keys.category {
                    ctx.by_category.entry((person, category)).or_default().push(pos);
                    if keys.matter.is_none() {
                        ctx.by_category_without_matter.entry((person, category)).or_default().push(pos);
                    }
                }
                if case.petitioner_count >= t.collective_min_petitioners && case.received_on >= organizer_from {
                    ctx.collective.entry(person).or_insert(pos);
                }
            }
            if let (Some(category), Some(village)) = (keys.category, keys.village)
                && case.received_on >= early_from
            {
                ctx.early_sign_groups.entry((category, village)).or_default().push(pos);
            }
            ctx.keys.push(keys);
        }
        let mut names = vec![String::new(); interner.0.len()];
        for (text, id) in interner.0 {
            if let Some(slot) = names.get_mut(id as usize) {
                *slot = text;
            }
        }
        ctx.names = names;
        ctx
    }

    /// Cases received on or before D.
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    /// Whether no case was received on or before D.
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    /// The case at position `ix`.
    pub fn case(&self, ix: usize) -> &'a Case {
        self.cases[ix]
    }

    /// The text of an interned key.
    pub fn text(&self, key: u32) -> &str {
        self.names.get(key as usize).map_or("", String::as_str)
    }

    /// The case at `ix` as the flags see it, or `None` when it is out of the screening's scope
    /// (closed, not in review, and not received in the recent window).
    pub fn view(&self, ix: usize) -> Option<CaseView<'a>> {
        let case = self.cases[ix];
        let d = self.as_of;
        let open = happened(case.concluded_on, d).is_none();
        let review_runs =
            happened(case.review_accepted_on, d).is_some() && happened(case.review_opinion_on, d).is_none();
        let recheck_runs =
            happened(case.recheck_requested_on, d).is_some() && happened(case.recheck_opinion_on, d).is_none();
        let in_review = review_runs || recheck_runs;
        let recent = case.received_on >= window_start(d, self.rules.thresholds.recent_window_days);
        if !(open || in_review || recent) {
            return None;
        }
        let deadlines = running_deadlines(case, d, &self.rules.deadlines, self.calendar);
        Some(CaseView { ix, case, keys: self.keys[ix], open, in_review, recent, deadlines })
    }

    /// The position lists holding the cases on the same matter as the case at `ix` from the
    /// same petitioner (the case itself included). Same matter: both have a `matter` and it is
    /// equal; otherwise an equal, non-empty `category`.
    pub fn same_matter_lists(&self, ix: usize) -> impl Iterator<Item = &[u32]> + '_ {
        let keys = self.keys[ix];
        let (first, second) = match (keys.identity, keys.matter, keys.category) {
            (None, ..) => (None, None),
            (Some(p), Some(m), c) => {
                (self.by_matter.get(&(p, m)), c.and_then(|c| self.by_category_without_matter.get(&(p, c))))
            }
            (Some(p), None, Some(c)) => (self.by_category.get(&(p, c)), None),
            (Some(_), None, None) => (None, None),
        };
        first.into_iter().chain(second).map(Vec::as_slice)
    }

    /// The first collective case of the petitioner of `ix` within the organizer window.
    pub fn collective_case_of(&self, ix: usize) -> Option<usize> {
        self.keys[ix].identity.and_then(|p| self.collective.get(&p)).map(|pos| *pos as usize)
    }

    /// The early-sign group (same category and village, received in the window) of `ix`.
    pub fn early_sign_group(&self, ix: usize) -> Option<&[u32]> {
        let keys = self.keys[ix];
        self.early_sign_groups.get(&(keys.category?, keys.village?)).map(Vec::as_slice)
    }

    /// Every early-sign group: ((category, village), positions).
    pub fn early_sign_groups(&self) -> impl Iterator<Item = (&(u32, u32), &Vec<u32>)> + '_ {
        self.early_sign_groups.iter()
    }

    /// The interned keys of the case at `ix`.
    pub fn keys(&self, ix: usize) -> CaseKeys {
        self.keys[ix]
    }
}
