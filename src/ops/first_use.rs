//! What a command says, and asks, about an environment new to this machine or behind
//! what it saw (DESIGN §8, §15, §16): the trust on first use with its root, a vault
//! that replaced the one seen at its path, an earlier state read with a warning, and
//! the question before this machine's first write to a work tree's vault that others
//! can read. Reads nothing but what `EnvDb` already holds.

use crate::error::{Error, Result};
use crate::ops::context::Context;
use crate::vault::seen::Relation;
use crate::vault::store::EnvDb;

impl Context {
    /// DESIGN §8: reading an earlier state goes on, but says so, and what to do. A new
    /// vault at a path where another was pinned is trusted on first use, said once.
    pub(crate) fn warn_if_behind(&self, db: &EnvDb) {
        if db.founders_pin() {
            self.out.warn(&format!(
                "KEYWARD_TRUST_ROOT accepts `{}` by its founders' root (their keys alone), which every history they start shares: another vault of theirs put in this one's place would pass too; pin this history's own root, as `keyward trust root -e {}` prints it on a machine that has used this vault",
                db.env, db.env
            ));
        }
        // DESIGN §15: trust on first use of a signed history is said, with its root.
        if matches!(db.history(), Relation::Fresh) && self.paths.trust_roots.is_empty() {
            // A vault the work tree led to (a clone's, which anyone could have made) is
            // said even with -q: a script's `keyward -q get` in a cloned repository must
            // not take its values from a vault it never saw without a word.
            let say = |s: &str| match self.located.source {
                crate::vault::discover::Source::WorkTree => self.out.warn(s),
                _ => self.out.note(s),
            };
            match db.root() {
                Some(root) => match self.roots_seen_elsewhere(db) {
                    // The vault is known here, and none of its environments has this
                    // founders' root: another admin founded it, or someone who can write
                    // the repository did, from the public recipients. Said even with -q.
                    // (The founders' roots, since each environment's own root differs.)
                    Some(known) if !known.iter().any(|(_, r)| r == root) => {
                        let (env, other) = &known[0];
                        self.out.warn(&format!(
                            "`{}` is new to this machine and was founded by other admins (founders' root {root}) than any environment of this vault seen here (`{env}`: {other}): another admin founded it, or someone who can write the repository did; check its admins (`keyward access list -e {}`) before you use its values, and pin the roots you expect with KEYWARD_TRUST_ROOT to refuse any other",
                            db.env, db.env
                        ));
                    }
                    _ => say(&format!(
                        "`{}` is new to this machine: trusting its signed history on first use, trust root {} (pin it with KEYWARD_TRUST_ROOT to refuse any other)",
                        db.env,
                        db.history_root().unwrap_or(root)
                    )),
                },
                // An unsigned history in a vault whose environments seen here are signed:
                // anyone who knows its recipients could have written it (an old file
                // encrypted to them, say). Said even with -q.
                None => match self.roots_seen_elsewhere(db) {
                    Some(known) => {
                        let (env, root) = &known[0];
                        self.out.warn(&format!(
                            "`{}` is new to this machine and its history is not signed, while this vault's environments seen here are (`{env}`: founders' root {root}): anyone who knows its recipients could have written it; check it with your team before you use its values (an admin's next write signs it), and pin the roots you expect with KEYWARD_TRUST_ROOT to refuse it",
                            db.env
                        ));
                    }
                    None => say(&format!(
                        "`{}` is new to this machine and its history is not signed yet (written before signed writes): an admin's next write signs it",
                        db.env
                    )),
                },
            }
        }
        if let Relation::NewVault { set_aside } = db.history() {
            self.out.warn(&format!(
                "the vault at `{}` is not the one this machine saw there before (another directory, none of its environments known here): trusting `{}` on first use; the pins and hook approvals of the old vault were set aside in `{}`",
                self.paths.root.display(),
                db.env,
                set_aside.display()
            ));
        }
        if let Relation::Behind {
            pinned_seq,
            pinned_time,
            file_seq,
        } = db.history()
        {
            self.out.warn(&format!(
                "environment `{}` is behind what was seen here (its history ends at event {file_seq}; event {pinned_seq} was seen at {}): keys this machine saw revoked, retired or expired stay refused; writes are refused until the newer state is back (or `keyward trust -e {} --reason TEXT` after review)",
                db.env,
                crate::names::fmt_time(*pinned_time),
                db.env
            ));
        }
    }

    /// Whether this machine has read or written `env` before. A hint or a completion
    /// opens only those, so that no environment new here is first read (and pinned)
    /// where nothing says so.
    pub(crate) fn seen_here(&self, env: &crate::names::EnvName) -> bool {
        match &self.paths.pins {
            Some(pins) => pins.load(env).ok().flatten().is_some(),
            None => true,
        }
    }

    /// The trust roots this machine pinned for the vault's other environments, by
    /// environment; `None` when it pinned none (the vault is new here too).
    fn roots_seen_elsewhere(&self, db: &EnvDb) -> Option<Vec<(String, String)>> {
        let pins = self.paths.pins.as_ref()?;
        // What this machine pinned, not the files there now: a push that adds a foreign
        // environment can remove the others' files too.
        let known: Vec<(String, String)> = pins
            .pinned_envs()
            .ok()?
            .into_iter()
            .filter(|e| *e != db.env)
            .filter_map(|e| {
                let root = pins.load(&e).ok()??.root()?.to_owned();
                Some((e.to_string(), root))
            })
            .collect();
        (!known.is_empty()).then_some(known)
    }

    /// DESIGN §16: this machine's first write to an environment of a vault found in the
    /// work tree is asked about when others can read it. A repository cloned from someone
    /// else may hold a vault encrypted to your public recipient and theirs, found there
    /// in place of your own: a `set` in it would hand them the value — whether or not
    /// something read it first. The refusal names who can read it and is itself the
    /// acceptance (recorded with the pins): run again, the write goes through. A machine
    /// that wrote the environment before (or made it) is not asked; nor is a vault named
    /// with `--vault` or `KEYWARD_VAULT`, or a root pinned with `KEYWARD_TRUST_ROOT`.
    pub(crate) fn refuse_first_use_write(&self, db: &EnvDb) -> Result<()> {
        let Some(pins) = &self.paths.pins else {
            return Ok(());
        };
        if self.located.source != crate::vault::discover::Source::WorkTree
            || !self.paths.trust_roots.is_empty()
            || pins.wrote_here(&db.env)
        {
            return Ok(());
        }
        let me = &self.identity()?.recipient;
        let others: Vec<String> = db
            .recipients()?
            .iter()
            .filter(|r| &r.recipient != me)
            .map(|r| db.person(&r.recipient))
            .collect();
        if others.is_empty() {
            return Ok(());
        }
        pins.note_write(&db.env)?;
        Err(Error::FirstUseWrite {
            env: db.env.clone(),
            others: others.join(", "),
            root: db
                .history_root()
                .or(db.root())
                .unwrap_or("none (unsigned)")
                .to_owned(),
        })
    }
}
