//! What ties a file this machine verified to its bytes (DESIGN §15: a file verified once
//! is read as it is; round 3's review: by its bytes, not only its header).
//!
//! An age file's header names the file key, and every payload chunk is authenticated
//! under a key derived from it — but only against someone who does not hold the file
//! key. Every recipient who read the file holds it, and could write another payload
//! under the very same header. So a file is known here by its **seal**: SHA-256 over its
//! header, the payload nonce, and the SHA-256 of each of its raw payload chunks. The pin
//! keeps the seal and the chunk hashes (`<env>.chunks` beside it). A read that finds the
//! same header and nonce checks every chunk it decrypts against its hash: a point query
//! touches a few chunks and hashes only those (DESIGN §7: a `get` stays independent of
//! the environment's size). Anything else is verified from its rows, and sealed anew.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use sha2::{Digest, Sha256};

/// age's plaintext chunk size (the STREAM construction's, fixed by the format).
pub(in crate::vault) const CHUNK: u64 = 64 * 1024;

/// A raw payload chunk: 64 KiB of plaintext and its 16-byte tag.
const RAW_CHUNK: u64 = CHUNK + 16;

/// Where an age file's payload chunks lie.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    /// The header (through its MAC line) and the 16-byte payload nonce.
    head: Vec<u8>,
    file_len: u64,
}

impl Layout {
    /// Read the header and nonce of `file`; `None` when no age header ends within the
    /// first MiB (the file is then not sealed: it is verified every time, and fails).
    pub(crate) fn read(file: &File) -> Option<Layout> {
        let file_len = file.metadata().ok()?.len();
        let mut buf = Vec::with_capacity(8192);
        let mut chunk = [0u8; 8192];
        while buf.len() < 1 << 20 {
            let n = file.read_at(&mut chunk, buf.len() as u64).ok()?;
            if n == 0 {
                return None;
            }
            // The MAC line (`--- ` and 43 characters) may straddle two reads: the search
            // starts far enough back to find its start again.
            let from = buf.len().saturating_sub(64);
            buf.extend_from_slice(&chunk[..n]);
            if let Some(head_len) = head_len(&buf, from) {
                if (head_len as u64) > file_len {
                    return None;
                }
                if buf.len() < head_len {
                    let mut rest = vec![0; head_len - buf.len()];
                    file.read_exact_at(&mut rest, buf.len() as u64).ok()?;
                    buf.extend_from_slice(&rest);
                }
                buf.truncate(head_len);
                return Some(Layout {
                    head: buf,
                    file_len,
                });
            }
        }
        None
    }

    /// The layout of a file held in memory.
    fn of_bytes(bytes: &[u8]) -> Option<Layout> {
        let head = head_len(&bytes[..bytes.len().min(1 << 20)], 0)?;
        Some(Layout {
            head: bytes.get(..head)?.to_vec(),
            file_len: bytes.len() as u64,
        })
    }

    /// How many payload chunks the file holds.
    pub(crate) fn chunks(&self) -> u64 {
        (self.file_len - self.head.len() as u64).div_ceil(RAW_CHUNK)
    }

    /// The raw bytes of chunk `i`: offset and length.
    fn span(&self, i: u64) -> (u64, usize) {
        let start = self.head.len() as u64 + i * RAW_CHUNK;
        (start, (self.file_len - start).min(RAW_CHUNK) as usize)
    }

    /// The seal of a file with this header and nonce and these chunk hashes.
    pub(crate) fn seal(&self, chunks: &[[u8; 32]]) -> [u8; 32] {
        seal_of(&self.head, chunks)
    }

    /// Hash of raw chunk `i` of `file`.
    fn chunk_hash(&self, file: &File, i: u64, buf: &mut Vec<u8>) -> io::Result<[u8; 32]> {
        let (at, len) = self.span(i);
        buf.resize(len, 0);
        file.read_exact_at(&mut buf[..len], at)?;
        Ok(Sha256::digest(&buf[..len]).into())
    }
}

/// A file's seal and the hashes it covers.
pub(crate) struct Sealed {
    pub seal: [u8; 32],
    pub chunks: Vec<[u8; 32]>,
}

/// Seal `file` as it is: one sequential pass over its bytes (ciphertext only).
pub(crate) fn seal_file(file: &File) -> Option<Sealed> {
    let layout = Layout::read(file)?;
    let mut buf = Vec::with_capacity(RAW_CHUNK as usize);
    let chunks = (0..layout.chunks())
        .map(|i| layout.chunk_hash(file, i, &mut buf))
        .collect::<io::Result<Vec<_>>>()
        .ok()?;
    Some(Sealed {
        seal: layout.seal(&chunks),
        chunks,
    })
}

/// The hashes of raw payload chunks, taken in as the payload goes by.
#[derive(Default)]
struct ChunkHashes {
    chunk: Sha256,
    in_chunk: u64,
    chunks: Vec<[u8; 32]>,
}

