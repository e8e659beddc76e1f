//! A member card (DESIGN §15): a recipient and its signing key in one copy-pasteable
//! string, `kw-member1:<recipient>:<signing key, hex>:<binding proof, hex or ->`.
//! `identity show` prints it; `access grant` takes it.
//!
//! The proof (X25519 identities) makes the card self-proving: whoever grants it binds a
//! key the recipient's owner vouched for. A plugin identity's card has none (its token
//! cannot sign): the admin who grants it vouches for it, and says so in the grant.

use std::fmt;

use super::{Binding, PublicKey, Sig, binding_holds};

pub const PREFIX: &str = "kw-member1:";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    /// The recipient, as written (validated by whoever parses it as a recipient).
    pub recipient: String,
    pub key: PublicKey,
    pub proof: Option<Sig>,
}

impl Card {
    /// Whether `s` is meant as a card (then parse errors say what is wrong with it).
    pub fn looks_like(s: &str) -> bool {
        s.trim_start().starts_with(PREFIX)
    }

    /// How the card's key is bound to its recipient; `None`: only by whoever grants it
    /// (a plugin identity's card), or a proof that does not check (a forged card).
    pub fn binding(&self) -> Option<Binding> {
        binding_holds(
            &self.recipient,
            &self.key,
            self.proof.as_ref().map(|p| &p[..]),
        )
    }
}

impl fmt::Display for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proof = self.proof.map_or_else(|| "-".to_owned(), hex::encode);
        write!(
            f,
            "{PREFIX}{}:{}:{proof}",
            self.recipient,
            hex::encode(self.key)
        )
    }
}

impl std::str::FromStr for Card {
    type Err = String;
    fn from_str(s: &str) -> Result<Card, String> {
        let body = s
            .trim()
            .strip_prefix(PREFIX)
            .ok_or_else(|| format!("a member card starts with `{PREFIX}`"))?;
        // The recipient may hold a space (ssh keys), never a colon.
        let mut parts = body.rsplitn(3, ':');
        let (Some(proof), Some(key), Some(recipient)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(
                "a member card has three parts after its prefix: recipient, signing key, proof"
                    .into(),
            );
        };
        let key: PublicKey = hex::decode(key)
            .ok()
            .and_then(|k| k.try_into().ok())
            .ok_or("the card's signing key is not 64 hex digits")?;
        let proof = match proof {
            "-" => None,
            p => Some(
                hex::decode(p)
                    .ok()
                    .and_then(|p| p.try_into().ok())
                    .ok_or("the card's binding proof is not 128 hex digits")?,
            ),
        };
        Ok(Card {
            recipient: recipient.trim().to_owned(),
            key,
            proof,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_reads_back_and_a_bent_one_does_not_bind() {
        let id = age::x25519::Identity::generate();
        let recipient = id.to_public().to_string();
        let secret = crate::signing::x25519_secret(&id).unwrap();
        let key = crate::signing::derive_from_x25519(&secret)
            .verifying_key()
            .to_bytes();
        let card = Card {
            recipient: recipient.clone(),
            key,
            proof: Some(crate::signing::prove_binding(&secret, &recipient, &key)),
        };
        let text = card.to_string();
        assert!(Card::looks_like(&text));
        let back: Card = text.parse().unwrap();
        assert_eq!(back, card);
        assert_eq!(back.binding(), Some(Binding::Proven));
        let mut other = back.clone();
        other.key[0] ^= 1;
        assert_eq!(other.binding(), None);
        for bad in [
            "kw-member1:age1x",
            "kw-member1:age1x:zz:-",
            "kw-member1:age1x:00:-",
        ] {
            assert!(bad.parse::<Card>().is_err(), "{bad}");
        }
        let unproven: Card = format!("{PREFIX}{recipient}:{}:-", hex::encode(key))
            .parse()
            .unwrap();
        assert_eq!(unproven.proof, None);
        assert_eq!(unproven.binding(), None);
    }
}
