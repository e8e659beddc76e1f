//! What exposure is judged by (DESIGN §14): the order of the lifecycle chain, never the
//! writers' clocks. A version made before a removal, in an earlier write, could be read
//! by the removed recipient; one made after it, or by the same write (offboarding's own
//! rotations, committed with the removal), could not. Two machines' clocks disagree by
//! minutes often enough (and a writer may set theirs): by time, a version made on a
//! fast clock before a removal looked made after it, and `check` passed.

use std::collections::HashMap;

use rusqlite::OptionalExtension;

use crate::codes::Action;
use crate::error::Result;
use crate::vault::store::EnvDb;

impl EnvDb {
    /// The first event of the write that recorded event `seq`: one command writes its
    /// events at one time and as one actor, so the run of events up to `seq` that share
    /// both is that write.
    pub fn write_start(&self, seq: i64) -> Result<i64> {
        self.located((|| -> Result<i64> {
            let (time, actor): (i64, Option<i64>) = self.conn.query_row(
                "SELECT time, actor FROM events WHERE seq = ?1",
                [seq],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let before: Option<i64> = self
                .conn
                .query_row(
                    "SELECT seq FROM events WHERE seq < ?1 AND (time != ?2 OR actor IS NOT ?3)
                     ORDER BY seq DESC LIMIT 1",
                    rusqlite::params![seq, time, actor],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(before.map_or(1, |b| b + 1))
        })())
    }

    /// The event that made each version made from event `from` on, `(key, version)` →
    /// its sequence number, under the key's name now: the last `generate`, `set`,
    /// `import` or `rotate` event of that very key. Keys are followed through renames
    /// (`made_under_names_now`): a name taken by a rename is another key, so the making
    /// event of a key renamed onto a name once used is never that name's old one. A
    /// version not in the map was made before `from`. Only `key`'s, when given (`show`):
    /// the renames since, then the making events of the names it may have had only (a
    /// `rotate --all` after a removal made 100,000 versions since: reading them all put
    /// `show` of one key at 80 ms, SQLite's scan of them alone is 20 ms).
    pub fn versions_made_since(
        &self,
        from: i64,
        key: Option<&str>,
    ) -> Result<HashMap<(String, u32), i64>> {
        self.located((|| -> Result<HashMap<(String, u32), i64>> {
            // Renames and deletes, every key's: they decide which key a name holds.
            let renames = self.made_rows(from, &[Action::Rename, Action::Delete], None)?;
            let names: Option<Vec<String>> = key.map(|k| {
                // Every name `k`'s key may have had since `from`, renames walked back.
                let mut names = vec![k.to_owned()];
                for r in renames.iter().rev() {
                    if names.contains(&r.key)
                        && let Some(old) = &r.renamed_from
                        && !names.contains(old)
                    {
                        names.push(old.clone());
                    }
                }
                names
            });
            let making = [
                Action::Generate,
                Action::Set,
                Action::Import,
                Action::Rotate,
            ];
            let mut all = self.made_rows(from, &making, names.as_deref())?;
            all.extend(renames);
            all.sort_by_key(|m| m.seq);
            let made = made_under_names_now(&all);
            Ok(match key {
                None => made,
                Some(k) => made.into_iter().filter(|((n, _), _)| n == k).collect(),
            })
        })())
    }

    /// The events since `from` of `actions`, of the keys `names` only when given.
    fn made_rows(
        &self,
        from: i64,
        actions: &[Action],
        names: Option<&[String]>,
    ) -> Result<Vec<Made>> {
        let codes = actions
            .iter()
            .map(|a| a.code().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let only = match names {
            Some(n) => format!("AND key IN ({})", vec!["?"; n.len()].join(", ")),
            None => String::new(),
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT seq, action, key, version, reason FROM events
             WHERE seq >= ? AND action IN ({codes}) AND key IS NOT NULL {only} ORDER BY seq"
        ))?;
        let mut params: Vec<&dyn rusqlite::ToSql> = vec![&from];
        for n in names.unwrap_or_default() {
            params.push(n);
        }
        let mut rows = stmt.query(params.as_slice())?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let Some(action) = Action::from_code(r.get(1)?) else {
                continue;
            };
            let renamed_from = match action {
                Action::Rename => r
                    .get::<_, Option<String>>(4)?
                    .and_then(|t| t.strip_prefix("renamed from ").map(str::to_owned)),
                _ => None,
            };
            out.push(Made {
                seq: r.get(0)?,
                action,
                key: r.get(2)?,
                version: r.get(3)?,
                renamed_from,
            });
        }
        Ok(out)
    }
}

/// An event that makes, renames or deletes a key (`versions_made_since`).
#[derive(Clone, Debug)]
pub(crate) struct Made {
    pub seq: i64,
    pub action: Action,
    pub key: String,
    pub version: Option<u32>,
    /// A rename's old name (its event names the new one).
    pub renamed_from: Option<String>,
}

/// Which key a name means at a point of the history: the key it had before the events
/// walked (`Before`), or another one a rename or a delete left it to since.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Before(String),
    Since(usize),
}