impl ChunkHashes {
    fn eat(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let take = bytes.len().min((RAW_CHUNK - self.in_chunk) as usize);
            self.chunk.update(&bytes[..take]);
            self.in_chunk += take as u64;
            bytes = &bytes[take..];
            if self.in_chunk == RAW_CHUNK {
                self.chunks
                    .push(std::mem::take(&mut self.chunk).finalize().into());
                self.in_chunk = 0;
            }
        }
    }

    fn finish(mut self) -> Vec<[u8; 32]> {
        if self.in_chunk > 0 {
            self.chunks.push(self.chunk.finalize().into());
        }
        self.chunks
    }
}

/// A writer that seals the bytes of an age file as they go through it: the seal of the
/// very bytes written, with no second read of the file (which also could not tell them
/// from a file put in its place meanwhile). With a scope, the payload is hashed on a
/// helper thread of it (a large file's write).
pub(crate) struct SealingWriter<'s, W> {
    inner: W,
    /// The header and nonce, until their end is found; then `head_len` long.
    head: Vec<u8>,
    head_len: Option<usize>,
    here: ChunkHashes,
    pipe: Option<crate::sys::Pipe<'s, ChunkHashes>>,
}

impl<'s, W: io::Write> SealingWriter<'s, W> {
    pub(crate) fn new<'env>(
        inner: W,
        scope: Option<&'s std::thread::Scope<'s, 'env>>,
    ) -> SealingWriter<'s, W> {
        SealingWriter {
            inner,
            head: Vec::new(),
            head_len: None,
            here: ChunkHashes::default(),
            pipe: scope
                .and_then(|s| crate::sys::Pipe::start(s, ChunkHashes::default(), ChunkHashes::eat)),
        }
    }

    /// Take in bytes written.
    fn observe(&mut self, bytes: &[u8]) {
        if self.head_len.is_some() {
            return match &mut self.pipe {
                Some(p) => p.write(bytes),
                None => self.here.eat(bytes),
            };
        }
        if self.head.len() >= 1 << 20 {
            return; // no age header: not sealed (`finish` says so)
        }
        let from = self.head.len().saturating_sub(64);
        self.head.extend_from_slice(bytes);
        if let Some(len) = head_len(&self.head, from).filter(|l| *l <= self.head.len()) {
            let rest = self.head.split_off(len);
            self.head_len = Some(len);
            self.observe(&rest);
        }
    }

    /// The inner writer, and the seal of everything written (`None` when it was not an
    /// age file: such a file is never taken as verified).
    pub(crate) fn finish(self) -> (W, Option<Sealed>) {
        let chunks = match self.pipe {
            Some(p) => p.finish().finish(),
            None => self.here.finish(),
        };
        if self.head_len.is_none() {
            return (self.inner, None);
        }
        let seal = seal_of(&self.head, &chunks);
        (self.inner, Some(Sealed { seal, chunks }))
    }
}

