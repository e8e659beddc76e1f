//! What keyward does: each operation takes a typed request and returns a typed report.
//! The rules (journal before release, status only moves forward, every value
//! validated) are written here once; `cmd` only turns flags into requests and renders
//! reports, and `vault` only stores.

pub mod access;
pub mod anomalies;
pub mod audit;
pub mod check;
pub mod complete;
pub mod context;
pub mod create;
pub mod envs;
pub mod export;
pub mod files;
mod first_use;
pub mod follow;
pub mod git;
pub mod hook_dir;
mod hook_run;
pub mod hooks;
pub mod import;
pub mod inspect;
pub mod issue;
pub mod location;
pub mod no_grace;
mod not_found;
pub mod offboard;
pub mod people;
pub mod plan;
pub mod platform;
pub mod reference;
pub mod release;
pub mod rename;
pub mod render;
pub mod revoke;
pub mod rotate;
pub mod run;
pub mod run_guard;
pub mod scan;
pub mod team;
pub mod textconv;
pub mod touch;
pub mod trust;
pub mod verifier;
pub mod verify;
pub mod verify_git;

pub use context::{Context, Globals, Say, Skipped};
pub use location::LocationCheck;
pub use plan::{Confirmation, Destructive};
pub use release::{Release, release};
