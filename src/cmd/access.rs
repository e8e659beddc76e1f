//! `keyward access`: who can decrypt an environment (DESIGN §1.3).

use clap::{Args, Subcommand};

use super::Ui;
use crate::audit::Label;
use crate::codes::Role;
use crate::error::Result;
use crate::ops::{
    self,
    access::{Grant, GrantTarget, Revoke},
    people::Person,
};
use crate::output::Render;

/// List, grant or revoke the recipients of an environment
///
/// Each environment is encrypted to its own recipients: granting re-encrypts it to one
/// more, revoking to one fewer, in one atomic commit recorded in the audit trail.
/// Revoking a recipient does not take back what they already decrypted: see `offboard`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward access list -e prod\n  keyward access grant age1teammate… -e dev --name 'Ana (backend)'\n  keyward access grant \"$(cat ~/.ssh/id_ed25519.pub)\" -e test\n  keyward access revoke age1former… -e prod"
)]
pub struct AccessArgs {
    #[command(subcommand)]
    pub command: AccessCommand,
}

#[derive(Debug, Subcommand)]
pub enum AccessCommand {
    /// Recipients of the environment, with who added each and when
    #[command(after_help = "Examples:\n  keyward access list -e prod --json")]
    List,
    /// Let a member (their card) or a recipient (`age1…`, an SSH public key) decrypt
    /// the environment, with a role; or change a member's role
    ///
    /// A member card (`keyward identity show`) carries the signing key their writes are
    /// signed with (DESIGN §15); a bare recipient is unbound until their first signed
    /// write proves it. Granting, changing roles and binding keys need the `admin` role.
    #[command(
        after_help = "Examples:\n  keyward access grant kw-member1:age1teammate…:… -e dev --name 'Ana (backend)'\n  keyward access grant \"$(keyward -i ci.key identity show)\" -e prod --role read --name CI\n  keyward access grant age1teammate… -e prod --role admin   # promote a member\n  keyward access grant Ana -e prod   # Ana, as another environment knows her\n  keyward access grant --name 'Ana (backend)' -e dev   # label yourself"
    )]
    Grant {
        /// The member card (`keyward identity show` on their machine) or the bare
        /// recipient to add; a card also binds their signing key. A member's label
        /// names them (here, or in another environment you open). Omitted: yourself
        /// (`keyward access grant --name Ana` labels you)
        #[arg(value_name = "CARD|RECIPIENT|LABEL", required_unless_present = "name")]
        recipient: Option<GrantTarget>,
        /// A label for the recipient (1-64 printable characters, one member each),
        /// shown in messages, `access list` and `audit`, and accepted wherever a
        /// recipient is (`access revoke Ana`, `offboard Ana`, `audit --actor Ana`). For
        /// a member already there, changes their label
        #[arg(long, value_name = "LABEL")]
        name: Option<Label>,
        /// What they may do: read (decrypt only: CI that injects keys), write (keys and
        /// values; the default for someone new), admin (also access, roles, hooks).
        /// For a member already there, changes their role
        #[arg(long, value_name = "ROLE")]
        role: Option<Role>,
    },
    /// Stop a recipient from decrypting future versions of the environment
    ///
    /// On a terminal it first shows who loses access to which environment, and asks;
    /// --yes skips the question, and without a terminal --yes is required (exit 2
    /// otherwise).
    #[command(
        after_help = "Examples:\n  keyward access revoke age1former… -e prod\n  keyward access revoke Bob -e prod   # by label\n  keyward access revoke age1former… -e prod --yes   # no question (CI)\n  keyward offboard age1former… --reason 'left the team'   # also rotates"
    )]
    Revoke {
        /// The recipient to remove, or a member's label
        #[arg(value_name = "RECIPIENT|LABEL")]
        recipient: Person,
        /// Allow removing your own identity (you will lose access)
        #[arg(long)]
        force: bool,
        /// Do not ask (required without a terminal)
        #[arg(long)]
        yes: bool,
    },
}

pub fn run(args: AccessArgs, ctx: &Ui) -> Result<()> {
    let changed = match args.command {
        AccessCommand::List => return ctx.out.render(&ops::access::list(ctx)?),
        AccessCommand::Grant {
            recipient,
            name,
            role,
        } => ops::access::grant(
            ctx,
            Grant {
                who: recipient,
                label: name,
                role,
            },
        )?,
        AccessCommand::Revoke {
            recipient,
            force,
            yes,
        } => super::confirm::confirm_and_apply(
            ctx,
            ops::access::plan_revoke(Revoke { recipient, force }),
            yes,
        )?,
    };
    // A grant or revoke says what it did on stderr, with or without --json (as it
    // always has): there is no JSON document for it on stdout.
    changed.human(&ctx.out)
}
