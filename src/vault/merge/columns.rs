//! A key's metadata columns and its rotation hook merged three-way (DESIGN §9), over
//! plain data: the side that changed wins; both changed: the shorter rotation period,
//! the earlier creation, the later hook, else ours with a note. No SQL, no files.

use std::collections::BTreeMap;
use std::rc::Rc;

use rusqlite::types::Value;

/// A key's rotation hook (DESIGN §11): command, timeout and time merge together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Hook {
    pub(super) command: String,
    pub(super) timeout: Option<i64>,
    pub(super) set_at: i64,
}

/// A key's hook three-way (`b`: `None` when BASE has no such key): the side that
/// changed it wins; both changed it: the later one by `set_at` (then command), so the
/// same whichever side merges — a changed command needs approval again anyway. No
/// hook counts as the earliest.
pub(super) fn merge_hook(
    b: Option<&Option<Hook>>,
    o: &Option<Hook>,
    t: &Option<Hook>,
) -> Option<Hook> {
    if o == t || b == Some(t) {
        return o.clone(); // the same, or only ours changed it
    }
    if b == Some(o) {
        return t.clone(); // only theirs changed it
    }
    let order = |h: &Option<Hook>| match h {
        Some(h) => (h.set_at, h.command.as_bytes().to_vec()),
        None => (i64::MIN, Vec::new()),
    };
    if order(t) > order(o) {
        t.clone()
    } else {
        o.clone()
    }
}

/// Metadata columns, three-way: the side that changed wins; both changed: the safer
/// or earlier value where there is one, else ours (and a note).
pub(super) fn merge_cols(
    name: &str,
    b: Option<&BTreeMap<Rc<str>, Value>>,
    o: &BTreeMap<Rc<str>, Value>,
    t: &BTreeMap<Rc<str>, Value>,
    notes: &mut Vec<String>,
) -> BTreeMap<Rc<str>, Value> {
    let mut out = o.clone();
    for (col, tv) in t {
        let ov = o.get(col).unwrap_or(&Value::Null);
        let bv = b.and_then(|b| b.get(col));
        if ov == tv || bv == Some(tv) {
            continue; // the same, or only ours changed it
        }
        if bv == Some(ov) {
            out.insert(col.clone(), tv.clone()); // only theirs changed it
            continue;
        }
        let pick = match &**col {
            // Shorter rotation period, earlier creation: the safer, the truer.
            "rotate_every" | "created" => min_value(ov, tv),
            _ => {
                notes.push(format!(
                    "`{name}`: {col} changed on both sides; ours kept, theirs was {}",
                    describe(tv)
                ));
                ov.clone()
            }
        };
        out.insert(col.clone(), pick);
    }
    out
}

fn min_value(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => Value::Integer(*x.min(y)),
        (Value::Null, v) | (v, Value::Null) => v.clone(),
        (a, _) => a.clone(),
    }
}

