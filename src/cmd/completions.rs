//! `keyward completions`, and the renderers for the committed `completions/` and `man/`
//! files. `Cli::command()` is their single source; `tests/generated.rs` checks that the
//! committed files match, and rewrites them with `KEYWARD_REGENERATE=1`.

use std::io::Write;

use clap::{Args, CommandFactory};
use clap_complete::Shell;
use clap_mangen::roff::{Roff, bold, italic, roman};

use super::Context;
use crate::cli::Cli;
use crate::error::{EXIT_CODES, Error, Result};
use crate::output::stdout_error;

/// Print a shell completion script
///
/// Packagers install the committed files in `completions/`; this prints the same.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward completions bash > ~/.local/share/bash-completion/completions/keyward\n  keyward completions zsh > \"${fpath[1]}/_keyward\"\n  keyward completions fish > ~/.config/fish/completions/keyward.fish"
)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: CompletionsArgs, _ctx: &Context) -> Result<()> {
    std::io::stdout()
        .write_all(&render_completion(args.shell))
        .map_err(stdout_error)
}

/// The shells we ship completion files for.
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

pub fn render_completion(shell: Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "keyward", &mut out);
    out
}

/// Every man page: `(file name, contents)`, `keyward.1` first, then one per subcommand
/// (`keyward-rotate.1`, `keyward-access-grant.1`, …).
pub fn render_man_pages() -> Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut pages = vec![("keyward.1".to_owned(), render_main_page(&cmd)?)];
    let mut stack: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .cloned()
        .collect();
    while let Some(sub) = stack.pop() {
        stack.extend(
            sub.get_subcommands()
                .filter(|s| !s.is_hide_set() && s.get_name() != "help")
                .cloned(),
        );
        let man = clap_mangen::Man::new(sub.clone());
        let mut buf = Vec::new();
        man.render(&mut buf).map_err(render_error)?;
        pages.push((man.get_filename(), buf));
    }
    pages.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(pages
        .into_iter()
        .map(|(name, body)| (name, ascii_roff(&body)))
        .collect())
}

/// groff reads ASCII: write every other character as a `\[uXXXX]` escape.
fn ascii_roff(body: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(body);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", c as u32));
        }
    }
    out.into_bytes()
}

fn render_error(e: std::io::Error) -> Error {
    Error::Other(format!("cannot render man page: {e}"))
}

fn render_main_page(cmd: &clap::Command) -> Result<Vec<u8>> {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut buf = Vec::new();
    let e = render_error;
    man.render_title(&mut buf).map_err(e)?;
    man.render_name_section(&mut buf).map_err(e)?;
    man.render_synopsis_section(&mut buf).map_err(e)?;
    man.render_description_section(&mut buf).map_err(e)?;
    man.render_options_section(&mut buf).map_err(e)?;
    man.render_subcommands_section(&mut buf).map_err(e)?;
    man.render_extra_section(&mut buf).map_err(e)?;

    let mut roff = Roff::new();
    roff.control("SH", ["ENVIRONMENT"]);
    for (name, what) in ENVIRONMENT {
        roff.control("TP", []);
        roff.text([bold(*name)]);
        roff.text([roman(*what)]);
    }
    roff.control("SH", ["FILES"]);
    for (path, what) in FILES {
        roff.control("TP", []);
        roff.text([italic(*path)]);
        roff.text([roman(*what)]);
    }
    roff.control("SH", ["EXIT STATUS"]);
    for (code, what) in EXIT_CODES {
        roff.control("TP", []);
        roff.text([bold(code.to_string())]);
        roff.text([roman(*what)]);
    }
    roff.control("TP", []);
    roff.text([bold("run")]);
    roff.text([roman(
        "passes its child's exit code through (128+N when a signal killed it).",
    )]);
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(
        "age(1), sqlite3(1), and one page per subcommand: keyward-generate(1), keyward-rotate(1), …",
    )]);
    roff.to_writer(&mut buf).map_err(e)?;
    man.render_version_section(&mut buf).map_err(e)?;
    Ok(buf)
}

const ENVIRONMENT: &[(&str, &str)] = &[
    ("KEYWARD_VAULT", "The vault directory (as --vault)."),
    (
        "KEYWARD_IDENTITY",
        "The identity (as --identity): a path to an age identity file (plain or passphrase-protected), an SSH private key, or a literal AGE-SECRET-KEY-1... string, as a CI secret variable holds.",
    ),
    ("KEYWARD_ENV", "The environment (as --env); default dev."),
    (
        "KEYWARD_PASSPHRASE_FILE",
        "A file holding the passphrase of a passphrase-protected identity, for automation.",
    ),
    (
        "KEYWARD_PASSPHRASE",
        "The passphrase itself. Weaker than the file: other processes of the same user can read a process's environment.",
    ),
    (
        "KEYWARD_LOCK_TIMEOUT",
        "How long a writer waits for the environment lock (seconds or a duration; 0 tries once); default 10s. Then exit 7.",
    ),
    (
        "KEYWARD_REDACT",
        "1 or 0: whether `run` redacts injected values from its child's output by default (default: when the output is not a terminal).",
    ),
    ("NO_COLOR", "Disables colour and table borders."),
    (
        "XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_RUNTIME_DIR",
        "Where the default vault, the default identity and the agent socket live.",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        "$XDG_DATA_HOME/keyward/vault/envs/ENV.db.age",
        "An environment: a standard age file holding a standard SQLite database (0600).",
    ),
    (
        "$XDG_DATA_HOME/keyward/vault/envs/ENV.lock",
        "The writer lock of an environment.",
    ),
    (
        "$XDG_DATA_HOME/keyward/vault/journal/ENV.db",
        "The sealed, append-only access journal of an environment (0600).",
    ),
    (
        "$XDG_CONFIG_HOME/keyward/identity.age",
        "The default identity, protected by a passphrase (age scrypt).",
    ),
];
