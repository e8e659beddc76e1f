//! Env files as age and SQLite see them, outside keyward: decrypt, inspect, edit and
//! re-encrypt an image the way a recipient (or an attacker holding a file key) can.

use std::fs;
use std::path::Path;

use super::Sandbox;

impl Sandbox {
    /// Decrypt an env file with the plain age API and return the SQLite image: a small
    /// image is stored gzip-compressed (`gzip -dcf` in the README's recovery), a large
    /// one raw.
    pub fn decrypt_env(&self, env: &str) -> Vec<u8> {
        let payload = self.decrypt_env_payload(env);
        if payload.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&payload[..]), &mut out)
                .unwrap();
            return out;
        }
        payload
    }

    /// Decrypt an env file with the plain age API: the payload as stored.
    pub fn decrypt_env_payload(&self, env: &str) -> Vec<u8> {
        let id: age::x25519::Identity = self.literal_identity().parse().unwrap();
        let file = fs::read(self.env_file(env)).unwrap();
        let d = age::Decryptor::new(&file[..]).unwrap();
        let mut r = d
            .decrypt(std::iter::once(&id as &dyn age::Identity))
            .unwrap();
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut r, &mut out).unwrap();
        out
    }

    /// Re-encrypt an SQLite image as `env`'s file, to the sandbox identity.
    pub fn encrypt_env(&self, env: &str, image: &[u8]) {
        let r: age::x25519::Recipient = self.my_recipient().parse().unwrap();
        let e =
            age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
        let mut out = Vec::new();
        let mut w = e.wrap_output(&mut out).unwrap();
        std::io::Write::write_all(&mut w, image).unwrap();
        w.finish().unwrap();
        fs::write(self.env_file(env), out).unwrap();
    }

    /// Rewrite `env`'s image with `edit` (SQL by hand, as any recipient can), sign its
    /// head again with the sandbox identity (as a member who edits by hand can: DESIGN
    /// §15), and encrypt it again to the sandbox identity.
    pub fn edit_env(&self, env: &str, edit: impl FnOnce(&rusqlite::Connection)) {
        let me = self.identity.clone().expect("sandbox has an identity");
        self.encrypt_env(
            env,
            &edit_image(&self.decrypt_env(env), |c| {
                edit(c);
                super::forge::resign(c, &me);
            }),
        );
    }

    /// Forget the rows this machine kept of `env`'s last verified state (`pins/*/ENV.rows`):
    /// the machine then reads the next changed file as one that never verified the state
    /// before it (a fresh clone's), held to the file's own events only. For tests of
    /// what those rules catch in a state edited by hand.
    pub fn forget_kept_rows(&self, env: &str) {
        let pins = self.path("state/keyward/pins");
        for dir in fs::read_dir(&pins).unwrap() {
            let kept = dir.unwrap().path().join(format!("{env}.rows"));
            if kept.exists() {
                fs::remove_file(kept).unwrap();
            }
        }
    }
}

/// Open an SQLite image in memory (for checking what is inside an env file).
pub fn open_image(image: &[u8]) -> rusqlite::Connection {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.deserialize_read_exact(rusqlite::MAIN_DB, image, image.len(), false)
        .unwrap();
    conn
}

/// The SQLite image of the env file `file`, decrypted with the identity file `identity`
/// (inflated when stored compressed): what anyone holding that identity can read.
pub fn decrypt_file(file: &Path, identity: &Path) -> Vec<u8> {
    let id: age::x25519::Identity = Sandbox::secret_key_of(identity).parse().unwrap();
    let bytes = fs::read(file).unwrap();
    let d = age::Decryptor::new(&bytes[..]).unwrap();
    let mut r = d
        .decrypt(std::iter::once(&id as &dyn age::Identity))
        .unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut r, &mut out).unwrap();
    if out.starts_with(&[0x1f, 0x8b]) {
        let mut image = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&out[..]), &mut image)
            .unwrap();
        return image;
    }
    out
}

/// Whether the identity file `identity` can decrypt the env file `file` at all.
pub fn can_decrypt(file: &Path, identity: &Path) -> bool {
    let id: age::x25519::Identity = Sandbox::secret_key_of(identity).parse().unwrap();
    let bytes = fs::read(file).unwrap();
    age::Decryptor::new(&bytes[..])
        .unwrap()
        .decrypt(std::iter::once(&id as &dyn age::Identity))
        .is_ok()
}

