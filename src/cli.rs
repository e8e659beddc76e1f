//! The command line (DESIGN §6): global flags and one subcommand per module in `cmd`.
//! `Cli::command()` is the single source for `--help`, the man pages and completions.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::cmd;
use crate::names::EnvName;

#[derive(Debug, Parser)]
#[command(
    name = "keyward",
    version,
    about = "An age-encrypted vault for API keys: generate, inject, rotate, revoke, scan and audit",
    long_about = "keyward keeps API keys in an age-encrypted SQLite vault, one encrypted file per \
environment (dev, test, prod). It generates keys with a CSPRNG, injects them into commands, \
rotates, expires and revokes them, scans code for leaks and keeps a tamper-evident audit trail.\n\n\
Values never come from the command line: `set`, `rotate` of an imported key and `verify` read \
them from stdin or a hidden prompt.",
    after_help = "Examples:\n  keyward init\n  keyward generate STRIPE_KEY --scope payments --rotate-every 90d\n  keyward get STRIPE_KEY\n  keyward run -e prod -- ./deploy.sh\n  keyward list --all-envs"
)]
pub struct Cli {
    #[command(flatten)]
    pub globals: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// The flags every subcommand takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Vault directory [default: $XDG_DATA_HOME/keyward/vault]
    #[arg(
        long,
        global = true,
        env = "KEYWARD_VAULT",
        value_name = "DIR",
        hide_env_values = true
    )]
    pub vault: Option<PathBuf>,

    /// Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead
    #[arg(
        short = 'i',
        long,
        global = true,
        env = "KEYWARD_IDENTITY",
        value_name = "IDENTITY",
        hide_env_values = true
    )]
    pub identity: Option<String>,

    /// Environment to act on [default: dev]
    #[arg(
        short = 'e',
        long = "env",
        global = true,
        env = "KEYWARD_ENV",
        value_name = "ENV",
        hide_env_values = true
    )]
    pub env: Option<EnvName>,

    /// The trust root every environment's signed history must have (`keyward trust root
    /// -e ENV` prints each environment's): a fingerprint, or several separated by commas.
    /// Pin it in CI: a repository rewritten from another start, or replaced by another
    /// vault of the same admins, is then refused (exit 6)
    #[arg(
        long,
        global = true,
        env = "KEYWARD_TRUST_ROOT",
        value_name = "FINGERPRINT",
        hide_env_values = true
    )]
    pub trust_root: Option<String>,

    /// Print data as JSON
    #[arg(long, global = true)]
    pub json: bool,

    /// Print no notes on stderr (errors and warnings still show)
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Whether `identity` came from the command line (`-i`/`--identity`) rather than
    /// `KEYWARD_IDENTITY`: a secret key is refused there, whatever the variable holds.
    #[arg(skip)]
    pub identity_in_argv: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(cmd::init::InitArgs),
    Identity(cmd::identity::IdentityArgs),
    Unlock(cmd::unlock::UnlockArgs),
    Lock(cmd::unlock::LockArgs),
    Env(cmd::env::EnvArgs),
    Generate(cmd::generate::GenerateArgs),
    Set(cmd::set::SetArgs),
    Get(cmd::get::GetArgs),
    List(cmd::list::ListArgs),
    Show(cmd::show::ShowArgs),
    Rotate(cmd::rotate::RotateArgs),
    Revoke(cmd::revoke::RevokeArgs),
    Rename(cmd::rename::RenameArgs),
    Delete(cmd::delete::DeleteArgs),
    Verify(cmd::verify::VerifyArgs),
    Check(cmd::check::CheckArgs),
    Run(cmd::run::RunArgs),
    Export(cmd::export::ExportArgs),
    Import(cmd::import::ImportArgs),
    Audit(cmd::audit::AuditArgs),
    Access(cmd::access::AccessArgs),
    Offboard(cmd::offboard::OffboardArgs),
    Trust(cmd::trust::TrustArgs),
    Git(cmd::git::GitArgs),
    Scan(cmd::scan::ScanArgs),
    Completions(cmd::completions::CompletionsArgs),
    Render(cmd::render::RenderArgs),
    Hook(cmd::hook::HookArgs),
    Verifier(cmd::verifier::VerifierArgs),
}

