//! The register in the compact form the rules work on: one small fixed-size [`Record`] per case,
//! repeated texts (villages, categories, matters, names) interned once, cases in the order they
//! came, and each petitioner's cases indexed by matter and by category.
//!
//! Built once per load ([`Register::from_cases`], or row by row with [`RegisterBuilder`] from a
//! database reader), then screened at any number of dates. A screening at D sees the prefix of
//! cases received on or before D.

use std::borrow::Cow;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;

use crate::domain::{Case, DateSpan, fold, fold_name};

/// An interned text.
pub type Sym = u32;

/// "No value" for a [`Sym`].
pub const NONE: Sym = u32::MAX;

/// The dated events of a case: what its deadlines run between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Clocks {
    /// 收到日期.
    pub received_on: Option<NaiveDate>,
    /// 受理日期.
    pub accepted_on: Option<NaiveDate>,
    /// 办结日期.
    pub concluded_on: Option<NaiveDate>,
    /// 包案期限.
    pub owner_deadline: Option<NaiveDate>,
    /// 复查受理日期.
    pub review_accepted_on: Option<NaiveDate>,
    /// 复查意见日期.
    pub review_opinion_on: Option<NaiveDate>,
    /// 复核申请日期.
    pub recheck_requested_on: Option<NaiveDate>,
    /// 复核意见日期.
    pub recheck_opinion_on: Option<NaiveDate>,
    /// 延期天数.
    pub extension_days: u32,
    /// 告知转送日期: disposed of without acceptance (told where to go, or transferred).
    pub disposed_on: Option<NaiveDate>,
}

impl Clocks {
    /// The clocks of a case.
    pub fn of(case: &Case) -> Self {
        Self {
            received_on: Some(case.received_on),
            accepted_on: case.accepted_on,
            concluded_on: case.concluded_on,
            owner_deadline: case.owner_deadline,
            review_accepted_on: case.review_accepted_on,
            review_opinion_on: case.review_opinion_on,
            recheck_requested_on: case.recheck_requested_on,
            recheck_opinion_on: case.recheck_opinion_on,
            extension_days: case.extension_days,
            disposed_on: case.disposed_on,
        }
    }
}

/// One case, compact. Texts are [`Sym`]s into the register's table; [`NONE`] when blank.
#[derive(Debug, Clone, Copy)]
pub struct Record {
    /// Dated events.
    pub clocks: Clocks,
    /// 收到日期 (also in `clocks`; kept here for ordering).
    pub received_on: NaiveDate,
    /// Index of the case number in the register.
    pub case_no: u32,
    /// Petitioner identity (DESIGN §2.2), folded.
    pub identity: Sym,
    /// Folded `matter`.
    pub matter: Sym,
    /// Folded `category`.
    pub category: Sym,
    /// Folded `village`.
    pub village: Sym,
    /// `owner_leader` as written.
    pub owner_leader: Sym,
    /// `responsible_person` as written.
    pub responsible_person: Sym,
    /// `responsible_unit` as written.
    pub responsible_unit: Sym,
    /// 人数.
    pub petitioner_count: u32,
    /// 联名人数.
    pub signatories: u32,
    /// 走访层级 (0: none).
    pub visited_level: u8,
    /// 有权处理层级 (0: none).
    pub competent_level: u8,
    /// 匿名.
    pub anonymous: bool,
    /// Hearing spans: `register.hearings[start .. start + len]`.
    pub hearings: (u32, u32),
    /// Accused and conflict names: `register.parties[start .. start + len]`.
    pub parties: (u32, u32),
}

