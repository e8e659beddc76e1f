//! Unit tests of literal identities (`--identity` / `KEYWARD_IDENTITY` values).

use super::*;

fn literal(value: &str) -> std::result::Result<String, String> {
    parse_literal_identity(value).map(|id| id.to_public().to_string())
}

#[test]
fn a_secret_key_is_found_in_every_form_it_is_pasted_in() {
    let id = age::x25519::Identity::generate();
    let key = id.to_string().expose_secret().to_owned();
    let public = id.to_public().to_string();
    let forms = [
        key.clone(),
        format!("  {key}\n"),
        format!("'{key}'"),
        format!("\"{key}\""),
        key.to_lowercase(),
        format!("# created: 2026-01-01T00:00:00Z\n# public key: {public}\n{key}\n"),
        format!("# the AGE-SECRET-KEY-1 line follows\r\n{key}\r\n"),
    ];
    for form in forms {
        assert!(matches!(
            IdentitySpec::from_arg(&form, PathBuf::from("/default")),
            IdentitySpec::Literal(_)
        ));
        assert_eq!(literal(&form), Ok(public.clone()));
    }
}

#[test]
fn a_bad_secret_key_is_described_never_echoed() {
    let key = age::x25519::Identity::generate()
        .to_string()
        .expose_secret()
        .to_owned();
    let mut broken = key.clone();
    broken.pop();
    broken.push(if key.ends_with('Q') { 'P' } else { 'Q' });
    let mixed = format!("{}{}", &key[..30], key[30..].to_lowercase());
    let plugin = "AGE-PLUGIN-YUBIKEY-1QQQQQQQQQQQQQQQQQQQQQQ".to_owned();
    let ssh = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n".to_owned();
    let pq = "AGE-SECRET-KEY-PQ-1QQQQQQQQQQQQQQQQ".to_owned();
    for (value, says) in [
        (&broken, "looks like a secret key but is not valid"),
        (&mixed, "looks like a secret key but is not valid"),
        (&plugin, "plugin identities"),
        (&ssh, "private key's text"),
        (&pq, "post-quantum"),
    ] {
        assert!(matches!(
            IdentitySpec::from_arg(value, PathBuf::from("/default")),
            IdentitySpec::Literal(_)
        ));
        let err = literal(value).unwrap_err();
        assert!(err.contains(says), "{err}");
        assert!(!err.contains(&value[..20]), "{err}");
        assert!(
            !err.to_lowercase().contains(&value[..20].to_lowercase()),
            "{err}"
        );
    }
    // a path is still a path
    assert!(matches!(
        IdentitySpec::from_arg("/home/me/.config/keyward/ci.key", PathBuf::from("/d")),
        IdentitySpec::File(_)
    ));
}

#[test]
fn identity_spec_debug_never_shows_the_key() {
    let key = age::x25519::Identity::generate()
        .to_string()
        .expose_secret()
        .to_owned();
    let spec = IdentitySpec::from_arg(&key, PathBuf::from("/d"));
    assert!(!format!("{spec:?}").contains(&key[15..40]));
}
