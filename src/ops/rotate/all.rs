//! `rotate --all`: every key (or those due, or older than a duration) rotated in one commit (DESIGN §7: within 3x of one rotate), asked first as a plan.

#[allow(unused_imports)]
use super::*;

// ---------------------------------------------------------------- --all

/// Which keys `rotate --all` takes (revoked ones never).
#[derive(Clone, Copy, Debug)]
pub enum Select {
    Every,
    /// Whose current version is older than this.
    OlderThan(Dur),
    /// Past their `--rotate-every` period.
    Due,
}

/// `rotate --all`: every selected key in one commit.
pub struct RotateAll {
    pub select: Select,
    pub grace: Option<Dur>,
    pub expires: Option<i64>,
    pub reason: Option<String>,
    /// `--allow-hook NAME=HASH`: hooks approved for this command.
    pub allow_hooks: Vec<AllowHook>,
}

/// Where a key's new value comes from in a batch (`rotate --all`, `offboard`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// keyward generates it.
    Generate,
    /// The key's rotation hook, approved here.
    Hook(hooks::ApprovedHook),
    /// The key has a hook that is not approved here: it does not run.
    NotApproved,
    /// Its provider, by hand (an imported key without a hook).
    Provider,
}

impl Source {
    /// Whether the batch gives the key a new version.
    pub(crate) fn rotates(&self) -> bool {
        matches!(self, Source::Generate | Source::Hook(_))
    }

    fn tag(&self) -> u8 {
        match self {
            Source::Generate => 0,
            Source::Hook(_) => 1,
            Source::NotApproved => 2,
            Source::Provider => 3,
        }
    }
}

/// Where `key`'s new value would come from. An `--allow-hook` with a wrong hash is
/// refused here, before anything runs or changes.
pub(crate) fn source_of(
    ctx: &Context,
    db: &EnvDb,
    key: &KeyMeta,
    allow: &[AllowHook],
) -> Result<Source> {
    if key.spec.is_some() {
        return Ok(Source::Generate);
    }
    Ok(match db.hook(key)? {
        None => Source::Provider,
        Some(h) => match hooks::approve(ctx, &db.env, &key.name, h, allow)? {
            Some(approved) => Source::Hook(approved),
            None => Source::NotApproved,
        },
    })
}

/// Run the approved hooks of a batch (under the writer lock): per key, what it gave. A
/// hook that cannot even be started because its access could not be journaled counts as
/// failed; the keys rolled before it are still stored.
pub(crate) fn roll_all<'k>(
    ctx: &Context,
    db: &EnvDb,
    keys: impl Iterator<Item = (&'k KeyMeta, &'k Source)>,
) -> Vec<(i64, Rolled)> {
    let mut out = Vec::new();
    for (meta, source) in keys {
        if let Source::Hook(h) = source {
            let rolled = hooks::roll(ctx, db, meta, h).unwrap_or_else(|e| {
                Rolled::Failed(format!(
                    "did not run: {}",
                    e.to_string().lines().next().unwrap_or_default()
                ))
            });
            if let Rolled::Failed(why) = &rolled {
                ctx.out.warn(&format!(
                    "the rotation hook of `{}` in `{}` {why}; `{}` was not changed (its output is not shown)",
                    meta.name, db.env, meta.name
                ));
            }
            out.push((meta.id, rolled));
        }
    }
    out
}

impl RotateAll {
    /// This command again, with its `-e` (and `--yes` when `yes`), for a hint.
    fn command(&self, env: &EnvName, yes: bool) -> String {
        let mut w: Vec<String> = vec![
            "rotate".into(),
            "-e".into(),
            env.to_string(),
            "--all".into(),
        ];
        match self.select {
            Select::Every => {}
            Select::OlderThan(age) => w.extend(["--older-than".into(), age.to_string()]),
            Select::Due => w.push("--due".into()),
        }
        if let Some(g) = self.grace {
            w.extend(["--grace".into(), g.to_string()]);
        }
        if let Some(t) = self.expires {
            w.extend(["--expires".into(), fmt_time(t)]);
        }
        if let Some(r) = &self.reason {
            w.extend(["--reason".into(), r.clone()]);
        }
        if yes {
            w.push("--yes".into());
        }
        crate::ops::plan::command_line(&w)
    }

