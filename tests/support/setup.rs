//! Ready-made starting points shared by several modules: identities of each kind, and
//! vaults in a given state.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};

use super::Sandbox;

/// A passphrase-protected identity file `name` with a tiny scrypt work factor (an unlock
/// costs milliseconds, not a second), 0600. Its path and recipient.
pub fn cheap_protected_identity(kw: &Sandbox, name: &str, pass: &str) -> (PathBuf, String) {
    let id = age::x25519::Identity::generate();
    let mut r = age::scrypt::Recipient::new(SecretString::from(pass.to_owned()));
    r.set_work_factor(10);
    let e = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let armor =
        age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor).unwrap();
    let mut w = e.wrap_output(armor).unwrap();
    w.write_all(format!("{}\n", id.to_string().expose_secret()).as_bytes())
        .unwrap();
    w.finish().unwrap().finish().unwrap();
    let path = kw.path(name);
    super::write_private(&path, out);
    (path, id.to_public().to_string())
}

/// A cheap passphrase-protected identity (`cheap_protected_identity`) in
/// `KEYWARD_IDENTITY`, and a vault initialised to it.
pub fn cheap_protected_vault(pass: &str) -> Sandbox {
    let mut kw = Sandbox::new();
    let (path, _) = cheap_protected_identity(&kw, "id.age", pass);
    kw.set_env("KEYWARD_IDENTITY", path.to_str().unwrap());
    kw.cmd(["init"])
        .env("KEYWARD_PASSPHRASE", pass)
        .assert()
        .success();
    kw
}

/// The committed test-only SSH ed25519 key (`tests/fixtures/test_ed25519`), copied into
/// the sandbox with mode 0600 (git does not keep modes): its path and public key.
pub fn ssh_identity(kw: &Sandbox) -> (PathBuf, String) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let public = fs::read_to_string(fixtures.join("test_ed25519.pub")).unwrap();
    let key = kw.path("id_ed25519");
    fs::copy(fixtures.join("test_ed25519"), &key).unwrap();
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    (key, public.trim().to_owned())
}

/// A vault with an environment `shared` that only `other` can open (the sandbox identity
/// created it, then was removed by `other`). Returns `other`'s identity file.
pub fn vault_with_unreadable_env() -> (Sandbox, PathBuf) {
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("other.key");
    let other_r = kw.recipient_of(&other);
    kw.cmd(["env", "add", "shared", "--recipient", &other_r])
        .assert()
        .success();
    // DESIGN §15: only an admin removes someone, and never the last admin.
    kw.cmd([
        "-e", "shared", "access", "grant", &other_r, "--role", "admin",
    ])
    .assert()
    .success();
    kw.cmd_as(
        &other,
        [
            "-e",
            "shared",
            "access",
            "revoke",
            "--yes",
            &kw.my_recipient(),
        ],
    )
    .assert()
    .success();
    kw.cmd(["-e", "shared", "list"]).assert().code(5);
    (kw, other)
}

/// A vault with `K` generated and then revoked.
pub fn vault_with_revoked_key() -> Sandbox {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.cmd(["revoke", "K", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    kw
}

/// The keys of a fleet in `dev` (made at the sandbox clock): A active (scope read), B1
/// retiring for 3h after B2 replaced it, C revoked, D expiring after 1h. Their values.
pub fn make_fleet(kw: &mut Sandbox) -> [String; 5] {
    let a = kw
        .stdout(["generate", "A", "--scope", "read"])
        .trim()
        .to_owned();
    let b1 = kw.generate("B");
    let b2 = kw
        .stdout(["rotate", "B", "--grace", "3h", "--reason", "r"])
        .trim()
        .to_owned();
    let c = kw.generate("C");
    kw.cmd(["revoke", "C", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    let d = kw
        .stdout(["generate", "D", "--expires", "1h"])
        .trim()
        .to_owned();
    [a, b1, b2, c, d]
}

/// The value of imported filler key `i` (`import_fillers`).
pub fn filler_value(i: usize) -> String {
    format!("filler-value-{i:04}-{}", "x".repeat(24))
}

/// Import `n` keys `FILLER_0000`… (values `filler_value(i)`): padding that makes a
/// verifier set long to write, and, being imported, keys it with HMAC.
pub fn import_fillers(kw: &Sandbox, n: usize) {
    let filler: String = (0..n)
        .map(|i| format!("FILLER_{i:04}={}\n", filler_value(i)))
        .collect();
    fs::write(kw.path("filler.env"), filler).unwrap();
    kw.cmd(["import", "filler.env", "--format", "dotenv"])
        .assert()
        .success();
}

/// Copy a directory tree (files and subdirectories; modes of files as `fs::copy` keeps
/// them).
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Make the journals of a copied vault (a committed fixture) this machine's own, as the
/// machine that wrote them would have them: a fresh state directory does not adopt a
/// journal it has no note of (DESIGN §8), so each environment with a journal is pinned
/// (`list`) and given the note a journal started here has (head 0, nothing read yet).
pub fn own_journals(kw: &Sandbox) {
    use sha2::Digest;
    let Ok(dir) = fs::read_dir(kw.vault().join("journal")) else {
        return;
    };
    for e in dir {
        let name = e.unwrap().file_name().into_string().unwrap();
        let Some(env) = name.strip_suffix(".db") else {
            continue;
        };
        kw.cmd(["-e", env, "list"]).assert().success();
        let pins: Vec<PathBuf> = fs::read_dir(kw.path("state/keyward/pins"))
            .unwrap()
            .map(|d| d.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        assert_eq!(pins.len(), 1, "one vault pinned: {pins:?}");
        let mut record = format!("{:020} {} {} ", 0, "0".repeat(64), "-".repeat(20)).into_bytes();
        let check = sha2::Sha256::digest(&record);
        record.extend(hex::encode(&check[..8]).bytes());
        record.push(b'\n');
        let file = pins[0].join(format!("{env}.journal"));
        fs::write(&file, record).unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// A copy of the vault's env files alone at `name` in the sandbox — what a clone of its
/// repository holds on another machine: no journal, no locks. Its path.
pub fn clone_of_envs(kw: &Sandbox, name: &str) -> PathBuf {
    let clone = kw.path(name);
    fs::create_dir_all(clone.join("envs")).unwrap();
    for e in fs::read_dir(kw.vault().join("envs")).unwrap() {
        let e = e.unwrap();
        if e.file_name().to_string_lossy().ends_with(".db.age") {
            fs::copy(e.path(), clone.join("envs").join(e.file_name())).unwrap();
        }
    }
    clone
}
