//! Transitional re-exports: `crypto` was split into `secret`, `identity`, `recipient`,
//! `token`, `input` and `sys` (issue 14, "one home per concern"). Old `crate::crypto::X`
//! paths keep compiling through this file until the lead sweeps them; it owns nothing
//! and new code must not use it.

pub use crate::identity::*;
pub use crate::input::{check_value, read_value};
pub use crate::recipient::{RecipientString, short_recipient};
pub use crate::secret::{Secret, fingerprint};
pub use crate::sys::harden_process;
pub use crate::token::{
    BASE62, DEFAULT_BYTES, DEFAULT_PREFIX, Format, GenSpec, MAX_BYTES, MIN_BYTES,
    TOKEN_CHECK_CHARS, TOKEN_RANDOM_CHARS, TokenInfo, generate, mask, parse_token,
};
