//! The machine's memory of verified commits (DESIGN §8 round 3): the commits whose whole
//! history `audit verify --git` found good here, so that the next run checks only what
//! came after them. A file `verified-commits` in the vault's pin directory (0600,
//! replaced atomically): one line per commit, `v1 COMMIT TAG`.
//!
//! The memory proves nothing by itself: each line's tag is an HMAC, under a key only the
//! identity in use can make, over everything the verdict was reached on (the commit, the
//! blob of each environment file in it, the trust roots required, the rules' version).
//! What those are is `ops::verify_git`'s business; here the lines are read, checked
//! against the tag the caller computes, and written. A line whose tag does not check is
//! not a verdict: it is dropped, never trusted, so an edited file can only make the next
//! run check more. This module never decides whether a history is honest.

use std::path::PathBuf;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};
use crate::fsutil::create_private_dir;
use crate::vault::paths::PinDir;

/// How many verified commits are remembered (the newest; a run excludes each one's
/// history from its walk, so a few are enough).
pub const KEEP: usize = 16;

const NAME: &str = "verified-commits";

/// One remembered commit, as stored: its id and its tag (unchecked until
/// [`Memory::holds`] recomputes it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remembered {
    pub commit: String,
    tag: [u8; 32],
}

/// The memory of one vault on this machine, with the key its tags are made under.
pub struct Memory {
    path: PathBuf,
    key: zeroize::Zeroizing<[u8; 32]>,
    lines: Vec<Remembered>,
    /// Lines that could not even be parsed (a damaged or edited file).
    pub malformed: usize,
}

impl Memory {
    /// Load the memory of the vault whose pins are `pins`; `key` makes and checks its tags.
    /// A missing file is an empty memory; an unreadable one (or one others can read) is
    /// an error, as for pins.
    pub fn load(pins: &PinDir, key: [u8; 32]) -> Result<Memory> {
        let path = pins.dir().join(NAME);
        let mut lines = Vec::new();
        let mut malformed = 0;
        if let Some(bytes) = read_private(&path)? {
            for line in String::from_utf8_lossy(&bytes).lines() {
                match parse(line) {
                    Some(r) => lines.push(r),
                    None => malformed += 1,
                }
            }
        }
        Ok(Memory {
            path,
            key: zeroize::Zeroizing::new(key),
            lines,
            malformed,
        })
    }

    /// The commits remembered, newest last, tags not yet checked.
    pub fn remembered(&self) -> &[Remembered] {
        &self.lines
    }

    /// The tag of `message` (what a verdict on a commit was reached on).
    pub fn tag(&self, message: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key[..]).expect("any key length");
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// Whether `r`'s stored tag is the tag of `message` (constant time).
    pub fn holds(&self, r: &Remembered, message: &[u8]) -> bool {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key[..]).expect("any key length");
        mac.update(message);
        mac.verify_slice(&r.tag).is_ok()
    }

    /// Remember `commit` (verified whole, with everything before it) under the tag of
    /// `message`; keep the newest [`KEEP`] and only those `keep` says are still valid.
    /// Written atomically, 0600; not fsynced: a memory lost in a crash only makes the
    /// next run check more.
    pub fn store(
        &mut self,
        commits: &[(String, Vec<u8>)],
        keep: impl Fn(&Remembered) -> bool,
    ) -> Result<()> {
        let mut lines: Vec<Remembered> = self.lines.iter().filter(|r| keep(r)).cloned().collect();
        for (commit, message) in commits {
            lines.retain(|r| &r.commit != commit);
            lines.push(Remembered {
                commit: commit.clone(),
                tag: self.tag(message),
            });
        }
        let cut = lines.len().saturating_sub(KEEP);
        lines.drain(..cut);
        let mut text = String::new();
        for r in &lines {
            text.push_str(&format!("v1 {} {}\n", r.commit, hex::encode(r.tag)));
        }
        if let Some(dir) = self.path.parent() {
            create_private_dir(dir)?;
        }
        crate::fsutil::replace_file(&self.path, text.as_bytes(), 0o600, false)
            .map_err(|e| Error::io("cannot write", &self.path, e))?;
        self.lines = lines;
        Ok(())
    }

    /// Where the memory is kept.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

/// The file's bytes, if it exists; one that is not a regular file or that others can
/// read is refused, as a pin is (`Error::PinUnsafe`).
fn read_private(path: &std::path::Path) -> Result<Option<Vec<u8>>> {
    use std::os::unix::fs::MetadataExt;
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("cannot read", path, e)),
    };
    if !meta.is_file() || meta.mode() & 0o077 != 0 {
        return Err(Error::PinUnsafe {
            path: path.to_owned(),
            mode: meta.mode() & 0o777,
        });
    }
    std::fs::read(path)
        .map(Some)
        .map_err(|e| Error::io("cannot read", path, e))
}

/// `v1 COMMIT TAG`: a 40- or 64-digit commit id and a 64-digit tag.
fn parse(line: &str) -> Option<Remembered> {
    let mut parts = line.split(' ');
    let (Some("v1"), Some(commit), Some(tag), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let hexdigits = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    if !matches!(commit.len(), 40 | 64) || !hexdigits(commit) {
        return None;
    }
    let mut t = [0u8; 32];
    hex::decode_to_slice(tag, &mut t).ok()?;
    Some(Remembered {
        commit: commit.to_owned(),
        tag: t,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_lines_are_read() {
        let c = "a".repeat(40);
        let t = "0".repeat(64);
        assert!(parse(&format!("v1 {c} {t}")).is_some());
        assert!(parse(&format!("v1 {} {t}", "a".repeat(64))).is_some());
        assert!(parse(&format!("v2 {c} {t}")).is_none());
        assert!(parse(&format!("v1 {c} {t} x")).is_none());
        assert!(parse(&format!("v1 {} {t}", "A".repeat(40))).is_none());
        assert!(parse(&format!("v1 {c} {}", "0".repeat(63))).is_none());
        assert!(parse(&format!("v1 --all {t}")).is_none());
    }

    #[test]
    fn a_tag_holds_only_for_its_message_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let pins = PinDir::new(dir.path(), dir.path(), 0);
        let mut m = Memory::load(&pins, [7; 32]).unwrap();
        m.store(&[("b".repeat(40), b"msg".to_vec())], |_| true)
            .unwrap();
        let m = Memory::load(&pins, [7; 32]).unwrap();
        let r = &m.remembered()[0];
        assert!(m.holds(r, b"msg"));
        assert!(!m.holds(r, b"msG"));
        let other = Memory::load(&pins, [8; 32]).unwrap();
        assert!(!other.holds(&other.remembered()[0], b"msg"));
    }
}
