//! Merge signatures made by hand (DESIGN §9, §15). Anyone who may sign a merge can join
//! two states they hold and sign the result: a writer, or an admin demoted since on
//! one side. The merged members and settings must be what the merge rules make of the
//! base and the sides — never an old side's row over the other side's later change —
//! and the merger must be a writer in what they sign. Each forgery is refused by a
//! pinned machine and by a runner pinning the trust root; a branch whose writer split a
//! signature of his own is refused by the driver instead of merged into a file nobody
//! reads. (Stale branches of members demoted since: `stale_branches`.)

use std::fs;
use std::path::Path;

use super::{branch_as, card_of, with_writer};
use crate::support::forge::resign;
use crate::support::{Sandbox, decrypt_file, edit_image, encrypt_image};

/// The driver run as `key`'s holder (an honest merge by a member allowed to merge):
/// the merged file.
fn merge_as(
    kw: &Sandbox,
    key: &Path,
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
    tag: &str,
) -> Vec<u8> {
    merge_in(kw, "dev", key, base, ours, theirs, tag)
}

pub(super) fn merge_in(
    kw: &Sandbox,
    env: &str,
    key: &Path,
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
    tag: &str,
) -> Vec<u8> {
    let [b, o, t] = kw.merge_sides(&format!("sides-{tag}"), [base, ours, theirs]);
    let out = kw
        .cmd_as(
            key,
            [
                "git",
                "merge",
                &b,
                &o,
                &t,
                &format!("vault/envs/{env}.db.age"),
            ],
        )
        .env("XDG_STATE_HOME", kw.path(&format!("state-merge-{tag}")))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "honest merge failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::read(&o).unwrap()
}

