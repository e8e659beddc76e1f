//! Who can decrypt an environment (DESIGN §1.3): list, grant and revoke recipients.
//! Each change is one atomic commit with its event. The rules for removing a recipient
//! live here once (`check_removable`): it must be one, the last one cannot go (nobody
//! could decrypt the environment), and removing yourself needs `--force`.

use serde::Serialize;

use crate::audit::{Action, Label};
use crate::error::{Error, Result};
use crate::names::{EnvName, fmt_time_ms};
use crate::ops::Confirmation;
use crate::ops::Context;
use crate::recipient::RecipientString;
use crate::vault::EnvDb;

/// A recipient as `access list --json` prints it.
#[derive(Serialize)]
pub struct RecipientView {
    pub recipient: String,
    /// `access grant --name`; null when none was given.
    pub label: Option<String>,
    pub added_at: String,
    pub added_by: Option<String>,
    pub you: bool,
    /// DESIGN §10: the plugin that encrypts to a hardware-backed recipient
    /// (`age-plugin-yubikey`); null for X25519 and SSH recipients.
    pub plugin: Option<String>,
    /// DESIGN §15: `read`, `write` or `admin`.
    pub role: crate::codes::Role,
    /// Their signing key (hex) once bound; null while unbound (their first signed
    /// write binds it, or an admin's grant of their member card).
    pub signing_key: Option<String>,
    #[serde(skip)]
    pub(crate) added_ms: i64,
}

/// `access list`: the recipients of the environment in use, as a JSON array.
#[derive(Serialize)]
#[serde(transparent)]
pub struct Recipients(pub Vec<RecipientView>);

pub fn list(ctx: &Context) -> Result<Recipients> {
    let db = ctx.open_env()?;
    let me = ctx.identity()?.recipient.clone();
    let views = db
        .recipients()?
        .into_iter()
        .map(|r| RecipientView {
            you: r.recipient == me,
            plugin: r
                .recipient
                .parse::<RecipientString>()
                .ok()
                .and_then(|p| p.plugin())
                .map(|name| crate::plugin::binary_name(&name)),
            added_at: fmt_time_ms(r.added_at),
            added_ms: r.added_at,
            role: r.role,
            signing_key: r.signing_key.map(hex::encode),
            added_by: r.added_by,
            label: r.label,
            recipient: r.recipient,
        })
        .collect();
    Ok(Recipients(views))
}

/// What a grant or revoke did.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    Granted,
    AlreadyGranted,
    /// A member's role changed, or their signing key was bound (DESIGN §15).
    Updated,
    Revoked,
}

/// The outcome of `access grant` / `access revoke`: a message for the person at the
/// terminal (stderr).
#[derive(Serialize)]
pub struct AccessChanged {
    pub env: EnvName,
    pub recipient: RecipientString,
    /// Their label after the change (none: they have none).
    pub label: Option<Label>,
    pub change: Change,
    /// DESIGN §15: their role after the change (none for a revocation).
    pub role: Option<crate::codes::Role>,
    /// What changed about an existing member (`Updated`), in words.
    pub updated: Vec<String>,
    /// The signing key a card bound on the granting admin's word alone (a plugin
    /// identity's card carries no proof): said, so the admin knows they vouched.
    pub vouched: bool,
    /// The environment's new verifier public key, when the removal replaced it (the
    /// removed member could read the old one): services must pin this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verifier_key: Option<String>,
    #[serde(skip)]
    pub(crate) at: i64,
}

/// Someone to grant: a member card (`keyward identity show`: recipient, signing key,
/// proof) or a bare recipient.
#[derive(Debug, Clone)]
pub struct Grantee {
    pub recipient: RecipientString,
    pub card: Option<crate::signing::Card>,
}

impl std::str::FromStr for Grantee {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Grantee, String> {
        if crate::signing::Card::looks_like(s) {
            let card: crate::signing::Card = s.parse()?;
            let recipient: RecipientString = card.recipient.parse()?;
            return Ok(Grantee {
                recipient,
                card: Some(card),
            });
        }
        Ok(Grantee {
            recipient: s.parse()?,
            card: None,
        })
    }
}

