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

/// The warning after a removal replaced an environment's verifier key (DESIGN §13).
fn verifier_key_replaced(env: &str, who: &str, public: &str) -> String {
    format!(
        "the verifier key of `{env}` was replaced ({who} could sign sets with the old one): pin {public} in every service and export a new set (`keyward verifier export -e {env}`); a service still pinning the old key accepts sets {who} signs"
    )
}
