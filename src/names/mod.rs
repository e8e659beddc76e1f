//! Newtypes for what users type: key names, environment names, durations and dates.
//! Each parses in one place, so bad input is a usage error (exit 2) before anything
//! is opened.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Serialize;
mod time;
#[allow(unused_imports)]
pub use time::*;
mod touch;
pub use touch::{Touch, TouchPolicy};

/// A key name: `[A-Za-z_][A-Za-z0-9_]*`, so it is also an environment variable name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct KeyName(String);

impl KeyName {
    pub const MAX_LEN: usize = 128;

    pub fn into_string(self) -> String {
        self.0
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for KeyName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        // `NAME=VALUE`, the dotenv habit: the value is not repeated (a CI log keeps it).
        if let Some((name, _)) = s.split_once('=') {
            // Only a name before it is shown (`K9=…`): base64's padding is an `=` too.
            let shown = match name.parse::<KeyName>() {
                Ok(_) => format!("`{name}=…`"),
                Err(_) => format!("({} characters, not shown)", s.chars().count()),
            };
            return Err(format!(
                "invalid key name {shown}: a name holds no `=` (what follows it is not shown); values are read from stdin or the terminal: `printf %s \"$VALUE\" | keyward set NAME`"
            ));
        }
        let mut chars = s.chars();
        let ok_first = matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic());
        if !ok_first || !chars.all(|c| c == '_' || c.is_ascii_alphanumeric()) {
            return Err(format!(
                "invalid key name {}: use letters, digits and `_`, not starting with a digit (it becomes an environment variable name)",
                crate::text::shown(s)
            ));
        }
        if s.len() > Self::MAX_LEN {
            return Err(format!(
                "invalid key name: longer than {} characters",
                Self::MAX_LEN
            ));
        }
        Ok(KeyName(s.to_owned()))
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Environment variables that make a program run other code: how it is loaded, how a
/// shell or an interpreter starts, which commands tools such as git run for it (helpers,
/// pagers, editors), and where they read configuration that names commands. A key with
/// such a name, injected by `run` or written by `export`, would let anyone who can write
/// the environment run code in every teammate's command (a cloned repository's vault
/// setting `GIT_CONFIG_*` runs its `core.fsmonitor` in the next `run -- git status`),
/// so they are refused unless `--allow-name NAME` names them (`set` and `generate`
/// warn). Not every variable of every program: the ones that lead to a command line.
pub const LOADER_VARIABLES: &[&str] = &[
    // the program search path and the dynamic loaders (glibc, musl, macOS)
    "PATH",
    "GCONV_PATH",
    "LOCPATH",
    "NLSPATH",
    // shells: startup files, option sets, prompts and word splitting
    "BASH_ENV",
    "ENV",
    "ZDOTDIR",
    "IFS",
    "PS0",
    "PS1",
    "PS2",
    "PS3",
    "PS4",
    "PROMPT",
    "prompt",
    "SPROMPT",
    "RPROMPT",
    "RPROMPT2",
    "FPATH",
    "RPS1",
    "RPS2",
    "PROMPT2",
    "PROMPT3",
    "PROMPT4",
    "PROMPT_EOL_MARK",
    "SHELLOPTS",
    "BASHOPTS",
    "PROMPT_COMMAND",
    // where programs read their configuration (which may name commands to run)
    "HOME",
    "KUBECONFIG",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "NPM_CONFIG_USERCONFIG",
    "OPENSSL_CONF",
    "CURL_HOME",
    "WGETRC",
    // commands other programs run: git's helpers, pagers, editors, askpass programs
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_ASKPASS",
    "GIT_EDITOR",
    "GIT_PAGER",
    "GIT_EXEC_PATH",
    "GIT_EXTERNAL_DIFF",
    "GIT_PROXY_COMMAND",
    "GIT_TEMPLATE_DIR",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_SEQUENCE_EDITOR",
    "SSH_ASKPASS",
    "SUDO_ASKPASS",
    "PAGER",
    "MANPAGER",
    "LESSOPEN",
    "LESSCLOSE",
    "EDITOR",
    "VISUAL",
    "SUDO_EDITOR",
    "FCEDIT",
    "KUBE_EDITOR",
    "GH_EDITOR",
    "GH_PAGER",
    "GH_BROWSER",
    "SYSTEMD_EDITOR",
    "SYSTEMD_PAGER",
    "MANOPT",
    "LESS",
    "LESSKEYIN",
    "GNUPGHOME",
    "BROWSER",
    "SHELL",
    "VIMINIT",
    "EXINIT",
    "MYVIMRC",
    // interpreters, runtimes and build tools: code or modules loaded at start
    "NODE_OPTIONS",
    "NODE_PATH",
    "PYTHONSTARTUP",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONWARNINGS",
    "PERL5OPT",
    "PERL5LIB",
    "PERLLIB",
    "PERL5DB",
    "RUBYOPT",
    "RUBYLIB",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "PYTHONUSERBASE",
    "CLASSPATH",
    "MAVEN_OPTS",
    "GRADLE_OPTS",
    "JAVA_OPTS",
    "DOTNET_STARTUP_HOOKS",
    "PHPRC",
    "PHP_INI_SCAN_DIR",
    "LUA_PATH",
    "LUA_CPATH",
    "GOFLAGS",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "RUSTFLAGS",
    "RUSTC",
    "CC",
    "CXX",
    "MAKEFLAGS",
    "MFLAGS",
    "MAKEFILES",
    "CFLAGS",
    "CXXFLAGS",
    "CPPFLAGS",
    "LDFLAGS",
    "CPP",
    "AR",
    "LD",
    "GOENV",
    "GOTOOLCHAIN",
    // package installers' sources: where pip, uv and rustup fetch code they then run
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
    "PIP_TRUSTED_HOST",
    "PIP_CONFIG_FILE",
    "UV_INDEX",
    "UV_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_EXTRA_INDEX_URL",
    "UV_FIND_LINKS",
    "UV_CONFIG_FILE",
    "RUSTUP_DIST_SERVER",
    "RUSTUP_UPDATE_ROOT",
    "RUSTUP_TOOLCHAIN",
    "RUSTUP_HOME",
    "GOPROXY",
    "GOSUMDB",
    "GONOSUMDB",
    "GONOSUMCHECK",
    "GOINSECURE",
    "GOPRIVATE",
    "GONOPROXY",
    "GOROOT",
    // GitHub Actions: turns the runner's deprecated `set-env`/`add-path` commands back on,
    // which then read a step's output as commands
    "ACTIONS_ALLOW_UNSECURE_COMMANDS",
    "JAVA_HOME",
    "GRADLE_USER_HOME",
    "BUNDLE_GEMFILE",
    "GEM_HOME",
    "GEM_PATH",
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "ERL_AFLAGS",
    "ERL_FLAGS",
    "ERL_ZFLAGS",
    "HGRCPATH",
    "GTK_MODULES",
    "TF_CLI_CONFIG_FILE",
];

/// Name prefixes of the same kind: `LD_PRELOAD`, `LD_LIBRARY_PATH`, `DYLD_INSERT_LIBRARIES`,
/// bash's exported functions, git's `GIT_CONFIG_KEY_0`/`GIT_CONFIG_VALUE_0`, the XDG
/// directories (configuration and data of every desktop-era tool), cargo's and npm's
/// settings (`CARGO_BUILD_RUSTC_WRAPPER`, `npm_config_script_shell`), Lua's startup code
/// (`LUA_INIT_5_4`), .NET's profiler, and keyward's own (a nested `keyward` in the child
/// would obey them: `KEYWARD_VAULT` would send its writes to another vault).
pub const LOADER_PREFIXES: &[&str] = &[
    "LD_",
    "DYLD_",
    "BASH_FUNC_",
    "GIT_CONFIG_",
    "XDG_",
    "CARGO_",
    "NPM_CONFIG_",
    "npm_config_",
    "LUA_INIT",
    "CORECLR_",
    "KEYWARD_",
];

/// Whether `name` is a variable that makes programs run other code
/// (`LOADER_VARIABLES`, `LOADER_PREFIXES`). Exact case: on Unix `path` is not `PATH`.
pub fn is_loader_variable(name: &str) -> bool {
    LOADER_VARIABLES.contains(&name) || LOADER_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// How close `typed` is to an existing name `known`, for "did you mean" hints: `Some`
/// (smaller is closer) for another case of the same name, or an edit distance of at most
/// one per four characters (at least one); `None` when they are unrelated.
pub fn closeness(typed: &str, known: &str) -> Option<usize> {
    if typed == known {
        return None;
    }
    if typed.eq_ignore_ascii_case(known) {
        return Some(0);
    }
    let (a, b) = (typed.to_ascii_uppercase(), known.to_ascii_uppercase());
    // Edit distance counting a swap of two neighbours as one edit (typing `prdo` for
    // `prod`): the optimal string alignment distance.
    let d = strsim::osa_distance(&a, &b);
    let longest = a.chars().count().max(b.chars().count());
    (d <= (longest / 4).max(1)).then_some(d)
}

/// A warning for `set`/`generate` of a loader variable: stored, but `run` and
/// `export` will refuse it without `--allow-name`.
pub fn loader_warning(name: &KeyName) -> Option<String> {
    is_loader_variable(name.as_str()).then(|| {
        format!(
            "`{name}` makes programs run other code (how they load, start, or which commands and configuration they use): `run` and `export` refuse to set it unless given --allow-name {name}"
        )
    })
}

/// An environment name: `[a-z][a-z0-9-]*`, at most 32 characters. No `_`, because the
/// environment is a field of the token format `<prefix>_<env>_<body>`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct EnvName(String);

impl EnvName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for EnvName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut chars = s.chars();
        let ok_first = matches!(chars.next(), Some(c) if c.is_ascii_lowercase());
        if !ok_first
            || s.len() > 32
            || !chars.all(|c| c == '-' || c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            let lower = s.to_ascii_lowercase();
            let hint = if lower != s && lower.parse::<EnvName>().is_ok() {
                format!(" (did you mean `{lower}`?)")
            } else {
                String::new()
            };
            return Err(format!(
                "invalid environment name `{}`{hint}: use lowercase letters, digits and `-`, starting with a letter, at most 32 characters",
                printable(s)
            ));
        }
        Ok(EnvName(s.to_owned()))
    }
}

