//! The keyward agent (DESIGN §3, §18): holds one decrypted identity in memory behind a
//! 0600 Unix socket, so interactive commands stop paying a ~1 s scrypt unlock each —
//! or, for a hardware (plugin) identity, the file keys its token opened, so a token is
//! asked once per version of an environment file rather than once per command.
//!
//! The identity never leaves the agent. Clients send the recipient stanzas of the file
//! they open; the agent answers with the unwrapped file key or "no match". A hardware
//! identity's agent holds no identity: it answers with a key it keeps for that header,
//! and keeps the keys a client's token opened or its writes made. The agent
//! serves only peers of its own uid (`SO_PEERCRED`), ends after its idle duration (which
//! a later `unlock` may lengthen, never shorten), on
//! `keyward lock` or SIGTERM, and removes its socket. One agent per socket: it holds a
//! lock beside it for its life, so a second one started for the same identity file
//! gives way instead of taking the socket over (which left the first out of `lock`'s
//! reach). A peer gets two seconds for its whole request, so none holds the agent (one
//! connection at a time) against `lock`, SIGTERM or the idle time; `lock` checks the
//! process ended. A client refuses a socket with the wrong owner or mode (its own
//! directory's loose mode it repairs), a runtime directory another user could change,
//! and — on every connection, before it sends anything — a listener that is not of its
//! uid; it treats an agent that does not answer, or anything not a socket at the
//! socket's path, as absent, and replaces a stale socket.
//!
//! - [`protocol`]: where the socket is and what travels over it (one JSON line each way);
//! - [`dial`]: the one way a client connects, checking the runtime directory, the socket
//!   and the peer's uid (`SO_PEERCRED`) on every connection, before anything is sent;
//! - [`client`]: what commands use: find, start, ask, extend and stop an agent;
//! - [`filekeys`]: a hardware identity decrypting through its agent;
//! - [`server`]: the agent process itself (`keyward __agent`), with what it holds
//!   ([`held`]) and the file keys it keeps ([`keys`]).

pub mod client;
mod dial;
pub mod filekeys;
mod held;
mod keys;
pub mod protocol;
pub mod server;

pub use client::{client_for, extend, hello, spawn, stop, stop_all};
pub use server::serve;