    /// The keys this batch takes from `db`, in name order (revoked ones never).
    fn selected(&self, db: &EnvDb, now: i64) -> Result<Vec<crate::vault::KeyState>> {
        Ok(db
            .keys()?
            .into_iter()
            .filter(|k| k.current.status(now) != Status::Revoked)
            .filter(|k| match self.select {
                Select::Every => true,
                Select::OlderThan(age) => k.current.created <= age.before(now),
                Select::Due => k
                    .meta
                    .rotate_every
                    .is_some_and(|every| Dur::from_secs(every).after(k.current.created) <= now),
            })
            .collect())
    }

    /// What the batch will change, for the question (DESIGN §14).
    fn confirmation(
        &self,
        env: &EnvName,
        selected: &[(crate::vault::KeyState, Source)],
        now: i64,
    ) -> Confirmation {
        let of = |want: &dyn Fn(&Source) -> bool| -> Vec<&str> {
            selected
                .iter()
                .filter(|(_, s)| want(s))
                .map(|(k, _)| k.meta.name.as_str())
                .collect()
        };
        let generated = of(&|s| *s == Source::Generate);
        let hooked = of(&|s| matches!(s, Source::Hook(_)));
        let imported = of(&|s| !s.rotates());
        let mut lines = vec![format!(
            "in `{env}`, {} generated key(s) get a new value: {}",
            generated.len(),
            first_few(&generated)
        )];
        if !hooked.is_empty() {
            lines.push(format!(
                "{} imported key(s) get a new value from their rotation hook (run now, with the current value on stdin): {}",
                hooked.len(),
                first_few(&hooked)
            ));
        }
        if !imported.is_empty() {
            lines.push(format!(
                "{} imported key(s) are not changed (their provider issues new values): {}",
                imported.len(),
                first_few(&imported)
            ));
        }
        lines.push(grace_line(self.grace, now));
        Confirmation {
            lines,
            warnings: production_without_grace(env, self.grace)
                .into_iter()
                .collect(),
            what: format!(
                "rotate {} key(s) in `{env}`",
                generated.len() + hooked.len()
            ),
            command: self.command(env, true),
        }
    }

    /// The selected keys with where each one's new value comes from.
    fn planned(
        &self,
        ctx: &Context,
        db: &EnvDb,
        now: i64,
    ) -> Result<Vec<(crate::vault::KeyState, Source)>> {
        self.selected(db, now)?
            .into_iter()
            .map(|k| {
                let source = source_of(ctx, db, &k.meta, &self.allow_hooks)?;
                Ok((k, source))
            })
            .collect()
    }
}

/// What becomes of the old versions, said plainly.
pub(crate) fn grace_line(grace: Option<Dur>, now: i64) -> String {
    match grace {
        Some(g) => format!(
            "old versions keep passing `verify` for {g} (until {}), then stop working",
            fmt_time(g.after(now))
        ),
        None => "no grace period: old versions stop working at once".to_owned(),
    }
}

/// An environment named `prod` or `production` (any case).
pub(crate) fn is_production(env: &EnvName) -> bool {
    ["prod", "production"]
        .iter()
        .any(|p| env.as_str().eq_ignore_ascii_case(p))
}

/// DESIGN §14: rotating in production without a grace period breaks every service still
/// using the old values; say so plainly.
pub(crate) fn production_without_grace(env: &EnvName, grace: Option<Dur>) -> Option<String> {
    (is_production(env) && grace.is_none()).then(|| {
        format!(
            "`{env}` is production and there is no --grace: the old values stop working at once, and every service still using them fails (--grace 24h keeps them valid for `verify` meanwhile)"
        )
    })
}

