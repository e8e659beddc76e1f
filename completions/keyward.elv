
use builtin;
use str;

set edit:completion:arg-completer[keyward] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'keyward'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'keyward'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create a vault with its environments, and a passphrase-protected identity'
            cand identity 'Create a plain identity (for CI) or show the recipient of the identity in use'
            cand unlock 'Unlock the identity once and keep it in a background agent'
            cand lock 'Stop the agent (exit 0 even when none runs)'
            cand env 'List environments, or add one encrypted to you and the recipients you name'
            cand generate 'Generate a new key and print it once'
            cand set 'Store a key issued elsewhere; the value is read from stdin (or a hidden prompt)'
            cand get 'Print a key''s active value'
            cand list 'List keys with their status, version, scopes and expiry (never values)'
            cand show 'Show a key''s metadata and version history (no values)'
            cand rotate 'Rotate a key: issue a new version and retire the old one'
            cand revoke 'Revoke a key, or one version of it, at once'
            cand rename 'Rename a key, keeping every version and its history'
            cand delete 'Delete a key and every version of it'
            cand verify 'Check a presented key, read from stdin, against the environment'
            cand check 'List keys needing attention; exit 8 when there are any (for scheduled CI jobs)'
            cand run 'Run a command with the environment''s active keys as environment variables'
            cand export 'Print the active keys as dotenv, JSON, shell `export` lines, a Kubernetes Secret, or GitHub Actions environment blocks'
            cand import 'Import keys from a dotenv or JSON file, a sops file, or a pass or passage store, all or nothing'
            cand audit 'Show the audit trail: lifecycle and access events, merged in time order'
            cand access 'List, grant or revoke the recipients of an environment'
            cand offboard 'Remove a recipient from every environment and rotate every key they could read'
            cand trust 'Accept the environment file as it is now, after review'
            cand git 'Keep the vault in git: attributes, ignores, readable diffs'
            cand scan 'Scan files, directory trees or stdin for leaked keys'
            cand completions 'Print a shell completion script'
            cand render 'Fill a template''s {{ NAME }} placeholders with the environment''s keys'
            cand hook 'Set, clear, approve or list the rotation hooks of imported keys'
            cand verifier 'Export hash-only verifier sets, so services check presented keys without the vault'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;init'= {
            cand --envs 'Environments to create, comma-separated'
            cand --recipient 'Another recipient for every environment (repeatable): `age1…` or an SSH public key'
            cand --admin 'A co-founding admin for every environment (repeatable): their member card (`keyward identity show`) or recipient. With you, they make the trust root'
            cand --name 'Your label (1-64 printable characters) in every environment: messages and the audit trail name you `LABEL (age1…)`, and others can type it instead of your recipient'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;identity'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand new 'Write a fresh identity and print its public recipient'
            cand show 'Print your member card: the public recipient and signing key of the identity in use, which an admin grants (`access grant CARD`)'
            cand signing-key 'Create the signing key of a hardware (plugin) identity, beside it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;identity;new'= {
            cand --out 'Where to write the identity'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --passphrase 'Protect it with a passphrase (default FILE: your default identity)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;identity;show'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --recipient 'Print only the recipient'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;identity;signing-key'= {
            cand --out 'Where to write it [default: beside the identity file]'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;identity;help'= {
            cand new 'Write a fresh identity and print its public recipient'
            cand show 'Print your member card: the public recipient and signing key of the identity in use, which an admin grants (`access grant CARD`)'
            cand signing-key 'Create the signing key of a hardware (plugin) identity, beside it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;identity;help;new'= {
        }
        &'keyward;identity;help;show'= {
        }
        &'keyward;identity;help;signing-key'= {
        }
        &'keyward;identity;help;help'= {
        }
        &'keyward;unlock'= {
            cand --for 'How long the agent may stay unused before it ends'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;lock'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --all 'Stop every agent of yours, whatever identity file each unlocked'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;env'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'Every environment, and whether the identity in use can open it'
            cand add 'Create an environment encrypted to the identity in use plus each --recipient'
            cand touch 'Show or set how often a hardware key is asked to open the environment'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;env;list'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;env;add'= {
            cand --recipient 'Another recipient (repeatable): `age1…`, an SSH public key, or the label of a member of another environment (their label comes along)'
            cand --admin 'Another admin (repeatable): their member card or recipient (DESIGN §15)'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'keyward;env;touch'= {
            cand --max-age 'With once-per-change: the longest a kept file key serves (DUR)'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;env;help'= {
            cand list 'Every environment, and whether the identity in use can open it'
            cand add 'Create an environment encrypted to the identity in use plus each --recipient'
            cand touch 'Show or set how often a hardware key is asked to open the environment'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;env;help;list'= {
        }
        &'keyward;env;help;add'= {
        }
        &'keyward;env;help;touch'= {
        }
        &'keyward;env;help;help'= {
        }
        &'keyward;generate'= {
            cand --format 'Value format'
            cand --bytes 'Bytes of entropy for hex, base64url and alnum (16 to 1024)'
            cand --prefix 'Token prefix (token format only)'
            cand --scope 'A scope the key grants (repeatable), e.g. `payments:write`'
            cand --expires 'When the key expires: RFC 3339, YYYY-MM-DD, or a duration from now (90d)'
            cand --rotate-every 'How often the key should be rotated (`check` and `rotate --all --due` use it)'
            cand --note 'A free-form note (never put a secret here: notes are not encrypted separately)'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;set'= {
            cand --rotate-with 'A rotation hook: a shell command that rolls the key at its provider (current value on stdin, new value on stdout), run by `rotate` and `offboard`; approved on this machine. See `keyward hook --help`'
            cand --hook-timeout 'How long the rotation hook may run before it is killed [default: 60s]'
            cand --scope 'A scope the key grants (repeatable), e.g. `payments:write`'
            cand --expires 'When the key expires: RFC 3339, YYYY-MM-DD, or a duration from now (90d)'
            cand --rotate-every 'How often the key should be rotated (`check` and `rotate --all --due` use it)'
            cand --note 'A free-form note (never put a secret here: notes are not encrypted separately)'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;get'= {
            cand --version 'A specific version (it must still be active)'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand -n 'Print no trailing newline'
            cand --no-newline 'Print no trailing newline'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;list'= {
            cand --status 'Which keys to show, by the status of their newest version'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --all-envs 'Every environment the identity can open (the others are named on stderr)'
            cand --jsonl 'One JSON object per key, one per line (the environments skipped are on stderr)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'keyward;show'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'keyward;rotate'= {
            cand --older-than 'With --all: only keys whose current version is older than DUR'
            cand --grace 'How long the old version still passes `verify` (default: retired at once)'
            cand --reason 'Why (recorded in the audit trail)'
            cand --allow-hook 'Run NAME''s rotation hook in this command if its hash is HASH (what `keyward hook list` shows), without an approval recorded on this machine (CI); repeatable. A wrong hash is refused and nothing runs'
            cand --scope 'A scope the key grants (repeatable), e.g. `payments:write`'
            cand --expires 'When the key expires: RFC 3339, YYYY-MM-DD, or a duration from now (90d)'
            cand --rotate-every 'How often the key should be rotated (`check` and `rotate --all --due` use it)'
            cand --note 'A free-form note (never put a secret here: notes are not encrypted separately)'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --all 'Rotate every key in the environment (one commit)'
            cand --due 'With --all: only keys past their --rotate-every period'
            cand --yes 'Do not ask: with --all (required without a terminal), and before rotating without --grace in `prod`/`production` on a terminal'
            cand --no-hook 'Read an imported key''s new value from stdin even if it has a rotation hook'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;revoke'= {
            cand --version 'Revoke only this version'
            cand --reason 'Why (required; recorded in the audit trail)'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --yes 'Do not ask (required without a terminal)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;rename'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;delete'= {
            cand --reason 'Why (required; recorded in the audit trail)'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --yes 'Do not ask (required without a terminal)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;verify'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;check'= {
            cand --within 'Report keys expiring within DUR'
            cand --unused-for 'Report keys not read (get, run, export) for DUR'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --all-envs 'Every environment the identity can open'
            cand --skip-unreadable 'With --all-envs: do not fail (exit 5) because some environments cannot be opened'
            cand --jsonl 'One JSON object per finding, one per line (the environments skipped are on stderr)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;run'= {
            cand --only 'Only these keys (comma-separated); each must be usable'
            cand --allow-name 'Inject this key even though its name makes programs run other code (PATH, LD_*, GIT_CONFIG_*, HOME, ...); repeatable'
            cand --file 'Give this key to the command as a file: a 0600 file in a fresh 0700 directory on tmpfs, its path in NAME_FILE (instead of NAME); repeatable. The directory is removed when the command ends'
            cand --env-file 'Give the command the variables of this dotenv file, `kw://ENV/NAME` references resolved (and of -e''s keys only those --only and --file name)'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --pristine 'Give the child only the keys plus PATH, HOME, USER, LANG and TERM'
            cand --redact 'Filter injected values out of the child''s output, even on a terminal'
            cand --no-redact 'Never filter the child''s output'
            cand --pass-keyward-env 'Pass keyward''s own KEYWARD_* variables (identity, passphrase) to the child'
            cand --allow-disk 'With --file: accept a directory that is not memory-backed (tmpfs) for the files'
            cand --strict 'Refuse to start (exit 4) when a key is left out because it is revoked, expired or retired, instead of naming it on stderr; KEYWARD_RUN_STRICT=1 sets it (for CI)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;export'= {
            cand --format 'Output format [default: dotenv; json with --json]'
            cand --only 'Only these keys (comma-separated); each must be usable'
            cand --allow-name 'Export this key even though its name makes programs run other code (PATH, LD_*, GIT_CONFIG_*, HOME, ...); repeatable'
            cand -o 'Write to FILE (mode 0600; `-`: stdout) instead of stdout; github-env appends to it'
            cand --out 'Write to FILE (mode 0600; `-`: stdout) instead of stdout; github-env appends to it'
            cand --name 'With --format k8s-secret: the Secret''s name'
            cand --namespace 'With --format k8s-secret: the Secret''s namespace'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --force 'Replace FILE if it exists (a symbolic link is refused even so)'
            cand --strict 'Refuse to export (exit 4) when a key is left out because it is revoked, expired or retired, instead of naming it on stderr; KEYWARD_RUN_STRICT=1 sets it (for CI)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;import'= {
            cand --format 'Input format of a plain file'
            cand --from 'Read from a peer: a sops-encrypted file, or a pass or passage store'
            cand --input-type 'With --from sops: the file''s type, when its name does not end in .env, .json or .yaml'
            cand --rotate-with 'Give the key NAME of the file a rotation hook (a shell command; see `keyward hook --help`), approved on this machine; repeatable'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --env-from-path 'With --from pass|passage: each entry''s first folder names its environment'
            cand --whole-entry 'With --from pass|passage: the whole entry is the value, not only its first line'
            cand --rename-invalid 'Import entries that are not valid key names under the names they would get'
            cand --dry-run 'Check everything and print what would be imported; change nothing'
            cand --overwrite 'Add a new version to keys that already exist'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;audit'= {
            cand --key 'Only events about this key'
            cand --actor 'Only events by this actor: a recipient (in full, shortened as `audit` shows it, or its first 8 characters or more) or its label (`access grant --name`)'
            cand --os-user 'Only events whose machine reported this OS user (exactly). The writer''s own claim (`$USER`), bound by no signature: anyone can report a member''s name'
            cand --host 'Only events whose machine reported this host name (exactly; unsigned, as --os-user)'
            cand --action 'Only events of this action (init, generate, get, revoke, …)'
            cand --since 'Only events at or after WHEN (RFC 3339, YYYY-MM-DD, or a duration ago: 7d)'
            cand --until 'Only events at or before WHEN'
            cand --limit 'Show only the newest N events'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --all-envs 'Every environment the identity can open'
            cand --jsonl 'One JSON object per event, one per line (what `audit export --format jsonl` writes)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand export 'Write events as JSON, JSON Lines or CSV, with their hashes for re-verification'
            cand verify 'Check every hash chain; print each chain''s head hash; exit 6 if anything was changed'
            cand anomalies 'Look for misuse: dead keys in use, guessing, new readers, read bursts, unused keys'
            cand follow 'Print each new event as a JSON line as soon as it is committed, until interrupted'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;audit;export'= {
            cand --format 'Output format'
            cand --out 'Write to FILE instead of stdout: created 0600, atomically; an existing FILE is refused (exit 1) unless --force, a symbolic link always'
            cand --key 'Only events about this key'
            cand --actor 'Only events by this actor: a recipient (in full, shortened as `audit` shows it, or its first 8 characters or more) or its label (`access grant --name`)'
            cand --os-user 'Only events whose machine reported this OS user (exactly). The writer''s own claim (`$USER`), bound by no signature: anyone can report a member''s name'
            cand --host 'Only events whose machine reported this host name (exactly; unsigned, as --os-user)'
            cand --action 'Only events of this action (init, generate, get, revoke, …)'
            cand --since 'Only events at or after WHEN (RFC 3339, YYYY-MM-DD, or a duration ago: 7d)'
            cand --until 'Only events at or before WHEN'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --force 'Replace an existing --out FILE (never a symbolic link)'
            cand --all-envs 'Every environment the identity can open'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'keyward;audit;verify'= {
            cand --pin 'With --git: require this chain head (from `audit verify`, 64 hex digits) to be in the chain of some environment where REVS ends'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --all-envs 'Every environment the identity can open'
            cand --git 'Check the vault''s history in the git repository around it, instead of the files as they are now'
            cand --full 'With --git: check every commit again, including those whose history this machine verified before (remembered per vault and identity)'
            cand --skip-unreadable 'With --all-envs or --git: exit 0 even if some environments could not be opened (they are still named)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;audit;anomalies'= {
            cand --since 'Start of the window examined (RFC 3339, YYYY-MM-DD, or a duration ago: 7d)'
            cand --baseline 'How far the baseline reaches back before the window'
            cand --guess-threshold 'Failed verify attempts by one actor within --guess-window that count as guessing'
            cand --guess-window 'The span --guess-threshold is counted in'
            cand --burst-window 'The span reads of one key are counted in for a burst'
            cand --burst-factor 'How many times its usual rate a key must be read to be a burst'
            cand --burst-min 'The fewest reads within --burst-window that can be a burst'
            cand --unused-for 'Report keys not read (get, run, export) for DUR'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --all-envs 'Every environment the identity can open'
            cand --skip-unreadable 'With --all-envs: do not fail (exit 5) because some environments cannot be opened'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;audit;follow'= {
            cand --format 'Output format'
            cand --cursor 'Record the position in FILE and resume from it'
            cand --poll 'Look for new events every DUR instead of waiting for change notification'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --all-envs 'Every environment the identity can open (and those created later)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;audit;help'= {
            cand export 'Write events as JSON, JSON Lines or CSV, with their hashes for re-verification'
            cand verify 'Check every hash chain; print each chain''s head hash; exit 6 if anything was changed'
            cand anomalies 'Look for misuse: dead keys in use, guessing, new readers, read bursts, unused keys'
            cand follow 'Print each new event as a JSON line as soon as it is committed, until interrupted'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;audit;help;export'= {
        }
        &'keyward;audit;help;verify'= {
        }
        &'keyward;audit;help;anomalies'= {
        }
        &'keyward;audit;help;follow'= {
        }
        &'keyward;audit;help;help'= {
        }
        &'keyward;access'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand list 'Recipients of the environment, with who added each and when'
            cand grant 'Let a member (their card) or a recipient (`age1…`, an SSH public key) decrypt the environment, with a role; or change a member''s role'
            cand revoke 'Stop a recipient from decrypting future versions of the environment'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;access;list'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'keyward;access;grant'= {
            cand --name 'A label for the recipient (1-64 printable characters, one member each), shown in messages, `access list` and `audit`, and accepted wherever a recipient is (`access revoke Ana`, `offboard Ana`, `audit --actor Ana`). For a member already there, changes their label'
            cand --role 'What they may do: read (decrypt only: CI that injects keys), write (keys and values; the default for someone new), admin (also access, roles, hooks). For a member already there, changes their role'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;access;revoke'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --force 'Allow removing your own identity (you will lose access)'
            cand --yes 'Do not ask (required without a terminal)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;access;help'= {
            cand list 'Recipients of the environment, with who added each and when'
            cand grant 'Let a member (their card) or a recipient (`age1…`, an SSH public key) decrypt the environment, with a role; or change a member''s role'
            cand revoke 'Stop a recipient from decrypting future versions of the environment'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;access;help;list'= {
        }
        &'keyward;access;help;grant'= {
        }
        &'keyward;access;help;revoke'= {
        }
        &'keyward;access;help;help'= {
        }
        &'keyward;offboard'= {
            cand --reason 'Why (required; recorded in the audit trail)'
            cand --grace 'Let old versions pass `verify` for DUR (default: revoked at once)'
            cand --allow-hook 'Run NAME''s rotation hook in this command if its hash is HASH (what `keyward hook list` shows), without an approval recorded on this machine (CI); repeatable'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --dry-run 'Show the plan and change nothing'
            cand --skip-unreadable 'Go ahead although some environments cannot be opened (they are still named)'
            cand --yes 'Do not ask (required without a terminal, unless --dry-run)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;trust'= {
            cand --reason 'Why (required; recorded in the audit trail)'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --yes 'Do not ask (needed without a terminal)'
            cand --clock 'Accept this machine''s clock, set right after it ran ahead: reads are refused while the clock is behind the last access recorded here. The access journal is set aside (kept, not shown by `audit` any more) and a new one starts; nothing in the vault changes, so any member may. Refused when the clock is not behind'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand root 'Print the trust root of an environment: its first signed state and admins'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;trust;root'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;trust;help'= {
            cand root 'Print the trust root of an environment: its first signed state and admins'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;trust;help;root'= {
        }
        &'keyward;trust;help;help'= {
        }
        &'keyward;git'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand setup 'Write the vault''s git attributes and ignores, and this clone''s diff and merge config'
            cand textconv 'Print an env file''s keys, versions, recipients and events, never a value (what git shows in diffs)'
            cand merge 'Merge driver for env files: merges by meaning (git runs it)'
            cand resolve 'Pick one of the values a merge kept for KEY (when both sides gave it a new value)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;git;setup'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;git;textconv'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;git;merge'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;git;resolve'= {
            cand --keep 'Resolve only if this is the active version (what you reviewed); an older value cannot be kept: versions are never renumbered (pins name values by number)'
            cand --grace 'How long the other values still verify (default: they retire at once; in `prod`/`production` a terminal asks first)'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --yes 'Do not ask before retiring the other values at once in production'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;git;help'= {
            cand setup 'Write the vault''s git attributes and ignores, and this clone''s diff and merge config'
            cand textconv 'Print an env file''s keys, versions, recipients and events, never a value (what git shows in diffs)'
            cand merge 'Merge driver for env files: merges by meaning (git runs it)'
            cand resolve 'Pick one of the values a merge kept for KEY (when both sides gave it a new value)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;git;help;setup'= {
        }
        &'keyward;git;help;textconv'= {
        }
        &'keyward;git;help;merge'= {
        }
        &'keyward;git;help;resolve'= {
        }
        &'keyward;git;help;help'= {
        }
        &'keyward;scan'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --no-ignore 'Scan untracked files that git ignores too'
            cand --staged 'Scan what is staged for the next commit in the git repository here'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;completions'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;render'= {
            cand -o 'Write the result to FILE (mode 0600) instead of stdout (`-`)'
            cand --out 'Write the result to FILE (mode 0600) instead of stdout (`-`)'
            cand --allow-multiline 'Render this key although its value holds a line break (a PEM key, a JSON file); repeatable. Otherwise such a value is refused: in a line-oriented file (.env, INI, YAML) the lines after the break would be its writer''s'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --force 'Replace FILE if it exists (a symbolic link is refused even so)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;hook'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand set 'Give an imported key a rotation hook (approved on this machine)'
            cand clear 'Remove a key''s rotation hook'
            cand allow 'Show a key''s rotation hook and approve it on this machine'
            cand list 'Every rotation hook of the environment, its hash, and whether it may run here'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;hook;set'= {
            cand --timeout 'How long the hook may run before it is killed [default: 60s]'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;hook;clear'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'keyward;hook;allow'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --yes 'Do not ask (required without a terminal)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;hook;list'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'keyward;hook;help'= {
            cand set 'Give an imported key a rotation hook (approved on this machine)'
            cand clear 'Remove a key''s rotation hook'
            cand allow 'Show a key''s rotation hook and approve it on this machine'
            cand list 'Every rotation hook of the environment, its hash, and whether it may run here'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;hook;help;set'= {
        }
        &'keyward;hook;help;clear'= {
        }
        &'keyward;hook;help;allow'= {
        }
        &'keyward;hook;help;list'= {
        }
        &'keyward;hook;help;help'= {
        }
        &'keyward;verifier'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand export 'Write the environment''s verifier set (sqlite, sql, redis or jsonl)'
            cand pubkey 'Print the environment''s verifier public key, for services to pin'
            cand check 'Check a presented key (stdin) against a set file alone: no identity, no vault'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;verifier;export'= {
            cand --format 'Output format'
            cand -o 'Write to FILE (replaced atomically) instead of stdout; `-` is stdout'
            cand --out 'Write to FILE (replaced atomically) instead of stdout; `-` is stdout'
            cand --hmac-key-file 'Hash with HMAC-SHA-256 under the key in FILE (at least 32 random bytes: `head -c 32 /dev/urandom`); required when the set would hold imported keys, whose values may be guessable'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;verifier;pubkey'= {
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'keyward;verifier;check'= {
            cand --set 'The set file (sqlite or jsonl)'
            cand --pubkey 'The public key the set must be signed by (`keyward verifier pubkey`)'
            cand --min-serial 'Refuse a set with a lower serial (one older than a set already seen)'
            cand --hmac-key-file 'The HMAC key an hmac-sha256 set was exported with'
            cand --vault 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]'
            cand -i 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand --identity 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead'
            cand -e 'Environment to act on [default: dev]'
            cand --env 'Environment to act on [default: dev]'
            cand --trust-root 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)'
            cand --json 'Print data as JSON'
            cand -q 'Print no notes on stderr (errors and warnings still show)'
            cand --quiet 'Print no notes on stderr (errors and warnings still show)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keyward;verifier;help'= {
            cand export 'Write the environment''s verifier set (sqlite, sql, redis or jsonl)'
            cand pubkey 'Print the environment''s verifier public key, for services to pin'
            cand check 'Check a presented key (stdin) against a set file alone: no identity, no vault'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;verifier;help;export'= {
        }
        &'keyward;verifier;help;pubkey'= {
        }
        &'keyward;verifier;help;check'= {
        }
        &'keyward;verifier;help;help'= {
        }
        &'keyward;help'= {
            cand init 'Create a vault with its environments, and a passphrase-protected identity'
            cand identity 'Create a plain identity (for CI) or show the recipient of the identity in use'
            cand unlock 'Unlock the identity once and keep it in a background agent'
            cand lock 'Stop the agent (exit 0 even when none runs)'
            cand env 'List environments, or add one encrypted to you and the recipients you name'
            cand generate 'Generate a new key and print it once'
            cand set 'Store a key issued elsewhere; the value is read from stdin (or a hidden prompt)'
            cand get 'Print a key''s active value'
            cand list 'List keys with their status, version, scopes and expiry (never values)'
            cand show 'Show a key''s metadata and version history (no values)'
            cand rotate 'Rotate a key: issue a new version and retire the old one'
            cand revoke 'Revoke a key, or one version of it, at once'
            cand rename 'Rename a key, keeping every version and its history'
            cand delete 'Delete a key and every version of it'
            cand verify 'Check a presented key, read from stdin, against the environment'
            cand check 'List keys needing attention; exit 8 when there are any (for scheduled CI jobs)'
            cand run 'Run a command with the environment''s active keys as environment variables'
            cand export 'Print the active keys as dotenv, JSON, shell `export` lines, a Kubernetes Secret, or GitHub Actions environment blocks'
            cand import 'Import keys from a dotenv or JSON file, a sops file, or a pass or passage store, all or nothing'
            cand audit 'Show the audit trail: lifecycle and access events, merged in time order'
            cand access 'List, grant or revoke the recipients of an environment'
            cand offboard 'Remove a recipient from every environment and rotate every key they could read'
            cand trust 'Accept the environment file as it is now, after review'
            cand git 'Keep the vault in git: attributes, ignores, readable diffs'
            cand scan 'Scan files, directory trees or stdin for leaked keys'
            cand completions 'Print a shell completion script'
            cand render 'Fill a template''s {{ NAME }} placeholders with the environment''s keys'
            cand hook 'Set, clear, approve or list the rotation hooks of imported keys'
            cand verifier 'Export hash-only verifier sets, so services check presented keys without the vault'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyward;help;init'= {
        }
        &'keyward;help;identity'= {
            cand new 'Write a fresh identity and print its public recipient'
            cand show 'Print your member card: the public recipient and signing key of the identity in use, which an admin grants (`access grant CARD`)'
            cand signing-key 'Create the signing key of a hardware (plugin) identity, beside it'
        }
        &'keyward;help;identity;new'= {
        }
        &'keyward;help;identity;show'= {
        }
        &'keyward;help;identity;signing-key'= {
        }
        &'keyward;help;unlock'= {
        }
        &'keyward;help;lock'= {
        }
        &'keyward;help;env'= {
            cand list 'Every environment, and whether the identity in use can open it'
            cand add 'Create an environment encrypted to the identity in use plus each --recipient'
            cand touch 'Show or set how often a hardware key is asked to open the environment'
        }
        &'keyward;help;env;list'= {
        }
        &'keyward;help;env;add'= {
        }
        &'keyward;help;env;touch'= {
        }
        &'keyward;help;generate'= {
        }
        &'keyward;help;set'= {
        }
        &'keyward;help;get'= {
        }
        &'keyward;help;list'= {
        }
        &'keyward;help;show'= {
        }
        &'keyward;help;rotate'= {
        }
        &'keyward;help;revoke'= {
        }
        &'keyward;help;rename'= {
        }
        &'keyward;help;delete'= {
        }
        &'keyward;help;verify'= {
        }
        &'keyward;help;check'= {
        }
        &'keyward;help;run'= {
        }
        &'keyward;help;export'= {
        }
        &'keyward;help;import'= {
        }
        &'keyward;help;audit'= {
            cand export 'Write events as JSON, JSON Lines or CSV, with their hashes for re-verification'
            cand verify 'Check every hash chain; print each chain''s head hash; exit 6 if anything was changed'
            cand anomalies 'Look for misuse: dead keys in use, guessing, new readers, read bursts, unused keys'
            cand follow 'Print each new event as a JSON line as soon as it is committed, until interrupted'
        }
        &'keyward;help;audit;export'= {
        }
        &'keyward;help;audit;verify'= {
        }
        &'keyward;help;audit;anomalies'= {
        }
        &'keyward;help;audit;follow'= {
        }
        &'keyward;help;access'= {
            cand list 'Recipients of the environment, with who added each and when'
            cand grant 'Let a member (their card) or a recipient (`age1…`, an SSH public key) decrypt the environment, with a role; or change a member''s role'
            cand revoke 'Stop a recipient from decrypting future versions of the environment'
        }
        &'keyward;help;access;list'= {
        }
        &'keyward;help;access;grant'= {
        }
        &'keyward;help;access;revoke'= {
        }
        &'keyward;help;offboard'= {
        }
        &'keyward;help;trust'= {
            cand root 'Print the trust root of an environment: its first signed state and admins'
        }
        &'keyward;help;trust;root'= {
        }
        &'keyward;help;git'= {
            cand setup 'Write the vault''s git attributes and ignores, and this clone''s diff and merge config'
            cand textconv 'Print an env file''s keys, versions, recipients and events, never a value (what git shows in diffs)'
            cand merge 'Merge driver for env files: merges by meaning (git runs it)'
            cand resolve 'Pick one of the values a merge kept for KEY (when both sides gave it a new value)'
        }
        &'keyward;help;git;setup'= {
        }
        &'keyward;help;git;textconv'= {
        }
        &'keyward;help;git;merge'= {
        }
        &'keyward;help;git;resolve'= {
        }
        &'keyward;help;scan'= {
        }
        &'keyward;help;completions'= {
        }
        &'keyward;help;render'= {
        }
        &'keyward;help;hook'= {
            cand set 'Give an imported key a rotation hook (approved on this machine)'
            cand clear 'Remove a key''s rotation hook'
            cand allow 'Show a key''s rotation hook and approve it on this machine'
            cand list 'Every rotation hook of the environment, its hash, and whether it may run here'
        }
        &'keyward;help;hook;set'= {
        }
        &'keyward;help;hook;clear'= {
        }
        &'keyward;help;hook;allow'= {
        }
        &'keyward;help;hook;list'= {
        }
        &'keyward;help;verifier'= {
            cand export 'Write the environment''s verifier set (sqlite, sql, redis or jsonl)'
            cand pubkey 'Print the environment''s verifier public key, for services to pin'
            cand check 'Check a presented key (stdin) against a set file alone: no identity, no vault'
        }
        &'keyward;help;verifier;export'= {
        }
        &'keyward;help;verifier;pubkey'= {
        }
        &'keyward;help;verifier;check'= {
        }
        &'keyward;help;help'= {
        }
    ]
    $completions[$command]
}
