//! Rotation hooks (DESIGN §11): a command stored with an imported key that rolls it at
//! its provider. `rotate`, `rotate --all` and `offboard` run it: the current value on
//! its stdin, `KEYWARD_KEY` and `KEYWARD_ENV` in its environment, the new value on its
//! stdout, validated like `set` (and never an earlier version's value).
//!
//! Hooks are code execution, and anyone who can write an environment can change one, so
//! a hook runs on a machine only after a person there approved its exact text and how
//! long it may run: the SHA-256 of both (`hash`), recorded locally (`vault::approvals`)
//! by `hook set` (the person typing it) or `hook allow` (after reading it), or given for
//! one command with `--allow-hook NAME=HASH` (a CI job). A changed hook has another
//! hash: it does not run until approved again.
//!
//! How a hook runs: `/bin/sh -c COMMAND`, from the top of the git work tree holding the
//! vault, or else the directory recorded when it was approved (`hook_dir`), as its own
//! process group (a timeout kills the hook and whatever it started), with keyward's own
//! `KEYWARD_*` variables (its identity, its passphrase) removed. Its stdout is the new
//! value and is never shown; its stderr is shown once it has ended, with the old and
//! the new value redacted wherever they appear, and cut at 64 KiB (never in the middle
//! of a value: the start of one at the cut is dropped). The old value handed to it is an access event (`run`, reason
//! "rotation hook"), journaled before the hook starts (DESIGN §5).

use std::io::Write;
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Context;
use super::hook_run::{Stderr, run_command};
use super::rotate::earlier_version_with;
use crate::audit::Action;
use crate::error::{Error, Result};
use crate::names::{Dur, EnvName, KeyName};
use crate::ops::Confirmation;
use crate::redact::Redactor;
use crate::secret::Secret;
use crate::vault::approvals::Approvals;
use crate::vault::hooks::{MAX_COMMAND, MAX_TIMEOUT_SECS, StoredHook};
use crate::vault::{EnvDb, KeyMeta, Kind};

/// How long a hook may run when it says nothing else (`KEYWARD_HOOK_TIMEOUT` changes it).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The hash a hook is approved by, in hex: SHA-256 of its exact command text, followed,
/// when the hook carries its own timeout, by a NUL and `timeout=SECONDS`. A running hook
/// holds the writer lock (and, once started, a stop) for as long as its timeout, and
/// anyone who can write the environment can change that timeout, so the approval covers
/// it too. A command never holds a NUL (`check_command`, `vault::hooks`), so no command
/// alone hashes like a command with a timeout; a hook on the default keeps the hash of
/// its command text, as approved before timeouts were covered.
pub fn hash(hook: &StoredHook) -> String {
    let mut h = Sha256::new();
    h.update(hook.command.as_bytes());
    if let Some(secs) = hook.timeout {
        h.update(format!("\0timeout={secs}").as_bytes());
    }
    hex::encode(h.finalize())
}

/// `--allow-hook NAME=HASH`: run NAME's hook in this command if its hash is HASH.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowHook {
    pub name: KeyName,
    pub hash: String,
}

impl std::str::FromStr for AllowHook {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (name, hash) = s
            .split_once('=')
            .ok_or("expected NAME=HASH (the hash `keyward hook list` shows)")?;
        let name: KeyName = name.parse()?;
        let hash = hash.to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("the hash is 64 hex digits (the SHA-256 `keyward hook list` shows)".into());
        }
        Ok(AllowHook { name, hash })
    }
}

/// A hook command as given on the command line: one argument is a shell command line;
/// several are words, each quoted so the shell reads it back unchanged.
pub fn command_from_words(words: &[String]) -> Result<String> {
    let command = match words {
        [one] => one.clone(),
        many => many
            .iter()
            .map(|w| crate::ops::plan::shell_word(w).into_owned())
            .collect::<Vec<_>>()
            .join(" "),
    };
    check_command(&command)?;
    Ok(command)
}

fn check_command(command: &str) -> Result<()> {
    if command.trim().is_empty() {
        return Err(Error::usage("the hook command is empty"));
    }
    if command.len() > MAX_COMMAND || command.contains('\0') {
        return Err(Error::usage(
            "the hook command must be at most 8 KiB, without NUL bytes",
        ));
    }
    Ok(())
}

