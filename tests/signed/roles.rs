//! Roles, member cards and the trust root, as members and runners meet them.

use std::fs;

use keyward::audit::Action;
use keyward::recipient::short_recipient;
use predicates::prelude::*;
use predicates::str::contains;

use super::{bound_key, card_of};
use crate::support::forge::{append_event, resign};
use crate::support::team::Team;
use crate::support::{Sandbox, decrypt_file, edit_image, encrypt_image, open_image};

#[test]
fn roles_decide_who_writes_and_who_changes_access() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.set("IMPORTED", "an-imported-value-0123456789");
    let dev_key = kw.write_identity("dev.key");
    let ci_key = kw.write_identity("ci.key");
    let dev = kw.recipient_of(&dev_key);
    let ci = kw.recipient_of(&ci_key);
    // A card binds the signing key at once; a bare recipient binds at its first write.
    kw.cmd(["access", "grant", &card_of(&kw, &dev_key), "--name", "Dev"])
        .assert()
        .success()
        .stderr(contains("as `write`"));
    assert!(bound_key(&kw, &dev).is_some());
    kw.cmd(["access", "grant", &ci, "--role", "read", "--name", "CI"])
        .assert()
        .success()
        .stderr(contains("as `read`"));
    assert_eq!(bound_key(&kw, &ci), None);
    let table = kw.stdout(["access", "list"]);
    assert!(table.contains("admin") && table.contains("read"), "{table}");

    // `read`: decrypts, never writes (refused before anything is asked or written).
    kw.cmd_as(&ci_key, ["get", "K"]).assert().success();
    let before = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd_as(&ci_key, ["set", "X"])
        .write_stdin("v")
        .assert()
        .code(5)
        .stderr(contains("CI (").and(contains("a `read` member")));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);

    // `write`: keys and values, not access, roles or hooks.
    kw.cmd_as(&dev_key, ["set", "FROM_DEV"])
        .write_stdin("v")
        .assert()
        .success();
    let other = kw.recipient_of(&kw.write_identity("other.key"));
    let me = kw.my_recipient();
    for args in [
        vec!["access", "grant", other.as_str()],
        vec!["access", "grant", ci.as_str(), "--role", "write"],
        vec!["access", "revoke", ci.as_str(), "--yes"],
        vec!["hook", "set", "IMPORTED", "--", "true"],
        // Demoting the only admin: the role is the answer, not the admin count.
        vec!["access", "grant", me.as_str(), "--role", "read"],
        vec!["access", "revoke", me.as_str(), "--yes"],
    ] {
        kw.cmd_as(&dev_key, &args)
            .assert()
            .code(5)
            .stderr(contains("that needs the `admin` role"));
    }
    // An admin promotes; the last admin cannot leave the environment without one.
    kw.cmd(["access", "grant", &dev, "--role", "admin"])
        .assert()
        .success()
        .stderr(contains("role write → admin"));
    kw.cmd_as(&dev_key, ["access", "grant", &ci, "--role", "write"])
        .assert()
        .success();
    kw.cmd_as(&dev_key, ["access", "grant", &dev, "--role", "read"])
        .assert()
        .success();
    kw.cmd(["access", "grant", &kw.my_recipient(), "--role", "write"])
        .assert()
        .code(2)
        .stderr(contains("without an admin"));
    // Everyone's history checks, and each event names its signer.
    kw.cmd(["audit", "verify"])
        .assert()
        .success()
        .stderr(contains("signature(s) check"));
    let roles = kw.json(["audit", "--json", "--action", "role"]);
    assert_eq!(roles.as_array().unwrap().len(), 3, "{roles}");
}

#[test]
fn a_card_with_a_proof_that_does_not_check_is_refused() {
    let kw = Sandbox::with_vault();
    let a = kw.write_identity("a.key");
    let b = kw.write_identity("b.key");
    // B's key and proof under A's recipient: a card someone made up.
    let card_a = card_of(&kw, &a);
    let card_b = card_of(&kw, &b);
    let (_, rest_b) = card_b
        .strip_prefix("kw-member1:")
        .unwrap()
        .split_once(':')
        .unwrap();
    let forged = format!("kw-member1:{}:{rest_b}", kw.recipient_of(&a));
    assert_ne!(forged, card_a);
    kw.cmd(["access", "grant", &forged])
        .assert()
        .code(2)
        .stderr(contains("proof that does not check"));
    // Without a proof, only a hardware identity's card is taken.
    let (key, _) = rest_b.split_once(':').unwrap();
    let unproven = format!("kw-member1:{}:{key}:-", kw.recipient_of(&a));
    kw.cmd(["access", "grant", &unproven])
        .assert()
        .code(2)
        .stderr(contains("carries no proof"));
    kw.cmd(["access", "list", "--json"])
        .assert()
        .stdout(contains(kw.recipient_of(&a)).not());
}

