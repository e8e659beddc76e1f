//! What `verifier export` and `verifier check` refuse before they write or answer: an
//! output inside the vault (it would replace the vault's own files), an HMAC key that
//! does not look random (it would give imported values away), and a set of another
//! environment than the one asked for.

use std::fs;

use crate::support::{HMAC_KEY, Sandbox, write_private};

fn outcome(
    mut c: impl std::borrow::BorrowMut<assert_cmd::Command>,
) -> (Option<i32>, String, String) {
    let out = c.borrow_mut().output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_output_inside_the_vault_is_refused_by_name_by_dots_and_through_a_link() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.cmd(["get", "K"]).assert().success(); // starts the access journal
    let env_before = fs::read(kw.env_file("dev")).unwrap();
    let journal = kw.journal_file("dev");
    let journal_before = fs::read(&journal).unwrap();
    std::os::unix::fs::symlink(kw.vault().join("envs"), kw.path("link")).unwrap();
    fs::create_dir(kw.path("sub")).unwrap();
    let vault_name = kw.vault().file_name().unwrap().to_str().unwrap().to_owned();
    for out in [
        kw.env_file("dev").display().to_string(),
        journal.display().to_string(),
        format!("sub/../{vault_name}/envs/dev.db.age"),
        "link/dev.db.age".to_owned(),
        "link/../journal/dev.db".to_owned(),
        "link/new.kwset".to_owned(),
    ] {
        let (code, _, err) =
            outcome(kw.cmd(["verifier", "export", "--format", "jsonl", "-o", &out]));
        assert_eq!(code, Some(2), "{out}: {err}");
        assert!(
            err.contains("inside the vault") && err.contains("hint: write it outside"),
            "{out}: {err}"
        );
    }
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), env_before);
    assert_eq!(fs::read(&journal).unwrap(), journal_before);
    assert!(!kw.vault().join("envs/new.kwset").exists());
    kw.cmd(["list"]).assert().success();
    // Outside the vault, the same export writes.
    kw.cmd([
        "verifier",
        "export",
        "--format",
        "jsonl",
        "-o",
        "sub/dev.jsonl",
    ])
    .assert()
    .success();
    assert!(kw.path("sub/dev.jsonl").exists());
}

#[test]
fn an_hmac_key_that_does_not_look_random_is_refused_with_how_to_make_one() {
    let kw = Sandbox::with_vault();
    kw.set("DB_PASSWORD", "hunter2");
    let counting: Vec<u8> = (0u8..32).collect();
    for (name, key, why) in [
        ("zero", vec![0u8; 32], "every byte is the same"),
        ("a", vec![b'a'; 33], "every byte is the same"),
        (
            "few",
            b"abcabcabcabcabcabcabcabcabcabcaX".to_vec(),
            "fewer than 8",
        ),
        ("pattern", b"hunter2!".repeat(4), "repeats a pattern"),
        ("counting", counting, "count up or down"),
    ] {
        write_private(kw.path(name), &key);
        let (code, _, err) = outcome(kw.cmd([
            "verifier",
            "export",
            "--hmac-key-file",
            name,
            "-o",
            "dev.kwset",
        ]));
        assert_eq!(code, Some(2), "{name}: {err}");
        assert!(
            err.contains("does not look random") && err.contains(why),
            "{name}: {err}"
        );
        assert!(err.contains("head -c 32 /dev/urandom"), "{name}: {err}");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(!kw.path("dev.kwset").exists(), "{name}: nothing written");
    }
    // Nothing was made by the refused exports: no verifier key yet.
    assert!(crate::support::no_verifier_key(&kw));
    // Random bytes, and their hex (as `openssl rand -hex 32` writes it), are taken.
    write_private(kw.path("hex.key"), format!("{}\n", hex::encode(HMAC_KEY)));
    kw.cmd([
        "verifier",
        "export",
        "--hmac-key-file",
        "hex.key",
        "-o",
        "hex.kwset",
    ])
    .assert()
    .success();
    kw.export_hmac_set();
    assert!(kw.path("hex.kwset").exists() && kw.path("dev.kwset").exists());
}

#[test]
fn check_with_an_environment_given_refuses_a_set_of_another_one() {
    let kw = Sandbox::with_vault();
    let value = kw.generate("TEST_KEY");
    kw.cmd(["verifier", "export", "-o", "dev.kwset"])
        .assert()
        .success();
    let check = |env: Option<(&str, &str)>| {
        let mut args = vec!["verifier", "check", "--set", "dev.kwset", "--json"];
        if let Some(("-e", e)) = env {
            args.splice(0..0, ["-e", e]);
        }
        let mut c = kw.cmd(args);
        if let Some(("KEYWARD_ENV", e)) = env {
            c.env("KEYWARD_ENV", e);
        }
        outcome(c.write_stdin(value.clone()))
    };
    for given in [Some(("-e", "prod")), Some(("KEYWARD_ENV", "prod"))] {
        let (code, out, err) = check(given);
        assert_eq!(code, Some(6), "{given:?}: {err}");
        assert!(
            err.contains("is the set of environment `dev`, not of `prod`")
                && err.contains("nothing was looked up"),
            "{err}"
        );
        assert!(!out.contains("valid"), "never answered: {out}");
        assert!(!err.contains(value.trim_end()));
    }
    // The set's own environment, or none given: answered.
    for given in [Some(("-e", "dev")), Some(("KEYWARD_ENV", "dev")), None] {
        let (code, out, err) = check(given);
        assert_eq!(code, Some(0), "{given:?}: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            (v["valid"].as_bool(), v["name"].as_str()),
            (Some(true), Some("TEST_KEY"))
        );
    }
}