/// The signing key a member card binds, with the proof its owner's identity made of it
/// (kept with the member, so every reader can check the binding later).
#[derive(Clone, Copy)]
pub struct CardKey {
    pub key: crate::signing::PublicKey,
    pub proof: Option<crate::signing::Sig>,
}

impl Grantee {
    /// The signing key a card binds, and whether only the granting admin vouches for it
    /// (a plugin identity's card, which carries no proof). A card whose proof does not
    /// check is someone else's key under this recipient: refused.
    pub fn key(&self) -> Result<(Option<CardKey>, bool)> {
        let Some(card) = &self.card else {
            return Ok((None, false));
        };
        match (card.binding(), &card.proof) {
            (Some(_), proof) => Ok((
                Some(CardKey {
                    key: card.key,
                    proof: *proof,
                }),
                false,
            )),
            (None, Some(_)) => Err(Error::usage(format!(
                "the member card for {} carries a proof that does not check: its signing key is not that identity's; ask its owner for `keyward identity show` again",
                self.recipient.short()
            ))),
            (None, None) if self.recipient.plugin().is_some() => Ok((
                Some(CardKey {
                    key: card.key,
                    proof: None,
                }),
                true,
            )),
            (None, None) => Err(Error::usage(format!(
                "the member card for {} carries no proof, and only a hardware (plugin) identity's card may: ask its owner for `keyward identity show` again",
                self.recipient.short()
            ))),
        }
    }
}

/// Whom `access grant` names: a member card or a recipient, or a member's label
/// (DESIGN §16: someone this environment or another one this identity opens knows).
#[derive(Debug, Clone)]
pub enum GrantTarget {
    Member(Grantee),
    Label(Label),
}

impl std::str::FromStr for GrantTarget {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<GrantTarget, String> {
        if crate::signing::Card::looks_like(s) {
            return s.parse().map(GrantTarget::Member);
        }
        match s.parse::<crate::ops::people::Person>()? {
            crate::ops::people::Person::Recipient(recipient) => Ok(GrantTarget::Member(Grantee {
                recipient,
                card: None,
            })),
            crate::ops::people::Person::Label(l) => Ok(GrantTarget::Label(l)),
        }
    }
}

/// `access grant`: who (a recipient, a member card carrying their signing key, or a
/// member's label; none: yourself), with which label and role.
pub struct Grant {
    pub who: Option<GrantTarget>,
    pub label: Option<Label>,
    /// `--role`; default `write` for someone new, unchanged for a member.
    pub role: Option<crate::codes::Role>,
}

/// The recipient a grant is about, the signing key it binds (and whether only the
/// granting admin vouches for it), and the label another environment knows them by.
type Whom = (RecipientString, Option<CardKey>, bool, Option<String>);

/// Resolve whom a grant names: a label is looked up in this environment first, then in
/// the others this identity opens (their key, bound there, comes along).
fn whom(ctx: &Context, who: Option<GrantTarget>) -> Result<Whom> {
    match who {
        None => Ok((ctx.identity()?.recipient_string()?, None, false, None)),
        Some(GrantTarget::Member(g)) => {
            let (key, vouched) = g.key()?;
            Ok((g.recipient, key, vouched, None))
        }
        Some(GrantTarget::Label(l)) => {
            let person = crate::ops::people::Person::Label(l);
            let here = ctx.open_env()?;
            let found = if here
                .known_labels()?
                .values()
                .any(|v| v == person.as_typed())
            {
                person.resolve_among(ctx, std::slice::from_ref(&here))?
            } else {
                let (all, _) = ctx.open_all_envs()?;
                person.resolve_among(ctx, &all)?
            };
            // The key comes with the proof its owner made in the other environment;
            // a hardware identity's key there was vouched for by an admin, as here.
            // An unproven key of an age identity is not carried: it binds on their own
            // first signed write.
            let key = found
                .signing_key
                .map(|key| CardKey {
                    key,
                    proof: found.key_proof,
                })
                .filter(|k| k.proof.is_some() || found.recipient.plugin().is_some());
            let vouched = key.as_ref().is_some_and(|k| k.proof.is_none());
            Ok((found.recipient, key, vouched, found.label))
        }
    }
}

