//! Writing identity files: a fresh X25519 identity, plain or passphrase-protected (scrypt work factor 18, as Go age), 0600 and never over an existing file.

#[allow(unused_imports)]
use super::*;

/// Write a new passphrase-protected identity (armored age scrypt file, work factor 18).
pub fn write_protected_identity(
    path: &Path,
    identity: &age::x25519::Identity,
    passphrase: SecretString,
) -> Result<()> {
    let mut recipient = age::scrypt::Recipient::new(passphrase);
    recipient.set_work_factor(SCRYPT_WRITE_LOG_N);
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| Error::Failed {
                what: "encrypt the identity",
                detail: e.to_string(),
            })?;
    let text = identity_file_text(identity);
    let mut out = Vec::new();
    {
        let armor =
            age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
                .map_err(|e| Error::io("cannot write identity", path, e))?;
        let mut w = encryptor
            .wrap_output(armor)
            .map_err(|e| Error::io("cannot write identity", path, e))?;
        w.write_all(text.as_bytes())
            .and_then(|_| w.finish())
            .and_then(|armor| armor.finish())
            .map_err(|e| Error::io("cannot write identity", path, e))?;
    }
    write_new_private_file(path, &out)
}

/// Write a plain identity file (for CI), 0600, refusing to overwrite.
/// A fresh X25519 identity written to `path` (0600, never over an existing file):
/// protected by a passphrase asked twice when `protect` (what `init` makes), plain
/// otherwise (what `identity new --out` makes, for CI). Returns its recipient. The one
/// place a new identity file is made. Also returns the identity, so `init` can sign
/// (DESIGN §15) and pin the environments it creates without unlocking the file again.
pub fn create_identity_file(path: &Path, protect: bool) -> Result<(String, age::x25519::Identity)> {
    let id = age::x25519::Identity::generate();
    if protect {
        let pass = read_passphrase("Passphrase for the new keyward identity: ", true, path)?;
        write_protected_identity(path, &id, pass)?;
    } else {
        write_plain_identity(path, &id)?;
    }
    Ok((id.to_public().to_string(), id))
}

pub fn write_plain_identity(path: &Path, identity: &age::x25519::Identity) -> Result<()> {
    let text = identity_file_text(identity);
    write_new_private_file(path, text.as_bytes())
}

/// The text of an identity file as `age-keygen` writes it.
pub fn identity_file_text(identity: &age::x25519::Identity) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "# created: {}\n# public key: {}\n{}\n",
        crate::names::fmt_time(crate::names::now_ms()),
        identity.to_public(),
        identity.to_string().expose_secret()
    ))
}

/// Create `path` with mode 0600 (parent 0700), failing if it exists.
pub fn write_new_private_file(path: &Path, data: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::fsutil::ensure_dir(dir)?;
    }
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => Error::OutputExists {
                path: path.to_owned(),
            },
            _ => Error::io("cannot create", path, e),
        })?;
    f.write_all(data)
        .and_then(|_| f.sync_all())
        .map_err(|e| Error::io("cannot write", path, e))
}
