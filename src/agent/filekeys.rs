//! A hardware identity served by its agent (DESIGN §18), on the command's side: every
//! header is first asked of the agent (`recall`); only when it keeps no key for it is
//! the token asked — by this process, so its PIN prompt and touch message appear in the
//! terminal of the command that needed them. The keys the token opened are held here
//! (by header) until the command has opened the environment and knows its touch
//! policy, which decides whether the agent keeps its key (`FileKeys::keep`) or not; a
//! key no environment claimed is zeroized when the command ends.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use age::secrecy::ExposeSecret;
use age_core::format::{FileKey, Stanza};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use zeroize::Zeroizing;

use super::dial::dial;
use super::protocol::{Reply, Request, decode_key};
use crate::error::{Error, Result};
use crate::identity::Unlocked;
use crate::identity::filekey::{FileKeys, Held, header_id};

/// The agent's side of a hardware identity's decryptions.
struct ThroughAgent {
    socket: PathBuf,
    /// The identity itself (its plugin): asked only for a header the agent has no key for.
    token: Box<dyn age::Identity + Send + Sync>,
    /// The keys the token opened in this process, until the command decides.
    unwrapped: Mutex<Vec<Held>>,
    /// The command's clock (unix ms).
    now: i64,
}

impl ThroughAgent {
    /// One request, over a connection [`dial`] checked (the peer is of our uid): a file
    /// key is never sent to, nor taken from, anything else.
    fn ask(&self, req: &Request) -> std::io::Result<Reply> {
        dial(&self.socket)?.call(req)
    }

    /// The key the agent keeps for `header`, if any (an agent gone or silent: none).
    fn recall(&self, header: &[u8; 32]) -> Option<FileKey> {
        let reply = self
            .ask(&Request::Recall {
                header: hex::encode(header),
                now: self.now,
            })
            .ok()?;
        let encoded = Zeroizing::new(reply.file_key?);
        let raw = Zeroizing::new(decode_key(&encoded)?);
        Held::new(*header, &raw).map(|h| h.file_key())
    }
}

impl age::Identity for ThroughAgent {
    fn unwrap_stanza(
        &self,
        stanza: &Stanza,
    ) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        self.unwrap_stanzas(std::slice::from_ref(stanza))
    }

    fn unwrap_stanzas(
        &self,
        stanzas: &[Stanza],
    ) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        let header = header_id(stanzas);
        if let Some(key) = self.recall(&header) {
            // age checks the header's MAC with it before anything is read.
            return Some(Ok(key));
        }
        let result = self.token.unwrap_stanzas(stanzas);
        if let Some(Ok(key)) = &result
            && let Some(held) = Held::new(header, key.expose_secret())
        {
            let mut unwrapped = self.unwrapped.lock().unwrap_or_else(|p| p.into_inner());
            unwrapped.retain(|h| h.header != header);
            unwrapped.push(held);
        }
        result
    }
}

/// The same object, as the identity `Unlocked` holds and as its file-key store.
struct Shared(Arc<ThroughAgent>);

impl age::Identity for Shared {
    fn unwrap_stanza(
        &self,
        stanza: &Stanza,
    ) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        self.0.unwrap_stanza(stanza)
    }

    fn unwrap_stanzas(
        &self,
        stanzas: &[Stanza],
    ) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        self.0.unwrap_stanzas(stanzas)
    }
}

impl FileKeys for ThroughAgent {
    fn any_unwrapped(&self) -> bool {
        !self
            .unwrapped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }

    fn take_unwrapped(&self, header: &[u8; 32]) -> Option<Held> {
        let mut unwrapped = self.unwrapped.lock().unwrap_or_else(|p| p.into_inner());
        let at = unwrapped.iter().position(|h| h.header == *header)?;
        Some(unwrapped.swap_remove(at))
    }

    fn keep(&self, label: &str, keys: Vec<Held>, until: Option<i64>, now: i64) -> Result<()> {
        for held in keys {
            let mut encoded = Zeroizing::new(B64.encode(held.key()));
            let req = Request::Keep {
                header: hex::encode(held.header),
                file_key: std::mem::take(&mut *encoded),
                label: label.to_owned(),
                until,
                now,
            };
            let reply = self.ask(&req);
            if let Request::Keep { mut file_key, .. } = req {
                zeroize::Zeroize::zeroize(&mut file_key);
            }
            match reply {
                Ok(r) if r.ok => {}
                Ok(r) => {
                    return Err(Error::Agent {
                        why: format!("did not keep a file key ({})", r.error.unwrap_or_default()),
                    });
                }
                Err(e) => {
                    return Err(Error::Agent {
                        why: format!("did not keep a file key ({e})"),
                    });
                }
            }
        }
        Ok(())
    }

    fn forget(&self, label: &str) -> Result<()> {
        self.ask(&Request::Forget {
            label: label.to_owned(),
        })
        .map(drop)
        .map_err(|e| Error::Agent {
            why: format!("did not forget file keys ({e})"),
        })
    }
}

/// `base` (a hardware identity read from its file) decrypting through the agent at
/// `socket`, at client time `now`.
pub(super) fn through_agent(base: Unlocked, socket: PathBuf, now: i64) -> Unlocked {
    base.keeping_keys(|token| {
        let shared = Arc::new(ThroughAgent {
            socket,
            token,
            unwrapped: Mutex::new(Vec::new()),
            now,
        });
        let keys: Arc<dyn FileKeys> = shared.clone();
        (Box::new(Shared(shared)), keys)
    })
}
