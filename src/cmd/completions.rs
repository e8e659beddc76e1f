//! `keyward completions`, and the renderer of the committed `completions/` files.
//! `Cli::command()` is their single source, and the man pages' (rendered by
//! `tests/generated.rs`, which checks both against the committed files and rewrites them
//! with `KEYWARD_REGENERATE=1`).

use std::io::Write;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Context;
use crate::cli::Cli;
use crate::error::Result;
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