#[test]
fn a_read_members_write_is_refused_everywhere_and_named() {
    let mut t = Team::new(&["alice", "bob"], &["ci"]);
    let ci_key = t.kw.path("ci.key");
    let ci = t.extra_recipient("ci");
    t.out(0, &["generate", "-e", "prod", "DB"]);
    t.out(0, &["access", "grant", "-e", "prod", &ci, "--role", "read"]);
    t.sync(0, "ci reads prod");
    // CI's own keyward refuses.
    t.kw(0, &["set", "-e", "prod", "FROM_CI"])
        .env("KEYWARD_IDENTITY", &ci_key)
        .write_stdin("x")
        .assert()
        .code(5)
        .stderr(contains("a `read` member"));
    // A modified one writes anyway, and signs: on a branch.
    t.git(0, &["checkout", "-q", "-b", "ci-write"]);
    let file = t.env_file(0, "prod");
    let image = decrypt_file(&file, &ci_key);
    let recipients: Vec<String> = open_image(&image)
        .prepare("SELECT recipient FROM recipients")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let rs: Vec<&str> = recipients.iter().map(String::as_str).collect();
    let forged = edit_image(&image, |c| {
        c.execute(
            "UPDATE recipients SET signing_key = NULL WHERE recipient = ?1",
            [&ci],
        )
        .unwrap();
        c.execute("UPDATE versions SET status = 3", []).unwrap();
        append_event(c, &ci, Action::Revoke, Some("DB"), Some(1));
        resign(c, &ci_key);
    });
    fs::write(&file, encrypt_image(&forged, &rs)).unwrap();
    t.git(0, &["commit", "-qam", "rotate creds"]);
    let branch = t.git(0, &["rev-parse", "HEAD"]).trim().to_owned();
    // Read on any machine: refused, naming the role.
    t.kw(0, &["get", "-e", "prod", "DB"])
        .assert()
        .code(6)
        .stderr(contains("is a `read` member and may not write"));
    let fresh = t.fresh_machine(1, "runner");
    t.git(fresh, &["fetch", "-q", "origin"]);
    t.git(0, &["push", "-q", "origin", "ci-write"]);
    t.git(fresh, &["fetch", "-q", "origin", "ci-write"]);
    t.kw(fresh, &["audit", "verify", "--git", "FETCH_HEAD"])
        .assert()
        .code(6)
        .stderr(contains("rotate creds").and(contains("a `read` member")));
    // Merged into main by an admin: left out, and named.
    t.git(0, &["checkout", "-q", "main"]);
    let main_before = fs::read(t.env_file(0, "prod")).unwrap();
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.out(1, &["generate", "-e", "prod", "MAIN_CHANGE"]);
    t.sync(1, "main moves on");
    t.git(0, &["pull", "-q", "--no-rebase", "origin", "main"]);
    assert_ne!(fs::read(t.env_file(0, "prod")).unwrap(), main_before);
    let merge = t.git_out(0, &["merge", "--no-edit", &branch]);
    let said = String::from_utf8_lossy(&merge.stderr).into_owned();
    assert!(merge.status.success(), "{said}");
    assert!(
        said.contains("left out") && said.contains(&short_recipient(&ci)),
        "{said}"
    );
    let show = t.show(0, "prod", "DB");
    assert!(show.to_string().contains("active"), "{show}");
    t.kw(0, &["audit", "verify", "-e", "prod"])
        .assert()
        .success();
}

