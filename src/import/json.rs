//! Case objects (JSON) as the importer's grid: keys are register column names (`case_no`,
//! `received_on`, …) or their Chinese headers (信访件编号, 收到日期, …), values become cells,
//! and columns the register carries beyond the known ones go in `extra`. The grid then goes
//! through the importer's own parser, so the API and the register import take the same cases
//! and word their problems the same.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Value, json};

use super::{Cell, Column, Grid};

/// Why a batch of case objects cannot become a grid.
#[derive(Debug)]
pub enum JsonBatchError {
    /// The JSON is not shaped as cases (a client's mistake, 400): a stable code (`bad_json`,
    /// `unknown_field`), the message, and the item and field at fault where there is one.
    Shape {
        /// `bad_json` or `unknown_field`.
        code: &'static str,
        /// What is wrong.
        message: String,
        /// `{"index": …, "field": …}` for an unknown field.
        details: Option<Value>,
    },
    /// An item with no fields.
    Empty(String),
    /// Cells that cannot be read, per item.
    Cells(Vec<ItemProblems>),
}

impl JsonBatchError {
    fn shape(code: &'static str, message: impl Into<String>) -> Self {
        Self::Shape { code, message: message.into(), details: None }
    }

    fn with_field(self, index: usize, field: &str) -> Self {
        match self {
            Self::Shape { code, message, .. } => {
                Self::Shape { code, message, details: Some(json!({"index": index, "field": field})) }
            }
            other => other,
        }
    }
}

/// How a column's values are written (the API's schema says the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text.
    Text,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// Yes or no.
    Bool,
    /// A whole number.
    Count,
    /// An administrative level (村, 乡镇, 县, 市, 省, 国家).
    Level,
    /// A list of names: a JSON list of strings, or one string split like a cell.
    List,
}

/// How `column`'s values are written.
pub fn kind(column: Column) -> Kind {
    use Column::*;
    match column {
        ReceivedOn | AcceptedOn | OwnerDeadline | ConcludedOn | ReviewAcceptedOn | ReviewOpinionOn
        | RecheckRequestedOn | RecheckOpinionOn | DisposedOn => Kind::Date,
        Anonymous | Confidential => Kind::Bool,
        PetitionerCount | Signatories | ExtensionDays => Kind::Count,
        CompetentLevel | VisitedLevel => Kind::Level,
        Accused | Conflicts | Hearings => Kind::List,
        _ => Kind::Text,
    }
}

/// A JSON value as the importer's cell.
fn cell(value: &Value, column: Option<Column>) -> Result<Cell, String> {
    Ok(match value {
        Value::Null => Cell::Empty,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) => match n.as_f64() {
            Some(f) => Cell::Number(f),
            None => return Err(format!("{n} is not a number petition-watch can read")),
        },
        Value::String(s) => Cell::Text(s.clone()),
        Value::Array(items) if column.is_some_and(|c| kind(c) == Kind::List) => {
            let mut texts = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => texts.push(s.clone()),
                    other => return Err(format!("list items must be strings, not {other}")),
                }
            }
            // Items are split again like a cell's (DESIGN §5.2): `["李华，赵敏"]` names two people.
            Cell::Text(texts.join("；"))
        }
        Value::Array(_) => return Err("is a list; this field takes one value".into()),
        Value::Object(_) => return Err("is an object; this field takes one value".into()),
    })
}

/// Problems with one case of a batch, by its index.
#[derive(Debug, Serialize)]
pub struct ItemProblems {
    /// The item's index in the batch (from 0).
    pub index: usize,
    /// Its `case_no`, when it gave one as text.
    pub case_no: Option<String>,
    /// Each cell that cannot be read.
    pub problems: Vec<CellProblemJson>,
}