impl<W: io::Write> io::Write for SealingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.observe(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The seal of a file held in memory (a merge's side): one pass over its bytes.
pub(crate) fn seal_bytes(bytes: &[u8]) -> Option<[u8; 32]> {
    let layout = Layout::of_bytes(bytes)?;
    let chunks: Vec<[u8; 32]> = bytes[layout.head.len()..]
        .chunks(RAW_CHUNK as usize)
        .map(|c| Sha256::digest(c).into())
        .collect();
    Some(layout.seal(&chunks))
}

/// The seal of a file whose header and nonce are `head` and whose raw chunks hash to
/// `chunks`.
fn seal_of(head: &[u8], chunks: &[[u8; 32]]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"keyward-file-seal-v1\0");
    h.update((head.len() as u64).to_be_bytes());
    h.update(head);
    for c in chunks {
        h.update(c);
    }
    h.finalize().into()
}

/// Where the header ends in `buf` (its first bytes), through the MAC line and the
/// payload nonce, looking for the MAC line from `from` on.
fn head_len(buf: &[u8], from: usize) -> Option<usize> {
    let at = memchr::memmem::find(&buf[from..], b"\n--- ")?;
    let mac = from + at + 5;
    let end = memchr::memchr(b'\n', &buf[mac..])?;
    Some(mac + end + 1 + 16)
}

/// The chunks a sealed file must hold, checked as they are read.
pub(crate) struct Expected {
    file: File,
    layout: Layout,
    chunks: Vec<[u8; 32]>,
}

impl Expected {
    /// `chunks` (from the pin's side file) for `file`, whose header and nonce are
    /// `layout`, if together they make `seal`.
    pub(crate) fn new(
        file: &File,
        layout: Layout,
        chunks: Vec<[u8; 32]>,
        seal: &[u8; 32],
    ) -> Option<Expected> {
        if chunks.len() as u64 != layout.chunks() || layout.seal(&chunks) != *seal {
            return None;
        }
        Some(Expected {
            file: file.try_clone().ok()?,
            layout,
            chunks,
        })
    }

    /// Whether raw chunk `i` is the one sealed.
    pub(crate) fn check(&self, i: u64) -> io::Result<()> {
        let mut buf = Vec::new();
        let want = self.chunks.get(i as usize).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "a chunk the sealed file does not hold",
            )
        })?;
        if self.layout.chunk_hash(&self.file, i, &mut buf)? != *want {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "chunk {i} differs from the file verified here under the same header: rewritten by someone holding its file key"
                ),
            ));
        }
        Ok(())
    }

    /// Check every chunk (a whole-file read).
    pub(crate) fn check_all(&self) -> io::Result<()> {
        (0..self.layout.chunks()).try_for_each(|i| self.check(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_of(bytes: &[u8]) -> (tempfile::NamedTempFile, File) {
        let mut t = tempfile::NamedTempFile::new().unwrap();
        t.write_all(bytes).unwrap();
        let f = File::open(t.path()).unwrap();
        (t, f)
    }

    fn encrypted(plain: &[u8]) -> Vec<u8> {
        let id = age::x25519::Identity::generate();
        let r = id.to_public();
        let e =
            age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
        let mut out = Vec::new();
        let mut w = e.wrap_output(&mut out).unwrap();
        w.write_all(plain).unwrap();
        w.finish().unwrap();
        out
    }

    /// A header whose MAC line starts in one 8 KiB read and ends in the next (a file
    /// with many recipients) is found, as it is in memory.
    #[test]
    fn a_mac_line_across_two_reads_is_found() {
        let mut bytes = b"age-encryption.org/v1\n".to_vec();
        bytes.resize(8150, b'a');
        bytes.extend_from_slice(b"\n--- ");
        bytes.extend_from_slice(&[b'M'; 43]);
        bytes.push(b'\n');
        let head_len = bytes.len() + 16;
        bytes.extend_from_slice(&[9u8; 16 + 100]);
        let (_t, f) = file_of(&bytes);
        let layout = Layout::read(&f).unwrap();
        assert_eq!(layout.head.len(), head_len);
        assert_eq!(Layout::of_bytes(&bytes).unwrap().head, layout.head);
    }

    #[test]
    fn a_changed_chunk_under_the_same_header_is_caught_and_only_the_chunks_read_are_hashed() {
        let plain = vec![7u8; 3 * CHUNK as usize + 100];
        let bytes = encrypted(&plain);
        let (_t, f) = file_of(&bytes);
        let sealed = seal_file(&f).unwrap();
        assert_eq!(sealed.chunks.len(), 4);
        assert_eq!(seal_bytes(&bytes), Some(sealed.seal));
        // Written through a sealing writer in uneven pieces (a byte at a time through
        // the header): the same seal and chunks.
        // Hashed here, and on a helper thread.
        for size in [1, 7919, RAW_CHUNK as usize] {
            for piped in [false, true] {
                let (out, by_writer) = std::thread::scope(|s| {
                    let mut w = SealingWriter::new(Vec::new(), piped.then_some(s));
                    for piece in bytes.chunks(size) {
                        io::Write::write_all(&mut w, piece).unwrap();
                    }
                    w.finish()
                });
                assert_eq!(out, bytes);
                let by_writer = by_writer.unwrap();
                assert_eq!(
                    (by_writer.seal, &by_writer.chunks),
                    (sealed.seal, &sealed.chunks)
                );
            }
        }
        let (_, none) = SealingWriter::new(Vec::new(), None).finish();
        assert!(none.is_none(), "nothing written, nothing sealed");
        let layout = Layout::read(&f).unwrap();
        let ok = Expected::new(&f, layout.clone(), sealed.chunks.clone(), &sealed.seal).unwrap();
        ok.check_all().unwrap();
        // The same header and nonce, one byte of chunk 2 changed.
        let mut forged = bytes.clone();
        let at = layout.head.len() + 2 * RAW_CHUNK as usize + 5;
        forged[at] ^= 1;
        let (_t2, g) = file_of(&forged);
        let l2 = Layout::read(&g).unwrap();
        let e = Expected::new(&g, l2, sealed.chunks.clone(), &sealed.seal).unwrap();
        e.check(0).unwrap();
        e.check(1).unwrap();
        assert!(e.check(2).is_err());
        assert_ne!(seal_file(&g).unwrap().seal, sealed.seal);
        // Another header: not the sealed file at all.
        let (_t3, h) = file_of(&encrypted(&plain));
        let l3 = Layout::read(&h).unwrap();
        assert!(Expected::new(&h, l3, sealed.chunks, &sealed.seal).is_none());
    }
}
