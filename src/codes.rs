//! Codes stored in environment files and hashed into events: actions, chains, how an
//! identity was unlocked, and version statuses. Each has fixed names and numbers (a
//! test pins them against the committed fixture vault), and the one rule of how a
//! status may move. The bottom of the stack: errors name these, everything else uses
//! them.

use serde::Serialize;

/// Which hash chain an event belongs to. Access sorts first: the order `audit` shows
/// events of the same instant in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Chain {
    /// `get`, `run`, `export`, `verify`: the append-only journal.
    Access,
    /// Everything that changes keys or access: inside the environment database.
    Lifecycle,
}

impl Chain {
    pub fn as_str(self) -> &'static str {
        match self {
            Chain::Access => "access",
            Chain::Lifecycle => "lifecycle",
        }
    }
}

impl std::fmt::Display for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Chain {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// How the identity behind an event was unlocked. Stored as its name in the actors
/// table and hashed into every event, so the names are fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Via {
    /// A plain identity file.
    File,
    /// A passphrase-protected identity file.
    Passphrase,
    /// An SSH private key.
    Ssh,
    /// The secret key itself in `KEYWARD_IDENTITY`.
    Literal,
    /// The `keyward unlock` agent.
    Agent,
    /// A plugin identity (DESIGN §10): a hardware key through `age-plugin-<name>`.
    Plugin,
}

impl Via {
    pub const ALL: [Via; 6] = [
        Via::File,
        Via::Passphrase,
        Via::Ssh,
        Via::Literal,
        Via::Agent,
        Via::Plugin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Via::File => "file",
            Via::Passphrase => "passphrase",
            Via::Ssh => "ssh",
            Via::Literal => "literal",
            Via::Agent => "agent",
            Via::Plugin => "plugin",
        }
    }

    pub fn from_name(name: &str) -> Option<Via> {
        Via::ALL.into_iter().find(|v| v.as_str() == name)
    }
}

impl std::fmt::Display for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Via {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Every action an event can carry. The discriminant is the code stored in the
/// lifecycle table's `action` column, so it is pinned: a new action takes a new number,
/// and no number is ever reused (the committed format-1 fixture checks the codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Action {
    Init = 0,
    EnvAdd = 1,
    Generate = 2,
    Set = 3,
    Import = 4,
    Rotate = 5,
    Revoke = 6,
    Expire = 7,
    AccessGrant = 8,
    AccessRevoke = 9,
    Offboard = 10,
    Get = 11,
    Run = 12,
    Export = 13,
    Verify = 14,
    Trust = 15,
    Rename = 16,
    Delete = 17,
    /// DESIGN §9: the merge driver joined two chains (the event has two parents).
    Merge = 18,
    /// Both sides of a merge gave a key a new value: both kept, `check` reports it.
    MergeConflict = 19,
    /// A merge kept a version a removed recipient could read from the other side.
    Exposed = 20,
    /// `git resolve`: one value of a merge conflict picked.
    Resolve = 21,
    /// `render`: a key's value written into a rendered template (access).
    Render = 22,
    /// A key's rotation hook set, changed or cleared (lifecycle; the reason says which,
    /// with the hash of the new command).
    Hook = 23,
    /// `verifier export` created the environment's verifier key (lifecycle).
    VerifierKey = 24,
    /// `verifier export` wrote a verifier set derived from the values (access).
    VerifierExport = 25,
    /// DESIGN §15: the first signed write of an environment with unsigned history: its
    /// writer signs the state as it is and becomes its first admin.
    Checkpoint = 26,
    /// DESIGN §15: a member's role changed, or their signing key bound by an admin
    /// (the reason says which; the subject is the member).
    Role = 27,
    /// DESIGN §18: an environment's touch policy set (the reason holds it); an admin's.
    Touch = 28,
}

impl Action {
    pub const ALL: [Action; 29] = [
        Action::Init,
        Action::EnvAdd,
        Action::Generate,
        Action::Set,
        Action::Import,
        Action::Rotate,
        Action::Revoke,
        Action::Expire,
        Action::AccessGrant,
        Action::AccessRevoke,
        Action::Offboard,
        Action::Get,
        Action::Run,
        Action::Export,
        Action::Verify,
        Action::Trust,
        Action::Rename,
        Action::Delete,
        Action::Merge,
        Action::MergeConflict,
        Action::Exposed,
        Action::Resolve,
        Action::Render,
        Action::Hook,
        Action::VerifierKey,
        Action::VerifierExport,
        Action::Checkpoint,
        Action::Role,
        Action::Touch,
    ];

