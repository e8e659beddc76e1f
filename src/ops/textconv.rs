//! `git textconv` (DESIGN §9): the value-free text form of an env file that git shows
//! in diffs and `log -p`. It never asks for anything (git runs it for every version it
//! shows), and a version it cannot open is one placeholder line naming its bytes. The
//! first line of one it opens says whether its signed history verifies (DESIGN §15).

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::{Error, Result, SignedError};
use crate::identity::{IdentitySpec, Unlocked};
use crate::names::{Dur, fmt_time, fmt_time_ms};
use crate::ops::Context;
use crate::recipient::short_recipient;
use crate::text::escape;
use crate::vault::{EnvDb, VaultPaths};

use super::git::{env_from_path, named};

/// What `git textconv` prints: an environment's state without a value or fingerprint,
/// one fact per line, in an order that depends on content only, so a diff shows what
/// changed and nothing else.
#[derive(Serialize)]
pub struct EnvText {
    pub lines: Vec<String>,
}

impl EnvText {
    /// One line, naming the version by its bytes: two versions nobody here can decrypt
    /// still differ in a diff, so a change is never shown as none.
    fn placeholder(why: &str, bytes: Option<&[u8]>) -> EnvText {
        use sha2::Digest;
        let why = why.lines().next().unwrap_or("");
        let mut line = format!("keyward: cannot decrypt ({})", escape(why));
        if let Some(bytes) = bytes {
            let digest = hex::encode(sha2::Sha256::digest(bytes));
            line += &format!("; file sha256 {}…, {} bytes", &digest[..16], bytes.len());
        }
        EnvText { lines: vec![line] }
    }
}

/// `git textconv FILE`: git runs it non-interactively for `git diff` and `git log -p`,
/// so it never asks for anything: whatever keeps it from opening the file (no identity,
/// a passphrase with no agent and none in the environment, not a recipient, not an env
/// file) is one placeholder line, and success.
pub fn textconv(ctx: &Context, file: &Path) -> Result<EnvText> {
    // Bounded: git hands over a blob of the repository, which anyone who can push
    // chose (an env file of 1,000,000 keys is ~220 MiB).
    const MAX_SHOWN: u64 = 1 << 30;
    let mut bytes = Vec::new();
    let read = std::fs::File::open(file)
        .and_then(|f| std::io::Read::take(f, MAX_SHOWN + 1).read_to_end(&mut bytes));
    match read {
        Ok(n) if n as u64 > MAX_SHOWN => {
            return Ok(EnvText::placeholder(
                "the file is larger than 1 GiB: not an environment keyward wrote",
                None,
            ));
        }
        Ok(_) => {}
        Err(e) => {
            return Ok(EnvText::placeholder(
                &format!("cannot read the file: {e}"),
                None,
            ));
        }
    }
    let identity = match quiet_identity(ctx) {
        Ok(id) => id,
        Err(why) => return Ok(EnvText::placeholder(&why, Some(&bytes))),
    };
    // Held to `KEYWARD_TRUST_ROOT` as a read is; no pins: what git shows is a past or
    // proposed state, never what this machine has seen, and nothing here moves a pin.
    let paths = VaultPaths {
        trust_roots: ctx.paths.trust_roots.clone(),
        ..VaultPaths::new(ctx.paths.root.clone())
    };
    let mut db = match open_any_env(&paths, file, &bytes, identity) {
        Ok(db) => db,
        Err(Error::NotARecipient { .. }) if env_from_path(file).is_none() => {
            return Ok(EnvText::placeholder(
                "the identity in use is not a recipient of this environment",
                Some(&bytes),
            ));
        }
        Err(e) => {
            return Ok(EnvText::placeholder(
                &named(e, env_from_path(file)).to_string(),
                Some(&bytes),
            ));
        }
    };
    // A chain that does not recompute is shown as such: the diff must not look clean.
    let events = match db.lifecycle_events() {
        Ok(events) => events,
        Err(e) => return Ok(EnvText::placeholder(&e.to_string(), Some(&bytes))),
    };
    // What this machine pinned of the environment the path names (the name inside the
    // file is the writer's to choose), if anything: a diff of another history under the
    // same name (another vault of the same admins) is not this one.
    let named = env_from_path(file).unwrap_or_else(|| db.env.clone());
    let pinned = match ctx.paths.pins.as_ref().map(|pins| pins.load(&named)) {
        Some(Err(_)) => Err(format!(
            "# DOES NOT VERIFY: this machine's pin of `{named}` does not read (run `keyward list -e {named}` to see why)"
        )),
        Some(Ok(pin)) => Ok(pin),
        None => Ok(None),
    };
    let verdict = match &pinned {
        Err(line) => line.clone(),
        Ok(pin) => verdict(&mut db, &events, pin.as_ref(), &named),
    };
    match describe(&db, events) {
        Ok(mut lines) => {
            lines.insert(0, verdict);
            Ok(EnvText { lines })
        }
        Err(e) => Ok(EnvText::placeholder(&e.to_string(), Some(&bytes))),
    }
}

