//! `rotate --all` writes its batch in multi-row statements of 64 rows (DESIGN §7): a
//! batch larger than one chunk must come out as one rotation per key would — each key's
//! next version findable by `verify`, its older one retiring for the grace, one `rotate`
//! event per key, in name order, on an intact chain.

use crate::support::*;

fn verify_code(kw: &Sandbox, presented: &str) -> i32 {
    kw.cmd(["verify"])
        .write_stdin(presented)
        .output()
        .unwrap()
        .status
        .code()
        .unwrap()
}

#[test]
fn a_batch_beyond_one_chunk_rotates_every_key_as_one_rotation_would() {
    let mut kw = Sandbox::with_vault_at(T0);
    // 66 keys: a full chunk of 64 rows and a partial one.
    let names: Vec<String> = (0..66).map(|i| format!("K{i:02}")).collect();
    let old: Vec<String> = names.iter().map(|n| kw.generate(n)).collect();
    kw.at(T0 + HOUR);
    let rows: serde_json::Value =
        serde_json::from_str(&kw.stdout(["rotate", "--all", "--yes", "--grace", "1h", "--json"]))
            .unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 66);
    assert!(
        rows.iter()
            .all(|r| r["result"] == "rotated" && r["new_version"] == 2)
    );

    // Every key: a new active value that `verify` finds (its fingerprint row, written in
    // index order, so chunks do not follow keys), the old one verifying during the grace.
    for (i, name) in names.iter().enumerate() {
        let new = kw.stdout(["get", name]).trim_end().to_owned();
        assert_ne!(new, old[i]);
        assert_eq!(verify_code(&kw, &new), 0, "new value of {name}");
        assert_eq!(
            verify_code(&kw, &old[i]),
            0,
            "old value of {name} in its grace"
        );
    }
    for i in [0, 63, 64, 65] {
        let show: serde_json::Value =
            serde_json::from_str(&kw.stdout(["show", &names[i], "--json"])).unwrap();
        assert_eq!(show["versions"][0]["status"], "retiring");
        assert_eq!(show["versions"][1]["status"], "active");
    }

    // One `rotate` event per key, in name order, each for version 2, chain intact.
    let events: serde_json::Value = serde_json::from_str(
        &kw.stdout(["audit", "--action", "rotate", "--limit", "1000", "--json"]),
    )
    .unwrap();
    let mut keys: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .inspect(|e| assert_eq!(e["version"], 2))
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys.len(), 66);
    if keys.first() > keys.last() {
        keys.reverse();
    }
    assert_eq!(keys, names);
    kw.cmd(["audit", "verify"]).assert().success();

    // After the grace the old values stop verifying; the new ones do not.
    kw.at(T0 + 2 * HOUR + SECOND);
    assert_eq!(verify_code(&kw, &old[65]), 4);
    let new = kw.stdout(["get", &names[65]]).trim_end().to_owned();
    assert_eq!(verify_code(&kw, &new), 0);
}
