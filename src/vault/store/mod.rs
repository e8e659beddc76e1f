//! Opening and committing an environment file: age stream → in-memory SQLite → age
//! stream, atomically (DESIGN §2).
//!
//! Plaintext never touches disk and never passes through an intermediate `Vec`: the age
//! reader streams straight into SQLite's own buffer, and `serialize` hands SQLite's
//! buffer straight to the age writer.
//!
//! A read without the writer lock does not decrypt the whole file (DESIGN §7 round 2):
//! SQLite reads the image page by page through a read-only VFS (`vfs`) over the age
//! stream's authenticated 64 KiB chunks (`chunks`), decrypting only those its queries
//! visit. Writers, git blobs and payloads that are not a raw SQLite image take the
//! whole-file path.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, MAIN_DB, OptionalExtension};

use crate::error::describe_age;
use crate::error::{Error, Result};
use crate::fsutil::sync_dir;
use crate::names::EnvName;
use crate::recipient::RecipientString;
use crate::vault::chunks::Chunks;
use crate::vault::fileseal;
use crate::vault::lock::EnvLock;
use crate::vault::paths::VaultPaths;
use crate::vault::schema::{self, FORMAT_VERSION, FP_LEN};
use crate::vault::seen::{Pin, Relation};
use crate::vault::vfs;

mod image;
pub(crate) use image::in_git_work_tree;
use image::*;
pub(in crate::vault) use image::{
    FileStamp, Over, check_header_size, decrypt, encryptor_for, fill_fingerprints, open_nofollow,
    replace_encrypted, settle_fingerprints, stamp,
};
mod load;
#[allow(unused_imports)]
use load::*;

/// An open environment: its decrypted database in memory, and the writer lock when it
/// was opened for writing.
pub struct EnvDb {
    pub env: EnvName,
    pub path: PathBuf,
    pub(in crate::vault) conn: Connection,
    pub(in crate::vault) paths: VaultPaths,
    pub(in crate::vault) lock: Option<EnvLock>,
    /// Per-process caches for batches (rotate --all, import): the last actor's row id
    /// and the lifecycle chain's head. Only this writer changes either while it holds
    /// the lock.
    pub(in crate::vault) actor_cache: std::cell::RefCell<Option<(crate::audit::Actor, i64)>>,
    pub(in crate::vault) chain_head: std::cell::Cell<Option<[u8; 32]>>,
    /// How this file relates to what this machine saw before (DESIGN §8).
    pub(in crate::vault) history: Relation,
    /// What this machine saw: the versions it saw go out of service stay out.
    pub(in crate::vault) pin: Option<Pin>,
    /// `trust`: accept the file as it is and replace the pin on commit.
    pub(in crate::vault) trusting: bool,
    /// `commit` put the new file in place (whatever failed after it: the change stands).
    pub(in crate::vault) replaced: bool,
    /// The image's stored format (`meta.format_version`): below `FORMAT_VERSION` it
    /// lacks the newer columns until a write migrates it (`migrate`: a signed format-4
    /// image stays at 4 until its first removal of a member).
    pub(in crate::vault) format: std::cell::Cell<i64>,
    /// The file's chunks when it is read page by page (a read without the lock), for
    /// `authenticate_all` and the reason behind a failed read.
    pub(in crate::vault) chunks: Option<Arc<Chunks>>,
    /// Read from a compressed image: the fingerprint index is a TEMP table
    /// (`index_packed`).
    pub(in crate::vault) packed: bool,
    /// That TEMP index is still to be filled from the values: only `verify`'s lookup
    /// reads it, so it is filled on the first lookup (`fingerprint_index`), not on
    /// every open (it was a tenth of a `get`'s instructions).
    pub(in crate::vault) unindexed: std::cell::Cell<bool>,
    /// The lifecycle head (hash, sequence number) when the file was opened: the signed
    /// state a write builds on (DESIGN §15). `None` for a new environment.
    pub(in crate::vault) opened: Option<([u8; 32], i64)>,
    /// The trust root of the history (DESIGN §15), once verified here or pinned; `None`
    /// for an unsigned history or one not verified by this process.
    pub(in crate::vault) root: Option<String>,
    /// The root of this environment's own history (`signing::history_root`), when known:
    /// verified by this process, or pinned here by a build that recorded it.
    pub(in crate::vault) history_root: Option<String>,
    /// `KEYWARD_TRUST_ROOT` matched this history only as its founders' root (see
    /// `founders_pin`).
    pub(in crate::vault) founders_pin: std::cell::Cell<bool>,
    /// DESIGN §18: the file key of the file this process last wrote (`written_file_key`).
    pub(in crate::vault) written: Option<crate::identity::filekey::KeyBytes>,
    /// A writer's: which file it read (device, inode, size, modification time). The lock
    /// binds keyward's writers only; a `git pull`, a checkout or a sync tool may put
    /// another file in its place meanwhile (during a rotation hook, for a while), and
    /// a commit must not write over a state it never read. `Some(None)`: a new
    /// environment's writer, which read no file and must not write over one put there
    /// meanwhile (a pull bringing a teammate's environment of the same name).
    pub(in crate::vault) read_as: Option<Option<FileStamp>>,
}

