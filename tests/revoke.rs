//! `revoke`: a reason is required; a revoked version is refused by every use; revoking
//! one version leaves the newer one valid.

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{Sandbox, verify};

#[test]
fn revoke_requires_reason_and_blocks_every_use() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    kw.cmd(["revoke", "--yes", "K"])
        .assert()
        .code(2)
        .stderr(contains(
            "the following required arguments were not provided:\n  --reason <TEXT>",
        ));
    kw.cmd(["revoke", "--yes", "K", "--reason", "leaked in build log"])
        .assert()
        .success();
    kw.cmd(["get", "K"])
        .assert()
        .code(4)
        .stdout("")
        .stderr(contains("revoked").and(contains("leaked in build log")));
    let (code, _) = verify(&kw, "dev", &v);
    assert_eq!(code, 4);
    let show: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "K", "--json"])).unwrap();
    let ver = &show["versions"][0];
    assert_eq!(ver["status"], "revoked");
    assert_eq!(ver["revoke_reason"], "leaked in build log");
    assert_eq!(ver["revoked_by"], kw.my_recipient());
    assert!(ver["revoked_at"].is_string());
    let list: serde_json::Value =
        serde_json::from_str(&kw.stdout(["list", "--json", "--status", "revoked"])).unwrap();
    assert_eq!(list["keys"][0]["name"], "K");
    // DESIGN §16: replaced under its name by a rotation; the revoked value stays refused.
    kw.cmd(["rotate", "K"])
        .assert()
        .success()
        .stderr(contains("version 1 stays revoked"));
    assert_eq!(verify(&kw, "dev", &v).0, 4);
}

#[test]
fn revoking_one_version_keeps_the_newer_valid() {
    let kw = Sandbox::with_vault();
    let v1 = kw.generate("K");
    let v2 = kw.stdout(["rotate", "K", "--grace", "1h"]);
    kw.cmd([
        "revoke",
        "--yes",
        "K",
        "--version",
        "1",
        "--reason",
        "compromised",
    ])
    .assert()
    .success();
    assert_eq!(verify(&kw, "dev", &v1).0, 4);
    assert_eq!(verify(&kw, "dev", v2.trim_end()).0, 0);
    assert_eq!(kw.stdout(["get", "K"]), v2);
    kw.cmd(["revoke", "--yes", "K", "--version", "9", "--reason", "x"])
        .assert()
        .code(3)
        .stderr(contains("key `K` in environment `dev` has no version 9"));
}
