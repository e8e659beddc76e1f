//! Verifier sets (DESIGN §13), the CLI's side. The format — canonical form, signature,
//! the `sqlite` and `jsonl` files, opening and the lookup a service runs — is the
//! `keyward-verifier` crate (`crates/keyward-verifier`), which services link without
//! the rest of keyward; it is re-exported here, so `keyward::verifier::VerifierSet` and
//! `keyward_verifier::VerifierSet` are one type and `verifier check` answers with the
//! services' own code.
//!
//! What stays here needs the CLI: the `sql` and `redis` formats (loaded into servers,
//! never read back by the crate), and the mapping of the crate's errors to keyward's
//! (each with its exit code, DESIGN §6, and a hint). Building a set from the vault is
//! `ops::verifier`.

use crate::error::{Error, Result};
use crate::names::fmt_time_ms;

pub use keyward_verifier::{
    Alg, Answer, BUCKETS, Entry, Found, HmacKey, MIN_HMAC_KEY, Pinned, PublicKey, SET_FORMAT,
    SQLITE_SCHEMA, SetInfo, SignedSet, SigningKey, VerifierSet, entry_hash,
};

impl From<keyward_verifier::Error> for Error {
    /// The crate's situations as keyward's: the same messages the CLI always gave, with
    /// their hints, and the exit codes of DESIGN §6 (a set that cannot be trusted: 6; a
    /// missing or wrong HMAC key: 2). Exhaustive on purpose: a new situation in the crate
    /// must be given its code here.
    fn from(e: keyward_verifier::Error) -> Error {
        use keyward_verifier::Error as V;
        match e {
            V::NotFound { path } => Error::FileNotFound { path },
            V::Io { path, source } => Error::io("cannot read", path, source),
            V::SetInvalid { path, detail } => {
                Error::Verifier(crate::error::VerifierError::VerifierSetInvalid { path, detail })
            }
            V::WrongKey {
                path,
                signer,
                pinned,
            } => Error::Verifier(crate::error::VerifierError::VerifierWrongKey {
                path,
                signer: signer.to_string(),
                pinned: pinned.to_string(),
            }),
            V::SetStale {
                path,
                serial,
                required,
            } => Error::Verifier(crate::error::VerifierError::VerifierSetStale {
                path,
                serial,
                required,
            }),
            V::HmacKeyNeeded { path } => {
                Error::Verifier(crate::error::VerifierError::VerifierHmacKeyNeeded { path })
            }
            V::HmacKeyMismatch { path } => {
                Error::Verifier(crate::error::VerifierError::VerifierHmacKeyMismatch { path })
            }
            V::HmacKeyNotUsed { path } => {
                Error::Verifier(crate::error::VerifierError::VerifierSetNotHmac { path })
            }
            V::HmacKeyTooShort | V::HmacKeyFileTooLong { .. } | V::BadPublicKey => {
                Error::usage(e.to_string())
            }
            // The hint names a new file: the one given may hold something else.
            V::HmacKeyFileTooShort { path } => Error::usage(format!(
                "the HMAC key in `{}` is shorter than {MIN_HMAC_KEY} bytes\nhint: make one in a new file with `(umask 077; head -c 32 /dev/urandom > hmac.key)`",
                path.display(),
            )),
            V::Sqlite(e) => Error::from(e),
            V::Json(e) => Error::Failed {
                what: "write JSON",
                detail: e.to_string(),
            },
        }
    }
}

/// The HMAC key file `--hmac-key-file` names: a secret, held to an identity file's
/// rule (readable by its owner only) before it is read.
pub fn hmac_key_file(path: &std::path::Path) -> crate::error::Result<keyward_verifier::HmacKey> {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if meta.is_file() && mode & 0o077 != 0 {
            return Err(Error::usage(format!(
                "the HMAC key file `{}` is readable by other users (mode {mode:04o}): it is a secret, as an identity is\nhint: chmod 600 {}",
                path.display(),
                path.display()
            )));
        }
    }
    Ok(keyward_verifier::HmacKey::from_file(path)?)
}

/// The HMAC key an export hashes with: [`hmac_key_file`]'s rules, and none that looks
/// made by hand (`HmacKey::weakness`: all one byte, a short pattern, a count). The key
/// exists because imported values may be guessable; a guessable key gives them away
/// with it. (`verifier check` takes any key: a service keeps reading the sets it has.)
pub fn hmac_key_file_for_export(
    path: &std::path::Path,
) -> crate::error::Result<keyward_verifier::HmacKey> {
    let key = hmac_key_file(path)?;
    if let Some(why) = key.weakness() {
        return Err(Error::usage(format!(
            "the HMAC key in `{}` does not look random ({why}): whoever guesses it can test guesses of every imported value against the set\nhint: make one in a new file with `(umask 077; head -c 32 /dev/urandom > hmac.key)`, and give it to your services",
            path.display()
        )));
    }
    Ok(key)
}

