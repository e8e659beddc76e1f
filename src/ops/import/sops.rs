//! `import --from sops FILE`: decrypted by the real `sops` binary (it knows every key
//! type sops supports: age, PGP, cloud KMS), its output read as JSON, nested keys
//! flattened to names with `_`.
//!
//! The identity in use is handed to sops without touching the disk: a file identity by
//! its path (`SOPS_AGE_KEY_FILE`, or `SOPS_AGE_SSH_PRIVATE_KEY_FILE` for an SSH key), a
//! literal one (`KEYWARD_IDENTITY=AGE-SECRET-KEY-1…`) in the child's environment
//! (`SOPS_AGE_KEY`), never argv. A variable the user set already is left as it is, and
//! sops' own setup (its `keys.txt`, PGP, KMS) applies as always.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use age::secrecy::ExposeSecret;
use zeroize::Zeroizing;

use super::child::{self, Ran};
use super::names;
use super::{Found, SopsType};
use crate::error::{Error, ImportError, Result, SopsFailure};
use crate::identity::IdentitySpec;
use crate::ops::Context;
use crate::secret::Secret;

/// The type sops reads `file` as: `--input-type`, else its extension as sops sees it.
fn input_type(file: &Path, given: Option<SopsType>) -> Result<SopsType> {
    if let Some(t) = given {
        return Ok(t);
    }
    let ext = file.extension().and_then(OsStr::to_str).unwrap_or("");
    match ext {
        "env" => Ok(SopsType::Dotenv),
        "json" => Ok(SopsType::Json),
        "yaml" | "yml" => Ok(SopsType::Yaml),
        _ => Err(ImportError::SopsType {
            file: file.to_owned(),
        }
        .into()),
    }
}

/// Every value of a sops file, flattened, in file order.
pub fn read(ctx: &Context, file: &Path, given: Option<SopsType>) -> Result<Vec<Found>> {
    if !file.is_file() {
        return Err(Error::FileNotFound {
            path: file.to_owned(),
        });
    }
    let kind = input_type(file, given)?;
    // A path starting with `-` would read as a flag.
    let arg: PathBuf = if file.starts_with("-") || file.to_string_lossy().starts_with('-') {
        Path::new(".").join(file)
    } else {
        file.to_owned()
    };
    let identity = identity_for_sops(&ctx.identity_spec);
    let envs: Vec<(&str, &OsStr)> = identity
        .iter()
        .map(|(k, v)| (*k, OsStr::new(v.as_str())))
        .collect();
    let args: [&OsStr; 6] = [
        "decrypt".as_ref(),
        "--input-type".as_ref(),
        kind.as_str().as_ref(),
        "--output-type".as_ref(),
        "json".as_ref(),
        arg.as_os_str(),
    ];
    let out = match child::run("sops", &args, &envs) {
        Ok(Ran::Ok(out)) => out,
        Ok(Ran::Missing) => {
            return Err(ImportError::SopsMissing {
                file: file.to_owned(),
            }
            .into());
        }
        Ok(Ran::Failed(stderr, status)) => {
            return Err(ImportError::SopsFailed {
                file: file.to_owned(),
                why: classify(&stderr, status),
            }
            .into());
        }
        Err(e) => {
            return Err(Error::Failed {
                what: "run sops",
                detail: e.to_string(),
            });
        }
    };
    let tree: Node = serde_json::from_slice(&out).map_err(|e| ImportError::SopsFailed {
        file: file.to_owned(),
        why: SopsFailure::BadOutput(e.classify_str()),
    })?;
    let Node::Map(members) = tree else {
        return Err(Error::ImportInvalid {
            detail: format!(
                "`{}`: expected a map of keys at the top, as dotenv, JSON and YAML files hold",
                file.display()
            ),
        });
    };
    let mut found = Vec::new();
    let mut path = Vec::new();
    for (k, v) in members {
        path.push(k);
        flatten(v, &mut path, file, &mut found)?;
        path.pop();
    }
    Ok(found)
}

/// How `sops decrypt` failed, from its exit status (the codes of sops' `cmd/sops/codes`,
/// stable since sops 2) or else the fixed start of its message. Its words are only
/// matched, never kept: sops decrypts a value before it checks the MAC, and when the
/// value does not convert to the type its tag names (`type:int`, a tag anyone who can
/// write the file can change) it quotes the plaintext (`strconv.Atoi: parsing "sk_live…"`).
fn classify(stderr: &str, status: Option<i32>) -> SopsFailure {
    /// CouldNotRetrieveKey.
    const NO_KEY: i32 = 128;
    /// ErrorDecryptingMac, ErrorDecryptingTree, MacMismatch, MacNotFound.
    const TAMPERED: [i32; 4] = [24, 25, 51, 52];
    let says = |words: &[&str]| words.iter().any(|w| stderr.contains(w));
    match status {
        Some(NO_KEY) => SopsFailure::NoKey,
        Some(code) if TAMPERED.contains(&code) => SopsFailure::Tampered,
        _ if says(&["Failed to get the data key"]) => SopsFailure::NoKey,
        _ if says(&[
            "MAC mismatch",
            "Cannot decrypt MAC",
            "message authentication failed",
            "Could not decrypt value",
            "Error decrypting tree",
        ]) =>
        {
            SopsFailure::Tampered
        }
        _ if says(&["sops metadata not found"]) => SopsFailure::NotSops,
        _ => SopsFailure::Other(status),
    }
}

