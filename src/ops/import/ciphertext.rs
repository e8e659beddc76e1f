//! What identifies an encrypted store entry whatever encoding its file uses: the
//! cross-environment copy check of `--env-from-path` (store.rs) compares these, not the
//! files' bytes.
//!
//! Someone who can write a store but not decrypt `prod/` can put a prod entry's
//! ciphertext into `dev/` in any encoding the decrypter accepts: ASCII armor (age's PEM,
//! OpenPGP's radix-64 with any line length, CRLF, headers), OpenPGP marker or padding
//! packets, old or new packet lengths, partial body lengths. Without the key they cannot
//! change what is encrypted, so what stays the same in every such copy identifies it:
//!
//! - age: the header MAC (an HMAC of the header under a key derived from the file key,
//!   which is random per encryption; a changed header fails it) and the payload nonce
//!   (16 random bytes the payload key derives from), read after age's own de-armoring;
//! - OpenPGP: the body of the one encrypted data packet (SED, SEIPD or AEAD), joined
//!   from its partial lengths, after de-armoring. The key packets before it (PKESK,
//!   SKESK) are left out: anyone can strip, reorder or add them.
//!
//! An entry of another shape (a compressed packet wrapped around the message, a second
//! message after it, trailing bytes, a literal packet) has no such identity, yet gpg may
//! decrypt it: [`Id::Unknown`], which the check refuses for an entry it would import.
//! Comparing decrypted values instead was rejected: dev and prod often share a value
//! legitimately (a host, a region), and `-e ENV` must not decrypt the other folders.

use std::io::Read;
use std::path::Path;

use base64::Engine;
use sha2::{Digest, Sha256};

/// The most of an entry's file read to identify it (its decrypted value may be at most
/// 64 MiB; the age header at most a MiB).
const READ_AT_MOST: u64 = 64 << 20;

