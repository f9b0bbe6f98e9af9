//! Who is who, for recusal: person ids resolved to names, and which leader holds which
//! category in their portfolio (分管领导).

use std::collections::HashMap;

use crate::domain::{normalize_name, normalize_text};

/// People as the rules need them, built from the config's `[[people]]`.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// Person id → name (as written).
    names: HashMap<String, String>,
    /// Normalised category → (person id, name) of the leader whose portfolio holds it.
    portfolio: HashMap<String, (String, String)>,
    /// Normalised name → person id.
    ids: HashMap<String, String>,
    /// The party secretary (第一责任人), by id.
    secretary: Option<String>,
}

impl Directory {
    /// Builds the directory from (id, name, portfolio categories) triples.
    pub fn new<'a>(people: impl IntoIterator<Item = (&'a str, &'a str, &'a [String])>) -> Self {
        let mut directory = Self::default();
        for (id, name, portfolio) in people {
            directory.names.insert(id.to_owned(), name.to_owned());
            directory.ids.insert(normalize_name(name), id.to_owned());
            for category in portfolio {
                directory.portfolio.insert(normalize_text(category), (id.to_owned(), name.to_owned()));
            }
        }
        directory
    }

    /// Names the party secretary (第一责任人), the last step of escalation.
    pub fn with_secretary(mut self, id: Option<&str>) -> Self {
        self.secretary = id.filter(|id| self.names.contains_key(*id)).map(str::to_owned);
        self
    }

    /// The party secretary: (id, name).
    pub fn secretary(&self) -> Option<(&str, &str)> {
        let id = self.secretary.as_deref()?;
        self.names.get(id).map(|name| (id, name.as_str()))
    }

    /// The configured person a reference (an id, or a name after normalisation) means: (id, name).
    pub fn find(&self, id_or_name: &str) -> Option<(&str, &str)> {
        let key = id_or_name.trim();
        let id = if self.names.contains_key(key) { key } else { self.ids.get(&normalize_name(key))?.as_str() };
        self.names.get_key_value(id).map(|(id, name)| (id.as_str(), name.as_str()))
    }

    /// A person reference (an id from the config, or a name) as a normalised name.
    pub fn resolve(&self, id_or_name: &str) -> String {
        match self.names.get(id_or_name.trim()) {
            Some(name) => normalize_name(name),
            None => normalize_name(id_or_name),
        }
    }

    /// The display name for a person reference: the config's name for an id, else the text.
    pub fn display_name<'a>(&'a self, id_or_name: &'a str) -> &'a str {
        self.names.get(id_or_name.trim()).map_or(id_or_name.trim(), String::as_str)
    }

    /// The portfolio leader (分管领导) of a category: (id, name).
    pub fn portfolio_leader(&self, category: &str) -> Option<(&str, &str)> {
        self.portfolio.get(&normalize_text(category)).map(|(id, name)| (id.as_str(), name.as_str()))
    }
}
