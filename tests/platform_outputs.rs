//! `export --format k8s-secret` and `--format github-env` (DESIGN §17): the manifest read
//! back (by kubectl where it is installed, and by a reader of the YAML subset keyward
//! writes), `$GITHUB_ENV` read back by the runner's grammar, and every refusal before
//! anything is journaled.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use base64::Engine;

use crate::support::peers::*;
use crate::support::*;

/// Values that break naive YAML and naive heredocs.
fn tricky_vault() -> (Sandbox, Vec<(&'static str, Vec<u8>)>) {
    let kw = Sandbox::with_vault();
    let values: Vec<(&str, Vec<u8>)> = vec![
        ("PLAIN", b"sk_live_plain_value".to_vec()),
        ("TRICKY", TRICKY.as_bytes().to_vec()),
        (
            "YAMLISH",
            b"key: value # not a comment\n- item\n---\n\"q\" 'q' {a: b} [c] &anchor *ref !tag |"
                .to_vec(),
        ),
        ("ON", b"yes".to_vec()),
        (
            "UNICODE",
            "é ü 漢字 😀 \u{2028}line-sep \u{feff}bom \u{85}nel"
                .as_bytes()
                .to_vec(),
        ),
        ("CONTROL", b"bell\x07 esc\x1b del\x7f cr\r".to_vec()),
        ("BINARY", b"\xff\xfe not utf-8 \x80".to_vec()),
    ];
    for (name, value) in &values {
        kw.cmd(["set", name])
            .write_stdin(value.clone())
            .assert()
            .success();
    }
    (kw, values)
}

/// The keys `export` journaled, over all its events (one per command).
fn exported_keys(kw: &Sandbox) -> usize {
    kw.json(["audit", "--json", "--action", "export"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| event_keys(e).len())
        .sum()
}

#[test]
fn a_k8s_secret_carries_every_value_exactly() {
    let (kw, values) = tricky_vault();
    let out = kw
        .cmd([
            "export",
            "--format",
            "k8s-secret",
            "--name",
            "api-keys",
            "--namespace",
            "shop",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout.clone()).expect("the manifest is UTF-8");
    let fields = read_manifest(&text);
    let field = |path: &[&str]| {
        fields
            .iter()
            .find(|(p, _)| p.iter().map(String::as_str).eq(path.iter().copied()))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {path:?} in:\n{text}"))
    };
    assert_eq!(field(&["apiVersion"]), "v1");
    assert_eq!(field(&["kind"]), "Secret");
    assert_eq!(field(&["metadata", "name"]), "api-keys");
    assert_eq!(field(&["metadata", "namespace"]), "shop");
    for (name, value) in &values {
        match std::str::from_utf8(value) {
            Ok(s) => assert_eq!(field(&["stringData", name]), s, "{name}"),
            Err(_) => {
                let b64 = field(&["data", name]);
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap();
                assert_eq!(&decoded, value, "{name}");
            }
        }
    }
    assert_eq!(
        fields
            .iter()
            .filter(|(p, _)| p[0] == "stringData" || p[0] == "data")
            .count(),
        values.len()
    );
    // kubectl, where installed, reads it as the API server would be sent it.
    if let Some(obj) = kubectl_dry_run(&kw, &out.stdout) {
        assert_eq!(obj["kind"], "Secret");
        assert_eq!(obj["metadata"]["name"], "api-keys");
        assert_eq!(obj["metadata"]["namespace"], "shop");
        for (name, value) in &values {
            match std::str::from_utf8(value) {
                Ok(s) => assert_eq!(obj["stringData"][name], s, "kubectl: {name}"),
                Err(_) => {
                    let b64 = obj["data"][name].as_str().unwrap();
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .unwrap();
                    assert_eq!(&decoded, value, "kubectl: {name}");
                }
            }
        }
    }
    assert_eq!(exported_keys(&kw), values.len());
}

#[test]
fn a_k8s_secret_written_with_o_is_0600_and_never_replaces_a_file_silently() {
    let (kw, _) = tricky_vault();
    kw.cmd([
        "export",
        "--format",
        "k8s-secret",
        "--name",
        "s",
        "--only",
        "PLAIN",
        "-o",
        "secret.yaml",
    ])
    .assert()
    .success();
    let path = kw.path("secret.yaml");
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(
        fs::read_to_string(&path)
            .unwrap()
            .contains("\"PLAIN\": \"sk_live_plain_value\"")
    );
    let (code, _, err) = outcome(&mut kw.cmd([
        "export",
        "--format",
        "k8s-secret",
        "--name",
        "s",
        "--only",
        "PLAIN",
        "-o",
        "secret.yaml",
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    kw.cmd([
        "export",
        "--format",
        "k8s-secret",
        "--name",
        "s",
        "--only",
        "TRICKY",
        "-o",
        "secret.yaml",
        "--force",
    ])
    .assert()
    .success();
    assert!(
        !fs::read_to_string(&path)
            .unwrap()
            .contains("sk_live_plain_value")
    );
}

#[test]
fn bad_kubernetes_names_and_a_missing_name_are_usage_errors_before_any_read() {
    let (kw, _) = tricky_vault();
    for (args, want) in [
        (
            &["--name", "Api_Keys"][..],
            "invalid Kubernetes name `Api_Keys`",
        ),
        (
            &["--name", "ok", "--namespace", "a.b"],
            "invalid Kubernetes namespace `a.b`",
        ),
        (&[], "--format k8s-secret needs --name NAME"),
    ] {
        let mut full = vec!["export", "--format", "k8s-secret"];
        full.extend_from_slice(args);
        let (code, out, err) = outcome(&mut kw.cmd(&full));
        assert_eq!(code, 2, "{full:?}: {err}");
        assert!(err.contains(want), "{err}");
        assert!(out.is_empty());
    }
    let (code, _, err) = outcome(&mut kw.cmd(["export", "--format", "dotenv", "--name", "x"]));
    assert_eq!(code, 2, "{err}");
    assert_eq!(exported_keys(&kw), 0);
}

/// `$GITHUB_ENV` read as the runner reads it: `NAME=value` lines, and `NAME<<DELIM`
/// blocks whose value is every line up to the first line equal to DELIM.
fn read_github_env(text: &[u8]) -> Vec<(String, Vec<u8>, String)> {
    let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
    assert_eq!(
        lines.last(),
        Some(&&b""[..]),
        "the file ends with a line break"
    );
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < lines.len() {
        let line = std::str::from_utf8(lines[i]).unwrap();
        let (name, delim) = line
            .split_once("<<")
            .unwrap_or_else(|| panic!("not a block: {line}"));
        let mut value: Vec<u8> = Vec::new();
        i += 1;
        let mut first = true;
        loop {
            assert!(i < lines.len() - 1, "block `{name}` never ends");
            if lines[i] == delim.as_bytes() {
                break;
            }
            if !first {
                value.push(b'\n');
            }
            value.extend_from_slice(lines[i]);
            first = false;
            i += 1;
        }
        out.push((name.to_owned(), value, delim.to_owned()));
        i += 1;
    }
    out
}

#[test]
fn github_env_appends_blocks_no_value_line_can_end_early_and_masks_every_line() {
    let (kw, mut values) = tricky_vault();
    // Text only: the runner reads the file as UTF-8 (a binary key is refused, below).
    values.retain(|(n, _)| *n != "ON" && *n != "BINARY");
    // Lines that would end a block written with a fixed delimiter.
    let enders = b"first\nEOF\nKEYWARD_EOF\nghadelimiter\nlast".to_vec();
    kw.cmd(["set", "ENDERS"])
        .write_stdin(enders.clone())
        .assert()
        .success();
    values.push(("ENDERS", enders));
    let env_file = kw.path("github_env");
    fs::write(&env_file, "EARLIER=kept\n").unwrap();
    let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
    let only = names.join(",");
    let mut cmd = kw.cmd(["export", "--format", "github-env", "--only", &only]);
    cmd.env("GITHUB_ENV", &env_file);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = fs::read(&env_file).unwrap();
    assert!(
        text.starts_with(b"EARLIER=kept\n"),
        "appended, not replaced"
    );
    let blocks = read_github_env(&text[b"EARLIER=kept\n".len()..]);
    assert_eq!(blocks.len(), values.len());
    for ((name, value), (got_name, got, delim)) in values.iter().zip(&blocks) {
        assert_eq!(name, got_name);
        // Values ending in CR lose nothing but what the runner drops itself.
        assert_eq!(got, value, "{name}");
        assert!(
            !contains(value, delim.as_bytes()),
            "{name}: the delimiter occurs in the value"
        );
        assert!(delim.len() >= 32, "a random delimiter: {delim}");
    }
    // One ::add-mask:: per value line, before anything else on stdout.
    let stdout = out.stdout;
    let masks: Vec<&[u8]> = stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert!(
        masks.iter().all(|l| l.starts_with(b"::add-mask::")),
        "{}",
        String::from_utf8_lossy(&stdout)
    );
    for (name, value) in &values {
        for line in value.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let mut want = b"::add-mask::".to_vec();
            for &b in line {
                match b {
                    b'%' => want.extend_from_slice(b"%25"),
                    b'\r' => want.extend_from_slice(b"%0D"),
                    b => want.push(b),
                }
            }
            assert!(masks.contains(&&want[..]), "{name}: no mask for a line");
        }
    }
    // A second export picks another delimiter.
    let mut again = kw.cmd([
        "export",
        "--format",
        "github-env",
        "--only",
        "PLAIN",
        "-o",
        "second",
    ]);
    again.assert().success();
    let second = read_github_env(&fs::read(kw.path("second")).unwrap());
    assert_ne!(second[0].2, blocks[0].2);
    assert_eq!(
        fs::metadata(kw.path("second"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
}

#[test]
fn github_env_without_github_env_or_o_is_a_usage_error_before_any_read() {
    let (kw, _) = tricky_vault();
    let (code, out, err) = outcome(&mut kw.cmd(["export", "--format", "github-env"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("GITHUB_ENV") && err.contains("-o FILE"),
        "{err}"
    );
    assert!(out.is_empty(), "no mask printed: {out}");
    assert_eq!(exported_keys(&kw), 0);
}

#[test]
fn github_env_refuses_a_symbolic_link() {
    let (kw, _) = tricky_vault();
    fs::write(kw.path("target"), "").unwrap();
    std::os::unix::fs::symlink(kw.path("target"), kw.path("link")).unwrap();
    let mut cmd = kw.cmd(["export", "--format", "github-env", "--only", "PLAIN"]);
    cmd.env("GITHUB_ENV", kw.path("link"));
    let (code, out, err) = outcome(&mut cmd);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert!(out.is_empty());
    assert_eq!(fs::read(kw.path("target")).unwrap(), b"");
    assert_eq!(exported_keys(&kw), 0);
}

/// A FIFO, a device or a directory named by `GITHUB_ENV` (or `-o`) is refused at once,
/// before anything is journaled: a FIFO with no reader used to hold the export forever,
/// one with a reader got the values.
#[test]
fn github_env_refuses_what_is_not_a_regular_file_without_waiting() {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let (kw, _) = tricky_vault();
    let fifo = kw.path("fifo");
    crate::support::mkfifo(&fifo);
    fs::create_dir(kw.path("dir")).unwrap();
    // With a reader first (an open that would not wait), then with none, then others.
    let mut reader = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let with_reader = fifo.to_str().unwrap().to_owned();
    for target in [
        with_reader.as_str(),
        "/dev/null",
        kw.path("dir").to_str().unwrap(),
    ] {
        let mut cmd = kw.cmd(["export", "--format", "github-env", "--only", "PLAIN"]);
        cmd.env("GITHUB_ENV", target);
        let (code, out, err) = outcome(&mut cmd);
        assert_eq!(code, 1, "{target}: {err}");
        assert!(err.contains("it is not a regular file"), "{target}: {err}");
        assert!(out.is_empty(), "{target}: {out}");
    }
    let mut got = Vec::new();
    let _ = reader.read_to_end(&mut got);
    assert!(got.is_empty(), "the FIFO's reader got {got:?}");
    drop(reader);
    let fifo_arg = fifo.to_str().unwrap();
    let (code, _, err) = outcome(&mut kw.cmd([
        "export",
        "--format",
        "github-env",
        "--only",
        "PLAIN",
        "-o",
        fifo_arg,
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("it is not a regular file"), "{err}");
    assert_eq!(exported_keys(&kw), 0);
}

#[test]
fn github_env_refuses_a_value_the_runner_would_change_and_stdout_as_the_file() {
    let (kw, _) = tricky_vault();
    let env_file = kw.path("github_env");
    fs::write(&env_file, "EARLIER=kept\n").unwrap();
    let mut cmd = kw.cmd(["export", "--format", "github-env", "--only", "PLAIN,BINARY"]);
    cmd.env("GITHUB_ENV", &env_file);
    let (code, out, err) = outcome(&mut cmd);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the value of `BINARY` is not UTF-8") && err.contains("--only"),
        "{err}"
    );
    assert!(out.is_empty(), "no mask printed: {out}");
    assert_eq!(fs::read(&env_file).unwrap(), b"EARLIER=kept\n");
    assert_eq!(exported_keys(&kw), 0);
    // `-o -` would be stdout, where the masks go: a usage error, before any read.
    let (code, out, err) = outcome(&mut kw.cmd([
        "export",
        "--format",
        "github-env",
        "--only",
        "PLAIN",
        "-o",
        "-",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("-o FILE"), "{err}");
    assert!(out.is_empty());
    assert!(!kw.path("-").exists());
    assert_eq!(exported_keys(&kw), 0);
}

/// A hostile review: `$GITHUB_ENV` whose last line has no line break (an earlier step's
/// `printf 'FOO=bar' >> $GITHUB_ENV`) took the block's first line into its own, and the
/// runner read the value's lines as commands; a write that failed (a full disk) left half
/// a block. Now the block starts on a line of its own, and a failed append is cut back.
#[test]
fn github_env_starts_its_block_on_a_new_line_and_a_failed_append_leaves_the_file_as_it_was() {
    let kw = Sandbox::with_vault();
    kw.set("A", "LD_PRELOAD=/tmp/evil.so\nsecond");
    let env_file = kw.path("github_env");
    fs::write(&env_file, "FOO=bar").unwrap();
    let mut cmd = kw.cmd(["export", "--format", "github-env", "--only", "A"]);
    cmd.env("GITHUB_ENV", &env_file);
    cmd.assert().success();
    let text = fs::read(&env_file).unwrap();
    assert!(
        text.starts_with(b"FOO=bar\nA<<"),
        "{}",
        String::from_utf8_lossy(&text)
    );
    let blocks = read_github_env(&text[b"FOO=bar\n".len()..]);
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].1, b"LD_PRELOAD=/tmp/evil.so\nsecond");

    // A file size limit stands in for a full disk: the write fails part way (EFBIG, with
    // SIGXFSZ ignored as the shell leaves it), and the file is cut back.
    kw.set("BIG", &"x".repeat(60_000));
    // Near the limit (200 KiB, bash's 1024-byte blocks), so that only this append
    // crosses it, not the journal's.
    let mut filler = fs::read(&env_file).unwrap();
    while filler.len() < 180_000 {
        filler.extend_from_slice(b"FILLER=line\n");
    }
    fs::write(&env_file, &filler).unwrap();
    let before = fs::read(&env_file).unwrap();
    let base = kw.std_cmd(["export"]);
    let mut sh = std::process::Command::new("bash");
    sh.args([
        "-c",
        "trap '' XFSZ; ulimit -f 200; exec \"$0\" export --format github-env --only BIG",
        env!("CARGO_BIN_EXE_keyward"),
    ]);
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => sh.env(k, v),
            None => sh.env_remove(k),
        };
    }
    let status = sh.env("GITHUB_ENV", &env_file).output().unwrap();
    let err = String::from_utf8_lossy(&status.stderr);
    assert_eq!(status.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot append to"), "{err}");
    assert_eq!(
        fs::read(&env_file).unwrap(),
        before,
        "half a block was left"
    );
}