/// Let `recipient` decrypt the environment in use, with `label` and `role`; for a
/// member already there, change their role or label, or bind the key their card
/// carries (an admin's change, DESIGN §15). Nothing changes if nothing asked for
/// differs.
pub fn grant(ctx: &Context, req: Grant) -> Result<AccessChanged> {
    use crate::codes::Role;
    let now = ctx.now();
    let (recipient, key, vouched, known_as) = whom(ctx, req.who)?;
    // DESIGN §10: age encrypts to a plugin recipient through its plugin; without it
    // nothing could be written, so refuse before anything is opened.
    crate::plugin::require_plugins(std::slice::from_ref(&recipient))?;
    let mut db = ctx.write_env()?;
    let actor = ctx.actor()?;
    let member = db.members()?.get(recipient.as_str()).cloned();
    let current_label = db
        .recipients()?
        .into_iter()
        .find(|r| r.recipient == recipient.as_str())
        .and_then(|r| r.label);
    let new_label: Option<Label> = req
        .label
        .clone()
        .or_else(|| known_as.as_deref().and_then(|l| l.parse().ok()));
    // DESIGN §16: a label names one person here, so it can be typed instead of them;
    // one that differs from another only in case would read as the same person. The
    // label a grant carries from another environment is held to this too.
    if let Some(l) = &new_label
        && let Some(other) = db.recipients()?.into_iter().find(|r| {
            r.label
                .as_deref()
                .is_some_and(|o| Label::same_as(o, l.as_str()))
                && r.recipient != recipient.as_str()
        })
    {
        return Err(Error::usage(format!(
            "`{l}` is already the label of {} in `{}`: a label names one member\nhint: choose another --name",
            crate::recipient::person(&other.recipient, other.label.as_deref()),
            db.env
        )));
    }
    let (change, role, updated) = db.batch(|tx| match &member {
        None => {
            let role = req.role.unwrap_or(Role::Write);
            tx.add_labeled_recipient(&recipient, new_label.as_ref(), &actor, now)?;
            tx.set_role(recipient.as_str(), role)?;
            if let Some(k) = &key {
                tx.bind_key(recipient.as_str(), &k.key, k.proof.as_ref())?;
            }
            tx.record_about(
                &actor,
                Action::AccessGrant,
                recipient.as_str(),
                Some(recipient.as_str()),
                now,
            )?;
            Ok((Change::Granted, role, Vec::new()))
        }
        Some(m) => {
            let mut updated = Vec::new();
            let role = req.role.unwrap_or(m.role);
            if role != m.role {
                tx.set_role(recipient.as_str(), role)?;
                updated.push(format!("role {} → {role}", m.role));
            }
            if let Some(l) = &req.label
                && current_label.as_deref() != Some(l.as_str())
            {
                tx.set_label(&recipient, l)?;
                updated.push(format!("label → {l}"));
            }
            match (m.key, key) {
                (Some(bound), Some(k)) if bound != k.key => {
                    return Err(Error::usage(format!(
                        "{} is bound to another signing key than this card's; to bind a new one, revoke their access and grant the new card",
                        recipient.short()
                    )));
                }
                (None, Some(k)) => {
                    tx.bind_key(recipient.as_str(), &k.key, k.proof.as_ref())?;
                    updated.push("signing key bound".to_owned());
                }
                _ => {}
            }
            if updated.is_empty() {
                return Ok((Change::AlreadyGranted, role, updated));
            }
            tx.record_about(
                &actor,
                Action::Role,
                recipient.as_str(),
                Some(&updated.join("; ")),
                now,
            )?;
            Ok((Change::Updated, role, updated))
        }
    })?;
    if !matches!(change, Change::AlreadyGranted) {
        ctx.commit(&mut db)?;
    }
    if matches!(change, Change::Granted) {
        warn_hardware(ctx, &db.env, std::slice::from_ref(&recipient));
    }
    // The label they have now: never one that was asked for and not set.
    let label = db
        .recipients()?
        .into_iter()
        .find(|r| r.recipient == recipient.as_str())
        .and_then(|r| r.label)
        .and_then(|l| l.parse().ok());
    Ok(AccessChanged {
        env: db.env.clone(),
        recipient,
        label,
        change,
        role: Some(role),
        updated,
        vouched: vouched && key.is_some() && member.as_ref().is_none_or(|m| m.key.is_none()),
        verifier_key: None,
        at: now,
    })
}

