//! Arbitrary bytes, encrypted to a known identity, opened as an environment: an error or
//! a database, never a panic. (The raw-bytes case is covered by proptest in cargo test.)
#![no_main]

use std::io::Write;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

static ID: OnceLock<age::x25519::Identity> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let id = ID.get_or_init(age::x25519::Identity::generate);
    let dir = tempfile::tempdir().unwrap();
    let paths = keyward::vault::VaultPaths::new(dir.path().to_path_buf());
    std::fs::create_dir_all(paths.envs_dir()).unwrap();
    let env: keyward::names::EnvName = "dev".parse().unwrap();
    let r = id.to_public();
    let e = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let mut w = e.wrap_output(&mut out).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap();
    std::fs::write(paths.env_file(&env), &out).unwrap();
    if let Ok(db) = keyward::vault::EnvDb::open_read(&paths, &env, id) {
        let _ = db.keys();
        let _ = db.lifecycle_events();
        let _ = db.recipients();
    }
});