pub(super) fn said(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// `keyward ARGS` refused (exit 6, saying `why`) by the machine that pinned the real
/// history and by a runner told its trust root.
fn refused_everywhere(kw: &Sandbox, args: &[&str], root: &str, why: &str) {
    let here = kw.cmd(args).output().unwrap();
    let runner = kw
        .cmd(args)
        .env("XDG_STATE_HOME", kw.path("runner"))
        .env("KEYWARD_TRUST_ROOT", root)
        .output()
        .unwrap();
    for (who, out) in [("pinned", here), ("runner", runner)] {
        assert_eq!(out.status.code(), Some(6), "{who} accepted: {}", said(&out));
        assert!(said(&out).contains(why), "{who}: {}", said(&out));
    }
}

/// The file `merged` (as the driver made it) with `edit` made to its rows by the holder
/// of `key`, who signs the merge again as theirs: encrypted to `recipients`.
pub(super) fn remerged(
    kw: &Sandbox,
    merged: &[u8],
    key: &Path,
    recipients: &[&str],
    edit: &str,
    arg: &str,
) -> Vec<u8> {
    let path = kw.path("merged");
    fs::write(&path, merged).unwrap();
    let forged = edit_image(&decrypt_file(&path, key), |c| {
        c.execute(edit, [arg]).unwrap();
        resign(c, key);
    });
    encrypt_image(&forged, recipients)
}

#[test]
fn a_writer_removing_a_member_in_a_merge_signature_is_refused() {
    let (kw, bob_key, bob) = with_writer("bob");
    let carol_key = kw.write_identity("carol.key");
    let carol = kw.recipient_of(&carol_key);
    kw.cmd(["access", "grant", &card_of(&kw, &carol_key)])
        .assert()
        .success();
    let alice = kw.my_recipient();
    let root = kw.stdout(["trust", "root"]).trim().to_owned();
    let base = fs::read(kw.env_file("dev")).unwrap();
    // Bob, a writer, writes twice from the same state and merges his two writes with
    // keyward itself (a merge a writer may sign), then removes Carol from the merged
    // rows and signs the merge again: an admin's change, as a "merge".
    let x = branch_as(&kw, &bob_key, &base, "x", &["generate", "X"]);
    let y = branch_as(&kw, &bob_key, &base, "y", &["generate", "Y"]);
    let merged = merge_as(&kw, &bob_key, &base, &x, &y, "xy");
    let forged = remerged(
        &kw,
        &merged,
        &bob_key,
        &[&alice, &bob],
        "DELETE FROM recipients WHERE recipient = ?1",
        &carol,
    );
    fs::write(kw.env_file("dev"), forged).unwrap();
    refused_everywhere(
        &kw,
        &["access", "list"],
        &root,
        "otherwise than the sides' changes make them",
    );
}

#[test]
fn a_demoted_admin_taking_their_role_back_in_a_merge_signature_is_refused() {
    let (kw, dave_key, dave) = super::with_member("dave", "admin");
    let alice = kw.my_recipient();
    let old = fs::read(kw.env_file("dev")).unwrap();
    // Alice demotes Dave to `write`; he kept a state from when he was admin and writes
    // on it.
    kw.cmd(["access", "grant", &dave, "--role", "write"])
        .assert()
        .success();
    let now = fs::read(kw.env_file("dev")).unwrap();
    let root = kw.stdout(["trust", "root"]).trim().to_owned();
    let w = branch_as(&kw, &dave_key, &old, "w", &["generate", "W"]);
    // He merges it with the current state himself (a writer may), then keeps himself
    // admin as his side has him and signs the merge again.
    let merged = merge_as(&kw, &dave_key, &old, &w, &now, "wn");
    let forged = remerged(
        &kw,
        &merged,
        &dave_key,
        &[&alice, &dave],
        "UPDATE recipients SET role = 2 WHERE recipient = ?1",
        &dave,
    );
    fs::write(kw.env_file("dev"), forged).unwrap();
    refused_everywhere(
        &kw,
        &["access", "list"],
        &root,
        "otherwise than the sides' changes make them",
    );
    // Made `read`, his own keyward leaves his changes out of such a merge, as a removed
    // member's (and would not sign one that kept them: he is no writer in it).
    fs::write(kw.env_file("dev"), &now).unwrap();
    kw.cmd(["access", "grant", &dave, "--role", "read"])
        .assert()
        .success();
    let read = fs::read(kw.env_file("dev")).unwrap();
    let [b, o, t] = kw.merge_sides("sides-read", [&old, &w, &read]);
    kw.cmd_as(
        &dave_key,
        ["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"],
    )
    .env("XDG_STATE_HOME", kw.path("state-dave"))
    .assert()
    .success()
    .stderr(predicates::str::contains(
        "OURS's changes are all signed by",
    ))
    .stderr(predicates::str::contains("left out"));
    assert_eq!(fs::read(&o).unwrap(), read, "the other side, as it is");
}

#[test]
fn a_writer_taking_back_a_hook_an_admin_replaced_in_a_merge_signature_is_refused() {
    let (kw, bob_key, bob) = with_writer("bob");
    let alice = kw.my_recipient();
    kw.set("IMPORTED", "an-imported-value-0123456789");
    kw.cmd(["hook", "set", "IMPORTED", "--", "echo old-hook"])
        .assert()
        .success();
    let old = fs::read(kw.env_file("dev")).unwrap();
    // Bob writes on the old state; Alice replaces the hook (the old one leaked, say).
    let w = branch_as(&kw, &bob_key, &old, "w", &["generate", "W"]);
    kw.cmd(["hook", "set", "IMPORTED", "--", "echo new-hook"])
        .assert()
        .success();
    let now = fs::read(kw.env_file("dev")).unwrap();
    let root = kw.stdout(["trust", "root"]).trim().to_owned();
    // Bob merges, then takes the settings as his side has them: the old hook back, row
    // for row.
    let merged = merge_as(&kw, &bob_key, &old, &w, &now, "wn");
    let path = kw.path("old");
    fs::write(&path, &old).unwrap();
    let set_at: i64 = crate::support::open_image(&decrypt_file(&path, &bob_key))
        .query_row("SELECT set_at FROM hooks", [], |r| r.get(0))
        .unwrap();
    let forged = remerged(
        &kw,
        &merged,
        &bob_key,
        &[&alice, &bob],
        &format!("UPDATE hooks SET command = ?1, set_at = {set_at}"),
        "echo old-hook",
    );
    fs::write(kw.env_file("dev"), forged).unwrap();
    refused_everywhere(
        &kw,
        &["hook", "list"],
        &root,
        "(settings neither side's changes make)",
    );
}

#[test]
fn a_writer_leaving_out_an_admins_grant_in_a_merge_signature_is_refused() {
    let (kw, bob_key, bob) = with_writer("bob");
    let alice = kw.my_recipient();
    let old = fs::read(kw.env_file("dev")).unwrap();
    // Bob writes on the state before Alice grants Carol.
    let w = branch_as(&kw, &bob_key, &old, "w", &["generate", "W"]);
    let carol_key = kw.write_identity("carol.key");
    let carol = kw.recipient_of(&carol_key);
    kw.cmd(["access", "grant", &card_of(&kw, &carol_key)])
        .assert()
        .success();
    let now = fs::read(kw.env_file("dev")).unwrap();
    let root = kw.stdout(["trust", "root"]).trim().to_owned();
    // Bob merges, then takes the members as his side has them: Carol left out.
    let merged = merge_as(&kw, &bob_key, &old, &w, &now, "wn");
    let forged = remerged(
        &kw,
        &merged,
        &bob_key,
        &[&alice, &bob],
        "DELETE FROM recipients WHERE recipient = ?1",
        &carol,
    );
    fs::write(kw.env_file("dev"), forged).unwrap();
    refused_everywhere(
        &kw,
        &["access", "list"],
        &root,
        "otherwise than the sides' changes make them",
    );
}

/// Bob's own last signed write (covering two or more events) signed again in two
/// signatures: one at the event before its head, one at its head on top of it. Each
/// his own events, roles as they were: a history that verifies on its own.
fn split_last_signature(c: &rusqlite::Connection, identity: &Path) {
    use ed25519_dalek::Signer;
    use keyward::vault::signed::{Members, Signature, insert_signature};
    let id: age::x25519::Identity = Sandbox::secret_key_of(identity).parse().unwrap();
    let secret = keyward::signing::x25519_secret(&id).unwrap();
    let key = keyward::signing::derive_from_x25519(&secret);
    let env: keyward::names::EnvName = c
        .query_row("SELECT v FROM meta WHERE k = 'env'", [], |r| {
            r.get::<_, String>(0)
        })
        .unwrap()
        .parse()
        .unwrap();
    type Row = (
        Vec<u8>,
        Vec<u8>,
        Vec<u8>,
        Vec<u8>,
        String,
        Vec<u8>,
        Option<Vec<u8>>,
        Vec<u8>,
        i64,
    );
    let row: Row = c
        .query_row(
            "SELECT s.head, s.prev, s.state, s.members, s.signer, s.key, s.proof, s.settings, e.seq
             FROM signatures s JOIN events e ON e.hash = s.head ORDER BY e.seq DESC LIMIT 1",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            },
        )
        .unwrap();
    let (head, prev, state, members, signer, pk, proof, settings, seq) = row;
    let e1: Vec<u8> = c
        .query_row("SELECT hash FROM events WHERE seq = ?1", [seq - 1], |r| {
            r.get(0)
        })
        .unwrap();
    let fixed = |v: &[u8]| -> [u8; 32] { v.try_into().unwrap() };
    let mk = |h: &[u8], prev: Vec<[u8; 32]>| {
        let mut s = Signature {
            head: fixed(h),
            prev,
            state: fixed(&state),
            settings: fixed(&settings),
            members: Members::decode(&members).unwrap(),
            signer: signer.clone(),
            key: fixed(&pk),
            proof: proof.as_ref().map(|p| p.as_slice().try_into().unwrap()),
            sig: [0; 64],
        };
        s.sig = key.sign(&s.message(&env)).to_bytes();
        s
    };
    let first = mk(&e1, prev.chunks(32).map(fixed).collect());
    let second = mk(&head, vec![fixed(&e1)]);
    c.execute("DELETE FROM signatures WHERE head = ?1", [&head])
        .unwrap();
    insert_signature(c, &first).unwrap();
    insert_signature(c, &second).unwrap();
}

#[test]
fn a_writer_splitting_a_signature_of_his_own_on_a_branch_is_refused_by_the_merge() {
    let (kw, bob_key, bob) = with_writer("bob");
    let alice = kw.my_recipient();
    let root = kw.stdout(["trust", "root"]).trim().to_owned();
    let file = kw.env_file("dev");
    let s0 = fs::read(&file).unwrap();
    // Bob imports two keys in one write (one signature over two events); it lands on
    // main, and Alice writes on top of it (her machine wrote it).
    let dotenv = kw.path("two.env");
    fs::write(
        &dotenv,
        "AA=aaaaaaaaaaaaaaaaaaaaaaaa\nBB=bbbbbbbbbbbbbbbbbbbbbbbb\n",
    )
    .unwrap();
    let import = ["import", "--format", "dotenv", dotenv.to_str().unwrap()];
    let s1 = branch_as(&kw, &bob_key, &s0, "s1", &import);
    fs::write(&file, &s1).unwrap();
    kw.cmd(["generate", "X"]).assert().success();
    let ours = fs::read(&file).unwrap();
    // Bob's branch, forked before his import landed (BASE = s0): the same import with
    // its signature split in two — a history that verifies on its own — and a write.
    let p = kw.path("s1");
    fs::write(&p, &s1).unwrap();
    let split = edit_image(&decrypt_file(&p, &bob_key), |c| {
        split_last_signature(c, &bob_key)
    });
    let split = encrypt_image(&split, &[alice.as_str(), bob.as_str()]);
    let theirs = branch_as(&kw, &bob_key, &split, "y", &["generate", "Y"]);
    // Alice's driver refuses it, her file left as it was, rather than merge a history
    // every reader then refuses.
    let [b, o, t] = kw.merge_sides("sides", [&s0, &ours, &theirs]);
    kw.cmd(["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
        .assert()
        .code(6)
        .stderr(predicates::str::contains(
            "THEIRS signs the history it shares with OURS otherwise than OURS does",
        ));
    assert_eq!(fs::read(&o).unwrap(), ours);
    kw.cmd(["get", "X"])
        .env("KEYWARD_TRUST_ROOT", &root)
        .assert()
        .success();
}