/// What identifies an entry's ciphertext.
#[derive(Debug, PartialEq, Eq)]
pub enum Id {
    /// A digest of what stays the same in every encoding of the ciphertext.
    Known([u8; 32]),
    /// The file's shape is not one this reads: why, for the message.
    Unknown(&'static str),
}

/// The identity of the passage (age) entry in `file`.
pub fn age(file: &Path) -> std::io::Result<Id> {
    let f = std::fs::File::open(file)?;
    let mut reader = age::armor::ArmoredReader::new(std::io::BufReader::new(f));
    let mut bytes = Vec::new();
    if let Err(e) = (&mut reader).take(1 << 20).read_to_end(&mut bytes)
        && bytes.is_empty()
    {
        // Bad armor: age refuses it too.
        return match e.kind() {
            std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof => {
                Ok(Id::Unknown("not an age file"))
            }
            _ => Err(e),
        };
    }
    Ok(age_id(&bytes))
}

/// The header MAC and payload nonce of a binary age file (its first MiB, de-armored).
fn age_id(bytes: &[u8]) -> Id {
    const VERSION: &[u8] = b"age-encryption.org/v1\n";
    if !bytes.starts_with(VERSION) {
        return Id::Unknown("not an age v1 file");
    }
    // Stanza lines start `-> ` and their bodies are base64: the first line starting
    // `--- ` ends the header.
    let Some(at) = memchr::memmem::find(bytes, b"\n--- ") else {
        return Id::Unknown("no end to its age header");
    };
    let rest = &bytes[at + 5..];
    let Some(end) = memchr::memchr(b'\n', rest) else {
        return Id::Unknown("no end to its age header");
    };
    let mac_text = rest[..end].strip_suffix(b"\r").unwrap_or(&rest[..end]);
    let Some(mac) = lenient_base64(mac_text).filter(|m| m.len() == 32) else {
        return Id::Unknown("its age header MAC is not 32 bytes of base64");
    };
    let Some(nonce) = rest.get(end + 1..end + 17) else {
        return Id::Unknown("its age payload is cut short");
    };
    let mut h = Sha256::new();
    h.update(b"age\0");
    h.update(&mac);
    h.update(nonce);
    Id::Known(h.finalize().into())
}

/// The identity of the pass (OpenPGP) entry in `file`.
pub fn openpgp(file: &Path) -> std::io::Result<Id> {
    let f = std::fs::File::open(file)?;
    let mut bytes = Vec::new();
    f.take(READ_AT_MOST + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > READ_AT_MOST {
        return Ok(Id::Unknown("larger than 64 MiB"));
    }
    Ok(openpgp_id(&bytes))
}

/// The digest of the encrypted data packet's body of an OpenPGP message, binary or
/// armored.
fn openpgp_id(bytes: &[u8]) -> Id {
    let binary;
    let packets = match dearmor(bytes) {
        Armor::Binary => bytes,
        Armor::Text(b) => {
            binary = b;
            &binary[..]
        }
        Armor::Bad(why) => return Id::Unknown(why),
    };
    let mut rest = packets;
    let mut body: Option<Vec<u8>> = None;
    while !rest.is_empty() {
        let Some((tag, content, next)) = packet(rest) else {
            return Id::Unknown("its OpenPGP packets cannot be read");
        };
        rest = next;
        match tag {
            // Marker and padding packets: ignored by every reader.
            10 | 21 => {}
            // Public- and symmetric-key encrypted session keys, before the data.
            1 | 3 if body.is_none() => {}
            // SED, SEIPD, AEAD encrypted data: exactly one.
            9 | 18 | 20 if body.is_none() => body = Some(content),
            _ => return Id::Unknown("it is not one plain OpenPGP encrypted message"),
        }
    }
    match body {
        Some(b) => {
            let mut h = Sha256::new();
            h.update(b"openpgp\0");
            h.update(&b);
            Id::Known(h.finalize().into())
        }
        None => Id::Unknown("it holds no OpenPGP encrypted data"),
    }
}

/// One packet at the start of `b`: its tag, its body (partial lengths joined), and what
/// follows it. None when `b` does not start with a whole packet.
fn packet(b: &[u8]) -> Option<(u8, Vec<u8>, &[u8])> {
    let head = *b.first()?;
    if head & 0x80 == 0 {
        return None;
    }
    let mut rest = &b[1..];
    let take = |rest: &mut &[u8], n: usize| -> Option<Vec<u8>> {
        let (taken, after) = (rest.get(..n)?, rest.get(n..)?);
        *rest = after;
        Some(taken.to_vec())
    };
    let be = |bytes: Vec<u8>| bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b));
    if head & 0x40 == 0 {
        // Old format: the tag in bits 5-2, the length's size in bits 1-0.
        let tag = (head >> 2) & 0x0f;
        let len = match head & 3 {
            0 => be(take(&mut rest, 1)?),
            1 => be(take(&mut rest, 2)?),
            2 => be(take(&mut rest, 4)?),
            _ => rest.len(),
        };
        let body = take(&mut rest, len)?;
        return Some((tag, body, rest));
    }
    let tag = head & 0x3f;
    let mut body = Vec::new();
    loop {
        let first = usize::from(*rest.first()?);
        rest = &rest[1..];
        let (len, partial) = match first {
            0..=191 => (first, false),
            192..=223 => (((first - 192) << 8) + usize::from(*rest.first()?) + 192, {
                rest = &rest[1..];
                false
            }),
            255 => (be(take(&mut rest, 4)?), false),
            _ => (1usize << (first & 0x1f), true),
        };
        body.extend_from_slice(&take(&mut rest, len)?);
        if !partial {
            return Some((tag, body, rest));
        }
    }
}

