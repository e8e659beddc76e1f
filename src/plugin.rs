//! age plugins (DESIGN §10): hardware-backed identities (`AGE-PLUGIN-<NAME>-1…`, a
//! YubiKey, a TPM, a Secure Enclave) and recipients (`age1<name>1…`), through the `age`
//! crate's plugin support and a plugin binary `age-plugin-<name>` on `PATH`.
//!
//! Owns how a plugin talks to the person at the keyboard: its messages ("touch your
//! YubiKey") go to stderr, a PIN is read by a hidden prompt on the terminal and never
//! from anywhere else, a confirmation is asked on the terminal. With no terminal a PIN
//! request fails at once, so a CI job never hangs on a token. A PIN given once is kept
//! in memory for the rest of the command (zeroized when it ends), so a command that opens
//! several environments asks for it once; each opening still talks to the plugin (and
//! the token asks for a touch as its policy says).
//!
//! age reports a plugin's failures as its own error types; this module records the
//! typed keyward error of the last failure (missing binary, no terminal, refused PIN,
//! plugin died) where it happened, so the vault code can return it instead of guessing
//! from age's error. Never prints an identity: the `AGE-PLUGIN-…` string of some
//! plugins is the key itself.

use std::io::{self, BufRead, IsTerminal, Write};
use std::sync::Mutex;

use age::secrecy::{ExposeSecret, SecretString};
use age_core::format::{FileKey, Stanza};

use crate::error::{Error, Result};
use crate::recipient::RecipientString;

/// The binary that serves plugin `name` (age's naming rule).
pub fn binary_name(name: &str) -> String {
    format!("age-plugin-{name}")
}

// ---------------------------------------------------------------- prompts

/// What the prompts of this process remember: the last PIN given (per request text,
/// so one token's PIN is never offered to another's question), what a request refused
/// for want of a terminal asked for, whether a confirmation was declined, and the typed
/// cause of the last plugin failure.
struct State {
    pins: Vec<(String, SecretString)>,
    no_terminal: Option<&'static str>,
    declined: bool,
    failure: Option<Error>,
}

static STATE: Mutex<State> = Mutex::new(State {
    pins: Vec::new(),
    no_terminal: None,
    declined: false,
    failure: None,
});