impl SopsType {
    pub fn as_str(self) -> &'static str {
        match self {
            SopsType::Dotenv => "dotenv",
            SopsType::Json => "json",
            SopsType::Yaml => "yaml",
        }
    }
}

/// The variables that give sops the identity in use (only those not set already).
fn identity_for_sops(spec: &IdentitySpec) -> Vec<(&'static str, Zeroizing<String>)> {
    let unset = |k: &str| std::env::var_os(k).is_none_or(|v| v.is_empty());
    let mut out = Vec::new();
    match spec {
        IdentitySpec::Literal(secret) => {
            let keys = secret_keys(secret.expose_secret());
            if !keys.is_empty() && unset("SOPS_AGE_KEY") {
                out.push(("SOPS_AGE_KEY", keys));
            }
        }
        IdentitySpec::File(path) | IdentitySpec::Default(path) => {
            let Ok(head) = std::fs::read(path).map(Zeroizing::new) else {
                return out;
            };
            let text = String::from_utf8_lossy(&head);
            let path = Zeroizing::new(path.to_string_lossy().into_owned());
            if text.contains("PRIVATE KEY-----") {
                if unset("SOPS_AGE_SSH_PRIVATE_KEY_FILE") {
                    out.push(("SOPS_AGE_SSH_PRIVATE_KEY_FILE", path));
                }
            } else if !secret_keys(&text).is_empty() && unset("SOPS_AGE_KEY_FILE") {
                // A plain identity file; a passphrase-protected one is an age file sops
                // cannot read, and passing it would break sops' other age keys.
                out.push(("SOPS_AGE_KEY_FILE", path));
            }
        }
    }
    out
}