/// The set as one PostgreSQL transaction for `psql -v ON_ERROR_STOP=1 -f FILE`:
/// takes turns with other loads ([`SQL_LOAD_LOCK`]), creates the tables if missing,
/// refuses a set older than the one loaded (a higher serial), then replaces the
/// environment's rows. Readers see the old set or the new
/// one, never an empty or mixed one (one transaction; MVCC); running it again gives
/// the same rows.
pub(crate) fn sql_script(set: &SignedSet) -> Vec<u8> {
    let i = &set.info;
    // Every string below is a validated name, scope, status, hex or time: none holds
    // a quote. `lit` escapes anyway, so the statement cannot be broken by one.
    let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let env = lit(&i.env);
    let mut out = format!(
        "-- keyward verifier set: environment {env}, serial {serial}, generated {generated}, {alg}, {n} entries\n\
         -- load with: psql -v ON_ERROR_STOP=1 -f FILE (one transaction: readers see the old set or this one)\n\
         BEGIN;\n\
         DO $keyward$ BEGIN PERFORM pg_advisory_xact_lock({SQL_LOAD_LOCK}); END $keyward$;\n\
         {SQL_SCHEMA}\
         LOCK TABLE keyward_verifier_sets IN SHARE ROW EXCLUSIVE MODE;\n\
         DO $keyward$ BEGIN\n  IF EXISTS (SELECT 1 FROM keyward_verifier_sets WHERE env = {env} AND serial > {serial}) THEN\n    RAISE EXCEPTION 'keyward: a newer verifier set of {envq} is loaded; refusing serial {serial}';\n  END IF;\nEND $keyward$;\n\
         DELETE FROM keyward_verifier_keys WHERE env = {env};\n",
        serial = i.serial,
        generated = fmt_time_ms(i.generated),
        alg = i.alg.as_str(),
        n = i.entries,
        envq = i.env,
    );
    for chunk in set.entries.chunks(1000) {
        out.push_str(
            "INSERT INTO keyward_verifier_keys (env, hash, name, version, status, scopes, not_after) VALUES\n",
        );
        let rows: Vec<String> = chunk
            .iter()
            .map(|e| {
                let scopes = if e.scopes.is_empty() {
                    "'{}'::text[]".to_owned()
                } else {
                    let s: Vec<String> = e.scopes.iter().map(|s| lit(s)).collect();
                    format!("ARRAY[{}]::text[]", s.join(","))
                };
                format!(
                    "  ({env}, decode('{}', 'hex'), {}, {}, {}, {scopes}, {})",
                    hex::encode(e.hash),
                    lit(&e.name),
                    e.version,
                    lit(&e.status),
                    e.not_after.map_or("NULL".to_owned(), |t| format!(
                        "{}::timestamptz",
                        lit(&fmt_time_ms(t))
                    ))
                )
            })
            .collect();
        out.push_str(&rows.join(",\n"));
        out.push_str(";\n");
    }
    out.push_str(&format!(
        "INSERT INTO keyward_verifier_sets (env, serial, generated, alg, hmac_key_id, entries, pubkey)\n  VALUES ({env}, {}, {}::timestamptz, {}, {}, {}, {})\n  ON CONFLICT (env) DO UPDATE SET serial = EXCLUDED.serial, generated = EXCLUDED.generated, alg = EXCLUDED.alg,\n    hmac_key_id = EXCLUDED.hmac_key_id, entries = EXCLUDED.entries, pubkey = EXCLUDED.pubkey;\nCOMMIT;\n",
        i.serial,
        lit(&fmt_time_ms(i.generated)),
        lit(i.alg.as_str()),
        i.hmac_key_id.as_deref().map_or("NULL".to_owned(), lit),
        i.entries,
        lit(&i.pubkey.to_string()),
    ));
    out.into_bytes()
}

