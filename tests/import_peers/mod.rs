//! `import --from sops|pass|passage` (DESIGN §17) against the real tools: a round trip
//! per peer (what keyward stores equals what the peer decrypts), each bad input with its
//! exit code and message and nothing stored, and no value on stderr or in a plaintext file.

use crate::support::*;

mod pass;
mod passage;
mod signed;
mod sops;
mod tamper;

/// The keys of `env`, by name (`list --json`).
pub fn names_in(kw: &Sandbox, env: &str) -> Vec<String> {
    let v = kw.json(["list", "-e", env, "--json"]);
    let mut names: Vec<String> = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

pub fn stored(kw: &Sandbox, env: &str, name: &str) -> String {
    kw.stdout(["get", "-e", env, "-n", name])
}

/// The `import` events of `env`: (key, reason).
pub fn import_events(kw: &Sandbox, env: &str) -> Vec<(String, String)> {
    kw.json(["audit", "-e", env, "--json", "--action", "import"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["key"].as_str().unwrap().to_owned(),
                e["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Runs `kw ARGS`; asserts its exit code and that stderr holds `want` and none of
/// `secrets`; returns stderr.
pub fn fails(kw: &Sandbox, args: &[&str], code: i32, want: &str, secrets: &[&str]) -> String {
    let (got, _, err) = outcome(&mut kw.cmd(args));
    assert_eq!(got, code, "{args:?}: {err}");
    assert!(err.contains(want), "{args:?}: expected `{want}` in: {err}");
    for s in secrets {
        assert!(!err.contains(s), "a value on stderr: {err}");
    }
    err
}
