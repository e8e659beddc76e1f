//! File keys (DESIGN §18): an age file's 16-byte key, which the header's stanzas wrap to
//! each recipient. With a hardware identity the agent keeps the file keys the token
//! opened — never the identity — so a file is asked of the token once per version.
//!
//! A file key is known by its file's **header**: the digest of the header's stanzas
//! ([`header_id`]; a new version of a file has new stanzas, so it is another header).
//! Decrypting with a known key is age's own path: an identity that returns the key
//! ([`KnownKey`]), after which age checks the header's MAC with it (HMAC-SHA-256 under
//! HKDF of the key) and derives the payload key from it and the file's nonce, every
//! STREAM chunk authenticated as before. So a key opens only a header it authenticates:
//! a wrong key for a header is refused there, not trusted.
//!
//! A writer learns its new file's key as age wraps it ([`capturing`]), and [`bind`]
//! proves it is the written file's key by opening that file's header with it.

use std::io::BufRead;
use std::sync::{Arc, Mutex};

use age::secrecy::ExposeSecret;
use age_core::format::{FileKey, Stanza};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::Result;

/// What a file key is known by: SHA-256 over the header's stanzas.
pub type HeaderId = [u8; 32];

/// The id of the header holding `stanzas` (tags, arguments and bodies, each
/// length-prefixed, in header order).
pub fn header_id(stanzas: &[Stanza]) -> HeaderId {
    let mut h = Sha256::new();
    h.update(b"keyward-age-header-v1\0");
    h.update((stanzas.len() as u64).to_be_bytes());
    for s in stanzas {
        let mut field = |b: &[u8]| {
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        };
        field(s.tag.as_bytes());
        field(&(s.args.len() as u64).to_be_bytes());
        for a in &s.args {
            field(a.as_bytes());
        }
        field(&s.body);
    }
    h.finalize().into()
}

/// A file key and the header it opens, held in this process (zeroized on drop).
pub struct Held {
    pub header: HeaderId,
    key: Zeroizing<[u8; 16]>,
}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Held")
            .field("header", &hex::encode(&self.header[..8]))
            .field("key", &"[redacted]")
            .finish()
    }
}

impl Held {
    /// A copy (both zeroized on drop).
    pub fn copy(&self) -> Held {
        Held {
            header: self.header,
            key: Zeroizing::new(*self.key),
        }
    }

    /// `key` must be a file key's 16 bytes; anything else is `None`.
    pub fn new(header: HeaderId, key: &[u8]) -> Option<Held> {
        let key: [u8; 16] = key.try_into().ok()?;
        Some(Held {
            header,
            key: Zeroizing::new(key),
        })
    }

    pub fn key(&self) -> &[u8; 16] {
        &self.key
    }

    /// The key as age takes it.
    pub fn file_key(&self) -> FileKey {
        FileKey::new(Box::new(*self.key))
    }
}

/// Decrypting with a known file key: the identity that unwraps exactly one header.
pub struct KnownKey(pub Held);

impl age::Identity for KnownKey {
    fn unwrap_stanza(&self, _: &Stanza) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        None
    }

    fn unwrap_stanzas(
        &self,
        stanzas: &[Stanza],
    ) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        (header_id(stanzas) == self.0.header).then(|| Ok(self.0.file_key()))
    }
}

/// A file key's bytes as a writer captured them (zeroized on drop, never in `Debug`).
pub struct KeyBytes(Zeroizing<[u8; 16]>);

impl KeyBytes {
    pub fn bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl std::fmt::Debug for KeyBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where [`capturing`] leaves the key age wrapped.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Option<Zeroizing<[u8; 16]>>>>);

impl Captured {
    /// The key captured, once.
    pub fn take(&self) -> Option<KeyBytes> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .map(KeyBytes)
    }
}

/// A recipient that copies the file key it is asked to wrap, then wraps it as `inner`.
struct Capture {
    inner: Box<dyn age::Recipient + Send>,
    slot: Captured,
}

impl age::Recipient for Capture {
    fn wrap_file_key(
        &self,
        file_key: &FileKey,
    ) -> std::result::Result<(Vec<Stanza>, std::collections::HashSet<String>), age::EncryptError>
    {
        if let Ok(key) = <[u8; 16]>::try_from(file_key.expose_secret().as_slice()) {
            *self.slot.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(Zeroizing::new(key));
        }
        self.inner.wrap_file_key(file_key)
    }
}

/// `recipients` with the first one copying the file key it wraps into the returned slot
/// (age wraps one fresh key to every recipient of a file).
pub fn capturing(
    mut recipients: Vec<Box<dyn age::Recipient + Send>>,
) -> (Vec<Box<dyn age::Recipient + Send>>, Captured) {
    let slot = Captured::default();
    if !recipients.is_empty() {
        let inner = recipients.remove(0);
        recipients.insert(
            0,
            Box::new(Capture {
                inner,
                slot: slot.clone(),
            }),
        );
    }
    (recipients, slot)
}