/// Plan `rotate --all`: nothing read yet.
pub fn plan_all(req: RotateAll) -> RotateAllPlan {
    RotateAllPlan { req, asked: None }
}

/// A `rotate --all` about to be made (see `plan_all`).
pub struct RotateAllPlan {
    req: RotateAll,
    /// What the question showed, checked again under the lock.
    asked: Option<Vec<(String, u32, u8)>>,
}

impl crate::ops::Destructive for RotateAllPlan {
    type Done = Batch;

    fn ask(&mut self, ctx: &Context) -> Result<Option<Confirmation>> {
        // DESIGN §14: show what will change and ask before the writer lock is taken (a
        // person at a prompt must not block every other writer); what was confirmed
        // must still be what happens once the lock is held.
        let now = ctx.now();
        let peek = ctx.open_env()?;
        let selected = self.req.planned(ctx, &peek, now)?;
        if !selected.iter().any(|(_, s)| s.rotates()) {
            return Ok(None);
        }
        let c = self.req.confirmation(&peek.env, &selected, now);
        self.asked = Some(fingerprint(&selected));
        Ok(Some(c))
    }

    fn apply(self, ctx: &Context) -> Result<Batch> {
        rotate_all(ctx, self.req, self.asked)
    }
}

pub(super) fn rotate_all(
    ctx: &Context,
    req: RotateAll,
    asked: Option<Vec<(String, u32, u8)>>,
) -> Result<Batch> {
    let now = ctx.now();
    // Not asked (`--yes`, or nothing to ask about): what a question would have said.
    let yes = asked.is_none();
    let mut db = ctx.write_env()?;
    let rotation = Rotation {
        old: Old::Retire(grace_end(req.grace, now)),
        expires: req.expires,
        reason: req.reason.clone(),
        actor: ctx.actor()?,
        now,
    };
    let selected = req.planned(ctx, &db, now)?;
    if asked.is_some_and(|a| a != fingerprint(&selected)) {
        return Err(Error::ChangedWhileAsked {
            env: db.env.clone(),
            command: req.command(&db.env, false),
        });
    }
    let rotates = selected.iter().any(|(_, s)| s.rotates());
    if let Some(w) = production_without_grace(&db.env, req.grace).filter(|_| yes && rotates) {
        ctx.out.warn(&w);
    }
    // DESIGN §11: hooks run under the writer lock, so what a provider has just issued is
    // stored by this commit and never lost to a concurrent writer; a write bound to fail
    // is found before any runs, and what they issued is kept if it fails all the same.
    if selected.iter().any(|(_, s)| matches!(s, Source::Hook(_))) {
        db.ready_to_write()?;
    }
    let mut rolled = roll_all(ctx, &db, selected.iter().map(|(k, s)| (&k.meta, s)));
    let issued = super::issued::Issued::of(&rolled, |id| {
        selected
            .iter()
            .find(|(k, _)| k.meta.id == id)
            .map(|(k, _)| k.meta.name.clone())
    });
    let env = db.env.clone();
    let done = db.batch(|db| {
        let mut out = Vec::with_capacity(selected.len());
        // The new values of the batch, in name order: written together below.
        let mut issued: Vec<(&crate::vault::KeyState, Secret)> = Vec::new();
        let mut values = crate::token::Batch::default();
        for (k, source) in &selected {
            let mut hook = None;
            let value = match (&k.meta.spec, source) {
                (Some(spec), _) => Some(values.generate(spec, &env)),
                (None, Source::Hook(_)) => match take_rolled(&mut rolled, k.meta.id) {
                    Rolled::New(value) => {
                        hook = Some("new value from its rotation hook".to_owned());
                        Some(value)
                    }
                    Rolled::Failed(why) => {
                        hook = Some(format!("hook {why}"));
                        None
                    }
                },
                _ => None,
            };
            let (outcome, new_version) = match (&value, source) {
                (Some(_), _) => (Outcome::Rotated, Some(k.current.version + 1)),
                (None, Source::NotApproved) => (Outcome::HookNotApproved, None),
                (None, _) => (Outcome::NeedsNewValue, None),
            };
            let mut row = Rotated::new(&env, &k.meta, k.current.version, outcome, new_version);
            row.hook = hook;
            out.push(row);
            if let Some(value) = value {
                issued.push((k, value));
            }
        }
        // Every still valid version of these keys is older than the one it gets now.
        if let Old::Retire(at) = rotation.old {
            let ids: Vec<i64> = issued.iter().map(|(k, _)| k.meta.id).collect();
            db.retire_versions_of(&ids, at)?;
        }
        rotation.issue_all(db, &issued)?;
        Ok(out)
    });
    let done = done.and_then(|rows| {
        if rows.iter().any(|r| r.new_version.is_some()) {
            ctx.commit(&mut db)?;
        }
        Ok(rows)
    });
    let rows = issued.stored_or_kept(&db, now, done)?;
    Ok(Batch(rows))
}

