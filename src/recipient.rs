//! Recipients: the public half of an identity, as the vault stores and encrypts to them.
//!
//! A [`RecipientString`] can only be built by parsing (`"…".parse()`), which validates
//! and canonicalises it (`age1…`, `ssh-ed25519 AAAA…`, `ssh-rsa AAAA…`, comment
//! dropped, or a plugin recipient `age1<name>1…` in lower case), or from an age public
//! key that is valid by type. No caller can hold an unvalidated one. Never touches
//! identities or secret material.

use std::fmt;

use crate::error::{Error, Result};

/// A validated, canonical recipient string: `age1…`, `ssh-ed25519 AAAA…` or `ssh-rsa AAAA…`
/// (the comment is dropped), or `age1<name>1…` of an age plugin (DESIGN §10).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct RecipientString(String);

impl std::str::FromStr for RecipientString {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim();
        // bech32 may be written all in upper case (as some plugins print recipients);
        // the stored form is lower case. Mixed case stays invalid.
        let lowered;
        let s = if s.starts_with("AGE1") && !s.bytes().any(|b| b.is_ascii_lowercase()) {
            lowered = s.to_ascii_lowercase();
            lowered.as_str()
        } else {
            s
        };
        // Go age's post-quantum recipients have the HRP `age1pq` (`age1pq1…`). An X25519
        // recipient's data may itself start with `pq` (about 1 in 1024 keys), but never
        // with `pq1`: `1` is not a bech32 data character.
        if crate::text::is_secret_key(s) {
            return Err("this is a secret key, not a recipient: it is not shown; it was on a command line (visible to other processes, kept in shell history): treat it as exposed".into());
        }
        if s.starts_with("age1pq1") {
            return Err("post-quantum age recipients are not supported yet".into());
        }
        if s.starts_with("age1") {
            if let Ok(r) = s.parse::<age::x25519::Recipient>() {
                return Ok(RecipientString::from(&r));
            }
            // DESIGN §10: `age1<name>1…`, a recipient of plugin `age-plugin-<name>`
            // (a YubiKey, a TPM…); bech32 is case-insensitive, stored in lower case.
            if s.parse::<age::plugin::Recipient>().is_ok() {
                return Ok(RecipientString(s.to_owned()));
            }
            return Err(format!("invalid age recipient `{}`", truncate(s)));
        }
        if s.starts_with("ssh-") {
            let r: age::ssh::Recipient = s.parse().map_err(|e| match e {
                age::ssh::ParseRecipientKeyError::Unsupported(t) => {
                    format!("unsupported SSH key type `{t}` (use ssh-ed25519 or ssh-rsa)")
                }
                age::ssh::ParseRecipientKeyError::RsaModulusTooSmall => {
                    "SSH RSA key is too small (under 2048 bits)".into()
                }
                _ => format!("invalid SSH public key `{}`", truncate(s)),
            })?;
            return Ok(RecipientString(r.to_string()));
        }
        Err(format!(
            "invalid recipient `{}`: expected `age1…`, `ssh-ed25519 …` or `ssh-rsa …`",
            truncate(s)
        ))
    }
}

/// An X25519 public key is valid by construction; its `Display` is the canonical form.
impl From<&age::x25519::Recipient> for RecipientString {
    fn from(r: &age::x25519::Recipient) -> Self {
        RecipientString(r.to_string())
    }
}

impl fmt::Display for RecipientString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl RecipientString {
    /// The canonical text, as stored in the vault.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The plugin that encrypts to this recipient (`age1yubikey1…` → `yubikey`), or
    /// `None` for an X25519 or SSH recipient: a hardware-backed recipient.
    pub fn plugin(&self) -> Option<String> {
        let s = self.as_str();
        if !s.starts_with("age1") || s.parse::<age::x25519::Recipient>().is_ok() {
            return None;
        }
        s.parse::<age::plugin::Recipient>()
            .ok()
            .map(|p| p.plugin().to_owned())
    }

