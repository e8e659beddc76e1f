
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'keyward' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'keyward'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'keyward' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a vault with its environments, and a passphrase-protected identity')
            [CompletionResult]::new('identity', 'identity', [CompletionResultType]::ParameterValue, 'Create a plain identity (for CI) or show the recipient of the identity in use')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Unlock the identity once and keep it in a background agent')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Stop the agent (exit 0 even when none runs)')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'List environments, or add one encrypted to you and the recipients you name')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate a new key and print it once')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Store a key issued elsewhere; the value is read from stdin (or a hidden prompt)')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print a key''s active value')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List keys with their status, version, scopes and expiry (never values)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a key''s metadata and version history (no values)')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Rotate a key: issue a new version and retire the old one')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a key, or one version of it, at once')
            [CompletionResult]::new('rename', 'rename', [CompletionResultType]::ParameterValue, 'Rename a key, keeping every version and its history')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a key and every version of it')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a presented key, read from stdin, against the environment')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'List keys needing attention; exit 8 when there are any (for scheduled CI jobs)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a command with the environment''s active keys as environment variables')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print the active keys as dotenv, JSON, shell `export` lines, a Kubernetes Secret, or GitHub Actions environment blocks')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import keys from a dotenv or JSON file, a sops file, or a pass or passage store, all or nothing')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show the audit trail: lifecycle and access events, merged in time order')
            [CompletionResult]::new('access', 'access', [CompletionResultType]::ParameterValue, 'List, grant or revoke the recipients of an environment')
            [CompletionResult]::new('offboard', 'offboard', [CompletionResultType]::ParameterValue, 'Remove a recipient from every environment and rotate every key they could read')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'Accept the environment file as it is now, after review')
            [CompletionResult]::new('git', 'git', [CompletionResultType]::ParameterValue, 'Keep the vault in git: attributes, ignores, readable diffs')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Scan files, directory trees or stdin for leaked keys')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Fill a template''s {{ NAME }} placeholders with the environment''s keys')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Set, clear, approve or list the rotation hooks of imported keys')
            [CompletionResult]::new('verifier', 'verifier', [CompletionResultType]::ParameterValue, 'Export hash-only verifier sets, so services check presented keys without the vault')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;init' {
            [CompletionResult]::new('--envs', '--envs', [CompletionResultType]::ParameterName, 'Environments to create, comma-separated')
            [CompletionResult]::new('--recipient', '--recipient', [CompletionResultType]::ParameterName, 'Another recipient for every environment (repeatable): `age1…` or an SSH public key')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'A co-founding admin for every environment (repeatable): their member card (`keyward identity show`) or recipient. With you, they make the trust root')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Your label (1-64 printable characters) in every environment: messages and the audit trail name you `LABEL (age1…)`, and others can type it instead of your recipient')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;identity' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Write a fresh identity and print its public recipient')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print your member card: the public recipient and signing key of the identity in use, which an admin grants (`access grant CARD`)')
            [CompletionResult]::new('signing-key', 'signing-key', [CompletionResultType]::ParameterValue, 'Create the signing key of a hardware (plugin) identity, beside it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;identity;new' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Where to write the identity')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--passphrase', '--passphrase', [CompletionResultType]::ParameterName, 'Protect it with a passphrase (default FILE: your default identity)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;identity;show' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--recipient', '--recipient', [CompletionResultType]::ParameterName, 'Print only the recipient')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;identity;signing-key' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Where to write it [default: beside the identity file]')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;identity;help' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Write a fresh identity and print its public recipient')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print your member card: the public recipient and signing key of the identity in use, which an admin grants (`access grant CARD`)')
            [CompletionResult]::new('signing-key', 'signing-key', [CompletionResultType]::ParameterValue, 'Create the signing key of a hardware (plugin) identity, beside it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;identity;help;new' {
            break
        }
        'keyward;identity;help;show' {
            break
        }
        'keyward;identity;help;signing-key' {
            break
        }
        'keyward;identity;help;help' {
            break
        }
        'keyward;unlock' {
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'How long the agent may stay unused before it ends')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;lock' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Stop every agent of yours, whatever identity file each unlocked')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;env' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every environment, and whether the identity in use can open it')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Create an environment encrypted to the identity in use plus each --recipient')
            [CompletionResult]::new('touch', 'touch', [CompletionResultType]::ParameterValue, 'Show or set how often a hardware key is asked to open the environment')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;env;list' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;env;add' {
            [CompletionResult]::new('--recipient', '--recipient', [CompletionResultType]::ParameterName, 'Another recipient (repeatable): `age1…`, an SSH public key, or the label of a member of another environment (their label comes along)')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Another admin (repeatable): their member card or recipient (DESIGN §15)')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'keyward;env;touch' {
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'With once-per-change: the longest a kept file key serves (DUR)')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;env;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every environment, and whether the identity in use can open it')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Create an environment encrypted to the identity in use plus each --recipient')
            [CompletionResult]::new('touch', 'touch', [CompletionResultType]::ParameterValue, 'Show or set how often a hardware key is asked to open the environment')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;env;help;list' {
            break
        }
        'keyward;env;help;add' {
            break
        }
        'keyward;env;help;touch' {
            break
        }
        'keyward;env;help;help' {
            break
        }
        'keyward;generate' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Value format')
            [CompletionResult]::new('--bytes', '--bytes', [CompletionResultType]::ParameterName, 'Bytes of entropy for hex, base64url and alnum (16 to 1024)')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'Token prefix (token format only)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'A scope the key grants (repeatable), e.g. `payments:write`')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'When the key expires: RFC 3339, YYYY-MM-DD, or a duration from now (90d)')
            [CompletionResult]::new('--rotate-every', '--rotate-every', [CompletionResultType]::ParameterName, 'How often the key should be rotated (`check` and `rotate --all --due` use it)')
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'A free-form note (never put a secret here: notes are not encrypted separately)')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;set' {
            [CompletionResult]::new('--rotate-with', '--rotate-with', [CompletionResultType]::ParameterName, 'A rotation hook: a shell command that rolls the key at its provider (current value on stdin, new value on stdout), run by `rotate` and `offboard`; approved on this machine. See `keyward hook --help`')
            [CompletionResult]::new('--hook-timeout', '--hook-timeout', [CompletionResultType]::ParameterName, 'How long the rotation hook may run before it is killed [default: 60s]')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'A scope the key grants (repeatable), e.g. `payments:write`')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'When the key expires: RFC 3339, YYYY-MM-DD, or a duration from now (90d)')
            [CompletionResult]::new('--rotate-every', '--rotate-every', [CompletionResultType]::ParameterName, 'How often the key should be rotated (`check` and `rotate --all --due` use it)')
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'A free-form note (never put a secret here: notes are not encrypted separately)')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;get' {
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'A specific version (it must still be active)')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print no trailing newline')
            [CompletionResult]::new('--no-newline', '--no-newline', [CompletionResultType]::ParameterName, 'Print no trailing newline')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;list' {
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Which keys to show, by the status of their newest version')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--all-envs', '--all-envs', [CompletionResultType]::ParameterName, 'Every environment the identity can open (the others are named on stderr)')
            [CompletionResult]::new('--jsonl', '--jsonl', [CompletionResultType]::ParameterName, 'One JSON object per key, one per line (the environments skipped are on stderr)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'keyward;show' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'keyward;rotate' {
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'With --all: only keys whose current version is older than DUR')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long the old version still passes `verify` (default: retired at once)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (recorded in the audit trail)')
            [CompletionResult]::new('--allow-hook', '--allow-hook', [CompletionResultType]::ParameterName, 'Run NAME''s rotation hook in this command if its hash is HASH (what `keyward hook list` shows), without an approval recorded on this machine (CI); repeatable. A wrong hash is refused and nothing runs')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'A scope the key grants (repeatable), e.g. `payments:write`')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'When the key expires: RFC 3339, YYYY-MM-DD, or a duration from now (90d)')
            [CompletionResult]::new('--rotate-every', '--rotate-every', [CompletionResultType]::ParameterName, 'How often the key should be rotated (`check` and `rotate --all --due` use it)')
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'A free-form note (never put a secret here: notes are not encrypted separately)')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Rotate every key in the environment (one commit)')
            [CompletionResult]::new('--due', '--due', [CompletionResultType]::ParameterName, 'With --all: only keys past their --rotate-every period')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask: with --all (required without a terminal), and before rotating without --grace in `prod`/`production` on a terminal')
            [CompletionResult]::new('--no-hook', '--no-hook', [CompletionResultType]::ParameterName, 'Read an imported key''s new value from stdin even if it has a rotation hook')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;revoke' {
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Revoke only this version')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (required; recorded in the audit trail)')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask (required without a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;rename' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;delete' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (required; recorded in the audit trail)')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask (required without a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;verify' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;check' {
            [CompletionResult]::new('--within', '--within', [CompletionResultType]::ParameterName, 'Report keys expiring within DUR')
            [CompletionResult]::new('--unused-for', '--unused-for', [CompletionResultType]::ParameterName, 'Report keys not read (get, run, export) for DUR')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--all-envs', '--all-envs', [CompletionResultType]::ParameterName, 'Every environment the identity can open')
            [CompletionResult]::new('--skip-unreadable', '--skip-unreadable', [CompletionResultType]::ParameterName, 'With --all-envs: do not fail (exit 5) because some environments cannot be opened')
            [CompletionResult]::new('--jsonl', '--jsonl', [CompletionResultType]::ParameterName, 'One JSON object per finding, one per line (the environments skipped are on stderr)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;run' {
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Only these keys (comma-separated); each must be usable')
            [CompletionResult]::new('--allow-name', '--allow-name', [CompletionResultType]::ParameterName, 'Inject this key even though its name makes programs run other code (PATH, LD_*, GIT_CONFIG_*, HOME, ...); repeatable')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Give this key to the command as a file: a 0600 file in a fresh 0700 directory on tmpfs, its path in NAME_FILE (instead of NAME); repeatable. The directory is removed when the command ends')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Give the command the variables of this dotenv file, `kw://ENV/NAME` references resolved (and of -e''s keys only those --only and --file name)')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--pristine', '--pristine', [CompletionResultType]::ParameterName, 'Give the child only the keys plus PATH, HOME, USER, LANG and TERM')
            [CompletionResult]::new('--redact', '--redact', [CompletionResultType]::ParameterName, 'Filter injected values out of the child''s output, even on a terminal')
            [CompletionResult]::new('--no-redact', '--no-redact', [CompletionResultType]::ParameterName, 'Never filter the child''s output')
            [CompletionResult]::new('--pass-keyward-env', '--pass-keyward-env', [CompletionResultType]::ParameterName, 'Pass keyward''s own KEYWARD_* variables (identity, passphrase) to the child')
            [CompletionResult]::new('--allow-disk', '--allow-disk', [CompletionResultType]::ParameterName, 'With --file: accept a directory that is not memory-backed (tmpfs) for the files')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Refuse to start (exit 4) when a key is left out because it is revoked, expired or retired, instead of naming it on stderr; KEYWARD_RUN_STRICT=1 sets it (for CI)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: dotenv; json with --json]')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Only these keys (comma-separated); each must be usable')
            [CompletionResult]::new('--allow-name', '--allow-name', [CompletionResultType]::ParameterName, 'Export this key even though its name makes programs run other code (PATH, LD_*, GIT_CONFIG_*, HOME, ...); repeatable')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to FILE (mode 0600; `-`: stdout) instead of stdout; github-env appends to it')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write to FILE (mode 0600; `-`: stdout) instead of stdout; github-env appends to it')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'With --format k8s-secret: the Secret''s name')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'With --format k8s-secret: the Secret''s namespace')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace FILE if it exists (a symbolic link is refused even so)')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Refuse to export (exit 4) when a key is left out because it is revoked, expired or retired, instead of naming it on stderr; KEYWARD_RUN_STRICT=1 sets it (for CI)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;import' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Input format of a plain file')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Read from a peer: a sops-encrypted file, or a pass or passage store')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'With --from sops: the file''s type, when its name does not end in .env, .json or .yaml')
            [CompletionResult]::new('--rotate-with', '--rotate-with', [CompletionResultType]::ParameterName, 'Give the key NAME of the file a rotation hook (a shell command; see `keyward hook --help`), approved on this machine; repeatable')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--env-from-path', '--env-from-path', [CompletionResultType]::ParameterName, 'With --from pass|passage: each entry''s first folder names its environment')
            [CompletionResult]::new('--whole-entry', '--whole-entry', [CompletionResultType]::ParameterName, 'With --from pass|passage: the whole entry is the value, not only its first line')
            [CompletionResult]::new('--rename-invalid', '--rename-invalid', [CompletionResultType]::ParameterName, 'Import entries that are not valid key names under the names they would get')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Check everything and print what would be imported; change nothing')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Add a new version to keys that already exist')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;audit' {
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Only events about this key')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Only events by this actor: a recipient (in full, shortened as `audit` shows it, or its first 8 characters or more) or its label (`access grant --name`)')
            [CompletionResult]::new('--os-user', '--os-user', [CompletionResultType]::ParameterName, 'Only events whose machine reported this OS user (exactly). The writer''s own claim (`$USER`), bound by no signature: anyone can report a member''s name')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Only events whose machine reported this host name (exactly; unsigned, as --os-user)')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'Only events of this action (init, generate, get, revoke, …)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only events at or after WHEN (RFC 3339, YYYY-MM-DD, or a duration ago: 7d)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only events at or before WHEN')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Show only the newest N events')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--all-envs', '--all-envs', [CompletionResultType]::ParameterName, 'Every environment the identity can open')
            [CompletionResult]::new('--jsonl', '--jsonl', [CompletionResultType]::ParameterName, 'One JSON object per event, one per line (what `audit export --format jsonl` writes)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write events as JSON, JSON Lines or CSV, with their hashes for re-verification')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check every hash chain; print each chain''s head hash; exit 6 if anything was changed')
            [CompletionResult]::new('anomalies', 'anomalies', [CompletionResultType]::ParameterValue, 'Look for misuse: dead keys in use, guessing, new readers, read bursts, unused keys')
            [CompletionResult]::new('follow', 'follow', [CompletionResultType]::ParameterValue, 'Print each new event as a JSON line as soon as it is committed, until interrupted')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;audit;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write to FILE instead of stdout: created 0600, atomically; an existing FILE is refused (exit 1) unless --force, a symbolic link always')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Only events about this key')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Only events by this actor: a recipient (in full, shortened as `audit` shows it, or its first 8 characters or more) or its label (`access grant --name`)')
            [CompletionResult]::new('--os-user', '--os-user', [CompletionResultType]::ParameterName, 'Only events whose machine reported this OS user (exactly). The writer''s own claim (`$USER`), bound by no signature: anyone can report a member''s name')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Only events whose machine reported this host name (exactly; unsigned, as --os-user)')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'Only events of this action (init, generate, get, revoke, …)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only events at or after WHEN (RFC 3339, YYYY-MM-DD, or a duration ago: 7d)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only events at or before WHEN')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing --out FILE (never a symbolic link)')
            [CompletionResult]::new('--all-envs', '--all-envs', [CompletionResultType]::ParameterName, 'Every environment the identity can open')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'keyward;audit;verify' {
            [CompletionResult]::new('--pin', '--pin', [CompletionResultType]::ParameterName, 'With --git: require this chain head (from `audit verify`, 64 hex digits) to be in the chain of some environment where REVS ends')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--all-envs', '--all-envs', [CompletionResultType]::ParameterName, 'Every environment the identity can open')
            [CompletionResult]::new('--git', '--git', [CompletionResultType]::ParameterName, 'Check the vault''s history in the git repository around it, instead of the files as they are now')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'With --git: check every commit again, including those whose history this machine verified before (remembered per vault and identity)')
            [CompletionResult]::new('--skip-unreadable', '--skip-unreadable', [CompletionResultType]::ParameterName, 'With --all-envs or --git: exit 0 even if some environments could not be opened (they are still named)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;audit;anomalies' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Start of the window examined (RFC 3339, YYYY-MM-DD, or a duration ago: 7d)')
            [CompletionResult]::new('--baseline', '--baseline', [CompletionResultType]::ParameterName, 'How far the baseline reaches back before the window')
            [CompletionResult]::new('--guess-threshold', '--guess-threshold', [CompletionResultType]::ParameterName, 'Failed verify attempts by one actor within --guess-window that count as guessing')
            [CompletionResult]::new('--guess-window', '--guess-window', [CompletionResultType]::ParameterName, 'The span --guess-threshold is counted in')
            [CompletionResult]::new('--burst-window', '--burst-window', [CompletionResultType]::ParameterName, 'The span reads of one key are counted in for a burst')
            [CompletionResult]::new('--burst-factor', '--burst-factor', [CompletionResultType]::ParameterName, 'How many times its usual rate a key must be read to be a burst')
            [CompletionResult]::new('--burst-min', '--burst-min', [CompletionResultType]::ParameterName, 'The fewest reads within --burst-window that can be a burst')
            [CompletionResult]::new('--unused-for', '--unused-for', [CompletionResultType]::ParameterName, 'Report keys not read (get, run, export) for DUR')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--all-envs', '--all-envs', [CompletionResultType]::ParameterName, 'Every environment the identity can open')
            [CompletionResult]::new('--skip-unreadable', '--skip-unreadable', [CompletionResultType]::ParameterName, 'With --all-envs: do not fail (exit 5) because some environments cannot be opened')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;audit;follow' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cursor', '--cursor', [CompletionResultType]::ParameterName, 'Record the position in FILE and resume from it')
            [CompletionResult]::new('--poll', '--poll', [CompletionResultType]::ParameterName, 'Look for new events every DUR instead of waiting for change notification')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--all-envs', '--all-envs', [CompletionResultType]::ParameterName, 'Every environment the identity can open (and those created later)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;audit;help' {
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write events as JSON, JSON Lines or CSV, with their hashes for re-verification')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check every hash chain; print each chain''s head hash; exit 6 if anything was changed')
            [CompletionResult]::new('anomalies', 'anomalies', [CompletionResultType]::ParameterValue, 'Look for misuse: dead keys in use, guessing, new readers, read bursts, unused keys')
            [CompletionResult]::new('follow', 'follow', [CompletionResultType]::ParameterValue, 'Print each new event as a JSON line as soon as it is committed, until interrupted')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;audit;help;export' {
            break
        }
        'keyward;audit;help;verify' {
            break
        }
        'keyward;audit;help;anomalies' {
            break
        }
        'keyward;audit;help;follow' {
            break
        }
        'keyward;audit;help;help' {
            break
        }
        'keyward;access' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Recipients of the environment, with who added each and when')
            [CompletionResult]::new('grant', 'grant', [CompletionResultType]::ParameterValue, 'Let a member (their card) or a recipient (`age1…`, an SSH public key) decrypt the environment, with a role; or change a member''s role')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Stop a recipient from decrypting future versions of the environment')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;access;list' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'keyward;access;grant' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A label for the recipient (1-64 printable characters, one member each), shown in messages, `access list` and `audit`, and accepted wherever a recipient is (`access revoke Ana`, `offboard Ana`, `audit --actor Ana`). For a member already there, changes their label')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'What they may do: read (decrypt only: CI that injects keys), write (keys and values; the default for someone new), admin (also access, roles, hooks). For a member already there, changes their role')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;access;revoke' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Allow removing your own identity (you will lose access)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask (required without a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;access;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Recipients of the environment, with who added each and when')
            [CompletionResult]::new('grant', 'grant', [CompletionResultType]::ParameterValue, 'Let a member (their card) or a recipient (`age1…`, an SSH public key) decrypt the environment, with a role; or change a member''s role')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Stop a recipient from decrypting future versions of the environment')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;access;help;list' {
            break
        }
        'keyward;access;help;grant' {
            break
        }
        'keyward;access;help;revoke' {
            break
        }
        'keyward;access;help;help' {
            break
        }
        'keyward;offboard' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (required; recorded in the audit trail)')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'Let old versions pass `verify` for DUR (default: revoked at once)')
            [CompletionResult]::new('--allow-hook', '--allow-hook', [CompletionResultType]::ParameterName, 'Run NAME''s rotation hook in this command if its hash is HASH (what `keyward hook list` shows), without an approval recorded on this machine (CI); repeatable')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the plan and change nothing')
            [CompletionResult]::new('--skip-unreadable', '--skip-unreadable', [CompletionResultType]::ParameterName, 'Go ahead although some environments cannot be opened (they are still named)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask (required without a terminal, unless --dry-run)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;trust' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (required; recorded in the audit trail)')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask (needed without a terminal)')
            [CompletionResult]::new('--clock', '--clock', [CompletionResultType]::ParameterName, 'Accept this machine''s clock, set right after it ran ahead: reads are refused while the clock is behind the last access recorded here. The access journal is set aside (kept, not shown by `audit` any more) and a new one starts; nothing in the vault changes, so any member may. Refused when the clock is not behind')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('root', 'root', [CompletionResultType]::ParameterValue, 'Print the trust root of an environment: its first signed state and admins')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;trust;root' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;trust;help' {
            [CompletionResult]::new('root', 'root', [CompletionResultType]::ParameterValue, 'Print the trust root of an environment: its first signed state and admins')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;trust;help;root' {
            break
        }
        'keyward;trust;help;help' {
            break
        }
        'keyward;git' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Write the vault''s git attributes and ignores, and this clone''s diff and merge config')
            [CompletionResult]::new('textconv', 'textconv', [CompletionResultType]::ParameterValue, 'Print an env file''s keys, versions, recipients and events, never a value (what git shows in diffs)')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge driver for env files: merges by meaning (git runs it)')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'Pick one of the values a merge kept for KEY (when both sides gave it a new value)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;git;setup' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;git;textconv' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;git;merge' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;git;resolve' {
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Resolve only if this is the active version (what you reviewed); an older value cannot be kept: versions are never renumbered (pins name values by number)')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long the other values still verify (default: they retire at once; in `prod`/`production` a terminal asks first)')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask before retiring the other values at once in production')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;git;help' {
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Write the vault''s git attributes and ignores, and this clone''s diff and merge config')
            [CompletionResult]::new('textconv', 'textconv', [CompletionResultType]::ParameterValue, 'Print an env file''s keys, versions, recipients and events, never a value (what git shows in diffs)')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge driver for env files: merges by meaning (git runs it)')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'Pick one of the values a merge kept for KEY (when both sides gave it a new value)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;git;help;setup' {
            break
        }
        'keyward;git;help;textconv' {
            break
        }
        'keyward;git;help;merge' {
            break
        }
        'keyward;git;help;resolve' {
            break
        }
        'keyward;git;help;help' {
            break
        }
        'keyward;scan' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--no-ignore', '--no-ignore', [CompletionResultType]::ParameterName, 'Scan untracked files that git ignores too')
            [CompletionResult]::new('--staged', '--staged', [CompletionResultType]::ParameterName, 'Scan what is staged for the next commit in the git repository here')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;completions' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;render' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the result to FILE (mode 0600) instead of stdout (`-`)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the result to FILE (mode 0600) instead of stdout (`-`)')
            [CompletionResult]::new('--allow-multiline', '--allow-multiline', [CompletionResultType]::ParameterName, 'Render this key although its value holds a line break (a PEM key, a JSON file); repeatable. Otherwise such a value is refused: in a line-oriented file (.env, INI, YAML) the lines after the break would be its writer''s')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace FILE if it exists (a symbolic link is refused even so)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;hook' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Give an imported key a rotation hook (approved on this machine)')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove a key''s rotation hook')
            [CompletionResult]::new('allow', 'allow', [CompletionResultType]::ParameterValue, 'Show a key''s rotation hook and approve it on this machine')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every rotation hook of the environment, its hash, and whether it may run here')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;hook;set' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long the hook may run before it is killed [default: 60s]')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;hook;clear' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'keyward;hook;allow' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask (required without a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;hook;list' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'keyward;hook;help' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Give an imported key a rotation hook (approved on this machine)')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove a key''s rotation hook')
            [CompletionResult]::new('allow', 'allow', [CompletionResultType]::ParameterValue, 'Show a key''s rotation hook and approve it on this machine')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every rotation hook of the environment, its hash, and whether it may run here')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;hook;help;set' {
            break
        }
        'keyward;hook;help;clear' {
            break
        }
        'keyward;hook;help;allow' {
            break
        }
        'keyward;hook;help;list' {
            break
        }
        'keyward;hook;help;help' {
            break
        }
        'keyward;verifier' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write the environment''s verifier set (sqlite, sql, redis or jsonl)')
            [CompletionResult]::new('pubkey', 'pubkey', [CompletionResultType]::ParameterValue, 'Print the environment''s verifier public key, for services to pin')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a presented key (stdin) against a set file alone: no identity, no vault')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;verifier;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to FILE (replaced atomically) instead of stdout; `-` is stdout')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write to FILE (replaced atomically) instead of stdout; `-` is stdout')
            [CompletionResult]::new('--hmac-key-file', '--hmac-key-file', [CompletionResultType]::ParameterName, 'Hash with HMAC-SHA-256 under the key in FILE (at least 32 random bytes: `head -c 32 /dev/urandom`); required when the set would hold imported keys, whose values may be guessable')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;verifier;pubkey' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'keyward;verifier;check' {
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'The set file (sqlite or jsonl)')
            [CompletionResult]::new('--pubkey', '--pubkey', [CompletionResultType]::ParameterName, 'The public key the set must be signed by (`keyward verifier pubkey`)')
            [CompletionResult]::new('--min-serial', '--min-serial', [CompletionResultType]::ParameterName, 'Refuse a set with a lower serial (one older than a set already seen)')
            [CompletionResult]::new('--hmac-key-file', '--hmac-key-file', [CompletionResultType]::ParameterName, 'The HMAC key an hmac-sha256 set was exported with')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'Vault directory [default: $XDG_DATA_HOME/keyward/vault]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to act on [default: dev]')
            [CompletionResult]::new('--trust-root', '--trust-root', [CompletionResultType]::ParameterName, 'The trust root every environment''s signed history must have (`keyward trust root -e ENV` prints each environment''s): a fingerprint, or several separated by commas. Pin it in CI: a repository rewritten from another start, or replaced by another vault of the same admins, is then refused (exit 6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print data as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings still show)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keyward;verifier;help' {
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write the environment''s verifier set (sqlite, sql, redis or jsonl)')
            [CompletionResult]::new('pubkey', 'pubkey', [CompletionResultType]::ParameterValue, 'Print the environment''s verifier public key, for services to pin')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a presented key (stdin) against a set file alone: no identity, no vault')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;verifier;help;export' {
            break
        }
        'keyward;verifier;help;pubkey' {
            break
        }
        'keyward;verifier;help;check' {
            break
        }
        'keyward;verifier;help;help' {
            break
        }
        'keyward;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a vault with its environments, and a passphrase-protected identity')
            [CompletionResult]::new('identity', 'identity', [CompletionResultType]::ParameterValue, 'Create a plain identity (for CI) or show the recipient of the identity in use')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Unlock the identity once and keep it in a background agent')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Stop the agent (exit 0 even when none runs)')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'List environments, or add one encrypted to you and the recipients you name')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate a new key and print it once')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Store a key issued elsewhere; the value is read from stdin (or a hidden prompt)')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print a key''s active value')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List keys with their status, version, scopes and expiry (never values)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a key''s metadata and version history (no values)')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Rotate a key: issue a new version and retire the old one')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a key, or one version of it, at once')
            [CompletionResult]::new('rename', 'rename', [CompletionResultType]::ParameterValue, 'Rename a key, keeping every version and its history')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a key and every version of it')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a presented key, read from stdin, against the environment')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'List keys needing attention; exit 8 when there are any (for scheduled CI jobs)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a command with the environment''s active keys as environment variables')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print the active keys as dotenv, JSON, shell `export` lines, a Kubernetes Secret, or GitHub Actions environment blocks')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import keys from a dotenv or JSON file, a sops file, or a pass or passage store, all or nothing')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show the audit trail: lifecycle and access events, merged in time order')
            [CompletionResult]::new('access', 'access', [CompletionResultType]::ParameterValue, 'List, grant or revoke the recipients of an environment')
            [CompletionResult]::new('offboard', 'offboard', [CompletionResultType]::ParameterValue, 'Remove a recipient from every environment and rotate every key they could read')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'Accept the environment file as it is now, after review')
            [CompletionResult]::new('git', 'git', [CompletionResultType]::ParameterValue, 'Keep the vault in git: attributes, ignores, readable diffs')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Scan files, directory trees or stdin for leaked keys')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Fill a template''s {{ NAME }} placeholders with the environment''s keys')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Set, clear, approve or list the rotation hooks of imported keys')
            [CompletionResult]::new('verifier', 'verifier', [CompletionResultType]::ParameterValue, 'Export hash-only verifier sets, so services check presented keys without the vault')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyward;help;init' {
            break
        }
        'keyward;help;identity' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Write a fresh identity and print its public recipient')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print your member card: the public recipient and signing key of the identity in use, which an admin grants (`access grant CARD`)')
            [CompletionResult]::new('signing-key', 'signing-key', [CompletionResultType]::ParameterValue, 'Create the signing key of a hardware (plugin) identity, beside it')
            break
        }
        'keyward;help;identity;new' {
            break
        }
        'keyward;help;identity;show' {
            break
        }
        'keyward;help;identity;signing-key' {
            break
        }
        'keyward;help;unlock' {
            break
        }
        'keyward;help;lock' {
            break
        }
        'keyward;help;env' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every environment, and whether the identity in use can open it')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Create an environment encrypted to the identity in use plus each --recipient')
            [CompletionResult]::new('touch', 'touch', [CompletionResultType]::ParameterValue, 'Show or set how often a hardware key is asked to open the environment')
            break
        }
        'keyward;help;env;list' {
            break
        }
        'keyward;help;env;add' {
            break
        }
        'keyward;help;env;touch' {
            break
        }
        'keyward;help;generate' {
            break
        }
        'keyward;help;set' {
            break
        }
        'keyward;help;get' {
            break
        }
        'keyward;help;list' {
            break
        }
        'keyward;help;show' {
            break
        }
        'keyward;help;rotate' {
            break
        }
        'keyward;help;revoke' {
            break
        }
        'keyward;help;rename' {
            break
        }
        'keyward;help;delete' {
            break
        }
        'keyward;help;verify' {
            break
        }
        'keyward;help;check' {
            break
        }
        'keyward;help;run' {
            break
        }
        'keyward;help;export' {
            break
        }
        'keyward;help;import' {
            break
        }
        'keyward;help;audit' {
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write events as JSON, JSON Lines or CSV, with their hashes for re-verification')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check every hash chain; print each chain''s head hash; exit 6 if anything was changed')
            [CompletionResult]::new('anomalies', 'anomalies', [CompletionResultType]::ParameterValue, 'Look for misuse: dead keys in use, guessing, new readers, read bursts, unused keys')
            [CompletionResult]::new('follow', 'follow', [CompletionResultType]::ParameterValue, 'Print each new event as a JSON line as soon as it is committed, until interrupted')
            break
        }
        'keyward;help;audit;export' {
            break
        }
        'keyward;help;audit;verify' {
            break
        }
        'keyward;help;audit;anomalies' {
            break
        }
        'keyward;help;audit;follow' {
            break
        }
        'keyward;help;access' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Recipients of the environment, with who added each and when')
            [CompletionResult]::new('grant', 'grant', [CompletionResultType]::ParameterValue, 'Let a member (their card) or a recipient (`age1…`, an SSH public key) decrypt the environment, with a role; or change a member''s role')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Stop a recipient from decrypting future versions of the environment')
            break
        }
        'keyward;help;access;list' {
            break
        }
        'keyward;help;access;grant' {
            break
        }
        'keyward;help;access;revoke' {
            break
        }
        'keyward;help;offboard' {
            break
        }
        'keyward;help;trust' {
            [CompletionResult]::new('root', 'root', [CompletionResultType]::ParameterValue, 'Print the trust root of an environment: its first signed state and admins')
            break
        }
        'keyward;help;trust;root' {
            break
        }
        'keyward;help;git' {
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Write the vault''s git attributes and ignores, and this clone''s diff and merge config')
            [CompletionResult]::new('textconv', 'textconv', [CompletionResultType]::ParameterValue, 'Print an env file''s keys, versions, recipients and events, never a value (what git shows in diffs)')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge driver for env files: merges by meaning (git runs it)')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'Pick one of the values a merge kept for KEY (when both sides gave it a new value)')
            break
        }
        'keyward;help;git;setup' {
            break
        }
        'keyward;help;git;textconv' {
            break
        }
        'keyward;help;git;merge' {
            break
        }
        'keyward;help;git;resolve' {
            break
        }
        'keyward;help;scan' {
            break
        }
        'keyward;help;completions' {
            break
        }
        'keyward;help;render' {
            break
        }
        'keyward;help;hook' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Give an imported key a rotation hook (approved on this machine)')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove a key''s rotation hook')
            [CompletionResult]::new('allow', 'allow', [CompletionResultType]::ParameterValue, 'Show a key''s rotation hook and approve it on this machine')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every rotation hook of the environment, its hash, and whether it may run here')
            break
        }
        'keyward;help;hook;set' {
            break
        }
        'keyward;help;hook;clear' {
            break
        }
        'keyward;help;hook;allow' {
            break
        }
        'keyward;help;hook;list' {
            break
        }
        'keyward;help;verifier' {
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write the environment''s verifier set (sqlite, sql, redis or jsonl)')
            [CompletionResult]::new('pubkey', 'pubkey', [CompletionResultType]::ParameterValue, 'Print the environment''s verifier public key, for services to pin')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a presented key (stdin) against a set file alone: no identity, no vault')
            break
        }
        'keyward;help;verifier;export' {
            break
        }
        'keyward;help;verifier;pubkey' {
            break
        }
        'keyward;help;verifier;check' {
            break
        }
        'keyward;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
