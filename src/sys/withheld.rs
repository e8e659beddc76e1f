//! keyward's own credentials, taken out of its environment at start: the variables that
//! unlock the identity (`KEYWARD_IDENTITY`, which may hold the secret key itself,
//! `KEYWARD_PASSPHRASE`, `KEYWARD_PASSPHRASE_FILE`) and `AGEDEBUG`. Every process keyward
//! starts inherits its environment, and the age crate starts plugin binaries (found on
//! `PATH` by a name any admin can put in a recipient) with no way to choose what they
//! get: a plugin must not be handed the key or the passphrase that opens every
//! environment. And with `AGEDEBUG=plugin` age prints the whole plugin protocol to
//! stderr — PINs, file keys, plugin identities — so an inherited `AGEDEBUG` is ignored,
//! never honoured by accident (`lib::run` warns).
//!
//! The values are kept here, wiped never (a static lives as long as the process; it
//! holds no more than the environment held). Code that reads these variables asks
//! [`var_os`]; `run` children get the variables back through [`super::ChildEnv`], which
//! still leaves out what `run` leaves out.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::sync::OnceLock;

use zeroize::Zeroizing;

/// The variables taken out of the environment.
pub const WITHHELD: [&str; 4] = [
    "KEYWARD_IDENTITY",
    "KEYWARD_PASSPHRASE",
    "KEYWARD_PASSPHRASE_FILE",
    "AGEDEBUG",
];

/// A withheld variable: its name and value.
type Kept = (&'static str, Zeroizing<Vec<u8>>);

static VALUES: OnceLock<Vec<Kept>> = OnceLock::new();

/// Take [`WITHHELD`] out of this process's environment, keeping their values for
/// [`var_os`]. Called once, by `lib::run` before it starts any thread or process.
/// Returns whether `AGEDEBUG` was set (and is now ignored).
pub fn withhold_credentials() -> bool {
    let mut kept = Vec::new();
    for name in WITHHELD {
        if let Some(value) = std::env::var_os(name) {
            kept.push((name, Zeroizing::new(value.into_vec())));
            // SAFETY: `lib::run` calls this first thing, on the main thread, before any
            // other thread exists (no code outside std reads the environment
            // concurrently), and the standard library's own environment lock guards
            // this call against its readers.
            unsafe { std::env::remove_var(name) };
        }
    }
    let agedebug = kept.iter().any(|(n, _)| *n == "AGEDEBUG");
    let _ = VALUES.set(kept);
    agedebug
}

/// The value of variable `name` as keyward was started with it: a withheld one from
/// here (when [`withhold_credentials`] ran), any other from the environment.
pub fn var_os(name: &str) -> Option<OsString> {
    match VALUES.get() {
        Some(kept) if WITHHELD.contains(&name) => kept
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| OsString::from_vec(v.to_vec())),
        _ => std::env::var_os(name),
    }
}

/// The withheld variables that were set, name and value (for `run`'s child, which then
/// leaves out what it leaves out).
pub(super) fn withheld() -> impl Iterator<Item = (&'static str, &'static [u8])> {
    VALUES
        .get()
        .into_iter()
        .flatten()
        .map(|(n, v)| (*n, v.as_slice()))
}
