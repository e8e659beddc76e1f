//! `age-plugin-kwtest`: a test-only age plugin, so keyward's plugin support (DESIGN §10)
//! is tested against the real plugin protocol without hardware. Built by `cargo test` as
//! an example; never installed by `cargo install`.
//!
//! It behaves like a PIN-protected token holding an X25519 key:
//!
//! - `age-plugin-kwtest` (no arguments) prints a new identity file as plugins do:
//!   `# recipient: age1kwtest1…` and `AGE-PLUGIN-KWTEST-1…` (the identity holds the
//!   X25519 secret key; a real token holds only a reference to its key).
//! - recipient-v1 wraps file keys to X25519 keys in stanzas tagged `kwtest`, with no PIN
//!   (encrypting needs only public keys, as with a YubiKey).
//! - identity-v1 unwraps `kwtest` stanzas only after the PIN [`PIN`] is given through the
//!   protocol's `request-secret` (the client's hidden prompt), and first sends the message
//!   "touch your kwtest token". It asks nothing for a file with no `kwtest` stanza.
//!
//! Test-only knobs (environment variables of the plugin process):
//!
//! - `AGE_PLUGIN_KWTEST_PIN`: the PIN to use instead of asking (as a token whose PIN
//!   policy is "once" and was already given), for clients without a terminal, such as
//!   Go `age` in a test;
//! - `AGE_PLUGIN_KWTEST_CRASH=wrap|unwrap`: exit abruptly in the middle of the protocol;
//! - `AGE_PLUGIN_KWTEST_CONFIRM=1`: first ask "Is the kwtest token plugged in?" through
//!   the protocol's `confirm` (as age-plugin-yubikey does), and skip the file unless the
//!   answer is yes;
//! - `AGE_PLUGIN_KWTEST_LOG=FILE`: append one line to FILE each time the token is asked
//!   to open a file (a PIN and a touch), so tests count them.

use std::collections::{HashMap, HashSet};
use std::io;

use age::secrecy::ExposeSecret;
use age_core::format::{FileKey, Stanza};
use age_plugin::identity::{self, IdentityPluginV1};
use age_plugin::recipient::{self, RecipientPluginV1};
use age_plugin::{Callbacks, PluginHandler, print_new_identity, run_state_machine};
use bech32::Hrp;

const NAME: &str = "kwtest";
/// The stanza tag of this plugin's recipients.
const TAG: &str = "kwtest";
/// The PIN of every kwtest "token".
const PIN: &str = "24680";

fn x25519_recipient(public: &[u8]) -> Option<age::x25519::Recipient> {
    let hrp = Hrp::parse("age").ok()?;
    bech32::encode::<bech32::Bech32>(hrp, public)
        .ok()?
        .parse()
        .ok()
}

fn x25519_identity(secret: &[u8]) -> Option<age::x25519::Identity> {
    let hrp = Hrp::parse("age-secret-key-").ok()?;
    let text = bech32::encode::<bech32::Bech32>(hrp, secret)
        .ok()?
        .to_uppercase();
    text.parse().ok()
}

fn crash_at(point: &str) {
    if std::env::var("AGE_PLUGIN_KWTEST_CRASH").as_deref() == Ok(point) {
        eprintln!("age-plugin-kwtest: crashing at {point} (AGE_PLUGIN_KWTEST_CRASH)");
        std::process::exit(70);
    }
}

/// At `point`, move the file `AGE_PLUGIN_KWTEST_PLANT` names to the path
/// `AGE_PLUGIN_KWTEST_PLANT_AT` names (a `git pull` landing while keyward writes).
fn plant_at(point: &str) {
    if let (Some(from), Some(to)) = (
        std::env::var_os("AGE_PLUGIN_KWTEST_PLANT"),
        std::env::var_os("AGE_PLUGIN_KWTEST_PLANT_AT"),
    ) && std::env::var("AGE_PLUGIN_KWTEST_PLANT_WHEN").as_deref() == Ok(point)
    {
        std::fs::rename(from, to).expect("planting the file");
    }
}

struct Handler;

impl PluginHandler for Handler {
    type RecipientV1 = Wrapper;
    type IdentityV1 = Unwrapper;

    fn recipient_v1(self) -> io::Result<Wrapper> {
        Ok(Wrapper(Vec::new()))
    }

    fn identity_v1(self) -> io::Result<Unwrapper> {
        Ok(Unwrapper(Vec::new()))
    }
}

/// recipient-v1: the X25519 keys to wrap to.
struct Wrapper(Vec<age::x25519::Recipient>);

impl RecipientPluginV1 for Wrapper {
    fn add_recipient(
        &mut self,
        index: usize,
        plugin_name: &str,
        bytes: &[u8],
    ) -> Result<(), recipient::Error> {
        match x25519_recipient(bytes).filter(|_| plugin_name == NAME) {
            Some(r) => {
                self.0.push(r);
                Ok(())
            }
            None => Err(recipient::Error::Recipient {
                index,
                message: "not a kwtest recipient".into(),
            }),
        }
    }