/// The set as Redis commands (RESP) for `redis-cli --pipe`: each entry under its own
/// key in a new namespace, `SET … PXAT not_after` so Redis drops it when it ends;
/// then one script switches the environment's pointer to the namespace (refusing an
/// older serial) and lets the old namespace expire after [`REDIS_GRACE_MS`], so a
/// reader between its two reads still finds what it was looking at.
pub(crate) fn redis_commands(set: &SignedSet) -> Result<Vec<u8>> {
    let i = &set.info;
    let base = format!("keyward:verifier:{}", i.env);
    let ns = format!("{}-{}", i.serial, i.generated);
    let mut out = Vec::new();
    let json_err = |e: serde_json::Error| Error::Failed {
        what: "write JSON",
        detail: e.to_string(),
    };
    for e in &set.entries {
        // The same JSON object as a line of a jsonl set.
        let value = keyward_verifier::entry_json(e)?;
        let key = format!("{base}:{ns}:{}", hex::encode(e.hash));
        match e.not_after {
            Some(t) => resp(&mut out, &["SET", &key, &value, "PXAT", &t.to_string()]),
            None => resp(&mut out, &["SET", &key, &value]),
        }
    }
    let members_key = format!("{base}:{ns}:hashes");
    for chunk in set.entries.chunks(1000) {
        let mut cmd = vec!["SADD".to_owned(), members_key.clone()];
        cmd.extend(chunk.iter().map(|e| hex::encode(e.hash)));
        let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
        resp(&mut out, &cmd);
    }
    let info = serde_json::to_string(&set.info).map_err(json_err)?;
    resp(&mut out, &["SET", &format!("{base}:{ns}:info"), &info]);
    resp(
        &mut out,
        &[
            "EVAL",
            REDIS_SWITCH,
            "1",
            &base,
            &ns,
            &i.serial.to_string(),
            &REDIS_GRACE_MS.to_string(),
        ],
    );
    Ok(out)
}

/// How long an old Redis namespace lives after the switch: a reader that read the old
/// pointer still finds its entry (or less, when the entry's own `not_after` is sooner).
pub const REDIS_GRACE_MS: i64 = 30_000;

/// The pointer switch, atomic in Redis: refuse an older serial, point `<base>:current`
/// at the new namespace, and let the previous one expire (`LT`: never later than an
/// entry's own `not_after`).
const REDIS_SWITCH: &str = "local cur = redis.call('GET', KEYS[1] .. ':current')
if cur then
  local serial = tonumber(string.match(cur, '^(%d+)-'))
  if serial and serial > tonumber(ARGV[2]) then
    return redis.error_reply('keyward: a newer verifier set is loaded (' .. cur .. '); refusing serial ' .. ARGV[2])
  end
  if cur == ARGV[1] then return 'unchanged' end
end
redis.call('SET', KEYS[1] .. ':current', ARGV[1])
if cur then
  local old = KEYS[1] .. ':' .. cur
  for _, h in ipairs(redis.call('SMEMBERS', old .. ':hashes')) do
    redis.call('PEXPIRE', old .. ':' .. h, ARGV[3], 'LT')
  end
  redis.call('PEXPIRE', old .. ':hashes', ARGV[3])
  redis.call('PEXPIRE', old .. ':info', ARGV[3])
end
return 'switched'";

