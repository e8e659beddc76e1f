//! An environment's touch policy (DESIGN §18): how often a hardware (plugin) identity's
//! token is asked to open the environment while an agent runs. Stored as the reason of
//! a signed `touch` event, which only an admin may record (`Action::needs_admin`); the
//! latest such event is the policy, so a team shares it and every reader checks who
//! set it.

use std::fmt;
use std::str::FromStr;

use super::Dur;

/// How often the token is asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Touch {
    /// Once per version of the file: the agent keeps the file key it opened (the default).
    #[default]
    OncePerChange,
    /// Every command asks: the agent keeps nothing for the environment (prod-like).
    EveryCommand,
}

impl Touch {
    pub fn as_str(self) -> &'static str {
        match self {
            Touch::OncePerChange => "once-per-change",
            Touch::EveryCommand => "every-command",
        }
    }
}

impl FromStr for Touch {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "once-per-change" => Ok(Touch::OncePerChange),
            "every-command" => Ok(Touch::EveryCommand),
            _ => Err(format!(
                "unknown touch policy `{}`; one of: once-per-change, every-command",
                crate::text::escape(&s.chars().take(40).collect::<String>())
            )),
        }
    }
}

impl fmt::Display for Touch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A touch policy: the mode, and for `once-per-change` how long a kept key may serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TouchPolicy {
    pub touch: Touch,
    /// The longest a kept file key serves (from when the token opened it); `None`: for
    /// the agent's lifetime.
    pub max_age: Option<Dur>,
}

impl TouchPolicy {
    /// A policy as typed; a maximum age only goes with `once-per-change`, and is at
    /// least a second.
    pub fn new(touch: Touch, max_age: Option<Dur>) -> Result<TouchPolicy, String> {
        match (touch, max_age) {
            (Touch::EveryCommand, Some(_)) => Err(
                "--max-age goes with once-per-change: every-command keeps nothing to age".into(),
            ),
            (_, Some(d)) if d.secs < 1 => Err("--max-age must be at least 1s".into()),
            _ => Ok(TouchPolicy { touch, max_age }),
        }
    }

    /// Whether the agent may keep this environment's file keys.
    pub fn keeps(&self) -> bool {
        self.touch == Touch::OncePerChange
    }

    /// The stored form (a `touch` event's reason): `touch=MODE[ max-age=DUR]`.
    pub fn stored(&self) -> String {
        match self.max_age {
            Some(d) => format!("touch={} max-age={d}", self.touch),
            None => format!("touch={}", self.touch),
        }
    }

    /// Read a stored form. Anything this build does not understand (a later keyward's
    /// policy) reads as the strictest, `every-command`: a policy is never loosened by
    /// being misread.
    pub fn from_stored(s: &str) -> TouchPolicy {
        let strictest = TouchPolicy {
            touch: Touch::EveryCommand,
            max_age: None,
        };
        let mut touch = None;
        let mut max_age = None;
        for part in s.split(' ') {
            match part.split_once('=') {
                Some(("touch", v)) if touch.is_none() => match v.parse() {
                    Ok(t) => touch = Some(t),
                    Err(_) => return strictest,
                },
                Some(("max-age", v)) if max_age.is_none() => match v.parse::<Dur>() {
                    Ok(d) => max_age = Some(d),
                    Err(_) => return strictest,
                },
                _ => return strictest,
            }
        }
        match touch {
            Some(t) => TouchPolicy::new(t, max_age).unwrap_or(strictest),
            None => strictest,
        }
    }
}

impl fmt::Display for TouchPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max_age {
            Some(d) => write!(f, "{} (a kept key serves at most {d})", self.touch),
            None => write!(f, "{}", self.touch),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_read_back_and_anything_unknown_is_the_strictest() {
        let once = TouchPolicy::default();
        let aged = TouchPolicy::new(Touch::OncePerChange, Some(Dur::from_secs(8 * 3600))).unwrap();
        let every = TouchPolicy::new(Touch::EveryCommand, None).unwrap();
        for p in [once, aged, every] {
            assert_eq!(TouchPolicy::from_stored(&p.stored()), p, "{}", p.stored());
        }
        assert_eq!(aged.stored(), "touch=once-per-change max-age=8h");
        assert!(once.keeps() && aged.keeps() && !every.keeps());
        for s in [
            "",
            "touch=sometimes",
            "touch=once-per-change max-age=forever",
            "touch=once-per-change quorum=2",
            "touch=every-command max-age=1h",
            "touch=once-per-change touch=once-per-change",
        ] {
            assert_eq!(TouchPolicy::from_stored(s), every, "{s:?}");
        }
        assert!(TouchPolicy::new(Touch::EveryCommand, Some(Dur::from_secs(60))).is_err());
        assert!(TouchPolicy::new(Touch::OncePerChange, Some(Dur::from_secs(0))).is_err());
    }
}
