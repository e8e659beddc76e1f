//! `keyward render`: fill a template's `{{ NAME }}` placeholders from the environment.

use std::path::PathBuf;

use clap::Args;

use super::Ui;
use crate::error::Result;
use crate::names::KeyName;
use crate::ops::render::RenderRequest;

/// Fill a template's {{ NAME }} placeholders with the environment's keys
///
/// Each `{{ NAME }}` (spaces inside optional, on one line) is replaced by the value of
/// the key NAME, byte for byte; `{{ "{{" }}` writes a literal `{{`. Any other `{{`, a
/// missing key (exit 3) or one that is revoked or expired (exit 4) is an error naming
/// the line and the placeholder, and nothing is written. A value with a line break is
/// refused unless --allow-multiline names its key.
///
/// The output goes to stdout, or with -o to a file created 0600 through a temp file and
/// a rename: never over an existing file without --force, never through a symbolic link.
/// The keys rendered are one access event, journaled before anything is written. A
/// rendered file is plaintext on disk: prefer `keyward run --file` where it will do.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward render -e prod config.yaml.tmpl -o config.yaml\n  keyward render app.env.tmpl | docker run --env-file /dev/stdin app\n  printf 'token = \"{{ API_TOKEN }}\"\\n' | keyward render - -o token.toml --force"
)]
pub struct RenderArgs {
    /// The template file (`-`: stdin)
    #[arg(value_name = "TEMPLATE")]
    pub template: PathBuf,

    /// Write the result to FILE (mode 0600) instead of stdout (`-`)
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Replace FILE if it exists (a symbolic link is refused even so)
    #[arg(long, requires = "out")]
    pub force: bool,

    /// Render this key although its value holds a line break (a PEM key, a JSON file);
    /// repeatable. Otherwise such a value is refused: in a line-oriented file (.env, INI,
    /// YAML) the lines after the break would be its writer's
    #[arg(long = "allow-multiline", value_name = "NAME")]
    pub allow_multiline: Vec<KeyName>,
}

pub fn run(args: RenderArgs, ctx: &Ui) -> Result<()> {
    super::delivery::require_stdout(super::delivery::is_stdout(args.out.as_deref()))?;
    let rendered = super::delivery::delivered(crate::ops::render::render(
        ctx,
        RenderRequest {
            template: &args.template,
            out: args.out.as_deref(),
            force: args.force,
            allow_multiline: &args.allow_multiline,
        },
    ))?;
    // On stdout the rendered text is the output; a report would corrupt it.
    if rendered.out.is_some() {
        ctx.out.render(&rendered)?;
    }
    Ok(())
}
