//! `import --from passage` (age files read natively), and what every source shares.

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use super::*;
use crate::support::peers::*;

#[test]
fn a_passage_store_is_read_natively_and_round_trips_with_go_age() {
    if !have(&["age"]) {
        return;
    }
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    let store = kw.path("passage-store");
    passage_entry(
        &kw,
        &store,
        "prod/github/token",
        b"ghp_prod_token_value\nscopes: repo\n",
        &me,
        false,
    );
    passage_entry(
        &kw,
        &store,
        "prod/db-url",
        b"postgres://u:p@db/prod-url\n",
        &me,
        true,
    );
    passage_entry(&kw, &store, "test/api", b"test-api-value-xyz", &me, false);
    let dir = store.to_str().unwrap();
    let out = kw
        .cmd(["import", "--from", "passage", dir, "--env-from-path"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = kw.identity.clone().unwrap();
    for (env, entry, name) in [
        ("prod", "prod/github/token", "GITHUB_TOKEN"),
        ("prod", "prod/db-url", "DB_URL"),
        ("test", "test/api", "API"),
    ] {
        let peer = age_decrypt(&kw, &store, entry, &id);
        let first = peer.split(|b| *b == b'\n').next().unwrap();
        assert_eq!(stored(&kw, env, name).as_bytes(), first, "{entry}");
    }
    let json = kw.json(["audit", "-e", "prod", "--json", "--action", "import"]);
    let json = json.to_string();
    assert!(
        json.contains(&format!("passage:{dir}/prod/github/token")),
        "{json}"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("ghp_prod_token_value"));
    kw.assert_nowhere_in_files("ghp_prod_token_value");
}

#[test]
fn a_passage_entry_not_for_the_identity_is_exit_5_and_stores_nothing() {
    if !have(&["age"]) {
        return;
    }
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("other.key");
    let store = kw.path("passage-store");
    passage_entry(
        &kw,
        &store,
        "a",
        b"mine-value-abc\n",
        &kw.my_recipient(),
        false,
    );
    passage_entry(
        &kw,
        &store,
        "b",
        b"theirs-value-def\n",
        &kw.recipient_of(&other),
        false,
    );
    fails(
        &kw,
        &["import", "--from", "passage", store.to_str().unwrap()],
        5,
        "passage entry `b` is not encrypted to the identity in use",
        &["mine-value-abc"],
    );
    assert!(names_in(&kw, "dev").is_empty());
}

#[test]
fn a_directory_with_no_entries_is_said_as_such() {
    let kw = Sandbox::with_vault();
    let dir = kw.path("empty-store");
    fs::create_dir_all(dir.join(".git")).unwrap();
    fs::write(dir.join(".age-recipients"), "x\n").unwrap();
    fails(
        &kw,
        &["import", "--from", "passage", dir.to_str().unwrap()],
        1,
        "holds no passage",
        &[],
    );
    fails(
        &kw,
        &["import", "--from", "passage", "no-such-dir"],
        3,
        "no file `no-such-dir`",
        &[],
    );
}

#[test]
fn flags_of_another_source_are_refused() {
    let kw = Sandbox::with_vault();
    fs::write(kw.path("a.env"), "A=1\n").unwrap();
    kw.cmd(["import", "a.env", "--format", "dotenv", "--from", "sops"])
        .assert()
        .code(2);
    kw.cmd(["import", "a.env"])
        .assert()
        .code(2)
        .stderr(contains("--format"));
    fails(
        &kw,
        &["import", "--from", "sops", "a.env", "--env-from-path"],
        2,
        "--env-from-path applies to",
        &[],
    );
    fails(
        &kw,
        &[
            "import",
            "--from",
            "passage",
            "a.env",
            "--input-type",
            "json",
        ],
        2,
        "--input-type applies to",
        &[],
    );
    assert!(names_in(&kw, "dev").is_empty());
}

#[test]
fn a_plain_import_names_its_file_in_each_event_and_dry_runs_too() {
    let kw = Sandbox::with_vault();
    fs::write(kw.path("in.env"), "A=alpha-value\nB=beta-value\n").unwrap();
    let plan = kw.stdout(["import", "in.env", "--format", "dotenv", "--dry-run"]);
    assert!(
        plan.contains("in.env: line 2") && !plan.contains("beta-value"),
        "{plan}"
    );
    assert!(names_in(&kw, "dev").is_empty());
    kw.cmd(["import", "in.env", "--format", "dotenv"])
        .assert()
        .success();
    let events = import_events(&kw, "dev");
    assert!(
        events.iter().all(|(_, r)| r == "dotenv:in.env"),
        "{events:?}"
    );
}

/// An entry that exists already is refused with the command that adds a new version
/// from the same entries: with `--env-from-path` and no `-e`, the hint gives no `-e`
/// either (it would keep one folder and leave the others out); with `-e`, it keeps it.
#[test]
fn the_overwrite_hint_of_an_env_from_path_import_selects_the_same_entries() {
    if !have(&["age"]) {
        return;
    }
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    let store = kw.path("passage-store");
    passage_entry(&kw, &store, "prod/api", b"prod-api-value-1", &me, false);
    passage_entry(&kw, &store, "dev/api", b"dev-api-value-2", &me, false);
    let dir = store.to_str().unwrap();
    let import = ["import", "--from", "passage", dir, "--env-from-path"];
    kw.cmd(import).assert().success();
    let err = fails(&kw, &import, 1, "already exists", &["prod-api-value-1"]);
    let hint = err.lines().find(|l| l.starts_with("hint: ")).unwrap();
    assert!(hint.contains("--env-from-path --overwrite`"), "{hint}");
    assert!(!hint.contains(" -e "), "{hint}");
    // The provider issued new values; the hint, run as given: both folders get them.
    passage_entry(&kw, &store, "prod/api", b"prod-api-value-3", &me, false);
    passage_entry(&kw, &store, "dev/api", b"dev-api-value-4", &me, false);
    let command = hint.split('`').nth(1).unwrap();
    let words = shlex::split(command).unwrap();
    assert_eq!(words[0], "keyward");
    kw.cmd(&words[1..]).assert().success();
    for env in ["prod", "dev"] {
        let show = kw.json(["show", "-e", env, "API", "--json"]);
        assert_eq!(
            show["versions"].as_array().unwrap().len(),
            2,
            "{env}: {show}"
        );
    }
    // With -e, the folder chosen stays chosen.
    let mut one = import.to_vec();
    one.extend(["-e", "prod"]);
    let err = fails(&kw, &one, 1, "already exists", &[]);
    assert!(
        err.contains("--env-from-path --overwrite -e prod`"),
        "{err}"
    );
}

/// An import across environments locks and checks every one before it commits any: a
/// writer holding `prod` meanwhile (exit 7) leaves `dev` unchanged too, and the same
/// command run again once it is free imports everything.
#[test]
fn an_import_across_environments_changes_none_while_one_is_busy() {
    if !have(&["age"]) {
        return;
    }
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    let store = kw.path("passage-store");
    for (entry, value) in [
        ("dev/a", "dev-value-0123456789"),
        ("prod/b", "prod-value-0123456789"),
        ("test/c", "test-value-0123456789"),
    ] {
        passage_entry(&kw, &store, entry, value.as_bytes(), &me, false);
    }
    let dir = store.to_str().unwrap();
    let import = ["import", "--from", "passage", dir, "--env-from-path"];
    let lock = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(kw.vault().join("envs/prod.lock"))
        .unwrap();
    lock.lock().unwrap();
    kw.cmd(import)
        .env("KEYWARD_LOCK_TIMEOUT", "0")
        .assert()
        .code(7)
        .stderr(contains("`prod`"))
        .stderr(contains("already changed").not());
    for env in ["dev", "prod", "test"] {
        assert!(names_in(&kw, env).is_empty(), "{env} changed");
    }
    drop(lock);
    kw.cmd(import).assert().success();
    for (env, name, value) in [
        ("dev", "A", "dev-value-0123456789"),
        ("prod", "B", "prod-value-0123456789"),
        ("test", "C", "test-value-0123456789"),
    ] {
        assert_eq!(stored(&kw, env, name), value);
    }
}

/// A store's links are followed as pass follows them when they stay inside the store
/// (an alias imports under its own name); one leading outside the store, or nowhere,
/// refuses the import and is named — never skipped in silence, never followed to a file
/// the store's authors chose from anywhere the identity can decrypt.
#[test]
fn links_inside_a_store_are_followed_and_links_out_of_it_refuse_the_import() {
    if !have(&["age"]) {
        return;
    }
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    let store = kw.path("store");
    passage_entry(
        &kw,
        &store,
        "regular",
        b"regular-value-0123456789",
        &me,
        false,
    );
    passage_entry(
        &kw,
        &store,
        "shared/db",
        b"shared-value-0123456789",
        &me,
        false,
    );
    passage_entry(
        &kw,
        &kw.path("elsewhere"),
        "private",
        b"private-value-0123456789",
        &me,
        false,
    );
    std::os::unix::fs::symlink("shared/db.age", store.join("alias.age")).unwrap();
    std::os::unix::fs::symlink("shared", store.join("team")).unwrap();
    std::os::unix::fs::symlink("../elsewhere/private.age", store.join("stolen.age")).unwrap();
    std::os::unix::fs::symlink("missing.age", store.join("dangling.age")).unwrap();
    let dir = store.to_str().unwrap();
    kw.cmd(["import", "--from", "passage", dir])
        .assert()
        .code(1)
        .stderr(contains("2 link(s) in the store"))
        .stderr(contains("`dangling.age`"))
        .stderr(contains("`stolen.age`"))
        .stderr(contains("private-value").not());
    assert!(names_in(&kw, "dev").is_empty());
    fs::remove_file(store.join("stolen.age")).unwrap();
    fs::remove_file(store.join("dangling.age")).unwrap();
    // A link back up the store (a loop) is not walked again.
    std::os::unix::fs::symlink("..", store.join("shared/up")).unwrap();
    kw.cmd(["import", "--from", "passage", dir])
        .assert()
        .success();
    for (name, value) in [
        ("REGULAR", "regular-value-0123456789"),
        ("SHARED_DB", "shared-value-0123456789"),
        ("ALIAS", "shared-value-0123456789"),
        ("TEAM_DB", "shared-value-0123456789"),
    ] {
        assert_eq!(stored(&kw, "dev", name), value, "{name}");
    }
    assert_eq!(names_in(&kw, "dev").len(), 4, "{:?}", names_in(&kw, "dev"));
}

/// Aliases of aliases multiply a walk: a store of a few dozen links could keep an
/// import (even `--dry-run`) busy for days. The walk stops past 10,000 folders.
#[test]
fn a_store_whose_links_multiply_the_walk_is_refused_not_walked_for_days() {
    let kw = Sandbox::with_vault();
    let store = kw.path("store");
    for level in 0..16 {
        let dir = store.join(format!("d{level}"));
        fs::create_dir_all(&dir).unwrap();
        for alias in ["a", "b"] {
            std::os::unix::fs::symlink(format!("../d{}", level + 1), dir.join(alias)).unwrap();
        }
    }
    fs::create_dir_all(store.join("d16")).unwrap();
    fs::write(store.join("d16/entry.age"), b"not read").unwrap();
    kw.cmd([
        "import",
        "--from",
        "passage",
        store.to_str().unwrap(),
        "--dry-run",
    ])
    .assert()
    .code(1)
    .stderr(contains("more than 10000 folders through its links"));
}

/// With `--env-from-path` each top folder is an environment: a link from `dev/` into
/// `prod/` would copy a prod value into dev, where a dev member reads it. Refused, however
/// the link is made (a file or a folder), and with `-e dev` too; an alias inside its own
/// folder is still followed, and `-e dev` never decrypts another folder's entries.
#[test]
fn an_alias_into_another_environments_folder_is_refused_with_env_from_path() {
    if !have(&["age"]) {
        return;
    }
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    let store = kw.path("store");
    let prod_value = b"prod-db-password-0123456789";
    passage_entry(&kw, &store, "prod/db-password", prod_value, &me, false);
    passage_entry(
        &kw,
        &store,
        "dev/api",
        b"dev-api-value-0123456789",
        &me,
        false,
    );
    let dir = store.to_str().unwrap();
    let import = |extra: &[&str]| {
        let mut args = vec!["import", "--from", "passage", dir, "--env-from-path"];
        args.extend_from_slice(extra);
        kw.cmd(args).assert()
    };
    for link in ["file", "folder"] {
        let made = match link {
            "file" => {
                let at = store.join("dev/db-password.age");
                std::os::unix::fs::symlink("../prod/db-password.age", &at).unwrap();
                at
            }
            _ => {
                let at = store.join("dev/shared");
                std::os::unix::fs::symlink("../prod", &at).unwrap();
                at
            }
        };
        for extra in [&[][..], &["-e", "dev"][..], &["--dry-run"][..]] {
            import(extra)
                .code(1)
                .stderr(contains("into another environment's folder"))
                .stderr(contains("`dev/"))
                .stderr(contains("prod-db-password").not());
        }
        assert!(names_in(&kw, "dev").is_empty(), "{link}");
        assert!(names_in(&kw, "prod").is_empty(), "{link}");
        fs::remove_file(made).unwrap();
    }
    // A copy of the prod entry's file, not a link: its recipients are prod's, and the
    // importer can decrypt it (a second review).
    fs::copy(
        store.join("prod/db-password.age"),
        store.join("dev/db-password.age"),
    )
    .unwrap();
    for extra in [&[][..], &["-e", "dev"][..]] {
        import(extra)
            .code(1)
            .stderr(contains(
                "the same ciphertext as an entry in another environment's folder",
            ))
            .stderr(contains("`dev/db-password` = `prod/db-password`"))
            .stderr(contains("prod-db-password").not());
    }
    assert!(names_in(&kw, "dev").is_empty());
    fs::remove_file(store.join("dev/db-password.age")).unwrap();
    // An alias inside its own folder is an alias.
    std::os::unix::fs::symlink("api.age", store.join("dev/api-alias.age")).unwrap();
    // `-e dev` leaves `prod/` out before decrypting it: an entry there that this identity
    // cannot open stops nothing.
    let other = kw.write_identity("other.key");
    passage_entry(
        &kw,
        &store,
        "prod/not-mine",
        b"not-mine-0123456789",
        &kw.recipient_of(&other),
        false,
    );
    import(&["-e", "dev"]).success();
    assert_eq!(stored(&kw, "dev", "API_ALIAS"), "dev-api-value-0123456789");
    assert_eq!(names_in(&kw, "dev").len(), 2, "{:?}", names_in(&kw, "dev"));
    assert!(names_in(&kw, "prod").is_empty());
}

/// A hundred entries and a hundred links to their folder are ten thousand entries to
/// decrypt: past 10,000 entries reached through links the import is refused while the
/// store is walked, before anything is decrypted.
#[test]
fn a_store_whose_links_multiply_its_entries_is_refused_before_decrypting() {
    let kw = Sandbox::with_vault();
    let store = kw.path("store");
    fs::create_dir_all(store.join("x")).unwrap();
    for i in 0..100 {
        fs::write(store.join(format!("x/e{i}.age")), b"not read").unwrap();
    }
    for i in 0..101 {
        std::os::unix::fs::symlink("x", store.join(format!("l{i}"))).unwrap();
    }
    kw.cmd([
        "import",
        "--from",
        "passage",
        store.to_str().unwrap(),
        "--dry-run",
    ])
    .assert()
    .code(1)
    .stderr(contains(
        "more than 10000 entries reached through its links",
    ));
}

/// A store of more entries than one import takes is refused before any is decrypted
/// (each is a decryption and a key: a hostile store of millions filled memory first).
#[test]
fn a_store_of_more_entries_than_one_import_takes_is_refused_before_decrypting() {
    let kw = Sandbox::with_vault();
    let store = kw.path("huge-store");
    fs::create_dir_all(&store).unwrap();
    for i in 0..=100_000 {
        fs::File::create(store.join(format!("k{i}.age"))).unwrap();
    }
    kw.cmd(["import", "--from", "passage", store.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(contains("holds more than 100000 keys"));
    assert!(kw.stdout(["list", "--json"]).contains("\"keys\": []"));
}