/// Tells the header of the file it is offered, and offers `key` for it.
struct Offer<'a> {
    key: &'a [u8; 16],
    seen: Mutex<Option<HeaderId>>,
}

impl age::Identity for Offer<'_> {
    fn unwrap_stanza(&self, _: &Stanza) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        None
    }

    fn unwrap_stanzas(
        &self,
        stanzas: &[Stanza],
    ) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(header_id(stanzas));
        Some(Ok(FileKey::new(Box::new(*self.key))))
    }
}

/// `key` bound to the header of the age file `input` starts with, when it is that file's
/// key: age checks the header's MAC with it. `None` for any other file (replaced since
/// it was written, or not an age file).
pub fn bind(input: impl BufRead, key: &[u8; 16]) -> Option<Held> {
    let offer = Offer {
        key,
        seen: Mutex::new(None),
    };
    let decryptor = age::Decryptor::new_buffered(input).ok()?;
    if decryptor.is_scrypt() {
        return None;
    }
    decryptor
        .decrypt(std::iter::once(&offer as &dyn age::Identity))
        .ok()?;
    let header = offer.seen.lock().ok()?.take()?;
    Held::new(header, key)
}

/// The header of the age file `input` starts with (`None`: not an age file).
pub fn header_of(input: impl BufRead) -> Option<HeaderId> {
    struct See(Mutex<Option<HeaderId>>);
    impl age::Identity for See {
        fn unwrap_stanza(
            &self,
            _: &Stanza,
        ) -> Option<std::result::Result<FileKey, age::DecryptError>> {
            None
        }
        fn unwrap_stanzas(
            &self,
            s: &[Stanza],
        ) -> Option<std::result::Result<FileKey, age::DecryptError>> {
            *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(header_id(s));
            None
        }
    }
    let see = See(Mutex::new(None));
    let _ = age::Decryptor::new_buffered(input)
        .ok()?
        .decrypt(std::iter::once(&see as &dyn age::Identity));
    see.0.into_inner().ok()?
}

/// The file keys a command's identity unwrapped and where they may be kept: the agent of
/// a hardware identity (DESIGN §18). Implemented by the agent's client; an identity
/// without one has none.
pub trait FileKeys: Send + Sync {
    /// Whether the token opened any file in this process whose key was not taken yet.
    fn any_unwrapped(&self) -> bool;
    /// The key the token opened for `header` in this process, if it did (taken: a key is
    /// kept only for the environment whose file has that header).
    fn take_unwrapped(&self, header: &HeaderId) -> Option<Held>;
    /// Keep `keys` under `label` (vault and environment), until `until` (unix ms) if
    /// given, as of `now`.
    fn keep(&self, label: &str, keys: Vec<Held>, until: Option<i64>, now: i64) -> Result<()>;
    /// Forget every key kept under `label`.
    fn forget(&self, label: &str) -> Result<()>;
}

/// An identity that unwraps nothing: what an [`Unlocked`](super::Unlocked) holds for the
/// moment its identity is handed to a wrapper.
struct Nothing;

impl age::Identity for Nothing {
    fn unwrap_stanza(&self, _: &Stanza) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        None
    }
}

impl super::Unlocked {
    /// Where the file keys this identity's token opens may be kept (DESIGN §18); `None`
    /// unless a hardware identity is served by an agent.
    pub fn file_keys(&self) -> Option<&dyn FileKeys> {
        self.file_keys.as_deref()
    }

    /// This identity decrypting through what `wrap` makes of it (which sees every header
    /// first), the keys its token opens kept in `wrap`'s store.
    pub fn keeping_keys(
        mut self,
        wrap: impl FnOnce(
            Box<dyn age::Identity + Send + Sync>,
        ) -> (Box<dyn age::Identity + Send + Sync>, Arc<dyn FileKeys>),
    ) -> Self {
        let inner = std::mem::replace(&mut self.identity, Box::new(Nothing));
        let (outer, keys) = wrap(inner);
        self.identity = outer;
        self.file_keys = Some(keys);
        self
    }