    /// Parse into the age recipient that encrypts to it (X25519 and SSH; plugin
    /// recipients go through `plugin::encrypt_to`, one plugin session for all of a plugin's).
    pub fn to_age(&self) -> Result<Box<dyn age::Recipient + Send>> {
        let invalid = || Error::InvalidStoredRecipient {
            recipient: self.0.clone(),
        };
        if self.0.starts_with("age1") {
            let r: age::x25519::Recipient = self.0.parse().map_err(|_| invalid())?;
            Ok(Box::new(r))
        } else {
            let r: age::ssh::Recipient = self.0.parse().map_err(|_| invalid())?;
            Ok(Box::new(r))
        }
    }

    /// A short form for tables: `age1abcd…wxyz`.
    pub fn short(&self) -> String {
        short_recipient(&self.0)
    }
}

/// Whether `s` reads as a recipient (or a mistake in one, or a member card): such text
/// is never a label, so a label can never pass for a recipient or a recipient's prefix
/// (`audit --actor age1qyqs…`).
pub fn looks_like_recipient(s: &str) -> bool {
    let t = s.trim().to_ascii_lowercase();
    RECIPIENT_STARTS.iter().any(|p| t.starts_with(p))
}

/// How the recipients keyward takes begin (lower case): what a label may not hold.
pub const RECIPIENT_STARTS: [&str; 6] = [
    "age1",
    "ssh-",
    "sk-ssh-",
    "sk-ecdsa-",
    "ecdsa-sha2-",
    "kw-member",
];

/// A person as messages name them (DESIGN §16): `Bob (age1chh…wxyz)` with a label,
/// else the short recipient. A label is printable by construction (`audit::Label`);
/// one read from a file is escaped all the same.
pub fn person(recipient: &str, label: Option<&str>) -> String {
    let short = short_recipient(recipient);
    match label {
        Some(l) if !l.is_empty() => format!("{} ({short})", crate::text::escape(l)),
        _ => short,
    }
}

/// A short form of a recipient's text for tables: `age1abcd…wxyz`, `ssh-ed25519 …tail`.
pub fn short_recipient(r: &str) -> String {
    // Shown on one line, never a control character (a hostile file's text may hold any).
    crate::text::escape(&shorten(r)).into_owned()
}

fn shorten(r: &str) -> String {
    // A plugin recipient keeps its whole prefix (`age1yubikey1qx…wxyz`): it says what
    // kind of key it is.
    let plugin_hrp = r
        .rfind('1')
        .filter(|&at| r.starts_with("age1") && at > 3 && r.is_ascii() && r.len() > at + 12);
    if let Some(at) = plugin_hrp {
        format!("{}…{}", &r[..at + 5], &r[r.len() - 6..])
    } else if r.starts_with("age1") && r.len() > 20 && r.is_ascii() {
        format!("{}…{}", &r[..10], &r[r.len() - 6..])
    } else if let Some((kind, rest)) = r.split_once(' ') {
        let rest = rest.split(' ').next().unwrap_or("");
        if rest.len() > 12 {
            // The last ten characters (a hostile file's text need not be ASCII).
            let tail: String = rest
                .chars()
                .skip(rest.chars().count().saturating_sub(10))
                .collect();
            format!("{kind} …{tail}")
        } else {
            r.to_owned()
        }
    } else {
        r.to_owned()
    }
}

/// A bad recipient is echoed in messages, so only its first 24 characters, escaped.
fn truncate(s: &str) -> String {
    let mut t: String = s.chars().take(24).flat_map(char::escape_default).collect();
    if s.chars().count() > 24 {
        t.push('…');
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_validated_and_canonical() {
        let id = age::x25519::Identity::generate();
        let r = id.to_public().to_string();
        assert_eq!(r.parse::<RecipientString>().unwrap().as_str(), r);
        assert_eq!(
            format!("  {r}\n").parse::<RecipientString>().unwrap(),
            RecipientString::from(&id.to_public())
        );
        assert!("age1nope".parse::<RecipientString>().is_err());
        assert!("hello".parse::<RecipientString>().is_err());
    }

    /// A recipient read from a hostile file is shown on one line, and never panics.
    #[test]
    fn a_stored_recipient_keyward_never_writes_is_shown_escaped() {
        assert_eq!(
            short_recipient("age1q\nhint: run `keyward trust`"),
            "age1q\\nhint…trust`"
        );
        assert_eq!(
            short_recipient("ssh-ed25519 ééééééééééééééé\nx"),
            "ssh-ed25519 …éééééééé\\nx"
        );
    }
}