/// What a hook gave for key `id` (every approved hook of the batch ran).
pub(crate) fn take_rolled(rolled: &mut Vec<(i64, Rolled)>, id: i64) -> Rolled {
    match rolled.iter().position(|(k, _)| *k == id) {
        Some(i) => rolled.swap_remove(i).1,
        None => Rolled::Failed("did not run".into()),
    }
}

/// What a batch would change, to tell whether it changed while a person was asked.
pub(super) fn fingerprint(selected: &[(crate::vault::KeyState, Source)]) -> Vec<(String, u32, u8)> {
    selected
        .iter()
        .map(|(k, s)| (k.meta.name.to_string(), k.current.version, s.tag()))
        .collect()
}

/// What a batch did to one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Rotated,
    /// `offboard --dry-run`.
    WouldRotate,
    /// An imported key: its provider issues the new value (or its hook failed).
    NeedsNewValue,
    /// An imported key whose rotation hook is not approved on this machine: not run.
    HookNotApproved,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Rotated => "rotated",
            Outcome::WouldRotate => "would-rotate",
            Outcome::NeedsNewValue => "needs-new-value",
            Outcome::HookNotApproved => "hook-not-approved",
        }
    }
}

/// One rotated (or skipped) key, as the batch table and `--json` show it.
#[derive(Debug, Serialize)]
pub struct Rotated {
    pub env: String,
    pub name: String,
    pub kind: &'static str,
    pub result: Outcome,
    pub old_version: u32,
    pub new_version: Option<u32>,
    /// What the key's rotation hook did, when it has one that ran (never its output).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook: Option<String>,
    /// Older versions still in service that were revoked with it (offboarding a key it
    /// could not give a new value).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revoked_older: Vec<u32>,
}

impl Rotated {
    pub(crate) fn new(
        env: &EnvName,
        key: &KeyMeta,
        old_version: u32,
        result: Outcome,
        new_version: Option<u32>,
    ) -> Rotated {
        Rotated {
            env: env.to_string(),
            name: key.name.to_string(),
            kind: key.kind.as_str(),
            result,
            old_version,
            new_version,
            hook: None,
            revoked_older: Vec::new(),
        }
    }
}

/// The rows of a batch (`rotate --all`, one environment of `offboard`).
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct Batch(pub Vec<Rotated>);

impl Batch {
    /// Imported keys left for their provider.
    pub fn pending(&self) -> usize {
        self.0.iter().filter(|r| r.new_version.is_none()).count()
    }

    /// Exit 8 while imported keys still need a new value (the table already says which).
    pub fn outcome(&self) -> Result<()> {
        needs_new_values(self.pending())
    }
}

pub(crate) fn needs_new_values(pending: usize) -> Result<()> {
    if pending > 0 {
        return Err(Error::Findings(format!(
            "{pending} imported key(s) need a new value from their provider"
        )));
    }
    Ok(())
}