fn state() -> std::sync::MutexGuard<'static, State> {
    // A panic while holding the lock cannot leave it half-written: every field is
    // replaced whole.
    STATE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Zeroize and forget the PINs given in this command (`lib::run` calls it when the
/// command ends: statics are never dropped, so their secrets would not be zeroized).
pub fn forget_pins() {
    // SecretString zeroizes its buffer when dropped.
    state().pins.clear();
}

/// Remember why a plugin failed, for [`take_failure`].
fn record(e: Error) {
    state().failure = Some(e);
}

/// The typed cause of the last plugin failure in this process, if any (and forget it).
pub fn take_failure() -> Option<Error> {
    state().failure.take()
}

/// A plugin's text, made safe for one line of a terminal: control characters escaped,
/// at most 200 characters.
fn clean(text: &str) -> String {
    let mut out: String = text
        .trim()
        .chars()
        .take(200)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if text.trim().chars().count() > 200 {
        out.push('…');
    }
    out
}

/// A line typed on the terminal, visibly (a confirmation, a public value): read from
/// stdin, which the caller checked is a terminal, as keyward's own questions are.
fn ask_visible(prompt: &str) -> Option<String> {
    let mut err = io::stderr();
    err.write_all(prompt.as_bytes()).ok()?;
    err.flush().ok()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line).ok()?;
    Some(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// The age callbacks every plugin of this process gets (see the module doc).
#[derive(Clone, Copy)]
pub struct Prompts;

impl age::Callbacks for Prompts {
    fn display_message(&self, message: &str) {
        // Not `eprintln!`, which panics when stderr is closed.
        let _ = writeln!(io::stderr(), "{}", clean(message));
    }

    fn confirm(&self, message: &str, yes: &str, no: Option<&str>) -> Option<bool> {
        // A plugin that skips its stanza when unconfirmed leaves age with "no identity
        // matched": recorded, so it is reported as what it is, not "not a recipient".
        if !io::stdin().is_terminal() {
            state().no_terminal = Some("a confirmation");
            return None;
        }
        // Asked like keyward's own questions: `y` picks the plugin's yes-choice.
        let no = no.map(clean).unwrap_or_else(|| "no".into());
        let answer = ask_visible(&format!(
            "{} (y: {}, n: {no}) [y/N] ",
            clean(message),
            clean(yes)
        ))?;
        let yes = matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes");
        if !yes {
            state().declined = true;
        }
        Some(yes)
    }

    fn request_public_string(&self, description: &str) -> Option<String> {
        if !io::stdin().is_terminal() {
            state().no_terminal = Some("a value");
            return None;
        }
        ask_visible(&format!("{}: ", clean(description)))
    }

    fn request_passphrase(&self, description: &str) -> Option<SecretString> {
        if let Some((_, pin)) = state().pins.iter().find(|(d, _)| d == description) {
            return Some(pin.clone());
        }
        // DESIGN §10: no terminal, no PIN — fail now, never wait for one.
        if !io::stdin().is_terminal() {
            state().no_terminal = Some("a PIN");
            return None;
        }
        let pin = rpassword::prompt_password(format!("{}: ", clean(description)))
            .ok()
            .map(SecretString::from)?;
        if pin.expose_secret().is_empty() {
            return None;
        }
        state().pins.push((description.to_owned(), pin.clone()));
        Some(pin)
    }
}

// ---------------------------------------------------------------- identities

/// A plugin identity, `AGE-PLUGIN-<NAME>-1…`, as age's decryptor uses it. The plugin
/// binary is looked up when the identity is first used (an environment is opened), so
/// `identity show` works without it. Never printed: no `Debug`, no `Display`.
pub struct PluginIdentity {
    identity: age::plugin::Identity,
}

impl PluginIdentity {
    pub fn plugin(&self) -> &str {
        self.identity.plugin()
    }
}

/// The plugin identity in an identity file's text (or a `KEYWARD_IDENTITY` value): its
/// first `AGE-PLUGIN-…` token, and the recipient named by a comment the plugin wrote
/// beside it (`# recipient: age1…`, `#    Recipient: age1yubikey1…`, `# public key:
/// age1se1…`). `None` when the text holds no `AGE-PLUGIN-` at all. Errors describe the
/// text and never contain any of the identity.
pub fn parse_identity(
    text: &str,
) -> Option<std::result::Result<(PluginIdentity, RecipientString), String>> {
    let token = text
        .split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .find(|t| {
            t.get(..11)
                .is_some_and(|p| p.eq_ignore_ascii_case("AGE-PLUGIN-"))
        })?;
    let upper = token.to_uppercase();
    let Ok(identity) = upper.parse::<age::plugin::Identity>() else {
        return Some(Err(
            "the identity value looks like a plugin identity but is not valid (an AGE-PLUGIN-<NAME>-1… string)".into(),
        ));
    };
    let recipient = text.lines().find_map(|line| {
        let comment = line.trim().strip_prefix('#')?.trim();
        let (label, value) = comment.split_once(':')?;
        let label = label.trim().to_ascii_lowercase();
        if label != "recipient" && label != "public key" {
            return None;
        }
        value
            .split_whitespace()
            .next()?
            .parse::<RecipientString>()
            .ok()
    });
    let Some(recipient) = recipient else {
        return Some(Err(format!(
            "the {} plugin identity comes without its recipient\nhint: keep the `# recipient: age1…` comment line the plugin printed above the AGE-PLUGIN-… line",
            binary_name(identity.plugin())
        )));
    };
    Some(Ok((PluginIdentity { identity }, recipient)))
}

impl age::Identity for PluginIdentity {
    fn unwrap_stanza(
        &self,
        stanza: &Stanza,
    ) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        age::Identity::unwrap_stanzas(self, std::slice::from_ref(stanza))
    }

    fn unwrap_stanzas(
        &self,
        stanzas: &[Stanza],
    ) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        let name = self.identity.plugin();
        let binary = binary_name(name);
        state().failure = None;
        let plugin = match age::plugin::IdentityPluginV1::new(
            name,
            std::slice::from_ref(&self.identity),
            Prompts,
        ) {
            Ok(p) => p,
            Err(e) => {
                record(Error::Plugin(crate::error::PluginError::PluginMissing {
                    binary,
                }));
                return Some(Err(age::DecryptError::PluginResolve(e)));
            }
        };
        {
            let mut s = state();
            s.no_terminal = None;
            s.declined = false;
        }
        let result = age::Identity::unwrap_stanzas(&plugin, stanzas);
        match &result {
            Some(Err(e)) => record(unlock_error(&binary, e)),
            // Nothing unwrapped: because it could not ask, or was told no.
            None => {
                if let Some(e) = unanswered(&binary) {
                    record(e);
                }
            }
            Some(Ok(_)) => {}
        }
        result
    }
}