/// An SQLite image (stored raw) encrypted to `recipients`: an env file anyone who knows
/// the public recipients can write.
pub fn encrypt_image(image: &[u8], recipients: &[&str]) -> Vec<u8> {
    let rs: Vec<age::x25519::Recipient> = recipients.iter().map(|r| r.parse().unwrap()).collect();
    let e = age::Encryptor::with_recipients(rs.iter().map(|r| r as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let mut w = e.wrap_output(&mut out).unwrap();
    std::io::Write::write_all(&mut w, image).unwrap();
    w.finish().unwrap();
    out
}

/// `image` changed by `edit` (SQL by hand, as an attacker holding the image would).
pub fn edit_image(image: &[u8], edit: impl FnOnce(&rusqlite::Connection)) -> Vec<u8> {
    let mut conn = open_image(image);
    edit(&conn);
    conn.serialize(rusqlite::MAIN_DB).unwrap().to_vec()
}

/// `image` gzip-compressed as keyward stores a small image (so a forged payload has as
/// many chunks as the real one: a raw image may not fit in one 64 KiB chunk).
pub fn gzipped(image: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, image).unwrap();
    gz.finish().unwrap()
}

/// `plaintext` encrypted under the file key and header of the age file `file` —
/// unwrapped with the X25519 identity file `identity` — as someone holding that file
/// key can: the header byte for byte, and with `keep_nonce` the payload nonce too (so
/// the payload key is the same and only the chunks differ).
pub fn reencrypt_under_header(
    file: &[u8],
    identity: &Path,
    plaintext: &[u8],
    keep_nonce: bool,
) -> Vec<u8> {
    use base64::Engine;
    use chacha20poly1305::aead::{Aead, KeyInit};
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    let hkdf = |ikm: &[u8], salt: &[u8], info: &[u8]| {
        let mut out = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(salt), ikm)
            .expand(info, &mut out)
            .unwrap();
        out
    };
    let end = file.windows(5).position(|w| w == b"\n--- ").unwrap() + 5;
    let end = end + file[end..].iter().position(|b| *b == b'\n').unwrap() + 1;
    let header = &file[..end];
    let (_, data) = bech32::decode(&Sandbox::secret_key_of(identity)).unwrap();
    let secret = x25519_dalek::StaticSecret::from(<[u8; 32]>::try_from(&data[..]).unwrap());
    let public = x25519_dalek::PublicKey::from(&secret);
    let text = std::str::from_utf8(header).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut file_key = None;
    for (i, l) in lines.iter().enumerate() {
        let Some(eph) = l.strip_prefix("-> X25519 ") else {
            continue;
        };
        let eph: [u8; 32] = b64.decode(eph.trim()).unwrap().try_into().unwrap();
        let mut body = String::new();
        for b in &lines[i + 1..] {
            body.push_str(b);
            if b.len() < 64 {
                break;
            }
        }
        let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(eph));
        let salt = [&eph[..], public.as_bytes()].concat();
        let wrap = hkdf(shared.as_bytes(), &salt, b"age-encryption.org/v1/X25519");
        let cipher = chacha20poly1305::ChaCha20Poly1305::new((&wrap).into());
        if let Ok(k) = cipher.decrypt(&[0u8; 12].into(), &b64.decode(&body).unwrap()[..]) {
            file_key = Some(k);
            break;
        }
    }
    let file_key = file_key.expect("the identity is a recipient of the file");
    let nonce: [u8; 16] = if keep_nonce {
        file[end..end + 16].try_into().unwrap()
    } else {
        rand::random()
    };
    let key = hkdf(&file_key, &nonce, b"payload");
    let cipher = chacha20poly1305::ChaCha20Poly1305::new((&key).into());
    let mut out = [header, &nonce[..]].concat();
    let chunks: Vec<&[u8]> = plaintext.chunks(64 * 1024).collect();
    for (n, c) in chunks.iter().enumerate() {
        let mut nonce = [0u8; 12];
        nonce[3..11].copy_from_slice(&(n as u64).to_be_bytes());
        nonce[11] = u8::from(n + 1 == chunks.len());
        out.extend(cipher.encrypt(&nonce.into(), *c).unwrap());
    }
    out
}