/// A case's fields as a reader hands them to the [`RegisterBuilder`].
#[derive(Debug, Clone, Default)]
pub struct RawCase<'r> {
    /// 信访件编号.
    pub case_no: &'r str,
    /// Dated events (`received_on` is required).
    pub clocks: Clocks,
    /// 信访人.
    pub petitioner: Option<&'r str>,
    /// 证件号码, upper-cased.
    pub petitioner_id: Option<&'r str>,
    /// 联系电话 as written.
    pub phone: Option<&'r str>,
    /// 村(社区).
    pub village: Option<&'r str>,
    /// 问题类别.
    pub category: Option<&'r str>,
    /// 事项.
    pub matter: Option<&'r str>,
    /// 匿名.
    pub anonymous: bool,
    /// 人数.
    pub petitioner_count: u32,
    /// 联名人数.
    pub signatories: u32,
    /// 走访层级, 1–5.
    pub visited_level: Option<u8>,
    /// 有权处理层级, 1–5.
    pub competent_level: Option<u8>,
    /// 包案领导.
    pub owner_leader: Option<&'r str>,
    /// 责任人.
    pub responsible_person: Option<&'r str>,
    /// 责任单位.
    pub responsible_unit: Option<&'r str>,
}

/// Interned texts, each stored once.
#[derive(Debug, Default)]
struct Table {
    index: FxHashMap<Box<str>, Sym>,
    texts: Vec<Box<str>>,
}

impl Table {
    fn intern(&mut self, text: &str) -> Sym {
        if let Some(sym) = self.index.get(text) {
            return *sym;
        }
        let sym = Sym::try_from(self.texts.len()).unwrap_or(NONE - 1);
        self.texts.push(text.into());
        self.index.insert(text.into(), sym);
        sym
    }
}

/// Remembers what each distinct raw text became, so every distinct text is folded only once.
#[derive(Debug, Default)]
struct Cache(FxHashMap<Box<str>, Sym>);

impl Cache {
    fn get(&mut self, table: &mut Table, raw: Option<&str>, fold: impl Fn(&str) -> Cow<'_, str>) -> Sym {
        let Some(raw) = raw else { return NONE };
        if let Some(sym) = self.0.get(raw) {
            return *sym;
        }
        let folded = fold(raw);
        let sym = if folded.is_empty() { NONE } else { table.intern(&folded) };
        self.0.insert(raw.into(), sym);
        sym
    }
}

fn digits(text: &str) -> Cow<'_, str> {
    Cow::Owned(text.chars().filter(char::is_ascii_digit).collect())
}

fn as_is(text: &str) -> Cow<'_, str> {
    Cow::Borrowed(text.trim())
}

/// Builds a [`Register`] case by case.
#[derive(Debug, Default)]
pub struct RegisterBuilder {
    table: Table,
    texts: Cache,
    names: Cache,
    phones: Cache,
    raw: Cache,
    identities: FxHashMap<(u8, Sym, Sym), Sym>,
    case_nos: Vec<Box<str>>,
    records: Vec<Record>,
    hearings: Vec<DateSpan>,
    parties: Vec<(Sym, bool)>,
}

impl RegisterBuilder {
    /// An empty builder with room for `n` cases.
    pub fn with_capacity(n: usize) -> Self {
        Self { case_nos: Vec::with_capacity(n), records: Vec::with_capacity(n), ..Self::default() }
    }

    fn identity(&mut self, raw: &RawCase<'_>) -> Sym {
        if raw.anonymous {
            return NONE;
        }
        let key = if let Some(id) = raw.petitioner_id.filter(|id| !id.trim().is_empty()) {
            (0, self.raw.get(&mut self.table, Some(id), as_is), NONE)
        } else {
            let name = self.names.get(&mut self.table, raw.petitioner, fold_name);
            if name == NONE {
                return NONE;
            }
            match raw.phone.filter(|p| !p.trim().is_empty()) {
                Some(phone) => (1, name, self.phones.get(&mut self.table, Some(phone), digits)),
                None => (2, name, self.texts.get(&mut self.table, raw.village, fold)),
            }
        };
        let next = Sym::try_from(self.identities.len()).unwrap_or(NONE - 1);
        *self.identities.entry(key).or_insert(next)
    }