/// Pure: the making events of `events` (in storage order), keyed by the name each key
/// has at the end. A rename moves the key to its new name and leaves the old name to
/// another key; a delete ends its name's key.
pub(crate) fn made_under_names_now(events: &[Made]) -> HashMap<(String, u32), i64> {
    let mut names: HashMap<&str, Key> = HashMap::new();
    let mut fresh = 0;
    let mut new_key = || {
        fresh += 1;
        Key::Since(fresh)
    };
    let mut made: HashMap<(Key, u32), i64> = HashMap::new();
    for e in events {
        let key_of = |names: &HashMap<&str, Key>, n: &str| {
            names
                .get(n)
                .cloned()
                .unwrap_or_else(|| Key::Before(n.to_owned()))
        };
        match (e.action, e.version, &e.renamed_from) {
            // A delete ends the key its name holds. Needed for merged histories, whose
            // events are stored side after side, not in one line: a branch's `generate
            // T`, `delete T` stored after main's `rename X T` must not credit X's key
            // with the branch's T; ended, the name's key has no making event, and X's
            // versions count as made before (exposed: the safe side).
            (Action::Delete, _, _) => {
                names.insert(&e.key, new_key());
            }
            (Action::Rename, _, Some(old)) => {
                let moved = key_of(&names, old);
                names.insert(old, new_key());
                names.insert(&e.key, moved);
            }
            (Action::Rename, _, None) => {}
            (_, Some(v), _) => {
                made.insert((key_of(&names, &e.key), v), e.seq);
            }
            (_, None, _) => {}
        }
    }
    // Each key under its name now: a name walked holds the key `names` says; any other
    // name still holds its key from before.
    let holder: HashMap<&Key, &str> = names.iter().map(|(n, k)| (k, *n)).collect();
    made.into_iter()
        .filter_map(|((key, v), seq)| {
            let name = match (&key, holder.get(&key)) {
                (_, Some(n)) => (*n).to_owned(),
                (Key::Before(n), None) if !names.contains_key(n.as_str()) => n.clone(),
                _ => return None,
            };
            Some(((name, v), seq))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: i64, action: Action, key: &str, version: Option<u32>, from: Option<&str>) -> Made {
        Made {
            seq,
            action,
            key: key.into(),
            version,
            renamed_from: from.map(Into::into),
        }
    }

    #[test]
    fn a_key_renamed_onto_a_name_once_used_keeps_its_own_making_events() {
        // X was made before the walk; Y is made, deleted, and X renamed onto it.
        let events = [
            ev(10, Action::Generate, "Y", Some(1), None),
            ev(11, Action::Delete, "Y", None, None),
            ev(12, Action::Rename, "Y", None, Some("X")),
        ];
        let made = made_under_names_now(&events);
        assert!(made.is_empty(), "{made:?}");
        // Rotated after the rename: that version is the renamed key's.
        let mut more = events.to_vec();
        more.push(ev(13, Action::Rotate, "Y", Some(2), None));
        let made = made_under_names_now(&more);
        assert_eq!(made.get(&("Y".into(), 2)), Some(&13));
        assert_eq!(made.get(&("Y".into(), 1)), None);
    }

    #[test]
    fn a_branchs_key_deleted_after_a_rename_onto_its_name_credits_nothing_to_the_renamed_key() {
        // A merge stores main's `rename X T` (6) before the branch's `generate T` (7)
        // and `delete T` (8): the branch's T is not X's key, whose versions stay made
        // before (exposed).
        let events = [
            ev(6, Action::Rename, "T", None, Some("X")),
            ev(7, Action::Generate, "T", Some(1), None),
            ev(8, Action::Delete, "T", None, None),
        ];
        let made = made_under_names_now(&events);
        assert_eq!(made.get(&("T".into(), 1)), None, "{made:?}");
    }

    #[test]
    fn a_name_made_again_after_a_delete_is_another_key() {
        let events = [
            ev(5, Action::Delete, "K", None, None),
            ev(6, Action::Generate, "K", Some(1), None),
            ev(7, Action::Rename, "L", None, Some("K")),
            ev(8, Action::Generate, "K", Some(1), None),
        ];
        let made = made_under_names_now(&events);
        assert_eq!(made.get(&("L".into(), 1)), Some(&6));
        assert_eq!(made.get(&("K".into(), 1)), Some(&8));
        assert_eq!(made.len(), 2);
    }
}
