//! `keyward scan`: the values of every key this identity can open (only `-e ENV`'s when
//! given), handed to the scanner (`crate::scan`), which looks for them and for unknown
//! valid tokens. Only reads the vault.

use std::path::PathBuf;
use std::sync::Mutex;

use crate::error::Result;
use crate::ops::Context;
use crate::scan::{MIN_VALUE_LEN, Pattern, ScanReport, Scanner, Source, walk};

/// Scan `source` for every version of every key this identity can open (only `-e ENV`'s
/// when given) and for unknown valid tokens.
pub fn run(ctx: &Context, source: Source) -> Result<ScanReport> {
    let (patterns, known) = patterns(ctx)?;
    let scanner = Scanner::new(patterns)?.knowing(known);
    let findings = Mutex::new(Vec::new());
    match source {
        Source::Staged => {
            let staged = crate::scan::git::scan_staged(&scanner, &findings)?;
            staged_journal(ctx, &staged.names, &findings);
            for u in walk::incomplete(staged.unreadable, &findings)? {
                ctx.out.warn(&u);
            }
        }
        Source::Paths {
            mut paths,
            no_ignore,
        } => {
            if paths.is_empty() {
                paths.push(PathBuf::from("."));
            }
            let (stdin, files): (Vec<_>, Vec<_>) =
                paths.into_iter().partition(|p| p.as_os_str() == "-");
            let mut unreadable = Vec::new();
            if !stdin.is_empty() {
                unreadable.extend(walk::scan_stdin(&scanner, &findings)?);
            }
            let mut warnings = Vec::new();
            if !files.is_empty() {
                unreadable.extend(walk::scan_paths(
                    &scanner,
                    &files,
                    no_ignore,
                    &findings,
                    &mut warnings,
                )?);
            }
            for w in &warnings {
                ctx.out.warn(w);
            }
            for u in walk::incomplete(unreadable, &findings)? {
                ctx.out.warn(&u);
            }
        }
    }
    for note in scanner.take_notes() {
        ctx.out.warn(&note);
    }
    Ok(ScanReport::new(
        findings.into_inner().expect("no poisoned lock"),
    ))
}

/// A staged file of the vault's access journal is a finding of its own (`access-journal`):
/// git ignores the journal, and so takes it for a file it may replace — a commit of it
/// puts this machine's journal over each teammate's own on their next pull, and their
/// reads are lost. The pre-commit hook (`scan --staged`) stops it before it is made.
fn staged_journal(
    ctx: &Context,
    staged: &[Vec<u8>],
    findings: &Mutex<Vec<crate::scan::report::Finding>>,
) {
    let Some(top) = crate::vault::discover::work_tree_top(&ctx.paths.root) else {
        return;
    };
    let Ok(root) = ctx.paths.root.canonicalize() else {
        return;
    };
    let Ok(rel) = root
        .join("journal")
        .strip_prefix(&top)
        .map(|r| r.to_owned())
    else {
        return;
    };
    let mut prefix = rel.into_os_string().into_encoded_bytes();
    prefix.push(b'/');
    for name in staged.iter().filter(|n| n.starts_with(&prefix)) {
        let file = String::from_utf8_lossy(&name[prefix.len()..]).into_owned();
        let env = file.split('.').next().unwrap_or_default().to_owned();
        let mut f = crate::scan::report::Finding::new(
            &String::from_utf8_lossy(name),
            &env,
            None,
            "access-journal",
            String::new(),
        );
        (f.line, f.column) = (1, 1);
        findings.lock().expect("no poisoned lock").push(f);
    }
}

/// The values to look for: every version of every key in the environments this
/// identity opens. Values shorter than [`MIN_VALUE_LEN`] are left out (with a warning).
fn patterns(ctx: &Context) -> Result<(Vec<Pattern>, crate::scan::identities::Known)> {
    let now = ctx.now();
    let envs = if ctx.env_explicit {
        vec![ctx.open_env()?]
    } else {
        let (open, skipped) = ctx.open_all_envs()?;
        // DESIGN §3: never an error by itself (a developer's pre-commit hook must work
        // without prod access), but never silent either: a warning, shown even with -q.
        for (env, _) in skipped {
            ctx.out.warn(&format!(
                "not scanning for keys of `{env}`: this identity is not a recipient (its tokens are still recognised; its imported values are not)"
            ));
        }
        // DESIGN §8: an environment read here before whose file is gone is named too.
        for (_, e) in ctx.paths.gone_envs()? {
            let what = e.to_string();
            ctx.out.warn(&format!(
                "not scanning for its keys: {}",
                what.lines().next().unwrap_or_default()
            ));
        }
        open
    };
    let mut patterns = Vec::new();
    let mut short = 0;
    let mut known = crate::scan::identities::Known::new();
    for db in &envs {
        for r in db.recipients()? {
            known
                .entry(r.recipient)
                .or_default()
                .push(db.env.to_string());
        }
        for (name, version, value) in db.every_version()? {
            if value.len() < MIN_VALUE_LEN {
                short += 1;
                continue;
            }
            patterns.push(Pattern {
                env: db.env.to_string(),
                name: name.to_string(),
                version: version.version,
                status: version.status(now),
                value,
            });
        }
    }
    if short > 0 {
        ctx.out.warn(&format!(
            "{short} value(s) shorter than {MIN_VALUE_LEN} bytes are not searched for: they would match by chance"
        ));
    }
    Ok((patterns, known))
}