/// Why plugin `binary` unwrapped nothing, when its question went unanswered: no
/// terminal to ask on, or a confirmation declined.
fn unanswered(binary: &str) -> Option<Error> {
    let s = state();
    let binary = binary.to_owned();
    match (s.no_terminal, s.declined) {
        (Some(asks), _) => Some(Error::Plugin(crate::error::PluginError::PluginNoTerminal {
            binary,
            asks,
        })),
        (None, true) => Some(Error::Plugin(crate::error::PluginError::PluginDeclined {
            binary,
        })),
        (None, false) => None,
    }
}

/// What went wrong when plugin `binary` tried to unwrap a file key (all exit 5: the
/// identity could not be unlocked).
fn unlock_error(binary: &str, e: &age::DecryptError) -> Error {
    if matches!(e, age::DecryptError::Plugin(_))
        && let Some(unanswered) = unanswered(binary)
    {
        return unanswered;
    }
    match e {
        age::DecryptError::Plugin(errors) => {
            Error::Plugin(crate::error::PluginError::PluginRefused {
                binary: binary.to_owned(),
                detail: describe(errors),
            })
        }
        age::DecryptError::Io(io) => Error::Plugin(crate::error::PluginError::PluginFailed {
            binary: binary.to_owned(),
            detail: io_detail(io),
        }),
        other => Error::Plugin(crate::error::PluginError::PluginFailed {
            binary: binary.to_owned(),
            detail: crate::error::describe_age(other),
        }),
    }
}

/// The plugin's own messages, one line. age does not export its plugin error type, so
/// its text is taken apart: the Unicode isolation marks of its messages dropped, and
/// the plugin's message kept without age's "'age-plugin-x' couldn't use an identity: ".
fn describe<E: std::fmt::Display>(errors: &[E]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| {
            let text: String = e
                .to_string()
                .chars()
                .filter(|c| !matches!(c, '\u{2066}'..='\u{2069}'))
                .collect();
            let message = match text.find("couldn't use ") {
                Some(at) => text[at..]
                    .split_once(": ")
                    .map_or(text.as_str(), |(_, m)| m),
                None => text.as_str(),
            };
            clean(message)
        })
        .filter(|m| !m.is_empty())
        .collect();
    if parts.is_empty() {
        "it reported an error without a message".into()
    } else {
        parts.join("; ")
    }
}

fn io_detail(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionAborted
        | io::ErrorKind::UnexpectedEof
        | io::ErrorKind::BrokenPipe => "it stopped in the middle of the protocol".into(),
        kind => format!("talking to it failed ({kind})"),
    }
}

// ---------------------------------------------------------------- recipients

/// Refuse, before anything is written, recipients whose plugin binary is not on `PATH`:
/// age encrypts to a plugin recipient through its plugin.
pub fn require_plugins(recipients: &[RecipientString]) -> Result<()> {
    for r in recipients {
        if let Some(name) = r.plugin()
            && age::plugin::RecipientPluginV1::new(&name, &[], &[], Prompts).is_err()
        {
            return Err(Error::Plugin(
                crate::error::PluginError::PluginMissingToEncrypt {
                    binary: binary_name(&name),
                },
            ));
        }
    }
    Ok(())
}

/// Encrypting to one plugin's recipients, recording the typed cause of a failure.
struct PluginRecipients {
    binary: String,
    inner: age::plugin::RecipientPluginV1<Prompts>,
}

impl age::Recipient for PluginRecipients {
    fn wrap_file_key(
        &self,
        file_key: &FileKey,
    ) -> std::result::Result<(Vec<Stanza>, std::collections::HashSet<String>), age::EncryptError>
    {
        state().failure = None;
        let result = self.inner.wrap_file_key(file_key);
        if let Err(e) = &result {
            let detail = match e {
                age::EncryptError::Plugin(errors) => describe(errors),
                age::EncryptError::Io(io) => io_detail(io),
                _ => "it could not encrypt".into(),
            };
            record(Error::Plugin(
                crate::error::PluginError::PluginEncryptFailed {
                    binary: self.binary.clone(),
                    detail,
                },
            ));
        }
        result
    }
}