/// A rotation hook a person approved on this machine (or whose hash `--allow-hook`
/// gave for this command). Running a hook takes one (`roll`), and `approve` is the only
/// way to make one: no caller can forget to ask (DESIGN §11). It carries the timeout
/// it will run with, so a bad `KEYWARD_HOOK_TIMEOUT` is refused when the hook is
/// approved, before any hook has run or any access is journaled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovedHook(StoredHook, Duration);

impl ApprovedHook {
    /// The hook as stored.
    pub fn hook(&self) -> &StoredHook {
        &self.0
    }

    fn new(hook: StoredHook) -> Result<ApprovedHook> {
        let timeout = match hook.timeout {
            Some(secs) => Duration::from_secs(secs),
            None => default_timeout()?,
        };
        Ok(ApprovedHook(hook, timeout))
    }
}

/// `hook` if it may run here: an `--allow-hook` for the key decides (a wrong hash is
/// refused outright), else the approval recorded on this machine. `None`: not approved.
pub fn approve(
    ctx: &Context,
    env: &EnvName,
    name: &KeyName,
    hook: StoredHook,
    allow: &[AllowHook],
) -> Result<Option<ApprovedHook>> {
    let h = hash(&hook);
    if let Some(a) = allow.iter().find(|a| &a.name == name) {
        if a.hash != h {
            return Err(Error::Hook(crate::error::HookError::HookHashMismatch {
                name: name.clone(),
                env: env.clone(),
                actual: h,
            }));
        }
        return ApprovedHook::new(hook).map(Some);
    }
    let approved = Approvals::of(&ctx.paths, env)?.approved(name)?.as_deref() == Some(h.as_str());
    approved.then(|| ApprovedHook::new(hook)).transpose()
}

/// What a hook gave.
pub enum Rolled {
    New(Secret),
    /// It failed; why, without its output (which may hold a value).
    Failed(String),
}

/// Run `key`'s hook. `db` is open for writing (the hook runs under the writer lock, so a
/// value the provider has just issued is stored, never lost to a concurrent writer).
/// `Err` only for keyward's own failures (the journal); the hook's are `Rolled::Failed`.
pub fn roll(ctx: &Context, db: &EnvDb, key: &KeyMeta, hook: &ApprovedHook) -> Result<Rolled> {
    let timeout = hook.1;
    let hook = hook.hook();
    let current = db.current(key)?;
    let withheld = db.value(key, current.version)?;
    // DESIGN §5: the old value goes to the hook only once its access is recorded.
    let receipt = ctx.journal_with_reason(
        db,
        Action::Run,
        &[(&key.name, current.version)],
        crate::audit::OK,
        Some("rotation hook"),
    )?;
    let old = withheld.release(&receipt);
    let dir = crate::ops::hook_dir::of(ctx, &db.env, &key.name)?;
    // Once a hook has started, the provider may have rolled the key: the value it prints
    // must be stored. A SIGINT, SIGTERM or SIGHUP from now on waits until the command
    // has finished, and no further hook starts (`rotate --all`, `offboard`).
    if let Some(signal) = crate::sys::stop_asked() {
        return Ok(Rolled::Failed(format!(
            "was not started: keyward was asked to stop (signal {signal})"
        )));
    }
    crate::sys::finish_what_starts_now();
    let ran = run_command(&hook.command, &key.name, &db.env, &old, timeout, dir);
    let (printed, stderr, failure) = match ran {
        Ok(r) => r,
        Err(why) => return Ok(Rolled::Failed(why)),
    };
    // Its stderr reaches the terminal, with the old value, the new one as it will be
    // stored (the hook may print it anywhere, not only before a newline) and the hook's
    // whole output redacted.
    show_stderr(
        &key.name,
        &old,
        printed.as_deref().map(Vec::as_slice),
        &stderr,
    );
    if let Some(why) = failure {
        return Ok(Rolled::Failed(why));
    }
    let printed = printed.expect("no failure: the output was read");
    let bytes = without_final_newline(&printed);
    if bytes.is_empty() {
        return Ok(Rolled::Failed("printed nothing".into()));
    }
    let value = Secret::new(bytes.to_vec());
    if let Err(e) = crate::input::check_value(&value) {
        let why = match e {
            Error::ValueWithNul => "printed a value with a NUL byte",
            Error::ValueTooLong => "printed more than 64 KiB",
            _ => "printed an invalid value",
        };
        return Ok(Rolled::Failed(why.into()));
    }
    if let Some(earlier) = earlier_version_with(db, key, &value)? {
        return Ok(Rolled::Failed(format!(
            "printed the value of version {earlier} again (an earlier version is never reissued; did the provider roll the key?)"
        )));
    }
    Ok(Rolled::New(value))
}

