//! A report as a notice carries it: one of the three, serialised into the outbox row and read back at send time.

use std::sync::Arc;

use super::{CaseRef, Digest, ScreeningReport, SweepReport};

/// A report as a notice carries it. Shared: every reader without cases to recuse from holds the
/// same report, not a copy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "report", rename_all = "snake_case")]
pub enum Document {
    /// The supervision digest (季度督查).
    Supervision(Arc<Digest>),
    /// The monthly screening report (预测排查情况).
    Screening(Arc<ScreeningReport>),
    /// The pre-event sweep report (节前/会前排查).
    Sweep(Arc<SweepReport>),
}

/// Reads the form serde writes for an internally tagged enum (`{"report": "screening", …fields}`)
/// as it streams by: serde's own reader for that form first copies the whole document into a
/// generic tree to find the tag, which for a report listing 100,000 cases is hundreds of MB. The
/// tag is written first, so it is read first and the rest of the map goes straight to the report.
impl<'de> serde::Deserialize<'de> for Document {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Tagged;
        impl<'de> serde::de::Visitor<'de> for Tagged {
            type Value = Document;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a report: a map whose first key is \"report\"")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
                use serde::de::Error;
                use serde::de::value::MapAccessDeserializer;
                match map.next_key::<String>()?.as_deref() {
                    Some("report") => {}
                    other => {
                        return Err(A::Error::custom(format!("expected the key \"report\" first, found {other:?}")));
                    }
                }
                let kind: String = map.next_value()?;
                let rest = MapAccessDeserializer::new(map);
                match kind.as_str() {
                    "supervision" => Ok(Document::Supervision(Arc::new(serde::Deserialize::deserialize(rest)?))),
                    "screening" => Ok(Document::Screening(Arc::new(serde::Deserialize::deserialize(rest)?))),
                    "sweep" => Ok(Document::Sweep(Arc::new(serde::Deserialize::deserialize(rest)?))),
                    other => Err(A::Error::unknown_variant(other, &["supervision", "screening", "sweep"])),
                }
            }
        }
        deserializer.deserialize_map(Tagged)
    }
}

impl Document {
    /// A copy without the listed cases in `hidden` (those the reader must recuse from): their
    /// rows leave every list, the counts stay (figures are not case details).
    pub fn without(&self, hidden: &std::collections::BTreeSet<String>) -> Self {
        let keep = |c: &CaseRef| !hidden.contains(&c.case_no);
        match self {
            Document::Supervision(d) => {
                let mut d = d.as_ref().clone();
                for list in d.overdue.values_mut().chain(d.due_soon.values_mut()) {
                    list.retain(keep);
                }
                d.closed_in_time.retain(keep);
                d.closed_late.retain(keep);
                d.cases.retain(keep);
                if let Some(work) = &mut d.work {
                    work.supervisions.retain(|r| !hidden.contains(&r.case_no));
                }
                Document::Supervision(Arc::new(d))
            }
            Document::Screening(r) => {
                let mut r = r.as_ref().clone();
                r.cases.retain(keep);
                r.unassigned.retain(|(n, _)| !hidden.contains(n));
                if let Some(work) = &mut r.work {
                    work.supervisions.retain(|row| !hidden.contains(&row.case_no));
                }
                for p in &mut r.repeat_petitioners {
                    p.case_nos.retain(|n| !hidden.contains(n));
                }
                for (_, _, nos) in &mut r.early_signs {
                    nos.retain(|n| !hidden.contains(n));
                }
                Document::Screening(Arc::new(r))
            }
            Document::Sweep(s) => {
                let mut s = s.as_ref().clone();
                s.cases.retain(|(c, _, _)| keep(c));
                Document::Sweep(Arc::new(s))
            }
        }
    }

    /// The period's label.
    pub fn label(&self) -> &str {
        match self {
            Document::Supervision(d) => &d.period.0,
            Document::Screening(r) => &r.period.0,
            Document::Sweep(s) => &s.event,
        }
    }
}
