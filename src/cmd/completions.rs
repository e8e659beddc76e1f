//! `keyward completions`: its flags. The scripts are rendered by the `completion` module
//! from `Cli::command()` (above this layer: it reads the whole command line).
//!
//! clap_complete writes the static part (subcommands, flags). The bash, zsh and fish
//! scripts are then given a dynamic part: for key names (`get`, `show`, `rotate`,
//! `revoke`, `rename`, `delete`), `-e/--env` values and `access revoke`'s recipient
//! they run the hidden `keyward completions --list keys|envs|recipients`, which prints
//! candidates only when the identity opens without a prompt (`ops::complete`).

use clap::Args;
use clap_complete::Shell;

use crate::ops::complete::Candidates;

/// Print a shell completion script
///
/// Packagers install the committed files in `completions/`; this prints the same.
/// In bash, zsh and fish, key names, environments and recipients are completed too,
/// when the identity can be used without a prompt (a running `keyward unlock` agent, a
/// plain identity file, or KEYWARD_IDENTITY); otherwise only subcommands and flags.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward completions bash > ~/.local/share/bash-completion/completions/keyward\n  keyward completions zsh > \"${fpath[1]}/_keyward\"\n  keyward completions fish > ~/.config/fish/completions/keyward.fish"
)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum, required_unless_present = "list")]
    pub shell: Option<Shell>,

    /// For completion scripts: print the candidates, one per line (never prompts)
    #[arg(long, value_enum, hide = true, conflicts_with = "shell")]
    pub list: Option<Candidates>,
}
