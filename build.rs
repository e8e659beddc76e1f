//! Lays out the functions everyday commands run next to each other in the release
//! binary (`scripts/hot-text.txt`, made by `scripts/hot-text.sh`).
//!
//! A process maps its binary's code a 64 KiB window at a time, on the first call into
//! each: in source order, a `get` touched ~100 windows of the 8.5 MiB of code, a page
//! fault each. Grouped, the same work fits in a few dozen (`docs/reference/performance.md`).
//! Only the order changes, never the code: a name the binary no longer has is skipped.
//!
//! The option is LLD's, the linker Rust uses for this target from 1.90 on. Any other
//! linker, target or profile is left exactly as it was.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=scripts/hot-text.txt");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let order = Path::new(&var("CARGO_MANIFEST_DIR")).join("scripts/hot-text.txt");
    let lld = var("TARGET") == "x86_64-unknown-linux-gnu"
        && std::env::var_os("RUSTC_LINKER").is_none()
        // `-C linker=…`, `-C linker-features=…`, `-C link-arg=-fuse-ld=…` and the
        // like: someone chose how to link, and the option may not be understood.
        && !var("CARGO_ENCODED_RUSTFLAGS").contains("link")
        && rustc_minor(&var("RUSTC")).is_some_and(|minor| minor >= 90);
    if var("PROFILE") == "release" && lld && order.is_file() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// The minor version of `rustc` ("rustc 1.95.0 (…)" gives 95), if it says.
fn rustc_minor(rustc: &str) -> Option<u32> {
    let out = Command::new(rustc).arg("--version").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let version = text.split_whitespace().nth(1)?;
    let mut parts = version.split('.');
    (parts.next()? == "1").then_some(())?;
    parts.next()?.parse().ok()
}
