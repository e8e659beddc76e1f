//! Passphrases: read from the terminal (hidden), a file or the environment, and the scrypt work factor kept in bounds.

#[allow(unused_imports)]
use super::*;

// ---------------------------------------------------------------- passphrases

/// Longest passphrase file read: anything longer is not a passphrase (and
/// `KEYWARD_PASSPHRASE_FILE=/dev/zero` must end, not read forever).
pub const MAX_PASSPHRASE_FILE: u64 = 64 * 1024;

/// How many times a person at a terminal may type the passphrase of an identity file
/// before the command fails (sudo, ssh and gpg give three). A passphrase from the
/// environment gets one try: it will not change by asking again.
pub const PASSPHRASE_TRIES: u32 = 3;

/// Where a passphrase comes from, in order: `KEYWARD_PASSPHRASE_FILE`,
/// `KEYWARD_PASSPHRASE` (weaker: visible to same-user processes), a hidden prompt when
/// stdin is a terminal. With none of them, fail at once: never hang a CI job.
///
/// Every failure of the environment sources is an unlock failure (exit 5), and no
/// message ever holds a byte of the passphrase. A new passphrase (`confirm`) that is
/// typed empty is refused at once, before it is asked again.
pub fn read_passphrase(prompt: &str, confirm: bool, for_path: &Path) -> Result<SecretString> {
    if let Some(given) = passphrase_from_env(for_path)? {
        return Ok(given);
    }
    if !io::stdin().is_terminal() {
        return Err(Error::NoPassphrase {
            path: for_path.to_owned(),
        });
    }
    // DESIGN §16: a mistyped repetition asks again (both), up to three times.
    for attempt in 1..=PASSPHRASE_TRIES {
        let first = prompt_hidden(prompt)?;
        let first =
            non_empty(first, "an empty passphrase is not allowed").map_err(Error::Refused)?;
        if !confirm {
            return Ok(first);
        }
        let again = prompt_hidden("Repeat passphrase: ")?;
        if again.expose_secret() == first.expose_secret() {
            return Ok(first);
        }
        if attempt < PASSPHRASE_TRIES {
            eprintln!("the passphrases do not match; type it again");
        }
    }
    Err(Error::PassphrasesDiffer)
}

/// The passphrase `KEYWARD_PASSPHRASE_FILE` or `KEYWARD_PASSPHRASE` gives, if either is
/// set (an empty or unreadable one is an unlock failure, exit 5).
pub(super) fn passphrase_from_env(for_path: &Path) -> Result<Option<SecretString>> {
    let unusable = |detail: String| Error::BadIdentity {
        what: format!("`{}`", for_path.display()),
        detail,
    };
    if let Some(file) = crate::sys::var_os("KEYWARD_PASSPHRASE_FILE") {
        let text = read_passphrase_file(Path::new(&file)).map_err(unusable)?;
        return non_empty(
            text,
            "the passphrase file (KEYWARD_PASSPHRASE_FILE) is empty",
        )
        .map(Some)
        .map_err(unusable);
    }
    if let Some(p) = crate::sys::var_os("KEYWARD_PASSPHRASE") {
        // Never read as unset (a prompt, or "set KEYWARD_PASSPHRASE" while it is set).
        let p = p.into_string().map_err(|_| {
            Error::usage("KEYWARD_PASSPHRASE is not valid UTF-8 (its value is not shown)")
        })?;
        return non_empty(SecretString::from(p), "KEYWARD_PASSPHRASE is set but empty")
            .map(Some)
            .map_err(unusable);
    }
    Ok(None)
}

/// A hidden prompt on the terminal (rpassword reads `/dev/tty`).
pub(super) fn prompt_hidden(prompt: &str) -> Result<SecretString> {
    rpassword::prompt_password(prompt)
        .map(SecretString::from)
        .map_err(|e| Error::io("cannot read passphrase from", "/dev/tty", e))
}

/// The passphrase in `KEYWARD_PASSPHRASE_FILE`, without its trailing newline. A regular
/// file readable by group or others is refused, as identity files are; a pipe or device
/// (`<(pass show kw)`) has no such mode to check. At most 64 KiB is read.
pub(super) fn read_passphrase_file(path: &Path) -> std::result::Result<SecretString, String> {
    let named = format!(
        "passphrase file `{}` (KEYWARD_PASSPHRASE_FILE)",
        path.display()
    );
    let file = fs::File::open(path).map_err(|e| {
        // The passphrase itself, put in this variable rather than KEYWARD_PASSPHRASE,
        // names no file: a message (a CI log) must not repeat it. A path into a
        // directory that exists is a file name to fix, and is shown.
        if crate::text::reads_as_a_path(path) {
            return format!("cannot read the {named}: {e}");
        }
        format!(
            "KEYWARD_PASSPHRASE_FILE does not name a readable file ({e}; its value is not shown)\nhint: it holds the path of a file; the passphrase itself goes in KEYWARD_PASSPHRASE"
        )
    })?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read the {named}: {e}"))?;
    let mode = meta.permissions().mode() & 0o777;
    if meta.is_file() && mode & 0o077 != 0 {
        return Err(format!(
            "the {named} is readable by group or others (mode {mode:03o})\nhint: chmod 600 {}",
            path.display()
        ));
    }
    // Allocated once at full size: a growing Vec would free copies it never zeroized.
    let mut raw = Zeroizing::new(Vec::with_capacity(MAX_PASSPHRASE_FILE as usize + 1));
    file.take(MAX_PASSPHRASE_FILE + 1)
        .read_to_end(&mut raw)
        .map_err(|e| format!("cannot read the {named}: {e}"))?;
    if raw.len() as u64 > MAX_PASSPHRASE_FILE {
        return Err(format!(
            "the {named} is longer than 64 KiB: it does not hold a passphrase"
        ));
    }
    while raw.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        raw.pop();
    }
    let text = String::from_utf8(raw.to_vec()).map_err(|e| {
        e.into_bytes().zeroize();
        format!("the {named} is not UTF-8")
    })?;
    Ok(SecretString::from(text))
}

pub(super) fn non_empty(p: SecretString, why: &str) -> std::result::Result<SecretString, String> {
    if p.expose_secret().is_empty() {
        return Err(why.to_owned());
    }
    Ok(p)
}

/// Lets age ask for an SSH key's passphrase through our own passphrase sources.
#[derive(Clone)]
pub(super) struct PassphraseCallbacks {
    pub(super) path: PathBuf,
    /// The passphrase that already opened the key (to read its signing key): given to
    /// age rather than asked again.
    pub(super) given: Option<SecretString>,
}

impl age::Callbacks for PassphraseCallbacks {
    fn display_message(&self, message: &str) {
        eprintln!("{message}");
    }
    fn confirm(&self, _: &str, _: &str, _: Option<&str>) -> Option<bool> {
        None
    }
    fn request_public_string(&self, _: &str) -> Option<String> {
        None
    }
    fn request_passphrase(&self, _description: &str) -> Option<SecretString> {
        if let Some(p) = &self.given {
            return Some(p.clone());
        }
        let prompt = format!("Passphrase for {}: ", self.path.display());
        read_passphrase(&prompt, false, &self.path).ok()
    }
}
