//! Making a set: entries put in canonical order and signed. The file formats are written
//! beside their readers (`sqlite.rs`, `jsonl.rs`), so a change to one side shows in the
//! other's round-trip test.
//!
//! keyward's `verifier export` is the one producer in practice (it alone can read the
//! values and holds the signing key); this is public so a test or a fixture can build a
//! set through the same code a service reads it with.

use ed25519_dalek::Signature;

use crate::format::{Entry, SetInfo, bucket_digests, signed_message, sort_entries};
use crate::keys::SigningKey;

/// A set ready to be written: its info, entries in canonical order, and signature.
#[derive(Debug)]
pub struct SignedSet {
    pub info: SetInfo,
    /// In canonical order (by hash, name, version).
    pub entries: Vec<Entry>,
    pub(crate) buckets: Vec<[u8; 32]>,
    pub(crate) signature: Signature,
}

impl SignedSet {
    /// Sort `entries` and sign them with `info`. `info.entries` and `info.pubkey` are
    /// taken from `entries` and `key`, so a set cannot claim another count or signer
    /// than the one it has; the other fields are the caller's (`format` should be
    /// [`SET_FORMAT`](crate::SET_FORMAT), `hmac_key_id` the [`HmacKey::id`] the entries
    /// were hashed with).
    ///
    /// [`HmacKey::id`]: crate::HmacKey::id
    pub fn sign(mut info: SetInfo, mut entries: Vec<Entry>, key: &SigningKey) -> SignedSet {
        info.entries = entries.len();
        info.pubkey = key.public();
        sort_entries(&mut entries);
        let buckets = bucket_digests(&entries);
        let signature = key.sign(&signed_message(&info, &buckets));
        SignedSet {
            info,
            entries,
            buckets,
            signature,
        }
    }

    /// The signature, as both file formats store it: 128 hex digits.
    pub(crate) fn signature_hex(&self) -> String {
        hex::encode(self.signature.to_bytes())
    }
}
