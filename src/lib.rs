//! keyward: an age-encrypted SQLite vault for API keys.
//!
//! `run` parses the command line, dispatches to `cmd`, and prints an error once.
//! Everything below returns errors and never prints them.

// Public: what the integration tests (the clap definition, exit codes, completions) and
// the benches (fixtures built through the library) use. Everything else is private, so
// rustc reports code nothing calls.
pub mod audit;
pub mod cli;
pub mod codes;
pub mod error;
pub mod fsutil;
pub mod identity;
pub mod names;
pub mod recipient;
pub mod secret;
pub mod token;
pub mod vault;
pub mod verifier;

mod agent;
mod cmd;
mod dotenv;

mod input;
mod ops;
mod output;
mod plugin;
mod redact;
mod scan;
mod sys;
mod text;

pub use cmd::completions::{SHELLS, render_completion};

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub use error::{Error, Result};

/// Parse `args`, run the command, print any error once, and return the exit code of
/// DESIGN §6.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    // DESIGN §2: no core dumps. A refusal is a warning, not a failure: the command is
    // still safe to run, but the user should know the backstop is missing.
    for refused in sys::harden_process() {
        let _ = writeln!(std::io::stderr(), "warning: {refused}");
    }
    let args: Vec<OsString> = args.into_iter().collect();
    // The agent process (spawned by `unlock`) is not part of the user's command line.
    if args.get(1).is_some_and(|a| a == "__agent") {
        let agent_args = std::iter::once(args[0].clone()).chain(args[2..].iter().cloned());
        return match cmd::unlock::AgentArgs::try_parse_from(agent_args) {
            Ok(a) => finish(cmd::unlock::run_agent(a)),
            Err(e) => {
                let _ = e.print();
                ExitCode::from(2)
            }
        };
    }
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = cmd::dispatch(cli);
    // DESIGN §10: a PIN given to a plugin lives no longer than its command.
    plugin::forget_pins();
    finish(result)
}

/// Print an error once (escaped like every other output) and map it to its exit code.
fn finish(result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !e.is_silent() {
                // Errors echo paths and names: escaped like every other output.
                let _ = writeln!(
                    std::io::stderr(),
                    "error: {}",
                    output::escape_lines(&e.to_string())
                );
            }
            ExitCode::from(e.exit_code())
        }
    }
}
