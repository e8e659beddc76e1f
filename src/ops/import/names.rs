//! How a peer's entries become key names (DESIGN §17): a pass or passage entry's path,
//! a sops file's nested keys. A name that is not valid is never fixed silently: it is
//! reported with the name it would get, which `--rename-invalid` accepts.

use crate::names::KeyName;

/// The name an entry gets, or the valid name it would get if renamed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapped {
    Valid(KeyName),
    /// Not a valid name; `--rename-invalid` gives it this one.
    Invalid(KeyName),
}

/// A store entry's path (`prod/stripe/api-key`, the environment folder already taken
/// off with `--env-from-path`) as a name: components joined with `_`, `-` and `.` read
/// as `_`, letters upper-cased: `STRIPE_API_KEY`.
pub fn from_entry_path(components: &[&str]) -> Mapped {
    let natural: String = components
        .join("_")
        .chars()
        .map(|c| match c {
            '-' | '.' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    checked(&natural)
}

/// A sops file's key path (`db` → `password`) as a name: the keys joined with `_` as
/// they are (`db_password`); list items by their index.
pub fn from_key_path(path: &[String]) -> Mapped {
    checked(&path.join("_"))
}

fn checked(natural: &str) -> Mapped {
    match natural.parse::<KeyName>() {
        Ok(name) => Mapped::Valid(name),
        Err(_) => Mapped::Invalid(renamed(natural)),
    }
}

/// `natural` made valid: every character that cannot be in a name becomes `_` (one per
/// character, so the length in characters is kept), a leading digit gets a `_` in
/// front, and the result is cut at the longest name keyward accepts.
fn renamed(natural: &str) -> KeyName {
    let mut s: String = natural
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s.truncate(KeyName::MAX_LEN);
    s.parse()
        .expect("only letters, digits and `_`, not starting with a digit")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(s: &str) -> Mapped {
        Mapped::Valid(s.parse().unwrap())
    }
    fn invalid(s: &str) -> Mapped {
        Mapped::Invalid(s.parse().unwrap())
    }

    #[test]
    fn entry_paths_become_upper_case_names() {
        assert_eq!(
            from_entry_path(&["stripe", "api-key"]),
            valid("STRIPE_API_KEY")
        );
        assert_eq!(
            from_entry_path(&["prod", "db.password"]),
            valid("PROD_DB_PASSWORD")
        );
        assert_eq!(from_entry_path(&["github_token"]), valid("GITHUB_TOKEN"));
    }

    #[test]
    fn invalid_entry_paths_say_the_name_they_would_get() {
        assert_eq!(from_entry_path(&["2fa", "code"]), invalid("_2FA_CODE"));
        assert_eq!(from_entry_path(&["my key"]), invalid("MY_KEY"));
        assert_eq!(from_entry_path(&["clé"]), invalid("CL_"));
        assert_eq!(from_entry_path(&["a@b"]), invalid("A_B"));
    }

    #[test]
    fn key_paths_join_with_underscores_and_keep_their_case() {
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(from_key_path(&p(&["db", "password"])), valid("db_password"));
        assert_eq!(from_key_path(&p(&["hosts", "0"])), valid("hosts_0"));
        assert_eq!(from_key_path(&p(&["API_KEY"])), valid("API_KEY"));
        assert_eq!(from_key_path(&p(&["db-password"])), invalid("db_password"));
        assert_eq!(from_key_path(&p(&["0"])), invalid("_0"));
        assert_eq!(from_key_path(&p(&[""])), invalid("_"));
    }

    #[test]
    fn a_renamed_name_is_never_longer_than_a_name_may_be() {
        let long = "a-".repeat(200);
        let Mapped::Invalid(n) = from_key_path(&[long]) else {
            panic!("a name with `-` is invalid")
        };
        assert_eq!(n.as_str().len(), KeyName::MAX_LEN);
    }
}
