//! Integration tests: one binary, one module per command or concern; each drives the
//! real `keyward` binary inside a `Sandbox` (`support`).

/// The real peers (sops, gpg and pass, age, kubectl) for the migration and platform tests.
#[path = "support/peers.rs"]
mod peers;
mod support;

mod access;
mod agent;
mod atomic_writes;
mod audit;
mod audit_anomalies;
mod audit_chain;
mod audit_follow;
mod audit_log;
mod check;
mod completion;
mod confirm;
mod corrupt_file;
mod docs;
mod expiry;
mod export_import;
mod exposure;
mod generate;
mod generated;
mod git;
mod git_history;
mod hardware;
mod hygiene;
mod identity;
mod import_peers;
mod init;
mod keys_as_files;
mod list;
mod merge;
mod merge_random;
mod not_found;
mod offboard;
mod output;
mod passphrase;
mod pins;
mod pipes;
mod platform_outputs;
mod random_access;
mod redact;
mod references;
mod removed_member;
mod rename_delete;
mod render;
mod revoke;
mod rotate;
mod rotation_hooks;
mod run;
mod scan;
mod set_get;
mod signed;
mod tamper;
mod usage;
mod vault_files;
mod vault_format;
mod verifier;
mod verifier_postgres;
mod verifier_redis;
mod verify;