/// A column's value as a note shows it (text escaped: it may hold control characters).
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "unset".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(s) => format!("\"{}\"", crate::text::escape(s)),
        Value::Blob(_) => "binary".into(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::vault::merge::testkit::col;

    fn cols<const N: usize>(cs: [(&str, Value); N]) -> BTreeMap<Rc<str>, Value> {
        cs.into_iter().map(|(c, v)| (col(c), v)).collect()
    }

    fn hook(command: &str, set_at: i64) -> Option<Hook> {
        Some(Hook {
            command: command.into(),
            timeout: Some(60),
            set_at,
        })
    }

    #[test]
    fn a_column_changed_on_one_side_is_that_sides() {
        let b = cols([("note", Value::Text("old".into()))]);
        let changed = cols([("note", Value::Text("new".into()))]);
        let mut notes = Vec::new();
        for (o, t) in [(&b, &changed), (&changed, &b)] {
            let out = merge_cols("K", Some(&b), o, t, &mut notes);
            assert_eq!(out[&col("note")], Value::Text("new".into()));
        }
        assert!(notes.is_empty());
    }

    #[test]
    fn a_rotation_period_or_creation_changed_on_both_sides_takes_the_smaller() {
        let b = cols([
            ("rotate_every", Value::Integer(30)),
            ("created", Value::Integer(10)),
        ]);
        let o = cols([
            ("rotate_every", Value::Integer(14)),
            ("created", Value::Integer(8)),
        ]);
        let t = cols([
            ("rotate_every", Value::Integer(7)),
            ("created", Value::Null),
        ]);
        let mut notes = Vec::new();
        for (o, t) in [(&o, &t), (&t, &o)] {
            let out = merge_cols("K", Some(&b), o, t, &mut notes);
            assert_eq!(out[&col("rotate_every")], Value::Integer(7));
            assert_eq!(
                out[&col("created")],
                Value::Integer(8),
                "unset is not smaller"
            );
        }
        assert!(notes.is_empty());
    }

    #[test]
    fn another_column_changed_on_both_sides_keeps_ours_and_says_what_theirs_was() {
        let b = cols([("note", Value::Text("old".into()))]);
        let o = cols([("note", Value::Text("ours".into()))]);
        let t = cols([("note", Value::Text("theirs\u{1b}[2J".into()))]);
        let mut notes = Vec::new();
        let out = merge_cols("K", Some(&b), &o, &t, &mut notes);
        assert_eq!(out[&col("note")], Value::Text("ours".into()));
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].starts_with("`K`: note changed on both sides; ours kept, theirs was \"theirs")
        );
        assert!(
            !notes[0].contains('\u{1b}'),
            "control characters escaped: {:?}",
            notes[0]
        );
    }

    #[test]
    fn a_hook_changed_on_both_sides_is_the_later_one_whichever_side_merges() {
        let b = hook("./old", 10);
        let (o, t) = (hook("./ours", 30), hook("./theirs", 20));
        assert_eq!(merge_hook(Some(&b), &o, &t), o);
        assert_eq!(merge_hook(Some(&b), &t, &o), o);
        // Set in the same second: the command decides, the same both ways.
        let (x, y) = (hook("./a", 30), hook("./b", 30));
        assert_eq!(merge_hook(Some(&b), &x, &y), y);
        assert_eq!(merge_hook(Some(&b), &y, &x), y);
    }

    #[test]
    fn a_hook_changed_on_one_side_is_that_sides_even_when_earlier_or_removed() {
        let b = hook("./old", 50);
        let earlier = hook("./new", 20);
        assert_eq!(merge_hook(Some(&b), &b, &earlier), earlier);
        assert_eq!(merge_hook(Some(&b), &earlier, &b), earlier);
        assert_eq!(merge_hook(Some(&b), &b, &None), None);
        // Removed on one side, changed on the other: the change (no hook is earliest).
        let changed = hook("./new", 60);
        assert_eq!(merge_hook(Some(&b), &None, &changed), changed);
        assert_eq!(merge_hook(Some(&b), &changed, &None), changed);
    }

    fn any_hook() -> impl Strategy<Value = Option<Hook>> {
        proptest::option::of((0..3u8, proptest::option::of(0..3i64), 0..4i64).prop_map(
            |(c, timeout, set_at)| Hook {
                command: format!("./rotate-{c}"),
                timeout,
                set_at,
            },
        ))
    }

    proptest! {
        /// DESIGN §9: the same hook whichever side merges (up to the timeout of two
        /// hooks with the same command set in the same second: ours').
        #[test]
        fn hooks_merge_the_same_whichever_side_merges(
            b in proptest::option::of(any_hook()), o in any_hook(), t in any_hook()
        ) {
            let key = |h: Option<Hook>| h.map(|h| (h.set_at, h.command));
            prop_assert_eq!(
                key(merge_hook(b.as_ref(), &o, &t)),
                key(merge_hook(b.as_ref(), &t, &o))
            );
        }
    }
}
