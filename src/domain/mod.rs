//! The petition register's vocabulary: a case and the typed values it is made of, and the
//! people a notice reaches.
//!
//! Everything here is pure data plus the parsers that turn register text into it.
//! A value is parsed once, at the edge (import, store, API), into one of these types;
//! the rest of the code never handles a raw string where a type belongs.

mod case;
mod event;
mod ids;
mod people;
mod text;
mod values;

pub use case::Case;
pub use event::{CaseEvent, EventKind, REPLY_WAYS};
pub use ids::{CaseNo, IdError, PersonId, PetitionerId, Phone, mask_cell, mask_identifiers, mask_name};
pub use people::{Addressee, ChannelInfo, Contact, Directory, TITLES};
pub use text::{
    display_width, fold, fold_name, normalize_name, normalize_text, parse_bool, parse_date, person_key, split_hearings,
    split_list, spreadsheet_text,
};
pub use values::{Channel, DateSpan, Disposition, Level, Source, ValueError};
