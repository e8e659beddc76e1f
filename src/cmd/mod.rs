//! One module per command: its flags (clap `Args`, whose doc comments are the help) and
//! a short `run` that calls one operation in `ops` and renders its report. The flags
//! several commands share live here.

pub mod access;
pub mod audit;
pub mod check;
pub mod completions;
pub mod confirm;
pub mod delete;
pub mod env;
pub mod export;
pub mod generate;
pub mod get;
pub mod git;
pub mod hook;
pub mod identity;
pub mod import;
pub mod init;
pub mod list;
pub mod offboard;
pub mod rename;
pub mod render;
pub mod revoke;
pub mod rotate;
pub mod run;
pub mod scan;
pub mod set;
pub mod show;
pub mod trust;
pub mod unlock;
pub mod verifier;
pub mod verify;

use clap::Args;

use crate::cli::{Cli, Command};
use crate::output::Output;
use crate::error::{Error, Result};
use crate::names::{Dur, When};
use crate::vault::NewKey;

pub use crate::ops::context::Context;

/// Metadata flags shared by `generate`, `set` and `rotate`.
#[derive(Debug, Clone, Args, Default)]
pub struct KeyMetaArgs {
    /// A scope the key grants (repeatable), e.g. `payments:write`
    #[arg(long = "scope", value_name = "SCOPE", value_parser = parse_scope)]
    pub scopes: Vec<String>,

    /// When the key expires: RFC 3339, YYYY-MM-DD, or a duration from now (90d)
    #[arg(long, value_name = "WHEN")]
    pub expires: Option<When>,

    /// How often the key should be rotated (`check` and `rotate --all --due` use it)
    #[arg(long, value_name = "DUR")]
    pub rotate_every: Option<Dur>,

    /// A free-form note (never put a secret here: notes are not encrypted separately)
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

impl KeyMetaArgs {
    pub fn new_key(&self) -> NewKey {
        NewKey {
            scopes: self.scopes.clone(),
            note: self.note.clone(),
            rotate_every: self.rotate_every.map(|d| d.secs),
        }
    }
    pub fn expires_at(&self, now: i64) -> Result<Option<i64>> {
        match self.expires {
            None => Ok(None),
            Some(w) => {
                let t = w.ahead(now);
                if t <= now {
                    return Err(Error::usage(
                        "--expires is in the past; give a future date or a duration like 90d",
                    ));
                }
                Ok(Some(t))
            }
        }
    }
}

fn parse_scope(s: &str) -> std::result::Result<String, String> {
    if s.is_empty()
        || s.len() > 64
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_:.*/".contains(c))
    {
        return Err("invalid scope: use letters, digits and - _ : . * / (at most 64)".into());
    }
    Ok(s.to_owned())
}

/// What a command runs with: the operations' context, and the output it renders its
/// report to (the context's notes go there too). Derefs to the context, so a command
/// hands `ctx` to an operation as it is.
pub struct Ui {
    ctx: Context,
    pub out: Output,
}

impl std::ops::Deref for Ui {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.ctx
    }
}

pub fn dispatch(cli: Cli) -> Result<()> {
    let out = Output::new(cli.json, cli.quiet);
    let globals = crate::ops::Globals {
        vault: cli.vault.clone(),
        identity: cli.identity.clone(),
        env: cli.env.clone(),
    };
    let ctx = Ui {
        ctx: Context::new(globals, Box::new(out.clone()))?,
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
        crate::ops::git::hint_if_not_set_up(&ctx);
    }
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
        Command::Completions(a) => completions::run(a, &ctx),
        Command::Trust(a) => trust::run(a, &ctx),
        Command::Git(a) => git::run(a, &ctx),
        Command::Render(a) => render::run(a, &ctx),
        Command::Hook(a) => hook::run(a, &ctx),
        Command::Verifier(a) => verifier::run(a, &ctx),
    };
    // Every command: a missing key or environment says where the name does exist.
    done.map_err(|e| ctx.explain_not_found(e))
}
