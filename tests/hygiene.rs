//! Secret hygiene across every command: a known secret never reaches stderr, the argv
//! of keyward or of the command `run` starts, a plaintext file, or stdout of a command
//! that is not asked for it. Every command must end with the exit code it is expected
//! to, so that none passes by failing before it touches the secret.

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

    // Under `run`, with redaction off: keyward's own argv ($PPID) and the child's.
    let argvs = "tr '\\0' ' ' < /proc/$PPID/cmdline; echo; tr '\\0' ' ' < /proc/$$/cmdline; echo";

    // (args, stdin, may stdout carry the secret?, expected exit code)
    let cases: Vec<(Vec<&str>, Option<&str>, bool, i32)> = vec![
        (vec!["get", "KNOWN"], None, true, 0),
        (vec!["get", "KNOWN", "--json"], None, true, 0),
        (vec!["get", "KNOWN", "--version", "1"], None, true, 0),
        (vec!["list"], None, false, 0),
        (vec!["list", "--json", "--all-envs"], None, false, 0),
        (vec!["show", "KNOWN"], None, false, 0),
        (vec!["show", "KNOWN", "--json"], None, false, 0),
        (vec!["verify"], Some(SECRET), false, 0),
        (vec!["verify", "--json"], Some(SECRET), false, 0),
        (vec!["export", "--format", "dotenv"], None, true, 0),
        (vec!["export", "--format", "json"], None, true, 0),
        (vec!["export", "--format", "shell"], None, true, 0),
        (
            vec!["run", "--", "sh", "-c", "echo $KNOWN; echo $KNOWN >&2"],
            None,
            false,
            0,
        ),
        (
            vec!["run", "--no-redact", "--", "sh", "-c", argvs],
            None,
            false,
            0,
        ),
        (vec!["check", "--unused-for", "1d"], None, false, 0),
        (vec!["scan", "tree"], None, false, 8),
        (vec!["scan", "tree", "--json"], None, false, 8),
        (vec!["audit"], None, false, 0),
        (vec!["audit", "export", "--format", "csv"], None, false, 0),
        (vec!["audit", "verify"], None, false, 0),
        (vec!["access", "list"], None, false, 0),
        (vec!["access", "grant", &other_r], None, false, 0),
        (vec!["env", "list"], None, false, 0),
        (vec!["identity", "show"], None, false, 0),
        (vec!["generate", "FRESH"], None, false, 0),
        (vec!["set", "ALSO_KNOWN"], Some(SECRET), false, 0),
        (vec!["rotate", "KNOWN"], Some(ROTATED), false, 0),
        (vec!["get", "KNOWN"], None, true, 0),
        (
            // exit 8: the imported keys need new values from their provider
            vec!["offboard", &other_r, "--reason", "hygiene", "--dry-run"],
            None,
            false,
            8,
        ),
        (vec!["access", "revoke", "--yes", &other_r], None, false, 0),
        (
            vec!["revoke", "--yes", "KNOWN", "--reason", "hygiene"],
            None,
            false,
            0,
        ),
        // refusals must not quote the value either
        (vec!["get", "KNOWN"], None, false, 4),
        (vec!["get", "KNOWN", "--version", "1"], None, false, 4),
        (vec!["set", "KNOWN"], Some(SECRET), false, 1),
    ];
    for (args, stdin, may_print, code) in &cases {
        let mut c = kw.cmd(args);
        if let Some(input) = stdin {
            c.write_stdin(*input);
        }
        let out = c.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(*code),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
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
        if args.contains(&argvs) {
            // proof that both argv were read
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(stdout.contains(" run --no-redact -- sh -c "), "{stdout}");
            assert!(stdout.lines().any(|l| l.starts_with("sh -c ")), "{stdout}");
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

#[test]
fn values_never_reach_plaintext_files() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    kw.set("S", "plain-imported-secret");
    kw.stdout(["get", "K"]);
    kw.stdout(["get", "S"]);
    kw.assert_nowhere_in_files(&v);
    kw.assert_nowhere_in_files("plain-imported-secret");
}
