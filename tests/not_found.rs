//! Not found (exit 3): a key, version, environment or vault that is not there is named,
//! with the closest names, the environments that do hold it, and the command to run next.

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Sandbox;

#[test]
fn get_of_missing_key_exits_3_and_names_it() {
    let kw = Sandbox::with_vault();
    kw.cmd(["get", "NOPE"])
        .assert()
        .code(3)
        .stderr(contains("`NOPE`"));
}

#[test]
fn unknown_env_vault_and_version_exit_3() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.cmd(["-e", "staging", "get", "K"])
        .assert()
        .code(3)
        .stderr(contains("`staging`"));
    kw.cmd(["get", "K", "--version", "7"])
        .assert()
        .code(3)
        .stderr(contains("version 7"));
    kw.cmd(["--vault", kw.path("nowhere").to_str().unwrap(), "list"])
        .assert()
        .code(3)
        .stderr(contains("no vault"));
}

#[test]
fn a_missing_key_suggests_close_names_and_the_list_command_with_its_env() {
    let kw = Sandbox::with_vault();
    kw.cmd(["generate", "-e", "prod", "STRIPE_KEY"])
        .assert()
        .success();
    kw.cmd(["generate", "-e", "prod", "STRIPE_KEYS"])
        .assert()
        .success();
    kw.cmd(["generate", "-e", "prod", "GITHUB_TOKEN"])
        .assert()
        .success();
    kw.cmd(["get", "-e", "prod", "STRIPE_KYE"])
        .assert()
        .code(3)
        .stderr(contains("no key `STRIPE_KYE` in environment `prod`"))
        .stderr(contains("did you mean `STRIPE_KEY` or `STRIPE_KEYS`?"))
        .stderr(contains("`keyward list -e prod`"))
        .stderr(contains("GITHUB_TOKEN").not());
    // Another case of the same name is the closest match.
    kw.cmd(["show", "-e", "prod", "github_token"])
        .assert()
        .code(3)
        .stderr(contains("did you mean `GITHUB_TOKEN`?"));
    // Nothing close: only the list hint.
    kw.cmd(["get", "-e", "prod", "DATABASE_URL"])
        .assert()
        .code(3)
        .stderr(contains("did you mean").not())
        .stderr(contains("`keyward list -e prod`"));
}

#[test]
fn a_missing_version_points_at_show_with_its_env() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.cmd(["get", "A", "--version", "7"])
        .assert()
        .code(3)
        .stderr(contains("has no version 7"))
        .stderr(contains("`keyward show A -e dev`"));
}

#[test]
fn a_missing_environment_says_how_to_list_and_create_it() {
    let kw = Sandbox::with_vault();
    kw.cmd(["list", "-e", "staging"])
        .assert()
        .code(3)
        .stderr(contains("`keyward env list`"))
        .stderr(contains("`keyward env add staging`"));
}

#[test]
fn a_key_missing_here_names_the_environments_that_hold_it() {
    let kw = Sandbox::with_vault();
    kw.cmd(["generate", "-e", "prod", "API_TOKEN"])
        .assert()
        .success();
    kw.cmd(["get", "API_TOKEN"])
        .assert()
        .code(3)
        .stderr(contains("no key `API_TOKEN` in environment `dev`"))
        .stderr(contains("`API_TOKEN` exists in `prod` (add `-e prod`)"));
    kw.cmd(["generate", "-e", "test", "API_TOKEN"])
        .assert()
        .success();
    kw.cmd(["show", "API_TOKEN"])
        .assert()
        .code(3)
        .stderr(contains("exists in `prod`, `test` (add `-e ENV`)"));
}

#[test]
fn an_environment_name_in_the_wrong_case_or_misspelled_is_corrected() {
    let kw = Sandbox::with_vault();
    kw.cmd(["list", "-e", "PROD"])
        .assert()
        .code(2)
        .stderr(contains("did you mean `prod`?"));
    kw.cmd(["list", "-e", "prdo"])
        .assert()
        .code(3)
        .stderr(contains("did you mean `prod`?"));
}

#[test]
fn a_long_or_short_environment_name_suggests_the_one_there() {
    let kw = Sandbox::with_vault();
    for (typed, meant) in [
        ("production", "prod"),
        ("development", "dev"),
        ("testing", "test"),
    ] {
        kw.cmd(["-e", typed, "list"])
            .assert()
            .code(3)
            .stderr(predicates::str::contains(format!(
                "no environment `{typed}` in the vault\nhint: did you mean `{meant}`?"
            )));
    }
    kw.cmd(["env", "add", "staging"]).assert().success();
    kw.cmd(["-e", "stage", "list"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("did you mean `staging`?"));
    kw.cmd(["-e", "qa", "list"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("did you mean").not());
}