impl fmt::Display for EnvName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A token prefix: `[a-z][a-z0-9]*`, at most 16 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefix(String);

impl Prefix {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl FromStr for Prefix {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut chars = s.chars();
        let ok_first = matches!(chars.next(), Some(c) if c.is_ascii_lowercase());
        if !ok_first || s.len() > 16 || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return Err(format!(
                "invalid prefix `{}`: use lowercase letters and digits, starting with a letter, at most 16 characters",
                printable(s)
            ));
        }
        Ok(Prefix(s.to_owned()))
    }
}

/// The latest moment keyward accepts or computes: 9999-12-31T23:59:59.999Z. Dates typed
/// by users stop here, and `When::ahead` saturates here, so no time overflows an `i64`
/// of milliseconds or prints as a raw number.
pub const MAX_TIME_MS: i64 = 253_402_300_799_999;
/// The earliest: 0000-01-01T00:00:00Z (`When::before` saturates here).
pub const MIN_TIME_MS: i64 = -62_167_219_200_000;

/// Echo user input into an error without letting control characters reach the terminal.
fn printable(s: &str) -> String {
    let mut out: String = s.chars().take(64).flat_map(char::escape_default).collect();
    if s.chars().count() > 64 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chrono_ms(ms: i64) -> String {
        Utc.timestamp_millis_opt(ms)
            .single()
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    }

    #[test]
    fn the_fast_time_format_is_chronos_at_the_edges() {
        for ms in [
            0,
            1,
            86_399_999,
            951_782_400_000,   // 2000-02-29
            4_107_542_400_000, // 2100-03-01
            MAX_TIME_MS,
        ] {
            assert_eq!(fmt_time_ms_fast(ms), chrono_ms(ms), "{ms}");
        }
    }

    proptest! {
        #[test]
        fn the_fast_time_format_is_chronos(ms in 0..=MAX_TIME_MS) {
            prop_assert_eq!(fmt_time_ms_fast(ms), chrono_ms(ms));
        }
    }

    #[test]
    fn close_names_are_typos_and_other_cases_only() {
        assert_eq!(closeness("stripe_key", "STRIPE_KEY"), Some(0));
        assert_eq!(closeness("STRIPE_KYE", "STRIPE_KEY"), Some(1));
        assert_eq!(closeness("prdo", "prod"), Some(1));
        assert_eq!(closeness("STRIPE_KE", "STRIPE_KEY"), Some(1));
        assert_eq!(closeness("A", "B"), Some(1));
        assert_eq!(closeness("STRIPE_KEY", "STRIPE_KEY"), None);
        assert_eq!(closeness("STRIPE_KEY", "GITHUB_TOKEN"), None);
        assert_eq!(closeness("DB", "OPENAI"), None);
    }

    #[test]
    fn durations_parse_in_every_unit() {
        assert_eq!("30s".parse::<Dur>().unwrap().secs, 30);
        assert_eq!("15m".parse::<Dur>().unwrap().secs, 900);
        assert_eq!("12h".parse::<Dur>().unwrap().secs, 43_200);
        assert_eq!("90d".parse::<Dur>().unwrap().secs, 7_776_000);
        assert_eq!("2w".parse::<Dur>().unwrap().secs, 1_209_600);
    }

    #[test]
    fn bad_durations_are_refused() {
        for bad in [
            "",
            "s",
            "10",
            "10x",
            "-5d",
            "1.5h",
            "0d",
            "d10",
            "10 d",
            "99999999999999d",
        ] {
            assert!(bad.parse::<Dur>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn dates_parse_as_rfc3339_day_or_duration() {
        assert_eq!(
            "2026-01-31".parse::<When>().unwrap(),
            When::At(1_769_817_600_000)
        );
        assert_eq!(
            "2026-01-31T00:00:01Z".parse::<When>().unwrap(),
            When::At(1_769_817_601_000)
        );
        assert_eq!(
            "2d".parse::<When>().unwrap(),
            When::In(Dur { secs: 172_800 })
        );
        assert!("2026-13-01".parse::<When>().is_err());
        assert!("tomorrow".parse::<When>().is_err());
    }

    #[test]
    fn loader_variables_are_recognised_and_ordinary_names_are_not() {
        for bad in [
            "PATH",
            "LD_PRELOAD",
            "LD_LIBRARY_PATH",
            "LD_AUDIT",
            "DYLD_INSERT_LIBRARIES",
            "BASH_ENV",
            "ENV",
            "IFS",
            "PS4",
            "SHELLOPTS",
            "BASHOPTS",
            "PROMPT_COMMAND",
            "NODE_OPTIONS",
            "PYTHONSTARTUP",
            "PYTHONPATH",
            "PERL5OPT",
            "RUBYOPT",
            "JAVA_TOOL_OPTIONS",
            "LD",
            "GIT_CONFIG_KEY_0",
            "KEYWARD_VAULT",
            "npm_config_script_shell",
        ] {
            assert!(is_loader_variable(bad), "{bad}");
        }
        for ok in [
            "STRIPE_KEY",
            "path",
            "MY_PATH",
            "PATH_PREFIX",
            "ENVIRONMENT",
            "OLD_PRELOAD",
            "API_ENV",
            "LDAP_URL",
            "CCACHE_KEY",
            "HOMEPAGE_TOKEN",
        ] {
            assert!(!is_loader_variable(ok), "{ok}");
        }
    }

    #[test]
    fn durations_over_8000_years_are_refused_not_wrapped() {
        let max = Dur::MAX_SECS / 604_800;
        assert!(format!("{max}w").parse::<Dur>().is_ok());
        for bad in [
            format!("{}w", max + 1),
            "999999999999w".to_owned(),
            "999999999999d".to_owned(),
            "999999999999h".to_owned(),
        ] {
            let e = bad.parse::<Dur>().unwrap_err();
            assert!(e.contains("8000 years"), "{bad}: {e}");
            let e = bad.parse::<When>().unwrap_err();
            assert!(e.contains("8000 years"), "{bad} as a date: {e}");
        }
    }

    #[test]
    fn a_zero_duration_as_a_date_says_what_is_wrong() {
        let e = "0s".parse::<When>().unwrap_err();
        assert!(e.contains("greater than zero"), "{e}");
        assert!(!e.contains("invalid date"), "{e}");
    }

    #[test]
    fn time_arithmetic_saturates_inside_years_0_to_9999() {
        let longest = When::In(Dur::from_secs(Dur::MAX_SECS));
        let now = 1_769_817_600_000;
        assert_eq!(longest.ahead(now), MAX_TIME_MS);
        assert_eq!(longest.before(now), MIN_TIME_MS);
        assert_eq!(fmt_time(MAX_TIME_MS), "9999-12-31T23:59:59Z");
        assert_eq!(fmt_time(MIN_TIME_MS), "0000-01-01T00:00:00Z");
        // an unvalidated Dur (from a damaged database) cannot overflow either
        let huge = When::In(Dur::from_secs(i64::MAX));
        assert_eq!(huge.ahead(i64::MAX - 1), MAX_TIME_MS);
        assert_eq!(huge.before(i64::MIN + 1), MIN_TIME_MS);
    }

    #[test]
    fn key_names_are_env_var_names() {
        for good in ["A", "_x", "STRIPE_KEY_2", "a1"] {
            assert!(good.parse::<KeyName>().is_ok(), "{good}");
        }
        for bad in ["", "1A", "A-B", "A B", "é", "A.B", "A=B"] {
            assert!(bad.parse::<KeyName>().is_err(), "{bad}");
        }
    }

    #[test]
    fn env_names_exclude_underscore() {
        assert!("prod".parse::<EnvName>().is_ok());
        assert!("eu-west-1".parse::<EnvName>().is_ok());
        for bad in ["", "Prod", "my_env", "1dev", "../x", "a/b"] {
            assert!(bad.parse::<EnvName>().is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn duration_parser_never_panics(s in "\\PC{0,20}") {
            let _ = s.parse::<Dur>();
            let _ = s.parse::<When>();
        }

        #[test]
        fn durations_round_trip_through_display(n in 1i64..400_000, unit in 0usize..5) {
            let u = ["s", "m", "h", "d", "w"][unit];
            let d: Dur = format!("{n}{u}").parse().unwrap();
            prop_assert_eq!(d.to_string().parse::<Dur>().unwrap(), d);
        }
    }
}