    /// Adds one case with its hearings and its accused / conflict names.
    pub fn push<'n>(
        &mut self,
        raw: &RawCase<'_>,
        hearings: &[DateSpan],
        accused: impl IntoIterator<Item = &'n str>,
        conflicts: impl IntoIterator<Item = &'n str>,
    ) {
        let Some(received_on) = raw.clocks.received_on else { return };
        let identity = self.identity(raw);
        let hearing_start = self.hearings.len();
        self.hearings.extend_from_slice(hearings);
        let party_start = self.parties.len();
        for name in accused {
            let sym = self.raw.get(&mut self.table, Some(name), as_is);
            self.parties.push((sym, true));
        }
        for name in conflicts {
            let sym = self.raw.get(&mut self.table, Some(name), as_is);
            self.parties.push((sym, false));
        }
        let span = |start: usize, end: usize| {
            (u32::try_from(start).unwrap_or(u32::MAX), u32::try_from(end - start).unwrap_or(0))
        };
        let record = Record {
            clocks: raw.clocks,
            received_on,
            case_no: u32::try_from(self.case_nos.len()).unwrap_or(u32::MAX),
            identity,
            matter: self.texts.get(&mut self.table, raw.matter, fold),
            category: self.texts.get(&mut self.table, raw.category, fold),
            village: self.texts.get(&mut self.table, raw.village, fold),
            owner_leader: self.raw.get(&mut self.table, raw.owner_leader, as_is),
            responsible_person: self.raw.get(&mut self.table, raw.responsible_person, as_is),
            responsible_unit: self.raw.get(&mut self.table, raw.responsible_unit, as_is),
            petitioner_count: raw.petitioner_count,
            signatories: raw.signatories,
            visited_level: raw.visited_level.unwrap_or(0),
            competent_level: raw.competent_level.unwrap_or(0),
            anonymous: raw.anonymous,
            hearings: span(hearing_start, self.hearings.len()),
            parties: span(party_start, self.parties.len()),
        };
        self.case_nos.push(raw.case_no.into());
        self.records.push(record);
    }

    /// Orders the cases as they came — (received_on, case_no) — and indexes each petitioner's
    /// cases by matter and by category.
    pub fn finish(mut self) -> Register {
        let case_nos = &self.case_nos;
        let key = |r: &Record| (r.received_on, &case_nos[r.case_no as usize]);
        // Readers usually deliver cases already in order; sorting is then skipped.
        if !self.records.is_sorted_by(|a, b| key(a) <= key(b)) {
            self.records = sort_by_day_then_case_no(std::mem::take(&mut self.records), case_nos);
        }
        let records = self.records;
        let matter_key = |r: &Record| (r.identity != NONE && r.matter != NONE).then_some((r.identity, r.matter));
        let category_key = |r: &Record| (r.identity != NONE && r.category != NONE).then_some((r.identity, r.category));
        let category_only_key = |r: &Record| {
            (r.identity != NONE && r.category != NONE && r.matter == NONE).then_some((r.identity, r.category))
        };
        // The three indexes are independent: two of them are built on the second core.
        let (by_matter, by_category, by_category_without_matter) = std::thread::scope(|scope| {
            let records = &records;
            let other = scope
                .spawn(move || (GroupIndex::build(records, matter_key), GroupIndex::build(records, category_only_key)));
            let by_category = GroupIndex::build(records, category_key);
            // A panic over there is a bug here: let it surface as one.
            let (by_matter, without) = other.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            (by_matter, by_category, without)
        });
        Register {
            texts: self.table.texts,
            case_nos: self.case_nos,
            records,
            hearings: self.hearings,
            parties: self.parties,
            by_matter,
            by_category,
            by_category_without_matter,
        }
    }
}

