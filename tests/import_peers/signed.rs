//! Imports are writes like any other (DESIGN §15): signed by the importer, refused to a
//! `read` member — before any peer is asked to decrypt anything where the environment is
//! known, and in every environment before any is written where the store's folders name
//! them.

use std::fs;
use std::path::Path;

use super::*;
use crate::support::peers::*;

/// A member's card, as `identity show` prints it.
fn card_of(kw: &Sandbox, key: &Path) -> String {
    kw.stdout(["-i", key.to_str().unwrap(), "identity", "show"])
        .trim()
        .to_owned()
}

#[test]
fn an_import_is_a_change_signed_by_its_importer() {
    if !have(&["sops"]) {
        return;
    }
    let kw = Sandbox::with_vault();
    let dev_key = kw.write_identity("dev.key");
    let dev = kw.recipient_of(&dev_key);
    kw.cmd(["access", "grant", &card_of(&kw, &dev_key), "--name", "Dev"])
        .assert()
        .success();
    sops_file(
        &kw,
        "s.yaml",
        "yaml",
        "A: imported-by-dev-1\nB: imported-by-dev-2\n",
        &dev,
    );
    kw.cmd_as(&dev_key, ["import", "--from", "sops", "s.yaml"])
        .assert()
        .success();
    assert_eq!(stored(&kw, "dev", "B"), "imported-by-dev-2");
    // Every signature checks against the roles in force, and the events name their
    // signer: the importer, not the vault's founder.
    let verify = kw.cmd(["audit", "verify"]).output().unwrap();
    let said = String::from_utf8_lossy(&verify.stderr);
    assert!(verify.status.success(), "{said}");
    assert!(said.contains("signature(s) check"), "{said}");
    let events = kw.json(["audit", "--json", "--action", "import"]);
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    for e in events {
        assert_eq!(
            e["actor"]["recipient"],
            dev.as_str(),
            "the importer signs: {e}"
        );
    }
}

#[test]
fn a_read_members_import_is_refused_before_the_peer_decrypts_anything() {
    if !have(&["sops"]) {
        return;
    }
    let mut kw = Sandbox::with_vault();
    let ci_key = kw.write_identity("ci.key");
    let ci = kw.recipient_of(&ci_key);
    kw.cmd(["access", "grant", &ci, "--role", "read", "--name", "CI"])
        .assert()
        .success();
    sops_file(&kw, "s.yaml", "yaml", "A: never-stored-value\n", &ci);
    fs::write(kw.path("in.env"), "A=never-stored-either\n").unwrap();
    let before = fs::read(kw.env_file("dev")).unwrap();
    for args in [
        &["import", "--from", "sops", "s.yaml"][..],
        &["import", "--from", "sops", "s.yaml", "--dry-run"],
        &["import", "in.env", "--format", "dotenv"],
    ] {
        let (code, out, err) = outcome(&mut kw.cmd_as(&ci_key, args));
        assert_eq!(code, 5, "{args:?}: {err}");
        assert!(
            err.contains("CI (") && err.contains("a `read` member"),
            "{args:?}: {err}"
        );
        assert!(!out.contains("never-stored") && !err.contains("never-stored"));
    }
    // Refused before sops runs: without sops on PATH it is still the role that is said,
    // not the missing tool.
    let bin = path_with_only(&kw, &["sh"]);
    kw.set_env("PATH", bin.to_str().unwrap());
    let (code, _, err) = outcome(&mut kw.cmd_as(&ci_key, ["import", "--from", "sops", "s.yaml"]));
    assert_eq!(code, 5, "{err}");
    assert!(!err.contains("sops"), "sops was looked for: {err}");
    kw.set_env("PATH", &std::env::var("PATH").unwrap());
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    assert!(names_in(&kw, "dev").is_empty());
    assert!(import_events(&kw, "dev").is_empty());
}

#[test]
fn a_store_spanning_an_environment_the_importer_only_reads_writes_none() {
    if !have(&["age"]) {
        return;
    }
    let kw = Sandbox::with_vault();
    let ci_key = kw.write_identity("ci.key");
    let ci = kw.recipient_of(&ci_key);
    kw.cmd(["access", "grant", "-e", "dev", &card_of(&kw, &ci_key)])
        .assert()
        .success();
    kw.cmd(["access", "grant", "-e", "prod", &ci, "--role", "read"])
        .assert()
        .success();
    let store = kw.path("passage-store");
    // dev sorts first: it would be written before prod refused.
    passage_entry(&kw, &store, "dev/api", b"dev-value-of-api\n", &ci, false);
    passage_entry(&kw, &store, "prod/api", b"prod-value-of-api\n", &ci, false);
    let dir = store.to_str().unwrap();
    let before = fs::read(kw.env_file("dev")).unwrap();
    for extra in [&[][..], &["--dry-run"]] {
        let mut args = vec!["import", "--from", "passage", dir, "--env-from-path"];
        args.extend_from_slice(extra);
        let (code, _, err) = outcome(&mut kw.cmd_as(&ci_key, &args));
        assert_eq!(code, 5, "{args:?}: {err}");
        assert!(
            err.contains("a `read` member") && err.contains("`prod`"),
            "{err}"
        );
        assert!(!err.contains("value-of-api"), "{err}");
    }
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    assert!(names_in(&kw, "dev").is_empty());
    // Its own folder alone is the importer's to write.
    kw.cmd_as(
        &ci_key,
        [
            "import",
            "-e",
            "dev",
            "--from",
            "passage",
            dir,
            "--env-from-path",
        ],
    )
    .assert()
    .success();
    assert_eq!(stored(&kw, "dev", "API"), "dev-value-of-api");
}