enum Armor {
    Binary,
    Text(Vec<u8>),
    Bad(&'static str),
}

/// An OpenPGP message's radix-64 armor taken off, as gpg reads it: header lines up to a
/// blank line, lines of any length, CR or not, the `=` checksum line left out. A file
/// that does not start (after white space) with `-----BEGIN PGP MESSAGE-----` is binary.
fn dearmor(bytes: &[u8]) -> Armor {
    const BEGIN: &[u8] = b"-----BEGIN PGP MESSAGE-----";
    const END: &[u8] = b"-----END PGP MESSAGE-----";
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    if !bytes[start..].starts_with(BEGIN) {
        if memchr::memmem::find(bytes, b"-----BEGIN PGP").is_some() {
            return Armor::Bad("its armor is not one PGP MESSAGE block");
        }
        return Armor::Binary;
    }
    let text = &bytes[start + BEGIN.len()..];
    let Some(end) = memchr::memmem::find(text, END) else {
        return Armor::Bad("its armor has no END line");
    };
    let after = &text[end + END.len()..];
    if after.iter().any(|b| !b.is_ascii_whitespace()) {
        return Armor::Bad("something follows its armor's END line");
    }
    let mut lines = text[..end]
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .skip(1)
        .peekable();
    // Header lines (`Version: …`) until a blank line.
    if lines.peek().is_some_and(|l| l.contains(&b':')) {
        for l in lines.by_ref() {
            if l.iter().all(u8::is_ascii_whitespace) {
                break;
            }
        }
    }
    let mut data = Vec::new();
    for l in lines {
        if l.first() == Some(&b'=') {
            continue;
        }
        data.extend(l.iter().filter(|b| !b.is_ascii_whitespace()));
    }
    match lenient_base64(&data) {
        Some(b) => Armor::Text(b),
        None => Armor::Bad("its armor is not base64"),
    }
}

/// Standard base64, padded or not, unused trailing bits allowed (as lenient as the
/// decoders that read these files: a stricter one here would let a variant through).
fn lenient_base64(text: &[u8]) -> Option<Vec<u8>> {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    engine.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new-format packet of `tag` holding `body`, in partial lengths of 512 bytes.
    fn partial(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![0xc0 | tag];
        let mut rest = body;
        while rest.len() > 512 {
            out.push(224 + 9);
            out.extend_from_slice(&rest[..512]);
            rest = &rest[512..];
        }
        out.push(rest.len() as u8);
        out.extend_from_slice(rest);
        out
    }

    #[test]
    fn an_openpgp_message_is_known_by_its_data_whatever_the_encoding() {
        let pkesk = [0x84u8, 3, 3, 1, 2];
        let data: Vec<u8> = (0..700u32).map(|i| i as u8).collect();
        let mut plain = pkesk.to_vec();
        plain.extend_from_slice(&[0xd2, 0xff]);
        plain.extend_from_slice(&(data.len() as u32).to_be_bytes());
        plain.extend_from_slice(&data);
        let id = openpgp_id(&plain);
        assert!(matches!(id, Id::Known(_)));
        // An old-format marker packet in front, partial lengths, no key packets.
        let mut other = vec![0xa8, 3, b'P', b'G', b'P'];
        other.extend_from_slice(&partial(18, &data));
        assert_eq!(openpgp_id(&other), id);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&plain);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(50)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let armored = format!(
            "\r\n-----BEGIN PGP MESSAGE-----\r\nComment: x\r\n\r\n{}\r\n=abcd\r\n-----END PGP MESSAGE-----\r\n",
            lines.join("\r\n")
        );
        assert_eq!(openpgp_id(armored.as_bytes()), id);
        // Shapes gpg may decrypt but that carry no one identity.
        let mut twice = plain.clone();
        twice.extend_from_slice(&plain);
        assert!(matches!(openpgp_id(&twice), Id::Unknown(_)));
        assert!(matches!(openpgp_id(&partial(8, &plain)), Id::Unknown(_)));
        assert!(matches!(openpgp_id(&plain[..50]), Id::Unknown(_)));
        assert!(matches!(openpgp_id(b"hello"), Id::Unknown(_)));
    }

    #[test]
    fn an_age_file_is_known_by_its_header_mac_and_nonce() {
        let mac = base64::engine::general_purpose::STANDARD_NO_PAD.encode([7u8; 32]);
        let file = |mac: &str, nonce: u8| {
            let mut f =
                format!("age-encryption.org/v1\n-> X25519 abc\nZGVm\n--- {mac}\n").into_bytes();
            f.extend_from_slice(&[nonce; 16]);
            f.extend_from_slice(b"payload");
            f
        };
        let id = age_id(&file(&mac, 1));
        assert!(matches!(id, Id::Known(_)));
        assert_ne!(age_id(&file(&mac, 2)), id);
        assert!(matches!(
            age_id(b"age-encryption.org/v1\n--- x\n"),
            Id::Unknown(_)
        ));
        assert!(matches!(age_id(b"hello"), Id::Unknown(_)));
    }
}