/// The first line (DESIGN §15): whether the signed history verifies, checked as a read
/// that has not seen the file checks it (every signature against the roles in force
/// where it was made, the rows against the state last signed). A reviewer reads a
/// change in `git diff`, and a file re-encrypted by hand by anyone who can decrypt it
/// would otherwise read like a signed change: its rows are still shown, under this
/// line. Never an error: git shows nothing of a file whose textconv fails.
///
/// A history that verifies under its own root is still not this environment's when this
/// machine pinned another root for it (`pinned`): another vault founded by the same
/// admins, or a history `trust` replaced here, reads as clean otherwise.
fn verdict(
    db: &mut EnvDb,
    events: &[crate::audit::Event],
    pinned: Option<&crate::vault::seen::Pin>,
    named: &crate::names::EnvName,
) -> String {
    match db.verify_signed(events, None) {
        Ok(v) => match v.history {
            Some(root) => match pinned.and_then(|p| {
                p.history_root()
                    .filter(|h| *h != root)
                    .or_else(|| p.root().filter(|r| Some(*r) != v.root.as_deref()))
            }) {
                Some(other) => format!(
                    "# DOES NOT VERIFY: not the history this machine pinned for `{named}` (this file's trust root {root}, pinned {other}): another vault's or environment's, or one `trust` replaced here"
                ),
                None => format!("# signed history verifies (trust root {root})"),
            },
            None => "# DOES NOT VERIFY: unsigned-history (written before signed writes: nothing proves who made these changes)".into(),
        },
        // What does not hold, without the message's "does not verify" and hint.
        Err(Error::Signed(SignedError::BadSignature { detail, .. })) => {
            format!("# DOES NOT VERIFY: {}", escape(&detail))
        }
        Err(e) => format!(
            "# DOES NOT VERIFY: {}",
            escape(e.to_string().lines().next().unwrap_or_default())
        ),
    }
}

/// The identity, loaded only where that asks nothing: a literal or plain file, an
/// agent, or a passphrase from the environment. Else why not.
fn quiet_identity(ctx: &Context) -> std::result::Result<&Unlocked, String> {
    let set = |var: &str| crate::sys::var_os(var).is_some_and(|v| !v.is_empty());
    let path = match &ctx.identity_spec {
        IdentitySpec::Literal(_) => None,
        IdentitySpec::Default(p) if !p.exists() => {
            return Err(format!(
                "no identity: no default identity at `{}`",
                p.display()
            ));
        }
        IdentitySpec::Default(p) | IdentitySpec::File(p) => Some(p),
    };
    if let Some(path) = path
        && needs_passphrase(path)
        && !set("KEYWARD_PASSPHRASE_FILE")
        && !set("KEYWARD_PASSPHRASE")
        && !matches!(crate::agent::client_for(path, None), Ok(Some(_)))
    {
        return Err(format!(
            "the identity `{}` needs its passphrase and git cannot ask for it; run `keyward unlock` first",
            path.display()
        ));
    }
    let identity = ctx.identity().map_err(|e| e.to_string())?;
    // DESIGN §10: a hardware identity asks its token (a PIN, a touch) for every file
    // git shows, and `git log -p` shows many: never asked from a diff.
    if let Some(plugin) = &identity.plugin {
        return Err(format!(
            "the identity in use is a hardware key (`{plugin}`); git diff does not ask it for every file"
        ));
    }
    Ok(identity)
}

/// Whether loading the identity file would ask for a passphrase: a passphrase-protected
/// age file or an encrypted SSH key. Unreadable files are left to the loader's error.
fn needs_passphrase(path: &Path) -> bool {
    let mut bytes = Zeroizing::new(Vec::new());
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    if f.take(1 << 20).read_to_end(&mut bytes).is_err() {
        return false;
    }
    if bytes.starts_with(b"age-encryption.org/")
        || bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
    {
        return true;
    }
    bytes.starts_with(b"-----BEGIN OPENSSH PRIVATE KEY-----")
        && matches!(
            age::ssh::Identity::from_buffer(&bytes[..], None),
            Ok(age::ssh::Identity::Encrypted(_))
        )
}

/// Open the ciphertext as the environment it holds: git hands over `ENV.db.age`, a temp
/// file (`XXXXXX_ENV.db.age` before git 2.38), or a blob whose name says nothing.
fn open_any_env(
    paths: &VaultPaths,
    file: &Path,
    bytes: &[u8],
    identity: &Unlocked,
) -> Result<EnvDb> {
    EnvDb::open_bytes_any_env(paths, PathBuf::from(file), bytes, identity.as_age())
}

/// Quote free text for one line: escaped control characters, inside `"…"`.
fn q(s: &str) -> String {
    format!("\"{}\"", escape(s).replace('"', "\\\""))
}

fn opt_time(t: Option<i64>) -> String {
    t.map(fmt_time).unwrap_or_else(|| "-".into())
}

