//! The platform pages (docs/platforms/*.md) run as written: every `keyward …` line of
//! their `sh` and `yaml` blocks is run by `sh -c` in a sandbox whose vault holds the keys
//! the pages name, with the CI variables the pages set, and the programs they hand keys
//! to (docker, kubectl, ./deploy.sh, make, npm) replaced by recorders. Each page's
//! promises are then checked on what those programs got: the values, never a value on a
//! command line, the Secret that kubectl would create (the real kubectl, client-side,
//! where installed), `$GITHUB_ENV` as the runner reads it.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::support::peers::*;
use crate::support::*;

/// The keys the pages name, per environment.
const PROD: [(&str, &str); 5] = [
    ("STRIPE_KEY", "sk_live_docs_stripe_0001"),
    ("DB_URL", "postgres://app:docs-db-pass-0002@db/shop"),
    ("NPM_TOKEN", "npm_docs_token_prod_0003"),
    ("SENTRY_AUTH_TOKEN", "sntrys_docs_token_0004"),
    (
        "GCP_SA_JSON",
        r#"{"type":"service_account","private_key":"docs-sa-key-0005"}"#,
    ),
];
const DEV: [(&str, &str); 2] = [
    ("NPM_TOKEN", "npm_docs_token_dev_0006"),
    ("ANALYTICS_KEY", "dev-analytics-key-0007"),
];

fn every_value() -> Vec<&'static str> {
    PROD.iter().chain(DEV.iter()).map(|(_, v)| *v).collect()
}

/// A recorder: its arguments (one a line) and environment in `$FAKE_LOG/NAME.*`; docker
/// also copies what it would mount (`-v SRC:DST`), kubectl what it reads on stdin.
const RECORDER: &str = r#"#!/bin/sh
log="$FAKE_LOG/$(basename "$0")"
printf '%s\n' "$@" > "$log.argv"
env > "$log.env"
case "$(basename "$0")" in
docker)
  prev=
  for a in "$@"; do
    [ "$prev" = "-v" ] && cat "${a%%:*}" > "$log.mount"
    prev=$a
  done ;;
kubectl) cat > "$log.stdin" ;;
esac
"#;

struct Page {
    kw: Sandbox,
    log: PathBuf,
    _runtime: tempfile::TempDir,
}

impl Page {
    /// A sandbox for `docs/platforms/NAME.md`: the keys in `prod` and `dev`, recorders
    /// first on PATH, `keyward` the binary under test, a tmpfs runtime directory (for
    /// `run --file`), and the committed `.env.keyward` of docs/migrating.md.
    fn new() -> Page {
        let mut kw = Sandbox::with_vault();
        for (env, keys) in [("prod", &PROD[..]), ("dev", &DEV[..])] {
            for (name, value) in keys {
                kw.cmd(["set", "-e", env, name])
                    .write_stdin(*value)
                    .assert()
                    .success();
            }
        }
        let bin = kw.path("fake-bin");
        let log = kw.path("fake-log");
        fs::create_dir_all(&bin).unwrap();
        fs::create_dir_all(&log).unwrap();
        for tool in ["docker", "kubectl", "make", "npm"] {
            put_script(&bin.join(tool), RECORDER);
        }
        put_script(&kw.path("deploy.sh"), RECORDER);
        std::os::unix::fs::symlink(KW, bin.join("keyward")).unwrap();
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
        kw.set_env("PATH", &path);
        kw.set_env("FAKE_LOG", log.to_str().unwrap());
        let runtime = tempfile::Builder::new()
            .prefix("kw-docs")
            .tempdir_in("/dev/shm")
            .expect("/dev/shm (tmpfs) for `run --file`");
        fs::set_permissions(runtime.path(), fs::Permissions::from_mode(0o700)).unwrap();
        kw.set_env("XDG_RUNTIME_DIR", runtime.path().to_str().unwrap());
        fs::write(kw.path(".env.keyward"), env_keyward()).unwrap();
        Page {
            kw,
            log,
            _runtime: runtime,
        }
    }

    /// Run one snippet as the page shows it; it must succeed, and no value may reach
    /// keyward's stderr or any recorded command line. Returns stdout.
    fn run(&self, snippet: &str) -> String {
        for e in fs::read_dir(&self.log).unwrap().flatten() {
            fs::remove_file(e.path()).unwrap();
        }
        let out = self.kw.sh(snippet).output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        );
        assert!(out.status.success(), "`{snippet}` failed: {stderr}");
        for v in every_value() {
            assert!(
                !stderr.contains(v),
                "`{snippet}`: a value on stderr: {stderr}"
            );
            for tool in ["docker", "kubectl", "make", "npm", "deploy.sh"] {
                if let Some(argv) = self.recorded(tool, "argv") {
                    assert!(!argv.contains(v), "`{snippet}`: a value in {tool}'s argv");
                }
            }
        }
        stdout
    }

    /// What a recorder wrote (`argv`, `env`, `mount`, `stdin`), if it ran.
    fn recorded(&self, tool: &str, what: &str) -> Option<String> {
        fs::read_to_string(self.log.join(format!("{tool}.{what}"))).ok()
    }

    /// The environment a recorder ran with.
    fn env_of(&self, tool: &str) -> BTreeMap<String, String> {
        let text = self
            .recorded(tool, "env")
            .unwrap_or_else(|| panic!("{tool} did not run"));
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }
}

