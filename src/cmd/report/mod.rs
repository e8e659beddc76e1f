//! How each operation's report is shown to people: the `Render` impls, which only
//! `cmd` may hold (operations return plain reports and never see a terminal).

mod access;
mod anomalies;
mod audit;
mod check;
mod create;
mod export;
mod git;
mod hooks;
mod import;
mod inspect;
mod issue;
mod offboard;
mod rename;
mod render;
mod revoke;
pub(crate) mod rotate;
mod scan;
mod verifier;
mod verify;
mod verify_git;
