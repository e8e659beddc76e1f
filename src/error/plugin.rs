//! Errors of plugin, a group of [`Error`](super::Error) (each with its exit code).

#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    // ---- age plugins: hardware-backed identities and recipients (DESIGN §10)
    /// The plugin binary of the identity in use is not on `PATH` (5: cannot unlock).
    #[error(
        "`{binary}` is not on PATH: it is needed to unlock the identity in use\nhint: install {binary} (the plugin of your hardware key) and make sure it is on PATH"
    )]
    PluginMissing { binary: String },
    /// The plugin of a recipient is not on `PATH`: age encrypts to a plugin recipient
    /// through its plugin, so nothing can be written (1, refused before any write).
    #[error(
        "`{binary}` is not on PATH: keyward encrypts to its recipients through it; nothing was written\nhint: install {binary} and make sure it is on PATH (every writer of an environment with such a recipient needs it)"
    )]
    PluginMissingToEncrypt { binary: String },
    /// The plugin asked for `asks` (a PIN, a confirmation, a value) with no terminal.
    #[error(
        "`{binary}` asks for {asks} and there is no terminal to ask on\nhint: run the command on a terminal; a hardware identity cannot be unlocked unattended (give CI a plain identity of its own)"
    )]
    PluginNoTerminal { binary: String, asks: &'static str },
    /// The plugin asked to confirm something (`is the YubiKey plugged in?`) and the
    /// answer was no: the identity was not used.
    #[error(
        "`{binary}` asked for a confirmation and it was declined: the identity in use was not used\nhint: run it again and answer yes (plug the token in first)"
    )]
    PluginDeclined { binary: String },
    /// The plugin answered but did not unwrap (a wrong PIN, a missing token): `detail`
    /// is its own message, one line.
    #[error(
        "`{binary}` could not unlock the identity in use: {detail}\nhint: check the PIN and that the token is plugged in (a token locks itself after a few wrong PINs)"
    )]
    PluginRefused { binary: String, detail: String },
    #[error(
        "`{binary}` failed while unlocking the identity in use: {detail}; nothing was changed\nhint: run it again; if it fails again, check the token and the plugin's own documentation"
    )]
    PluginFailed { binary: String, detail: String },
    #[error(
        "`{binary}` failed while encrypting: {detail}; nothing was written\nhint: run it again; if it fails again, check that the plugin is the version the recipient needs"
    )]
    PluginEncryptFailed { binary: String, detail: String },
}

impl PluginError {
    /// This group's part of the one mapping from errors to exit codes (DESIGN §6).
    pub fn exit_code(&self) -> u8 {
        match self {
            PluginError::PluginMissing { .. }
            | PluginError::PluginNoTerminal { .. }
            | PluginError::PluginDeclined { .. }
            | PluginError::PluginRefused { .. }
            | PluginError::PluginFailed { .. } => 5,
            PluginError::PluginMissingToEncrypt { .. }
            | PluginError::PluginEncryptFailed { .. } => 1,
        }
    }
}
