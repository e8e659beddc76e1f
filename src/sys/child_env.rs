//! The environment `run` starts its child with, built here instead of through
//! `Command::env`. The standard library copies every variable it is given into a map,
//! then again into C strings when it spawns, and frees both without wiping them: the
//! values of every key handed out stayed in keyward's freed memory, and at 10,000 keys
//! building those copies was a sixth of a `run`. Here each `NAME=value` is written once,
//! into one buffer that is zeroized on drop, and the forked child points `environ` at
//! it just before `exec`.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use zeroize::Zeroizing;

/// A variable's value: borrowed from where it is already kept (a released value, wiped
/// by its owner), or a copy that is wiped here.
enum Value<'a> {
    Borrowed(&'a [u8]),
    Owned(Zeroizing<Vec<u8>>),
}

impl Value<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Value::Borrowed(b) => b,
            Value::Owned(v) => v,
        }
    }
}

/// Variables as `Command::env`/`env_remove` would leave them: the last `set` or
/// `remove` of a name wins. Recorded in order and resolved once, when the block is
/// built (a lookup per call was most of the cost at 10,000 keys).
#[derive(Default)]
pub struct ChildEnv<'a> {
    ops: Vec<(Zeroizing<Vec<u8>>, Option<Value<'a>>)>,
}

impl<'a> ChildEnv<'a> {
    /// An empty environment.
    pub fn empty() -> ChildEnv<'a> {
        ChildEnv::default()
    }

    /// keyward's own environment, as a child would inherit it, but the variables
    /// `leave_out` names (read once; the copies, which may hold a passphrase, are
    /// wiped with the environment).
    pub fn inherited(leave_out: impl Fn(&OsStr) -> bool) -> ChildEnv<'a> {
        let mut env = ChildEnv::empty();
        for (name, value) in std::env::vars_os() {
            let value = Zeroizing::new(value.into_vec());
            if !leave_out(&name) {
                env.push(&name, Some(Value::Owned(value)));
            }
        }
        // The variables keyward took out of its own environment at start (see
        // `withheld`): a child inherits them as before, unless left out.
        for (name, value) in super::withheld::withheld() {
            if !leave_out(OsStr::new(name)) {
                env.push(OsStr::new(name), Some(Value::Borrowed(value)));
            }
        }
        env
    }

    /// Set `name` to `value`, borrowed for as long as the environment lives. A name
    /// holding `=` or NUL, or a value holding NUL, cannot be passed to a program: the
    /// spawn then fails naming the variable (as `Command::env` did).
    pub fn set(&mut self, name: impl AsRef<OsStr>, value: &'a [u8]) {
        self.push(name.as_ref(), Some(Value::Borrowed(value)));
    }

    /// Remove `name`, if set.
    pub fn remove(&mut self, name: impl AsRef<OsStr>) {
        self.push(name.as_ref(), None);
    }

    fn push(&mut self, name: &OsStr, value: Option<Value<'a>>) {
        self.ops
            .push((Zeroizing::new(name.as_bytes().to_vec()), value));
    }

    /// The `envp` block: every `NAME=value\0` in one zeroized buffer, and the
    /// null-terminated array of pointers into it that `exec` takes. A name or value a
    /// C string cannot carry (NUL, or `=` in a name) is an error naming the variable,
    /// never its value; nothing is left out silently.
    pub(super) fn block(&self) -> std::io::Result<EnvBlock> {
        // The last word on each name, newest first.
        let mut seen: HashSet<&[u8]> = HashSet::with_capacity(self.ops.len());
        let mut live: Vec<(&[u8], &[u8])> = Vec::with_capacity(self.ops.len());
        for (name, value) in self.ops.iter().rev() {
            if !seen.insert(name.as_slice()) {
                continue;
            }
            if let Some(value) = value {
                let value = value.bytes();
                let refuse = |why: &str| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!("`{}` {why}", String::from_utf8_lossy(name).escape_default()),
                    )
                };
                if name.is_empty() || name.contains(&b'=') || name.contains(&0) {
                    return Err(refuse("cannot be an environment variable's name"));
                }
                if value.contains(&0) {
                    return Err(refuse(
                        "holds a NUL byte in its value, which a program's environment cannot carry",
                    ));
                }
                live.push((name, value));
            }
        }
        live.reverse();
        let size = live.iter().map(|(n, v)| n.len() + v.len() + 2).sum();
        let mut bytes = Zeroizing::new(Vec::with_capacity(size));
        let mut starts = Vec::with_capacity(live.len());
        for (name, value) in live {
            starts.push(bytes.len());
            bytes.extend_from_slice(name);
            bytes.push(b'=');
            bytes.extend_from_slice(value);
            bytes.push(0);
        }
        // No reallocation above (capacity was exact), so no unwiped copy was left
        // behind; the pointers are taken once the buffer is final.
        let mut ptrs: Vec<*const libc::c_char> = starts
            .iter()
            .map(|&s| bytes[s..].as_ptr().cast::<libc::c_char>())
            .collect();
        ptrs.push(std::ptr::null());
        Ok(EnvBlock {
            _bytes: bytes,
            ptrs,
        })
    }
}

/// An `envp` ready for `exec`: the pointers point into `_bytes`, which lives (and is
/// wiped on drop) with them.
pub(super) struct EnvBlock {
    _bytes: Zeroizing<Vec<u8>>,
    ptrs: Vec<*const libc::c_char>,
}

impl EnvBlock {
    pub(super) fn envp(&self) -> *const *const libc::c_char {
        self.ptrs.as_ptr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_sets_replace_in_place_and_removes_drop() {
        let mut env = ChildEnv::empty();
        env.set("A", b"1");
        env.set("B", b"2");
        env.set("A", b"3");
        env.remove("B");
        env.set("C", b"");
        env.set("G", b"gone");
        env.remove("G");
        let block = env.block().unwrap();
        // SAFETY (test): the block's pointers are C strings until the null pointer.
        let strings: Vec<Vec<u8>> = unsafe {
            let mut out = Vec::new();
            let mut p = block.envp();
            while !(*p).is_null() {
                out.push(std::ffi::CStr::from_ptr(*p).to_bytes().to_vec());
                p = p.add(1);
            }
            out
        };
        assert_eq!(strings, [b"A=3".to_vec(), b"C=".to_vec()]);
    }

    #[test]
    fn what_an_environment_cannot_carry_is_an_error_naming_the_variable_not_its_value() {
        let mut env = ChildEnv::empty();
        env.set("F", b"sec\0ret");
        let e = env.block().err().unwrap().to_string();
        assert!(
            e.contains("`F`") && e.contains("NUL") && !e.contains("sec"),
            "{e}"
        );
        let mut env = ChildEnv::empty();
        env.set("D=E", b"x");
        assert!(env.block().is_err());
        // A later removal of the name is the last word: nothing to refuse.
        let mut env = ChildEnv::empty();
        env.set("F", b"a\0b");
        env.remove("F");
        assert!(env.block().is_ok());
    }
}
