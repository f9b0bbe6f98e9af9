//! The database form of a case: one row with primitive columns, and the conversions to and
//! from [`Case`]. Lists and extra columns are JSON text; dates are dates.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::StoreError;
use crate::domain::{
    Case, CaseNo, Channel, DateSpan, Disposition, Level, PetitionerId, Phone, Source, mask_identifiers, split_list,
};

/// A `cases` row as both backends store it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub(crate) struct CaseRow {
    pub case_no: String,
    pub received_on: NaiveDate,
    pub channel: Option<String>,
    pub source: Option<String>,
    pub petitioner: Option<String>,
    pub petitioner_id: Option<String>,
    pub phone: Option<String>,
    pub village: Option<String>,
    pub anonymous: bool,
    pub confidential: bool,
    pub petitioner_count: i64,
    pub signatories: i64,
    pub category: Option<String>,
    pub matter: Option<String>,
    pub summary: Option<String>,
    pub accused: String,
    pub competent_level: Option<i64>,
    pub visited_level: Option<i64>,
    pub accepted_on: Option<NaiveDate>,
    pub extension_days: i64,
    pub owner_leader: Option<String>,
    pub owner_deadline: Option<NaiveDate>,
    pub responsible_person: Option<String>,
    pub responsible_unit: Option<String>,
    pub concluded_on: Option<NaiveDate>,
    pub review_accepted_on: Option<NaiveDate>,
    pub review_opinion_on: Option<NaiveDate>,
    pub recheck_requested_on: Option<NaiveDate>,
    pub recheck_opinion_on: Option<NaiveDate>,
    pub hearings: String,
    pub conflicts: String,
    pub extra: String,
    /// Left out of the fingerprint when blank, so rows stored before the column existed keep
    /// theirs (a re-import of an unchanged register stays "unchanged").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disposition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disposed_on: Option<NaiveDate>,
    /// SHA-256 of every column above: tells an unchanged re-import from an update.
    #[serde(skip)]
    pub fingerprint: String,
}

/// The columns of `cases` that a [`CaseRow`] writes, in order (without `updated_at`).
pub(crate) const CASE_COLUMNS: &[&str] = &[
    "case_no",
    "received_on",
    "channel",
    "source",
    "petitioner",
    "petitioner_id",
    "phone",
    "village",
    "anonymous",
    "confidential",
    "petitioner_count",
    "signatories",
    "category",
    "matter",
    "summary",
    "accused",
    "competent_level",
    "visited_level",
    "accepted_on",
    "extension_days",
    "owner_leader",
    "owner_deadline",
    "responsible_person",
    "responsible_unit",
    "concluded_on",
    "review_accepted_on",
    "review_opinion_on",
    "recheck_requested_on",
    "recheck_opinion_on",
    "hearings",
    "conflicts",
    "extra",
    "disposition",
    "disposed_on",
    "fingerprint",
];

