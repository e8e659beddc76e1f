//! `list` and `show`: metadata, never a value; environments this identity cannot open
//! are named, not skipped in silence.

use crate::support::{Sandbox, contains as bytes_contain};

#[test]
fn list_and_show_never_print_values() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    kw.set("IMPORTED", "imported-secret-value");
    kw.cmd([
        "generate",
        "NOTED",
        "--scope",
        "read",
        "--scope",
        "write",
        "--note",
        "hello",
        "--rotate-every",
        "30d",
    ])
    .assert()
    .success();
    for args in [
        vec!["list"],
        vec!["list", "--json"],
        vec!["show", "K"],
        vec!["show", "K", "--json"],
        vec!["list", "--all-envs"],
    ] {
        let out = kw.cmd(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(!bytes_contain(&out.stdout, v.as_bytes()), "{args:?}");
        assert!(!bytes_contain(&out.stdout, b"imported-secret-value"));
        assert!(!bytes_contain(&out.stderr, v.as_bytes()));
    }
    let list: serde_json::Value = serde_json::from_str(&kw.stdout(["list", "--json"])).unwrap();
    let keys = list["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 3);
    let noted = keys.iter().find(|k| k["name"] == "NOTED").unwrap();
    assert_eq!(noted["scopes"], serde_json::json!(["read", "write"]));
    assert_eq!(noted["rotate_every"], "30d");
    assert_eq!(noted["status"], "active");
    let imported = keys.iter().find(|k| k["name"] == "IMPORTED").unwrap();
    assert_eq!(imported["kind"], "imported");
    let show: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "NOTED", "--json"])).unwrap();
    assert_eq!(show["note"], "hello");
    assert_eq!(show["versions"][0]["version"], 1);
    let human = kw.stdout(["show", "NOTED"]);
    assert!(human.contains("rotate every: 30d"), "{human}");
}

#[test]
fn list_all_envs_names_environments_it_cannot_open() {
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("other.key");
    let other_r = kw.recipient_of(&other);
    kw.cmd(["env", "add", "shared", "--recipient", &other_r])
        .assert()
        .success();
    kw.cmd(["-e", "shared", "generate", "S"]).assert().success();
    kw.generate("MINE");
    let out = kw
        .cmd([
            "-i",
            other.to_str().unwrap(),
            "list",
            "--all-envs",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["S"]);
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["env"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["dev", "prod", "test"]);
}
