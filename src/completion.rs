//! Shell completion scripts, and the renderer of the committed `completions/` files.
//! `Cli::command()` is their single source, and the man pages' (rendered by
//! `tests/generated.rs`, which checks both against the committed files and rewrites them
//! with `KEYWARD_REGENERATE=1`).
//!
//! clap_complete writes the static part (subcommands, flags). The bash, zsh and fish
//! scripts are then given a dynamic part: for key names (`get`, `show`, `rotate`,
//! `revoke`, `rename`, `delete`), `-e/--env` values and `access revoke`'s recipient
//! they run the hidden `keyward completions --list keys|envs|recipients`, which prints
//! candidates only when the identity opens without a prompt (`ops::complete`).

use std::io::Write;

use clap::{Command, CommandFactory, ValueHint};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::cmd::Ui;
use crate::cmd::completions::CompletionsArgs;
use crate::error::Result;
use crate::fsutil::stdout_error;
use crate::ops::complete::candidates;

pub fn run(args: CompletionsArgs, ctx: &Ui) -> Result<()> {
    if let Some(what) = args.list {
        // Quiet by contract: a closed pipe or anything else ends it without a word.
        let mut out = std::io::stdout().lock();
        let (listed, missing) = candidates(ctx, what);
        for c in listed {
            if writeln!(out, "{c}").is_err() {
                break;
            }
        }
        // DESIGN §16: "locked" is exit 5, said by nothing but the code: the scripts
        // offer nothing (never file names) and say why once.
        return match missing {
            Some(crate::ops::complete::Missing::Locked) => {
                Err(crate::error::TeamError::CompletionLocked.into())
            }
            None => Ok(()),
        };
    }
    let shell = args.shell.expect("clap requires a shell without --list");
    std::io::stdout()
        .write_all(&render_completion(shell))
        .map_err(stdout_error)
}

/// The shells we ship completion files for.
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

/// Subcommands whose first positional is an existing key's name, and its id.
const KEY_ARGS: [(&str, &str); 6] = [
    ("get", "name"),
    ("show", "name"),
    ("rotate", "name"),
    ("revoke", "name"),
    ("rename", "old"),
    ("delete", "name"),
];

pub fn render_completion(shell: Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    if shell == Shell::Zsh {
        cmd = mark_dynamic(cmd);
    }
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "keyward", &mut out);
    let text = hide_list(&String::from_utf8(out).expect("clap_complete writes UTF-8"));
    match shell {
        Shell::Bash => bash(&text),
        Shell::Zsh => zsh(&text),
        Shell::Fish => fish(&text),
        _ => text,
    }
    .into_bytes()
}

/// clap_complete offers `--list` although it is hidden: take it out of every script.
fn hide_list(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.split_inclusive('\n');
    while let Some(line) = lines.next() {
        if line.contains("--list=[For completion scripts") {
            // zsh: the spec runs on to its closing `' \` line
            let mut l = line;
            while !l.trim_end().ends_with("' \\") {
                match lines.next() {
                    Some(next) => l = next,
                    None => break,
                }
            }
            continue;
        }
        if line.contains("For completion scripts: print the candidates") {
            // elvish, PowerShell; fish's `-a "…` runs on to the line closing it
            if line.contains(" -l list ") {
                let mut l = line;
                while !l.trim_end().ends_with('"') {
                    match lines.next() {
                        Some(next) => l = next,
                        None => break,
                    }
                }
            }
            continue;
        }
        if line.trim() == "--list)" {
            // bash: `--list)`, its COMPREPLY, `return 0`, `;;`
            for _ in 0..3 {
                lines.next();
            }
            continue;
        }
        out.push_str(&line.replace(" --list --vault", " --vault"));
    }
    out
}

/// zsh: mark the dynamic arguments with value hints nothing else uses, so their
/// actions (`_users`, `_hosts`, `_urls`) can be swapped for ours in the text.
fn mark_dynamic(mut cmd: Command) -> Command {
    cmd = cmd.mut_arg("env", |a| a.value_hint(ValueHint::Url));
    for (sub, arg) in KEY_ARGS {
        cmd = cmd.mut_subcommand(sub, |c| hint_positional(c, arg, ValueHint::Username));
    }
    cmd.mut_subcommand("access", |c| {
        c.mut_subcommand("revoke", |r| {
            hint_positional(r, "recipient", ValueHint::Hostname)
        })
    })
}