impl std::fmt::Debug for EnvDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvDb")
            .field("env", &self.env)
            .field("writable", &self.lock.is_some())
            .finish_non_exhaustive()
    }
}

/// A change in progress on an environment opened for writing (see `EnvDb::batch`):
/// the write methods live here, so no row is written outside a transaction of a
/// writer holding the lock. Reads go through to the environment.
pub struct Tx<'a> {
    db: &'a EnvDb,
}

impl std::ops::Deref for Tx<'_> {
    type Target = EnvDb;
    fn deref(&self) -> &EnvDb {
        self.db
    }
}

/// Keeps the real I/O error from the age reader (SQLite would turn it into "cannot
/// open"), checks the SQLite magic as it streams past, and turns a WAL-mode header
/// (bytes 18–19 = 2, from someone's `sqlite3` recovery session) into a rollback one,
/// which SQLite can deserialize; the image itself holds no WAL content.
struct ImageReader<R> {
    inner: R,
    pos: u64,
    header: [u8; 20],
    error: Option<io::Error>,
}

impl<R: Read> Read for ImageReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) => {
                let kept = io::Error::new(e.kind(), e.to_string());
                self.error = Some(e);
                return Err(kept);
            }
        };
        for (i, b) in buf[..n].iter_mut().enumerate() {
            let at = self.pos + i as u64;
            if at >= 20 {
                break;
            }
            if (at == 18 || at == 19) && *b == 2 {
                *b = 1;
            }
            self.header[at as usize] = *b;
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl EnvDb {
    /// The lifecycle chain's head: `(seq, hash, time)`; `(0, [], 0)` for an empty chain.
    pub fn last_event(&self) -> Result<(i64, Vec<u8>, i64)> {
        Ok(self
            .conn
            .query_row(
                "SELECT seq, hash, time FROM events ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .unwrap_or((0, Vec::new(), 0)))
    }

    /// Whether a commit of this environment could be written now (see
    /// [`image::preflight`]): asked before a rotation hook runs, so that a hook never
    /// runs into a write that was bound to fail. Room for the file as it is, and 64 KiB
    /// to grow.
    pub fn ready_to_write(&self) -> Result<()> {
        if self.lock.is_none() {
            return Err(Error::Internal("commit of an environment opened read-only"));
        }
        let tmp = self.paths.env_tmp(&self.env);
        let now = fs::symlink_metadata(&self.path).map_or(0, |m| m.len());
        image::preflight(&tmp, now + (64 << 10))
            .map_err(|e| crate::fsutil::nofollow_error("cannot write", &tmp, e))?;
        // Every recipient's plugin answers (one missing here fails the write after).
        encryptor_for(&crate::plugin::encrypt_to(&self.recipient_strings()?)?).map(drop)
    }

    /// Encrypt the database to the environment's recipients and replace the file
    /// atomically: temp file, `finish()`, fsync, rename, fsync the directory. What this
    /// machine pins of it is `open`'s business (`EnvDb::commit`).
    pub(in crate::vault) fn write_file(
        &mut self,
    ) -> Result<Option<crate::vault::fileseal::Sealed>> {
        if self.lock.is_none() {
            return Err(Error::Internal("commit of an environment opened read-only"));
        }
        let recipients = self.recipient_strings()?;
        if recipients.is_empty() {
            return Err(Error::NoRecipients {
                env: self.env.clone(),
            });
        }
        // Plugin recipients run their plugin here, before the temp file exists: a
        // missing or failing plugin leaves the old file as it was (DESIGN §10).
        // DESIGN §18: the new file's key is kept aside (`written_file_key`).
        let (boxed, captured) =
            crate::identity::filekey::capturing(crate::plugin::encrypt_to(&recipients)?);
        let encryptor = encryptor_for(&boxed)?;
        let tmp = self.paths.env_tmp(&self.env);
        // Checked now, before the work of encrypting, and again at the commit point
        // (`Over`), where a file put in place meanwhile is never written over.
        if let Some(read) = self.read_as
            && fs::symlink_metadata(&self.path).map(|m| stamp(&m)).ok() != read
        {
            return Err(match read {
                None => Error::EnvExists {
                    env: self.env.clone(),
                },
                Some(_) => Error::EnvReplacedMeanwhile {
                    env: self.env.clone(),
                    path: self.path.clone(),
                },
            });
        }
        let over = match self.read_as {
            None => Over::Whatever,
            Some(None) => Over::Nothing(&self.env),
            Some(Some(read)) => Over::Read(&self.env, read),
        };
        self.located(settle_fingerprints(&self.conn, self.packed))?;
        let data = self.conn.serialize(MAIN_DB)?;
        let sealed = replace_encrypted(&tmp, &self.path, over, encryptor, &data)?;
        self.written = captured.take();
        // A later commit of this process builds on the file it has just written.
        self.read_as = Some(fs::symlink_metadata(&self.path).ok().map(|m| stamp(&m)));
        Ok(sealed)
    }

    /// Run `f` in one SQL transaction: the only way to write rows (`Tx` carries the
    /// write methods). Atomicity on disk comes from `commit` (a failed command never
    /// commits); this makes bulk changes fast and keeps a failed step from leaving half
    /// its rows behind in memory.
    pub fn batch<T>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        if self.lock.is_none() {
            return Err(Error::Internal("change to an environment opened read-only"));
        }
        self.conn.execute_batch("BEGIN")?;
        let stored = self.format.get();
        let changed = self.migrate().and_then(|()| f(&Tx { db: self }));
        match changed {
            Ok(out) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(out)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                self.format.set(stored);
                self.chain_head.set(None);
                self.actor_cache.replace(None);
                Err(e)
            }
        }
    }

    /// Bring an older image to the current format (inside `batch`'s transaction), but
    /// for a signed format-4 image's step to format 5: that adds `former_labels`, a
    /// table of the settings only an admin's signature may change (DESIGN §15), so a
    /// writer's `set` there would be refused. Such an image takes format 5 with its
    /// first removal of a member (`keep_former_labels`), an admin's change. Format 6
    /// only with a serial floor (`mark_serial_floor`; in a signed history, by an admin).
    pub(in crate::vault) fn migrate(&self) -> Result<()> {
        let signed_4 = self.signed_format_4()?;
        // An unsigned history has no roles: any write marks a floor a build before
        // format 6 recorded unmarked (a signed one waits for an admin's: `sign`).
        let floor = self.format.get() == schema::BASE_FORMAT
            && !self.is_signed()?
            && self.holds_serial_floor()?;
        for (to, sql) in schema::MIGRATIONS {
            if self.format.get() < to
                && !(to == 5 && signed_4)
                && (to != schema::FLOOR_FORMAT || floor)
            {
                self.located(self.conn.execute_batch(sql).map_err(Into::into))?;
                self.format.set(to);
            }
        }
        // Not a format change: any image may lack it (written before it, or by an older
        // build); `IF NOT EXISTS` makes this a schema lookup when it is there.
        self.located(
            self.conn
                .execute_batch(schema::INDEX_REMOVALS)
                .map_err(Into::into),
        )?;
        Ok(())
    }

    /// A signed format-4 image: its step to format 5 waits (`migrate`).
    fn signed_format_4(&self) -> Result<bool> {
        Ok(self.format.get() == 4 && self.is_signed()?)
    }

    /// Format 5's `former_labels`, for a removal to keep the label in (inside `batch`'s
    /// transaction): the migration `migrate` leaves a signed format-4 image without.
    pub(in crate::vault) fn keep_former_labels(&self) -> Result<()> {
        if self.format.get() < 5 {
            self.located(
                self.conn
                    .execute_batch(schema::MIGRATE_5)
                    .map_err(Into::into),
            )?;
            self.format.set(5);
        }
        Ok(())
    }

    /// Format 6, the mark of a verifier serial floor in the history (inside `batch`'s
    /// transaction, with the event that carries it): releases before it do not count
    /// the floor, so they must refuse the image. A signed format-4 image takes format 5
    /// first (`former_labels`, a setting: the floor is an admin's too), since releases
    /// that read format 4 count no floor either.
    pub(in crate::vault) fn mark_serial_floor(&self) -> Result<()> {
        self.keep_former_labels()?;
        if self.format.get() == schema::BASE_FORMAT {
            self.located(
                self.conn
                    .execute_batch(schema::MIGRATE_6)
                    .map_err(Into::into),
            )?;
            self.format.set(schema::FLOOR_FORMAT);
        }
        Ok(())
    }

    /// Whether the image is marked as holding a verifier serial floor (format 6).
    pub(in crate::vault) fn has_serial_floor_mark(&self) -> bool {
        self.format.get() >= schema::FLOOR_FORMAT
    }

    /// The same migration on another connection holding a copy of this image (the
    /// merge driver builds its result in one); `labels`: whether the result takes
    /// format 5's `former_labels` where this image (signed, format 4) has none;
    /// `floor`: whether it takes format 6 (the other side has a serial floor). The
    /// result's format, and so whether it keeps former labels.
    pub(in crate::vault) fn migrate_conn(
        &self,
        conn: &Connection,
        labels: bool,
        floor: bool,
    ) -> Result<i64> {
        let signed_4 = self.signed_format_4()?;
        let mut format = self.format.get();
        for (to, sql) in schema::MIGRATIONS {
            let skip = (to == 5 && signed_4 && !labels) || (to == schema::FLOOR_FORMAT && !floor);
            if format < to && !skip {
                conn.execute_batch(sql)?;
                format = to;
            }
        }
        Ok(format)
    }

    /// Whether the image has format 3's `events.parents` (a format-2 image read without
    /// a write has not, and its chain is linear).
    pub(in crate::vault) fn has_parents(&self) -> bool {
        self.format.get() >= 3
    }

    /// Whether the image has format 3's `hooks` table; an older one read without a
    /// write has no hooks.
    pub(in crate::vault) fn has_hooks_table(&self) -> bool {
        self.format.get() >= 3
    }

    /// Whether the image has format 2's columns (`recipients.label`, `events.subject`);
    /// a format-1 image read without a write has not.
    pub(in crate::vault) fn has_labels(&self) -> bool {
        self.format.get() >= 2
    }

    /// Whether the image has format 4's roles, signing keys and signatures (DESIGN §15).
    pub(in crate::vault) fn has_signatures(&self) -> bool {
        self.format.get() >= 4
    }

    /// Whether the image has format 5's `former_labels` (DESIGN §16).
    pub(in crate::vault) fn has_former_labels(&self) -> bool {
        self.format.get() >= 5
    }

    /// Whether the image has format 3's `verifier_key` table.
    pub(in crate::vault) fn has_verifier_table(&self) -> bool {
        self.format.get() >= 3
    }

    pub fn recipient_strings(&self) -> Result<Vec<RecipientString>> {
        self.located((|| -> Result<Vec<RecipientString>> {
            let mut stmt = self
                .conn
                .prepare("SELECT recipient FROM recipients ORDER BY added_at, recipient")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for r in rows {
                // Parsed, not trusted: a hostile image could hold anything here, and this
                // list decides who can read the next commit.
                let r: RecipientString = r?.parse().map_err(|_| Error::CorruptDb {
                    detail: "a stored recipient is not a valid recipient".into(),
                })?;
                out.push(r);
            }
            Ok(out)
        })())
    }

    /// The per-environment key that seals the access journal (DESIGN §5).
    pub fn audit_key(&self) -> Result<zeroize::Zeroizing<[u8; 32]>> {
        self.located((|| -> Result<zeroize::Zeroizing<[u8; 32]>> {
            let v: Vec<u8> =
                self.conn
                    .query_row("SELECT v FROM meta WHERE k = 'audit_key'", [], |r| r.get(0))?;
            let arr: [u8; 32] = v.as_slice().try_into().map_err(|_| Error::Corrupt {
                path: self.path.clone(),
                detail: "audit key has the wrong length".into(),
            })?;
            Ok(zeroize::Zeroizing::new(arr))
        })())
    }

    /// Authenticate every chunk of the file, not only those the queries so far touched
    /// (`audit verify`: a tampered chunk anywhere is exit 6). A file read whole was
    /// authenticated when it was opened.
    pub fn authenticate_all(&self) -> Result<()> {
        match &self.chunks {
            Some(chunks) => chunks.authenticate_all().map_err(|e| Error::Corrupt {
                path: self.path.clone(),
                detail: e.to_string(),
            }),
            None => Ok(()),
        }
    }

    /// Name this file in an integrity error raised by a query on it (exit 6 with the
    /// path, so the user knows which file to restore).
    pub(crate) fn located<T>(&self, r: Result<T>) -> Result<T> {
        r.map_err(|e| match e {
            Error::CorruptDb { detail } => Error::Corrupt {
                path: self.path.clone(),
                // A page read failed: say which chunk, not SQLite's "disk I/O error".
                detail: self
                    .chunks
                    .as_ref()
                    .and_then(|c| c.damage())
                    .unwrap_or(detail),
            },
            e => e,
        })
    }

    pub fn paths(&self) -> &VaultPaths {
        &self.paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    fn setup() -> (
        tempfile::TempDir,
        VaultPaths,
        age::x25519::Identity,
        EnvName,
    ) {
        let (dir, paths, env, id) = crate::vault::open::test_vault();
        (dir, paths, id, env)
    }

    fn encrypt_to(id: &age::x25519::Identity, plain: &[u8]) -> Vec<u8> {
        let r = id.to_public();
        let e =
            age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
        let mut out = Vec::new();
        let mut w = e.wrap_output(&mut out).unwrap();
        w.write_all(plain).unwrap();
        w.finish().unwrap();
        out
    }

    fn assert_rejected(r: Result<EnvDb>) {
        match r {
            Err(Error::Corrupt { .. }) | Err(Error::NotARecipient { .. }) => {}
            Err(other) => panic!("unexpected error kind: {other:?}"),
            Ok(_) => panic!("hostile bytes opened as an environment"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Arbitrary bytes as an env file: an error, never a panic.
        #[test]
        fn arbitrary_file_bytes_never_open(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let (_d, paths, id, env) = setup();
            fs::write(paths.env_file(&env), &bytes).unwrap();
            assert_rejected(EnvDb::open_read(&paths, &env, &id));
        }

        /// Arbitrary bytes properly encrypted to us (an attacker who knows the public
        /// recipient can make these): SQLite must reject them cleanly.
        #[test]
        fn arbitrary_encrypted_payload_never_opens(bytes in proptest::collection::vec(any::<u8>(), 0..70_000)) {
            let (_d, paths, id, env) = setup();
            fs::write(paths.env_file(&env), encrypt_to(&id, &bytes)).unwrap();
            assert_rejected(EnvDb::open_read(&paths, &env, &id));
        }

        /// A valid SQLite header followed by garbage pages.
        #[test]
        fn sqlite_header_with_garbage_never_opens(tail in proptest::collection::vec(any::<u8>(), 100..20_000)) {
            let (_d, paths, id, env) = setup();
            let mut image = b"SQLite format 3\0".to_vec();
            image.extend_from_slice(&[0x10, 0x00, 1, 1, 0, 64, 32, 32]);
            image.extend_from_slice(&tail);
            fs::write(paths.env_file(&env), encrypt_to(&id, &image)).unwrap();
            assert_rejected(EnvDb::open_read(&paths, &env, &id));
        }

        /// Arbitrary bytes as a journal: an integrity error, never a panic.
        #[test]
        fn arbitrary_journal_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..8192)) {
            let (_d, paths, _id, env) = setup();
            fs::create_dir_all(paths.journal_dir()).unwrap();
            fs::write(paths.journal(&env), &bytes).unwrap();
            if let Ok(j) = crate::vault::journal::Journal::open(&paths, &env) {
                let _ = j.events(&crate::vault::keyring::AuditKeys::single(zeroize::Zeroizing::new([0u8; 32])));
            }
        }
    }

    #[test]
    fn a_compressed_payload_is_inflated_only_up_to_its_bound() {
        // A "gzip bomb": 65 MiB of zeros in ~64 KiB; refused, never inflated whole.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..65 {
            gz.write_all(&zeros).unwrap();
        }
        let bomb = gz.finish().unwrap();
        let err = inflate(&bomb[..], bomb.len()).unwrap_err();
        assert!(err.contains("inflates beyond"), "{err}");
        // A small one inflates exactly; damage is an error, not a panic.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(b"SQLite format 3\0 and the rest").unwrap();
        let ok = gz.finish().unwrap();
        assert_eq!(
            &inflate(&ok[..], ok.len()).unwrap()[..],
            b"SQLite format 3\0 and the rest"
        );
        let mut cut = ok.clone();
        cut.truncate(ok.len() - 5);
        assert!(inflate(&cut[..], cut.len()).is_err());
    }

    #[test]
    fn a_real_image_with_a_flipped_page_byte_is_rejected_or_consistent() {
        let (_d, paths, id, env) = setup();
        crate::vault::open::create_test_env(&paths, &env, &id, |_| Ok(())).unwrap();
        let mut db = EnvDb::open_read(&paths, &env, &id).unwrap();
        let image = db.conn.serialize(MAIN_DB).unwrap().to_vec();
        drop(db);
        for at in (100..image.len()).step_by(997) {
            let mut bad = image.clone();
            bad[at] ^= 0xff;
            fs::write(paths.env_file(&env), encrypt_to(&id, &bad)).unwrap();
            // Either a clean error or an open database; queries on it must not panic.
            if let Ok(db) = EnvDb::open_read(&paths, &env, &id) {
                let _ = db.keys();
                let _ = db.lifecycle_events();
                let _ = db.recipients();
            }
        }
    }
}
