//! The bytes of an env file: age decryption (the real I/O error kept), inflating a compressed image, the fingerprint index, and the one atomic encrypted write.

#[allow(unused_imports)]
use super::*;

pub(super) const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The most an environment file's age header may hold. keyward writes one stanza per
/// recipient (100–300 bytes) and age's grease; age re-parses the whole header once per
/// line it reads, so a file with thousands of junk stanzas cost seconds per command
/// (`git diff`, `list --all-envs`, `scan`) before anything could refuse it.
pub(in crate::vault) const MAX_HEADER: usize = 128 * 1024;

/// Refuse a file whose age header does not end within [`MAX_HEADER`] bytes (exit 6),
/// before age parses it; the input is left at its start. Reads 4 KiB at a time and
/// stops at the header's last line (`--- MAC`), so a normal header costs one read.
pub(in crate::vault) fn check_header_size<R: io::Read + Seek>(
    input: &mut R,
    path: &Path,
) -> Result<()> {
    let mut head: Vec<u8> = Vec::with_capacity(4096);
    let mut block = [0u8; 4096];
    let ended = loop {
        let n = input
            .read(&mut block)
            .map_err(|e| Error::io("cannot read", path, e))?;
        let from = head.len().saturating_sub(4);
        head.extend_from_slice(&block[..n]);
        if head[from..].windows(5).any(|w| w == b"\n--- ") || n == 0 {
            break true;
        }
        if head.len() >= MAX_HEADER {
            break false;
        }
    };
    input
        .seek(SeekFrom::Start(0))
        .map_err(|e| Error::io("cannot read", path, e))?;
    if ended {
        Ok(())
    } else {
        Err(Error::Corrupt {
            path: path.to_owned(),
            detail: format!(
                "its age header runs past {} KiB, far more than one stanza per recipient: not a file keyward wrote",
                MAX_HEADER / 1024
            ),
        })
    }
}

