//! What a running agent holds, read once from its stdin (never argv, environment or a
//! file), and the answers that use it (DESIGN §3, §18):
//!
//! - `x25519` or `ssh`: an identity, which unwraps file keys for clients and never
//!   leaves the agent, and the signing key derived from it (or the ed25519 key itself);
//! - `plugin`: a hardware identity's recipient only — its key never leaves the token,
//!   and the agent never runs the plugin — plus the file keys the token opened for
//!   clients, and the identity's separate signing key when `unlock` was given it.
//!
//! The payload (`client::payload` writes it): `keyward-agent-v2`, `kind:K`, for a plugin
//! `recipient:R`, optionally `signing-path:P`, a blank line; then the secret (an
//! `AGE-SECRET-KEY-1…` line or an OpenSSH key's text; nothing for a plugin) and, when a
//! signing key follows, a NUL byte and its `AGE-SECRET-KEY-1…` line.

use age::secrecy::ExposeSecret;
use age_core::format::Stanza;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use zeroize::Zeroizing;

use super::keys::KeyCache;
use super::protocol::{Reply, WireStanza, encode_key};
use crate::error::{Error, Result};
use crate::identity::{KeySigner, Sign};
use crate::sys;

/// The first line of the payload.
pub(super) const PAYLOAD_MAGIC: &str = "keyward-agent-v2";
/// The longest payload read (an RSA-4096 OpenSSH key's text is ~3.4 KiB).
const MAX_PAYLOAD: usize = 16 * 1024;

/// How the agent decrypts.
enum Decrypts {
    /// It holds an identity and unwraps stanzas with it.
    Identity(Box<dyn age::Identity + Send + Sync>),
    /// It holds a hardware identity's file keys, never its identity.
    FileKeys(KeyCache),
}

/// What the agent holds.
pub(super) struct Held {
    decrypts: Decrypts,
    pub recipient: String,
    signer: Option<Box<KeySigner>>,
    pub signing_key: Option<String>,
    pub signing_proof: Option<String>,
    pub signing_path: Option<String>,
    /// Whether every secret's pages are locked in RAM.
    pub memory_locked: bool,
}

fn failed(why: &str) -> Error {
    Error::Agent { why: why.into() }
}

/// The `AGE-SECRET-KEY-1…` identity in `text`.
fn x25519_in(text: &[u8]) -> Option<Box<age::x25519::Identity>> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .map(Box::new)
}

impl Held {
    /// Read the payload from stdin into locked memory, parse it, and zeroize it.
    pub fn from_stdin() -> Result<Held> {
        // Allocated once at full size and locked where permitted; zeroized on drop.
        let mut buf = Zeroizing::new(vec![0u8; MAX_PAYLOAD]);
        let mut memory_locked = sys::lock_in_memory(buf.as_slice()).is_ok();
        let n = sys::read_stdin_unbuffered(&mut buf)
            .map_err(|e| failed(&format!("cannot read what to hold ({e})")))?;
        let payload = &buf[..n];
        let split = payload
            .windows(2)
            .position(|w| w == b"\n\n")
            .ok_or_else(|| failed("got no identity on stdin"))?;
        let header = std::str::from_utf8(&payload[..split])
            .map_err(|_| failed("got a malformed payload"))?;
        let mut lines = header.lines();
        if lines.next() != Some(PAYLOAD_MAGIC) {
            return Err(failed(
                "got a payload from another keyward version: `keyward lock`, then `keyward unlock`",
            ));
        }
        let (mut kind, mut recipient, mut signing_path) = (None, None, None);
        for line in lines {
            match line.split_once(':') {
                Some(("kind", v)) => kind = Some(v.to_owned()),
                Some(("recipient", v)) => recipient = Some(v.to_owned()),
                Some(("signing-path", v)) => signing_path = Some(v.to_owned()),
                _ => return Err(failed("got a malformed payload")),
            }
        }
        let body = &payload[split + 2..];
        let (secret, signing) = match body.iter().position(|b| *b == 0) {
            Some(at) => (&body[..at], Some(&body[at + 1..])),
            None => (body, None),
        };
        let (decrypts, recipient, mut signer) = match kind.as_deref() {
            Some("x25519") => {
                let id = x25519_in(secret).ok_or_else(|| failed("got no identity on stdin"))?;
                memory_locked &= sys::lock_in_memory(id.as_ref()).is_ok();
                let recipient = id.to_public().to_string();
                // DESIGN §15: the signing key derived from the identity.
                let signer = KeySigner::of_x25519(&id)
                    .ok_or_else(|| failed("the identity has no usable secret form"))?;
                (Decrypts::Identity(id), recipient, Some(signer))
            }
            Some("ssh") => {
                let id = age::ssh::Identity::from_buffer(secret, None)
                    .ok()
                    .filter(|id| matches!(id, age::ssh::Identity::Unencrypted(_)))
                    .ok_or_else(|| failed("got no SSH key it can use"))?;
                let recipient = age::ssh::Recipient::try_from(id.clone())
                    .map_err(|_| failed("cannot derive the SSH public key"))?
                    .to_string();
                let signer = crate::identity::ssh_signer(secret);
                (Decrypts::Identity(Box::new(id)), recipient, signer)
            }
            Some("plugin") => {
                let recipient = recipient.ok_or_else(|| failed("got no recipient"))?;
                let cache = KeyCache::new();
                memory_locked &= cache.locked;
                (Decrypts::FileKeys(cache), recipient, None)
            }
            _ => return Err(failed("got no identity on stdin")),
        };
        // A hardware identity's separate signing key (DESIGN §15).
        if let Some(text) = signing {
            let id = x25519_in(text).ok_or_else(|| failed("got a malformed signing key"))?;
            let secret = crate::signing::x25519_secret(&id)
                .ok_or_else(|| failed("the signing key has no usable secret form"))?;
            let key = crate::signing::derive_from_x25519(&secret);
            signer = Some(KeySigner::from_key(key, None));
        }
        let signer = signer.map(Box::new);
        if let Some(s) = &signer {
            memory_locked &= sys::lock_in_memory(s.as_ref()).is_ok();
        }
        let (signing_key, signing_proof) = match &signer {
            Some(s) => (
                s.public().ok().map(hex::encode),
                s.proof().ok().flatten().map(hex::encode),
            ),
            None => (None, None),
        };
        Ok(Held {
            decrypts,
            recipient,
            signer,
            signing_key,
            signing_proof,
            signing_path: signing_path.filter(|_| signing.is_some()),
            memory_locked,
        })
    }