/// The commands run most often, read without building every other subcommand's
/// arguments: clap builds the whole command tree before it parses, 0.5 ms and 150 page
/// faults of a 3.4 ms `get` (DESIGN §7). The same flags and the same argument structs as
/// `Cli`, so a line it accepts means what it means to `Cli`; whatever it does not accept
/// (help, the version, any error) is `Cli`'s to answer, word for word.
#[derive(Debug, Parser)]
#[command(name = "keyward")]
struct Frequent {
    #[command(flatten)]
    globals: GlobalArgs,

    #[command(subcommand)]
    command: FrequentCommand,
}

#[derive(Debug, Subcommand)]
enum FrequentCommand {
    Get(cmd::get::GetArgs),
    Show(cmd::show::ShowArgs),
    List(cmd::list::ListArgs),
    Run(cmd::run::RunArgs),
}

impl Cli {
    /// `Cli::try_parse_from(args)`, through `Frequent` when the line names one of its
    /// commands and asks for no help or version.
    /// A command-line error as printed: clap's text without colors, escaped like every
    /// other output (a name or value from a script's input could hold terminal escapes).
    /// An extra argument that is not a flag is not repeated: the slip `keyward set NAME
    /// VALUE` would put the value in the error, and so in a CI log. `argv_utf8`: every
    /// argument was UTF-8, so bytes that are not came from a variable clap read, which
    /// is named (clap says "arguments", which sends the user looking in the wrong place).
    pub fn error_text(e: &clap::Error, argv_utf8: bool) -> String {
        use clap::error::{ContextKind, ContextValue, ErrorKind};
        if argv_utf8
            && e.kind() == ErrorKind::InvalidUtf8
            && let Some(var) = ["KEYWARD_ENV", "KEYWARD_TRUST_ROOT", "KEYWARD_IDENTITY"]
                .into_iter()
                .find(|v| std::env::var_os(v).is_some_and(|x| x.to_str().is_none()))
        {
            return format!(
                "error: {var} is not valid UTF-8 (its value is not shown)\nhint: set {var} to a valid value, or unset it\n"
            );
        }
        if e.kind() == ErrorKind::UnknownArgument
            && let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg)
            && !arg.starts_with('-')
            && !crate::text::is_secret_key(arg)
        {
            return "error: unexpected extra argument (not shown: it may be a value)\nhint: keyward reads values from stdin or the terminal, never from its arguments: `printf %s \"$VALUE\" | keyward set NAME`; `keyward help COMMAND` shows a command's arguments\n".into();
        }
        // The words clap repeats from the command line: a refused value (of any kind), a
        // subcommand, an unknown argument (not an argument's own name).
        let mut words: Vec<&String> = Vec::new();
        for kind in [ContextKind::InvalidValue, ContextKind::InvalidSubcommand] {
            if let Some(ContextValue::String(w)) = e.get(kind) {
                words.push(w);
            }
        }
        if e.kind() == ErrorKind::UnknownArgument
            && let Some(ContextValue::String(w)) = e.get(ContextKind::InvalidArg)
        {
            words.push(w);
        }
        if words.iter().any(|w| crate::text::is_secret_key(w)) {
            return "error: a secret key was given as an argument; it is not shown, and nothing was done\nhint: arguments are visible to other processes and kept in shell history: treat that key as exposed (make a new identity, and have it granted in place of the old one)\n".into();
        }
        let mut text = e.render().to_string();
        let hidden = |w: &str| {
            format!(
                "({} characters, not shown: it may be a value)",
                w.chars().count()
            )
        };
        for w in words {
            // One that may be a value is not repeated (a recipient is public, and long
            // by nature: shown); `NAME=VALUE` only up to its `=`, when a name is before.
            if crate::text::may_be_a_value(w) && !crate::recipient::looks_like_recipient(w) {
                text = text.replace(w.as_str(), &hidden(w));
            } else if let Some((name, _)) = w.split_once('=') {
                let shown = match name.parse::<crate::names::KeyName>() {
                    Ok(_) => format!("{name}=…"),
                    Err(_) => hidden(w),
                };
                text = text.replace(w.as_str(), &shown);
            }
        }
        crate::text::escape_lines(&text).into_owned()
    }

    pub fn parse_line(args: Vec<OsString>) -> Result<Cli, clap::Error> {
        let words = args.get(1..).unwrap_or_default();
        let frequent = words
            .iter()
            .any(|w| matches!(w.to_str(), Some("get" | "show" | "list" | "run")));
        let asks = words.iter().any(|w| {
            matches!(
                w.to_str(),
                Some("-h" | "--help" | "help" | "-V" | "--version")
            )
        });
        if frequent
            && !asks
            && let Ok((f, in_argv)) = parse_noting_identity::<Frequent>(&args)
        {
            let mut globals = f.globals;
            globals.identity_in_argv = in_argv;
            return Ok(Cli {
                globals,
                command: match f.command {
                    FrequentCommand::Get(a) => Command::Get(a),
                    FrequentCommand::Show(a) => Command::Show(a),
                    FrequentCommand::List(a) => Command::List(a),
                    FrequentCommand::Run(a) => Command::Run(a),
                },
            });
        }
        let (mut cli, in_argv) = parse_noting_identity::<Cli>(&args)?;
        cli.globals.identity_in_argv = in_argv;
        Ok(cli)
    }
}

