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
pub mod signing;
pub mod token;
pub mod vault;
pub mod verifier;

mod agent;
mod cmd;
mod completion;
mod dotenv;

mod input;
mod ops;
mod output;
mod plugin;
mod redact;
mod scan;
mod sys;
mod text;

pub use completion::{SHELLS, render_completion};

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
            Err(e) => parse_failed(&e, false),
        };
    }
    let argv_utf8 = args.iter().all(|a| a.to_str().is_some());
    let cli = match cli::Cli::parse_line(args) {
        Ok(cli) => cli,
        Err(e) => return parse_failed(&e, argv_utf8),
    };
    // Before anything starts a thread or a process (a plugin, which age starts with
    // keyward's environment): keyward's credentials and AGEDEBUG leave the environment.
    if sys::withhold_credentials() {
        let _ = writeln!(
            std::io::stderr(),
            "warning: AGEDEBUG is set and ignored: age's debug output shows PINs, file keys and plugin identities"
        );
    }
    let result = dispatch(cli);
    // DESIGN §10: a PIN given to a plugin lives no longer than its command.
    plugin::forget_pins();
    finish(result)
}

/// A command line clap did not parse: help and version as clap prints them (exit 0),
/// errors as `Cli::error_text` words them (exit 2); `argv_utf8`: every argument was.
fn parse_failed(e: &clap::Error, argv_utf8: bool) -> ExitCode {
    if !e.use_stderr() {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let _ = std::io::stderr().write_all(cli::Cli::error_text(e, argv_utf8).as_bytes());
    ExitCode::from(2)
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

/// Run the command `cli` names: the context and output built once, then the command.
fn dispatch(cli: cli::Cli) -> Result<()> {
    use cli::Command;
    use cmd::*;
    let out = output::Output::new(cli.globals.json, cli.globals.quiet);
    // DESIGN §16: where the work tree's vault is found is checked before a command
    // reads it. Commands that never read the work tree's vault (identities, the
    // completions, git's textconv of the blobs it hands over) are not held to it; the
    // history walk of `audit verify --git` checks moves itself, and only the way to the
    // vault (no symlink inside the work tree) here.
    use crate::ops::LocationCheck;
    let check_location = match &cli.command {
        Command::Init(_)
        | Command::Identity(_)
        | Command::Unlock(_)
        | Command::Lock(_)
        | Command::Completions(_)
        | Command::Git(cmd::git::GitArgs {
            command: cmd::git::GitCommand::Textconv(_),
            ..
        }) => LocationCheck::None,
        Command::Audit(cmd::audit::AuditArgs {
            command: Some(cmd::audit::AuditCommand::Verify { git: true, .. }),
            ..
        }) => LocationCheck::Way,
        _ => LocationCheck::Full,
    };
    let globals = crate::ops::Globals {
        check_location,
        vault: cli.globals.vault.clone(),
        identity: cli.globals.identity.clone(),
        identity_in_argv: cli.globals.identity_in_argv,
        env: cli.globals.env.clone(),
        trust_root: cli.globals.trust_root.clone(),
    };
    let ctx = Ui {
        ctx: ops::Context::new(globals, Box::new(out.clone()))?,
        out,
    };
    // DESIGN §11: key files a `kill -9`ed `run --file` left behind (one readdir).
    crate::ops::files::sweep();
    // DESIGN §9: a vault in git without `git setup` gets line merges and no diffs.
    if !matches!(
        cli.command,
        Command::Init(_)
            | Command::Identity(_)
            | Command::Unlock(_)
            | Command::Lock(_)
            | Command::Completions(_)
            | Command::Git(_)
    ) {
        crate::ops::git::hint_if_not_set_up(
            &ctx,
            std::io::IsTerminal::is_terminal(&std::io::stderr()),
        );
        // DESIGN §16: which vault, when another one is at hand.
        crate::ops::team::say_vault(&ctx);
    }
    // DESIGN §16: changes others only see once committed and pushed — every command
    // that committed one (`Context::changed`; a read commits nothing), with what a
    // removal leaves open until then. Not `init`, which says how to keep a new vault in
    // the work tree itself, nor git's merge driver, whose result git commits.
    let reminder = match &cli.command {
        Command::Init(_) => None,
        Command::Git(a) => matches!(a.command, cmd::git::GitCommand::Resolve(_)).then_some(false),
        Command::Offboard(_) => Some(true),
        Command::Access(a) => Some(matches!(
            a.command,
            cmd::access::AccessCommand::Revoke { .. }
        )),
        _ => Some(false),
    };
    let done = match cli.command {
        Command::Init(a) => init::run(a, &ctx),
        Command::Identity(a) => identity::run(a, &ctx),
        Command::Unlock(a) => unlock::run_unlock(a, &ctx),
        Command::Lock(a) => unlock::run_lock(a, &ctx),
        Command::Env(a) => env::run(a, &ctx),
        Command::Generate(a) => generate::run(a, &ctx),
        Command::Set(a) => set::run(a, &ctx),
        Command::Get(a) => get::run(a, &ctx),
        Command::List(a) => list::run(a, &ctx),
        Command::Show(a) => show::run(a, &ctx),
        Command::Rotate(a) => rotate::run(a, &ctx),
        Command::Revoke(a) => revoke::run(a, &ctx),
        Command::Rename(a) => rename::run(a, &ctx),
        Command::Delete(a) => delete::run(a, &ctx),
        Command::Verify(a) => verify::run(a, &ctx),
        Command::Check(a) => check::run(a, &ctx),
        Command::Run(a) => run::run(a, &ctx),
        Command::Export(a) => export::run(a, &ctx),
        Command::Import(a) => import::run(a, &ctx),
        Command::Audit(a) => audit::run(a, &ctx),
        Command::Access(a) => access::run(a, &ctx),
        Command::Offboard(a) => offboard::run(a, &ctx),
        Command::Scan(a) => scan::run(a, &ctx),
        Command::Completions(a) => crate::completion::run(a, &ctx),
        Command::Trust(a) => trust::run(a, &ctx),
        Command::Git(a) => git::run(a, &ctx),
        Command::Render(a) => render::run(a, &ctx),
        Command::Hook(a) => hook::run(a, &ctx),
        Command::Verifier(a) => verifier::run(a, &ctx),
    };
    // Also after a partial success (exit 8, a later environment failing): what was
    // committed is committed.
    if let Some(removal) = reminder {
        crate::ops::team::say_commit_and_push(&ctx, removal);
    }
    if done.is_ok() {
        ctx.succeeded();
    }
    // Every command: a missing key or environment says where the name does exist.
    done.map_err(|e| crate::ops::team::explain(&ctx, ctx.explain_not_found(e)))
}
