//! People by name (DESIGN §16): wherever a recipient is accepted, a member's label is
//! too (`offboard Bob`, `access revoke Bob`). A label names the one member who carries
//! it — in the environment, or among the environments this identity opens; none or
//! several is a usage error (exit 2) that lists the candidates, so a typo never picks
//! someone by chance.

use crate::audit::Label;
use crate::error::{Error, Result};
use crate::ops::context::Context;
use crate::recipient::{RecipientString, person};
use crate::vault::EnvDb;
use crate::vault::Relation;

/// A recipient, or the label of a member.
#[derive(Clone, Debug)]
pub enum Person {
    Recipient(RecipientString),
    Label(Label),
}

impl std::str::FromStr for Person {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Person, String> {
        match s.parse::<RecipientString>() {
            Ok(r) => Ok(Person::Recipient(r)),
            // What looks like a recipient is one, or a mistake in one: never a label.
            // A secret key: refused as one, never taken for a label.
            Err(e) if crate::recipient::looks_like_recipient(s) || crate::text::is_secret_key(s) => {
                Err(e)
            }
            Err(_) => s.parse::<Label>().map(Person::Label).map_err(|e| {
                format!(
                    "{} is neither a recipient (`age1…`, `ssh-ed25519 …`) nor a member's label: {e}",
                    crate::text::shown(s)
                )
            }),
        }
    }
}

/// A member found by label, with where.
#[derive(Clone, Debug)]
pub struct Found {
    pub recipient: RecipientString,
    pub label: Option<String>,
    /// Their signing key where one environment binds it (an admin's grant carries it).
    pub signing_key: Option<[u8; 32]>,
    /// The proof binding that key, from the same environment (none: an admin vouched
    /// for a hardware identity's key there).
    pub key_proof: Option<[u8; 64]>,
}

impl Person {
    /// The recipient, when given as one.
    pub fn recipient(&self) -> Option<&RecipientString> {
        match self {
            Person::Recipient(r) => Some(r),
            Person::Label(_) => None,
        }
    }

    /// What was typed, for messages and the commands hints print.
    pub fn as_typed(&self) -> &str {
        match self {
            Person::Recipient(r) => r.as_str(),
            Person::Label(l) => l.as_str(),
        }
    }

    /// The member of `db` this names (a recipient is taken as it is: whether it is a
    /// member is the caller's rule).
    pub fn resolve_in(&self, ctx: &Context, db: &EnvDb) -> Result<RecipientString> {
        self.resolve_among(ctx, std::slice::from_ref(db))
            .map(|f| f.recipient)
    }