/// `T::try_parse_from(args)`, and whether `--identity` was given on the command line
/// (clap's value source: the flag before or after the subcommand, in any spelling).
fn parse_noting_identity<T: clap::CommandFactory + clap::FromArgMatches>(
    args: &[OsString],
) -> Result<(T, bool), clap::Error> {
    let mut matches = T::command().try_get_matches_from(args)?;
    let in_argv = matches.value_source("identity") == Some(clap::parser::ValueSource::CommandLine);
    let parsed = T::from_arg_matches_mut(&mut matches)?;
    Ok((parsed, in_argv))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<OsString> {
        line.split(' ').map(OsString::from).collect()
    }

    /// Every line of the frequent commands takes the short way, and means there what the
    /// whole command line makes of it: the same flags, values and subcommand.
    #[test]
    fn the_frequent_commands_parse_as_the_whole_command_line_does() {
        for line in [
            "keyward get KEY",
            "keyward -e prod get KEY -n",
            "keyward get --json KEY --version 2",
            "keyward --vault /v -i id --trust-root abc get KEY",
            "keyward -q show KEY",
            "keyward list --all-envs --status expired",
            "keyward list --jsonl -e test",
            "keyward run -- env",
            "keyward -e prod run --only A,B --strict -- ./deploy.sh get",
            "keyward run --file A --allow-disk --no-redact -- cat -n",
        ] {
            let (mut whole, in_argv) = parse_noting_identity::<Cli>(&words(line)).expect(line);
            whole.globals.identity_in_argv = in_argv;
            assert!(Frequent::try_parse_from(words(line)).is_ok(), "{line}");
            let fast = Cli::parse_line(words(line)).expect(line);
            assert_eq!(format!("{whole:?}"), format!("{fast:?}"), "{line}");
            assert_eq!(
                fast.globals.identity_in_argv,
                line.contains(" -i "),
                "{line}"
            );
        }
    }

    /// Help, the version and every error come from the whole command line, word for word.
    #[test]
    fn what_the_short_way_does_not_take_the_whole_command_line_answers() {
        for line in [
            "keyward get",
            "keyward get --help",
            "keyward help get",
            "keyward list --bogus",
            "keyward run",
            "keyward access list",
            "keyward rotate get",
            "keyward -V",
        ] {
            let answer = |r: Result<Cli, clap::Error>| match r {
                Ok(cli) => format!("{cli:?}"),
                Err(e) => format!("{:?}: {e}", e.kind()),
            };
            assert_eq!(
                answer(Cli::try_parse_from(words(line))),
                answer(Cli::parse_line(words(line))),
                "{line}"
            );
        }
    }
}
