//! Integration tests: each module drives the real `keyward` binary through one area.

mod support;

mod access;
mod robustness;
mod audit;
mod core;
mod lifecycle;