/// DESIGN §10: a hardware-backed recipient binds every writer of `env` to its plugin,
/// and a lost token loses the environment unless another recipient remains: say both.
pub(crate) fn warn_hardware(ctx: &Context, env: &EnvName, added: &[RecipientString]) {
    for r in added {
        if let Some(name) = r.plugin() {
            let binary = crate::plugin::binary_name(&name);
            ctx.out.warn(&format!(
                "{} is a hardware-backed recipient: every writer of `{env}` now needs `{binary}` on PATH (age encrypts to it through the plugin); keep an offline backup recipient too (`keyward access grant BACKUP_RECIPIENT -e {env}`), or losing the token loses `{env}`",
                r.short()
            ));
        }
    }
}

/// `access revoke`: the recipient (or member's label) to remove; `force` allows
/// removing yourself.
pub struct Revoke {
    pub recipient: crate::ops::people::Person,
    pub force: bool,
}

impl Revoke {
    /// This command with its `-e` and `--yes`, for the hint without a terminal.
    fn command(&self, env: &EnvName) -> String {
        let mut w = vec![
            "access",
            "revoke",
            self.recipient.as_typed(),
            "-e",
            env.as_str(),
        ];
        if self.force {
            w.push("--force");
        }
        w.push("--yes");
        crate::ops::plan::command_line(&w)
    }

    /// What will change, for the question (DESIGN §14).
    fn confirmation(
        &self,
        db: &EnvDb,
        recipient: &RecipientString,
        me: &str,
    ) -> Result<Confirmation> {
        let (r, env) = (db.person(recipient.as_str()), &db.env);
        let left = db.recipients()?.len().saturating_sub(1);
        let mut lines = vec![format!(
            "{r} loses access to `{env}`: it is re-encrypted to the {left} other recipient(s)"
        )];
        if recipient.as_str() == me {
            lines.push(format!(
                "{r} is you: this identity can no longer open `{env}`"
            ));
        }
        lines.push(format!(
            "keys {r} already read still work until rotated: `keyward offboard {} --reason TEXT -e {env}` also rotates them",
            crate::ops::plan::shell_word(self.recipient.as_typed())
        ));
        Ok(Confirmation {
            lines,
            warnings: Vec::new(),
            what: format!("revoke {r}'s access to `{env}`"),
            command: self.command(env),
        })
    }
}

/// Plan to stop `recipient` from decrypting future versions of the environment in use.
pub fn plan_revoke(req: Revoke) -> RevokePlan {
    RevokePlan(req)
}

/// An access revocation about to be made (see `plan_revoke`).
pub struct RevokePlan(Revoke);

impl super::Destructive for RevokePlan {
    type Done = AccessChanged;

    fn ask(&mut self, ctx: &Context) -> Result<Option<Confirmation>> {
        // DESIGN §14: refusals first, then what will change, before the writer lock is
        // taken (the refusals are checked again under it).
        let peek = ctx.open_env()?;
        let me = ctx.identity()?.recipient.clone();
        let recipient = self.0.recipient.resolve_in(ctx, &peek)?;
        check_removable(&peek, &recipient, &me, self.0.force)?;
        Ok(Some(self.0.confirmation(&peek, &recipient, &me)?))
    }

    fn apply(self, ctx: &Context) -> Result<AccessChanged> {
        revoke(ctx, self.0)
    }
}

