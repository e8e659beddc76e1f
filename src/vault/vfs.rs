//! A read-only SQLite VFS over an env file's decrypted chunks (DESIGN §7 round 2): a
//! query reads only the pages it visits, so a `get` costs the same at 100 keys as at
//! 100,000 (the pages of a point query lie in a few of the file's 64 KiB chunks).
//!
//! The VFS serves exactly one kind of file: the main database of a connection opened by
//! [`open`], read from its [`Chunks`]. Every other open (a journal, a WAL, a temp file
//! for a sort) is refused, so no plaintext can reach the disk through it, and the
//! connection runs with `temp_store=MEMORY` so SQLite never asks for one. Writes,
//! truncation and deletion are refused; locks are no-ops (the file is immutable to
//! SQLite: writers replace it whole, by rename, and this connection keeps reading the
//! file it opened).
//!
//! **Why the `unsafe` lives here and not in `sys.rs`** (STYLE: "the only unsafe"): this
//! is not a system call but SQLite's callback ABI — `extern "C"` functions SQLite calls
//! with raw pointers to structures it allocates. They make sense only next to the
//! `Chunks` they serve and the one `open` that registers them; moving them to `sys.rs`
//! would put vault format knowledge there. The unsafe is confined to this file, each
//! block with its `// SAFETY:`, and no callback can panic (no unwrap, every lock error
//! an SQLite error code), as a panic must not cross the C boundary.

use std::collections::HashMap;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::{Connection, OpenFlags, ffi};

use crate::vault::chunks::Chunks;

/// The name this VFS is registered under (never the default VFS).
const VFS_NAME: &CStr = c"keyward-age-chunks";

/// Chunks waiting for the `xOpen` of the connection `open` is making, by file name.
/// An entry lives only while `open` runs: `xOpen` takes it.
fn pending() -> &'static Mutex<HashMap<String, Arc<Chunks>>> {
    static PENDING: OnceLock<Mutex<HashMap<String, Arc<Chunks>>>> = OnceLock::new();
    PENDING.get_or_init(Default::default)
}

/// Open a read-only connection on `chunks` (whose payload starts with the SQLite
/// header: the caller checked).
pub(in crate::vault) fn open(chunks: Arc<Chunks>) -> rusqlite::Result<Connection> {
    register()?;
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "/keyward-env-{}-{}",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    );
    pending()
        .lock()
        .map_err(|_| misuse("vault reader registry poisoned"))?
        .insert(name.clone(), chunks);
    let conn = Connection::open_with_flags_and_vfs(
        &name,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        VFS_NAME,
    );
    // Opened or not, the entry is gone: a failed open must not leave plaintext access
    // behind (xOpen normally took it already).
    if let Ok(mut p) = pending().lock() {
        p.remove(&name);
    }
    let conn = conn?;
    // Sorts and temp tables stay in memory: this VFS refuses temp files, and a temp
    // file would hold plaintext on disk.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(conn)
}

fn misuse(why: &str) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_MISUSE), Some(why.into()))
}

/// Register the VFS once per process; it delegates time, randomness and sleeping to the
/// default VFS.
fn register() -> rusqlite::Result<()> {
    static DONE: OnceLock<c_int> = OnceLock::new();
    let rc = *DONE.get_or_init(|| {
        // SAFETY: sqlite3_vfs_find(NULL) returns the default VFS, which SQLite keeps for
        // the life of the process (or NULL when there is none, checked here). The struct
        // handed to sqlite3_vfs_register is leaked, so it outlives every connection, as
        // SQLite requires; registering once (OnceLock) never races.
        unsafe {
            let default = ffi::sqlite3_vfs_find(std::ptr::null());
            if default.is_null() {
                return ffi::SQLITE_ERROR;
            }
            let vfs = Box::leak(Box::new(ffi::sqlite3_vfs {
                iVersion: 2,
                szOsFile: std::mem::size_of::<File>() as c_int,
                mxPathname: 512,
                pNext: std::ptr::null_mut(),
                zName: VFS_NAME.as_ptr(),
                pAppData: default.cast(),
                xOpen: Some(x_open),
                xDelete: Some(x_delete),
                xAccess: Some(x_access),
                xFullPathname: Some(x_full_pathname),
                xDlOpen: None,
                xDlError: None,
                xDlSym: None,
                xDlClose: None,
                xRandomness: Some(x_randomness),
                xSleep: Some(x_sleep),
                xCurrentTime: Some(x_current_time),
                xGetLastError: Some(x_get_last_error),
                xCurrentTimeInt64: Some(x_current_time_int64),
                xSetSystemCall: None,
                xGetSystemCall: None,
                xNextSystemCall: None,
            }));
            ffi::sqlite3_vfs_register(vfs, 0)
        }
    });
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), None))
    }
}

