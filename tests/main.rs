//! Integration tests: each module drives the real `keyward` binary through one area.

mod support;

mod access;
mod agent;
mod audit;
mod core;
mod daily_audit;
mod daily_complete;
mod daily_confirm;
mod daily_labels;
mod daily_obligations;
mod daily_rename;
mod daily_small;
mod daily_style;
mod errors;
mod export_import;
mod fixture;
mod generated;
mod hardening_identity;
mod hardening_lifecycle;
mod hardening_output;
mod hardening_run;
mod hardening_vault;
mod history;
mod history_git;
mod hygiene;
mod lifecycle;
mod random_access;
mod robustness;
mod run_cmd;
mod scan;
mod team_git;