/// Decrypt an env file's header with `identity`: the payload's reader at its start, and
/// the plaintext length (seeking to the end authenticates the last chunk, so a
/// truncated file is refused here).
pub(in crate::vault) fn decrypt<R: io::BufRead + Seek>(
    mut input: R,
    env: &EnvName,
    path: &Path,
    identity: &dyn age::Identity,
) -> Result<(age::stream::StreamReader<R>, usize)> {
    let corrupt = |detail: String| Error::Corrupt {
        path: path.to_owned(),
        detail,
    };
    check_header_size(&mut input, path)?;
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
/// the vault), and only if it is a regular file: a FIFO in its place would hang every
/// command on the open (hence `O_NONBLOCK`, which changes nothing for a regular file),
/// and a directory is not a file keyward wrote.
pub(in crate::vault) fn open_nofollow(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(crate::sys::O_NOFOLLOW | crate::sys::O_NONBLOCK)
        .open(path)
        .and_then(crate::sys::require_regular)
}

/// The first bytes of a gzip stream: a compressed image (an SQLite image starts with
/// `SQLite format 3`).
pub(super) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Images up to this size are gzip-compressed before encryption (DESIGN §9: a small
/// history in git — ciphertext never deltas, so every commit stores the whole file;
/// compression takes an empty env from ~45 KB to ~2 KB). Larger ones stay raw, so a
/// read can stream (or seek) through them; their size in git is dominated by values.
pub(in crate::vault) const COMPRESS_UP_TO: usize = 1 << 20;

/// No compressed image keyward writes inflates beyond `COMPRESS_UP_TO`; this bound
/// (with room for a later threshold) keeps a hostile file from exhausting memory.
pub(super) const MAX_INFLATED: u64 = 64 << 20;

/// Inflate a compressed image of `len` bytes (the payload's authenticated length) into
/// zeroizing memory, bounded by `MAX_INFLATED`. Both buffers are sized before they are
/// filled (the compressed one from `len`, the image from gzip's stated size), so no
/// reallocation leaves an unzeroized copy. Sized by `len`, not by the largest image
/// that is compressed: `read_to_end` zeroes the spare capacity it reads into, and
/// touching a whole MiB there was a tenth of a small env's `get`.
pub(super) fn inflate(
    mut reader: impl Read,
    len: usize,
) -> std::result::Result<zeroize::Zeroizing<Vec<u8>>, String> {
    let room = len.min(MAX_INFLATED as usize) + 1;
    let mut packed = zeroize::Zeroizing::new(Vec::with_capacity(room));
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

/// What a write may put its file over. The writer lock binds keyward's writers only: a
/// `git pull`, a checkout or a sync tool may put another file at the path meanwhile.
pub(in crate::vault) enum Over<'a> {
    /// Whatever is there (the merge driver's file, which git hands it).
    Whatever,
    /// Nothing: a new environment (one pulled meanwhile is left, `EnvExists`).
    Nothing(&'a EnvName),
    /// The file this writer read, as stamped then (another is left,
    /// `EnvReplacedMeanwhile`).
    Read(&'a EnvName, FileStamp),
}

/// Write `data` (a database image) encrypted to `tmp` and rename it over `dest`, then
/// sync the directory: the one atomic write of an env file (commits and merges). A
/// failure removes the temp file and leaves `dest` as it was. The seal of the bytes
/// written (`fileseal`). What may be at `dest` is checked at the commit point itself
/// (see [`put_in_place`]).
pub(in crate::vault) fn replace_encrypted(
    tmp: &Path,
    dest: &Path,
    over: Over<'_>,
    encryptor: age::Encryptor,
    data: &[u8],
) -> Result<Option<fileseal::Sealed>> {
    // A terminating signal before the rename cancels the write, after it finishes the
    // command: the exit code says which (`sys::defer`).
    let held = crate::sys::defer_termination();
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
    let sealed = match written {
        Ok(sealed) => sealed,
        Err(e) => {
            let _ = fs::remove_file(tmp);
            // A directory or a pipe someone put at the temp path is not a full disk.
            return Err(crate::fsutil::nofollow_error("cannot write", tmp, e));
        }
    };
    test_gate("written");
    if let Some(signal) = held.pending() {
        let _ = fs::remove_file(tmp);
        // Dropping `held` lets the signal act now: exit 128+N, and nothing changed.
        let why = format!("signal {signal} before the commit point; nothing changed");
        return Err(Error::io("stopped writing", dest, io::Error::other(why)));
    }
    put_in_place(tmp, dest, over)?;
    held.until_exit();
    test_gate("renamed");
    // git hands the merge driver a bare file name (`.merge_file_XXXXXX`).
    let dir = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    sync_dir(dir).map_err(|e| Error::io("cannot sync", dir, e))?;
    Ok(sealed)
}

/// The commit point: `tmp` becomes `dest` only over what `over` allows, checked in the
/// same step where the file system can (`renameat2`): a new environment's file is moved
/// where nothing is; a writer's is swapped with what is there, and swapped back if that
/// is not the file it read, so a file put in place at any moment before is never lost.
/// Where the file system cannot, the check comes just before a plain rename. On an
/// error this write's file is removed — but never the other file, should the swap back
/// fail (the error then says where it is).
fn put_in_place(tmp: &Path, dest: &Path, over: Over<'_>) -> Result<()> {
    let placed = place(tmp, dest, over);
    if let Err(e) = &placed
        && !matches!(e, Error::EnvLeftAside { .. })
    {
        let _ = fs::remove_file(tmp);
    }
    placed
}

fn place(tmp: &Path, dest: &Path, over: Over<'_>) -> Result<()> {
    let cannot = |e| Error::io("cannot replace", dest, e);
    let now = || fs::symlink_metadata(dest).map(|m| stamp(&m)).ok();
    match over {
        Over::Whatever => fs::rename(tmp, dest).map_err(cannot),
        Over::Nothing(env) => {
            let exists = || Error::EnvExists { env: env.clone() };
            match crate::sys::rename_new(tmp, dest) {
                Ok(true) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(exists()),
                Err(e) => Err(cannot(e)),
                Ok(false) if now().is_some() => Err(exists()),
                Ok(false) => fs::rename(tmp, dest).map_err(cannot),
            }
        }
        Over::Read(env, read) => {
            let replaced = || Error::EnvReplacedMeanwhile {
                env: env.clone(),
                path: dest.to_owned(),
            };
            match crate::sys::swap(tmp, dest) {
                Ok(true) => {
                    // `tmp` now holds what was at `dest`.
                    let was = fs::symlink_metadata(tmp).map(|m| stamp(&m)).ok();
                    if was == Some(read) {
                        // The file read, replaced: gone as a rename would take it.
                        let _ = fs::remove_file(tmp);
                        return Ok(());
                    }
                    // Another file: back in its place, and this write's file at `tmp`.
                    match crate::sys::swap(tmp, dest) {
                        Ok(true) => Err(replaced()),
                        _ => Err(Error::EnvLeftAside {
                            env: env.clone(),
                            path: dest.to_owned(),
                            aside: tmp.to_owned(),
                        }),
                    }
                }
                // Nothing at `dest` any more: removed meanwhile, not to be written over.
                Err(e) if e.kind() == io::ErrorKind::NotFound => Err(replaced()),
                Err(e) => Err(cannot(e)),
                Ok(false) if now() != Some(read) => Err(replaced()),
                Ok(false) => fs::rename(tmp, dest).map_err(cannot),
            }
        }
    }
}

/// Tests only (debug builds): with `KEYWARD_TEST_COMMIT_GATE=DIR`, a commit stops at
/// `stage`, creates `DIR/<stage>` and waits until the test removes it, so a test can
/// send a signal at that exact point without racing the clock.
fn test_gate(stage: &str) {
    #[cfg(debug_assertions)]
    if let Some(dir) = std::env::var_os("KEYWARD_TEST_COMMIT_GATE") {
        let marker = Path::new(&dir).join(stage);
        if fs::write(&marker, b"").is_ok() {
            while marker.exists() {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = stage;
}

pub(super) fn write_encrypted(
    tmp: &Path,
    encryptor: age::Encryptor,
    data: &[u8],
) -> io::Result<Option<fileseal::Sealed>> {
    let file = fresh_temp(tmp)?;
    // A large file's chunks are hashed on a second core as they are written.
    let (file, sealed) = std::thread::scope(|s| -> io::Result<_> {
        let piped = (data.len() >= PIPE_FROM).then_some(s);
        let sealing = fileseal::SealingWriter::new(BufWriter::with_capacity(1 << 16, file), piped);
        let mut w = encryptor.wrap_output(sealing)?;
        w.write_all(data)?;
        let (buffered, sealed) = w.finish()?.finish();
        Ok((buffered.into_inner().map_err(|e| e.into_error())?, sealed))
    })?;
    file.sync_all()?;
    Ok(sealed)
}

/// Check now what would make a write of about `size` bytes at `tmp` fail, before a step
/// that cannot be undone runs (a rotation hook, whose provider may roll the key): the
/// temp path takes a new file (a directory or pipe planted there is refused now, not
/// after the hook), and the file system has room for it (a full disk, `ulimit -f`).
/// The room is given back at once: a change this check passed can still fail, rarely,
/// and what a hook issued is then kept (`EnvDb::keep_issued`).
pub(super) fn preflight(tmp: &Path, size: u64) -> io::Result<()> {
    let file = fresh_temp(tmp)?;
    let room = crate::sys::reserve(&file, size);
    drop(file);
    let _ = fs::remove_file(tmp);
    room.map(drop)
}

/// A new, empty temp file at `tmp` (0600). A leftover one (a crash) is ours to replace;
/// whatever sits there, even a symlink planted by someone else, is removed, and the new
/// file is created afresh (O_EXCL never follows a symlink). A directory there is an
/// error (EISDIR), never removed.
fn fresh_temp(tmp: &Path) -> io::Result<File> {
    match fs::remove_file(tmp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(crate::sys::O_NOFOLLOW)
        .mode(0o600)
        .open(tmp)
}

/// Files from this size on are sealed on a second core as they are written.
const PIPE_FROM: usize = 8 << 20;

/// Whether `dir` is inside a git work tree (a `.git` in it or above): hints then say
/// how to get the newer state from git. A file-system check, no subprocess.
pub(crate) fn in_git_work_tree(dir: &Path) -> bool {
    let start = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
    start.ancestors().any(|d| d.join(".git").exists())
}

/// An encryptor to `boxed` (the file key wrapped to each now: a plugin's failure is
/// said as the plugin's).
pub(in crate::vault) fn encryptor_for(
    boxed: &[Box<dyn age::Recipient + Send>],
) -> Result<age::Encryptor> {
    age::Encryptor::with_recipients(boxed.iter().map(|r| r.as_ref() as &dyn age::Recipient))
        .map_err(|e| {
            crate::plugin::take_failure().unwrap_or_else(|| Error::Failed {
                what: "encrypt to the recipients",
                detail: e.to_string(),
            })
        })
}

/// Which file, and as it was: device, inode, size, modification time (s, ns).
pub(in crate::vault) type FileStamp = (u64, u64, u64, i64, i64);

/// The stamp of `meta` (see [`FileStamp`]).
pub(in crate::vault) fn stamp(meta: &fs::Metadata) -> FileStamp {
    use std::os::unix::fs::MetadataExt;
    (
        meta.dev(),
        meta.ino(),
        meta.len(),
        meta.mtime(),
        meta.mtime_nsec(),
    )
}
