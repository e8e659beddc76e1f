//! `import --from pass DIR` and `--from passage DIR`: one key per entry of the store.
//!
//! A passage entry is an age file, decrypted here with the identity in use (no passage
//! binary needed); a pass entry is an OpenPGP file, decrypted by `gpg --decrypt --batch`
//! with the entry's path on argv and the value on a pipe (GNUPGHOME is respected as gpg
//! reads it). Only the first line is the value unless `--whole-entry`: pass keeps
//! usernames, URLs and notes on the lines after the password.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::Peer;
use super::child::{self, Ran};
use super::ciphertext;
use crate::error::{Error, ImportError, Result, describe_age};
use crate::ops::Context;
use crate::secret::Secret;

/// One entry of a store: its path inside the store (`prod/stripe/api-key`) and value.
pub struct Entry {
    pub path: String,
    pub value: Secret,
}

/// How the store's folders map to environments (`--env-from-path`).
#[derive(Clone, Copy)]
pub struct Folders<'a> {
    /// Each top folder is an environment: an alias must not cross from one to another.
    pub split: bool,
    /// `-e ENV --env-from-path`: only this folder's entries are decrypted.
    pub only: Option<&'a str>,
}

/// The entries of a store read: decrypted, sorted by path, and how many entries were left
/// out by [`Folders::only`] without being decrypted.
pub struct Read {
    pub entries: Vec<Entry>,
    pub left_out: usize,
}

/// Every entry of the store at `dir`, sorted by path, decrypted (each file once, however
/// many aliases lead to it).
pub fn read(ctx: &Context, dir: &Path, peer: Peer, whole: bool, folders: Folders) -> Result<Read> {
    let meta = std::fs::metadata(dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::FileNotFound {
            path: dir.to_owned(),
        },
        _ => Error::io("cannot read", dir, e),
    })?;
    if !meta.is_dir() {
        return Err(Error::usage(format!(
            "`{}` is not a directory: --from {} reads a store's directory",
            dir.display(),
            peer.as_str()
        )));
    }
    let ext = match peer {
        Peer::Pass => "gpg",
        _ => "age",
    };
    let mut walk = Walk {
        root: std::fs::canonicalize(dir).map_err(|e| Error::io("cannot read", dir, e))?,
        ext,
        files: Vec::new(),
        outside: Vec::new(),
        odd: Vec::new(),
        stack: Vec::new(),
        walked: 0,
        through_links: 0,
        aliases: 0,
    };
    walk.dir(dir, dir)?;
    if !walk.outside.is_empty() {
        return Err(ImportError::LinksOutside {
            dir: dir.to_owned(),
            count: walk.outside.len(),
            links: crate::text::summarize(&walk.outside, "`find STORE -type l` lists them all"),
        }
        .into());
    }
    if !walk.odd.is_empty() {
        return Err(ImportError::EntriesNotFiles {
            dir: dir.to_owned(),
            count: walk.odd.len(),
            entries: crate::text::summarize(
                &walk.odd,
                "`find STORE ! -type f ! -type d ! -type l` lists them all",
            ),
        }
        .into());
    }
    let mut files = walk.files;
    // As many keys as one import takes from any source (`issue::MAX_ENTRIES`): each
    // entry is a decryption, and a key.
    if files.len() > crate::ops::issue::MAX_ENTRIES {
        return Err(crate::error::ImportError::TooManyKeys {
            file: dir.display().to_string(),
            max: crate::ops::issue::MAX_ENTRIES,
        }
        .into());
    }
    files.sort();
    if folders.split {
        refuse_links_across(dir, &files)?;
        refuse_copies_across(dir, &files, peer, folders)?;
    }
    if files.is_empty() {
        return Err(ImportError::EmptyStore {
            dir: dir.to_owned(),
            what: match peer {
                Peer::Pass => "pass (`.gpg`)",
                _ => "passage (`.age`)",
            },
        }
        .into());
    }
    let mut entries = Vec::with_capacity(files.len());
    let mut left_out = 0;
    // Aliases share their file's value: each file is decrypted once.
    let mut decrypted: std::collections::HashMap<String, Secret> = Default::default();
    for f in files {
        if folders.only.is_some_and(|only| top(&f.path) != Some(only)) {
            left_out += 1;
            continue;
        }
        let real = f.real.clone().unwrap_or_else(|| f.path.clone());
        let value = match decrypted.get(&real) {
            Some(v) => v.clone(),
            None => {
                let plain = match peer {
                    Peer::Pass => gpg_decrypt(dir, &f.path, &f.file)?,
                    _ => age_decrypt(ctx, &f.path, &f.file)?,
                };
                let v = Secret::new(entry_value(&plain, whole));
                decrypted.insert(real, v.clone());
                v
            }
        };
        entries.push(Entry {
            value,
            path: f.path,
        });
    }
    Ok(Read { entries, left_out })
}