fn put_script(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn read_doc(rel: &str) -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// The fenced blocks of a page: (language, lines).
fn blocks(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut open: Option<(String, Vec<String>)> = None;
    for line in text.lines() {
        let t = line.trim();
        match (&mut open, t.strip_prefix("```")) {
            (None, Some(lang)) => open = Some((lang.to_owned(), Vec::new())),
            (Some(_), Some("")) => out.push(open.take().unwrap()),
            (Some((_, lines)), _) => lines.push(line.to_owned()),
            (None, None) => {}
        }
    }
    out
}

/// Every `keyward …` command line of a page's `sh` and `yaml` blocks (a YAML step's
/// `run:` or a script's `- ` item), as written.
fn snippets(rel: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (lang, lines) in blocks(&read_doc(rel)) {
        if lang != "sh" && lang != "yaml" {
            continue;
        }
        for line in lines {
            let t = line.trim();
            let t = t.strip_prefix("- ").unwrap_or(t);
            let t = t.strip_prefix("run: ").unwrap_or(t);
            if t.starts_with("keyward ") {
                out.push(t.to_owned());
            }
        }
    }
    assert!(!out.is_empty(), "{rel} shows no keyward command");
    out
}

/// The `.env.keyward` docs/migrating.md shows (its `text` block of `NAME=` lines).
fn env_keyward() -> String {
    let doc = read_doc("docs/migrating.md");
    let (_, lines) = blocks(&doc)
        .into_iter()
        .find(|(lang, lines)| lang == "text" && lines.iter().any(|l| l.contains("=kw://")))
        .expect("docs/migrating.md shows a .env.keyward");
    lines.join("\n") + "\n"
}

fn prod(name: &str) -> &'static str {
    PROD.iter().find(|(n, _)| *n == name).unwrap().1
}

/// A Secret kubectl was given: every field checked by the YAML reader of the subset
/// keyward writes and, where kubectl is installed, by `kubectl create --dry-run=client`.
fn check_secret(page: &Page, manifest: &str, names: &[&str]) {
    let fields = read_manifest(manifest);
    let data: BTreeMap<String, String> = fields
        .iter()
        .filter(|(p, _)| p[0] == "stringData")
        .map(|(p, v)| (p[1].clone(), v.clone()))
        .collect();
    let want: BTreeMap<String, String> = names
        .iter()
        .map(|n| (n.to_string(), prod(n).to_owned()))
        .collect();
    assert_eq!(data, want, "{manifest}");
    if let Some(obj) = kubectl_dry_run(&page.kw, manifest.as_bytes()) {
        assert_eq!(obj["kind"], "Secret");
        assert_eq!(obj["metadata"]["name"], "api-keys");
        for n in names {
            assert_eq!(obj["stringData"][n], prod(n), "kubectl: {n}");
        }
    }
}

#[test]
fn kubernetes_page() {
    let page = Page::new();
    let all: Vec<&str> = PROD.iter().map(|(n, _)| *n).collect();
    let snippets = snippets("docs/platforms/kubernetes.md");
    assert_eq!(snippets.len(), 3, "{snippets:?}");
    for s in &snippets {
        page.run(s);
        let argv = page.recorded("kubectl", "argv").expect("kubectl ran");
        assert!(argv.starts_with("apply\n"), "{argv}");
        let manifest = page.recorded("kubectl", "stdin").unwrap();
        let names: &[&str] = if s.contains("--only STRIPE_KEY,DB_URL") {
            &["STRIPE_KEY", "DB_URL"]
        } else {
            &all
        };
        check_secret(&page, &manifest, names);
    }
    // "What it writes": every line the page shows without a placeholder is in the
    // manifest keyward writes for those two keys.
    let written = page.kw.stdout([
        "export",
        "-e",
        "prod",
        "--format",
        "k8s-secret",
        "--name",
        "api-keys",
        "--namespace",
        "shop",
        "--only",
        "STRIPE_KEY,DB_URL",
    ]);
    let (_, shown) = blocks(&read_doc("docs/platforms/kubernetes.md"))
        .into_iter()
        .find(|(_, lines)| lines.iter().any(|l| l == "kind: Secret"))
        .expect("the page shows a manifest");
    for line in shown.iter().filter(|l| !l.contains('…')) {
        assert!(
            written.lines().any(|w| w == line),
            "`{line}` is not in:\n{written}"
        );
    }
    assert_eq!(shown.len(), written.lines().count(), "{written}");
}

