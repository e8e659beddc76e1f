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
        Value::Text(s) => format!("\"{}\"", crate::output::escape(s)),
        Value::Blob(_) => "binary".into(),
    }
}
