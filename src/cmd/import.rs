//! `keyward import`: keys issued elsewhere, from a dotenv or JSON file, all or nothing.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::Context;
use crate::audit::Action;
use crate::crypto::{self, Secret};
use crate::dotenv::parse_dotenv;
use crate::error::{Error, Result};
use crate::names::{KeyName, now_ms};
use crate::vault::NewKey;

/// Import keys from a dotenv or JSON file (or `-` for stdin), all or nothing
///
/// Any bad line (invalid name, bad quoting, duplicate, empty value) imports nothing, and
/// the error names the line; a key given twice in a JSON object is refused the same way.
/// A key that exists is refused unless --overwrite, which adds a new version and retires
/// the old one; a value equal to any earlier version of that key is refused (exit 4) and
/// nothing is imported. A dotenv file may start with a UTF-8 byte order mark and use CRLF
/// line endings. Imported keys get new values from their provider: `rotate` reads them
/// from stdin.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward import .env --format dotenv\n  keyward import -e prod secrets.json --format json --overwrite\n  op read op://vault/item/env | keyward import - --format dotenv"
)]
pub struct ImportArgs {
    /// The file to read, or `-` for stdin
    pub file: PathBuf,

    /// Input format
    #[arg(long, value_enum)]
    pub format: ImportFormat,

    /// Add a new version to keys that already exist
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImportFormat {
    Dotenv,
    Json,
}

pub fn run(args: ImportArgs, ctx: &Context) -> Result<()> {
    ctx.paths.require()?;
    let raw = zeroize::Zeroizing::new(read_input(&args.file)?);
    let entries = parse(&raw, args.format)?;
    let mut seen = std::collections::HashSet::new();
    for (what, name, value) in &entries {
        if !seen.insert(name.clone()) {
            return Err(Error::Refused(format!(
                "{what}: `{name}` appears twice; nothing imported"
            )));
        }
        crypto::check_value(value).map_err(|e| {
            Error::Refused(format!(
                "{what}: `{name}`: {}; nothing imported",
                e.to_string().lines().next().unwrap_or_default()
            ))
        })?;
    }
    let now = now_ms();
    let mut db = ctx.write_env()?;
    let actor = ctx.actor()?;
    if !args.overwrite {
        for (what, name, _) in &entries {
            if db.has_key(name)? {
                return Err(Error::Refused(format!(
                    "{what}: `{name}` already exists in `{}`; nothing imported\nhint: --overwrite adds a new version",
                    db.env
                )));
            }
        }
    }
    for (what, name, value) in &entries {
        if db.has_key(name)? {
            let key = db.key(name)?;
            if let Some(earlier) = super::rotate::earlier_version_with(&db, &key, value)? {
                return Err(super::rotate::reissue_refused(
                    &format!("{what}: "),
                    name,
                    &db.env,
                    earlier,
                ));
            }
        }
    }
    let (mut added, mut updated) = (0, 0);
    db.batch(|db| {
        for (_, name, value) in &entries {
            let (key, previous) = if db.has_key(name)? {
                updated += 1;
                let key = db.key(name)?;
                let previous = db.current(&key)?.version;
                (key, previous)
            } else {
                added += 1;
                (db.insert_key(name, None, &NewKey::default(), now)?, 0)
            };
            let version = db.add_version(&key, previous, value, None, now)?;
            if version > 1 {
                db.retire_older(&key, version, None)?;
            }
            db.record(
                &actor,
                Action::Import,
                Some(name.as_str()),
                Some(version),
                None,
                now,
            )?;
        }
        Ok(())
    })?;
    db.commit()?;
    for (_, name, _) in &entries {
        if let Some(w) = crate::names::loader_warning(name) {
            ctx.out.warn(&w);
        }
    }
    if ctx.out.json {
        return ctx.out.json(&serde_json::json!({
            "env": db.env, "added": added, "updated": updated,
        }));
    }
    ctx.out.note(&format!(
        "imported {} key(s) into `{}`: {added} new, {updated} new version(s)",
        entries.len(),
        db.env
    ));
    Ok(())
}

fn read_input(file: &PathBuf) -> Result<Vec<u8>> {
    if file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Error::io("cannot read", "stdin", e))?;
        return Ok(buf);
    }
    std::fs::read(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::FileNotFound { path: file.clone() },
        _ => Error::io("cannot read", file, e),
    })
}

/// `(where, name, value)` for each entry; `where` is `line N` or `key "NAME"`.
fn parse(raw: &[u8], format: ImportFormat) -> Result<Vec<(String, KeyName, Secret)>> {
    match format {
        ImportFormat::Dotenv => Ok(parse_dotenv(raw)
            .map_err(|e| Error::Refused(format!("{e}; nothing imported")))?
            .into_iter()
            .map(|e| (format!("line {}", e.line), e.name, e.value))
            .collect()),
        ImportFormat::Json => {
            // Every member in file order, duplicates kept: `serde_json::Value` would keep
            // only the last of `{"A":"x","A":"y"}`, and a duplicate must be refused as it
            // is in a dotenv file.
            let members: JsonMembers = serde_json::from_slice(raw).map_err(|e| {
                Error::Refused(if e.is_data() {
                    "expected a JSON object of strings; nothing imported".into()
                } else {
                    format!(
                        "not valid JSON (line {}, column {}); nothing imported",
                        e.line(),
                        e.column()
                    )
                })
            })?;
            let mut out = Vec::new();
            for (k, v) in members.0 {
                let name: KeyName = k
                    .parse()
                    .map_err(|e: String| Error::Refused(format!("{e}; nothing imported")))?;
                let serde_json::Value::String(s) = v else {
                    return Err(Error::Refused(format!(
                        "key \"{name}\": the value must be a string; nothing imported"
                    )));
                };
                out.push((format!("key \"{name}\""), name, Secret::new(s.into_bytes())));
            }
            Ok(out)
        }
    }
}

/// The members of a JSON object in file order, duplicates included.
struct JsonMembers(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for JsonMembers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = JsonMembers;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object of strings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<JsonMembers, A::Error> {
                let mut out = Vec::new();
                while let Some(member) = map.next_entry()? {
                    out.push(member);
                }
                Ok(JsonMembers(out))
            }
        }
        d.deserialize_map(Members)
    }
}
