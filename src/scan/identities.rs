//! age identities in scanned bytes (DESIGN §16): an `AGE-SECRET-KEY-1…` line committed
//! or pasted is a key to every environment encrypted to it. Only a string that parses
//! as an X25519 identity counts (its bech32 checksum holds), so an example such as
//! `AGE-SECRET-KEY-1…` in a README is not one. Its public recipient is derived to say
//! with certainty whether it opens this vault's environments.

use std::collections::HashMap;

use zeroize::Zeroizing;

const PREFIX: &[u8] = b"AGE-SECRET-KEY-1";
/// An X25519 identity: the prefix and 58 bech32 characters (upper case).
const LEN: usize = 74;

/// Where each identity in `data` starts, with its public recipient.
pub fn find(data: &[u8]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for at in memchr::memmem::find_iter(data, PREFIX) {
        let Some(candidate) = data.get(at..at + LEN) else {
            continue;
        };
        // A longer run of key characters is not this identity (nor any).
        if data
            .get(at + LEN)
            .is_some_and(|b| b.is_ascii_alphanumeric())
        {
            continue;
        }
        let text = Zeroizing::new(String::from_utf8_lossy(candidate).into_owned());
        if let Ok(id) = text.parse::<age::x25519::Identity>() {
            out.push((at, id.to_public().to_string()));
        }
    }
    out
}

/// What a scan knows of the vault's recipients: recipient → the environments it opens.
pub type Known = HashMap<String, Vec<String>>;

/// The status and masked form of an identity found, and the environments it opens.
pub fn describe(recipient: &str, known: &Known) -> (String, &'static str, String) {
    let short = crate::recipient::short_recipient(recipient);
    match known.get(recipient) {
        Some(envs) => (
            envs.join(","),
            "vault-identity",
            format!("AGE-SECRET-KEY-1… of {short}"),
        ),
        None => (
            "-".to_owned(),
            "age-identity",
            format!("AGE-SECRET-KEY-1… of {short}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    /// An identity's text and its recipient.
    fn sample() -> (Secret, String) {
        use age::secrecy::ExposeSecret;
        let id = age::x25519::Identity::generate();
        (
            Secret::new(id.to_string().expose_secret().as_bytes().to_vec()),
            id.to_public().to_string(),
        )
    }

    #[test]
    fn only_a_real_identity_is_found_with_its_recipient() {
        let (secret, recipient) = sample();
        let mut data = b"# key\n".to_vec();
        data.extend_from_slice(secret.expose());
        data.extend_from_slice(b"\nAGE-SECRET-KEY-1\xe2\x80\xa6 in a README\n");
        let found = find(&data);
        assert_eq!(found, vec![(6, recipient)]);
        // A broken checksum is not an identity.
        let mut broken = secret.expose().to_vec();
        broken[40] = if broken[40] == b'Q' { b'P' } else { b'Q' };
        assert!(find(&broken).is_empty());
    }
}
