//! Loading an env file's bytes into SQLite: whole (writers, git blobs, small images) or page by page through the read-only VFS; the settings and meta checks every path shares.

#[allow(unused_imports)]
use super::*;

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
    pub(super) fn load_whole<R: Read + Seek>(
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
            let inflated = inflate(reader, len).map_err(corrupt)?;
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
    /// too large to be compressed (`settle_fingerprints`). The table is made here and
    /// filled on the first lookup (`fingerprint_index`): rows a write adds or removes
    /// before then go to it as usual, and the fill adds only what is missing.
    pub(super) fn index_packed(mut self, packed: bool) -> Result<EnvDb> {
        if !packed {
            return Ok(self);
        }
        self.located(
            self.conn
                .execute_batch(
                    "CREATE TEMP TABLE fingerprints(
               fp BLOB NOT NULL, key_id INTEGER NOT NULL, version INTEGER NOT NULL,
               PRIMARY KEY(fp, key_id, version)
             ) STRICT, WITHOUT ROWID;",
                )
                .map_err(Into::into),
        )?;
        self.packed = true;
        self.unindexed.set(true);
        Ok(self)
    }

    /// Fill a small image's TEMP fingerprint index from its values, once, before the
    /// first lookup. A version removed before then (`purge_key`) is gone from
    /// `versions` too, so the fill cannot bring its row back.
    pub(in crate::vault) fn fingerprint_index(&self) -> Result<()> {
        if self.unindexed.get() {
            self.located(fill_fingerprints(&self.conn, "temp"))?;
            self.unindexed.set(false);
        }
        Ok(())
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
        // Anyone with the public recipients can write an image: nothing in its schema
        // may run inside keyward's own queries.
        crate::vault::untrusted::guard(&conn, "the image", None).map_err(corrupt)?;
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
            history: Relation::Unchecked,
            pin: None,
            trusting: false,
            replaced: false,
            format: std::cell::Cell::new(FORMAT_VERSION),
            chunks,
            packed: false,
            unindexed: std::cell::Cell::new(false),
            opened: None,
            read_as: None,
            root: None,
            history_root: None,
            founders_pin: std::cell::Cell::new(false),
            written: None,
        };
        db.check_meta(adopt_env).map_err(|e| match e {
            Error::Corrupt { detail, .. } | Error::CorruptDb { detail } => corrupt(detail),
            other => other,
        })?;
        db.opened = db
            .last_event()
            .ok()
            .filter(|(seq, _, _)| *seq > 0)
            .and_then(|(seq, hash, _)| Some((hash.try_into().ok()?, seq)));
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
            .map_err(|e| Error::CorruptDb {
                detail: format!("not a keyward database ({e})"),
            })?;
        let version = version.ok_or_else(|| Error::CorruptDb {
            detail: "no format_version".into(),
        })?;
        // A later format is refused (upgrade keyward); an earlier one is read as it is
        // and migrated by the next write (`batch`), inside the writer's transaction.
        if version < 1 {
            return Err(Error::CorruptDb {
                detail: format!("unknown format version {version}"),
            });
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
            .map_err(|e| Error::CorruptDb {
                detail: format!("no environment name ({e})"),
            })?;
        if adopt_env {
            self.env = inside.parse().map_err(|_| Error::CorruptDb {
                detail: "the stored environment name is invalid".into(),
            })?;
            return Ok(());
        }
        if inside != self.env.as_str() {
            return Err(Error::CorruptDb {
                detail: format!(
                    "the file holds environment `{inside}`, not `{}` (was it copied over?)",
                    self.env
                ),
            });
        }
        Ok(())
    }
}
