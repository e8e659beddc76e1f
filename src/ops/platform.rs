//! The platform forms of `export` (DESIGN §17): a Kubernetes `Secret` manifest, and
//! `$GITHUB_ENV` blocks with their `::add-mask::` workflow commands. Pure functions over
//! released values, in zeroizing buffers; `ops::export` releases and writes.

use std::fmt;
use std::str::FromStr;

use zeroize::Zeroizing;

use crate::names::KeyName;

/// A Kubernetes object name (a DNS-1123 subdomain: lower-case letters, digits, `-` and
/// `.`, starting and ending with a letter or digit, at most 253 characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct K8sName(String);

/// A Kubernetes namespace (a DNS-1123 label: lower-case letters, digits and `-`,
/// starting and ending with a letter or digit, at most 63 characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct K8sNamespace(String);

/// Whether `s` is a DNS-1123 label of at most `max` characters.
fn dns_label(s: &str, max: usize) -> bool {
    let b = s.as_bytes();
    let inner = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && b.len() <= max
        && inner(&b[0])
        && inner(&b[b.len() - 1])
        && b.iter().all(|c| inner(c) || *c == b'-')
}

impl FromStr for K8sName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.len() <= 253 && s.split('.').all(|l| dns_label(l, 63)) {
            Ok(K8sName(s.to_owned()))
        } else {
            Err(format!(
                "invalid Kubernetes name `{s}`: use lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit (at most 253)"
            ))
        }
    }
}

impl FromStr for K8sNamespace {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if dns_label(s, 63) {
            Ok(K8sNamespace(s.to_owned()))
        } else {
            Err(format!(
                "invalid Kubernetes namespace `{s}`: use lower-case letters, digits and `-`, starting and ending with a letter or digit (at most 63)"
            ))
        }
    }
}

impl fmt::Display for K8sName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for K8sNamespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A `Secret` manifest holding `keys`: UTF-8 values under `stringData` as they are,
/// others base64 under `data`. Every scalar is double-quoted (a key named `ON` or `NO`
/// stays a string for YAML 1.1 readers); inside quotes everything outside printable
/// ASCII is escaped, so no line break, control or BOM of a value can change the document.
pub fn k8s_secret(
    name: &K8sName,
    namespace: Option<&K8sNamespace>,
    keys: &[(&KeyName, &[u8])],
) -> Zeroizing<Vec<u8>> {
    use base64::Engine;
    let mut out = Zeroizing::new(Vec::new());
    out.extend_from_slice(b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: ");
    quoted(&mut out, &name.0);
    if let Some(ns) = namespace {
        out.extend_from_slice(b"\n  namespace: ");
        quoted(&mut out, &ns.0);
    }
    out.extend_from_slice(
        b"\n  labels:\n    \"app.kubernetes.io/managed-by\": \"keyward\"\ntype: Opaque\n",
    );
    let (text, binary): (Vec<_>, Vec<_>) = keys
        .iter()
        .partition(|(_, v)| std::str::from_utf8(v).is_ok());
    if !text.is_empty() {
        out.extend_from_slice(b"stringData:\n");
        for (k, v) in &text {
            out.extend_from_slice(b"  ");
            quoted(&mut out, k.as_str());
            out.extend_from_slice(b": ");
            quoted(&mut out, std::str::from_utf8(v).expect("partitioned"));
            out.push(b'\n');
        }
    }
    if !binary.is_empty() {
        out.extend_from_slice(b"data:\n");
        for (k, v) in &binary {
            out.extend_from_slice(b"  ");
            quoted(&mut out, k.as_str());
            out.extend_from_slice(b": \"");
            let encoded = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(v));
            out.extend_from_slice(encoded.as_bytes());
            out.extend_from_slice(b"\"\n");
        }
    }
    out
}

/// `s` as a YAML double-quoted scalar.
fn quoted(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\r' => out.extend_from_slice(b"\\r"),
            ' '..='~' => out.push(c as u8),
            c if (c as u32) <= 0xFFFF => {
                out.extend_from_slice(format!("\\u{:04X}", c as u32).as_bytes())
            }
            c => out.extend_from_slice(format!("\\U{:08X}", c as u32).as_bytes()),
        }
    }
    out.push(b'"');
}

/// What `export --format github-env` writes: the blocks appended to `$GITHUB_ENV` and
/// the workflow commands printed on stdout.
pub struct GithubEnv {
    pub file: Zeroizing<Vec<u8>>,
    pub masks: Zeroizing<Vec<u8>>,
}

