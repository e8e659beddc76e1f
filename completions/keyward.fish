# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_keyward_global_optspecs
    string join \n vault= i/identity= e/env= trust-root= json q/quiet h/help V/version
end

function __fish_keyward_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_keyward_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_keyward_using_subcommand
    set -l cmd (__fish_keyward_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c keyward -n "__fish_keyward_needs_command" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_needs_command" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_needs_command" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_needs_command" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_needs_command" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_needs_command" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_needs_command" -s V -l version -d 'Print version'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "init" -d 'Create a vault with its environments, and a passphrase-protected identity'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "identity" -d 'Create a plain identity (for CI) or show the recipient of the identity in use'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "unlock" -d 'Unlock the identity once and keep it in a background agent'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "lock" -d 'Stop the agent (exit 0 even when none runs)'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "env" -d 'List environments, or add one encrypted to you and the recipients you name'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "generate" -d 'Generate a new key and print it once'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "set" -d 'Store a key issued elsewhere; the value is read from stdin (or a hidden prompt)'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "get" -d 'Print a key\'s active value'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "list" -d 'List keys with their status, version, scopes and expiry (never values)'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "show" -d 'Show a key\'s metadata and version history (no values)'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "rotate" -d 'Rotate a key: issue a new version and retire the old one'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "revoke" -d 'Revoke a key, or one version of it, at once'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "rename" -d 'Rename a key, keeping every version and its history'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "delete" -d 'Delete a key and every version of it'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "verify" -d 'Check a presented key, read from stdin, against the environment'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "check" -d 'List keys needing attention; exit 8 when there are any (for scheduled CI jobs)'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "run" -d 'Run a command with the environment\'s active keys as environment variables'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "export" -d 'Print the active keys as dotenv, JSON, shell `export` lines, a Kubernetes Secret, or GitHub Actions environment blocks'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "import" -d 'Import keys from a dotenv or JSON file, a sops file, or a pass or passage store, all or nothing'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "audit" -d 'Show the audit trail: lifecycle and access events, merged in time order'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "access" -d 'List, grant or revoke the recipients of an environment'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "offboard" -d 'Remove a recipient from every environment and rotate every key they could read'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "trust" -d 'Accept the environment file as it is now, after review'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "git" -d 'Keep the vault in git: attributes, ignores, readable diffs'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "scan" -d 'Scan files, directory trees or stdin for leaked keys'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "render" -d 'Fill a template\'s {{ NAME }} placeholders with the environment\'s keys'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "hook" -d 'Set, clear, approve or list the rotation hooks of imported keys'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "verifier" -d 'Export hash-only verifier sets, so services check presented keys without the vault'
complete -c keyward -n "__fish_keyward_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand init" -l envs -d 'Environments to create, comma-separated' -r
complete -c keyward -n "__fish_keyward_using_subcommand init" -l recipient -d 'Another recipient for every environment (repeatable): `age1…` or an SSH public key' -r
complete -c keyward -n "__fish_keyward_using_subcommand init" -l admin -d 'A co-founding admin for every environment (repeatable): their member card (`keyward identity show`) or recipient. With you, they make the trust root' -r
complete -c keyward -n "__fish_keyward_using_subcommand init" -l name -d 'Your label (1-64 printable characters) in every environment: messages and the audit trail name you `LABEL (age1…)`, and others can type it instead of your recipient' -r
complete -c keyward -n "__fish_keyward_using_subcommand init" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand init" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand init" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand init" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand init" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand init" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and not __fish_seen_subcommand_from new show signing-key help" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand identity; and not __fish_seen_subcommand_from new show signing-key help" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand identity; and not __fish_seen_subcommand_from new show signing-key help" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand identity; and not __fish_seen_subcommand_from new show signing-key help" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand identity; and not __fish_seen_subcommand_from new show signing-key help" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and not __fish_seen_subcommand_from new show signing-key help" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and not __fish_seen_subcommand_from new show signing-key help" -s h -l help -d 'Print help'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and not __fish_seen_subcommand_from new show signing-key help" -f -a "new" -d 'Write a fresh identity and print its public recipient'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and not __fish_seen_subcommand_from new show signing-key help" -f -a "show" -d 'Print your member card: the public recipient and signing key of the identity in use, which an admin grants (`access grant CARD`)'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and not __fish_seen_subcommand_from new show signing-key help" -f -a "signing-key" -d 'Create the signing key of a hardware (plugin) identity, beside it'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and not __fish_seen_subcommand_from new show signing-key help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from new" -l out -d 'Where to write the identity' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from new" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from new" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from new" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from new" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from new" -l passphrase -d 'Protect it with a passphrase (default FILE: your default identity)'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from new" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from new" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from new" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from show" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from show" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from show" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from show" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from show" -l recipient -d 'Print only the recipient'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from show" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from signing-key" -l out -d 'Where to write it [default: beside the identity file]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from signing-key" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from signing-key" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from signing-key" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from signing-key" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from signing-key" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from signing-key" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from signing-key" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from help" -f -a "new" -d 'Write a fresh identity and print its public recipient'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print your member card: the public recipient and signing key of the identity in use, which an admin grants (`access grant CARD`)'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from help" -f -a "signing-key" -d 'Create the signing key of a hardware (plugin) identity, beside it'
complete -c keyward -n "__fish_keyward_using_subcommand identity; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand unlock" -l for -d 'How long the agent may stay unused before it ends' -r
complete -c keyward -n "__fish_keyward_using_subcommand unlock" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand unlock" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand unlock" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand unlock" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand unlock" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand unlock" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand unlock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand lock" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand lock" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand lock" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand lock" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand lock" -l all -d 'Stop every agent of yours, whatever identity file each unlocked'
complete -c keyward -n "__fish_keyward_using_subcommand lock" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand lock" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand lock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand env; and not __fish_seen_subcommand_from list add touch help" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand env; and not __fish_seen_subcommand_from list add touch help" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand env; and not __fish_seen_subcommand_from list add touch help" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand env; and not __fish_seen_subcommand_from list add touch help" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand env; and not __fish_seen_subcommand_from list add touch help" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand env; and not __fish_seen_subcommand_from list add touch help" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand env; and not __fish_seen_subcommand_from list add touch help" -s h -l help -d 'Print help'
complete -c keyward -n "__fish_keyward_using_subcommand env; and not __fish_seen_subcommand_from list add touch help" -f -a "list" -d 'Every environment, and whether the identity in use can open it'
complete -c keyward -n "__fish_keyward_using_subcommand env; and not __fish_seen_subcommand_from list add touch help" -f -a "add" -d 'Create an environment encrypted to the identity in use plus each --recipient'
complete -c keyward -n "__fish_keyward_using_subcommand env; and not __fish_seen_subcommand_from list add touch help" -f -a "touch" -d 'Show or set how often a hardware key is asked to open the environment'
complete -c keyward -n "__fish_keyward_using_subcommand env; and not __fish_seen_subcommand_from list add touch help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from list" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from list" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from list" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from list" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from list" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from add" -l recipient -d 'Another recipient (repeatable): `age1…`, an SSH public key, or the label of a member of another environment (their label comes along)' -r
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from add" -l admin -d 'Another admin (repeatable): their member card or recipient (DESIGN §15)' -r
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from add" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from add" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from add" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from add" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from add" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from touch" -l max-age -d 'With once-per-change: the longest a kept file key serves (DUR)' -r
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from touch" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from touch" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from touch" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from touch" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from touch" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from touch" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from touch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every environment, and whether the identity in use can open it'
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from help" -f -a "add" -d 'Create an environment encrypted to the identity in use plus each --recipient'
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from help" -f -a "touch" -d 'Show or set how often a hardware key is asked to open the environment'
complete -c keyward -n "__fish_keyward_using_subcommand env; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand generate" -l format -d 'Value format' -r -f -a "token\t'`<prefix>_<env>_<30 random base62><6 base62 CRC32>`: recognisable offline'
hex\t'Lowercase hex of N random bytes'
base64url\t'URL-safe base64 (no padding) of N random bytes'
alnum\t'Letters and digits carrying N bytes of entropy'"
complete -c keyward -n "__fish_keyward_using_subcommand generate" -l bytes -d 'Bytes of entropy for hex, base64url and alnum (16 to 1024)' -r
complete -c keyward -n "__fish_keyward_using_subcommand generate" -l prefix -d 'Token prefix (token format only)' -r
complete -c keyward -n "__fish_keyward_using_subcommand generate" -l scope -d 'A scope the key grants (repeatable), e.g. `payments:write`' -r
complete -c keyward -n "__fish_keyward_using_subcommand generate" -l expires -d 'When the key expires: RFC 3339, YYYY-MM-DD, or a duration from now (90d)' -r
complete -c keyward -n "__fish_keyward_using_subcommand generate" -l rotate-every -d 'How often the key should be rotated (`check` and `rotate --all --due` use it)' -r
complete -c keyward -n "__fish_keyward_using_subcommand generate" -l note -d 'A free-form note (never put a secret here: notes are not encrypted separately)' -r
complete -c keyward -n "__fish_keyward_using_subcommand generate" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand generate" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand generate" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand generate" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand generate" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand generate" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand set" -l rotate-with -d 'A rotation hook: a shell command that rolls the key at its provider (current value on stdin, new value on stdout), run by `rotate` and `offboard`; approved on this machine. See `keyward hook --help`' -r
complete -c keyward -n "__fish_keyward_using_subcommand set" -l hook-timeout -d 'How long the rotation hook may run before it is killed [default: 60s]' -r
complete -c keyward -n "__fish_keyward_using_subcommand set" -l scope -d 'A scope the key grants (repeatable), e.g. `payments:write`' -r
complete -c keyward -n "__fish_keyward_using_subcommand set" -l expires -d 'When the key expires: RFC 3339, YYYY-MM-DD, or a duration from now (90d)' -r
complete -c keyward -n "__fish_keyward_using_subcommand set" -l rotate-every -d 'How often the key should be rotated (`check` and `rotate --all --due` use it)' -r
complete -c keyward -n "__fish_keyward_using_subcommand set" -l note -d 'A free-form note (never put a secret here: notes are not encrypted separately)' -r
complete -c keyward -n "__fish_keyward_using_subcommand set" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand set" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand set" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand set" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand set" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand set" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand get" -l version -d 'A specific version (it must still be active)' -r
complete -c keyward -n "__fish_keyward_using_subcommand get" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand get" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand get" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand get" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand get" -s n -l no-newline -d 'Print no trailing newline'
complete -c keyward -n "__fish_keyward_using_subcommand get" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand get" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand list" -l status -d 'Which keys to show, by the status of their newest version' -r -f -a "active\t''
revoked\t''
expired\t''
all\t''"
complete -c keyward -n "__fish_keyward_using_subcommand list" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand list" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand list" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand list" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand list" -l all-envs -d 'Every environment the identity can open (the others are named on stderr)'
complete -c keyward -n "__fish_keyward_using_subcommand list" -l jsonl -d 'One JSON object per key, one per line (the environments skipped are on stderr)'
complete -c keyward -n "__fish_keyward_using_subcommand list" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand list" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand list" -s h -l help -d 'Print help'
complete -c keyward -n "__fish_keyward_using_subcommand show" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand show" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand show" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand show" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand show" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand show" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand show" -s h -l help -d 'Print help'
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -l older-than -d 'With --all: only keys whose current version is older than DUR' -r
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -l grace -d 'How long the old version still passes `verify` (default: retired at once)' -r
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -l reason -d 'Why (recorded in the audit trail)' -r
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -l allow-hook -d 'Run NAME\'s rotation hook in this command if its hash is HASH (what `keyward hook list` shows), without an approval recorded on this machine (CI); repeatable. A wrong hash is refused and nothing runs' -r
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -l scope -d 'A scope the key grants (repeatable), e.g. `payments:write`' -r
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -l expires -d 'When the key expires: RFC 3339, YYYY-MM-DD, or a duration from now (90d)' -r
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -l rotate-every -d 'How often the key should be rotated (`check` and `rotate --all --due` use it)' -r
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -l note -d 'A free-form note (never put a secret here: notes are not encrypted separately)' -r
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -l all -d 'Rotate every key in the environment (one commit)'
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -l due -d 'With --all: only keys past their --rotate-every period'
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -l yes -d 'Do not ask: with --all (required without a terminal), and before rotating without --grace in `prod`/`production` on a terminal'
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -l no-hook -d 'Read an imported key\'s new value from stdin even if it has a rotation hook'
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand revoke" -l version -d 'Revoke only this version' -r
complete -c keyward -n "__fish_keyward_using_subcommand revoke" -l reason -d 'Why (required; recorded in the audit trail)' -r
complete -c keyward -n "__fish_keyward_using_subcommand revoke" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand revoke" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand revoke" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand revoke" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand revoke" -l yes -d 'Do not ask (required without a terminal)'
complete -c keyward -n "__fish_keyward_using_subcommand revoke" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand revoke" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand rename" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand rename" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand rename" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand rename" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand rename" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand rename" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand rename" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand delete" -l reason -d 'Why (required; recorded in the audit trail)' -r
complete -c keyward -n "__fish_keyward_using_subcommand delete" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand delete" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand delete" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand delete" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand delete" -l yes -d 'Do not ask (required without a terminal)'
complete -c keyward -n "__fish_keyward_using_subcommand delete" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand delete" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand verify" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand verify" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand verify" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand verify" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand verify" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand verify" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand check" -l within -d 'Report keys expiring within DUR' -r
complete -c keyward -n "__fish_keyward_using_subcommand check" -l unused-for -d 'Report keys not read (get, run, export) for DUR' -r
complete -c keyward -n "__fish_keyward_using_subcommand check" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand check" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand check" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand check" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand check" -l all-envs -d 'Every environment the identity can open'
complete -c keyward -n "__fish_keyward_using_subcommand check" -l skip-unreadable -d 'With --all-envs: do not fail (exit 5) because some environments cannot be opened'
complete -c keyward -n "__fish_keyward_using_subcommand check" -l jsonl -d 'One JSON object per finding, one per line (the environments skipped are on stderr)'
complete -c keyward -n "__fish_keyward_using_subcommand check" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand check" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand run" -l only -d 'Only these keys (comma-separated); each must be usable' -r
complete -c keyward -n "__fish_keyward_using_subcommand run" -l allow-name -d 'Inject this key even though its name makes programs run other code (PATH, LD_*, GIT_CONFIG_*, HOME, ...); repeatable' -r
complete -c keyward -n "__fish_keyward_using_subcommand run" -l file -d 'Give this key to the command as a file: a 0600 file in a fresh 0700 directory on tmpfs, its path in NAME_FILE (instead of NAME); repeatable. The directory is removed when the command ends' -r
complete -c keyward -n "__fish_keyward_using_subcommand run" -l env-file -d 'Give the command the variables of this dotenv file, `kw://ENV/NAME` references resolved (and of -e\'s keys only those --only and --file name)' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand run" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand run" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand run" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand run" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand run" -l pristine -d 'Give the child only the keys plus PATH, HOME, USER, LANG and TERM'
complete -c keyward -n "__fish_keyward_using_subcommand run" -l redact -d 'Filter injected values out of the child\'s output, even on a terminal'
complete -c keyward -n "__fish_keyward_using_subcommand run" -l no-redact -d 'Never filter the child\'s output'
complete -c keyward -n "__fish_keyward_using_subcommand run" -l pass-keyward-env -d 'Pass keyward\'s own KEYWARD_* variables (identity, passphrase) to the child'
complete -c keyward -n "__fish_keyward_using_subcommand run" -l allow-disk -d 'With --file: accept a directory that is not memory-backed (tmpfs) for the files'
complete -c keyward -n "__fish_keyward_using_subcommand run" -l strict -d 'Refuse to start (exit 4) when a key is left out because it is revoked, expired or retired, instead of naming it on stderr; KEYWARD_RUN_STRICT=1 sets it (for CI)'
complete -c keyward -n "__fish_keyward_using_subcommand run" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand run" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand export" -l format -d 'Output format [default: dotenv; json with --json]' -r -f -a "dotenv\t''
json\t''
shell\t''
k8s-secret\t'A Kubernetes Secret manifest (--name, --namespace)'
github-env\t'Blocks appended to $GITHUB_ENV (or -o), ::add-mask:: lines on stdout'"
complete -c keyward -n "__fish_keyward_using_subcommand export" -l only -d 'Only these keys (comma-separated); each must be usable' -r
complete -c keyward -n "__fish_keyward_using_subcommand export" -l allow-name -d 'Export this key even though its name makes programs run other code (PATH, LD_*, GIT_CONFIG_*, HOME, ...); repeatable' -r
complete -c keyward -n "__fish_keyward_using_subcommand export" -s o -l out -d 'Write to FILE (mode 0600; `-`: stdout) instead of stdout; github-env appends to it' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand export" -l name -d 'With --format k8s-secret: the Secret\'s name' -r
complete -c keyward -n "__fish_keyward_using_subcommand export" -l namespace -d 'With --format k8s-secret: the Secret\'s namespace' -r
complete -c keyward -n "__fish_keyward_using_subcommand export" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand export" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand export" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand export" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand export" -l force -d 'Replace FILE if it exists (a symbolic link is refused even so)'
complete -c keyward -n "__fish_keyward_using_subcommand export" -l strict -d 'Refuse to export (exit 4) when a key is left out because it is revoked, expired or retired, instead of naming it on stderr; KEYWARD_RUN_STRICT=1 sets it (for CI)'
complete -c keyward -n "__fish_keyward_using_subcommand export" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand export" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand import" -l format -d 'Input format of a plain file' -r -f -a "dotenv\t''
json\t''"
complete -c keyward -n "__fish_keyward_using_subcommand import" -l from -d 'Read from a peer: a sops-encrypted file, or a pass or passage store' -r -f -a "sops\t'A sops-encrypted dotenv, JSON or YAML file, decrypted by the sops binary'
pass\t'A pass store: one entry per key, decrypted by gpg'
passage\t'A passage store: one age file per key, decrypted with the identity in use'"
complete -c keyward -n "__fish_keyward_using_subcommand import" -l input-type -d 'With --from sops: the file\'s type, when its name does not end in .env, .json or .yaml' -r -f -a "dotenv\t''
json\t''
yaml\t''"
complete -c keyward -n "__fish_keyward_using_subcommand import" -l rotate-with -d 'Give the key NAME of the file a rotation hook (a shell command; see `keyward hook --help`), approved on this machine; repeatable' -r
complete -c keyward -n "__fish_keyward_using_subcommand import" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand import" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand import" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand import" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand import" -l env-from-path -d 'With --from pass|passage: each entry\'s first folder names its environment'
complete -c keyward -n "__fish_keyward_using_subcommand import" -l whole-entry -d 'With --from pass|passage: the whole entry is the value, not only its first line'
complete -c keyward -n "__fish_keyward_using_subcommand import" -l rename-invalid -d 'Import entries that are not valid key names under the names they would get'
complete -c keyward -n "__fish_keyward_using_subcommand import" -l dry-run -d 'Check everything and print what would be imported; change nothing'
complete -c keyward -n "__fish_keyward_using_subcommand import" -l overwrite -d 'Add a new version to keys that already exist'
complete -c keyward -n "__fish_keyward_using_subcommand import" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand import" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -l key -d 'Only events about this key' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -l actor -d 'Only events by this actor: a recipient (in full, shortened as `audit` shows it, or its first 8 characters or more) or its label (`access grant --name`)' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -l os-user -d 'Only events whose machine reported this OS user (exactly). The writer\'s own claim (`$USER`), bound by no signature: anyone can report a member\'s name' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -l host -d 'Only events whose machine reported this host name (exactly; unsigned, as --os-user)' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -l action -d 'Only events of this action (init, generate, get, revoke, …)' -r -f -a "init\t''
env-add\t''
generate\t''
set\t''
import\t''
rotate\t''
revoke\t''
expire\t''
access-grant\t''
access-revoke\t''
offboard\t''
get\t''
run\t''
export\t''
verify\t''
trust\t''
rename\t''
delete\t''
merge\t''
merge-conflict\t''
exposed\t''
resolve\t''
render\t''
hook\t''
verifier-key\t''
verifier-export\t''
checkpoint\t''
role\t''
touch\t''"
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -l since -d 'Only events at or after WHEN (RFC 3339, YYYY-MM-DD, or a duration ago: 7d)' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -l until -d 'Only events at or before WHEN' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -l limit -d 'Show only the newest N events' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -l all-envs -d 'Every environment the identity can open'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -l jsonl -d 'One JSON object per event, one per line (what `audit export --format jsonl` writes)'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -f -a "export" -d 'Write events as JSON, JSON Lines or CSV, with their hashes for re-verification'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -f -a "verify" -d 'Check every hash chain; print each chain\'s head hash; exit 6 if anything was changed'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -f -a "anomalies" -d 'Look for misuse: dead keys in use, guessing, new readers, read bursts, unused keys'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -f -a "follow" -d 'Print each new event as a JSON line as soon as it is committed, until interrupted'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and not __fish_seen_subcommand_from export verify anomalies follow help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -l format -d 'Output format' -r -f -a "json\t''
jsonl\t''
csv\t''"
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -l out -d 'Write to FILE instead of stdout: created 0600, atomically; an existing FILE is refused (exit 1) unless --force, a symbolic link always' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -l key -d 'Only events about this key' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -l actor -d 'Only events by this actor: a recipient (in full, shortened as `audit` shows it, or its first 8 characters or more) or its label (`access grant --name`)' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -l os-user -d 'Only events whose machine reported this OS user (exactly). The writer\'s own claim (`$USER`), bound by no signature: anyone can report a member\'s name' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -l host -d 'Only events whose machine reported this host name (exactly; unsigned, as --os-user)' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -l action -d 'Only events of this action (init, generate, get, revoke, …)' -r -f -a "init\t''
env-add\t''
generate\t''
set\t''
import\t''
rotate\t''
revoke\t''
expire\t''
access-grant\t''
access-revoke\t''
offboard\t''
get\t''
run\t''
export\t''
verify\t''
trust\t''
rename\t''
delete\t''
merge\t''
merge-conflict\t''
exposed\t''
resolve\t''
render\t''
hook\t''
verifier-key\t''
verifier-export\t''
checkpoint\t''
role\t''
touch\t''"
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -l since -d 'Only events at or after WHEN (RFC 3339, YYYY-MM-DD, or a duration ago: 7d)' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -l until -d 'Only events at or before WHEN' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -l force -d 'Replace an existing --out FILE (never a symbolic link)'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -l all-envs -d 'Every environment the identity can open'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from verify" -l pin -d 'With --git: require this chain head (from `audit verify`, 64 hex digits) to be in the chain of some environment where REVS ends' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from verify" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from verify" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from verify" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from verify" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from verify" -l all-envs -d 'Every environment the identity can open'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from verify" -l git -d 'Check the vault\'s history in the git repository around it, instead of the files as they are now'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from verify" -l full -d 'With --git: check every commit again, including those whose history this machine verified before (remembered per vault and identity)'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from verify" -l skip-unreadable -d 'With --all-envs or --git: exit 0 even if some environments could not be opened (they are still named)'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from verify" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l since -d 'Start of the window examined (RFC 3339, YYYY-MM-DD, or a duration ago: 7d)' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l baseline -d 'How far the baseline reaches back before the window' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l guess-threshold -d 'Failed verify attempts by one actor within --guess-window that count as guessing' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l guess-window -d 'The span --guess-threshold is counted in' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l burst-window -d 'The span reads of one key are counted in for a burst' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l burst-factor -d 'How many times its usual rate a key must be read to be a burst' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l burst-min -d 'The fewest reads within --burst-window that can be a burst' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l unused-for -d 'Report keys not read (get, run, export) for DUR' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l all-envs -d 'Every environment the identity can open'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l skip-unreadable -d 'With --all-envs: do not fail (exit 5) because some environments cannot be opened'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from follow" -l format -d 'Output format' -r -f -a "jsonl\t''"
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from follow" -l cursor -d 'Record the position in FILE and resume from it' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from follow" -l poll -d 'Look for new events every DUR instead of waiting for change notification' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from follow" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from follow" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from follow" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from follow" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from follow" -l all-envs -d 'Every environment the identity can open (and those created later)'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from follow" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from follow" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from follow" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "export" -d 'Write events as JSON, JSON Lines or CSV, with their hashes for re-verification'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check every hash chain; print each chain\'s head hash; exit 6 if anything was changed'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "anomalies" -d 'Look for misuse: dead keys in use, guessing, new readers, read bursts, unused keys'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "follow" -d 'Print each new event as a JSON line as soon as it is committed, until interrupted'
complete -c keyward -n "__fish_keyward_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand access; and not __fish_seen_subcommand_from list grant revoke help" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand access; and not __fish_seen_subcommand_from list grant revoke help" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand access; and not __fish_seen_subcommand_from list grant revoke help" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand access; and not __fish_seen_subcommand_from list grant revoke help" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand access; and not __fish_seen_subcommand_from list grant revoke help" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand access; and not __fish_seen_subcommand_from list grant revoke help" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand access; and not __fish_seen_subcommand_from list grant revoke help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand access; and not __fish_seen_subcommand_from list grant revoke help" -f -a "list" -d 'Recipients of the environment, with who added each and when'
complete -c keyward -n "__fish_keyward_using_subcommand access; and not __fish_seen_subcommand_from list grant revoke help" -f -a "grant" -d 'Let a member (their card) or a recipient (`age1…`, an SSH public key) decrypt the environment, with a role; or change a member\'s role'
complete -c keyward -n "__fish_keyward_using_subcommand access; and not __fish_seen_subcommand_from list grant revoke help" -f -a "revoke" -d 'Stop a recipient from decrypting future versions of the environment'
complete -c keyward -n "__fish_keyward_using_subcommand access; and not __fish_seen_subcommand_from list grant revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from list" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from list" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from list" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from list" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from list" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from grant" -l name -d 'A label for the recipient (1-64 printable characters, one member each), shown in messages, `access list` and `audit`, and accepted wherever a recipient is (`access revoke Ana`, `offboard Ana`, `audit --actor Ana`). For a member already there, changes their label' -r
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from grant" -l role -d 'What they may do: read (decrypt only: CI that injects keys), write (keys and values; the default for someone new), admin (also access, roles, hooks). For a member already there, changes their role' -r
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from grant" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from grant" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from grant" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from grant" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from grant" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from grant" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from grant" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from revoke" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from revoke" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from revoke" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from revoke" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from revoke" -l force -d 'Allow removing your own identity (you will lose access)'
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from revoke" -l yes -d 'Do not ask (required without a terminal)'
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from revoke" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from help" -f -a "list" -d 'Recipients of the environment, with who added each and when'
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from help" -f -a "grant" -d 'Let a member (their card) or a recipient (`age1…`, an SSH public key) decrypt the environment, with a role; or change a member\'s role'
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Stop a recipient from decrypting future versions of the environment'
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand offboard" -l reason -d 'Why (required; recorded in the audit trail)' -r
complete -c keyward -n "__fish_keyward_using_subcommand offboard" -l grace -d 'Let old versions pass `verify` for DUR (default: revoked at once)' -r
complete -c keyward -n "__fish_keyward_using_subcommand offboard" -l allow-hook -d 'Run NAME\'s rotation hook in this command if its hash is HASH (what `keyward hook list` shows), without an approval recorded on this machine (CI); repeatable' -r
complete -c keyward -n "__fish_keyward_using_subcommand offboard" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand offboard" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand offboard" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand offboard" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand offboard" -l dry-run -d 'Show the plan and change nothing'
complete -c keyward -n "__fish_keyward_using_subcommand offboard" -l skip-unreadable -d 'Go ahead although some environments cannot be opened (they are still named)'
complete -c keyward -n "__fish_keyward_using_subcommand offboard" -l yes -d 'Do not ask (required without a terminal, unless --dry-run)'
complete -c keyward -n "__fish_keyward_using_subcommand offboard" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand offboard" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand offboard" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand trust; and not __fish_seen_subcommand_from root help" -l reason -d 'Why (required; recorded in the audit trail)' -r
complete -c keyward -n "__fish_keyward_using_subcommand trust; and not __fish_seen_subcommand_from root help" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand trust; and not __fish_seen_subcommand_from root help" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand trust; and not __fish_seen_subcommand_from root help" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand trust; and not __fish_seen_subcommand_from root help" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand trust; and not __fish_seen_subcommand_from root help" -l yes -d 'Do not ask (needed without a terminal)'
complete -c keyward -n "__fish_keyward_using_subcommand trust; and not __fish_seen_subcommand_from root help" -l clock -d 'Accept this machine\'s clock, set right after it ran ahead: reads are refused while the clock is behind the last access recorded here. The access journal is set aside (kept, not shown by `audit` any more) and a new one starts; nothing in the vault changes, so any member may. Refused when the clock is not behind'
complete -c keyward -n "__fish_keyward_using_subcommand trust; and not __fish_seen_subcommand_from root help" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand trust; and not __fish_seen_subcommand_from root help" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand trust; and not __fish_seen_subcommand_from root help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand trust; and not __fish_seen_subcommand_from root help" -f -a "root" -d 'Print the trust root of an environment: its first signed state and admins'
complete -c keyward -n "__fish_keyward_using_subcommand trust; and not __fish_seen_subcommand_from root help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand trust; and __fish_seen_subcommand_from root" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand trust; and __fish_seen_subcommand_from root" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand trust; and __fish_seen_subcommand_from root" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand trust; and __fish_seen_subcommand_from root" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand trust; and __fish_seen_subcommand_from root" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand trust; and __fish_seen_subcommand_from root" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand trust; and __fish_seen_subcommand_from root" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "root" -d 'Print the trust root of an environment: its first signed state and admins'
complete -c keyward -n "__fish_keyward_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand git; and not __fish_seen_subcommand_from setup textconv merge resolve help" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand git; and not __fish_seen_subcommand_from setup textconv merge resolve help" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand git; and not __fish_seen_subcommand_from setup textconv merge resolve help" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand git; and not __fish_seen_subcommand_from setup textconv merge resolve help" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand git; and not __fish_seen_subcommand_from setup textconv merge resolve help" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand git; and not __fish_seen_subcommand_from setup textconv merge resolve help" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand git; and not __fish_seen_subcommand_from setup textconv merge resolve help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand git; and not __fish_seen_subcommand_from setup textconv merge resolve help" -f -a "setup" -d 'Write the vault\'s git attributes and ignores, and this clone\'s diff and merge config'
complete -c keyward -n "__fish_keyward_using_subcommand git; and not __fish_seen_subcommand_from setup textconv merge resolve help" -f -a "textconv" -d 'Print an env file\'s keys, versions, recipients and events, never a value (what git shows in diffs)'
complete -c keyward -n "__fish_keyward_using_subcommand git; and not __fish_seen_subcommand_from setup textconv merge resolve help" -f -a "merge" -d 'Merge driver for env files: merges by meaning (git runs it)'
complete -c keyward -n "__fish_keyward_using_subcommand git; and not __fish_seen_subcommand_from setup textconv merge resolve help" -f -a "resolve" -d 'Pick one of the values a merge kept for KEY (when both sides gave it a new value)'
complete -c keyward -n "__fish_keyward_using_subcommand git; and not __fish_seen_subcommand_from setup textconv merge resolve help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from setup" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from setup" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from setup" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from setup" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from setup" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from setup" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from setup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from textconv" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from textconv" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from textconv" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from textconv" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from textconv" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from textconv" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from textconv" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from merge" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from merge" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from merge" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from merge" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from merge" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from merge" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from merge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from resolve" -l keep -d 'Resolve only if this is the active version (what you reviewed); an older value cannot be kept: versions are never renumbered (pins name values by number)' -r
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from resolve" -l grace -d 'How long the other values still verify (default: they retire at once; in `prod`/`production` a terminal asks first)' -r
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from resolve" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from resolve" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from resolve" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from resolve" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from resolve" -l yes -d 'Do not ask before retiring the other values at once in production'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from resolve" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from resolve" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from resolve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from help" -f -a "setup" -d 'Write the vault\'s git attributes and ignores, and this clone\'s diff and merge config'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from help" -f -a "textconv" -d 'Print an env file\'s keys, versions, recipients and events, never a value (what git shows in diffs)'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from help" -f -a "merge" -d 'Merge driver for env files: merges by meaning (git runs it)'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from help" -f -a "resolve" -d 'Pick one of the values a merge kept for KEY (when both sides gave it a new value)'
complete -c keyward -n "__fish_keyward_using_subcommand git; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand scan" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand scan" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand scan" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand scan" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand scan" -l no-ignore -d 'Scan untracked files that git ignores too'
complete -c keyward -n "__fish_keyward_using_subcommand scan" -l staged -d 'Scan what is staged for the next commit in the git repository here'
complete -c keyward -n "__fish_keyward_using_subcommand scan" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand scan" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand scan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand completions" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand completions" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand completions" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand completions" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand completions" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand completions" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand render" -s o -l out -d 'Write the result to FILE (mode 0600) instead of stdout (`-`)' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand render" -l allow-multiline -d 'Render this key although its value holds a line break (a PEM key, a JSON file); repeatable. Otherwise such a value is refused: in a line-oriented file (.env, INI, YAML) the lines after the break would be its writer\'s' -r
complete -c keyward -n "__fish_keyward_using_subcommand render" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand render" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand render" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand render" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand render" -l force -d 'Replace FILE if it exists (a symbolic link is refused even so)'
complete -c keyward -n "__fish_keyward_using_subcommand render" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand render" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand render" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and not __fish_seen_subcommand_from set clear allow list help" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand hook; and not __fish_seen_subcommand_from set clear allow list help" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand hook; and not __fish_seen_subcommand_from set clear allow list help" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand hook; and not __fish_seen_subcommand_from set clear allow list help" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand hook; and not __fish_seen_subcommand_from set clear allow list help" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and not __fish_seen_subcommand_from set clear allow list help" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and not __fish_seen_subcommand_from set clear allow list help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and not __fish_seen_subcommand_from set clear allow list help" -f -a "set" -d 'Give an imported key a rotation hook (approved on this machine)'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and not __fish_seen_subcommand_from set clear allow list help" -f -a "clear" -d 'Remove a key\'s rotation hook'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and not __fish_seen_subcommand_from set clear allow list help" -f -a "allow" -d 'Show a key\'s rotation hook and approve it on this machine'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and not __fish_seen_subcommand_from set clear allow list help" -f -a "list" -d 'Every rotation hook of the environment, its hash, and whether it may run here'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and not __fish_seen_subcommand_from set clear allow list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from set" -l timeout -d 'How long the hook may run before it is killed [default: 60s]' -r
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from set" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from set" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from set" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from set" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from set" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from clear" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from clear" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from clear" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from clear" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from clear" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from clear" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from clear" -s h -l help -d 'Print help'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from allow" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from allow" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from allow" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from allow" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from allow" -l yes -d 'Do not ask (required without a terminal)'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from allow" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from allow" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from allow" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from list" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from list" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from list" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from list" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from list" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "set" -d 'Give an imported key a rotation hook (approved on this machine)'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "clear" -d 'Remove a key\'s rotation hook'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "allow" -d 'Show a key\'s rotation hook and approve it on this machine'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every rotation hook of the environment, its hash, and whether it may run here'
complete -c keyward -n "__fish_keyward_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and not __fish_seen_subcommand_from export pubkey check help" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and not __fish_seen_subcommand_from export pubkey check help" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and not __fish_seen_subcommand_from export pubkey check help" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and not __fish_seen_subcommand_from export pubkey check help" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and not __fish_seen_subcommand_from export pubkey check help" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and not __fish_seen_subcommand_from export pubkey check help" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and not __fish_seen_subcommand_from export pubkey check help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and not __fish_seen_subcommand_from export pubkey check help" -f -a "export" -d 'Write the environment\'s verifier set (sqlite, sql, redis or jsonl)'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and not __fish_seen_subcommand_from export pubkey check help" -f -a "pubkey" -d 'Print the environment\'s verifier public key, for services to pin'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and not __fish_seen_subcommand_from export pubkey check help" -f -a "check" -d 'Check a presented key (stdin) against a set file alone: no identity, no vault'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and not __fish_seen_subcommand_from export pubkey check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from export" -l format -d 'Output format' -r -f -a "sqlite\t'An SQLite file, signed: open it read-only and query by hash'
sql\t'One PostgreSQL transaction for `psql -v ON_ERROR_STOP=1 -f FILE`'
redis\t'Commands for `redis-cli --pipe`'
jsonl\t'JSON lines, signed: a header, then one object per version'"
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from export" -s o -l out -d 'Write to FILE (replaced atomically) instead of stdout; `-` is stdout' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from export" -l hmac-key-file -d 'Hash with HMAC-SHA-256 under the key in FILE (at least 32 random bytes: `head -c 32 /dev/urandom`); required when the set would hold imported keys, whose values may be guessable' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from export" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from export" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from export" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from export" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from export" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from export" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from pubkey" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from pubkey" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from pubkey" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from pubkey" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from pubkey" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from pubkey" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from pubkey" -s h -l help -d 'Print help'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from check" -l set -d 'The set file (sqlite or jsonl)' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from check" -l pubkey -d 'The public key the set must be signed by (`keyward verifier pubkey`)' -r
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from check" -l min-serial -d 'Refuse a set with a lower serial (one older than a set already seen)' -r
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from check" -l hmac-key-file -d 'The HMAC key an hmac-sha256 set was exported with' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from check" -l vault -d 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]' -r -F
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from check" -s i -l identity -d 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead' -r
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from check" -s e -l env -d 'Environment to act on [default: dev]' -r -f -a "(__fish_keyward_dynamic envs)"
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from check" -l trust-root -d 'The trust root every environment\'s signed history must have (`keyward trust root -e ENV` prints each environment\'s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)' -r
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from check" -l json -d 'Print data as JSON'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print no notes on stderr (errors and warnings still show)'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from help" -f -a "export" -d 'Write the environment\'s verifier set (sqlite, sql, redis or jsonl)'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from help" -f -a "pubkey" -d 'Print the environment\'s verifier public key, for services to pin'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check a presented key (stdin) against a set file alone: no identity, no vault'
complete -c keyward -n "__fish_keyward_using_subcommand verifier; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "init" -d 'Create a vault with its environments, and a passphrase-protected identity'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "identity" -d 'Create a plain identity (for CI) or show the recipient of the identity in use'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "unlock" -d 'Unlock the identity once and keep it in a background agent'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "lock" -d 'Stop the agent (exit 0 even when none runs)'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "env" -d 'List environments, or add one encrypted to you and the recipients you name'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "generate" -d 'Generate a new key and print it once'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "set" -d 'Store a key issued elsewhere; the value is read from stdin (or a hidden prompt)'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "get" -d 'Print a key\'s active value'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "list" -d 'List keys with their status, version, scopes and expiry (never values)'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "show" -d 'Show a key\'s metadata and version history (no values)'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "rotate" -d 'Rotate a key: issue a new version and retire the old one'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "revoke" -d 'Revoke a key, or one version of it, at once'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "rename" -d 'Rename a key, keeping every version and its history'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "delete" -d 'Delete a key and every version of it'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "verify" -d 'Check a presented key, read from stdin, against the environment'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "check" -d 'List keys needing attention; exit 8 when there are any (for scheduled CI jobs)'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "run" -d 'Run a command with the environment\'s active keys as environment variables'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "export" -d 'Print the active keys as dotenv, JSON, shell `export` lines, a Kubernetes Secret, or GitHub Actions environment blocks'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "import" -d 'Import keys from a dotenv or JSON file, a sops file, or a pass or passage store, all or nothing'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "audit" -d 'Show the audit trail: lifecycle and access events, merged in time order'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "access" -d 'List, grant or revoke the recipients of an environment'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "offboard" -d 'Remove a recipient from every environment and rotate every key they could read'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "trust" -d 'Accept the environment file as it is now, after review'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "git" -d 'Keep the vault in git: attributes, ignores, readable diffs'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "scan" -d 'Scan files, directory trees or stdin for leaked keys'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "completions" -d 'Print a shell completion script'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "render" -d 'Fill a template\'s {{ NAME }} placeholders with the environment\'s keys'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "hook" -d 'Set, clear, approve or list the rotation hooks of imported keys'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "verifier" -d 'Export hash-only verifier sets, so services check presented keys without the vault'
complete -c keyward -n "__fish_keyward_using_subcommand help; and not __fish_seen_subcommand_from init identity unlock lock env generate set get list show rotate revoke rename delete verify check run export import audit access offboard trust git scan completions render hook verifier help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from identity" -f -a "new" -d 'Write a fresh identity and print its public recipient'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from identity" -f -a "show" -d 'Print your member card: the public recipient and signing key of the identity in use, which an admin grants (`access grant CARD`)'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from identity" -f -a "signing-key" -d 'Create the signing key of a hardware (plugin) identity, beside it'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from env" -f -a "list" -d 'Every environment, and whether the identity in use can open it'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from env" -f -a "add" -d 'Create an environment encrypted to the identity in use plus each --recipient'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from env" -f -a "touch" -d 'Show or set how often a hardware key is asked to open the environment'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "export" -d 'Write events as JSON, JSON Lines or CSV, with their hashes for re-verification'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "verify" -d 'Check every hash chain; print each chain\'s head hash; exit 6 if anything was changed'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "anomalies" -d 'Look for misuse: dead keys in use, guessing, new readers, read bursts, unused keys'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "follow" -d 'Print each new event as a JSON line as soon as it is committed, until interrupted'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from access" -f -a "list" -d 'Recipients of the environment, with who added each and when'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from access" -f -a "grant" -d 'Let a member (their card) or a recipient (`age1…`, an SSH public key) decrypt the environment, with a role; or change a member\'s role'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from access" -f -a "revoke" -d 'Stop a recipient from decrypting future versions of the environment'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from trust" -f -a "root" -d 'Print the trust root of an environment: its first signed state and admins'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from git" -f -a "setup" -d 'Write the vault\'s git attributes and ignores, and this clone\'s diff and merge config'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from git" -f -a "textconv" -d 'Print an env file\'s keys, versions, recipients and events, never a value (what git shows in diffs)'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from git" -f -a "merge" -d 'Merge driver for env files: merges by meaning (git runs it)'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from git" -f -a "resolve" -d 'Pick one of the values a merge kept for KEY (when both sides gave it a new value)'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "set" -d 'Give an imported key a rotation hook (approved on this machine)'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "clear" -d 'Remove a key\'s rotation hook'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "allow" -d 'Show a key\'s rotation hook and approve it on this machine'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "list" -d 'Every rotation hook of the environment, its hash, and whether it may run here'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from verifier" -f -a "export" -d 'Write the environment\'s verifier set (sqlite, sql, redis or jsonl)'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from verifier" -f -a "pubkey" -d 'Print the environment\'s verifier public key, for services to pin'
complete -c keyward -n "__fish_keyward_using_subcommand help; and __fish_seen_subcommand_from verifier" -f -a "check" -d 'Check a presented key (stdin) against a set file alone: no identity, no vault'

# Key names, environments and recipients, from `keyward completions --list`: nothing
# when the identity would need a passphrase (never a prompt).
function __fish_keyward_dynamic
    set -l what $argv[1] # argparse replaces argv
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -i (__fish_keyward_global_optspecs) -- $cmd 2>/dev/null
    set -l fwd
    set -q _flag_env[1]; and set -a fwd --env $_flag_env[-1]
    set -q _flag_vault[1]; and set -a fwd --vault $_flag_vault[-1]
    set -q _flag_identity[1]; and set -a fwd --identity $_flag_identity[-1]
    command keyward completions --list $what $fwd </dev/null 2>/dev/null
    if test $status -eq 5; and not set -q __keyward_locked_said
        set -g __keyward_locked_said 1
        echo \n"keyward: names are not offered while the identity is locked (`keyward unlock` keeps it open)" >&2
    end
end
complete -c keyward -n "__fish_keyward_using_subcommand get show rotate revoke rename delete" -f -a "(__fish_keyward_dynamic keys)"
complete -c keyward -n "__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from revoke" -f -a "(__fish_keyward_dynamic recipients)"
