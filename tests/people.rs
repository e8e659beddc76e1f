//! People by name (DESIGN §16): a member's label wherever a recipient is accepted,
//! ambiguous or unknown labels refused (exit 2) with the candidates, `Label (age1…)` in
//! messages, plans, `check`, `show`, `audit` and textconv, and the labels of removed
//! members kept in the signed state (and carried by merges), so `audit --actor Bob`
//! still finds Bob's events after he left.

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::team::Team;
use crate::support::{Sandbox, audit_events, pty};

/// A vault founded by `Me` (`init --name`), with Ana and Bob labelled in `dev`.
fn labelled_vault() -> (Sandbox, [(std::path::PathBuf, String); 2]) {
    let mut kw = Sandbox::new();
    let id = kw.write_identity("me.key");
    kw.identity = Some(id);
    kw.cmd(["init", "--name", "Me"]).assert().success();
    let mut people = Vec::new();
    for name in ["Ana", "Bob"] {
        let key = kw.write_identity(&format!("{name}.key"));
        let r = kw.recipient_of(&key);
        kw.cmd(["access", "grant", &r, "--name", name])
            .assert()
            .success();
        people.push((key, r));
    }
    (kw, people.try_into().unwrap())
}

fn short(r: &str) -> String {
    r[..10].to_owned()
}

#[test]
fn init_name_labels_the_founder_and_grant_name_relabels_yourself() {
    let (kw, _) = labelled_vault();
    let me = kw.my_recipient();
    let list = kw.json(["access", "list", "--json"]);
    let mine = |list: &serde_json::Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["recipient"] == me.as_str())
            .unwrap()["label"]
            .clone()
    };
    assert_eq!(mine(&list), "Me");
    assert_eq!(
        kw.json(["access", "list", "-e", "prod", "--json"])
            .as_array()
            .unwrap()[0]["label"],
        "Me",
        "in every environment init made"
    );
    // No recipient: yourself.
    kw.cmd(["access", "grant", "--name", "Me (ops)"])
        .assert()
        .success()
        .stderr(contains(format!("Me (ops) ({}", short(&me))));
    assert_eq!(mine(&kw.json(["access", "list", "--json"])), "Me (ops)");
    // A label names one member of an environment.
    let before = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["access", "grant", "--name", "Ana"])
        .assert()
        .code(2)
        .stderr(contains("already the label of Ana ("));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    // Neither a recipient nor a label, nor a broken recipient taken for a label.
    kw.cmd(["access", "grant"]).assert().code(2);
    kw.cmd(["access", "revoke", "age1notarecipient", "--yes"])
        .assert()
        .code(2)
        .stderr(contains("invalid age recipient"));
}

#[test]
fn unknown_and_ambiguous_labels_are_usage_errors_with_the_candidates() {
    let (kw, [(_, ra), (_, rb)]) = labelled_vault();
    let before = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["access", "revoke", "Bobb", "--yes"])
        .assert()
        .code(2)
        .stderr(contains("no member labelled `Bobb` in `dev`"))
        .stderr(contains(format!("did you mean Bob ({}", short(&rb))));
    kw.cmd(["offboard", "Zed", "--reason", "x", "--yes"])
        .assert()
        .code(2)
        .stderr(contains("members with a label:"))
        .stderr(contains(format!("Ana ({}", short(&ra))));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    // `Bob` is someone else in `prod`: across environments the label is ambiguous.
    let carol = kw.write_identity("carol.key");
    let rc = kw.recipient_of(&carol);
    kw.cmd(["access", "grant", &rc, "-e", "prod", "--name", "Bob"])
        .assert()
        .success();
    kw.cmd(["offboard", "Bob", "--reason", "left", "--yes"])
        .assert()
        .code(2)
        .stderr(contains("`Bob` names 2 different members"))
        .stderr(contains(short(&rb)))
        .stderr(contains(short(&rc)));
    // Within one environment it is not.
    kw.cmd(["offboard", "Bob", "-e", "prod", "--reason", "left", "--yes"])
        .assert()
        .success()
        .stderr(contains(format!("Bob ({}", short(&rc))));
    assert!(!kw.stdout(["access", "list", "-e", "prod"]).contains(&rc));
    assert!(kw.stdout(["access", "list", "-e", "dev"]).contains(&rb));
}