#[test]
fn github_actions_page() {
    let mut page = Page::new();
    // A job's variables as the page sets them: the identity itself from a secret.
    let literal = page.kw.literal_identity();
    page.kw.set_env("KEYWARD_IDENTITY", &literal);
    let github_env = page.kw.path("runner/github_env");
    fs::create_dir_all(github_env.parent().unwrap()).unwrap();
    fs::write(&github_env, "").unwrap();
    page.kw.set_env("GITHUB_ENV", github_env.to_str().unwrap());
    let mut snippets = snippets("docs/platforms/github-actions.md");
    // README.md shows the github-env step too.
    snippets.extend(
        snippets_of_readme()
            .into_iter()
            .filter(|s| s.contains("github-env")),
    );
    assert_eq!(snippets.len(), 4, "{snippets:?}");
    for s in &snippets {
        fs::write(&github_env, "").unwrap();
        let stdout = page.run(s);
        if s.contains("--format github-env") {
            let only: Vec<&str> = s
                .split("--only ")
                .nth(1)
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap()
                .split(',')
                .collect();
            // The runner's grammar: NAME<<DELIM, the value, DELIM.
            let text = fs::read_to_string(&github_env).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 3 * only.len(), "{}", lines.len());
            for (i, name) in only.iter().enumerate() {
                let (n, delim) = lines[3 * i].split_once("<<").unwrap();
                assert_eq!(n, *name);
                assert_eq!(lines[3 * i + 1], prod(name));
                assert_eq!(lines[3 * i + 2], delim);
            }
            let masks: Vec<String> = only
                .iter()
                .map(|n| format!("::add-mask::{}", prod(n)))
                .collect();
            assert_eq!(stdout.lines().collect::<Vec<_>>(), masks);
        } else if s.contains("./deploy.sh") {
            let env = page.env_of("deploy.sh");
            for (name, value) in PROD {
                assert_eq!(env.get(name).map(String::as_str), Some(value), "{name}");
            }
        } else {
            assert!(s.contains("--env-file .env.keyward"), "untested: {s}");
            check_env_file_run(&page, "make");
        }
    }
}

/// `keyward run --env-file .env.keyward -- make …`: the references resolved, the plain
/// value passed through, nothing else of the environment's keys.
fn check_env_file_run(page: &Page, tool: &str) {
    let env = page.env_of(tool);
    assert_eq!(env["DB_URL"], prod("DB_URL"));
    assert_eq!(env["STRIPE_KEY"], prod("STRIPE_KEY"));
    assert_eq!(env["ANALYTICS_KEY"], "dev-analytics-key-0007");
    assert_eq!(env["LOG_LEVEL"], "info");
    assert!(!env.contains_key("NPM_TOKEN"), "only what the file names");
}

fn snippets_of_readme() -> Vec<String> {
    snippets("README.md")
}

#[test]
fn gitlab_ci_page() {
    let mut page = Page::new();
    let audit_log = page.kw.path("project/keyward-audit.jsonl");
    fs::create_dir_all(audit_log.parent().unwrap()).unwrap();
    page.kw
        .set_env("KEYWARD_AUDIT_LOG", audit_log.to_str().unwrap());
    let snippets = snippets("docs/platforms/gitlab-ci.md");
    assert_eq!(snippets.len(), 3, "{snippets:?}");
    for s in &snippets {
        page.run(s);
        if s.contains("./deploy.sh") {
            let env = page.env_of("deploy.sh");
            assert_eq!(env["STRIPE_KEY"], prod("STRIPE_KEY"));
            // The job's reads kept as an artifact.
            let log = fs::read_to_string(&audit_log).unwrap();
            assert!(
                log.lines()
                    .any(|l| l.contains("\"run\"") && l.contains("STRIPE_KEY")),
                "{log}"
            );
        } else if s.contains("k8s-secret") {
            let manifest = page.recorded("kubectl", "stdin").expect("kubectl ran");
            let all: Vec<&str> = PROD.iter().map(|(n, _)| *n).collect();
            check_secret(&page, &manifest, &all);
        } else {
            assert!(s.contains("--env-file .env.keyward"), "untested: {s}");
            check_env_file_run(&page, "make");
        }
    }
}

#[test]
fn docker_page() {
    let page = Page::new();
    let snippets = snippets("docs/platforms/docker.md");
    assert_eq!(snippets.len(), 4, "{snippets:?}");
    for s in &snippets {
        page.run(s);
        let argv = page.recorded("docker", "argv").expect("docker ran");
        let env = page.env_of("docker");
        if s.contains("--file GCP_SA_JSON") {
            // The key as a file the container mounts, gone when the command ends.
            assert_eq!(
                page.recorded("docker", "mount").as_deref(),
                Some(prod("GCP_SA_JSON"))
            );
            let path = env["GCP_SA_JSON_FILE"].clone();
            assert!(argv.contains(&format!("{path}:/run/secrets/sa.json:ro")));
            assert!(!Path::new(&path).exists(), "the key file outlived the run");
        } else if s.contains("docker build") {
            assert_eq!(env["NPM_TOKEN"], "npm_docs_token_dev_0006");
            assert!(argv.contains("id=npm,env=NPM_TOKEN"), "{argv}");
        } else {
            // `docker run -e NAME` and Compose: the values in docker's environment.
            assert_eq!(env["STRIPE_KEY"], prod("STRIPE_KEY"));
            assert_eq!(env["DB_URL"], prod("DB_URL"));
            assert!(!env.contains_key("NPM_TOKEN"), "--only");
        }
    }
}
