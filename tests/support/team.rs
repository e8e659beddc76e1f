//! A team sharing a vault through git: a bare repository and clones with their own
//! identities, state (pins) and clocks. Used by the merge, history and offboarding
//! tests.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::git::{git, git_cmd};
use crate::support::{MINUTE, Sandbox, T0, contains};

/// One clone: its work tree, identity and state directory (its own pins).
pub struct Member {
    pub dir: PathBuf,
    pub identity: PathBuf,
    pub recipient: String,
    pub state: PathBuf,
}

/// A team sharing a vault through a bare repository.
pub struct Team {
    pub kw: Sandbox,
    pub origin: PathBuf,
    pub members: Vec<Member>,
    /// Every command runs one minute after the one before (the keyward clock).
    pub clock: Cell<i64>,
}

impl Team {
    /// `names` clones; the first creates the vault encrypted to everyone in `names`
    /// and `extra` recipients, and pushes it; the others clone it and run `git setup`.
    pub fn new(names: &[&str], extra: &[&str]) -> Team {
        let kw = Sandbox::new();
        let root = kw.dir.path().to_path_buf();
        let origin = root.join("origin.git");
        let mut members = Vec::new();
        for n in names {
            let identity = kw.write_identity(&format!("{n}.key"));
            members.push(Member {
                dir: root.join(n),
                recipient: kw.recipient_of(&identity),
                identity,
                state: root.join(format!("state-{n}")),
            });
        }
        let team = Team {
            kw,
            origin,
            members,
            clock: Cell::new(T0),
        };
        team.plain_git(&root, &["init", "-q", "--bare", "-b", "main", "origin.git"]);
        let mut init = vec!["init".to_owned()];
        // Every member an admin from the start (DESIGN §15), by their member card; the
        // extra recipients are plain writers.
        for m in &team.members[1..] {
            let card = team
                .kw
                .stdout(["-i", m.identity.to_str().unwrap(), "identity", "show"]);
            init.push("--admin".into());
            init.push(card.trim().to_owned());
        }
        for n in extra {
            let id = team.kw.write_identity(&format!("{n}.key"));
            init.push("--recipient".into());
            init.push(team.kw.recipient_of(&id));
        }
        for (i, m) in team.members.iter().enumerate() {
            team.plain_git(
                &root,
                &["clone", "-q", "origin.git", m.dir.to_str().unwrap()],
            );
            team.git(i, &["config", "user.name", names[i]]);
            team.git(
                i,
                &["config", "user.email", &format!("{}@example.org", names[i])],
            );
            if i == 0 {
                team.kw(0, &init).assert().success();
                team.git(0, &["add", "-A"]);
                team.git(0, &["commit", "-q", "-m", "vault"]);
                team.git(0, &["push", "-q", "origin", "main"]);
            } else {
                team.kw(i, &["git", "setup"]).assert().success();
            }
        }
        team
    }

    /// Another machine of member `of`: a fresh clone of origin with `of`'s identity and
    /// a state directory of its own (no pins: a CI runner). Its index.
    pub fn fresh_machine(&mut self, of: usize, name: &str) -> usize {
        let root = self.kw.dir.path().to_path_buf();
        let dir = root.join(name);
        let m = Member {
            dir: dir.clone(),
            identity: self.members[of].identity.clone(),
            recipient: self.members[of].recipient.clone(),
            state: root.join(format!("state-{name}")),
        };
        self.plain_git(&root, &["clone", "-q", "origin.git", dir.to_str().unwrap()]);
        self.members.push(m);
        let i = self.members.len() - 1;
        self.git(i, &["config", "user.name", name]);
        self.git(i, &["config", "user.email", &format!("{name}@example.org")]);
        self.kw(i, &["git", "setup"]).assert().success();
        i
    }

    /// The recipient of an extra identity made by `new`.
    pub fn extra_recipient(&self, name: &str) -> String {
        self.kw.recipient_of(&self.kw.path(&format!("{name}.key")))
    }

    pub fn tick(&self) -> String {
        self.clock.set(self.clock.get() + MINUTE);
        self.clock.get().to_string()
    }

    /// `keyward ARGS` as member `m`.
    pub fn kw<S: AsRef<std::ffi::OsStr>>(&self, m: usize, args: &[S]) -> assert_cmd::Command {
        let mut c = self.kw.std_cmd(args);
        self.as_member(m, &mut c);
        assert_cmd::Command::from_std(c)
    }

    /// `keyward ARGS` as member `m` with a terminal as stdin, answering `answer` to its
    /// `[y/N]` question (see `pty::answer_command_on_terminal`).
    pub fn answer_on_terminal(
        &self,
        m: usize,
        args: &[&str],
        answer: &str,
    ) -> crate::support::pty::Run {
        let mut c = self.kw.std_cmd(args);
        self.as_member(m, &mut c);
        crate::support::pty::answer_command_on_terminal(c, answer, || {})
    }

