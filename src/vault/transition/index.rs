//! The events of one transition check, indexed by the names they carry (see
//! [`Index`]).

use std::collections::{BTreeSet, HashMap};

use crate::audit::{Action, Event};

/// What the new events did to a key of the parent, in their order: renamed (perhaps
/// more than once), deleted, or neither.
pub(super) enum Fate {
    Kept(String),
    Deleted,
}

/// The events of one check, indexed by the names they carry, so that each key's
/// questions cost its own events, not all of them: with a scan of every event per key,
/// a 40,000-key import checked against its 40,000 events kept the next read on another
/// machine busy for minutes.
pub(super) struct Index<'a> {
    /// The new events naming each key, in order (with their places).
    pub(super) by_key: HashMap<&'a str, Vec<(usize, &'a Event)>>,
    /// The new `rename` events by the name they renamed away from.
    pub(super) renamed_from: HashMap<&'a str, Vec<(usize, &'a Event)>>,
    /// Every rename of the whole history, both ways: a key's names on every line.
    renames: HashMap<&'a str, Vec<&'a str>>,
}

fn renamed_away_from(e: &Event) -> Option<&str> {
    match e.action {
        Action::Rename => e.reason.as_deref()?.strip_prefix("renamed from "),
        _ => None,
    }
}

impl<'a> Index<'a> {
    pub(super) fn new(new_events: &'a [Event], history: &'a [Event]) -> Index<'a> {
        let mut by_key: HashMap<&str, Vec<(usize, &Event)>> = HashMap::new();
        let mut renamed_from: HashMap<&str, Vec<(usize, &Event)>> = HashMap::new();
        for (i, e) in new_events.iter().enumerate() {
            if let Some(k) = e.key.as_deref() {
                by_key.entry(k).or_default().push((i, e));
            }
            if let Some(from) = renamed_away_from(e) {
                renamed_from.entry(from).or_default().push((i, e));
            }
        }
        let mut renames: HashMap<&str, Vec<&str>> = HashMap::new();
        for e in history {
            if let (Some(to), Some(from)) = (e.key.as_deref(), renamed_away_from(e)) {
                renames.entry(to).or_default().push(from);
                renames.entry(from).or_default().push(to);
            }
        }
        Index {
            by_key,
            renamed_from,
            renames,
        }
    }

    /// Whether a new event of one of `actions` names `k`.
    pub(super) fn named(&self, k: &str, actions: &[Action]) -> bool {
        self.by_key
            .get(k)
            .is_some_and(|es| es.iter().any(|(_, e)| actions.contains(&e.action)))
    }

    /// Whether any new event names `k`.
    pub(super) fn any_named(&self, k: &str) -> bool {
        self.by_key.contains_key(k)
    }

    /// What the new events did to the key `name`, in their order.
    pub(super) fn fate(&self, name: &str) -> Fate {
        let mut cur = name.to_owned();
        let mut from = 0;
        loop {
            let rename = self
                .renamed_from
                .get(cur.as_str())
                .and_then(|es| es.iter().find(|(i, _)| *i >= from));
            let delete = self.by_key.get(cur.as_str()).and_then(|es| {
                es.iter()
                    .find(|(i, e)| *i >= from && e.action == Action::Delete)
            });
            // The earlier of the two applies (one event is never both).
            let (r, e) = match (rename, delete) {
                (Some((r, e)), None) => (*r, *e),
                (Some((r, e)), Some((d, _))) if r < d => (*r, *e),
                (_, Some(_)) => return Fate::Deleted,
                (None, None) => return Fate::Kept(cur),
            };
            match &e.key {
                Some(to) => {
                    cur = to.clone();
                    from = r + 1;
                }
                None => return Fate::Deleted,
            }
        }
    }

    /// `name` and every name connected to it by a rename of the history, either way:
    /// the names one key had on every line (two sides may rename it apart).
    pub(super) fn family<'b>(&'b self, name: &'b str) -> BTreeSet<&'b str> {
        let mut names: BTreeSet<&'b str> = BTreeSet::from([name]);
        let mut todo = vec![name];
        while let Some(n) = todo.pop() {
            for next in self.renames.get(n).into_iter().flatten() {
                if names.insert(next) {
                    todo.push(next);
                }
            }
        }
        names
    }

    /// Whether a new event issued a value (generate, set, import, rotate) under one of
    /// `names`.
    pub(super) fn issues_value(&self, names: &BTreeSet<&str>) -> bool {
        names.iter().any(|n| {
            self.by_key.get(n).is_some_and(|es| {
                es.iter().any(|(_, e)| {
                    matches!(
                        e.action,
                        Action::Generate | Action::Set | Action::Import | Action::Rotate
                    )
                })
            })
        })
    }
}