    fn add_identity(
        &mut self,
        index: usize,
        plugin_name: &str,
        bytes: &[u8],
    ) -> Result<(), recipient::Error> {
        match x25519_identity(bytes).filter(|_| plugin_name == NAME) {
            Some(id) => {
                self.0.push(id.to_public());
                Ok(())
            }
            None => Err(recipient::Error::Identity {
                index,
                message: "not a kwtest identity".into(),
            }),
        }
    }

    fn labels(&mut self) -> HashSet<String> {
        HashSet::new()
    }

    fn wrap_file_keys(
        &mut self,
        file_keys: Vec<FileKey>,
        _callbacks: impl Callbacks<recipient::Error>,
    ) -> io::Result<Result<Vec<Vec<Stanza>>, Vec<recipient::Error>>> {
        crash_at("wrap");
        plant_at("wrap");
        let mut files = Vec::new();
        for file_key in &file_keys {
            let mut stanzas = Vec::new();
            for r in &self.0 {
                let (wrapped, _) = age::Recipient::wrap_file_key(r, file_key)
                    .map_err(|e| io::Error::other(e.to_string()))?;
                stanzas.extend(wrapped.into_iter().map(|s| Stanza {
                    tag: TAG.into(),
                    args: s.args,
                    body: s.body,
                }));
            }
            files.push(stanzas);
        }
        Ok(Ok(files))
    }
}

/// identity-v1: the X25519 keys the "token" holds.
struct Unwrapper(Vec<age::x25519::Identity>);

impl IdentityPluginV1 for Unwrapper {
    fn add_identity(
        &mut self,
        index: usize,
        plugin_name: &str,
        bytes: &[u8],
    ) -> Result<(), identity::Error> {
        match x25519_identity(bytes).filter(|_| plugin_name == NAME) {
            Some(id) => {
                self.0.push(id);
                Ok(())
            }
            None => Err(identity::Error::Identity {
                index,
                message: "not a kwtest identity".into(),
            }),
        }
    }

    fn unwrap_file_keys(
        &mut self,
        files: Vec<Vec<Stanza>>,
        mut callbacks: impl Callbacks<identity::Error>,
    ) -> io::Result<HashMap<usize, Result<FileKey, Vec<identity::Error>>>> {
        let mut out = HashMap::new();
        for (file, stanzas) in files.into_iter().enumerate() {
            let ours: Vec<Stanza> = stanzas
                .into_iter()
                .filter(|s| s.tag == TAG)
                .map(|s| Stanza {
                    tag: "X25519".into(),
                    args: s.args,
                    body: s.body,
                })
                .collect();
            if ours.is_empty() {
                continue;
            }
            crash_at("unwrap");
            if let Some(log) = std::env::var_os("AGE_PLUGIN_KWTEST_LOG") {
                use std::io::Write;
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(log)
                    .and_then(|mut f| f.write_all(b"asked\n"))?;
            }
            if std::env::var_os("AGE_PLUGIN_KWTEST_CONFIRM").is_some() {
                let answer = callbacks.confirm(
                    "Is the kwtest token plugged in?",
                    "use it",
                    Some("skip it"),
                )?;
                if !matches!(answer, Ok(true)) {
                    continue;
                }
            }
            let pin = match std::env::var("AGE_PLUGIN_KWTEST_PIN") {
                Ok(pin) => Ok(pin),
                Err(_) => callbacks
                    .request_secret("Enter the PIN of the kwtest token")?
                    .map(|s| s.expose_secret().to_owned()),
            };
            let refused = |message: &str| {
                vec![identity::Error::Identity {
                    index: 0,
                    message: message.into(),
                }]
            };
            match pin {
                Err(_) => {
                    out.insert(file, Err(refused("a PIN is needed and none was given")));
                    continue;
                }
                Ok(pin) if pin != PIN => {
                    out.insert(file, Err(refused("wrong PIN")));
                    continue;
                }
                Ok(_) => {}
            }
            let _ = callbacks.message("touch your kwtest token")?;
            let key = ours.iter().find_map(|s| {
                self.0
                    .iter()
                    .find_map(|id| age::Identity::unwrap_stanza(id, s).and_then(Result::ok))
            });
            if let Some(key) = key {
                out.insert(file, Ok(key));
            }
        }
        Ok(out)
    }
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(machine) = args.iter().find_map(|a| a.strip_prefix("--age-plugin=")) {
        return run_state_machine(machine, Handler);
    }
    let id = age::x25519::Identity::generate();
    let (_, secret) = bech32::decode(id.to_string().expose_secret()).expect("valid key");
    let (_, public) = bech32::decode(&id.to_public().to_string()).expect("valid recipient");
    print_new_identity(NAME, &secret, &public);
    Ok(())
}