fn json<T: Serialize>(value: &T) -> String {
    // Serializing strings, dates and maps of strings cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

impl From<&Case> for CaseRow {
    fn from(c: &Case) -> Self {
        let hearings: Vec<String> = c.hearings.iter().map(DateSpan::to_string).collect();
        let mut row = Self {
            case_no: c.case_no.as_str().to_owned(),
            received_on: c.received_on,
            channel: c.channel.map(|v| v.as_str().to_owned()),
            source: c.source.map(|v| v.as_str().to_owned()),
            petitioner: c.petitioner.clone(),
            petitioner_id: c.petitioner_id.as_ref().map(|v| v.expose().to_owned()),
            phone: c.phone.as_ref().map(|v| v.expose().to_owned()),
            village: c.village.clone(),
            anonymous: c.anonymous,
            confidential: c.confidential,
            petitioner_count: i64::from(c.petitioner_count),
            signatories: i64::from(c.signatories),
            category: c.category.clone(),
            matter: c.matter.clone(),
            summary: c.summary.clone(),
            accused: json(&c.accused),
            competent_level: c.competent_level.map(|l| i64::from(l.number())),
            visited_level: c.visited_level.map(|l| i64::from(l.number())),
            accepted_on: c.accepted_on,
            extension_days: i64::from(c.extension_days),
            owner_leader: c.owner_leader.clone(),
            owner_deadline: c.owner_deadline,
            responsible_person: c.responsible_person.clone(),
            responsible_unit: c.responsible_unit.clone(),
            concluded_on: c.concluded_on,
            review_accepted_on: c.review_accepted_on,
            review_opinion_on: c.review_opinion_on,
            recheck_requested_on: c.recheck_requested_on,
            recheck_opinion_on: c.recheck_opinion_on,
            hearings: json(&hearings),
            conflicts: json(&c.conflicts),
            extra: json(&c.extra),
            disposition: c.disposition.map(|v| v.as_str().to_owned()),
            disposed_on: c.disposed_on,
            fingerprint: String::new(),
        };
        let digest = Sha256::digest(json(&row).as_bytes());
        row.fingerprint = digest.iter().map(|b| format!("{b:02x}")).collect();
        row
    }
}

/// Free text as every output may show it: ID and mobile numbers typed into it masked
/// (DESIGN §3). The store keeps what was written; a case read from it is masked here, once,
/// so no surface (notice, report, export, API, status page, log) can show them.
fn masked(text: String) -> String {
    match mask_identifiers(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(masked) => masked,
    }
}

impl TryFrom<CaseRow> for Case {
    type Error = StoreError;

    fn try_from(r: CaseRow) -> Result<Self, Self::Error> {
        let no = r.case_no.clone();
        let bad = |column: &str, why: String| StoreError::Corrupt { case_no: no.clone(), column: column.into(), why };
        let case_no = CaseNo::parse(&r.case_no).map_err(|e| bad("case_no", e.to_string()))?;
        let list = |column: &str, text: &str| -> Result<Vec<String>, StoreError> {
            serde_json::from_str(text).map_err(|e| bad(column, e.to_string()))
        };
        // Names stored before every separator of DESIGN §5.2 was split on at import
        // (`李华，赵敏` as one item) are split on read, so recusal holds for them too.
        let names = |column: &str, text: &str| -> Result<Vec<String>, StoreError> {
            Ok(list(column, text)?.iter().flat_map(|item| split_list(item)).map(masked).collect())
        };
        let count = |column: &str, v: i64| u32::try_from(v).map_err(|e| bad(column, e.to_string()));
        let level = |column: &str, v: Option<i64>| -> Result<Option<Level>, StoreError> {
            v.map(|n| Level::from_number(n).ok_or_else(|| bad(column, format!("{n} is not a level")))).transpose()
        };
        let hearings = list("hearings", &r.hearings)?
            .iter()
            .map(|t| DateSpan::parse(t).map_err(|e| bad("hearings", e.0)))
            .collect::<Result<_, _>>()?;
        let mut extra: BTreeMap<String, String> =
            serde_json::from_str(&r.extra).map_err(|e| bad("extra", e.to_string()))?;
        for value in extra.values_mut() {
            *value = masked(std::mem::take(value));
        }
        Ok(Case {
            case_no,
            received_on: r.received_on,
            channel: r.channel.as_deref().map(Channel::parse).transpose().map_err(|e| bad("channel", e.0))?,
            source: r.source.as_deref().map(Source::parse).transpose().map_err(|e| bad("source", e.0))?,
            petitioner: r.petitioner.map(masked),
            petitioner_id: r
                .petitioner_id
                .as_deref()
                .map(PetitionerId::parse)
                .transpose()
                .map_err(|e| bad("petitioner_id", e.to_string()))?,
            phone: r.phone.as_deref().map(Phone::parse).transpose().map_err(|e| bad("phone", e.to_string()))?,
            village: r.village.map(masked),
            anonymous: r.anonymous,
            confidential: r.confidential,
            petitioner_count: count("petitioner_count", r.petitioner_count)?,
            signatories: count("signatories", r.signatories)?,
            category: r.category.map(masked),
            matter: r.matter.map(masked),
            summary: r.summary.map(masked),
            accused: names("accused", &r.accused)?,
            competent_level: level("competent_level", r.competent_level)?,
            visited_level: level("visited_level", r.visited_level)?,
            accepted_on: r.accepted_on,
            extension_days: count("extension_days", r.extension_days)?,
            owner_leader: r.owner_leader.map(masked),
            owner_deadline: r.owner_deadline,
            responsible_person: r.responsible_person.map(masked),
            responsible_unit: r.responsible_unit.map(masked),
            concluded_on: r.concluded_on,
            review_accepted_on: r.review_accepted_on,
            review_opinion_on: r.review_opinion_on,
            recheck_requested_on: r.recheck_requested_on,
            recheck_opinion_on: r.recheck_opinion_on,
            disposition: r
                .disposition
                .as_deref()
                .map(Disposition::parse)
                .transpose()
                .map_err(|e| bad("disposition", e.0))?,
            disposed_on: r.disposed_on,
            hearings,
            conflicts: names("conflicts", &r.conflicts)?,
            extra,
        })
    }
}
