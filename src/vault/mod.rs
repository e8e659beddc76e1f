//! The only code that touches vault files or runs SQL; every write is locked and atomic.
//!
//! `store` opens and commits environment files, `keys` and `events` are the queries on
//! an open environment, `journal` is the access journal, `history`
//! the vault's versions in git, `lock` the writer lock,
//! `schema` the tables and migrations, `paths` the layout on disk.

pub mod access;
pub mod approvals;
mod chunks;
pub mod create;
pub mod discover;
pub mod events;
mod exported;
mod exposure;
pub(crate) mod fileseal;
pub mod follow;
pub mod git;
mod gone;
pub mod hooks;
mod issued;
pub mod journal;
mod journal_move;
pub mod journal_pin;
pub mod kept_rows;
pub mod keyring;
pub mod keys;
pub mod lock;
pub mod merge;
mod open;
pub mod paths;
pub mod pins;
pub mod relate;
pub mod repo;
pub mod schema;
mod seal;
pub mod seen;
pub mod signed;
pub mod store;
pub mod touch;
pub mod transition;
mod untrusted;
pub mod verified;
pub mod verifier;
mod vfs;

pub use access::RecipientInfo;
pub use journal::Journaled;
pub use keys::{KeyMeta, KeyState, Kind, NewKey, Status, VersionInfo, Withheld};
pub use paths::VaultPaths;
pub use seen::Relation;
pub use store::{EnvDb, Tx};
