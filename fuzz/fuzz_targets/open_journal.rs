//! Arbitrary bytes as an access journal: an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let paths = keyward::vault::VaultPaths::new(dir.path().to_path_buf());
    std::fs::create_dir_all(paths.journal_dir()).unwrap();
    let env: keyward::names::EnvName = "dev".parse().unwrap();
    std::fs::write(paths.journal(&env), data).unwrap();
    if let Ok(j) = keyward::vault::journal::Journal::open(&paths, &env) {
        let _ = j.events(&[7u8; 32]);
    }
});