/// With `--env-from-path`: an alias must lead into its own top folder (a link from
/// `dev/` into `prod/` would copy a prod value into dev).
fn refuse_links_across(dir: &Path, files: &[Found]) -> Result<()> {
    let across: Vec<String> = files
        .iter()
        .filter(|f| {
            f.real
                .as_ref()
                .is_some_and(|real| top(real) != top(&f.path))
        })
        .map(|f| format!("`{}`", crate::text::escape(&f.path)))
        .collect();
    if across.is_empty() {
        return Ok(());
    }
    Err(ImportError::LinksAcross {
        dir: dir.to_owned(),
        count: across.len(),
        links: crate::text::summarize(&across, "`find STORE -type l` lists them all"),
    }
    .into())
}

/// With `--env-from-path`: the same ciphertext in two environments' folders is refused.
/// A store writer who cannot decrypt `prod/` can still copy a prod entry into `dev/`;
/// the importer, who can decrypt both, would hand the prod value to every dev member.
/// The files are compared by what identifies their ciphertext in any encoding
/// ([`ciphertext`]: an armored or marker-prefixed copy is still the copy), not by their
/// bytes. An entry to be imported whose ciphertext has no such identity (a shape gpg
/// may still decrypt) is refused too: fail closed. A copy is caught while its original
/// is still in the store; the import cannot tell whom a file was meant for
/// (docs/migrating.md says so).
/// The SHA-256 of a file's bytes, read a block at a time (never held whole).
fn hash_file(path: &Path) -> std::io::Result<[u8; 32]> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut block = vec![0; 64 << 10];
    loop {
        match file.read(&mut block) {
            Ok(0) => return Ok(hasher.finalize().into()),
            Ok(n) => hasher.update(&block[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn refuse_copies_across(dir: &Path, files: &[Found], peer: Peer, folders: Folders) -> Result<()> {
    let mut first: std::collections::HashMap<[u8; 32], &str> = Default::default();
    let mut across = Vec::new();
    let mut unknown = Vec::new();
    for f in files.iter().filter(|f| f.real.is_none()) {
        let read = match peer {
            Peer::Pass => ciphertext::openpgp(&f.file),
            _ => ciphertext::age(&f.file),
        };
        let digest = match read.map_err(|e| Error::io("cannot read", &f.file, e))? {
            ciphertext::Id::Known(d) => d,
            ciphertext::Id::Unknown(why) => {
                if folders.only.is_none_or(|only| top(&f.path) == Some(only)) {
                    unknown.push(format!("`{}` ({why})", crate::text::escape(&f.path)));
                }
                // Left out of the import: its bytes stand for it, so a byte-identical
                // copy is still caught. Hashed as they are read: an entry refused for
                // its size may be gigabytes (a file of zeros packs to nothing in git).
                hash_file(&f.file).map_err(|e| Error::io("cannot read", &f.file, e))?
            }
        };
        match first.get(&digest) {
            Some(other) if top(other) != top(&f.path) => across.push(format!(
                "`{}` = `{}`",
                crate::text::escape(other),
                crate::text::escape(&f.path)
            )),
            Some(_) => {}
            None => {
                first.insert(digest, &f.path);
            }
        }
    }
    if !across.is_empty() {
        return Err(ImportError::CopiesAcross {
            dir: dir.to_owned(),
            count: across.len(),
            copies: crate::text::summarize(&across, "compare the entries' ciphertexts"),
        }
        .into());
    }
    if !unknown.is_empty() {
        return Err(ImportError::CiphertextUnknown {
            dir: dir.to_owned(),
            count: unknown.len(),
            entries: crate::text::summarize(&unknown, "re-encrypt them with the peer's tool"),
        }
        .into());
    }
    Ok(())
}

/// The top folder of an entry's path inside the store (`prod` of `prod/stripe/key`);
/// none for an entry at the top.
fn top(path: &str) -> Option<&str> {
    path.split_once('/').map(|(first, _)| first)
}

/// The value of an entry: its first line (without the line break), or with `whole` all
/// of it less one final line break (`pass insert` ends every entry with one).
fn entry_value(plain: &[u8], whole: bool) -> Vec<u8> {
    let strip_cr = |s: &[u8]| s.strip_suffix(b"\r").unwrap_or(s).to_vec();
    if whole {
        match plain.strip_suffix(b"\n") {
            Some(rest) => strip_cr(rest),
            None => plain.to_vec(),
        }
    } else {
        let first = plain.split(|b| *b == b'\n').next().unwrap_or_default();
        strip_cr(first)
    }
}

/// The entries of a store: files ending in `.EXT`, as (path inside the store without
/// the extension, file). Hidden files and folders (`.git`, `.gpg-id`, `.age-recipients`)
/// are not entries. A symbolic link is followed as pass does when it leads inside the
/// store (an alias, named by the link's path); one leading outside it or nowhere is
/// collected, and refuses the import: a shared store must not pull in a file from
/// anywhere the identity can decrypt.
/// The most folders a store's walk visits, links followed (a real store has far fewer).
const WALK_AT_MOST: usize = 10_000;

/// The most entries reached through links (aliases): a few links to a folder of many
/// entries would otherwise make a store of a hundred files a million entries to decrypt.
const ALIASES_AT_MOST: usize = 10_000;

/// An entry found by the walk.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    /// Its path inside the store, by the names walked (a link's own name), without the
    /// extension.
    path: String,
    file: PathBuf,
    /// For an alias (reached through a link): the path of the file it leads to, inside
    /// the store, without the extension.
    real: Option<String>,
}

struct Walk<'a> {
    /// The store, resolved.
    root: PathBuf,
    ext: &'a str,
    files: Vec<Found>,
    outside: Vec<String>,
    /// Entries (named `*.EXT`) that are neither a file nor a folder (a FIFO, a socket, a
    /// device, or a link to one): refused, never skipped, or a store writer could make an
    /// entry vanish from an import without a word.
    odd: Vec<String>,
    /// The folders being walked, resolved, from the store down: a link back up to one
    /// of them (a loop) is not walked again; a link to a sibling folder is (an alias).
    stack: Vec<PathBuf>,
    /// Folders walked so far: aliases of aliases multiply the walk, so a hostile store
    /// of a few dozen links could keep an import busy for days; past [`WALK_AT_MOST`]
    /// the import is refused.
    walked: usize,
    /// How many links lead to the folder being walked (0: its path is its own).
    through_links: usize,
    /// Entries reached through links so far; past [`ALIASES_AT_MOST`] the import is
    /// refused before anything is decrypted.
    aliases: usize,
}

impl Walk<'_> {
    fn dir(&mut self, store: &Path, dir: &Path) -> Result<()> {
        let real = std::fs::canonicalize(dir).map_err(|e| Error::io("cannot read", dir, e))?;
        if self.stack.contains(&real) {
            return Ok(());
        }
        self.walked += 1;
        if self.walked > WALK_AT_MOST {
            return Err(Error::Failed {
                what: "read the store",
                detail: format!(
                    "more than {WALK_AT_MOST} folders through its links (aliases of aliases?); nothing imported"
                ),
            });
        }
        self.stack.push(real);
        let walked = self.entries(store, dir);
        self.stack.pop();
        walked
    }

    fn entries(&mut self, store: &Path, dir: &Path) -> Result<()> {
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io("cannot read", dir, e))?;
        for e in entries {
            let e = e.map_err(|e| Error::io("cannot read", dir, e))?;
            let name = e.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = e.path();
            let rel = path.strip_prefix(store).expect("under the store");
            let mut kind = e
                .file_type()
                .map_err(|e| Error::io("cannot read", &path, e))?;
            let link = kind.is_symlink();
            if link {
                let target = std::fs::canonicalize(&path).ok();
                match target.filter(|t| t.starts_with(&self.root)) {
                    Some(t) => {
                        kind = std::fs::metadata(&t)
                            .map_err(|e| Error::io("cannot read", &path, e))?
                            .file_type();
                    }
                    None => {
                        self.outside
                            .push(format!("`{}`", crate::text::escape(&rel.to_string_lossy())));
                        continue;
                    }
                }
            }
            if kind.is_dir() {
                self.through_links += usize::from(link);
                let walked = self.dir(store, &path);
                self.through_links -= usize::from(link);
                walked?;
            } else if kind.is_file() && path.extension() == Some(OsStr::new(self.ext)) {
                let real = if link || self.through_links > 0 {
                    self.aliases += 1;
                    if self.aliases > ALIASES_AT_MOST {
                        return Err(Error::Failed {
                            what: "read the store",
                            detail: format!(
                                "more than {ALIASES_AT_MOST} entries reached through its links (aliases of whole folders?); nothing imported"
                            ),
                        });
                    }
                    let real = std::fs::canonicalize(&path)
                        .map_err(|e| Error::io("cannot read", &path, e))?;
                    let inside = real.strip_prefix(&self.root).map_err(|_| {
                        Error::Internal("an alias checked to lead inside the store leads out")
                    })?;
                    Some(entry_path(inside))
                } else {
                    None
                };
                self.files.push(Found {
                    path: entry_path(rel),
                    file: path,
                    real,
                });
            } else if !kind.is_file() && path.extension() == Some(OsStr::new(self.ext)) {
                self.odd
                    .push(format!("`{}`", crate::text::escape(&rel.to_string_lossy())));
            }
        }
        Ok(())
    }
}