    pub fn out<S: AsRef<std::ffi::OsStr>>(&self, m: usize, args: &[S]) -> String {
        let out = self.kw(m, args).output().unwrap();
        assert!(
            out.status.success(),
            "keyward {:?} as member {m} failed: {}",
            args.iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned())
                .collect::<Vec<_>>(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn as_member(&self, m: usize, c: &mut std::process::Command) {
        let member = &self.members[m];
        c.env("KEYWARD_IDENTITY", &member.identity)
            .env("XDG_STATE_HOME", &member.state)
            .env("KEYWARD_VAULT", member.dir.join("vault"))
            .env("KEYWARD_TEST_NOW", self.tick())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_PAGER", "cat")
            .current_dir(&member.dir);
    }

    /// `git ARGS` in member `m`'s clone, as that member (the merge driver git runs
    /// is keyward with the member's identity and pins).
    pub fn git_out(&self, m: usize, args: &[&str]) -> Output {
        self.git_out_with(m, args, &[])
    }

    /// [`Team::git_out`] with more variables in git's (and so the merge driver's)
    /// environment.
    pub fn git_out_with(&self, m: usize, args: &[&str], vars: &[(&str, &str)]) -> Output {
        let mut c = git_cmd(&self.kw, &self.members[m].dir, args);
        self.as_member(m, &mut c);
        c.envs(vars.iter().copied()).output().unwrap()
    }

    pub fn git(&self, m: usize, args: &[&str]) -> String {
        let out = self.git_out(m, args);
        assert!(
            out.status.success(),
            "git {args:?} in member {m} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn plain_git(&self, dir: &Path, args: &[&str]) {
        git(&self.kw, dir, args);
    }

    /// Commit whatever changed, pull (merging) and push. The pull must merge cleanly.
    pub fn sync(&self, m: usize, what: &str) {
        self.git(m, &["add", "-A"]);
        if !self.git(m, &["status", "--porcelain"]).trim().is_empty() {
            self.git(m, &["commit", "-q", "-m", what]);
        }
        let pull = self.git_out(m, &["pull", "-q", "--no-rebase", "origin", "main"]);
        assert!(
            pull.status.success(),
            "member {m}'s pull did not merge: {}{}",
            String::from_utf8_lossy(&pull.stdout),
            String::from_utf8_lossy(&pull.stderr)
        );
        self.git(m, &["push", "-q", "origin", "main"]);
    }

    pub fn env_file(&self, m: usize, env: &str) -> PathBuf {
        self.members[m].dir.join(format!("vault/envs/{env}.db.age"))
    }

    /// Every lifecycle event hash of `env` as member `m` sees it.
    pub fn hashes(&self, m: usize, env: &str) -> BTreeSet<String> {
        self.out(m, &["audit", "export", "-e", env, "--format", "jsonl"])
            .lines()
            .filter_map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (v["chain"] == "lifecycle").then(|| v["hash"].as_str().unwrap().to_owned())
            })
            .collect()
    }

    /// The lifecycle head of `env` as member `m` sees it.
    pub fn head(&self, m: usize, env: &str) -> String {
        let v: serde_json::Value =
            serde_json::from_str(&self.out(m, &["audit", "verify", "-e", env, "--json"])).unwrap();
        v.as_array()
            .or_else(|| v["chains"].as_array())
            .unwrap()
            .iter()
            .find(|c| c["chain"] == "lifecycle")
            .map(|c| c["head"].as_str().unwrap().to_owned())
            .unwrap()
    }

    /// `show NAME --json` as member `m`.
    pub fn show(&self, m: usize, env: &str, name: &str) -> serde_json::Value {
        serde_json::from_str(&self.out(m, &["show", "-e", env, name, "--json"])).unwrap()
    }
}

/// Write `bytes` to `dir/name` (a version of an env file handed to the driver); its path.
pub fn put_file(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_owned()
}

/// `value` in no file under `dir` (git objects are zlib-compressed: an object holding a
/// plaintext value would be found by `git grep`/inflating; env files are ciphertext).
pub fn assert_no_plaintext(dir: &Path, value: &str) {
    for p in crate::support::files_under(dir) {
        let bytes = fs::read(&p).unwrap_or_default();
        assert!(
            !contains(&bytes, value.as_bytes()),
            "value in {}",
            p.display()
        );
        // Loose git objects are zlib streams: look inside them too.
        if p.to_string_lossy().contains("/objects/") && !p.to_string_lossy().contains("/pack/") {
            let mut inflated = Vec::new();
            if std::io::Read::read_to_end(
                &mut flate2::read::ZlibDecoder::new(&bytes[..]),
                &mut inflated,
            )
            .is_ok()
            {
                assert!(
                    !contains(&inflated, value.as_bytes()),
                    "value in object {}",
                    p.display()
                );
            }
        }
    }
}