    /// This identity signing with `signer` (the agent, which holds its signing key).
    pub fn signing_with(mut self, signer: Box<dyn super::Sign>) -> Self {
        self.signer = Ok(signer);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// An age testkit vector: its `key: value` lines and its age file.
    fn vector(name: &str) -> (Vec<(String, String)>, Vec<u8>) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/age-testkit")
            .join(name);
        let bytes = std::fs::read(path).unwrap();
        let split = bytes.windows(2).position(|w| w == b"\n\n").unwrap();
        let meta: Vec<(String, String)> = std::str::from_utf8(&bytes[..split])
            .unwrap()
            .lines()
            .map(|l| {
                let (k, v) = l.split_once(": ").unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect();
        let mut body = bytes[split + 2..].to_vec();
        if meta.iter().any(|(k, v)| k == "compressed" && v == "zlib") {
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(&body[..])
                .read_to_end(&mut out)
                .unwrap();
            body = out;
        }
        (meta, body)
    }

    fn meta<'a>(m: &'a [(String, String)], k: &str) -> &'a str {
        &m.iter().find(|(key, _)| key == k).unwrap().1
    }

    fn header_of(file: &[u8]) -> HeaderId {
        super::header_of(file).unwrap()
    }

    fn open_with(held: Held, file: &[u8]) -> std::result::Result<Vec<u8>, String> {
        let known = KnownKey(held);
        let mut r = age::Decryptor::new_buffered(file)
            .map_err(|e| e.to_string())?
            .decrypt(std::iter::once(&known as &dyn age::Identity))
            .map_err(|e| format!("{e:?}"))?;
        let mut out = Vec::new();
        r.read_to_end(&mut out).map_err(|e| e.to_string())?;
        Ok(out)
    }

    /// The age spec's own vectors (C2SP testkit), opened with the file key they name and
    /// no identity: the payload is the one they promise; a bad MAC or a bad chunk is
    /// refused as they expect.
    #[test]
    fn testkit_files_open_with_their_file_key_alone() {
        for name in ["x25519", "stream_two_chunks"] {
            let (m, file) = vector(name);
            assert_eq!(meta(&m, "expect"), "success");
            let key = hex::decode(meta(&m, "file key")).unwrap();
            let held = Held::new(header_of(&file), &key).unwrap();
            let plain = open_with(held, &file).unwrap();
            assert_eq!(
                hex::encode(Sha256::digest(&plain)),
                meta(&m, "payload"),
                "{name}"
            );
        }
        // The same key offered for a header whose MAC it does not make: refused.
        let (m, file) = vector("hmac_bad");
        assert_eq!(meta(&m, "expect"), "HMAC failure");
        let key = hex::decode(meta(&m, "file key")).unwrap();
        let err = open_with(Held::new(header_of(&file), &key).unwrap(), &file).unwrap_err();
        assert!(err.contains("InvalidMac"), "{err}");
        // A chunk altered under the right key: refused as the payload is read.
        let (m, file) = vector("stream_bad_tag_second_chunk");
        assert_eq!(meta(&m, "expect"), "payload failure");
        let key = hex::decode(meta(&m, "file key")).unwrap();
        assert!(open_with(Held::new(header_of(&file), &key).unwrap(), &file).is_err());
        // A key known for one header opens no other.
        let fresh = age::x25519::Identity::generate().to_public();
        let mut other = Vec::new();
        let mut w = age::Encryptor::with_recipients(std::iter::once(&fresh as &dyn age::Recipient))
            .unwrap()
            .wrap_output(&mut other)
            .unwrap();
        w.write_all(b"age").unwrap();
        w.finish().unwrap();
        let (m, file) = vector("x25519");
        let key = hex::decode(meta(&m, "file key")).unwrap();
        let err = open_with(Held::new(header_of(&file), &key).unwrap(), &other).unwrap_err();
        assert!(err.contains("NoMatchingKeys"), "{err}");
    }

    #[test]
    fn a_writer_captures_its_file_key_and_binds_it_to_the_file_it_wrote() {
        let id = age::x25519::Identity::generate();
        let (recipients, captured) = capturing(vec![
            Box::new(id.to_public()) as Box<dyn age::Recipient + Send>
        ]);
        let e = age::Encryptor::with_recipients(
            recipients.iter().map(|r| r.as_ref() as &dyn age::Recipient),
        )
        .unwrap();
        let mut file = Vec::new();
        let mut w = e.wrap_output(&mut file).unwrap();
        w.write_all(b"the payload").unwrap();
        w.finish().unwrap();
        let key = *captured.take().expect("the key was captured").bytes();
        assert!(captured.take().is_none(), "taken once");
        let held = bind(&file[..], &key).expect("it is the file's key");
        assert_eq!(held.header, header_of(&file));
        assert_eq!(open_with(held, &file).unwrap(), b"the payload");
        // Not the key of another file.
        let mut wrong = key;
        wrong[0] ^= 1;
        assert!(bind(&file[..], &wrong).is_none());
        let (_, testkit) = vector("x25519");
        assert!(bind(&testkit[..], &key).is_none());
        assert!(!format!("{:?}", bind(&file[..], &key).unwrap()).contains(&hex::encode(key)));
    }
}