/// Orders records by (received_on, case_no): a counting sort on the day, then each day's few
/// cases by case number. Linear in the number of days plus cases, and cache-friendly.
fn sort_by_day_then_case_no(records: Vec<Record>, case_nos: &[Box<str>]) -> Vec<Record> {
    let (Some(first), Some(last)) =
        (records.iter().map(|r| r.received_on).min(), records.iter().map(|r| r.received_on).max())
    else {
        return records;
    };
    let span = usize::try_from((last - first).num_days()).unwrap_or(0) + 1;
    let day = |r: &Record| usize::try_from((r.received_on - first).num_days()).unwrap_or(0);
    let mut starts = vec![0usize; span + 1];
    for r in &records {
        starts[day(r) + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    // Place indices (4 bytes each), not records, then move each record once.
    let mut next = starts.clone();
    let mut order = vec![0u32; records.len()];
    for (i, r) in records.iter().enumerate() {
        let d = day(r);
        order[next[d]] = u32::try_from(i).unwrap_or(u32::MAX);
        next[d] += 1;
    }
    for window in starts.windows(2) {
        order[window[0]..window[1]].sort_unstable_by(|a, b| {
            case_nos[records[*a as usize].case_no as usize].cmp(&case_nos[records[*b as usize].case_no as usize])
        });
    }
    let sorted: Vec<Record> = order.iter().map(|i| records[*i as usize]).collect();
    sorted
}

/// Positions grouped by a key, stored flat: one offsets array and one positions array rather
/// than a vector per group (a million small vectors would cost more than the records).
#[derive(Debug, Default)]
struct GroupIndex {
    groups: FxHashMap<(Sym, Sym), u32>,
    offsets: Vec<u32>,
    positions: Vec<u32>,
}

impl GroupIndex {
    /// Groups the positions of `records` by `key`, each group in position order.
    fn build(records: &[Record], key: impl Fn(&Record) -> Option<(Sym, Sym)>) -> Self {
        let mut groups: FxHashMap<(Sym, Sym), u32> = FxHashMap::default();
        let mut group_of: Vec<u32> = Vec::with_capacity(records.len());
        let mut counts: Vec<u32> = Vec::new();
        for r in records {
            let Some(k) = key(r) else {
                group_of.push(u32::MAX);
                continue;
            };
            let next = u32::try_from(counts.len()).unwrap_or(u32::MAX);
            let g = *groups.entry(k).or_insert(next);
            if g == next {
                counts.push(0);
            }
            counts[g as usize] += 1;
            group_of.push(g);
        }
        let mut offsets = Vec::with_capacity(counts.len() + 1);
        let mut total = 0u32;
        offsets.push(0);
        for c in &counts {
            total += c;
            offsets.push(total);
        }
        let mut fill: Vec<u32> = offsets[..offsets.len() - 1].to_vec();
        let mut positions = vec![0u32; total as usize];
        for (pos, g) in group_of.iter().enumerate() {
            if *g != u32::MAX {
                positions[fill[*g as usize] as usize] = u32::try_from(pos).unwrap_or(u32::MAX);
                fill[*g as usize] += 1;
            }
        }
        Self { groups, offsets, positions }
    }

    fn get(&self, key: &(Sym, Sym)) -> Option<&[u32]> {
        let g = *self.groups.get(key)? as usize;
        let (start, end) = (self.offsets[g] as usize, self.offsets[g + 1] as usize);
        self.positions.get(start..end)
    }
}

/// The register, compact and indexed; see the module documentation.
#[derive(Debug, Default)]
pub struct Register {
    texts: Vec<Box<str>>,
    case_nos: Vec<Box<str>>,
    records: Vec<Record>,
    hearings: Vec<DateSpan>,
    parties: Vec<(Sym, bool)>,
    by_matter: GroupIndex,
    by_category: GroupIndex,
    by_category_without_matter: GroupIndex,
}

impl Register {
    /// Builds the register from parsed cases.
    pub fn from_cases(cases: &[Case]) -> Self {
        let mut builder = RegisterBuilder::with_capacity(cases.len());
        for case in cases {
            let raw = RawCase {
                case_no: case.case_no.as_str(),
                clocks: Clocks::of(case),
                petitioner: case.petitioner.as_deref(),
                petitioner_id: case.petitioner_id.as_ref().map(|id| id.expose()),
                phone: case.phone.as_ref().map(|p| p.expose()),
                village: case.village.as_deref(),
                category: case.category.as_deref(),
                matter: case.matter.as_deref(),
                anonymous: case.anonymous,
                petitioner_count: case.petitioner_count,
                signatories: case.signatories,
                visited_level: case.visited_level.map(|l| l.number()),
                competent_level: case.competent_level.map(|l| l.number()),
                owner_leader: case.owner_leader.as_deref(),
                responsible_person: case.responsible_person.as_deref(),
                responsible_unit: case.responsible_unit.as_deref(),
            };
            builder.push(
                &raw,
                &case.hearings,
                case.accused.iter().map(String::as_str),
                case.conflicts.iter().map(String::as_str),
            );
        }
        builder.finish()
    }

    /// The cases, in the order they came.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// How many cases.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are no cases.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The text of a symbol (`""` for [`NONE`]).
    pub fn text(&self, sym: Sym) -> &str {
        self.texts.get(sym as usize).map_or("", |t| t)
    }

    /// The text of a symbol, `None` for [`NONE`].
    pub fn opt_text(&self, sym: Sym) -> Option<&str> {
        (sym != NONE).then(|| self.text(sym))
    }

    /// The case number of a record.
    pub fn case_no(&self, record: &Record) -> &str {
        self.case_nos.get(record.case_no as usize).map_or("", |t| t)
    }

    /// The hearing spans of a record.
    pub fn hearings(&self, record: &Record) -> &[DateSpan] {
        let (start, len) = (record.hearings.0 as usize, record.hearings.1 as usize);
        self.hearings.get(start..start + len).unwrap_or_default()
    }

    /// The accused (true) and conflict (false) names of a record.
    pub fn parties(&self, record: &Record) -> &[(Sym, bool)] {
        let (start, len) = (record.parties.0 as usize, record.parties.1 as usize);
        self.parties.get(start..start + len).unwrap_or_default()
    }

    /// The position lists of the cases on the same matter as the record at `pos` from the same
    /// petitioner (itself included). Same matter: both have a `matter` and it is equal;
    /// otherwise an equal, non-empty `category`.
    pub fn same_matter_lists(&self, pos: usize) -> impl Iterator<Item = &[u32]> + '_ {
        let r = &self.records[pos];
        let (first, second) = match (r.identity, r.matter, r.category) {
            (NONE, ..) | (_, NONE, NONE) => (None, None),
            (p, NONE, c) => (self.by_category.get(&(p, c)), None),
            (p, m, NONE) => (self.by_matter.get(&(p, m)), None),
            (p, m, c) => (self.by_matter.get(&(p, m)), self.by_category_without_matter.get(&(p, c))),
        };
        first.into_iter().chain(second)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::CaseNo;

    proptest! {
        #[test]
        fn cases_come_out_in_the_order_they_came_whatever_order_they_went_in(
            cases in proptest::collection::vec((0u64..60, 0u32..500), 0..200)
        ) {
            let first = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
            let mut seen = std::collections::BTreeSet::new();
            let input: Vec<Case> = cases
                .iter()
                .filter(|(_, n)| seen.insert(*n))
                .map(|(day, n)| Case::new(CaseNo::parse(&format!("N{n}")).expect("no"), first + chrono::Days::new(*day)))
                .collect();
            let register = Register::from_cases(&input);
            let keys: Vec<(NaiveDate, &str)> =
                register.records().iter().map(|r| (r.received_on, register.case_no(r))).collect();
            let mut expected = keys.clone();
            expected.sort();
            prop_assert_eq!(keys, expected);
            prop_assert_eq!(register.len(), input.len());
        }
    }

    #[test]
    fn each_petitioner_s_cases_are_indexed_by_matter_in_order() {
        let first = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        let mut cases: Vec<Case> = (0..5u64)
            .rev()
            .map(|i| {
                let mut c = Case::new(CaseNo::parse(&format!("M{i}")).expect("no"), first + chrono::Days::new(i));
                c.petitioner = Some("张三".into());
                c.matter = Some(if i % 2 == 0 { "甲" } else { "乙" }.into());
                c
            })
            .collect();
        cases.push(Case::new(CaseNo::parse("X").expect("no"), first));
        let register = Register::from_cases(&cases);
        let pos = register.records().iter().position(|r| register.case_no(r) == "M4").expect("M4");
        let lists: Vec<Vec<&str>> = register
            .same_matter_lists(pos)
            .map(|l| l.iter().map(|p| register.case_no(&register.records()[*p as usize])).collect())
            .collect();
        assert_eq!(lists, [["M0", "M2", "M4"]]);
    }
}
