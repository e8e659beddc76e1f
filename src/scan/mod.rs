//! `keyward scan`: find vault keys in files, trees and stdin, with no false positives.
//!
//! keyward knows its keys exactly, so it looks for the values themselves (every version,
//! any status, one multi-pattern automaton), plus any keyward-format token whose checksum
//! is valid but which this vault does not hold (a key from another vault or environment).
//!
//! - [`engine`]: the matcher (pure: bytes in, findings out);
//! - [`walk`]: trees (tracked files always, untracked ones unless git ignores them), stdin;
//! - [`git`]: what git tracks, and the blobs staged for the next commit;
//! - [`report`]: findings and how they are shown;
//! - [`identities`]: age identities (`AGE-SECRET-KEY-1…`) in what is scanned.
//!
//! Knows nothing of vaults: `ops::scan` gives it the values to look for.
//! Never shows a value unmasked.

pub mod engine;
pub mod git;
pub mod identities;
pub mod report;
pub mod walk;

use std::path::PathBuf;

pub use engine::{MIN_VALUE_LEN, Pattern, Scanner};
pub use report::ScanReport;

/// What to scan.
#[derive(Debug, Clone)]
pub enum Source {
    /// Files or directories, `-` for stdin; none means `.`.
    Paths {
        paths: Vec<PathBuf>,
        no_ignore: bool,
    },
    /// What is staged for the next commit in the git repository here.
    Staged,
}
