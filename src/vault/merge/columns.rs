//! A key's metadata columns merged three-way (DESIGN §9), over plain data: the side
//! that changed wins; both changed: the shorter rotation period, the earlier creation,
//! the later hook, else ours with a note. No SQL, no files.

use std::collections::BTreeMap;
use std::rc::Rc;

use rusqlite::types::Value;

/// The pseudo-column holding a key's rotation hook (DESIGN §11) as one value, so its
/// command, timeout and time merge together: `[command, timeout, set_at]` as JSON, or
/// NULL for none.
pub(super) const HOOK: &str = "(hook)";

/// A hook value's `set_at` and command, to pick the later of two.
pub(super) fn hook_order(v: &Value) -> (i64, Vec<u8>) {
    match v {
        Value::Text(t) => serde_json::from_str::<(String, Option<i64>, i64)>(t)
            .map(|(c, _, at)| (at, c.into_bytes()))
            .unwrap_or_default(),
        _ => (i64::MIN, Vec::new()),
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
            // Hooks: the later one (a changed command needs approval again anyway).
            HOOK => {
                if hook_order(tv) > hook_order(ov) {
                    tv.clone()
                } else {
                    ov.clone()
                }
            }
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

pub(super) fn min_value(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => Value::Integer(*x.min(y)),
        (Value::Null, v) | (v, Value::Null) => v.clone(),
        (a, _) => a.clone(),
    }
}

pub(super) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "unset".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(s) => format!("\"{}\"", crate::output::escape(s)),
        Value::Blob(_) => "binary".into(),
    }
}