/// Each `AGE-SECRET-KEY-1…` in `text` (any case, as keyward reads them), upper-cased,
/// one per line, as sops parses `SOPS_AGE_KEY`.
fn secret_keys(text: &str) -> Zeroizing<String> {
    const PREFIX: &[u8] = b"AGE-SECRET-KEY-1";
    let bytes = text.as_bytes();
    let mut out = Zeroizing::new(String::new());
    let mut i = 0;
    while i + PREFIX.len() <= bytes.len() {
        if bytes[i..i + PREFIX.len()].eq_ignore_ascii_case(PREFIX) {
            let len = bytes[i..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
                .count();
            if !out.is_empty() {
                out.push('\n');
            }
            for b in &bytes[i..i + len] {
                out.push(b.to_ascii_uppercase() as char);
            }
            i += len;
        } else {
            i += 1;
        }
    }
    out
}

/// A decoded JSON value, members in file order with duplicates kept, numbers as written.
enum Node {
    Text(String),
    Int(String),
    Float,
    Bool(bool),
    Null,
    Map(Vec<(String, Node)>),
    List(Vec<Node>),
}

impl<'de> serde::Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Node, E> {
                Ok(Node::Text(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Node, E> {
                Ok(Node::Text(v))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<Node, E> {
                Ok(Node::Int(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<Node, E> {
                Ok(Node::Int(v.to_string()))
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<Node, E> {
                Ok(Node::Float)
            }
            fn visit_bool<E>(self, v: bool) -> std::result::Result<Node, E> {
                Ok(Node::Bool(v))
            }
            fn visit_unit<E>(self) -> std::result::Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Node, A::Error> {
                let mut out = Vec::new();
                while let Some(member) = map.next_entry()? {
                    out.push(member);
                }
                Ok(Node::Map(out))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Node, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(Node::List(out))
            }
        }
        d.deserialize_any(V)
    }
}

trait Classify {
    fn classify_str(&self) -> &'static str;
}

impl Classify for serde_json::Error {
    fn classify_str(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "cannot read",
            serde_json::error::Category::Syntax => "bad syntax",
            serde_json::error::Category::Data => "unexpected data",
            serde_json::error::Category::Eof => "cut short",
        }
    }
}

/// The leaves under `node` at `path`, each a value with its name.
fn flatten(node: Node, path: &mut Vec<String>, file: &Path, out: &mut Vec<Found>) -> Result<()> {
    let shown = path.join(".");
    let at = format!("key `{shown}`");
    let value = match node {
        Node::Map(members) => {
            for (k, v) in members {
                path.push(k);
                flatten(v, path, file, out)?;
                path.pop();
            }
            return Ok(());
        }
        Node::List(items) => {
            for (i, v) in items.into_iter().enumerate() {
                path.push(i.to_string());
                flatten(v, path, file, out)?;
                path.pop();
            }
            return Ok(());
        }
        Node::Text(s) => s,
        Node::Int(s) => s,
        Node::Bool(b) => b.to_string(),
        Node::Float => {
            return Err(ImportError::NotText {
                at,
                what: "a number with a fraction (it may not read back as written)",
            }
            .into());
        }
        Node::Null => {
            return Err(ImportError::NotText { at, what: "null" }.into());
        }
    };
    // As many keys as one import takes from any source (`issue::MAX_ENTRIES`).
    if out.len() == crate::ops::issue::MAX_ENTRIES {
        return Err(ImportError::TooManyKeys {
            file: file.display().to_string(),
            max: crate::ops::issue::MAX_ENTRIES,
        }
        .into());
    }
    let mapped = names::from_key_path(path);
    out.push(Found {
        at,
        source: format!("{}: {shown}", file.display()),
        reason: format!("sops:{}", file.display()),
        env: None,
        flattened: path.len() > 1,
        name: mapped,
        value: Secret::new(value.into_bytes()),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::import::names::Mapped;

    fn flat(json: &str) -> Result<Vec<(String, String, bool)>> {
        let Node::Map(members) = serde_json::from_str::<Node>(json).unwrap() else {
            panic!("a map")
        };
        let mut out = Vec::new();
        let mut path = Vec::new();
        for (k, v) in members {
            path.push(k);
            flatten(v, &mut path, Path::new("f.yaml"), &mut out)?;
            path.pop();
        }
        Ok(out
            .into_iter()
            .map(|f| {
                let name = match f.name {
                    Mapped::Valid(n) | Mapped::Invalid(n) => n.to_string(),
                };
                (
                    name,
                    String::from_utf8(f.value.expose().to_vec()).unwrap(),
                    f.flattened,
                )
            })
            .collect())
    }

    #[test]
    fn nested_maps_and_lists_flatten_in_file_order() {
        let got =
            flat(r#"{"db":{"password":"p","port":5432},"hosts":["a","b"],"on":true,"A":"x"}"#)
                .unwrap();
        let want = [
            ("db_password", "p", true),
            ("db_port", "5432", true),
            ("hosts_0", "a", true),
            ("hosts_1", "b", true),
            ("on", "true", false),
            ("A", "x", false),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), *c))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn more_keys_than_one_import_takes_are_refused() {
        let max = crate::ops::issue::MAX_ENTRIES;
        let json = |n: usize| {
            let members: Vec<String> = (0..n).map(|i| format!("\"K{i}\":\"v\"")).collect();
            format!("{{{}}}", members.join(","))
        };
        assert_eq!(flat(&json(max)).unwrap().len(), max);
        let err = flat(&json(max + 1)).unwrap_err().to_string();
        assert!(err.contains("holds more than 100000 keys"), "{err}");
    }

    #[test]
    fn null_and_fractions_are_refused_naming_the_key() {
        for (json, key) in [(r#"{"a":{"b":null}}"#, "`a.b`"), (r#"{"f":1.5}"#, "`f`")] {
            let e = flat(json).err().unwrap().to_string();
            assert!(e.contains(key), "{e}");
        }
    }

    #[test]
    fn literal_identities_reach_sops_as_upper_case_keys() {
        let k = "AGE-SECRET-KEY-1QQQQ";
        assert_eq!(&*secret_keys(&format!("\"{}\"\n", k.to_lowercase())), k);
        assert_eq!(
            &*secret_keys(&format!("# c\n{k}\n{k}\n")),
            &format!("{k}\n{k}")
        );
        assert!(secret_keys("no key here").is_empty());
    }

    #[test]
    fn sops_failures_are_classed_by_exit_status_before_wording() {
        let leak = "Could not decrypt value: strconv.Atoi: parsing \"sk_live_X\"";
        assert_eq!(classify(leak, Some(25)), SopsFailure::Tampered);
        assert_eq!(classify("", Some(51)), SopsFailure::Tampered);
        assert_eq!(classify("", Some(128)), SopsFailure::NoKey);
        assert_eq!(
            classify("Failed to get the data key required", Some(1)),
            SopsFailure::NoKey
        );
        assert_eq!(
            classify("MAC mismatch. File has", Some(1)),
            SopsFailure::Tampered
        );
        assert_eq!(
            classify("sops metadata not found", Some(1)),
            SopsFailure::NotSops
        );
        assert_eq!(
            classify("panic: runtime error", Some(2)),
            SopsFailure::Other(Some(2))
        );
        assert_eq!(classify("", None), SopsFailure::Other(None));
    }

    #[test]
    fn the_type_comes_from_the_extension_unless_given() {
        let t = |f: &str| input_type(Path::new(f), None).map(SopsType::as_str);
        assert_eq!(t("a.env").unwrap(), "dotenv");
        assert_eq!(t("a.enc.yaml").unwrap(), "yaml");
        assert_eq!(t("a.yml").unwrap(), "yaml");
        assert_eq!(t("a.json").unwrap(), "json");
        assert_eq!(t("secrets").unwrap_err().exit_code(), 2);
        let given = input_type(Path::new("secrets"), Some(SopsType::Json)).unwrap();
        assert_eq!(given.as_str(), "json");
    }
}