    /// The one removed member of `dbs` whose former label (DESIGN §16) this is, when no
    /// current member carries it: `offboard Bob` again, after Bob was removed, is about
    /// Bob. `None` for a recipient, a label a current member has, or a label no removed
    /// member had; several removed members under one label are a usage error that lists
    /// them, as among current members.
    pub fn resolve_former_among(&self, dbs: &[EnvDb]) -> Result<Option<Found>> {
        let Person::Label(label) = self else {
            return Ok(None);
        };
        let mut current = std::collections::BTreeSet::new();
        let mut former = std::collections::BTreeSet::new();
        for db in dbs {
            for r in db.recipients()? {
                if r.label.as_deref() == Some(label.as_str()) {
                    return Ok(None);
                }
                current.insert(r.recipient);
            }
            for (recipient, l) in db.former_labels()? {
                if l == label.as_str() {
                    former.insert(recipient);
                }
            }
        }
        let removed: Vec<RecipientString> = former
            .into_iter()
            .filter(|r| !current.contains(r))
            .filter_map(|r| r.parse().ok())
            .collect();
        match removed.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(Found {
                recipient: one.clone(),
                label: Some(label.as_str().to_owned()),
                signing_key: None,
                key_proof: None,
            })),
            many => Err(Error::usage(format!(
                "`{label}` was the label of {} removed members: {}\nhint: give the recipient of the one you mean",
                many.len(),
                many.iter()
                    .map(|r| person(r.as_str(), Some(label.as_str())))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The member this names among the members of `dbs` (the environments a command
    /// covers). A label is a name for one person across them, so every environment
    /// must agree (DESIGN §16): anyone who can add an environment (a `write` member, a
    /// push) labels its members as they like, and a name taken from the first
    /// environment that gave it would let `aaa` decide whom `access grant Bob` lets
    /// in or `offboard Mallory` removes. So it is a usage error (exit 2) when the label,
    /// or one that reads the same, names two recipients anywhere, or when the member it
    /// names carries another label in some environment. And a member known by this
    /// label only from environments this command read for the first time (trusted on
    /// first use, not yet pinned) is not taken while others are known here.
    pub fn resolve_among(&self, ctx: &Context, dbs: &[EnvDb]) -> Result<Found> {
        let label = match self {
            Person::Recipient(r) => {
                return Ok(Found {
                    recipient: r.clone(),
                    label: None,
                    signing_key: None,
                    key_proof: None,
                });
            }
            Person::Label(l) => l,
        };
        let claims = claims(ctx, dbs)?;
        let list = |rs: &[&str]| {
            rs.iter()
                .map(|r| person(r, labels_of(&claims, r).first().copied()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let where_ = match dbs {
            [db] => format!("`{}`", db.env),
            _ => "the environments this identity opens".to_owned(),
        };
        // Recipients whose label is the one typed, or reads the same (`bob`, `Bob`).
        let mut named: Vec<&str> = claims
            .iter()
            .filter(|c| Label::same_as(&c.label, label.as_str()))
            .map(|c| c.recipient.as_str())
            .collect();
        named.sort_unstable();
        named.dedup();
        if !claims.iter().any(|c| c.label == label.as_str()) {
            let mut all: Vec<&str> = claims.iter().map(|c| c.recipient.as_str()).collect();
            all.sort_unstable();
            all.dedup();
            let close: Vec<&str> = all
                .iter()
                .filter(|r| {
                    labels_of(&claims, r)
                        .iter()
                        .any(|l| crate::names::closeness(label.as_str(), l).is_some())
                })
                .copied()
                .collect();
            let hint = if !close.is_empty() {
                format!("did you mean {}?", list(&close))
            } else if all.is_empty() {
                "no member there has a label: give the recipient (`keyward access list`)".to_owned()
            } else {
                format!("members with a label: {}", list(&all))
            };
            return Err(Error::usage(format!(
                "no member labelled {} in {where_}\nhint: {hint}",
                crate::text::shown(label.as_str())
            )));
        }
        if named.len() > 1 {
            let each: Vec<String> = named
                .iter()
                .map(|r| {
                    let envs = envs_of(&claims, r, Some(label.as_str()));
                    format!("{} in {envs}", person(r, Some(label.as_str())))
                })
                .collect();
            return Err(Error::usage(format!(
                "`{label}` names {} different members in {where_}: {}; a label names one person, so it is not used\nhint: give the recipient of the one you mean instead of the label: {}",
                named.len(),
                each.join("; "),
                full(&named)
            )));
        }
        let one = named[0];
        // The member it names carries no other label anywhere.
        let mine: Vec<&Claim> = claims.iter().filter(|c| c.recipient == one).collect();
        if let Some(other) = mine
            .iter()
            .find(|c| !Label::same_as(&c.label, label.as_str()))
        {
            return Err(Error::usage(format!(
                "the environments do not agree on who `{label}` is: {} is `{label}` in {} but `{}` in {}; a label names one person, so it is not used\nhint: give the recipient instead of the label: {}",
                crate::recipient::short_recipient(one),
                envs_of(&claims, one, Some(label.as_str())),
                crate::text::escape(&other.label),
                envs_of(&claims, one, Some(&other.label)),
                full(&[one])
            )));
        }
        // Trust on first use is for reading; a name that decides whom a command grants
        // or removes comes from an environment this machine knew before this command.
        if mine.iter().all(|c| c.new_here) && dbs.iter().any(|db| !new_here(ctx, db)) {
            return Err(Error::usage(format!(
                "`{label}` names {} only in {}, new to this machine (trusted on first use by this command), so the label is not used\nhint: check who they are (`keyward access list -e {}`), then give the recipient: {}",
                person(one, Some(label.as_str())),
                envs_of(&claims, one, None),
                mine[0].env,
                full(&[one])
            )));
        }
        let recipient: RecipientString = one.parse().map_err(|_| {
            Error::usage(format!("`{label}` names a recipient keyward cannot read"))
        })?;
        // The key and its proof from one environment, never mixed; one known here first.
        let keyed = mine
            .iter()
            .filter(|c| c.signing_key.is_some())
            .min_by_key(|c| c.new_here);
        Ok(Found {
            recipient,
            label: Some(label.as_str().to_owned()),
            signing_key: keyed.and_then(|c| c.signing_key),
            key_proof: keyed.and_then(|c| c.key_proof),
        })
    }
}

/// The label every environment of `dbs` that labels `recipient` gives it, for
/// messages; none when none does, or when they do not agree (`Bob` in one, `Mallory`
/// in another): then the recipient alone names them, not the first environment's word.
pub fn agreed_label(dbs: &[EnvDb], recipient: &str) -> Result<Option<String>> {
    let mut agreed: Option<String> = None;
    for db in dbs {
        if let Some(l) = db.known_labels()?.remove(recipient) {
            match &agreed {
                Some(a) if !Label::same_as(a, &l) => return Ok(None),
                Some(_) => {}
                None => agreed = Some(l),
            }
        }
    }
    Ok(agreed)
}

/// One environment's label for one member.
struct Claim {
    env: crate::names::EnvName,
    recipient: String,
    label: String,
    /// The environment was read for the first time by this command (trust on first
    /// use, `KEYWARD_TRUST_ROOT` not set).
    new_here: bool,
    signing_key: Option<[u8; 32]>,
    key_proof: Option<[u8; 64]>,
}

/// Every labelled member of every environment of `dbs`, in environment order.
fn claims(ctx: &Context, dbs: &[EnvDb]) -> Result<Vec<Claim>> {
    let mut out = Vec::new();
    for db in dbs {
        let new_here = new_here(ctx, db);
        for r in db.recipients()? {
            let Some(label) = r.label else { continue };
            out.push(Claim {
                env: db.env.clone(),
                recipient: r.recipient,
                label,
                new_here,
                signing_key: r.signing_key,
                key_proof: r.key_proof,
            });
        }
    }
    Ok(out)
}

/// Whether this command read `db` for the first time, trusting it on first use (no
/// `KEYWARD_TRUST_ROOT` to hold it to).
fn new_here(ctx: &Context, db: &EnvDb) -> bool {
    ctx.paths.trust_roots.is_empty()
        && matches!(db.history(), Relation::Fresh | Relation::NewVault { .. })
}

/// The labels `recipient` carries, in environment order.
fn labels_of<'a>(claims: &'a [Claim], recipient: &str) -> Vec<&'a str> {
    claims
        .iter()
        .filter(|c| c.recipient == recipient)
        .map(|c| c.label.as_str())
        .collect()
}

/// The environments that give `recipient` a label (that one, when given), as
/// `` `dev`, `prod` ``.
fn envs_of(claims: &[Claim], recipient: &str, label: Option<&str>) -> String {
    claims
        .iter()
        .filter(|c| c.recipient == recipient)
        .filter(|c| label.is_none_or(|l| Label::same_as(&c.label, l)))
        .map(|c| format!("`{}`", c.env))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whole recipients, to give instead of a label (a short form cannot be typed).
fn full(recipients: &[&str]) -> String {
    recipients
        .iter()
        .map(|r| crate::text::escape(r).into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}