/// One command in the Redis protocol (an array of bulk strings).
fn resp(out: &mut Vec<u8>, args: &[&str]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

/// The transaction-level advisory lock every `sql` load takes first, right after
/// `BEGIN` (the ASCII of `kwverify`): loads into one database take turns. Without it two
/// first loads race inside `CREATE TABLE IF NOT EXISTS` (both create the table; one
/// fails on the catalog's unique index), and the one that fails may be the newer set,
/// with psql's exit 3 that otherwise means "a newer set is loaded". The `LOCK TABLE`
/// after the CREATEs cannot do it: the table it locks is what they race to make.
pub const SQL_LOAD_LOCK: i64 = 0x6b77_7665_7269_6679;

/// The PostgreSQL tables: one row per set (its serial, to refuse older ones) and one per
/// entry. A service queries:
/// `SELECT name, version, status, scopes, not_after FROM keyward_verifier_keys
///  WHERE env = $1 AND hash = $2 AND (not_after IS NULL OR not_after > now())`.
pub const SQL_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS keyward_verifier_sets (
  env text PRIMARY KEY,
  serial bigint NOT NULL,
  generated timestamptz NOT NULL,
  alg text NOT NULL,
  hmac_key_id text,
  entries integer NOT NULL,
  pubkey text NOT NULL
);
CREATE TABLE IF NOT EXISTS keyward_verifier_keys (
  env text NOT NULL,
  hash bytea NOT NULL,
  name text NOT NULL,
  version integer NOT NULL,
  status text NOT NULL,
  scopes text[] NOT NULL,
  not_after timestamptz,
  PRIMARY KEY (env, hash, name, version)
);
";

#[cfg(test)]
mod tests {
    //! The crate carries its own copy of the few keyward rules a lookup needs (token
    //! grammar, name rules, time format) so that services need not link the CLI. These
    //! tests hold the copies to keyward's originals.

    use super::*;
    use crate::names::{EnvName, KeyName, MAX_TIME_MS, MIN_TIME_MS};
    use crate::token::{Format, GenSpec, generate, parse_token};

    #[test]
    fn the_crate_reads_tokens_as_keyward_writes_them() {
        for (prefix, env) in [
            ("kw", "dev"),
            ("sk2", "prod-eu-1"),
            ("abcdefghijklmnop", "x"),
        ] {
            let spec = GenSpec {
                format: Format::Token,
                bytes: 32,
                prefix: prefix.into(),
            };
            let env: EnvName = env.parse().unwrap();
            for _ in 0..50 {
                let value = generate(&spec, &env);
                let t = value.expose();
                assert_eq!(keyward_verifier::token_env(t), Some(env.as_str()));
                // Every one-character change: both sides agree on what is a token.
                let mut changed = t.to_vec();
                for i in 0..changed.len() {
                    let keep = changed[i];
                    for c in [b'a', b'Z', b'0', b'_', b'-'] {
                        changed[i] = c;
                        assert_eq!(
                            keyward_verifier::token_env(&changed),
                            parse_token(&changed).map(|info| info.env),
                            "{}",
                            String::from_utf8_lossy(&changed)
                        );
                    }
                    changed[i] = keep;
                }
            }
        }
    }

    #[test]
    fn the_crate_checks_names_by_keywards_rules() {
        let long = |n: usize| "a".repeat(n);
        let names = [
            "",
            "a",
            "A",
            "_",
            "_1",
            "1a",
            "a-b",
            "a_b",
            "a.b",
            "é",
            "a b",
            "prod",
            "prod-1",
            "Prod",
            "p_1",
            "-p",
            &long(32),
            &long(33),
            &long(128),
            &long(129),
        ];
        for s in names {
            assert_eq!(
                keyward_verifier::is_key_name(s),
                s.parse::<KeyName>().is_ok(),
                "key name {s:?}"
            );
            assert_eq!(
                keyward_verifier::is_env_name(s),
                s.parse::<EnvName>().is_ok(),
                "env name {s:?}"
            );
        }
    }

    #[test]
    fn the_crate_prints_times_as_keyward_does() {
        let mut t = MIN_TIME_MS;
        // About 2,000 moments spread over years 0000 to 9999, each with odd ms.
        let step = (MAX_TIME_MS - MIN_TIME_MS) / 1999;
        while t <= MAX_TIME_MS {
            for ms in [t, t + 999, t + 86_399_999] {
                if ms <= MAX_TIME_MS {
                    assert_eq!(keyward_verifier::fmt_time_ms(ms), fmt_time_ms(ms), "{ms}");
                }
            }
            t += step;
        }
        for ms in [MIN_TIME_MS, -1, 0, 1, MAX_TIME_MS] {
            assert_eq!(keyward_verifier::fmt_time_ms(ms), fmt_time_ms(ms), "{ms}");
        }
    }

    #[test]
    fn the_crates_errors_keep_keywards_exit_codes_and_hints() {
        use keyward_verifier::Error as V;
        let p = || std::path::PathBuf::from("s.kwset");
        let key = SigningKey::from_seed(&[1; 32]).public();
        let cases: Vec<(V, u8)> = vec![
            (V::NotFound { path: p() }, 3),
            (
                V::SetInvalid {
                    path: p(),
                    detail: "x".into(),
                },
                6,
            ),
            (
                V::WrongKey {
                    path: p(),
                    signer: key,
                    pinned: key,
                },
                6,
            ),
            (
                V::SetStale {
                    path: p(),
                    serial: 1,
                    required: 2,
                },
                6,
            ),
            (V::HmacKeyNeeded { path: p() }, 2),
            (V::HmacKeyMismatch { path: p() }, 2),
            (V::HmacKeyNotUsed { path: p() }, 2),
            (V::HmacKeyTooShort, 2),
            (V::HmacKeyFileTooShort { path: p() }, 2),
            (V::HmacKeyFileTooLong { path: p() }, 2),
            (V::BadPublicKey, 2),
        ];
        for (v, code) in cases {
            let shown = v.to_string();
            let e = Error::from(v);
            assert_eq!(e.exit_code(), code, "{shown}");
        }
        let hint = Error::from(V::HmacKeyFileTooShort { path: p() }).to_string();
        assert!(
            hint.contains("\nhint: make one in a new file with `(umask 077; head -c 32"),
            "{hint}"
        );
        let hint = Error::from(V::SetStale {
            path: p(),
            serial: 1,
            required: 2,
        })
        .to_string();
        assert!(hint.contains("\nhint: export a current set"), "{hint}");
    }
}