/// What a hook printed, as its value: `echo` and `jq -r` end with a newline (`\n` or
/// `\r\n`); a value never does (`set` would keep it).
fn without_final_newline(printed: &[u8]) -> &[u8] {
    match printed.strip_suffix(b"\n") {
        Some(line) => line.strip_suffix(b"\r").unwrap_or(line),
        None => printed,
    }
}

/// Show a hook's stderr on ours, every value redacted: the old one, the new one as it
/// will be stored, and the hook's raw stdout. A stderr cut at its 64 KiB limit may end
/// inside a value: what the redactor held back there is dropped, and the cut is said.
fn show_stderr(name: &KeyName, old: &Secret, printed: Option<&[u8]>, stderr: &Stderr) {
    if stderr.kept.is_empty() {
        return;
    }
    let name = name.to_string();
    let mut pairs = vec![(name.clone(), old.expose())];
    if let Some(raw) = printed {
        pairs.push((name.clone(), without_final_newline(raw)));
        pairs.push((name, raw));
    }
    let mut out = std::io::stderr().lock();
    let _ = match stderr.cut {
        false => Redactor::new(&pairs).pump(&stderr.kept[..], &mut out),
        true => Redactor::new(&pairs)
            .pump_cut(&stderr.kept[..], &mut out)
            .and_then(|_| writeln!(out, "\n[the hook's stderr was cut at 64 KiB]")),
    };
}

/// `KEYWARD_HOOK_TIMEOUT` (seconds or a duration, 1 s to 1 day), else 60 s. Unset or
/// empty is the default; any other value that is not one (`abc`, `0`, `10 min`, bytes
/// that are not UTF-8) is a usage error naming the variable, as for
/// `KEYWARD_LOCK_TIMEOUT`: a typo must not quietly become 60 s.
fn default_timeout() -> Result<Duration> {
    let v = match std::env::var("KEYWARD_HOOK_TIMEOUT") {
        Err(std::env::VarError::NotPresent) => return Ok(DEFAULT_TIMEOUT),
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(Error::usage(
                "KEYWARD_HOOK_TIMEOUT: not UTF-8; expected seconds or a duration like 90s or 10m",
            ));
        }
        Ok(v) => v,
    };
    let v = v.trim();
    if v.is_empty() {
        return Ok(DEFAULT_TIMEOUT);
    }
    let secs = match v.parse::<u64>() {
        Ok(secs) => secs,
        Err(_) => {
            let d = v
                .parse::<Dur>()
                .map_err(|e| Error::usage(format!("KEYWARD_HOOK_TIMEOUT: {e}")))?;
            u64::try_from(d.secs).unwrap_or(0)
        }
    };
    if !(1..=MAX_TIMEOUT_SECS).contains(&secs) {
        return Err(Error::usage(
            "KEYWARD_HOOK_TIMEOUT must be between 1 second and 1 day",
        ));
    }
    Ok(Duration::from_secs(secs))
}

// ---------------------------------------------------------------- hook set / clear

/// `hook set` and `set --rotate-with`: a key's hook as it will be stored.
pub fn new_hook(command: String, timeout: Option<Dur>, now: i64) -> Result<StoredHook> {
    check_command(&command)?;
    let timeout = match timeout {
        None => None,
        Some(d) if (1..=MAX_TIMEOUT_SECS as i64).contains(&d.secs) => Some(d.secs as u64),
        Some(_) => {
            return Err(Error::usage("--timeout must be between 1 second and 1 day"));
        }
    };
    Ok(StoredHook {
        command,
        timeout,
        set_at: now,
    })
}

