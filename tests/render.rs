//! `keyward render TEMPLATE [-o FILE] [--force]` (DESIGN §11).

use std::fs;
use std::os::unix::fs::PermissionsExt;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{Sandbox, audit_keys};

/// Everything a naive template engine gets wrong: quotes, newlines, `{{`, `}}`, `$`,
/// backslashes, a placeholder-looking text.
const NASTY: &str = "it's \"q\" $HOME ${X} `t` \\n \\\\ {{ OTHER }} }}\nline 2\n";

fn sandbox() -> (Sandbox, String) {
    let kw = Sandbox::with_vault();
    kw.set("NASTY", NASTY);
    kw.set("OTHER", "other-value-1");
    let tok = kw.generate("TOK");
    (kw, tok)
}

#[test]
fn values_are_rendered_exactly_into_a_0600_file() {
    let (kw, tok) = sandbox();
    fs::write(
        kw.path("app.tmpl"),
        "a: {{ NASTY }}|\nb: {{TOK}} {{\tTOK }}\nlit: {{ \"{{\" }} not }} a placeholder\n",
    )
    .unwrap();
    // NASTY spans two lines: named, as a multi-line key must be.
    kw.cmd([
        "render",
        "app.tmpl",
        "-o",
        "app.conf",
        "--allow-multiline",
        "NASTY",
    ])
    .assert()
    .success()
    .stderr(contains("rendered 2 key(s)"));
    let out = kw.path("app.conf");
    assert_eq!(
        fs::read_to_string(&out).unwrap(),
        format!("a: {NASTY}|\nb: {tok} {tok}\nlit: {{{{ not }}}} a placeholder\n")
    );
    assert_eq!(
        fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // No temp file left beside it.
    let names: Vec<String> = fs::read_dir(kw.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("app.conf"))
        .collect();
    assert_eq!(names, ["app.conf"]);
    // Each key once in the journal (not OTHER, which appears only inside a value).
    assert_eq!(audit_keys(&kw, "render"), ["NASTY", "TOK"]);
    // To stdout by default, from stdin with `-`.
    let out = kw
        .cmd(["render", "-", "--allow-multiline", "NASTY"])
        .write_stdin("[{{ NASTY }}]")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), format!("[{NASTY}]"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("line 2"));
}