#[test]
fn a_removed_members_label_still_names_them_in_audit_check_show_and_textconv() {
    let (kw, [(_, ra), (bob, rb)]) = labelled_vault();
    kw.set("SHARED", "shared-imported-value");
    kw.cmd_as(&bob, ["set", "BOBS_KEY"])
        .write_stdin("bob-wrote-this-value")
        .assert()
        .success();
    kw.generate("GEN");
    kw.cmd(["revoke", "GEN", "--reason", "test", "--yes"])
        .assert()
        .success();
    // Grant and revoke by label; the plan and the message name the person.
    let asked = pty::answer_on_terminal(&kw, &["access", "revoke", "Bob"], "y");
    assert_eq!(asked.code, 0, "{}", asked.stderr);
    assert!(
        asked.stderr.contains(&format!("Bob ({}", short(&rb)))
            && asked.stderr.contains("loses access to `dev`"),
        "{}",
        asked.stderr
    );
    assert!(!kw.stdout(["access", "list"]).contains(&rb));

    // Bob's events, found by his label after he left.
    let his = audit_events(&kw, &["--actor", "Bob"]);
    assert!(
        his.iter().any(|e| e["key"] == "BOBS_KEY"),
        "audit --actor Bob after he left: {his:?}"
    );
    let revoked = audit_events(&kw, &["--action", "access-revoke"]);
    assert_eq!(revoked[0]["subject_label"], "Bob");
    let human = kw.stdout(["audit", "--actor", "Bob"]);
    assert!(human.contains(&format!("Bob ({}", short(&rb))), "{human}");
    // check: what Bob could read is exposed, by name.
    let check = kw.cmd(["check"]).output().unwrap();
    let out = String::from_utf8_lossy(&check.stdout);
    assert!(out.contains(&format!("Bob ({}", short(&rb))), "{out}");
    // show: who revoked, by name.
    let show = kw.stdout(["show", "GEN"]);
    assert!(show.contains("by Me ("), "{show}");
    // textconv: members, former members and actors by name.
    let text = kw.stdout(["git", "textconv", kw.env_file("dev").to_str().unwrap()]);
    assert!(
        text.contains(&format!("former-member {rb} label=\"Bob\"")),
        "{text}"
    );
    assert!(
        text.contains("label=\"Ana\"") && text.contains(&ra),
        "{text}"
    );
    assert!(text.contains(&format!("by Bob ({}", short(&rb))), "{text}");
    kw.cmd(["audit", "verify"]).assert().success();
}