    /// `identity` (it unwraps) or `file-keys` (a hardware identity's agent).
    pub fn holds(&self) -> &'static str {
        match self.decrypts {
            Decrypts::Identity(_) => "identity",
            Decrypts::FileKeys(_) => "file-keys",
        }
    }

    /// How many file keys are kept, per label (a hardware identity's agent only).
    pub fn counts(
        &mut self,
        client_now: Option<i64>,
    ) -> Option<std::collections::BTreeMap<String, u32>> {
        match &mut self.decrypts {
            Decrypts::FileKeys(c) => Some(c.counts(client_now, crate::names::now_ms())),
            Decrypts::Identity(_) => None,
        }
    }

    pub fn sign(&self, message: &str) -> Reply {
        let Some(signer) = &self.signer else {
            return Reply::failed("holds no signing key");
        };
        let Ok(msg) = B64.decode(message) else {
            return Reply::failed("bad message");
        };
        match signer.sign(&msg) {
            Ok(sig) => Reply {
                ok: true,
                signature: Some(hex::encode(sig)),
                ..Reply::default()
            },
            Err(_) => Reply::failed("cannot sign"),
        }
    }

    pub fn unwrap(&self, stanzas: &[WireStanza]) -> Reply {
        let Decrypts::Identity(identity) = &self.decrypts else {
            // DESIGN §18: a hardware identity's agent holds no identity to unwrap with.
            return Reply::failed("holds no identity: its key is in the token");
        };
        let parsed: Option<Vec<Stanza>> = stanzas.iter().map(WireStanza::to_stanza).collect();
        let Some(parsed) = parsed else {
            return Reply::failed("bad stanza");
        };
        match identity.unwrap_stanzas(&parsed) {
            Some(Ok(key)) => Reply {
                ok: true,
                file_key: Some(encode_key(key.expose_secret())),
                ..Reply::default()
            },
            _ => Reply::failed("no matching identity"),
        }
    }

    fn cache(&mut self) -> Option<&mut KeyCache> {
        match &mut self.decrypts {
            Decrypts::FileKeys(c) => Some(c),
            Decrypts::Identity(_) => None,
        }
    }

    pub fn recall(&mut self, header: &str, now: i64) -> Reply {
        let Some(header) = parse_header(header) else {
            return Reply::failed("bad header");
        };
        let Some(cache) = self.cache() else {
            return Reply::failed("keeps no file keys");
        };
        match cache.recall(&header, Some(now), crate::names::now_ms()) {
            Some(key) => Reply {
                ok: true,
                file_key: Some(encode_key(key.as_slice())),
                ..Reply::default()
            },
            None => Reply::failed("no key kept for this header"),
        }
    }

    pub fn keep(
        &mut self,
        header: &str,
        file_key: &str,
        label: &str,
        until: Option<i64>,
        now: i64,
    ) -> Reply {
        let key = Zeroizing::new(B64.decode(file_key).unwrap_or_default());
        let (Some(header), Ok(key)) = (parse_header(header), <[u8; 16]>::try_from(&key[..])) else {
            return Reply::failed("bad key");
        };
        let key = Zeroizing::new(key);
        let Some(cache) = self.cache() else {
            return Reply::failed("keeps no file keys");
        };
        cache.keep(header, &key, label, until, now, crate::names::now_ms());
        Reply {
            ok: true,
            ..Reply::default()
        }
    }

    pub fn forget(&mut self, label: &str) -> Reply {
        if let Some(cache) = self.cache() {
            cache.forget(label);
        }
        Reply {
            ok: true,
            ..Reply::default()
        }
    }
}

fn parse_header(hex_id: &str) -> Option<crate::identity::filekey::HeaderId> {
    hex::decode(hex_id).ok()?.try_into().ok()
}