/// The text form: meta, recipients with their roles, keys with their versions, events.
/// Never a value, never a value's fingerprint.
fn describe(db: &EnvDb, mut events: Vec<crate::audit::Event>) -> Result<Vec<String>> {
    let mut lines = vec![format!("# keyward environment `{}` (no values)", db.env)];

    // DESIGN §16: people by name, `Bob (age1chh…)`, removed members included.
    let labels = db.known_labels()?;
    let who = |r: &str| crate::recipient::person(r, labels.get(r).map(String::as_str));
    // Roles and signing keys as the rows hold them (the first line says whether a
    // signature covers them): a grant or a role taken shows in a diff.
    let members = db.members()?;
    let mut recipients = db.recipients()?;
    recipients.sort_by(|a, b| a.recipient.cmp(&b.recipient));
    for r in &recipients {
        let (role, key) = match members.get(&r.recipient) {
            Some(m) => (
                m.role.as_str(),
                m.key
                    .map(|k| format!("{}…", &hex::encode(k)[..16]))
                    .unwrap_or_else(|| "unbound".into()),
            ),
            None => ("-", "-".into()),
        };
        lines.push(format!(
            "recipient {} role={role} signing-key={key} added {} by {}{}",
            escape(&r.recipient),
            fmt_time(r.added_at),
            r.added_by.as_deref().map(who).unwrap_or_else(|| "-".into()),
            r.label
                .as_deref()
                .map(|l| format!(" label={}", q(l)))
                .unwrap_or_default()
        ));
    }
    for (r, l) in db.former_labels()? {
        lines.push(format!("former-member {} label={}", escape(&r), q(&l)));
    }

    // Hooks by hash only: a command may hold a provider's admin token, and diffs end
    // up in terminals and CI logs; the hash is what `hook allow` approves.
    let hooks: std::collections::HashMap<String, String> = db
        .hooks()?
        .into_iter()
        .map(|(name, h)| (name.to_string(), crate::ops::hooks::hash(&h)))
        .collect();
    for k in db.keys()? {
        let m = &k.meta;
        let scopes = if m.scopes.is_empty() {
            "-".to_owned()
        } else {
            let mut s = m.scopes.clone();
            s.sort();
            s.join(",")
        };
        lines.push(format!(
            "key {} kind={} scopes={} rotate-every={} created={} note={}",
            m.name,
            m.kind.as_str(),
            escape(&scopes),
            m.rotate_every
                .map(|s| Dur::from_secs(s).to_string())
                .unwrap_or_else(|| "-".into()),
            fmt_time(m.created),
            m.note.as_deref().map(q).unwrap_or_else(|| "-".into()),
        ));
        if let Some(h) = hooks.get(m.name.as_str()) {
            lines.push(format!("key {} rotation-hook sha256:{h}", m.name));
        }
        let mut versions = db.versions(m)?;
        versions.sort_by_key(|v| v.version);
        for v in versions {
            // The stored status, not one derived from the clock: the text of a commit
            // must not change with the day it is shown.
            let status = v.status(i64::MIN);
            let mut line = format!(
                "key {} v{} {} created={} expires={}",
                m.name,
                v.version,
                status.as_str(),
                fmt_time(v.created),
                opt_time(v.expires)
            );
            if v.retire_at.is_some() {
                line.push_str(&format!(" retire-at={}", opt_time(v.retire_at)));
            }
            if v.revoked_at.is_some() {
                line.push_str(&format!(
                    " revoked={} by={} reason={}",
                    opt_time(v.revoked_at),
                    v.revoked_by
                        .as_deref()
                        .map(who)
                        .unwrap_or_else(|| "-".into()),
                    v.revoke_reason
                        .as_deref()
                        .map(q)
                        .unwrap_or_else(|| "-".into())
                ));
            }
            lines.push(line);
        }
    }

    // By content, not by position: the same events in another order read the same.
    events.sort_by(|a, b| {
        (
            a.time,
            a.action.as_str(),
            &a.key,
            a.version,
            &a.actor.recipient,
            &a.reason,
        )
            .cmp(&(
                b.time,
                b.action.as_str(),
                &b.key,
                b.version,
                &b.actor.recipient,
                &b.reason,
            ))
    });
    for e in events {
        let mut line = format!("event {} {}", fmt_time_ms(e.time), e.action.as_str());
        if let Some(k) = &e.key {
            line.push(' ');
            line.push_str(&escape(k));
        }
        if let Some(v) = e.version {
            line.push_str(&format!(" v{v}"));
        }
        line.push_str(&match labels.get(&e.actor.recipient) {
            Some(_) => format!(" by {}", who(&e.actor.recipient)),
            // The recipient the event is bound to first; `$USER` after it, as what the
            // writer's machine reported (a reviewer reads this in `git diff`).
            None => format!(
                " by {} as {}",
                short_recipient(&e.actor.recipient),
                escape(&e.actor.os_user)
            ),
        });
        if let Some(r) = &e.reason {
            line.push_str(&format!(" reason={}", q(r)));
        }
        lines.push(line);
    }
    Ok(lines)
}
