//! Values that rotation hooks issued and a change could not store (DESIGN §11). Once a
//! hook has run, its provider may have rolled the key: the old value may no longer
//! work, and the new one exists nowhere else. So a change that fails after its hooks
//! ran keeps their values on this machine, beside its pins (never in the vault, where a
//! commit could carry them), one age file per key, encrypted to the environment's
//! recipients (who may read the value anyway), until a person stores them.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::names::KeyName;
use crate::vault::store::EnvDb;

impl EnvDb {
    /// The values kept for this environment and not yet stored (files a person removes
    /// once each is stored): each file with the key it was issued for, oldest first.
    /// `check` reports them, so a kept value is not forgotten.
    pub fn kept_issued(&self) -> Result<Vec<(String, PathBuf)>> {
        let Some(pins) = &self.paths.pins else {
            return Ok(Vec::new());
        };
        let dir = pins.dir.join("issued");
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            // Never "nothing kept" for a directory that does not read.
            Err(e) => return Err(Error::io("cannot read", &dir, e)),
        };
        // `<env>-<time>-<NAME>.age`, read from the right: a key name holds no `-`, an
        // environment's name may (`dev-2` is not `dev`).
        let mut kept: Vec<(String, PathBuf)> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let file = e.file_name().into_string().ok()?;
                let (rest, name) = file.strip_suffix(".age")?.rsplit_once('-')?;
                let (env, time) = rest.rsplit_once('-')?;
                time.parse::<i64>().ok()?;
                (env == self.env.as_str()).then(|| (name.to_owned(), e.path()))
            })
            .collect();
        kept.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(kept)
    }

    /// Keep `values` (key name, value) in new files `issued/<env>-<time>-<NAME>.age`
    /// beside this machine's pins; the files written, and whether they are encrypted to
    /// every recipient (`false`: a plugin recipient could not be reached, which may be
    /// why the change failed, and only the others were used). Each holds the value
    /// alone, so `age -d -i IDENTITY FILE | keyward rotate -e ENV NAME --no-hook`
    /// stores it as it was issued.
    pub fn keep_issued(
        &self,
        values: &[(&KeyName, &[u8])],
        now: i64,
    ) -> Result<(Vec<PathBuf>, bool)> {
        let pins = self.paths.pins.as_ref().ok_or(Error::Internal(
            "no state directory to keep issued values in",
        ))?;
        let dir = pins.dir.join("issued");
        match fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Error::UnsafeVaultPath {
                    path: dir,
                    why: "is not a directory".into(),
                });
            }
            Err(_) => fs::DirBuilder::new()
                .mode(0o700)
                .create(&dir)
                .map_err(|e| Error::io("cannot create directory", &dir, e))?,
        }
        let all = self.recipient_strings()?;
        let native: Vec<_> = all
            .iter()
            .filter(|r| r.plugin().is_none())
            .cloned()
            .collect();
        let to = |recipients: &[crate::recipient::RecipientString]| {
            crate::plugin::encrypt_to(recipients)
                .and_then(|b| crate::vault::store::encryptor_for(&b))
        };
        let every = to(&all).is_ok();
        let mut kept = Vec::with_capacity(values.len());
        for (name, value) in values {
            let path = dir.join(format!("{}-{now}-{name}.age", self.env));
            let encryptor = match (every, native.is_empty()) {
                (true, _) | (false, true) => to(&all)?,
                (false, false) => to(&native)?,
            };
            // A new file, never through a link, never over another.
            let file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(crate::sys::O_NOFOLLOW)
                .open(&path)
                .map_err(|e| crate::fsutil::nofollow_error("cannot create", &path, e))?;
            let written = (|| -> std::io::Result<()> {
                let mut w = encryptor
                    .wrap_output(&file)
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                w.write_all(value)?;
                w.finish()?;
                file.sync_all()
            })();
            written.map_err(|e| {
                let _ = fs::remove_file(&path);
                Error::io("cannot write", &path, e)
            })?;
            kept.push(path);
        }
        crate::fsutil::sync_dir(&dir).map_err(|e| Error::io("cannot sync", &dir, e))?;
        Ok((kept, every))
    }
}
