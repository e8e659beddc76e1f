//! People by name (DESIGN §16): wherever a recipient is accepted, a member's label is
//! too (`offboard Bob`, `access revoke Bob`). A label names the one member who carries
//! it — in the environment, or among the environments this identity opens; none or
//! several is a usage error (exit 2) that lists the candidates, so a typo never picks
//! someone by chance.

use std::collections::BTreeMap;

use crate::audit::Label;
use crate::error::{Error, Result};
use crate::recipient::{RecipientString, person};
use crate::vault::EnvDb;

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
            Err(e) if crate::recipient::looks_like_recipient(s) => Err(e),
            Err(_) => s.parse::<Label>().map(Person::Label).map_err(|e| {
                format!("`{}` is neither a recipient (`age1…`, `ssh-ed25519 …`) nor a member's label: {e}", crate::text::escape(s))
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
    pub fn resolve_in(&self, db: &EnvDb) -> Result<RecipientString> {
        self.resolve_among(std::slice::from_ref(db))
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

    /// The member this names among the members of `dbs`.
    pub fn resolve_among(&self, dbs: &[EnvDb]) -> Result<Found> {
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
        // Every labelled member, once, with the label and key the first env gives.
        let mut members: BTreeMap<String, Found> = BTreeMap::new();
        for db in dbs {
            for r in db.recipients()? {
                let Some(l) = r.label.clone() else { continue };
                let Ok(recipient) = r.recipient.parse::<RecipientString>() else {
                    continue;
                };
                let found = members.entry(r.recipient.clone()).or_insert(Found {
                    recipient,
                    label: Some(l),
                    signing_key: None,
                    key_proof: None,
                });
                // The key and its proof from one environment, never mixed.
                if found.signing_key.is_none() && r.signing_key.is_some() {
                    found.signing_key = r.signing_key;
                    found.key_proof = r.key_proof;
                }
            }
        }
        let named: Vec<&Found> = members
            .values()
            .filter(|f| f.label.as_deref() == Some(label.as_str()))
            .collect();
        let list = |fs: &[&Found]| {
            fs.iter()
                .map(|f| person(f.recipient.as_str(), f.label.as_deref()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let where_ = match dbs {
            [db] => format!("`{}`", db.env),
            _ => "the environments this identity opens".to_owned(),
        };
        match named.as_slice() {
            [one] => Ok((*one).clone()),
            [] => {
                let all: Vec<&Found> = members.values().collect();
                let close: Vec<&Found> = all
                    .iter()
                    .filter(|f| {
                        f.label
                            .as_deref()
                            .is_some_and(|l| crate::names::closeness(label.as_str(), l).is_some())
                    })
                    .copied()
                    .collect();
                let hint = if !close.is_empty() {
                    format!("did you mean {}?", list(&close))
                } else if all.is_empty() {
                    "no member there has a label: give the recipient (`keyward access list`)"
                        .to_owned()
                } else {
                    format!("members with a label: {}", list(&all))
                };
                Err(Error::usage(format!(
                    "no member labelled `{label}` in {where_}\nhint: {hint}"
                )))
            }
            many => Err(Error::usage(format!(
                "`{label}` is the label of {} members in {where_}: {}\nhint: give the recipient of the one you mean",
                many.len(),
                list(many)
            ))),
        }
    }
}