/// The age recipients that encrypt to `plugin_recipients` (all plugin recipients): one
/// per plugin, holding all of that plugin's recipients, as age and rage do.
pub fn encryptors(
    plugin_recipients: &[RecipientString],
) -> Result<Vec<Box<dyn age::Recipient + Send>>> {
    let mut by_plugin: Vec<(String, Vec<age::plugin::Recipient>)> = Vec::new();
    for r in plugin_recipients {
        let parsed: age::plugin::Recipient =
            r.as_str()
                .parse()
                .map_err(|_| Error::InvalidStoredRecipient {
                    recipient: r.short(),
                })?;
        let name = parsed.plugin().to_owned();
        match by_plugin.iter_mut().find(|(n, _)| *n == name) {
            Some((_, list)) => list.push(parsed),
            None => by_plugin.push((name, vec![parsed])),
        }
    }
    let mut out: Vec<Box<dyn age::Recipient + Send>> = Vec::new();
    for (name, list) in by_plugin {
        let binary = binary_name(&name);
        let inner =
            age::plugin::RecipientPluginV1::new(&name, &list, &[], Prompts).map_err(|_| {
                Error::Plugin(crate::error::PluginError::PluginMissingToEncrypt {
                    binary: binary.clone(),
                })
            })?;
        out.push(Box::new(PluginRecipients { binary, inner }));
    }
    Ok(out)
}

/// What encrypts to `recipients`: X25519 and SSH recipients directly, plugin recipients
/// through their plugins (a missing plugin is refused here, before anything is written).
pub fn encrypt_to(recipients: &[RecipientString]) -> Result<Vec<Box<dyn age::Recipient + Send>>> {
    let (plugins, native): (Vec<RecipientString>, Vec<RecipientString>) = recipients
        .iter()
        .cloned()
        .partition(|r| r.plugin().is_some());
    let mut out = native
        .iter()
        .map(RecipientString::to_age)
        .collect::<Result<Vec<_>>>()?;
    out.extend(encryptors(&plugins)?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plugin_identity_is_read_with_its_recipient_and_never_echoed() {
        let id = age::plugin::Identity::default_for_plugin("kwtest")
            .unwrap()
            .to_string();
        let r = &kwtest_recipient();
        let forms = [
            format!("# created: now\n# recipient: {r}\n{id}\n"),
            format!("#       Serial: 1, Slot: 1\n#    Recipient: {r}\n{id}\n"),
            format!("# public key: {r}\n\"{id}\""),
        ];
        for text in forms {
            match parse_identity(&text) {
                Some(Ok((p, rec))) if rec.as_str() == r => assert_eq!(p.plugin(), "kwtest"),
                Some(Ok(_)) => panic!("wrong recipient"),
                Some(Err(e)) => panic!("{e}"),
                None => panic!("not found"),
            }
        }
        let bare = parse_identity(&id).unwrap().err().unwrap();
        assert!(bare.contains("without its recipient"), "{bare}");
        assert!(!bare.contains(&id[..20]), "{bare}");
        let broken = parse_identity("AGE-PLUGIN-KWTEST-1QQQQ")
            .unwrap()
            .err()
            .unwrap();
        assert!(!broken.contains("KWTEST-1QQQQ"), "{broken}");
        assert!(parse_identity("AGE-SECRET-KEY-1…").is_none());
    }

    fn kwtest_recipient() -> String {
        bech32::encode::<bech32::Bech32>(bech32::Hrp::parse("age1kwtest").unwrap(), &[7u8; 32])
            .unwrap()
    }

    #[test]
    fn plugin_recipients_are_recipients_that_name_their_plugin() {
        let r = kwtest_recipient();
        let parsed: RecipientString = r.to_uppercase().parse().unwrap();
        assert_eq!(parsed.as_str(), r, "stored canonical, in lower case");
        assert_eq!(parsed.plugin().as_deref(), Some("kwtest"));
        assert!(
            parsed.short().starts_with("age1kwtest1"),
            "{}",
            parsed.short()
        );
        let x25519: RecipientString = age::x25519::Identity::generate()
            .to_public()
            .to_string()
            .parse()
            .unwrap();
        assert_eq!(x25519.plugin(), None);
        assert!(
            format!("{}x", &r[..r.len() - 1])
                .parse::<RecipientString>()
                .is_err()
        );
    }

    #[test]
    fn plugin_messages_stay_on_one_line() {
        assert_eq!(clean("touch\nme\x1b[2J"), "touch\\nme\\u{1b}[2J");
        assert!(clean(&"x".repeat(500)).chars().count() <= 201);
    }
}