    /// The name in audit output, filters and the canonical (hashed) form.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Init => "init",
            Action::EnvAdd => "env-add",
            Action::Generate => "generate",
            Action::Set => "set",
            Action::Import => "import",
            Action::Rotate => "rotate",
            Action::Revoke => "revoke",
            Action::Expire => "expire",
            Action::AccessGrant => "access-grant",
            Action::AccessRevoke => "access-revoke",
            Action::Offboard => "offboard",
            Action::Get => "get",
            Action::Run => "run",
            Action::Export => "export",
            Action::Verify => "verify",
            Action::Trust => "trust",
            Action::Rename => "rename",
            Action::Delete => "delete",
            Action::Merge => "merge",
            Action::MergeConflict => "merge-conflict",
            Action::Exposed => "exposed",
            Action::Resolve => "resolve",
            Action::Render => "render",
            Action::Hook => "hook",
            Action::VerifierKey => "verifier-key",
            Action::VerifierExport => "verifier-export",
            Action::Checkpoint => "checkpoint",
            Action::Role => "role",
            Action::Touch => "touch",
        }
    }

    /// The stored code (schema: `events.action`).
    pub fn code(self) -> i64 {
        self as u8 as i64
    }

    pub fn from_code(code: i64) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// Access events go to the journal; the others are lifecycle events committed with
    /// the change they describe (DESIGN §5).
    pub fn is_access(self) -> bool {
        matches!(
            self,
            Action::Get
                | Action::Run
                | Action::Export
                | Action::Verify
                | Action::Render
                | Action::VerifierExport
        )
    }

    /// DESIGN §15: changes only an `admin` may sign: who can decrypt and write, hooks
    /// (commands other machines run), the start of signed history, and (DESIGN §18)
    /// how often a token is asked.
    pub fn needs_admin(self) -> bool {
        matches!(
            self,
            Action::AccessGrant
                | Action::AccessRevoke
                | Action::Offboard
                | Action::Hook
                | Action::Checkpoint
                | Action::Role
                | Action::Touch
        )
    }

    /// Handing a value out (`check --unused-for` counts these).
    pub fn releases_value(self) -> bool {
        matches!(
            self,
            Action::Get | Action::Run | Action::Export | Action::Render
        )
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::str::FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Action::from_name(s).ok_or_else(|| {
            let names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
            format!("unknown action `{s}`; one of: {}", names.join(", "))
        })
    }
}

/// A member's role in an environment (DESIGN §15), stored as its code in
/// `recipients.role`. Ordered: each role may do what the ones below it may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Decrypts; never writes (a CI identity that only injects keys).
    Read = 0,
    /// Keys and values.
    Write = 1,
    /// Also access, roles, hooks and policy.
    Admin = 2,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Read, Role::Write, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Write => "write",
            Role::Admin => "admin",
        }
    }

    pub const fn code(self) -> i64 {
        self as i64
    }

    pub fn from_code(code: i64) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`; one of: read, write, admin"))
    }
}

/// A version's status. The first four are stored (their numbers are the stored codes);
/// `Expired` is derived from the clock and never stored. Only `Active` is ever handed
/// out. A stored status moves forward only (`may_move`): the order of the variants is
/// the order of the lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active = 0,
    Retiring = 1,
    Retired = 2,
    Revoked = 3,
    Expired = 4,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Retiring => "retiring",
            Status::Retired => "retired",
            Status::Revoked => "revoked",
            Status::Expired => "expired",
        }
    }

    /// The stored code (`versions.status`).
    pub const fn code(self) -> i64 {
        self as i64
    }

    /// A stored code; `None` for anything keyward never stores (`Expired` included).
    pub fn from_code(code: i64) -> Option<Status> {
        [
            Status::Active,
            Status::Retiring,
            Status::Retired,
            Status::Revoked,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    /// The one rule of how a stored status may move: forward only (active → retiring →
    /// retired → revoked), with one way back — `git resolve` confirming a value a merge
    /// held retiring with no end (`held`: it was never retired by anyone, only kept
    /// verifying until someone picks; `resolved`: a `resolve` of its key does the move).
    pub fn may_move(from: i64, held: bool, to: i64, resolved: bool) -> bool {
        to >= from
            || (resolved && held && from == Status::Retiring.code() && to == Status::Active.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_move_forward_only_but_for_a_held_value_resolved() {
        let (a, r, d, x) = (
            Status::Active.code(),
            Status::Retiring.code(),
            Status::Retired.code(),
            Status::Revoked.code(),
        );
        for (from, to) in [(a, r), (r, d), (d, x), (a, x), (x, x)] {
            assert!(Status::may_move(from, false, to, false));
        }
        for (from, to) in [(x, a), (d, r), (r, a), (x, d)] {
            assert!(!Status::may_move(from, false, to, true), "{from} -> {to}");
        }
        assert!(Status::may_move(r, true, a, true));
        assert!(!Status::may_move(r, true, a, false));
        assert_eq!(Status::from_code(4), None);
        assert_eq!(Status::from_code(3), Some(Status::Revoked));
    }
}