#[test]
fn a_removed_admins_later_writes_are_refused_and_named() {
    let t = Team::new(&["alice", "bob", "carol"], &[]);
    t.out(0, &["generate", "-e", "prod", "DB"]);
    t.sync(0, "keys");
    for m in [1, 2] {
        t.git(m, &["pull", "-q", "--no-rebase", "origin", "main"]);
    }
    let bob = t.members[1].recipient.clone();
    t.out(0, &["offboard", &bob, "--reason", "left", "--yes"]);
    t.sync(0, "offboard bob");
    // Bob, an admin on his stale state: his signatures are valid there, and grant his
    // other key admin.
    let b2 = t.kw.write_identity("bob2.key");
    t.out(
        1,
        &[
            "access",
            "grant",
            "-e",
            "prod",
            &t.kw.recipient_of(&b2),
            "--role",
            "admin",
        ],
    );
    t.out(1, &["generate", "-e", "prod", "FROM_BOB"]);
    t.git(1, &["commit", "-qam", "deps"]);
    t.git(1, &["push", "-q", "origin", "main:bob"]);
    // Carol, still a member, adds to Bob's branch: mixed with his changes, a merge is
    // refused (nothing can be taken without his) and names him.
    t.git(2, &["fetch", "-q", "origin", "bob"]);
    t.git(2, &["checkout", "-q", "-b", "mixed", "FETCH_HEAD"]);
    let _ = fs::remove_dir_all(&t.members[2].state);
    t.out(2, &["generate", "-e", "prod", "FROM_CAROL"]);
    t.git(2, &["commit", "-qam", "carol too"]);
    t.git(2, &["push", "-q", "origin", "mixed"]);
    t.git(0, &["fetch", "-q", "origin", "mixed"]);
    let merge = t.git_out(0, &["merge", "--no-edit", "FETCH_HEAD"]);
    let said = String::from_utf8_lossy(&merge.stdout).into_owned()
        + &String::from_utf8_lossy(&merge.stderr);
    assert!(!merge.status.success(), "{said}");
    assert!(
        said.contains("which the other side no longer allows")
            && said.contains("among changes it does allow")
            && said.contains(&short_recipient(&bob)),
        "{said}"
    );
    t.git(0, &["merge", "--abort"]);
    // Bob's branch alone: left out as a whole, and he is named.
    t.git(0, &["fetch", "-q", "origin", "bob"]);
    let merge = t.git_out(0, &["merge", "--no-edit", "FETCH_HEAD"]);
    let said = String::from_utf8_lossy(&merge.stderr).into_owned();
    assert!(merge.status.success(), "{said}");
    assert!(
        said.contains("left out") && said.contains(&short_recipient(&bob)),
        "{said}"
    );
    let listed = t.out(0, &["list", "-e", "prod", "--json"]);
    assert!(!listed.contains("FROM_BOB"), "{listed}");
    assert!(!crate::support::can_decrypt(&t.env_file(0, "prod"), &b2));
    // The merge commit that left his side out passes `audit verify --git`.
    t.kw(0, &["audit", "verify", "--git"]).assert().success();
}