/// `mut_arg` moves the argument to the end: move the positionals after it there too,
/// so they keep their order (`rename OLD NEW`).
fn hint_positional(cmd: Command, id: &str, hint: ValueHint) -> Command {
    let ids: Vec<String> = cmd
        .get_positionals()
        .map(|a| a.get_id().to_string())
        .collect();
    let mut cmd = cmd.mut_arg(id, |a| a.value_hint(hint));
    for later in ids.iter().skip_while(|i| *i != id).skip(1) {
        cmd = cmd.mut_arg(later, |a| a);
    }
    cmd
}

fn zsh(text: &str) -> String {
    let text = text
        .replace(":_users'", ":_keyward_dynamic keys'")
        .replace(":_hosts'", ":_keyward_dynamic recipients'")
        .replace(":_urls'", ":_keyward_dynamic envs'");
    let header = "#compdef keyward\n";
    let rest = text.strip_prefix(header).expect("clap's zsh header");
    format!("{header}{ZSH_DYNAMIC}{rest}")
}

const ZSH_DYNAMIC: &str = r#"
# Key names, environments and recipients, from `keyward completions --list`: nothing
# when the identity would need a passphrase (never a prompt).
# `_arguments` calls it with its `compadd` options first: what to list comes last.
_keyward_dynamic() {
    local what=${@[-1]}
    local -a all fwd cands
    local i
    # the whole line up to the cursor (`words` lacks what precedes the subcommand)
    all=(${(z)LBUFFER})
    for (( i = 2; i <= $#all; i++ )); do
        case ${all[i]} in
            -e|--env|--vault|-i|--identity) (( i < $#all )) && fwd+=(${all[i]} ${(Q)all[i+1]}) ;;
            --env=*|--vault=*|--identity=*) fwd+=(${(Q)all[i]}) ;;
        esac
    done
    cands=(${(f)"$(command keyward completions --list $what $fwd </dev/null 2>/dev/null)"})
    local rc=$?
    if (( rc == 5 && $#cands == 0 )); then
        _message 'keyward: names are not offered while the identity is locked (`keyward unlock` keeps it open)'
        return 1
    fi
    compadd "${@[1,-2]}" -a cands
}
"#;

fn fish(text: &str) -> String {
    let env_opt = "-s e -l env -d 'Environment to act on [default: dev]' -r\n";
    assert!(text.contains(env_opt), "clap's fish -e line");
    let mut text = text.replace(
        env_opt,
        "-s e -l env -d 'Environment to act on [default: dev]' -r -f -a \"(__fish_keyward_dynamic envs)\"\n",
    );
    let subs: Vec<&str> = KEY_ARGS.iter().map(|(s, _)| *s).collect();
    text.push_str(FISH_DYNAMIC);
    text.push_str(&format!(
        "complete -c keyward -n \"__fish_keyward_using_subcommand {}\" -f -a \"(__fish_keyward_dynamic keys)\"\n",
        subs.join(" ")
    ));
    text.push_str("complete -c keyward -n \"__fish_keyward_using_subcommand access; and __fish_seen_subcommand_from revoke\" -f -a \"(__fish_keyward_dynamic recipients)\"\n");
    text
}

const FISH_DYNAMIC: &str = r#"
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
"#;

/// The options that take a value, as ` -a --b ` (for matching whole words in bash).
fn valued(cmd: &Command) -> String {
    let mut out = String::from(" ");
    for a in cmd.get_arguments().filter(|a| !a.is_positional()) {
        if !a.get_action().takes_values() {
            continue;
        }
        for s in a.get_short_and_visible_aliases().unwrap_or_default() {
            out.push_str(&format!("-{s} "));
        }
        for l in a.get_long_and_visible_aliases().unwrap_or_default() {
            out.push_str(&format!("--{l} "));
        }
    }
    out
}

fn bash(text: &str) -> String {
    let mut cmd = Cli::command();
    cmd.build();
    let mut cases = String::new();
    for (sub, _) in KEY_ARGS {
        let c = cmd.find_subcommand(sub).expect("key subcommand");
        cases.push_str(&format!(
            "                    {sub}) valued=\"{}\" ;;\n",
            valued(c)
        ));
    }
    let revoke = cmd
        .find_subcommand("access")
        .and_then(|a| a.find_subcommand("revoke"))
        .expect("access revoke");
    let wrapper = BASH_DYNAMIC
        .replace("@ROOT@", &valued(&cmd))
        .replace("@CASES@", &cases)
        .replace("@ACCESS_REVOKE@", &valued(revoke));
    let text = text
        .strip_prefix("_keyward() {\n")
        .expect("clap's bash function");
    let tail = "if [[ \"${BASH_VERSINFO[0]}\" -eq 4";
    let at = text.rfind(tail).expect("clap's bash `complete` block");
    format!(
        "_keyward_clap() {{\n{}{wrapper}\n{}",
        &text[..at],
        &text[at..]
    )
}

const BASH_DYNAMIC: &str = r#"# Key names, environments and recipients, from `keyward completions --list`: nothing
# when the identity would need a passphrase (never a prompt). Everything else goes to
# the static completion above.
_keyward() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="" word sub="" sub2="" what="" i
    local valued="@ROOT@" skip=0 npos=0
    local -a fwd=()
    (( COMP_CWORD > 0 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"
    for (( i = 1; i < COMP_CWORD; i++ )); do
        word="${COMP_WORDS[i]}"
        if (( skip > 0 )); then
            skip=$((skip - 1))
            continue
        fi
        if [[ "$word" == -* ]]; then
            if [[ "$valued" == *" $word "* ]]; then
                # bash splits `--env=prod` into `--env`, `=`, `prod`
                local at=$((i + 1))
                [[ "${COMP_WORDS[at]}" == "=" ]] && at=$((at + 1))
                skip=$((at - i))
                if (( at < COMP_CWORD )); then
                    case "$word" in
                        -e|--env|--vault|-i|--identity) fwd+=("$word" "${COMP_WORDS[at]}") ;;
                    esac
                fi
            fi
            continue
        fi
        if [[ -z "$sub" ]]; then
            sub="$word"
            case "$sub" in
@CASES@            esac
        elif [[ "$sub" == access && -z "$sub2" ]]; then
            sub2="$word"
            [[ "$sub2" == revoke ]] && valued="@ACCESS_REVOKE@"
        else
            npos=$((npos + 1))
        fi
    done
    if [[ "$prev" == -e || "$prev" == --env ]] \
        || [[ "$prev" == "=" && "${COMP_WORDS[COMP_CWORD-2]}" == --env ]]; then
        what=envs
    elif [[ "$cur" != -* && "$prev" != "=" && "$valued" != *" $prev "* && $npos -eq 0 ]]; then
        case "$sub" in
            get|show|rotate|revoke|rename|delete) what=keys ;;
            access) [[ "$sub2" == revoke ]] && what=recipients ;;
        esac
    fi
    if [[ -n "$what" ]]; then
        local IFS=$'\n' listed rc
        listed="$(command "${COMP_WORDS[0]}" completions --list "$what" "${fwd[@]}" </dev/null 2>/dev/null)"
        rc=$?
        COMPREPLY=( $(compgen -W "$listed" -- "$cur") )
        if (( ${#COMPREPLY[@]} == 0 )); then
            # Names, not files: nothing to offer is nothing (never bash's file names).
            compopt +o default +o bashdefault 2>/dev/null
            if (( rc == 5 )) && [[ -z "${_KEYWARD_LOCKED_SAID:-}" ]]; then
                _KEYWARD_LOCKED_SAID=1
                printf '\nkeyward: names are not offered while the identity is locked (`keyward unlock` keeps it open)\n' >&2
            fi
        fi
        return 0
    fi
    _keyward_clap "${COMP_WORDS[0]}" "$cur" "$prev"
}
"#;
