//! Lays out the functions everyday commands run next to each other in the release
//! binary (`scripts/hot-text.txt`, made by `scripts/hot-text.sh`).
//!
//! A process maps its binary's code a 64 KiB window at a time, on the first call into
//! each: in source order, a `get` touched ~100 windows of the 8.5 MiB of code, a page
//! fault each. Grouped, the same work fits in a few dozen (`docs/reference/performance.md`).
//! Only the order changes, never the code: a name the binary no longer has is skipped.
//!
//! The option is LLD's, the linker rustup's Rust uses for this target from 1.90 on; a
//! Rust built another way may link through GNU ld, which refuses it. So the option is
//! only given when a probe program links with it here, with the same `rustc`. Any other
//! linker, target or profile is left exactly as it was.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=scripts/hot-text.txt");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let order = Path::new(&var("CARGO_MANIFEST_DIR")).join("scripts/hot-text.txt");
    let wanted = var("PROFILE") == "release"
        && var("TARGET") == "x86_64-unknown-linux-gnu"
        && std::env::var_os("RUSTC_LINKER").is_none()
        // `-C linker=…`, `-C linker-features=…`, `-C link-arg=-fuse-ld=…` and the
        // like: someone chose how to link.
        && !var("CARGO_ENCODED_RUSTFLAGS").contains("link")
        && order.is_file();
    let out = PathBuf::from(var("OUT_DIR"));
    if wanted && links_with(&var("RUSTC"), &var("TARGET"), &out, &order) {
        for arg in link_args(&order) {
            println!("cargo:rustc-link-arg-bins={arg}");
        }
    }
}

fn link_args(order: &Path) -> [String; 2] {
    [
        format!("-Wl,--symbol-ordering-file={}", order.display()),
        "-Wl,--no-warn-symbol-ordering".to_owned(),
    ]
}

/// Whether `rustc` links an empty program for `target` with the ordering options (a
/// path with a comma in it, which `-Wl,` would split, fails here too).
fn links_with(rustc: &str, target: &str, out: &Path, order: &Path) -> bool {
    let src = out.join("hot_text_probe.rs");
    if std::fs::write(&src, "fn main() {}\n").is_err() {
        return false;
    }
    let mut probe = Command::new(rustc);
    probe
        .args(["--crate-name", "hot_text_probe", "--edition", "2021"])
        .args(["--target", target])
        .arg("-o")
        .arg(out.join("hot_text_probe"));
    for arg in link_args(order) {
        probe.arg("-C").arg(format!("link-arg={arg}"));
    }
    probe
        .arg(&src)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