/// Record a change to `key`'s hook (inside the caller's change) as a `hook` event.
pub(crate) fn record_change(
    db: &crate::vault::Tx<'_>,
    ctx: &Context,
    key: &KeyMeta,
    hook: Option<&StoredHook>,
) -> Result<()> {
    if key.kind != Kind::Imported {
        return Err(Error::Hook(crate::error::HookError::HookOnGenerated {
            name: key.name.clone(),
            env: db.env.clone(),
        }));
    }
    let reason = match hook {
        Some(h) => {
            db.set_hook(key, h)?;
            format!("set {}", &hash(h)[..16])
        }
        None => {
            db.clear_hook(key)?;
            "cleared".to_owned()
        }
    };
    db.record(
        &ctx.actor()?,
        Action::Hook,
        Some(key.name.as_str()),
        None,
        Some(&reason),
        ctx.now(),
    )
}

/// A hook set, cleared or approved.
#[derive(Serialize)]
pub struct HookChanged {
    pub env: EnvName,
    pub name: KeyName,
    /// `set`, `cleared` or `approved`.
    pub change: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

/// `hook set NAME -- COMMAND`: store the hook (a `hook` event) and approve it here, as
/// the person who typed it.
pub fn set(ctx: &Context, name: &KeyName, hook: StoredHook) -> Result<HookChanged> {
    let mut db = ctx.write_env()?;
    let key = db.key(name)?;
    db.batch(|tx| record_change(tx, ctx, &key, Some(&hook)))?;
    ctx.commit(&mut db)?;
    let h = hash(&hook);
    let dir = crate::ops::hook_dir::to_record(ctx);
    Approvals::of(&ctx.paths, &db.env)?.approve(name, &h, dir.as_deref())?;
    Ok(HookChanged {
        env: db.env.clone(),
        name: name.clone(),
        change: "set",
        hash: Some(h),
    })
}

/// `hook clear NAME`.
pub fn clear(ctx: &Context, name: &KeyName) -> Result<HookChanged> {
    let mut db = ctx.write_env()?;
    let key = db.key(name)?;
    if db.hook(&key)?.is_none() {
        return Err(Error::Hook(crate::error::HookError::NoHook {
            name: name.clone(),
            env: db.env.clone(),
        }));
    }
    db.batch(|tx| record_change(tx, ctx, &key, None))?;
    ctx.commit(&mut db)?;
    Approvals::of(&ctx.paths, &db.env)?.forget(name)?;
    Ok(HookChanged {
        env: db.env.clone(),
        name: name.clone(),
        change: "cleared",
        hash: None,
    })
}

/// Plan `hook allow NAME`: the hook read, its exact command and hash, to be shown and
/// (once a person said yes, or with `--yes`) recorded here.
pub fn plan_allow(ctx: &Context, name: &KeyName) -> Result<AllowPlan> {
    let db = ctx.open_env()?;
    let key = db.key(name)?;
    let hook = db.hook(&key)?.ok_or_else(|| {
        Error::Hook(crate::error::HookError::NoHook {
            name: name.clone(),
            env: db.env.clone(),
        })
    })?;
    let hash = hash(&hook);
    let env = db.env.clone();
    let shown = vec![
        format!(
            "the rotation hook of `{name}` in `{env}` runs `/bin/sh -c` with the current value on stdin:"
        ),
        format!("  {}", hook.command),
        match hook.timeout {
            Some(secs) => format!("timeout: {secs} s (stored with the hook; approved with it)"),
            None => format!(
                "timeout: the default ({} s on this machine)",
                default_timeout()?.as_secs()
            ),
        },
        format!("hash: {hash}"),
    ];
    Ok(AllowPlan {
        name: name.clone(),
        env,
        hash,
        shown,
        asked: false,
    })
}

/// An approval about to be recorded (see `plan_allow`): the hash approved is the one
/// shown, whatever the file holds by then.
pub struct AllowPlan {
    name: KeyName,
    env: EnvName,
    hash: String,
    shown: Vec<String>,
    asked: bool,
}

impl super::Destructive for AllowPlan {
    type Done = HookChanged;