#[test]
fn an_unknown_or_revoked_key_names_the_line_and_writes_nothing() {
    let (kw, tok) = sandbox();
    fs::write(kw.path("t.tmpl"), "ok {{ TOK }}\nbad {{ NOPE }}\n").unwrap();
    let out = kw
        .cmd(["render", "t.tmpl", "-o", "out.conf"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("line 2, `{{ NOPE }}`"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!kw.path("out.conf").exists());
    // Nothing on stdout either, when that is the output.
    let out = kw.cmd(["render", "t.tmpl"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&tok));
    assert_eq!(audit_keys(&kw, "render"), Vec::<String>::new());

    kw.cmd(["revoke", "TOK", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    fs::write(kw.path("t.tmpl"), "\n\n{{ TOK }}\n").unwrap();
    kw.cmd(["render", "t.tmpl", "-o", "out.conf"])
        .assert()
        .code(4)
        .stderr(contains("line 3, `{{ TOK }}`"));
    assert!(!kw.path("out.conf").exists());
    // A malformed placeholder: exit 1, its line, nothing written.
    fs::write(kw.path("t.tmpl"), "a\n{{ .Values.key }}\n").unwrap();
    kw.cmd(["render", "t.tmpl", "-o", "out.conf"])
        .assert()
        .code(1)
        .stderr(contains("line 2: `{{ .Values.key }}` is not a key name"));
    assert!(!kw.path("out.conf").exists());
    kw.cmd(["render", "missing.tmpl"])
        .assert()
        .code(3)
        .stderr(contains("no file `missing.tmpl`"));
}

#[test]
fn an_existing_output_needs_force_and_a_symlink_is_always_refused() {
    let (kw, tok) = sandbox();
    fs::write(kw.path("t.tmpl"), "{{ TOK }}").unwrap();
    fs::write(kw.path("out.conf"), "keep me").unwrap();
    kw.cmd(["render", "t.tmpl", "-o", "out.conf"])
        .assert()
        .code(1)
        .stderr(contains("already exists"));
    assert_eq!(fs::read_to_string(kw.path("out.conf")).unwrap(), "keep me");
    kw.cmd(["render", "t.tmpl", "-o", "out.conf", "--force"])
        .assert()
        .success();
    assert_eq!(fs::read_to_string(kw.path("out.conf")).unwrap(), tok);
    assert_eq!(
        fs::metadata(kw.path("out.conf"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );

    let target = kw.path("target.conf");
    fs::write(&target, "target").unwrap();
    std::os::unix::fs::symlink(&target, kw.path("link.conf")).unwrap();
    for extra in [&[][..], &["--force"][..]] {
        let mut args = vec!["render", "t.tmpl", "-o", "link.conf"];
        args.extend_from_slice(extra);
        kw.cmd(args)
            .assert()
            .code(1)
            .stderr(contains("symbolic link"));
    }
    assert_eq!(fs::read_to_string(&target).unwrap(), "target");
    assert!(
        fs::symlink_metadata(kw.path("link.conf"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // Only the successful render journaled the key.
    assert_eq!(audit_keys(&kw, "render"), ["TOK"]);
    kw.cmd(["render", "t.tmpl", "--force"])
        .assert()
        .code(2)
        .stderr(contains(
            "the following required arguments were not provided:\n  --out <FILE>",
        ));
}

/// `-o` writes a file that has no name until it is complete: a render stopped midway —
/// Ctrl-C, a CI job's SIGTERM, `kill -9` — leaves nothing beside the output, where a
/// hidden temp file would keep every value it had rendered for good.
#[test]
fn a_render_killed_while_writing_leaves_no_file_behind() {
    let kw = Sandbox::with_vault();
    // ~64 KiB a placeholder, 2,000 of them: ~128 MB to write, long enough to be caught.
    let value = format!("big-{}", "v".repeat(60 * 1024));
    kw.set("BIG", &value);
    let template = kw.path("big.tmpl");
    fs::write(&template, "{{ BIG }}\n".repeat(2000)).unwrap();
    let out_dir = kw.path("out");
    fs::create_dir(&out_dir).unwrap();
    let out = out_dir.join("config.yaml");
    for signal in [libc::SIGKILL, libc::SIGTERM] {
        let mut child = kw
            .std_cmd([
                "render",
                template.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        // Once it holds a file in the output directory, it is writing there.
        let writing = || {
            fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|fds| {
                fds.flatten()
                    .any(|fd| fs::read_link(fd.path()).is_ok_and(|to| to.starts_with(&out_dir)))
            })
        };
        crate::support::wait_for("render to open its output", || {
            writing() || crate::support::process_gone(pid)
        });
        assert!(
            !crate::support::process_gone(pid),
            "finished before it was stopped"
        );
        unsafe { libc::kill(pid, signal) };
        let status = child.wait().unwrap();
        assert!(!status.success(), "{status:?}");
        let left: Vec<_> = fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "left behind: {left:?}");
        kw.assert_nowhere_in_files(&value);
    }
    // Uninterrupted, the same render writes the whole file, 0600.
    kw.cmd([
        "render",
        template.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ])
    .assert()
    .success();
    assert_eq!(fs::read(&out).unwrap().len(), (value.len() + 1) * 2000);
    assert_eq!(
        fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

/// A cloned repository can commit a link as a directory (`deploy -> ~/.ssh`): `render
/// -o deploy/authorized_keys` there would write into the link's target. A way to the
/// output through a link inside a git work tree is refused (nothing written); the real
/// directory, or a link outside any work tree (the machine's own), is written as usual.
#[test]
fn an_output_reached_through_a_link_inside_a_work_tree_is_refused() {
    let (kw, tok) = sandbox();
    let repo = kw.path("repo");
    fs::create_dir_all(&repo).unwrap();
    crate::support::git::git(&kw, &repo, &["init", "-q"]);
    let target = kw.path("dot-ssh");
    fs::create_dir(&target).unwrap();
    std::os::unix::fs::symlink(&target, repo.join("deploy")).unwrap();
    fs::write(kw.path("t.tmpl"), "{{ TOK }}\n").unwrap();
    let through = repo.join("deploy/authorized_keys");
    kw.cmd(["render", "t.tmpl", "-o", through.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(contains("goes through a symbolic link").and(contains("repo")));
    assert!(
        !target.join("authorized_keys").exists(),
        "written through the link"
    );
    // A `..` right after the link leaves into the directory the link points into.
    let after = repo.join("deploy/../escaped");
    kw.cmd(["render", "t.tmpl", "-o", after.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(contains("goes through a symbolic link"));
    assert!(
        !kw.path("escaped").exists(),
        "written through the link and `..`"
    );
    // A link to a directory that is a repository itself (a home kept in git).
    let home = kw.path("a-home");
    fs::create_dir_all(home.join(".ssh")).unwrap();
    crate::support::git::git(&kw, &home, &["init", "-q"]);
    std::os::unix::fs::symlink(&home, repo.join("home")).unwrap();
    let into_home = repo.join("home/.ssh/authorized_keys");
    kw.cmd(["render", "t.tmpl", "-o", into_home.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(contains("goes through a symbolic link"));
    assert!(
        !home.join(".ssh/authorized_keys").exists(),
        "written into the linked home"
    );
    // The real directory inside the work tree.
    fs::create_dir(repo.join("conf")).unwrap();
    kw.cmd([
        "render",
        "t.tmpl",
        "-o",
        repo.join("conf/app").to_str().unwrap(),
    ])
    .assert()
    .success();
    assert_eq!(
        fs::read_to_string(repo.join("conf/app")).unwrap(),
        format!("{tok}\n")
    );
    // A link outside any work tree is the machine's own layout.
    std::os::unix::fs::symlink(&target, kw.path("mine")).unwrap();
    kw.cmd([
        "render",
        "t.tmpl",
        "-o",
        kw.path("mine/out").to_str().unwrap(),
    ])
    .assert()
    .success();
    assert!(target.join("out").exists());
}

/// The output's size is counted from the values before it is built, and refused past
/// 256 MiB (exit 2): a template of one 64 KB value's placeholder repeated 400,000 times
/// (2.8 MB) asked for gigabytes in one buffer and aborted. Nothing is written.
#[test]
fn an_output_larger_than_render_writes_is_refused_before_it_is_built() {
    let kw = Sandbox::with_vault();
    kw.set("BIG", &"b".repeat(60_000));
    // 4,500 x 60,001 bytes: 270,004,500 bytes, just over 256 MiB.
    fs::write(kw.path("big.tmpl"), "{{BIG}}\n".repeat(4_500)).unwrap();
    let out = kw.path("out.conf");
    kw.cmd(["render"])
        .arg(kw.path("big.tmpl"))
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains(
            "big.tmpl` renders to 270004500 bytes, more than `render` writes (256 MiB); nothing was written",
        ));
    assert!(!out.exists());
    // Under the bound, the same template renders.
    fs::write(kw.path("ok.tmpl"), "{{BIG}}\n".repeat(1_000)).unwrap();
    kw.cmd(["render"])
        .arg(kw.path("ok.tmpl"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert_eq!(fs::metadata(&out).unwrap().len(), 60_001_000);
}