/// `NAME<<DELIM`, the value, `DELIM` for each key (the runner's multi-line grammar), with
/// one random delimiter that occurs in no value, so no value line can end a block early;
/// and one `::add-mask::` per non-empty value line, so GitHub's log masking covers every
/// line of every key in later steps (`%`, CR escaped as the runner reads them).
pub fn github_env(keys: &[(&KeyName, &[u8])]) -> GithubEnv {
    let delimiter = loop {
        let d = format!("KEYWARD_EOF_{}", hex::encode(rand::random::<[u8; 16]>()));
        if !keys
            .iter()
            .any(|(_, v)| v.windows(d.len()).any(|w| w == d.as_bytes()))
        {
            break d;
        }
    };
    let mut file = Zeroizing::new(Vec::new());
    let mut masks = Zeroizing::new(Vec::new());
    for (k, v) in keys {
        file.extend_from_slice(k.as_str().as_bytes());
        file.extend_from_slice(b"<<");
        file.extend_from_slice(delimiter.as_bytes());
        file.push(b'\n');
        file.extend_from_slice(v);
        file.push(b'\n');
        file.extend_from_slice(delimiter.as_bytes());
        file.push(b'\n');
        for line in v.split(|b| *b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            masks.extend_from_slice(b"::add-mask::");
            for &b in line {
                match b {
                    b'%' => masks.extend_from_slice(b"%25"),
                    b'\r' => masks.extend_from_slice(b"%0D"),
                    b => masks.push(b),
                }
            }
            masks.push(b'\n');
        }
    }
    GithubEnv { file, masks }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> KeyName {
        s.parse().unwrap()
    }

    #[test]
    fn kubernetes_names_and_namespaces_are_dns_names() {
        for ok in ["api-keys", "a", "a.b-c.d", "x1"] {
            assert!(ok.parse::<K8sName>().is_ok(), "{ok}");
        }
        for bad in ["", "API", "-a", "a-", "a_b", "a..b", ".a", &"a".repeat(254)] {
            assert!(bad.parse::<K8sName>().is_err(), "{bad}");
        }
        assert!("shop-prod".parse::<K8sNamespace>().is_ok());
        for bad in ["a.b", "Shop", &"a".repeat(64), "-x"] {
            assert!(bad.parse::<K8sNamespace>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_secret_quotes_every_scalar_and_escapes_what_is_not_printable_ascii() {
        let (a, on, bin) = (k("A"), k("ON"), k("BIN"));
        let yaml = k8s_secret(
            &"s".parse().unwrap(),
            Some(&"ns".parse().unwrap()),
            &[
                (&a, "x\"y\\z\nw\té\u{2028}\u{1F600}".as_bytes()),
                (&on, b"yes"),
                (&bin, b"\xff\x00"),
            ],
        );
        let text = String::from_utf8(yaml.to_vec()).unwrap();
        assert!(
            text.contains("  \"A\": \"x\\\"y\\\\z\\nw\\t\\u00E9\\u2028\\U0001F600\"\n"),
            "{text}"
        );
        assert!(text.contains("  \"ON\": \"yes\"\n"), "{text}");
        assert!(text.contains("data:\n  \"BIN\": \"/wA=\"\n"), "{text}");
        assert!(text.contains("  namespace: \"ns\"\n"), "{text}");
        assert!(text.is_ascii());
    }

    #[test]
    fn github_env_blocks_use_a_delimiter_in_no_value_and_mask_every_line() {
        let (a, b) = (k("A"), k("B"));
        let out = github_env(&[(&a, b"one\r\ntwo 100%\n"), (&b, b"x")]);
        let text = String::from_utf8(out.file.to_vec()).unwrap();
        let first = text.lines().next().unwrap();
        let delim = first.strip_prefix("A<<").unwrap();
        assert!(delim.starts_with("KEYWARD_EOF_") && delim.len() == 12 + 32);
        assert_eq!(
            text,
            format!("A<<{delim}\none\r\ntwo 100%\n\n{delim}\nB<<{delim}\nx\n{delim}\n")
        );
        assert_eq!(
            String::from_utf8(out.masks.to_vec()).unwrap(),
            "::add-mask::one\n::add-mask::two 100%25\n::add-mask::x\n"
        );
        let again = github_env(&[(&a, b"x")]);
        assert!(!String::from_utf8_lossy(&again.file).contains(delim));
    }
}