fn revoke(ctx: &Context, req: Revoke) -> Result<AccessChanged> {
    let now = ctx.now();
    let mut db = ctx.write_env()?;
    let actor = ctx.actor()?;
    let recipient = req.recipient.resolve_in(ctx, &db)?;
    check_removable(&db, &recipient, &actor.recipient, req.force)?;
    let label = db.known_labels()?.remove(recipient.as_str());
    let who = db.person(recipient.as_str());
    let mut verifier_key = None;
    db.batch(|tx| {
        verifier_key = super::verifier::remove_recipient(tx, &actor, &recipient, &who, now)?;
        // The reason stays the recipient: `check` reads removals from it.
        tx.record_about(
            &actor,
            Action::AccessRevoke,
            recipient.as_str(),
            Some(recipient.as_str()),
            now,
        )
    })?;
    ctx.commit(&mut db)?;
    Ok(AccessChanged {
        env: db.env.clone(),
        recipient,
        label: label.and_then(|l| l.parse().ok()),
        change: Change::Revoked,
        role: None,
        updated: Vec::new(),
        vouched: false,
        verifier_key,
        at: now,
    })
}

/// Whether `recipient` may be removed from `db` by `me`: it is a recipient, not the
/// last one, and not `me` unless `force`.
pub fn check_removable(
    db: &EnvDb,
    recipient: &RecipientString,
    me: &str,
    force: bool,
) -> Result<()> {
    if !db.has_recipient(recipient)? {
        return Err(Error::NoSuchRecipient {
            recipient: db.person(recipient.as_str()),
            env: db.env.clone(),
        });
    }
    if db.recipients()?.len() <= 1 {
        return Err(Error::LastRecipient {
            env: db.env.clone(),
        });
    }
    if recipient.as_str() == me && !force {
        return Err(Error::RevokingYourself {
            env: db.env.clone(),
            recipient: recipient.as_str().to_owned(),
        });
    }
    if let Some(has) = not_admin(db, me)? {
        return Err(crate::error::SignedError::NotAllowed {
            env: db.env.clone(),
            who: db.person(me),
            has,
            what: format!("remove {}", db.person(recipient.as_str())),
            needs: crate::codes::Role::Admin,
        }
        .into());
    }
    Ok(())
}

/// DESIGN §15: who can decrypt an environment with a signed history changes only by an
/// admin's signature. What `me` is there when that is not an admin (`a \`write\`
/// member`, `not a member`); `None` when it may (an admin, or an unsigned history, whose
/// next write is signed by its writer as its first admin). The signer refuses it again;
/// asked first so that a command changing several environments (`offboard`) refuses
/// before it changes any, and a question is not asked for a change that cannot be made.
pub fn not_admin(db: &EnvDb, me: &str) -> Result<Option<String>> {
    if !db.is_signed()? {
        return Ok(None);
    }
    Ok(match db.role_of(me)? {
        Some(crate::codes::Role::Admin) => None,
        Some(role) => Some(format!("a `{role}` member")),
        None => Some("not a member".to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use crate::error::Error;

    #[test]
    fn refusals_name_the_environment_and_the_command_that_follows() {
        let env: crate::names::EnvName = "prod".parse().unwrap();
        let last = Error::LastRecipient { env: env.clone() }.to_string();
        assert!(last.contains("`prod`"), "{last}");
        assert!(
            last.contains("\nhint: ") && last.contains("keyward access grant <recipient> -e prod"),
            "{last}"
        );
        let me = Error::RevokingYourself {
            env: env.clone(),
            recipient: "age1me".into(),
        }
        .to_string();
        assert!(
            me.contains("keyward access revoke age1me -e prod --force"),
            "{me}"
        );
        let none = Error::NoSuchRecipient {
            recipient: "age1x…y".into(),
            env,
        }
        .to_string();
        assert!(none.contains("keyward access list -e prod"), "{none}");
        for e in [last, me, none] {
            assert_eq!(e.lines().count(), 2, "one message line and one hint: {e}");
        }
    }
}