/// An entry's path inside the store: its folders and name joined by `/`, without the
/// extension.
fn entry_path(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// A pass entry, through `gpg --decrypt --batch` (never a value on argv; GNUPGHOME is
/// gpg's own business).
fn gpg_decrypt(dir: &Path, entry: &str, file: &Path) -> Result<Zeroizing<Vec<u8>>> {
    let args: [&OsStr; 5] = [
        "--decrypt".as_ref(),
        "--batch".as_ref(),
        "--quiet".as_ref(),
        "--".as_ref(),
        file.as_os_str(),
    ];
    match child::run("gpg", &args, &[]) {
        Ok(Ran::Ok(out)) => Ok(out),
        Ok(Ran::Missing) => Err(ImportError::GpgMissing {
            tool: "gpg",
            dir: dir.to_owned(),
        }
        .into()),
        Ok(Ran::Failed(stderr, _)) => Err(ImportError::GpgFailed {
            entry: entry.to_owned(),
            locked: stderr.contains("No secret key") || stderr.contains("no secret key"),
            detail: child::diagnostic(&stderr),
        }
        .into()),
        Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => Err(too_large(entry)),
        Err(e) => Err(Error::Failed {
            what: "run gpg",
            detail: e.to_string(),
        }),
    }
}

/// A passage entry: an age file (binary or armored), decrypted with the identity in use.
/// A header or payload that does not authenticate, or a file that is not age, is an
/// integrity failure (exit 6): the store's writers could change it, the importer cannot
/// tell damage from tampering.
fn age_decrypt(ctx: &Context, entry: &str, file: &Path) -> Result<Zeroizing<Vec<u8>>> {
    use std::io::ErrorKind;
    let identity = ctx.identity()?;
    let corrupt = |detail: String| -> Error {
        ImportError::EntryCorrupt {
            entry: entry.to_owned(),
            detail,
        }
        .into()
    };
    let damaged =
        |kind: ErrorKind| matches!(kind, ErrorKind::UnexpectedEof | ErrorKind::InvalidData);
    let f = std::fs::File::open(file).map_err(|e| Error::io("cannot read", file, e))?;
    let reader = age::armor::ArmoredReader::new(std::io::BufReader::new(f));
    let decryptor = age::Decryptor::new(reader).map_err(|e| match e {
        age::DecryptError::Io(io) if !damaged(io.kind()) => Error::io("cannot read", file, io),
        other => corrupt(describe_age(&other)),
    })?;
    let mut stream = match decryptor.decrypt(std::iter::once(identity.as_age())) {
        Ok(s) => s,
        Err(e) => {
            return Err(match (crate::plugin::take_failure(), e) {
                // A plugin identity that failed (no terminal, wrong PIN): an unlock
                // failure, never mistaken for a damaged entry.
                (Some(plugin), _) => plugin,
                (None, age::DecryptError::NoMatchingKeys) => ImportError::EntryNotForIdentity {
                    entry: entry.to_owned(),
                    recipient: identity.recipient.clone(),
                }
                .into(),
                (None, age::DecryptError::Io(io)) if !damaged(io.kind()) => {
                    Error::io("cannot read", file, io)
                }
                (None, other) => corrupt(describe_age(&other)),
            });
        }
    };
    child::read_all(&mut stream).map_err(|e| match e.kind() {
        ErrorKind::FileTooLarge => too_large(entry),
        kind if damaged(kind) => corrupt(format!("payload damaged or truncated ({kind})")),
        _ => Error::io("cannot read", file, e),
    })
}

/// An entry that decrypts to more than keyward reads (64 MiB): named, so a decompression
/// bomb planted in a store is found.
fn too_large(entry: &str) -> Error {
    ImportError::EntryTooLarge {
        entry: entry.to_owned(),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_is_the_value_unless_the_whole_entry_is_asked_for() {
        assert_eq!(entry_value(b"pw\nuser: ana\n", false), b"pw");
        assert_eq!(entry_value(b"pw\r\nuser\r\n", false), b"pw");
        assert_eq!(entry_value(b"pw", false), b"pw");
        assert_eq!(entry_value(b"\nsecond\n", false), b"");
        assert_eq!(entry_value(b"pw\nuser: ana\n", true), b"pw\nuser: ana");
        assert_eq!(entry_value(b"pw\nuser\n\n", true), b"pw\nuser\n");
        assert_eq!(entry_value(b"pw", true), b"pw");
    }
}
