//! Two pieces of work at once, on the machine's second core (a merge checks three sides).

use std::sync::Mutex;

/// Run `a` on a helper thread while `b` runs on this one; both results. When no thread
/// can be started (a process limit), `a` runs here after `b`: the same results, later.
/// A panic in `a` goes on as this thread's, as if `a` had run here.
pub fn both<RA: Send, RB>(a: impl FnOnce() -> RA + Send, b: impl FnOnce() -> RB) -> (RA, RB) {
    // `a` waits here until whoever runs it takes it: the helper, or this thread when the
    // helper could not start (its closure is then dropped without having run).
    let slot = Mutex::new(Some(a));
    let take = || slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    std::thread::scope(|s| {
        let helper = std::thread::Builder::new().spawn_scoped(s, || take().map(|a| a()));
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

#[cfg(test)]
mod tests {
    use super::both;

    #[test]
    fn both_results_come_back_in_place() {
        let v = [1, 2, 3];
        let (a, b) = both(|| v.iter().sum::<i32>(), || v.len());
        assert_eq!((a, b), (6, 3));
        let (a, (b, c)) = both(|| "a", || both(|| 'b', || 3u8));
        assert_eq!((a, b, c), ("a", 'b', 3));
    }

    #[test]
    fn a_panic_on_the_helper_goes_on_here() {
        let r = std::panic::catch_unwind(|| both(|| panic!("helper"), || 1));
        assert!(r.is_err());
    }
}
