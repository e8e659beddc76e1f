//! Core vault: init, identities, generate / set / get / list / show, bad input.

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Sandbox;

#[test]
fn get_of_missing_key_exits_3_and_names_it() {
    let kw = Sandbox::with_vault();
    kw.cmd(["get", "NOPE"])
        .assert()
        .code(3)
        .stderr(contains("`NOPE`"));
}
