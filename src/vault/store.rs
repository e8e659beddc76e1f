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
use crate::vault::seen::{History, Pin};
use crate::vault::vfs;

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
    pub(in crate::vault) history: History,
    /// What this machine saw: the versions it saw go out of service stay out.
    pub(in crate::vault) pin: Option<Pin>,
    /// `trust`: accept the file as it is and replace the pin on commit.
    pub(in crate::vault) trusting: bool,
    /// The image's stored format (`meta.format_version`): below `FORMAT_VERSION` it
    /// lacks the newer columns until the next write migrates it.
    pub(in crate::vault) format: std::cell::Cell<i64>,
    /// The file's chunks when it is read page by page (a read without the lock), for
    /// `authenticate_all` and the reason behind a failed read.
    pub(in crate::vault) chunks: Option<Arc<Chunks>>,
    /// Read from a compressed image: the fingerprint index is a TEMP table
    /// (`index_packed`).
    pub(in crate::vault) packed: bool,
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
    /// Open `env` from its ciphertext in memory (a blob from the vault's git history,
    /// DESIGN §8): read-only, no lock, no pin (a past state is not what this machine
    /// sees now); `label` names it in errors (`REV:PATH`).
    pub fn open_bytes(
        paths: &VaultPaths,
        env: &EnvName,
        label: PathBuf,
        bytes: &[u8],
        identity: &dyn age::Identity,
    ) -> Result<EnvDb> {
        Self::load(
            io::Cursor::new(bytes),
            paths,
            env,
            label,
            identity,
            None,
            false,
        )
    }

    /// The same for a blob whose name says nothing (`git textconv`): the environment is
    /// the one the database holds.
    pub fn open_bytes_any_env(
        paths: &VaultPaths,
        label: PathBuf,
        bytes: &[u8],
        identity: &dyn age::Identity,
    ) -> Result<EnvDb> {
        let placeholder: EnvName = "env".parse().expect("a valid name");
        Self::load(
            io::Cursor::new(bytes),
            paths,
            &placeholder,
            label,
            identity,
            None,
            true,
        )
    }

    /// Decrypt `input` (an env file's ciphertext) into an in-memory database and check
    /// its meta: what `open` and `open_bytes` share once the bytes are at hand.
    pub(in crate::vault) fn load<R: io::BufRead + Seek>(
        input: R,
        paths: &VaultPaths,
        env: &EnvName,
        path: PathBuf,
        identity: &dyn age::Identity,
        lock: Option<EnvLock>,
        adopt_env: bool,
    ) -> Result<EnvDb> {
        let (reader, len) = decrypt(input, env, &path, identity)?;
        let (conn, packed) = Self::load_whole(reader, len, &path, lock.is_none())?;
        let db = Self::finish(conn, None, paths, env, path, lock, adopt_env)?;
        db.index_packed(packed)
    }

    /// The read path (DESIGN §7 round 2): SQLite reads the image page by page through a
    /// read-only VFS over the age stream (`vfs`, `chunks`), so only the chunks holding
    /// the pages a query visits are decrypted, each authenticated as it is. A payload
    /// that is not a raw SQLite image (a compressed one) takes the whole-file path.
    pub(in crate::vault) fn load_lazy(
        input: BufReader<File>,
        paths: &VaultPaths,
        env: &EnvName,
        path: PathBuf,
        identity: &dyn age::Identity,
        expected: Option<fileseal::Expected>,
    ) -> Result<EnvDb> {
        let corrupt = |detail: String| Error::Corrupt {
            path: path.clone(),
            detail,
        };
        let (mut reader, len) = decrypt(input, env, &path, identity)?;
        let mut magic = [0u8; 16];
        reader
            .read_exact(&mut magic)
            .and_then(|()| reader.seek(SeekFrom::Start(0)))
            .map_err(|e| corrupt(format!("payload damaged ({})", e.kind())))?;
        // Small images (compressed, or raw from an older build or a hand-made copy)
        // are read whole, with their fingerprint index derived (`index_packed`).
        if &magic != SQLITE_MAGIC || len <= COMPRESS_UP_TO {
            if let Some(e) = &expected {
                e.check_all().map_err(|e| corrupt(e.to_string()))?;
            }
            let (conn, packed) = Self::load_whole(reader, len, &path, true)?;
            let db = Self::finish(conn, None, paths, env, path, None, false)?;
            return db.index_packed(packed);
        }
        let chunks = Arc::new(Chunks::new(Box::new(reader), len as u64, expected));
        let conn = vfs::open(chunks.clone()).map_err(|e| match chunks.damage() {
            Some(why) => corrupt(why),
            None => corrupt(format!("cannot load database ({e})")),
        })?;
        Self::finish(conn, Some(chunks), paths, env, path, None, false)
    }

    /// The whole-file path: stream the plaintext into an in-memory SQLite database
    /// (writers, git blobs, and payloads that are not a raw image).
    fn load_whole<R: Read + Seek>(
        mut reader: R,
        len: usize,
        path: &Path,
        read_only: bool,
    ) -> Result<(Connection, bool)> {
        let corrupt = |detail: String| Error::Corrupt {
            path: path.to_owned(),
            detail,
        };
        // A small image is stored gzip-compressed (see `replace_encrypted`): inflate it in
        // memory (zeroized on drop); a large one streams straight into SQLite.
        let mut magic = [0u8; 2];
        reader
            .read_exact(&mut magic)
            .and_then(|()| reader.seek(SeekFrom::Start(0)).map(drop))
            .map_err(|e| corrupt(format!("payload damaged ({})", e.kind())))?;
        let packed = magic == GZIP_MAGIC;
        let (source, len): (Box<dyn Read + '_>, usize) = if packed {
            let inflated = inflate(reader).map_err(corrupt)?;
            let n = inflated.len();
            (Box::new(io::Cursor::new(inflated)), n)
        } else {
            (Box::new(reader), len)
        };
        if len < 512 {
            return Err(corrupt("payload too short to be a database".into()));
        }
        let mut image = ImageReader {
            inner: source,
            pos: 0,
            header: [0; 20],
            error: None,
        };
        let mut conn = Connection::open_in_memory()?;
        if let Err(e) = conn.deserialize_read_exact(MAIN_DB, &mut image, len, read_only) {
            return Err(match image.error.take() {
                Some(io) => corrupt(format!("payload damaged ({})", io.kind())),
                None => corrupt(format!("cannot load database ({e})")),
            });
        }
        if &image.header[..16] != SQLITE_MAGIC {
            return Err(corrupt("payload is not an SQLite database".into()));
        }
        // Every image that would be compressed when written derives its index.
        Ok((conn, packed || len <= COMPRESS_UP_TO))
    }

    /// A small image (compressed when written, DESIGN §9: small history) stores no
    /// fingerprint index: 16 random bytes a version, a fifth of what a rotation adds to
    /// git. It is built here from the values (whatever rows the image holds),
    /// in a TEMP table of the same name, which every query then uses (SQLite resolves
    /// an unqualified name to `temp` first); `commit` writes it back only into an image
    /// too large to be compressed (`settle_fingerprints`).
    fn index_packed(mut self, packed: bool) -> Result<EnvDb> {
        if !packed {
            return Ok(self);
        }
        self.located((|| -> Result<()> {
            self.conn.execute_batch(
                "CREATE TEMP TABLE fingerprints(
                   fp BLOB NOT NULL, key_id INTEGER NOT NULL, version INTEGER NOT NULL,
                   PRIMARY KEY(fp, key_id, version)
                 ) STRICT, WITHOUT ROWID;",
            )?;
            fill_fingerprints(&self.conn, "temp")?;
            Ok(())
        })())?;
        self.packed = true;
        Ok(self)
    }

    /// What every path shares once the database is open: its settings and meta checks.
    pub(in crate::vault) fn finish(
        conn: Connection,
        chunks: Option<Arc<Chunks>>,
        paths: &VaultPaths,
        env: &EnvName,
        path: PathBuf,
        lock: Option<EnvLock>,
        adopt_env: bool,
    ) -> Result<EnvDb> {
        let corrupt = |detail: String| Error::Corrupt {
            path: path.clone(),
            detail,
        };
        // Anyone with the public recipients can write an image: SQL in its schema (a
        // view over an endless recursive query, a trigger) would run inside keyward's
        // own queries and could hang every command, `git diff` and the merge driver.
        // keyward writes tables and indexes only, and trusts no function in the schema.
        conn.pragma_update(None, "trusted_schema", "OFF")
            .map_err(|e| corrupt(e.to_string()))?;
        let foreign: i64 = conn
            .query_row(
                "SELECT count(*) FROM main.sqlite_schema WHERE type NOT IN ('table', 'index')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| corrupt(format!("cannot read the schema ({e})")))?;
        if foreign > 0 {
            return Err(corrupt(
                "the image holds views or triggers, which keyward never writes".into(),
            ));
        }
        // DESIGN §2: without this, removed values survive in free pages of the image.
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(|e| corrupt(e.to_string()))?;
        let mut db = EnvDb {
            env: env.clone(),
            path: path.clone(),
            conn,
            paths: paths.clone(),
            lock,
            actor_cache: Default::default(),
            chain_head: Default::default(),
            history: History::Unchecked,
            pin: None,
            trusting: false,
            format: std::cell::Cell::new(FORMAT_VERSION),
            chunks,
            packed: false,
        };
        db.check_meta(adopt_env).map_err(|e| match e {
            Error::Corrupt { detail, .. } | Error::CorruptDb { detail } => corrupt(detail),
            Error::Other(detail) => corrupt(detail),
            other => other,
        })?;
        Ok(db)
    }

    /// Check the stored format and environment name. `adopt_env`: take the name the
    /// file holds (a blob whose file name says nothing, for `git textconv`) instead of
    /// requiring the one it was opened as.
    pub(in crate::vault) fn check_meta(&mut self, adopt_env: bool) -> Result<()> {
        let version: Option<i64> = self
            .conn
            .query_row("SELECT v FROM meta WHERE k = 'format_version'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| Error::Other(format!("not a keyward database ({e})")))?;
        let version = version.ok_or_else(|| Error::Other("no format_version".into()))?;
        // A later format is refused (upgrade keyward); an earlier one is read as it is
        // and migrated by the next write (`batch`), inside the writer's transaction.
        if version < 1 {
            return Err(Error::Other(format!("unknown format version {version}")));
        }
        if version > FORMAT_VERSION {
            return Err(Error::NewerFormat {
                path: self.path.clone(),
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        self.format.set(version);
        let inside: String = self
            .conn
            .query_row("SELECT v FROM meta WHERE k = 'env'", [], |r| r.get(0))
            .map_err(|e| Error::Other(format!("no environment name ({e})")))?;
        if adopt_env {
            self.env = inside
                .parse()
                .map_err(|_| Error::Other("the stored environment name is invalid".into()))?;
            return Ok(());
        }
        if inside != self.env.as_str() {
            return Err(Error::Other(format!(
                "the file holds environment `{inside}`, not `{}` (was it copied over?)",
                self.env
            )));
        }
        Ok(())
    }

    /// Encrypt the database to the environment's recipients and replace the file
    /// atomically: temp file, `finish()`, fsync, rename, fsync the directory. What this
    /// machine pins of it is `open`'s business (`EnvDb::commit`).
    pub(in crate::vault) fn write_file(&mut self) -> Result<()> {
        if self.lock.is_none() {
            return Err(Error::Other(
                "internal: commit of an environment opened read-only".into(),
            ));
        }
        let recipients = self.recipient_strings()?;
        if recipients.is_empty() {
            return Err(Error::NoRecipients {
                env: self.env.clone(),
            });
        }
        // Plugin recipients run their plugin here, before the temp file exists: a
        // missing or failing plugin leaves the old file as it was (DESIGN §10).
        let boxed = crate::plugin::encrypt_to(&recipients)?;
        let encryptor = age::Encryptor::with_recipients(
            boxed.iter().map(|r| r.as_ref() as &dyn age::Recipient),
        )
        .map_err(|e| {
            crate::plugin::take_failure()
                .unwrap_or_else(|| Error::Other(format!("cannot encrypt to the recipients: {e}")))
        })?;
        let tmp = self.paths.env_tmp(&self.env);
        self.located(settle_fingerprints(&self.conn, self.packed))?;
        let data = self.conn.serialize(MAIN_DB)?;
        replace_encrypted(&tmp, &self.path, encryptor, &data)?;
        Ok(())
    }

    /// Run `f` in one SQL transaction: the only way to write rows (`Tx` carries the
    /// write methods). Atomicity on disk comes from `commit` (a failed command never
    /// commits); this makes bulk changes fast and keeps a failed step from leaving half
    /// its rows behind in memory.
    pub fn batch<T>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        if self.lock.is_none() {
            return Err(Error::Other(
                "internal: change to an environment opened read-only".into(),
            ));
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

    /// Bring an older image to the current format (inside `batch`'s transaction).
    pub(in crate::vault) fn migrate(&self) -> Result<()> {
        for (to, sql) in [(2, schema::MIGRATE_2), (3, schema::MIGRATE_3)] {
            if self.format.get() < to {
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

    /// The same migration on another connection holding a copy of this image (the
    /// merge driver builds its result in one).
    pub(in crate::vault) fn migrate_conn(&self, conn: &Connection) -> Result<()> {
        for (to, sql) in [(2, schema::MIGRATE_2), (3, schema::MIGRATE_3)] {
            if self.format.get() < to {
                conn.execute_batch(sql)?;
            }
        }
        Ok(())
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

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Decrypt an env file's header with `identity`: the payload's reader at its start, and
/// the plaintext length (seeking to the end authenticates the last chunk, so a
/// truncated file is refused here).
pub(in crate::vault) fn decrypt<R: io::BufRead + Seek>(
    input: R,
    env: &EnvName,
    path: &Path,
    identity: &dyn age::Identity,
) -> Result<(age::stream::StreamReader<R>, usize)> {
    let corrupt = |detail: String| Error::Corrupt {
        path: path.to_owned(),
        detail,
    };
    let decryptor = age::Decryptor::new_buffered(input).map_err(|e| match e {
        age::DecryptError::Io(io) if io.kind() != io::ErrorKind::UnexpectedEof => {
            Error::io("cannot read", path, io)
        }
        other => corrupt(describe_age(&other)),
    })?;
    if decryptor.is_scrypt() {
        return Err(corrupt(
            "encrypted to a passphrase; environments are encrypted to recipients".into(),
        ));
    }
    let mut reader = decryptor.decrypt(std::iter::once(identity)).map_err(|e| {
        match (crate::plugin::take_failure(), e) {
            // A plugin identity that failed (no terminal, wrong PIN, plugin gone): an
            // unlock failure, never mistaken for a damaged file.
            (Some(plugin), _) => plugin,
            (None, age::DecryptError::NoMatchingKeys) => Error::NotARecipient { env: env.clone() },
            (None, other) => corrupt(describe_age(&other)),
        }
    })?;
    // Seeking to the end authenticates the last chunk and gives the plaintext length.
    let len = reader
        .seek(SeekFrom::End(0))
        .and_then(|len| reader.seek(SeekFrom::Start(0)).map(|_| len))
        .map_err(|e| corrupt(format!("payload damaged or truncated ({})", e.kind())))?;
    // (A compressed image is short; `load_whole` checks the inflated length.)
    if len < 64 {
        return Err(corrupt("payload too short to be a database".into()));
    }
    let len = usize::try_from(len).map_err(|_| corrupt("payload too large".into()))?;
    Ok((reader, len))
}

/// Open a vault file for reading without following a symlink (DESIGN: none inside
/// the vault).
pub(in crate::vault) fn open_nofollow(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(crate::sys::O_NOFOLLOW)
        .open(path)
}

/// The first bytes of a gzip stream: a compressed image (an SQLite image starts with
/// `SQLite format 3`).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Images up to this size are gzip-compressed before encryption (DESIGN §9: a small
/// history in git — ciphertext never deltas, so every commit stores the whole file;
/// compression takes an empty env from ~45 KB to ~2 KB). Larger ones stay raw, so a
/// read can stream (or seek) through them; their size in git is dominated by values.
pub(in crate::vault) const COMPRESS_UP_TO: usize = 1 << 20;

/// No compressed image keyward writes inflates beyond `COMPRESS_UP_TO`; this bound
/// (with room for a later threshold) keeps a hostile file from exhausting memory.
const MAX_INFLATED: u64 = 64 << 20;

/// Inflate a compressed image into zeroizing memory, bounded by `MAX_INFLATED`. Both
/// buffers are sized before they are filled (the compressed one from its length, the
/// image from gzip's stated size), so no reallocation leaves an unzeroized copy.
fn inflate(mut reader: impl Read) -> std::result::Result<zeroize::Zeroizing<Vec<u8>>, String> {
    let mut packed = zeroize::Zeroizing::new(Vec::with_capacity(COMPRESS_UP_TO + 4096));
    (&mut reader)
        .take(MAX_INFLATED)
        .read_to_end(&mut packed)
        .map_err(|e| format!("compressed payload damaged ({e})"))?;
    let stated = packed
        .len()
        .checked_sub(4)
        .map(|at| u32::from_le_bytes(packed[at..].try_into().expect("4 bytes")) as u64)
        .unwrap_or(0)
        .min(MAX_INFLATED);
    let mut out = zeroize::Zeroizing::new(Vec::with_capacity(stated as usize + 1));
    let mut gz = flate2::read::GzDecoder::new(&packed[..]).take(MAX_INFLATED + 1);
    gz.read_to_end(&mut out)
        .map_err(|e| format!("compressed payload damaged ({e})"))?;
    if out.len() as u64 > MAX_INFLATED {
        return Err("compressed payload inflates beyond any image keyward writes".into());
    }
    Ok(out)
}

/// Fill `{schema}.fingerprints` (`main`, or the `temp` index of a small image) from the
/// values in `main.versions`: the index is derived data.
pub(in crate::vault) fn fill_fingerprints(conn: &rusqlite::Connection, schema: &str) -> Result<()> {
    let mut read = conn.prepare("SELECT key_id, version, value FROM main.versions")?;
    let mut insert = conn.prepare(&format!(
        "INSERT OR IGNORE INTO {schema}.fingerprints(fp, key_id, version) VALUES (?1, ?2, ?3)"
    ))?;
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let fp = match r.get_ref(2)? {
            rusqlite::types::ValueRef::Blob(b) | rusqlite::types::ValueRef::Text(b) => {
                crate::secret::fingerprint(b)
            }
            _ => {
                return Err(Error::CorruptDb {
                    detail: "a version has no value".into(),
                });
            }
        };
        insert.execute(rusqlite::params![
            &fp[..FP_LEN],
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?
        ])?;
    }
    Ok(())
}

/// Before an image is serialized: one that will be compressed keeps no fingerprint
/// rows (they are derived from the values, and rebuilt on load: `index_packed`); one
/// too large to be compressed keeps a complete index, rebuilt from the values when the
/// rows in `main` may be stale (`rebuild`: they were not the index in use).
pub(in crate::vault) fn settle_fingerprints(conn: &Connection, rebuild: bool) -> Result<()> {
    let size: i64 = conn.query_row(
        "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
        [],
        |r| r.get(0),
    )?;
    if usize::try_from(size).is_ok_and(|s| s <= COMPRESS_UP_TO) {
        conn.execute("DELETE FROM main.fingerprints", [])?;
        return Ok(());
    }
    if rebuild {
        conn.execute("DELETE FROM main.fingerprints", [])?;
        fill_fingerprints(conn, "main")?;
    }
    Ok(())
}

/// Write `data` (a database image) encrypted to `tmp` and rename it over `dest`, then
/// sync the directory: the one atomic write of an env file (commits and merges). A
/// failure removes the temp file and leaves `dest` as it was.
pub(in crate::vault) fn replace_encrypted(
    tmp: &Path,
    dest: &Path,
    encryptor: age::Encryptor,
    data: &[u8],
) -> Result<()> {
    let written = if data.len() <= COMPRESS_UP_TO {
        // Compressed in memory that is zeroized on drop; the gzip header carries no
        // name and a zero mtime, so it says nothing about the file.
        // Room for deflate's worst case up front, so the buffer never reallocates
        // (a reallocation would leave an unzeroized copy behind).
        let mut packed = zeroize::Zeroizing::new(Vec::with_capacity(data.len() + 4096));
        let mut gz = flate2::write::GzEncoder::new(&mut *packed, flate2::Compression::best());
        gz.write_all(data)
            .and_then(|()| gz.finish().map(drop))
            .and_then(|()| write_encrypted(tmp, encryptor, &packed))
    } else {
        write_encrypted(tmp, encryptor, data)
    };
    if let Err(e) = written {
        let _ = fs::remove_file(tmp);
        return Err(Error::io("cannot write", tmp, e));
    }
    fs::rename(tmp, dest).map_err(|e| {
        let _ = fs::remove_file(tmp);
        Error::io("cannot replace", dest, e)
    })?;
    // git hands the merge driver a bare file name (`.merge_file_XXXXXX`).
    let dir = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    sync_dir(dir).map_err(|e| Error::io("cannot sync", dir, e))
}

fn write_encrypted(tmp: &Path, encryptor: age::Encryptor, data: &[u8]) -> io::Result<()> {
    // A leftover temp file (a crash) is ours to replace; whatever sits there, even a
    // symlink planted by someone else, is removed, and the new file is created afresh
    // (O_EXCL never follows a symlink).
    match fs::remove_file(tmp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(crate::sys::O_NOFOLLOW)
        .mode(0o600)
        .open(tmp)?;
    let mut w = encryptor.wrap_output(BufWriter::with_capacity(1 << 16, file))?;
    w.write_all(data)?;
    let buffered = w.finish()?;
    let file = buffered.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
}

/// The seal of the env file at `path` as it is now (`fileseal`), not following a symlink.
pub(crate) fn seal_path(path: &Path) -> Option<fileseal::Sealed> {
    open_nofollow(path)
        .ok()
        .as_ref()
        .and_then(fileseal::seal_file)
}

/// Whether `dir` is inside a git work tree (a `.git` in it or above): hints then say
/// how to get the newer state from git. A file-system check, no subprocess.
pub(crate) fn in_git_work_tree(dir: &Path) -> bool {
    let start = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
    start.ancestors().any(|d| d.join(".git").exists())
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
        let dir = tempfile::tempdir().unwrap();
        let paths = VaultPaths::new(dir.path().join("vault"));
        fs::create_dir_all(paths.envs_dir()).unwrap();
        (
            dir,
            paths,
            age::x25519::Identity::generate(),
            "dev".parse().unwrap(),
        )
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
        let err = inflate(&bomb[..]).unwrap_err();
        assert!(err.contains("inflates beyond"), "{err}");
        // A small one inflates exactly; damage is an error, not a panic.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(b"SQLite format 3\0 and the rest").unwrap();
        let ok = gz.finish().unwrap();
        assert_eq!(
            &inflate(&ok[..]).unwrap()[..],
            b"SQLite format 3\0 and the rest"
        );
        let mut cut = ok.clone();
        cut.truncate(ok.len() - 5);
        assert!(inflate(&cut[..]).is_err());
    }

    #[test]
    fn a_real_image_with_a_flipped_page_byte_is_rejected_or_consistent() {
        let (_d, paths, id, env) = setup();
        let r = crate::recipient::RecipientString::from(&id.to_public());
        let actor = crate::audit::Actor::named(r.as_str(), crate::audit::Via::File);
        EnvDb::create(&paths, &env, |db| {
            db.add_recipient(&r, &actor, 0)?;
            db.record(&actor, crate::audit::Action::Init, None, None, None, 0)
        })
        .unwrap();
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
