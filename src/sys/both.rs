//! Two pieces of work at once, on the machine's second core: `both` (a merge checks
//! three sides), and `Pipe`, bytes handed to a helper thread that consumes them in order
//! (a large write hashes its state and its file while it makes them).

use std::sync::{Mutex, mpsc};
use std::thread::{Scope, ScopedJoinHandle};

use zeroize::Zeroizing;

/// Start a helper thread with termination held back for good (`sys::defer`): a
/// SIGTERM is then always taken by the main thread, which holds it back across a commit;
/// taken by a helper, it would end keyward in the middle of a write.
fn held_back<T>(spawn: impl FnOnce() -> T) -> T {
    let held = super::defer_termination();
    let spawned = spawn();
    drop(held);
    spawned
}

/// Run `a` on a helper thread while `b` runs on this one; both results. When no thread
/// can be started (a process limit), `a` runs here after `b`: the same results, later.
/// A panic in `a` goes on as this thread's, as if `a` had run here.
pub fn both<RA: Send, RB>(a: impl FnOnce() -> RA + Send, b: impl FnOnce() -> RB) -> (RA, RB) {
    // `a` waits here until whoever runs it takes it: the helper, or this thread when the
    // helper could not start (its closure is then dropped without having run).
    let slot = Mutex::new(Some(a));
    let take = || slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    std::thread::scope(|s| {
        let helper =
            held_back(|| std::thread::Builder::new().spawn_scoped(s, || take().map(|a| a())));
        let rb = b();
        let ra = match helper {
            Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            Err(_) => None,
        };
        let ra = match ra {
            Some(ra) => ra,
            None => take()
                .map(|a| a())
                .expect("the work no thread took is still here"),
        };
        (ra, rb)
    })
}

/// Bytes written here, consumed in order by `eat` on a helper thread into its state:
/// the work of hashing moves off this thread, the copying stays. A fixed set of buffers
/// goes round (fresh memory for each cost more than the hashing); every one is wiped when
/// dropped (the bytes may be values).
pub struct Pipe<'s, S> {
    full: mpsc::SyncSender<Zeroizing<Vec<u8>>>,
    empty: mpsc::Receiver<Zeroizing<Vec<u8>>>,
    done: ScopedJoinHandle<'s, S>,
    buf: Zeroizing<Vec<u8>>,
}

impl<'s, S: Send + 's> Pipe<'s, S> {
    const CAP: usize = 256 * 1024;

    /// A pipe into `eat` on a thread of `scope`; `None` when no thread can be started
    /// (the caller then does the work itself).
    pub fn start<'env>(
        scope: &'s Scope<'s, 'env>,
        mut state: S,
        mut eat: impl FnMut(&mut S, &[u8]) + Send + 's,
    ) -> Option<Pipe<'s, S>> {
        let (full, to_eat) = mpsc::sync_channel::<Zeroizing<Vec<u8>>>(2);
        let (back, empty) = mpsc::channel();
        for _ in 0..3 {
            let _ = back.send(Zeroizing::new(Vec::with_capacity(Self::CAP)));
        }
        let done = held_back(|| {
            std::thread::Builder::new().spawn_scoped(scope, move || {
                for mut buf in to_eat {
                    eat(&mut state, &buf);
                    buf.clear();
                    // Dropped (and wiped) if the writer is gone.
                    let _ = back.send(buf);
                }
                state
            })
        })
        .ok()?;
        Some(Pipe {
            full,
            empty,
            done,
            buf: Zeroizing::new(Vec::with_capacity(Self::CAP)),
        })
    }

    pub fn write(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let take = bytes.len().min(Self::CAP - self.buf.len());
            self.buf.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.buf.len() == Self::CAP {
                self.hand_over();
            }
        }
    }

    fn hand_over(&mut self) {
        // Waits for an emptied buffer (none comes back only if the helper panicked:
        // `finish` then raises its panic).
        let next = self
            .empty
            .recv()
            .unwrap_or_else(|_| Zeroizing::new(Vec::with_capacity(Self::CAP)));
        let full = std::mem::replace(&mut self.buf, next);
        let _ = self.full.send(full);
    }

    /// Everything written consumed: the helper's state. A panic there goes on here.
    pub fn finish(mut self) -> S {
        if !self.buf.is_empty() {
            self.hand_over();
        }
        let Pipe { full, done, .. } = self;
        drop(full);
        done.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
    }
}

#[cfg(test)]
mod tests {
    use super::{Pipe, both};

    #[test]
    fn a_pipe_consumes_every_byte_in_order() {
        let data: Vec<u8> = (0..1_000_003u32).map(|i| (i * 7 % 251) as u8).collect();
        let seen = std::thread::scope(|s| {
            let mut p =
                Pipe::start(s, Vec::new(), |v: &mut Vec<u8>, b| v.extend_from_slice(b)).unwrap();
            for piece in data.chunks(100_001) {
                p.write(piece);
            }
            p.write(&[]);
            p.finish()
        });
        assert_eq!(seen, data);
    }

    #[test]
    fn both_results_come_back_in_place() {
        let v = [1, 2, 3];
        let (a, b) = both(|| v.iter().sum::<i32>(), || v.len());
        assert_eq!((a, b), (6, 3));
        let (a, (b, c)) = both(|| "a", || both(|| 'b', || 3u8));
        assert_eq!((a, b, c), ("a", 'b', 3));
    }

    /// Whether SIGTERM is held back on the calling thread.
    fn term_held_here() -> bool {
        // SAFETY: pthread_sigmask with a null new set only reads this thread's mask into
        // an initialised local, which sigismember then reads.
        unsafe {
            let mut mask: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut mask);
            libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut mask);
            libc::sigismember(&mask, libc::SIGTERM) == 1
        }
    }

    /// A hostile review: a SIGTERM taken by the helper of a merge (which frees the sides
    /// while the result is written) ended keyward in the middle of the write.
    #[test]
    fn helper_threads_never_take_a_terminating_signal_and_this_one_is_as_it_was() {
        let before = term_held_here();
        let (on_helper, ()) = both(term_held_here, || ());
        assert!(on_helper);
        let on_pipe = std::thread::scope(|s| {
            let mut p = Pipe::start(s, false, |held, _| *held = term_held_here()).unwrap();
            p.write(b"x");
            p.write(&[]);
            p.finish()
        });
        assert!(on_pipe);
        assert_eq!(term_held_here(), before);
    }

    #[test]
    fn a_panic_on_the_helper_goes_on_here() {
        let r = std::panic::catch_unwind(|| both(|| panic!("helper"), || 1));
        assert!(r.is_err());
    }
}
