//! The keyward agent (in progress).

use std::path::Path;

use crate::crypto::Unlocked;
use crate::error::Result;

/// An identity served by a running agent for `identity_path`, if one runs.
pub fn client_for(_identity_path: &Path) -> Result<Option<Unlocked>> {
    Ok(None)
}