    fn ask(&mut self, _ctx: &Context) -> Result<Option<Confirmation>> {
        self.asked = true;
        let (name, env) = (&self.name, &self.env);
        Ok(Some(Confirmation {
            lines: self.shown.clone(),
            warnings: Vec::new(),
            what: format!("approve the rotation hook of `{name}` in `{env}`"),
            command: crate::ops::plan::command_line(&[
                "hook",
                "allow",
                name.as_str(),
                "-e",
                env.as_str(),
                "--yes",
            ]),
        }))
    }

    fn apply(self, ctx: &Context) -> Result<HookChanged> {
        // With `--yes` the command is still said: what was approved, exactly.
        if !self.asked {
            for line in &self.shown {
                ctx.out.note(line);
            }
        }
        let dir = crate::ops::hook_dir::to_record(ctx);
        Approvals::of(&ctx.paths, &self.env)?.approve(&self.name, &self.hash, dir.as_deref())?;
        Ok(HookChanged {
            env: self.env,
            name: self.name,
            change: "approved",
            hash: Some(self.hash),
        })
    }
}

/// One hook, as `hook list` shows it.
#[derive(Serialize)]
pub struct HookInfo {
    pub name: KeyName,
    pub command: String,
    pub hash: String,
    pub timeout_secs: u64,
    /// Approved on this machine (by `hook set` or `hook allow` here).
    pub approved: bool,
}

#[derive(Serialize)]
#[serde(transparent)]
pub struct HookList(pub Vec<HookInfo>);

/// `hook list`: every hook of the environment, with whether it may run here.
pub fn list(ctx: &Context) -> Result<HookList> {
    let db = ctx.open_env()?;
    let approvals = Approvals::of(&ctx.paths, &db.env)?;
    let mut out = Vec::new();
    for (name, hook) in db.hooks()? {
        let h = hash(&hook);
        out.push(HookInfo {
            approved: approvals.approved(&name)?.as_deref() == Some(h.as_str()),
            timeout_secs: match hook.timeout {
                Some(secs) => secs,
                None => default_timeout()?.as_secs(),
            },
            name,
            command: hook.command,
            hash: h,
        });
    }
    Ok(HookList(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_hook_takes_a_name_and_a_full_hash() {
        let h = hash(&hook("echo new", None));
        let a: AllowHook = format!("K={}", h.to_uppercase()).parse().unwrap();
        assert_eq!(a.hash, h);
        assert!("K".parse::<AllowHook>().is_err());
        assert!("K=abc".parse::<AllowHook>().is_err());
        assert!(format!("1K={h}").parse::<AllowHook>().is_err());
    }

    fn hook(command: &str, timeout: Option<u64>) -> StoredHook {
        StoredHook {
            command: command.into(),
            timeout,
            set_at: 0,
        }
    }

    #[test]
    fn the_approved_hash_covers_the_timeout_and_keeps_the_command_hash_without_one() {
        // Approvals recorded before timeouts were covered stay valid for default hooks.
        assert_eq!(
            hash(&hook("./roll.sh", None)),
            hex::encode(Sha256::digest(b"./roll.sh"))
        );
        let (short, long) = (
            hash(&hook("./roll.sh", Some(60))),
            hash(&hook("./roll.sh", Some(86400))),
        );
        assert_ne!(short, long);
        assert_ne!(short, hash(&hook("./roll.sh", None)));
        // The set time is not part of what a person approves.
        let mut later = hook("./roll.sh", Some(60));
        later.set_at = 99;
        assert_eq!(hash(&later), short);
    }

    #[test]
    fn words_are_quoted_and_one_argument_is_a_command_line() {
        let w = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            command_from_words(&w(&["./roll", "a b", "$X"])).unwrap(),
            "./roll 'a b' '$X'"
        );
        assert_eq!(
            command_from_words(&w(&["curl -s x | jq -r .key"])).unwrap(),
            "curl -s x | jq -r .key"
        );
        assert!(command_from_words(&w(&["  "])).is_err());
    }
}
