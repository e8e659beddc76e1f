//! In-process lookups through the library function a service uses
//! (`keyward_verifier::VerifierSet::lookup`, the crate a service links; the CLI's
//! `keyward::verifier` re-exports it), on a set file written by `keyward verifier export`.
//! Only the verifier crate is used here, as in a service.
//!
//! cargo run --release --example verifier_lookups -- SET_FILE PUBKEY KEYS_FILE [ROUNDS] [LOOKUPS]
//!
//! KEYS_FILE holds presented keys, one per line (some in the set, some not). Prints one
//! JSON line: the time to open (and verify) the set, median with min–max over ROUNDS, and
//! lookups per second, median with min–max over ROUNDS rounds of LOOKUPS lookups each.

use std::path::Path;
use std::time::Instant;

use keyward_verifier::{Answer, Pinned, VerifierSet};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: verifier_lookups SET_FILE PUBKEY KEYS_FILE [ROUNDS] [LOOKUPS]");
        std::process::exit(2);
    }
    let rounds: usize = args.get(3).map_or(7, |s| s.parse().expect("rounds"));
    let lookups: usize = args
        .get(4)
        .map_or(1_000_000, |s| s.parse().expect("lookups"));
    let keys: Vec<Vec<u8>> = std::fs::read_to_string(&args[2])
        .expect("keys file")
        .lines()
        .map(|l| l.as_bytes().to_vec())
        .collect();
    assert!(!keys.is_empty(), "no keys to present");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_millis() as i64;

    let mut open_ms = Vec::new();
    let mut per_sec = Vec::new();
    let mut valid = 0usize;
    for _ in 0..rounds {
        let t = Instant::now();
        let set = VerifierSet::open(
            Path::new(&args[0]),
            &Pinned {
                pubkey: Some(args[1].parse().expect("pubkey")),
                ..Default::default()
            },
        )
        .expect("open set");
        // A service reloading a set checks all of it once; a one-shot check reads
        // only the bucket it needs.
        set.verify_all().expect("verify set");
        open_ms.push(t.elapsed().as_secs_f64() * 1e3);
        valid = 0;
        let t = Instant::now();
        for i in 0..lookups {
            if matches!(set.lookup(&keys[i % keys.len()], now), Ok(Answer::Valid(_))) {
                valid += 1;
            }
        }
        per_sec.push(lookups as f64 / t.elapsed().as_secs_f64());
    }
    println!(
        "{{\"entries\": {}, \"open_ms\": {}, \"lookups_per_sec\": {}, \"valid_share\": {:.3}}}",
        VerifierSet::open(Path::new(&args[0]), &Pinned::default())
            .expect("open")
            .info()
            .entries,
        stats(&mut open_ms),
        stats(&mut per_sec),
        valid as f64 / lookups as f64
    );
}

/// `{"median": m, "min": a, "max": b}`.
fn stats(v: &mut [f64]) -> String {
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let median = if v.len() % 2 == 1 {
        v[v.len() / 2]
    } else {
        (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
    };
    format!(
        "{{\"median\": {median:.3}, \"min\": {:.3}, \"max\": {:.3}}}",
        v[0],
        v[v.len() - 1]
    )
}