#[test]
fn a_fresh_runner_pinning_the_trust_root_refuses_a_rewritten_repository() {
    let mut t = Team::new(&["alice", "bob"], &[]);
    t.out(0, &["generate", "-e", "prod", "DB"]);
    t.sync(0, "keys");
    let root = t.out(0, &["trust", "root", "-e", "prod"]).trim().to_owned();
    assert_eq!(root.len(), 64, "{root}");
    let info = t.kw(0, &["trust", "root", "-e", "prod"]).output().unwrap();
    assert!(String::from_utf8_lossy(&info.stderr).contains("first admins"));
    // The real repository, on a runner that pins the root: read, and nothing said about
    // trusting on first use. A prefix of 32 digits will do.
    let runner = t.fresh_machine(0, "runner");
    t.kw(runner, &["get", "-e", "prod", "DB"])
        .env("KEYWARD_TRUST_ROOT", &root[..32])
        .assert()
        .success()
        .stderr(contains("first use").not());
    // Without the pin, a first use says so, with the root.
    let other = t.fresh_machine(0, "other");
    t.kw(other, &["get", "-e", "prod", "DB"])
        .assert()
        .success()
        .stderr(contains(format!("trust root {root}")));
    // Bob (a member!) rewrites prod from another start — a new environment of his own
    // making, encrypted to the same people — and force-pushes.
    let scratch = t.kw.path("bob-scratch");
    let alice = t.members[0].recipient.clone();
    t.kw(1, &["init", "--envs", "prod", "--recipient", &alice])
        .env("KEYWARD_VAULT", &scratch)
        .env("XDG_STATE_HOME", t.kw.path("bob-scratch-state"))
        .assert()
        .success();
    t.kw(1, &["generate", "-e", "prod", "DB"])
        .env("KEYWARD_VAULT", &scratch)
        .env("XDG_STATE_HOME", t.kw.path("bob-scratch-state"))
        .assert()
        .success();
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    fs::copy(scratch.join("envs/prod.db.age"), t.env_file(1, "prod")).unwrap();
    t.git(1, &["commit", "-qam", "reformat"]);
    t.git(1, &["push", "-q", "-f", "origin", "main"]);
    let fresh = t.fresh_machine(0, "runner2");
    t.kw(fresh, &["list", "-e", "prod"])
        .env("KEYWARD_TRUST_ROOT", &root)
        .assert()
        .code(6)
        .stderr(contains("the trust root of `prod` is").and(contains(&root)));
    // The runner that pinned the real root refuses it without being told.
    t.git(runner, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.kw(runner, &["list", "-e", "prod"]).assert().code(6);
    // A malformed root is a usage error; so is one set but empty (a CI secret that was
    // never passed), which must not fall back to trusting on first use.
    for given in ["abc", "", " ", ",,,"] {
        t.kw(fresh, &["list", "-e", "prod"])
            .env("KEYWARD_TRUST_ROOT", given)
            .assert()
            .code(2)
            .stderr(contains("not a trust root fingerprint"));
    }
    t.kw(fresh, &["list", "-e", "prod", "--trust-root", ""])
        .assert()
        .code(2)
        .stderr(contains(
            "leave KEYWARD_TRUST_ROOT unset to trust on first use",
        ));
}

/// An environment that appears in a vault this machine knows, signed under a trust root
/// none of the vault's environments has (someone who can write the repository founded
/// it from the public recipients): its first use is said as a warning, even with -q,
/// naming the root seen for the rest of the vault.
#[test]
fn a_new_environment_under_another_root_than_the_vault_seen_here_is_warned_about() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.stdout(["get", "K"]);
    // Environments are told apart by who founded them (each history's own root
    // differs): the founders' root.
    let ours = kw.json(["trust", "root", "--json"])["founders"]
        .as_str()
        .unwrap()
        .to_owned();
    // The outsider's own vault, with one environment encrypted to us too.
    let outsider = kw.write_identity("outsider.key");
    let theirs = kw.path("outsider-vault");
    let at = |args: &[&str]| {
        let mut c = kw.cmd_as(&outsider, args);
        c.env("KEYWARD_VAULT", &theirs)
            .env("XDG_STATE_HOME", kw.path("outsider-state"));
        c
    };
    at(&["init", "--envs", "staging"]).assert().success();
    at(&["-e", "staging", "access", "grant", &kw.my_recipient()])
        .assert()
        .success();
    at(&["-e", "staging", "generate", "PLANTED"])
        .assert()
        .success();
    fs::copy(
        theirs.join("envs/staging.db.age"),
        kw.vault().join("envs/staging.db.age"),
    )
    .unwrap();
    // Neither a "not found" hint nor a TAB opens (and so pins) it without a word.
    kw.cmd(["get", "PLANTED"])
        .assert()
        .code(3)
        .stderr(contains("staging").not());
    assert_eq!(
        kw.stdout(["-e", "staging", "completions", "--list", "keys"]),
        ""
    );
    // Nor does a push that also takes away the environments seen here hide it: what
    // this machine pinned is what it knows of the vault.
    let dev = kw.vault().join("envs/dev.db.age");
    let dev_bytes = fs::read(&dev).unwrap();
    fs::remove_file(&dev).unwrap();
    kw.cmd(["-q", "-e", "staging", "list"])
        .assert()
        .success()
        .stderr(
            contains("`staging` is new to this machine and was founded by other admins")
                .and(contains("than any environment of this vault seen here"))
                .and(contains(&ours[..16])),
        );
    fs::write(&dev, dev_bytes).unwrap();
    // The vault's own new environment, founded by the same admin, is a plain first use.
    kw.cmd(["env", "add", "qa"]).assert().success();
    fs::remove_file(kw.vault().join("envs/staging.db.age")).unwrap();
    let other_machine = kw.path("state-2");
    kw.cmd(["-e", "dev", "list"])
        .env("XDG_STATE_HOME", &other_machine)
        .assert()
        .success();
    kw.cmd(["-e", "qa", "list"])
        .env("XDG_STATE_HOME", &other_machine)
        .assert()
        .success()
        .stderr(
            contains("`qa` is new to this machine").and(contains("which no environment").not()),
        );
}

