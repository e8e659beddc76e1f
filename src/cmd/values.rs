//! How the plain enums of operations and tokens read on the command line: their names
//! and help for clap (`ValueEnum`), which only `cmd` knows of. The names are the ones
//! the operations print and store.

use clap::ValueEnum;
use clap::builder::PossibleValue;

/// `impl ValueEnum for T`: each variant with its name and optional help.
macro_rules! value_enum {
    ($t:ty { $($v:ident => $name:literal $(: $help:literal)?),+ $(,)? }) => {
        impl ValueEnum for $t {
            fn value_variants<'a>() -> &'a [Self] {
                &[$(<$t>::$v),+]
            }
            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(match self {
                    $(<$t>::$v => PossibleValue::new($name)$(.help($help))?,)+
                })
            }
        }
    };
}

value_enum!(crate::ops::issue::ImportFormat { Dotenv => "dotenv", Json => "json" });
value_enum!(crate::ops::import::Peer {
    Sops => "sops": "A sops-encrypted dotenv, JSON or YAML file, decrypted by the sops binary",
    Pass => "pass": "A pass store: one entry per key, decrypted by gpg",
    Passage => "passage": "A passage store: one age file per key, decrypted with the identity in use",
});
value_enum!(crate::ops::import::SopsType { Dotenv => "dotenv", Json => "json", Yaml => "yaml" });
value_enum!(crate::ops::complete::Candidates {
    Keys => "keys": "Key names in the environment (`-e`, default dev)",
    Envs => "envs": "Environments in the vault (file names only: needs no identity)",
    Recipients => "recipients": "Recipients of the environment",
});
value_enum!(crate::ops::follow::FollowFormat { Jsonl => "jsonl" });
value_enum!(crate::ops::audit::ExportFormat { Json => "json", Jsonl => "jsonl", Csv => "csv" });
value_enum!(crate::ops::export::ExportFormat {
    Dotenv => "dotenv",
    Json => "json",
    Shell => "shell",
    K8sSecret => "k8s-secret": "A Kubernetes Secret manifest (--name, --namespace)",
    GithubEnv => "github-env": "Blocks appended to $GITHUB_ENV (or -o), ::add-mask:: lines on stdout",
});
value_enum!(crate::ops::verifier::SetFormat {
    Sqlite => "sqlite": "An SQLite file, signed: open it read-only and query by hash",
    Sql => "sql": "One PostgreSQL transaction for `psql -v ON_ERROR_STOP=1 -f FILE`",
    Redis => "redis": "Commands for `redis-cli --pipe`",
    Jsonl => "jsonl": "JSON lines, signed: a header, then one object per version",
});
value_enum!(crate::token::Format {
    Token => "token": "`<prefix>_<env>_<30 random base62><6 base62 CRC32>`: recognisable offline",
    Hex => "hex": "Lowercase hex of N random bytes",
    Base64url => "base64url": "URL-safe base64 (no padding) of N random bytes",
    Alnum => "alnum": "Letters and digits carrying N bytes of entropy",
});
value_enum!(crate::names::Touch {
    OncePerChange => "once-per-change": "A hardware key is asked once per version of the file (the default)",
    EveryCommand => "every-command": "Every command asks the hardware key; the agent keeps nothing",
});