/// ops-offboarding.md: offboarding someone again says what they can still read (exit
/// 8), by label as by recipient, though the label now names a removed member. A label
/// two removed members carried is refused with both, as among current members.
#[test]
fn offboarding_a_removed_member_again_by_label_says_what_they_can_still_read() {
    let (kw, [(_, ra), (_, rb)]) = labelled_vault();
    kw.set("PARTNER", "partner-imported-value");
    kw.cmd(["offboard", "Bob", "--reason", "left", "--yes"])
        .assert()
        .code(8);
    assert!(!kw.stdout(["access", "list"]).contains(&rb));
    let again = kw
        .cmd(["offboard", "Bob", "--reason", "left", "--yes"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(8), "{said}");
    assert!(
        said.contains("not a recipient of any environment"),
        "{said}"
    );
    assert!(said.contains("PARTNER"), "{said}");
    assert!(said.contains(&format!("Bob ({}", short(&rb))), "{said}");
    // A typo is still a typo.
    kw.cmd(["offboard", "Bbo", "--reason", "left", "--yes"])
        .assert()
        .code(2)
        .stderr(contains("no member labelled `Bbo`"));
    // Ana relabelled Bob, then removed: two removed members were `Bob`.
    kw.cmd(["access", "grant", &ra, "--name", "Bob"])
        .assert()
        .success();
    kw.cmd(["access", "revoke", &ra, "--yes"])
        .assert()
        .success();
    kw.cmd(["offboard", "Bob", "--reason", "left", "--yes"])
        .assert()
        .code(2)
        .stderr(contains("was the label of 2 removed members").and(contains(short(&ra))));
}

#[test]
fn a_label_grants_someone_another_environment_knows_with_their_label_and_key() {
    let (kw, [(ana, ra), _]) = labelled_vault();
    // Ana's first signed write binds her key in `dev`.
    kw.cmd_as(&ana, ["set", "ANAS"])
        .write_stdin("anas-value-123")
        .assert()
        .success();
    kw.cmd(["access", "grant", "Ana", "-e", "prod"])
        .assert()
        .success()
        .stderr(contains(format!("granted Ana ({}", short(&ra))));
    let row = kw
        .json(["access", "list", "-e", "prod", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["recipient"] == ra.as_str())
        .cloned()
        .unwrap();
    assert_eq!(row["label"], "Ana");
    assert!(
        row["signing_key"].is_string(),
        "her key bound in dev comes along"
    );
    kw.cmd(["env", "add", "staging", "--recipient", "Ana"])
        .assert()
        .success();
    assert!(
        kw.json(["access", "list", "-e", "staging", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["recipient"] == ra.as_str() && r["label"] == "Ana")
    );
    // Promote by label; a grant that changes nothing says so and shows no label it did
    // not set.
    kw.cmd(["access", "grant", "Ana", "--role", "admin"])
        .assert()
        .success()
        .stderr(contains("role write → admin"));
    let plain = kw.write_identity("plain.key");
    let rp = kw.recipient_of(&plain);
    kw.cmd(["access", "grant", &rp]).assert().success();
    kw.cmd(["access", "grant", &rp])
        .assert()
        .success()
        .stderr(contains("nothing changed"))
        .stderr(contains(short(&rp)))
        .stderr(contains("can already decrypt"))
        .stderr(contains("label").not());
}

#[test]
fn a_merge_carries_the_label_of_a_member_the_other_side_removed() {
    let team = Team::new(&["ana", "carol"], &[]);
    let bob = team.kw.write_identity("bob.key");
    let rb = team.kw.recipient_of(&bob);
    team.kw(0, &["access", "grant", &rb, "--name", "Bob"])
        .assert()
        .success();
    let mut c = team.kw(0, &["set", "BOBS_KEY"]);
    c.env("KEYWARD_IDENTITY", &bob)
        .write_stdin("bob-wrote-this-value");
    c.assert().success();
    team.sync(0, "bob joined and wrote");
    team.sync(1, "pull");
    // Diverge: carol adds a key, ana removes Bob; carol merges ana's removal.
    team.kw(1, &["generate", "CAROLS"]).assert().success();
    team.git(1, &["commit", "-qam", "carol's key"]);
    team.kw(0, &["access", "revoke", &rb, "--yes"])
        .assert()
        .success();
    team.sync(0, "bob left");
    team.sync(1, "merge");
    let his = team.out(1, &["audit", "--actor", "Bob", "--json"]);
    assert!(his.contains("BOBS_KEY"), "after the merge: {his}");
    team.kw(1, &["audit", "verify"]).assert().success();
}

#[test]
fn a_writer_merging_an_admins_relabel_takes_the_new_label() {
    let (kw, [(_, ana), (bob_key, _)]) = labelled_vault();
    let s0 = fs::read(kw.env_file("dev")).unwrap();
    // Bob, a writer, writes on a branch; the admin relabels Ana on main.
    let bob_side = crate::signed::branch_as(&kw, &bob_key, &s0, "bob", &["generate", "B"]);
    kw.cmd(["access", "grant", &ana, "--name", "Ana (ops)"])
        .assert()
        .success();
    let main = fs::read(kw.env_file("dev")).unwrap();
    // Bob merges main into his branch: the label (an admin's setting, in the signed
    // state) is main's, and his merge is one a writer may sign.
    let [b, o, t] = kw.merge_sides("sides", [&s0, &bob_side, &main]);
    kw.cmd_as(
        &bob_key,
        ["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"],
    )
    .env("XDG_STATE_HOME", kw.path("state-bob"))
    .assert()
    .success();
    fs::write(kw.env_file("dev"), fs::read(&o).unwrap()).unwrap();
    let list = kw
        .cmd(["access", "list", "--json"])
        .env("XDG_STATE_HOME", kw.path("reader"))
        .output()
        .unwrap();
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    assert!(String::from_utf8_lossy(&list.stdout).contains("Ana (ops)"));
}

/// A label is how people recognise each other in plans and questions: one that shows
/// like another's (invisible characters, case) or like a recipient is refused, also
/// when a grant carries it from another environment.
#[test]
fn labels_that_would_pass_for_another_member_or_a_recipient_are_refused() {
    let (kw, [(_, ana), (_, bob)]) = labelled_vault();
    let carol = kw.write_identity("carol.key");
    let rc = kw.recipient_of(&carol);
    let fake_short = format!("Ana ({}…{})", &bob[..10], &bob[bob.len() - 6..]);
    let fake_upper = format!("Ana (AGE1{})", &bob[4..12]);
    for (label, why) in [
        ("Ana\u{200b}", "U+200B"),
        ("\u{202e}anA", "U+202E"),
        ("Ana\u{a0}", "U+00A0"),
        (&ana[..12], "begins a recipient (`age1`)"),
        ("ssh-ed25519 Ana", "begins a recipient (`ssh-`)"),
        // The short form messages print beside a label, imitated inside one.
        (fake_short.as_str(), "begins a recipient (`age1`)"),
        (fake_upper.as_str(), "begins a recipient (`age1`)"),
        ("Ana (x…y)", "cannot hold `…`"),
        ("Ana kw-member1:x", "begins a recipient (`kw-member`)"),
        ("ana", "already the label of Ana"),
        ("BOB", "already the label of Bob"),
        ("Ana ", "no space at either end"),
        ("Bob  B.", "no two spaces in a row"),
    ] {
        kw.cmd(["access", "grant", &rc, "--name", label])
            .assert()
            .code(2)
            .stderr(contains(why));
    }
    let list = kw.stdout(["access", "list", "--json"]);
    assert!(!list.contains(&rc), "nothing was granted: {list}");
    // Relabelling a member to a look-alike of another is refused the same way.
    kw.cmd(["access", "grant", &bob, "--name", "ANA"])
        .assert()
        .code(2)
        .stderr(contains("already the label of Ana"));
    // A label carried from another environment is held to the same rule: `bob` in
    // `prod` reads as `Bob` in `dev`, so neither names one person any more.
    kw.cmd(["-e", "prod", "access", "grant", &rc, "--name", "bob"])
        .assert()
        .success();
    kw.cmd(["-e", "prod", "access", "grant", "Bob"])
        .assert()
        .code(2)
        .stderr(contains("`Bob` names 2 different members"));
    let prod = kw.stdout(["-e", "prod", "access", "list", "--json"]);
    assert!(!prod.contains(&bob), "Bob was not granted: {prod}");
    // `env add` carrying two labels that read the same from two environments.
    kw.cmd([
        "env",
        "add",
        "stg",
        "--recipient",
        "Bob",
        "--recipient",
        "bob",
    ])
    .assert()
    .code(2)
    .stderr(contains("`Bob` names 2 different members"));
    kw.cmd(["-e", "stg", "list"]).assert().code(3);
}

/// Two admins who give the same label to different members on two branches: the
/// merge refuses (git shows a conflict) rather than make one label name two people.
#[test]
fn a_merge_that_would_give_one_label_to_two_members_is_refused() {
    let (kw, [(ana_key, ana), (bob_key, bob)]) = labelled_vault();
    kw.cmd(["access", "grant", &ana, "--role", "admin"])
        .assert()
        .success();
    let s0 = fs::read(kw.env_file("dev")).unwrap();
    // Ana (admin) labels Bob `Sam` on a branch; on main, I label myself `sam`.
    let ana_side = crate::signed::branch_as(
        &kw,
        &ana_key,
        &s0,
        "ana",
        &["access", "grant", &bob, "--name", "Sam"],
    );
    kw.cmd(["access", "grant", "--name", "sam"])
        .assert()
        .success();
    let main = fs::read(kw.env_file("dev")).unwrap();
    let [b, o, t] = kw.merge_sides("sides", [&s0, &main, &ana_side]);
    kw.cmd(["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
        .assert()
        .failure()
        .stderr(
            contains("give the label `Sam` to two members")
                .or(contains("give the label `sam` to two members")),
        );
    assert_eq!(fs::read(&o).unwrap(), main, "OURS is left as git gave it");
    // Without the clash the same merge goes through.
    let ana_side = crate::signed::branch_as(
        &kw,
        &ana_key,
        &s0,
        "ana2",
        &["access", "grant", &bob, "--name", "Samuel"],
    );
    let [b, o, t] = kw.merge_sides("sides2", [&s0, &main, &ana_side]);
    kw.cmd(["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
        .assert()
        .success();
    let _ = bob_key;
}

/// `cmd` as `identity` on another machine (its own state directory): someone who can
/// add an environment and push it.
fn elsewhere(kw: &Sandbox, identity: &std::path::Path, args: &[&str]) {
    let mut c = kw.cmd_as(identity, args);
    c.env("XDG_STATE_HOME", kw.path("state-elsewhere"));
    c.assert().success();
}

/// Anyone who can add an environment labels its members as they like: a writer adds
/// `aaa` (first in name order) where she is `Bob`, Bob is `Mallory` and Ana `Anna`. A
/// label names one person across the environments a command covers, so one they do not
/// agree on is not used (exit 2, naming who carries it where, with the recipients to
/// give instead): never the first environment's word.
#[test]
fn a_label_the_environments_do_not_agree_on_is_not_used() {
    let (kw, [(_, ra), (_, rb)]) = labelled_vault();
    let me = kw.my_recipient();
    kw.cmd(["access", "grant", "Bob", "-e", "prod"])
        .assert()
        .success();
    let mallory = kw.write_identity("mallory.key");
    let rm = kw.recipient_of(&mallory);
    kw.cmd(["access", "grant", &rm, "--name", "Mallory"])
        .assert()
        .success();
    kw.cmd(["env", "add", "stage"]).assert().success();
    elsewhere(
        &kw,
        &mallory,
        &[
            "env",
            "add",
            "aaa",
            "--admin",
            &me,
            "--recipient",
            &rb,
            "--recipient",
            &ra,
        ],
    );
    elsewhere(
        &kw,
        &mallory,
        &["-e", "aaa", "access", "grant", "--name", "Bob"],
    );
    elsewhere(
        &kw,
        &mallory,
        &["-e", "aaa", "access", "grant", &rb, "--name", "Mallory"],
    );
    elsewhere(
        &kw,
        &mallory,
        &["-e", "aaa", "access", "grant", &ra, "--name", "Anna"],
    );
    let files = || ["dev", "prod", "stage", "aaa"].map(|e| fs::read(kw.env_file(e)).unwrap());
    let before = files();

    kw.cmd(["access", "grant", "Bob", "-e", "stage"])
        .assert()
        .code(2)
        .stderr(contains("`Bob` names 2 different members"))
        .stderr(contains(format!("Bob ({}", short(&rb))).and(contains("in `dev`, `prod`")))
        .stderr(contains(format!("Bob ({}", short(&rm))).and(contains("in `aaa`")))
        .stderr(contains("give the recipient of the one you mean"))
        .stderr(contains(rb.as_str()).and(contains(rm.as_str())));
    kw.cmd(["offboard", "Mallory", "--reason", "left", "--yes"])
        .assert()
        .code(2)
        .stderr(contains("`Mallory` names 2 different members"));
    kw.cmd(["env", "add", "stage2", "--recipient", "Bob"])
        .assert()
        .code(2)
        .stderr(contains("`Bob` names 2 different members"));
    kw.cmd(["-e", "stage2", "list"]).assert().code(3);
    // One member under two labels is not named by either.
    kw.cmd(["access", "grant", "Ana", "-e", "stage"])
        .assert()
        .code(2)
        .stderr(contains("do not agree on who `Ana` is"))
        .stderr(contains("is `Ana` in `dev` but `Anna` in `aaa`"))
        .stderr(contains(ra.as_str()));
    assert_eq!(files(), before, "nothing changed");

    // By recipient it is clear; messages then name them by recipient alone, not by
    // the label one environment gives.
    let out = kw
        .cmd(["offboard", &rm, "--reason", "left", "--yes"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains(&short(&rm)), "{said}");
    assert!(
        !said.contains(&format!("Bob ({}", short(&rm)))
            && !said.contains(&format!("Mallory ({}", short(&rm))),
        "{said}"
    );
    for env in ["dev", "aaa"] {
        let list = kw.stdout(["access", "list", "-e", env]);
        assert!(!list.contains(&rm) && list.contains(&rb), "{env}: {list}");
    }
}

/// An environment this command reads for the first time (trusted on first use) does
/// not name anyone by itself while others are known here: its labels count once this
/// machine knows it (the first read said so, with its trust root).
#[test]
fn a_label_known_only_from_an_environment_new_here_is_not_used_at_first() {
    let (kw, _) = labelled_vault();
    let me = kw.my_recipient();
    let outsider = kw.write_identity("outsider.key");
    let stranger = kw.write_identity("stranger.key");
    let rs = kw.recipient_of(&stranger);
    elsewhere(
        &kw,
        &outsider,
        &["env", "add", "aaa", "--admin", &me, "--recipient", &rs],
    );
    elsewhere(
        &kw,
        &outsider,
        &["-e", "aaa", "access", "grant", &rs, "--name", "Carol"],
    );
    let prod = fs::read(kw.env_file("prod")).unwrap();
    kw.cmd(["access", "grant", "Carol", "-e", "prod"])
        .assert()
        .code(2)
        .stderr(contains(format!("`Carol` names Carol ({}", short(&rs))))
        .stderr(contains("only in `aaa`, new to this machine"))
        .stderr(contains("keyward access list -e aaa"))
        .stderr(contains(rs.as_str()));
    assert_eq!(fs::read(kw.env_file("prod")).unwrap(), prod);
    kw.cmd(["access", "grant", "Carol", "-e", "prod"])
        .assert()
        .success()
        .stderr(contains(format!("granted Carol ({}", short(&rs))));
}

/// A label read from a file is held to the rule a typed one is (`Alice (age1…)` would
/// show someone else's recipient beside the label): such a file is refused (exit 6),
/// as a stored key name that is not a name is, never shown as a member's label.
#[test]
fn a_stored_label_that_imitates_a_recipient_is_never_shown_nor_resolved() {
    // A signed file whose label could pass for another member (written by hand, or by
    // an earlier release that took it): the environment reads and is administered as
    // ever, the member shows as a bare recipient, and the label names nobody.
    let (kw, [(_, ra), (_, rb)]) = labelled_vault();
    let fake = format!("Bob ({}…{})", &rb[..10], &rb[rb.len() - 6..]);
    kw.edit_env("dev", |c| {
        c.execute(
            "UPDATE recipients SET label = ?1 WHERE recipient = ?2",
            [fake.as_str(), ra.as_str()],
        )
        .unwrap();
    });
    kw.forget_kept_rows("dev");
    let list = kw.cmd(["access", "list", "--json"]).assert().success();
    let shown = String::from_utf8_lossy(&list.get_output().stdout).into_owned();
    assert!(!shown.contains("…"), "{shown}");
    let list: serde_json::Value = serde_json::from_str(&shown).unwrap();
    let a = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["recipient"] == ra.as_str());
    assert_eq!(a.unwrap()["label"], serde_json::Value::Null);
    // `Bob` names the real Bob only, and the label can be replaced.
    kw.cmd(["access", "grant", "Bob", "-e", "prod"])
        .assert()
        .success()
        .stderr(contains(&rb[..10]));
    kw.cmd(["access", "grant", &ra, "--name", "Ann"])
        .assert()
        .success();
    kw.cmd(["access", "revoke", "Ann", "--yes"])
        .assert()
        .success();
}