/// SQLite's file object for one open database: `base` first (SQLite reads `pMethods`
/// through a `*mut sqlite3_file`), then the chunks, owned until `xClose`.
#[repr(C)]
struct File {
    base: ffi::sqlite3_file,
    chunks: *const Chunks,
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 1,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(x_lock),
    xUnlock: Some(x_lock),
    xCheckReservedLock: Some(x_check_reserved_lock),
    xFileControl: Some(x_file_control),
    xSectorSize: Some(x_sector_size),
    xDeviceCharacteristics: Some(x_device_characteristics),
    xShmMap: None,
    xShmLock: None,
    xShmBarrier: None,
    xShmUnmap: None,
    xFetch: None,
    xUnfetch: None,
};

/// The default VFS, kept in our VFS's `pAppData`.
///
/// # Safety
/// `vfs` is the pointer SQLite passes to a callback of this VFS.
unsafe fn default_vfs(vfs: *mut ffi::sqlite3_vfs) -> *mut ffi::sqlite3_vfs {
    // SAFETY: `vfs` is our leaked struct (SQLite passes the VFS it was registered with),
    // whose pAppData is the default VFS, set once in `register`.
    unsafe { (*vfs).pAppData.cast() }
}

unsafe extern "C" fn x_open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let file = file.cast::<File>();
    // SAFETY: SQLite hands us szOsFile (= size_of::<File>()) writable bytes at `file`.
    // pMethods stays NULL until the open succeeds, so SQLite never calls xClose on a
    // file that failed to open.
    unsafe {
        (*file).base.pMethods = std::ptr::null();
        (*file).chunks = std::ptr::null();
    }
    if name.is_null()
        || flags & ffi::SQLITE_OPEN_MAIN_DB == 0
        || flags & ffi::SQLITE_OPEN_READONLY == 0
    {
        // Journals, WALs, temp files, and any write: never through this VFS.
        return ffi::SQLITE_CANTOPEN;
    }
    // SAFETY: a non-NULL name from SQLite is a NUL-terminated string valid during xOpen.
    let name = unsafe { CStr::from_ptr(name) };
    let Ok(name) = name.to_str() else {
        return ffi::SQLITE_CANTOPEN;
    };
    let Some(chunks) = pending().lock().ok().and_then(|mut p| p.remove(name)) else {
        return ffi::SQLITE_CANTOPEN;
    };
    // SAFETY: as above; the Arc's reference moves into the file and is released by
    // xClose. `out_flags` may be NULL, and is otherwise a writable int.
    unsafe {
        (*file).chunks = Arc::into_raw(chunks);
        (*file).base.pMethods = &METHODS;
        if !out_flags.is_null() {
            *out_flags = ffi::SQLITE_OPEN_READONLY;
        }
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_delete(_: *mut ffi::sqlite3_vfs, _: *const c_char, _: c_int) -> c_int {
    ffi::SQLITE_IOERR_DELETE
}

unsafe extern "C" fn x_access(
    _: *mut ffi::sqlite3_vfs,
    _: *const c_char,
    _: c_int,
    out: *mut c_int,
) -> c_int {
    // No journal, WAL or other side file exists for an immutable image.
    // SAFETY: `out` is a writable int supplied by SQLite.
    unsafe { *out = 0 };
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_full_pathname(
    _: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    n_out: c_int,
    out: *mut c_char,
) -> c_int {
    // Our names are already absolute and unique: copy them as they are.
    // SAFETY: `name` is NUL-terminated; `out` has room for `n_out` bytes (mxPathname+1).
    unsafe {
        let bytes = CStr::from_ptr(name).to_bytes_with_nul();
        if bytes.len() > n_out.max(0) as usize {
            return ffi::SQLITE_CANTOPEN;
        }
        std::ptr::copy_nonoverlapping(bytes.as_ptr().cast(), out, bytes.len());
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_randomness(vfs: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    // SAFETY: delegated with the same arguments to the default VFS, which has it.
    unsafe {
        let d = default_vfs(vfs);
        match (*d).xRandomness {
            Some(f) => f(d, n, out),
            None => 0,
        }
    }
}

unsafe extern "C" fn x_sleep(vfs: *mut ffi::sqlite3_vfs, micros: c_int) -> c_int {
    // SAFETY: delegated with the same arguments to the default VFS.
    unsafe {
        let d = default_vfs(vfs);
        match (*d).xSleep {
            Some(f) => f(d, micros),
            None => 0,
        }
    }
}

unsafe extern "C" fn x_current_time(vfs: *mut ffi::sqlite3_vfs, out: *mut f64) -> c_int {
    // SAFETY: delegated with the same arguments to the default VFS.
    unsafe {
        let d = default_vfs(vfs);
        match (*d).xCurrentTime {
            Some(f) => f(d, out),
            None => ffi::SQLITE_ERROR,
        }
    }
}

unsafe extern "C" fn x_current_time_int64(
    vfs: *mut ffi::sqlite3_vfs,
    out: *mut ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: delegated with the same arguments to the default VFS (version ≥ 2 there,
    // checked before the call).
    unsafe {
        let d = default_vfs(vfs);
        match (*d).xCurrentTimeInt64 {
            Some(f) if (*d).iVersion >= 2 => f(d, out),
            _ => ffi::SQLITE_ERROR,
        }
    }
}

unsafe extern "C" fn x_get_last_error(_: *mut ffi::sqlite3_vfs, _: c_int, _: *mut c_char) -> c_int {
    0
}

/// The chunks of an open file.
///
/// # Safety
/// `file` is a file this VFS opened and SQLite has not closed yet.
unsafe fn chunks<'a>(file: *mut ffi::sqlite3_file) -> &'a Chunks {
    // SAFETY: x_open stored a live Arc's pointer; it is released only in x_close.
    unsafe { &*(*file.cast::<File>()).chunks }
}

unsafe extern "C" fn x_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: called once per opened file; the pointer came from Arc::into_raw in x_open.
    unsafe {
        let f = file.cast::<File>();
        if !(*f).chunks.is_null() {
            drop(Arc::from_raw((*f).chunks));
            (*f).chunks = std::ptr::null();
        }
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_read(
    file: *mut ffi::sqlite3_file,
    buf: *mut c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    let (Ok(amount), Ok(offset)) = (usize::try_from(amount), u64::try_from(offset)) else {
        return ffi::SQLITE_IOERR_READ;
    };
    // SAFETY: SQLite passes a writable buffer of `amount` bytes, and an open file.
    let (out, chunks) = unsafe {
        (
            std::slice::from_raw_parts_mut(buf.cast::<u8>(), amount),
            chunks(file),
        )
    };
    match chunks.read_at(out, offset) {
        Ok(n) => {
            // An image saved in WAL mode (bytes 18–19 = 2, from someone's sqlite3
            // session) reads as a rollback one: it holds no WAL content, and this VFS
            // has no WAL to offer.
            for at in [18u64, 19] {
                if (offset..offset + n as u64).contains(&at) && out[(at - offset) as usize] == 2 {
                    out[(at - offset) as usize] = 1;
                }
            }
            if n < amount {
                // SQLite requires the rest zeroed on a short read.
                out[n..].fill(0);
                return ffi::SQLITE_IOERR_SHORT_READ;
            }
            ffi::SQLITE_OK
        }
        Err(_) => ffi::SQLITE_IOERR_READ,
    }
}

unsafe extern "C" fn x_write(
    _: *mut ffi::sqlite3_file,
    _: *const c_void,
    _: c_int,
    _: ffi::sqlite3_int64,
) -> c_int {
    ffi::SQLITE_READONLY
}

unsafe extern "C" fn x_truncate(_: *mut ffi::sqlite3_file, _: ffi::sqlite3_int64) -> c_int {
    ffi::SQLITE_READONLY
}

unsafe extern "C" fn x_sync(_: *mut ffi::sqlite3_file, _: c_int) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_file_size(
    file: *mut ffi::sqlite3_file,
    out: *mut ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: an open file, and a writable int64 from SQLite.
    unsafe {
        match i64::try_from(chunks(file).len()) {
            Ok(len) => {
                *out = len;
                ffi::SQLITE_OK
            }
            Err(_) => ffi::SQLITE_IOERR_FSTAT,
        }
    }
}

unsafe extern "C" fn x_lock(_: *mut ffi::sqlite3_file, _: c_int) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_check_reserved_lock(_: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    // SAFETY: a writable int from SQLite.
    unsafe { *out = 0 };
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_file_control(_: *mut ffi::sqlite3_file, _: c_int, _: *mut c_void) -> c_int {
    ffi::SQLITE_NOTFOUND
}

unsafe extern "C" fn x_sector_size(_: *mut ffi::sqlite3_file) -> c_int {
    512
}

unsafe extern "C" fn x_device_characteristics(_: *mut ffi::sqlite3_file) -> c_int {
    // Immutable: SQLite skips hot-journal checks and change detection.
    ffi::SQLITE_IOCAP_IMMUTABLE
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, SeekFrom, Write};

    /// An SQLite image of `rows` rows, encrypted, opened through the VFS.
    fn opened(rows: i64) -> (Connection, Arc<Chunks>) {
        let mut db = Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
            .unwrap();
        db.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
             INSERT INTO t SELECT i, printf('value-%08d', i) FROM n",
            [rows],
        )
        .unwrap();
        let image = db.serialize(rusqlite::MAIN_DB).unwrap().to_vec();
        let id = age::x25519::Identity::generate();
        let r = id.to_public();
        let e =
            age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
        let mut file = Vec::new();
        let mut w = e.wrap_output(&mut file).unwrap();
        w.write_all(&image).unwrap();
        w.finish().unwrap();
        let d = age::Decryptor::new_buffered(std::io::Cursor::new(file)).unwrap();
        let mut s = d
            .decrypt(std::iter::once(&id as &dyn age::Identity))
            .unwrap();
        let len = s.seek(SeekFrom::End(0)).unwrap();
        let chunks = Arc::new(Chunks::new(Box::new(s), len, None));
        (open(chunks.clone()).unwrap(), chunks)
    }

    #[test]
    fn queries_read_through_the_chunks() {
        let (conn, _) = opened(20_000);
        let v: String = conn
            .query_row("SELECT v FROM t WHERE id = 12345", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, "value-00012345");
        // A sort larger than nothing stays in memory (no temp file: refused here).
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM (SELECT v FROM t ORDER BY v DESC)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 20_000);
        let store: i64 = conn
            .query_row("PRAGMA temp_store", [], |r| r.get(0))
            .unwrap();
        assert_eq!(store, 2);
    }

    #[test]
    fn writes_and_other_files_are_refused() {
        let (conn, _) = opened(10);
        assert!(conn.execute("DELETE FROM t", []).is_err());
        // Another file through this VFS (an attached database) cannot be opened.
        assert!(
            conn.execute_batch("ATTACH '/keyward-env-other' AS other")
                .is_err()
        );
    }

    #[test]
    fn closing_the_connection_releases_the_chunks() {
        let (conn, chunks) = opened(10);
        assert_eq!(Arc::strong_count(&chunks), 2);
        drop(conn);
        assert_eq!(Arc::strong_count(&chunks), 1);
    }
}
