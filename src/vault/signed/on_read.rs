//! The checks a read makes of a signed history (DESIGN §15) once its chain is known: every
//! signature against the roles in force where it was made, the rows against the state
//! last signed, the roots pinned here and by `KEYWARD_TRUST_ROOT`, and the history's own
//! revocations. Split from `open`, which decides when they run.

use crate::error::{Error, Result, SignedError};
use crate::vault::seen::Pin;
use crate::vault::store::EnvDb;

impl EnvDb {
    /// Verify the signed history (DESIGN §15) of this file, whose chain is `events`:
    /// under the root pinned here when there is one, and under `KEYWARD_TRUST_ROOT`.
    pub(crate) fn verify_signed(
        &mut self,
        events: &[crate::audit::Event],
        pinned: Option<&Pin>,
    ) -> Result<crate::vault::signed::Verified> {
        self.located(
            crate::vault::untrusted::refuse_expressions(&self.conn, "the image")
                .map_err(|detail| Error::CorruptDb { detail }),
        )?;
        let sigs = self.signatures()?;
        let members = self.members()?;
        let conn = &self.conn;
        let verified = self.located(crate::vault::signed::verify_history(
            &self.env,
            events,
            &sigs,
            &members,
            || {
                Ok((
                    crate::vault::signed::state_digest(conn)?,
                    crate::vault::signed::settings_digest(conn)?,
                ))
            },
        ))?;
        // The signatures cover the rows and the schema, not the indexes that lookups go
        // through: a signed state is checked whole once its digest matched (never
        // before: SQLite's check evaluates the schema's CHECK constraints on every row,
        // and a schema nobody signed could make that cost minutes and gigabytes).
        if verified.root.is_some() {
            self.located(
                crate::vault::untrusted::check_integrity(conn)
                    .map_err(|detail| Error::CorruptDb { detail }),
            )?;
        }
        // The history's own root when this machine pinned it (a history founded anew by
        // the same admins is another history), else its founders'.
        let pinned_root = pinned.and_then(|p| p.root.as_deref());
        let (pinned_root, found) = match (
            pinned.and_then(|p| p.history_root.as_deref()),
            &verified.history,
        ) {
            (Some(h), Some(found)) if pinned_root.is_some() => (Some(h), Some(found.as_str())),
            _ => (pinned_root, verified.root.as_deref()),
        };
        match (pinned_root, found) {
            (Some(_), None) => {
                return Err(SignedError::BadSignature {
                    env: self.env.clone(),
                    detail: "its history was signed when this machine last saw it, and this file's is not (signatures stripped, or an older copy rewritten)".into(),
                }
                .into());
            }
            (Some(pinned), Some(found)) if pinned != found => {
                return Err(SignedError::TrustRootMismatch {
                    env: self.env.clone(),
                    expected: format!("{pinned} (pinned here)"),
                    found: found.to_owned(),
                }
                .into());
            }
            _ => {}
        }
        self.check_trust_root(verified.root.as_deref(), verified.history.as_deref())?;
        // A signed history leaves its trace in the members: the first signed write makes
        // an admin and binds signing keys, which no unsigned write does (a format-3 image
        // migrated gives everyone `write` and no key; the merge driver joins two unsigned
        // branches into such an image). An empty signature table beside them is
        // signatures stripped, not an old vault, even where nothing was pinned.
        let signed_once = || {
            members
                .iter()
                .any(|m| m.role == crate::codes::Role::Admin || m.key.is_some())
        };
        if verified.root.is_none() && self.has_signatures() && signed_once() {
            return Err(SignedError::BadSignature {
                env: self.env.clone(),
                detail: "its members have an admin or signing keys, which only signed writes give, and it holds no signature (signatures stripped)".into(),
            }
            .into());
        }
        if verified.root.is_some() {
            self.check_revocations(events)?;
        }
        self.root = verified.root.clone();
        self.history_root = verified.history.clone();
        Ok(verified)
    }

    /// DESIGN §8 round 3: a signed history's own revocations and rotations hold in its
    /// rows, and each revocation a row records is the one an event made. A member allowed to write signs whatever rows they leave, so the signature
    /// alone does not keep an admin's revocation from being undone under an event about
    /// another key; a machine reading the file for the first time (a pull, a fresh
    /// runner, the merge driver) has no earlier rows to compare with, only the events.
    fn check_revocations(&self, events: &[crate::audit::Event]) -> Result<()> {
        use crate::vault::transition;
        let claims = transition::claims(events);
        let mut broken = if claims.is_empty() {
            Vec::new()
        } else {
            let statuses = transition::statuses_of(self, &transition::claimed_keys(&claims))?;
            transition::check_claims(&claims, |k, v| statuses.get(&(k.to_owned(), v)).copied())
        };
        // And who revoked what, as the rows record it (what `show` prints).
        broken.extend(transition::check_attribution(
            events,
            &transition::revocations_of(self)?,
        ));
        match broken.first() {
            None => Ok(()),
            Some(b) => Err(SignedError::BadSignature {
                env: self.env.clone(),
                detail: format!(
                    "{b}{}",
                    match broken.len() {
                        1 => String::new(),
                        n => format!(" (and {} more)", n - 1),
                    }
                ),
            }
            .into()),
        }
    }

    /// `KEYWARD_TRUST_ROOT` / `--trust-root`: the history must be signed under one of
    /// the roots given — its own root (`history`, what `trust root` prints), or its
    /// founders' root (`root`, which any history the same admins start shares: what
    /// `trust root` printed before the history's own root was, still accepted).
    pub(in crate::vault) fn check_trust_root(
        &self,
        root: Option<&str>,
        history: Option<&str>,
    ) -> Result<()> {
        let wanted = &self.paths.trust_roots;
        if wanted.is_empty() {
            return Ok(());
        }
        if let Some(h) = history
            && wanted.iter().any(|w| h.starts_with(w.as_str()))
        {
            return Ok(());
        }
        let Some(root) = root else {
            return Err(SignedError::Unsigned {
                env: self.env.clone(),
                expected: wanted.join(", "),
            }
            .into());
        };
        if wanted.iter().any(|w| root.starts_with(w.as_str())) {
            self.founders_pin.set(true);
            return Ok(());
        }
        Err(SignedError::TrustRootMismatch {
            env: self.env.clone(),
            expected: wanted.join(" or "),
            found: history.unwrap_or(root).to_owned(),
        }
        .into())
    }
}
