//! Check presented API keys against a signed keyward verifier set, without the vault.
//!
//! `keyward verifier export` writes, for every key version `keyward verify` would
//! accept now, the SHA-256 of its value (or HMAC-SHA-256 under a key the services hold),
//! with the key's name, version, status, scopes and `not_after` — never a value — and
//! signs the whole with the environment's Ed25519 verifier key (DESIGN §13). A service
//! links this crate, pins that key's public half, opens the set once
//! ([`VerifierSet::open`]: format, signer, signature, serial and HMAC key checked) and
//! answers every request from memory with [`VerifierSet::lookup`]; a service that serves
//! one environment also calls [`VerifierSet::require_env`]. It needs no identity,
//! no vault and no network, and pulls in neither clap nor age.
//!
//! The answer is an [`Answer`]: [`Answer::Valid`] (accept, with the key's name, version
//! and scopes), or why not — expired since the set was made, a token of another
//! environment, malformed input, or not in the set (unknown, revoked, retired). An
//! [`Error`] is about the set, not the key: a set that is damaged, edited, signed by
//! another key or older than the serial pinned is never answered from.
//!
//! ```
//! use keyward_verifier::{
//!     Alg, Answer, Entry, Pinned, SET_FORMAT, SetInfo, SignedSet, SigningKey, VerifierSet,
//!     entry_hash,
//! };
//!
//! # fn main() -> Result<(), keyward_verifier::Error> {
//! // What `keyward verifier export` does, in small: one active key, signed.
//! let signer = SigningKey::from_seed(&[7; 32]);
//! let entry = Entry {
//!     hash: entry_hash(b"kw_prod_presented-by-a-client", None),
//!     env: "prod".into(),
//!     name: "PAYMENTS_API".into(),
//!     version: 3,
//!     status: "active".into(),
//!     scopes: vec!["charge".into()],
//!     not_after: None,
//! };
//! let info = SetInfo {
//!     format: SET_FORMAT.into(),
//!     env: "prod".into(),
//!     serial: 41,
//!     generated: 1_700_000_000_000,
//!     alg: Alg::Sha256,
//!     hmac_key_id: None,
//!     entries: 1,
//!     pubkey: signer.public(),
//! };
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("prod.kwset");
//! std::fs::write(&path, SignedSet::sign(info, vec![entry], &signer).to_sqlite()?).unwrap();
//!
//! // What a service does: pin the public key (`keyward verifier pubkey -e prod`) and
//! // the lowest serial it accepts, open the set once, then look keys up.
//! let pubkey = signer.public().to_string().parse()?;
//! let pinned = Pinned { pubkey: Some(pubkey), min_serial: Some(40), hmac_key: None };
//! let set = VerifierSet::open(&path, &pinned)?.require_env("prod")?;
//! let now_ms = 1_700_000_100_000;
//! match set.lookup(b"kw_prod_presented-by-a-client\n", now_ms)? {
//!     Answer::Valid(found) => {
//!         assert_eq!((found.name.as_str(), found.version), ("PAYMENTS_API", 3));
//!         assert_eq!(found.scopes, ["charge"]);
//!     }
//!     other => panic!("refused: {}", other.reason()),
//! }
//! assert_eq!(set.lookup(b"a guess", now_ms)?, Answer::Unknown);
//!
//! // A set older than the serial pinned is refused, not answered from.
//! let stricter = Pinned { pubkey: Some(pubkey), min_serial: Some(42), hmac_key: None };
//! assert!(matches!(
//!     VerifierSet::open(&path, &stricter),
//!     Err(keyward_verifier::Error::SetStale { serial: 41, .. })
//! ));
//!
//! // A service that serves one environment refuses another one's set.
//! assert!(matches!(
//!     VerifierSet::open(&path, &pinned)?.require_env("dev"),
//!     Err(keyward_verifier::Error::SetInvalid { .. })
//! ));
//! # Ok(())
//! # }
//! ```
//!
//! The modules follow the set's life: `format` (the canonical form that is signed),
//! `signed` (signing), `sqlite` and `jsonl` (each file format, written and read),
//! `set` (opening and lookups), `presented` (what a lookup does to the input first),
//! `keys` (the signing, public and HMAC keys, and the entry hash).

#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]

mod error;
mod format;
mod jsonl;
mod keys;
mod presented;
mod set;
mod signed;
mod sqlite;
mod time;

pub use error::{Error, Result};
pub use format::{BUCKETS, Entry, SET_FORMAT, SetInfo, is_env_name, is_key_name};
pub use jsonl::entry_json;
pub use keys::{Alg, HmacKey, MAX_HMAC_KEY_FILE, MIN_HMAC_KEY, PublicKey, SigningKey, entry_hash};
pub use presented::{MAX_PRESENTED, malformed, strip_newline, token_env};
pub use set::{Answer, Found, Pinned, VerifierSet};
pub use signed::SignedSet;
pub use sqlite::SQLITE_SCHEMA;
pub use time::fmt_time_ms;

/// The README's example, compiled (not run: it reads a set from `/srv`) so it cannot
/// drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
