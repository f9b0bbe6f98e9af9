//! Who is who: person ids resolved to names, which leader holds which category in their
//! portfolio (分管领导) — for recusal and routing — and how a person and a channel are reached.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{normalize_text, person_key};

/// Titles a clerk may write straight after a name (`李华镇长`), longest first so that
/// `副镇长` is taken whole.
pub const TITLES: [&str; 18] = [
    "党委副书记",
    "党委书记",
    "纪委书记",
    "人大主席",
    "武装部长",
    "副镇长",
    "副乡长",
    "副书记",
    "副主任",
    "镇长",
    "乡长",
    "书记",
    "主任",
    "主席",
    "委员",
    "部长",
    "所长",
    "同志",
];

/// Who a notice is addressed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addressee {
    /// Person id (or `group` for a group channel's summary).
    pub id: String,
    /// Name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// Email address, for mail channels.
    pub email: Option<String>,
    /// WeCom user id, to @-mention in a group.
    pub wecom_userid: Option<String>,
    /// DingTalk user id, to @-mention in a group.
    pub dingtalk_userid: Option<String>,
    /// Feishu open id, to @-mention in a group.
    pub feishu_open_id: Option<String>,
}

/// A person as notices reach them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Name, title and addresses.
    pub addressee: Addressee,
    /// The channels (names) that reach them, in order.
    pub channels: Vec<String>,
}

/// What planning needs to know about a channel that is enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelInfo {
    /// A group channel: thin, masked notices.
    pub group: bool,
    /// Mail: reaches only people with an email address.
    pub needs_email: bool,
}

/// People as the rules need them, built from the config's `[[people]]`.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// Person id → name (as written).
    names: HashMap<String, String>,
    /// Normalised category → (person id, name) of the leader whose portfolio holds it.
    portfolio: HashMap<String, (String, String)>,
    /// A name's [`person_key`] → person id.
    ids: HashMap<String, String>,
    /// A person id's [`person_key`], lower-cased → person id (`LI-HUA`, `ｌｉ－ｈｕａ` → `li-hua`).
    folded_ids: HashMap<String, String>,
    /// The party secretary (第一责任人), by id.
    secretary: Option<String>,
}

impl Directory {
    /// Builds the directory from (id, name, portfolio categories) triples.
    pub fn new<'a>(people: impl IntoIterator<Item = (&'a str, &'a str, &'a [String])>) -> Self {
        let mut directory = Self::default();
        for (id, name, portfolio) in people {
            directory.names.insert(id.to_owned(), name.to_owned());
            directory.ids.insert(person_key(name), id.to_owned());
            directory.folded_ids.insert(person_key(id).to_lowercase(), id.to_owned());
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

    /// The configured person a reference means: (id, name). A reference is a person's id, in
    /// any case and width (`LI-HUA`), or their name compared by [`person_key`] (`李华（镇长）`).
    ///
    /// Choice: a name followed by a title without brackets (`李华镇长`, `李华副书记`) also names
    /// the person when the title is one of [`TITLES`]: recusal errs toward holding a case back
    /// from someone it may concern rather than sending it to them.
    pub fn find(&self, id_or_name: &str) -> Option<(&str, &str)> {
        let key = id_or_name.trim();
        let id = match self.names.get_key_value(key) {
            Some((id, _)) => id.as_str(),
            None => self.id_by_key(&person_key(key))?,
        };
        self.names.get_key_value(id).map(|(id, name)| (id.as_str(), name.as_str()))
    }

    fn id_by_key(&self, key: &str) -> Option<&str> {
        if let Some(id) = self.ids.get(key).or_else(|| self.folded_ids.get(&key.to_lowercase())) {
            return Some(id);
        }
        TITLES.iter().find_map(|title| key.strip_suffix(title).and_then(|name| self.ids.get(name))).map(String::as_str)
    }

    /// A person reference (an id from the config, or a name) as the key recusal compares:
    /// the configured name's [`person_key`] for a known person, else the text's.
    pub fn resolve(&self, id_or_name: &str) -> String {
        match self.find(id_or_name) {
            Some((_, name)) => person_key(name),
            None => person_key(id_or_name),
        }
    }

    /// The display name for a person reference: the config's name for an id, else the text.
    pub fn display_name<'a>(&'a self, id_or_name: &'a str) -> &'a str {
        self.names.get(id_or_name.trim()).map_or(id_or_name.trim(), String::as_str)
    }

    /// Every configured person's name.
    pub fn names(&self) -> Vec<&str> {
        self.names.values().map(String::as_str).collect()
    }

    /// The portfolio leader (分管领导) of a category: (id, name).
    pub fn portfolio_leader(&self, category: &str) -> Option<(&str, &str)> {
        self.portfolio.get(&normalize_text(category)).map(|(id, name)| (id.as_str(), name.as_str()))
    }
}