/// The same for an environment whose history is not signed at all, in a vault whose
/// environments seen here are: anyone who knows its recipients can make one (an old
/// keyward's file encrypted to them). A warning, even with -q, not the plain note of
/// an old vault's first read.
#[test]
fn a_new_unsigned_environment_in_a_signed_vault_is_warned_about() {
    let mut kw = Sandbox::new();
    let id = kw.write_identity("me.key");
    kw.identity = Some(id);
    kw.cmd(["init", "--envs", "prod"]).assert().success();
    kw.cmd(["-e", "prod", "generate", "P"]).assert().success();
    kw.cmd(["-e", "prod", "list"]).assert().success();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let old = decrypt_file(
        &fixtures.join("vault-v1/envs/dev.db.age"),
        &fixtures.join("identity-v1.key"),
    );
    fs::write(
        kw.vault().join("envs/dev.db.age"),
        encrypt_image(&old, &[&kw.my_recipient()]),
    )
    .unwrap();
    kw.cmd(["-q", "-e", "dev", "list"])
        .assert()
        .success()
        .stderr(
            contains("`dev` is new to this machine and its history is not signed").and(contains(
                "while this vault's environments seen here are (`prod`",
            )),
        );
}

/// A trust root names one history: another vault its founders made (where someone
/// else may write) is not this one, however alike (DESIGN §15). Each environment has
/// its own; the founders' root that `trust root` printed before is still accepted, and
/// accepts any of their histories, as the docs say.
#[test]
fn the_trust_root_names_this_history_not_every_vault_its_founders_made() {
    let kw = Sandbox::with_vault();
    kw.cmd(["set", "DB_URL"])
        .write_stdin("postgres://real")
        .assert()
        .success();
    let root = kw.stdout(["trust", "root"]).trim().to_owned();
    let shown = kw.json(["trust", "root", "--json"]);
    assert_eq!(shown["root"], root.as_str());
    let founders = shown["founders"].as_str().unwrap().to_owned();
    assert_ne!(founders, root);
    let prod = kw.stdout(["-e", "prod", "trust", "root"]).trim().to_owned();
    assert_ne!(prod, root, "each environment's history has its own root");
    // The same admin founds another vault, where the value is someone else's choice.
    let other = kw.path("other-vault");
    kw.cmd(["init"])
        .env("KEYWARD_VAULT", &other)
        .assert()
        .success();
    kw.cmd(["set", "DB_URL"])
        .env("KEYWARD_VAULT", &other)
        .write_stdin("postgres://attacker")
        .assert()
        .success();
    let theirs = kw
        .cmd(["trust", "root", "--json"])
        .env("KEYWARD_VAULT", &other)
        .output()
        .unwrap();
    let theirs: serde_json::Value = serde_json::from_slice(&theirs.stdout).unwrap();
    assert_eq!(theirs["founders"], founders.as_str());
    assert_ne!(theirs["root"], root.as_str());
    // A fresh runner: a clone of the vault's files (no journal), no state.
    let runner = |n: &str, pin: &str| {
        let clone = crate::support::clone_of_envs(&kw, &format!("{n}-vault"));
        let mut c = kw.cmd(["get", "DB_URL", "-n"]);
        c.env("XDG_STATE_HOME", kw.path(n))
            .env("KEYWARD_VAULT", &clone)
            .env("KEYWARD_TRUST_ROOT", pin);
        c
    };
    runner("runner-0", &root)
        .assert()
        .success()
        .stdout("postgres://real")
        .stderr(contains("founders' root").not());
    // It replaces this vault's `dev` (a force-push); a fresh runner pins the root.
    fs::copy(other.join("envs/dev.db.age"), kw.env_file("dev")).unwrap();
    runner("runner-1", &root)
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("the trust root of `dev` is"))
        .stderr(contains(root.as_str()));
    runner("runner-2", &format!("{prod},{root}"))
        .assert()
        .code(6)
        .stdout("");
    // The founders' root accepts any history of theirs: only a pin of this one refuses.
    runner("runner-3", &founders)
        .assert()
        .success()
        .stdout("postgres://attacker")
        .stderr(contains(
            "KEYWARD_TRUST_ROOT accepts `dev` by its founders' root",
        ));
    runner("runner-4", &root)
        .assert()
        .code(6)
        .stderr(contains("founders' root").not());
    // This machine pinned the history itself, and refuses it too.
    kw.cmd(["get", "DB_URL"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("not the environment `dev` last seen here"));
}