/// One cell that cannot be read: its column, the start of its value, and why.
#[derive(Debug, Serialize)]
pub struct CellProblemJson {
    /// The column's name.
    pub column: String,
    /// The value as sent (its first 40 characters).
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Turns a batch of case objects into the importer's grid (header row first).
pub fn grid(items: &[Value]) -> Result<Grid, JsonBatchError> {
    let mut columns: BTreeSet<Column> = [Column::CaseNo, Column::ReceivedOn].into();
    let mut extra_names: BTreeSet<String> = BTreeSet::new();
    let mut parsed: Vec<(BTreeMap<Column, Cell>, BTreeMap<String, String>)> = Vec::new();
    let mut problems: Vec<ItemProblems> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Value::Object(fields) = item else {
            return Err(JsonBatchError::shape("bad_json", format!("item {index} is not an object")));
        };
        if fields.is_empty() {
            return Err(JsonBatchError::Empty(format!("item {index} is empty")));
        }
        let mut cells = BTreeMap::new();
        let mut extra = BTreeMap::new();
        let mut item_problems = Vec::new();
        for (key, value) in fields {
            // What `GET /api/v1/cases/{case_no}` adds beside the columns is read-only: the work
            // on a case is recorded through its `/events`, notices are the outbox's. A case read
            // back can be sent again unchanged.
            // `withdrawn` is read-only too; `restore` asks to bring a withdrawn case back and is
            // read by the intake, not the importer.
            if key == "events" || key == "notices" || key == "withdrawn" || key == "former_numbers" {
                continue;
            }
            if key == "restore" {
                if !value.is_boolean() {
                    return Err(JsonBatchError::shape(
                        "bad_json",
                        format!("item {index}: restore must be true or false"),
                    ));
                }
                continue;
            }
            if key == "extra" {
                let Value::Object(map) = value else {
                    return Err(JsonBatchError::shape(
                        "bad_json",
                        format!("item {index}: `extra` must be an object of strings"),
                    ));
                };
                for (name, v) in map {
                    if Column::from_header(name).is_some() {
                        return Err(JsonBatchError::shape(
                            "unknown_field",
                            format!(
                                "item {index}: extra column {name:?} is a register column; give it outside `extra`"
                            ),
                        ));
                    }
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        Value::Number(_) | Value::Bool(_) => v.to_string(),
                        _ => {
                            return Err(JsonBatchError::shape(
                                "bad_json",
                                format!("item {index}: extra.{name} must be a string"),
                            ));
                        }
                    };
                    extra.insert(name.trim().to_owned(), text);
                }
                continue;
            }
            let Some(column) = Column::from_header(key) else {
                let known: Vec<&str> = Column::all().map(Column::name).collect();
                return Err(JsonBatchError::shape(
                    "unknown_field",
                    format!(
                        "item {index}: unknown field {key:?}; fields are {} (or their Chinese headers) and extra",
                        known.join(", ")
                    ),
                )
                .with_field(index, key));
            };
            if cells.contains_key(&column) {
                return Err(JsonBatchError::shape(
                    "unknown_field",
                    format!("item {index}: {key:?} gives {} a second time", column.name()),
                ));
            }
            match cell(value, Some(column)) {
                Ok(c) => {
                    cells.insert(column, c);
                }
                Err(reason) => item_problems.push(CellProblemJson {
                    column: column.name().to_owned(),
                    value: value.to_string().chars().take(40).collect(),
                    reason,
                }),
            }
            columns.insert(column);
        }
        extra_names.extend(extra.keys().cloned());
        if !item_problems.is_empty() {
            let case_no = fields.get("case_no").and_then(Value::as_str).map(str::to_owned);
            problems.push(ItemProblems { index, case_no, problems: item_problems });
        }
        parsed.push((cells, extra));
    }
    if !problems.is_empty() {
        return Err(JsonBatchError::Cells(problems));
    }
    let mut header: Vec<Cell> = columns.iter().map(|c| Cell::Text(c.name().to_owned())).collect();
    header.extend(extra_names.iter().map(|n| Cell::Text(n.clone())));
    let mut rows = vec![header];
    for (mut cells, mut extra) in parsed {
        let mut row: Vec<Cell> = columns.iter().map(|c| cells.remove(c).unwrap_or(Cell::Empty)).collect();
        row.extend(extra_names.iter().map(|n| extra.remove(n).map_or(Cell::Empty, Cell::Text)));
        rows.push(row);
    }
    Ok(Grid { rows, note: None })
}
