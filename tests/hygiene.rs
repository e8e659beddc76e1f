//! Secret hygiene across every command: a known secret never reaches stderr, a
//! command's argv, a plaintext file, or stdout of a command that is not asked for it.

use std::fs;

use crate::support::{Sandbox, contains};

const SECRET: &str = "hygiene-known-secret-0123456789";
const ROTATED: &str = "hygiene-rotated-secret-9876543210";

#[test]
fn a_known_secret_leaks_nowhere() {
    let kw = Sandbox::with_vault();
    kw.set("KNOWN", SECRET);
    let token = kw.generate("TOKEN");
    fs::create_dir_all(kw.path("tree")).unwrap();
    fs::write(kw.path("tree/leak.txt"), format!("oops {SECRET}\n")).unwrap();
    let other = kw.write_identity("other.key");
    let other_r = kw.recipient_of(&other);
    let me = kw.my_recipient();

    // (args, stdin, may stdout carry the secret?)
    let cases: Vec<(Vec<&str>, Option<&str>, bool)> = vec![
        (vec!["get", "KNOWN"], None, true),
        (vec!["get", "KNOWN", "--json"], None, true),
        (vec!["list"], None, false),
        (vec!["list", "--json", "--all-envs"], None, false),
        (vec!["show", "KNOWN"], None, false),
        (vec!["show", "KNOWN", "--json"], None, false),
        (vec!["verify"], Some(SECRET), false),
        (vec!["verify", "--json"], Some(SECRET), false),
        (vec!["export", "--format", "dotenv"], None, true),
        (vec!["export", "--format", "json"], None, true),
        (vec!["export", "--format", "shell"], None, true),
        (
            vec!["run", "--", "sh", "-c", "echo $KNOWN; echo $KNOWN >&2"],
            None,
            false,
        ),
        (vec!["check", "--unused-for", "1s"], None, false),
        (vec!["scan", "tree"], None, false),
        (vec!["scan", "tree", "--json"], None, false),
        (vec!["audit"], None, false),
        (vec!["audit", "export", "--format", "csv"], None, false),
        (vec!["audit", "verify"], None, false),
        (vec!["access", "list"], None, false),
        (vec!["access", "grant", &other_r], None, false),
        (vec!["env", "list"], None, false),
        (vec!["identity", "show"], None, false),
        (vec!["generate", "KNOWN"], None, false),
        (vec!["set", "KNOWN"], Some(SECRET), false),
        (vec!["rotate", "KNOWN"], Some(ROTATED), false),
        (vec!["get", "KNOWN", "--version", "1"], None, false),
        (
            vec!["offboard", &other_r, "--reason", "hygiene", "--dry-run"],
            None,
            false,
        ),
        (vec!["revoke", "KNOWN", "--reason", "hygiene"], None, false),
        (vec!["get", "KNOWN"], None, false),
        (vec!["access", "revoke", &me], None, false),
    ];
    for (args, stdin, may_print) in &cases {
        let mut c = kw.cmd(args);
        if let Some(input) = stdin {
            c.write_stdin(*input);
        }
        let out = c.output().unwrap();
        for s in [SECRET, ROTATED, token.as_str()] {
            assert!(
                !contains(&out.stderr, s.as_bytes()),
                "{args:?} put a secret on stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            if !*may_print {
                assert!(
                    !contains(&out.stdout, s.as_bytes()),
                    "{args:?} printed a secret"
                );
            }
        }
    }
    for s in [SECRET, ROTATED, token.as_str()] {
        for (path, bytes) in kw.plaintext_files() {
            if path.ends_with("tree/leak.txt") {
                continue; // planted on purpose
            }
            assert!(
                !contains(&bytes, s.as_bytes()),
                "secret in {}",
                path.display()
            );
        }
    }
}
