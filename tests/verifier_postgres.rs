//! Verifier sets loaded into a real PostgreSQL (DESIGN §13): answers by hash, an atomic
//! reload under a reading loop, and a plain SHA-256 set queried with PostgreSQL's own
//! hash function.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::support::{
    HOUR, MINUTE, Sandbox, T0, filler_value, import_fillers, is_root, make_fleet,
};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A PostgreSQL server in a temp dir, listening on a Unix socket only. `initdb`
/// refuses to run as root, so as root the server runs as the `postgres` user.
struct Postgres {
    dir: tempfile::TempDir,
    as_postgres: bool,
}

impl Postgres {
    fn start() -> Postgres {
        assert!(
            Path::new(PG_BIN).join("initdb").exists(),
            "PostgreSQL 15 is missing: `apt-get install -y postgresql-15` (.ci/run does it)"
        );
        let dir = tempfile::Builder::new().prefix("kw-pg").tempdir().unwrap();
        let as_postgres = is_root();
        let (data, sock) = (dir.path().join("data"), dir.path().join("sock"));
        std::fs::create_dir(&data).unwrap();
        std::fs::create_dir(&sock).unwrap();
        if as_postgres {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            for d in [&data, &sock] {
                let ok = Command::new("chown")
                    .arg("postgres")
                    .arg(d)
                    .status()
                    .unwrap();
                assert!(ok.success());
            }
        }
        let pg = Postgres { dir, as_postgres };
        pg.run_as(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        let opts = format!("-k {} -c listen_addresses='' -c fsync=off", sock.display());
        let log = sock.join("log");
        pg.run_as(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &opts,
                "-w",
                "-l",
                log.to_str().unwrap(),
                "start",
            ],
        );
        pg
    }

    fn run_as(&self, tool: &str, args: &[&str]) {
        let bin = Path::new(PG_BIN).join(tool);
        let out = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(bin)
                .args(args)
                .output()
        } else {
            Command::new(bin).args(args).output()
        }
        .unwrap();
        assert!(
            out.status.success(),
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn psql(&self) -> Command {
        let mut c = Command::new(Path::new(PG_BIN).join("psql"));
        c.args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-h",
        ])
        .arg(self.dir.path().join("sock"));
        c
    }

    /// Run `sql` file through `psql -f`; the exit status.
    fn load(&self, file: &Path) -> std::process::Output {
        self.psql().arg("-f").arg(file).output().unwrap()
    }

    /// One query's output, trimmed.
    fn query(&self, sql: &str) -> String {
        let out = self.psql().args(["-c", sql]).output().unwrap();
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let bin = Path::new(PG_BIN).join("pg_ctl");
        let args = [
            "-D",
            data.to_str().unwrap_or_default(),
            "-m",
            "immediate",
            "stop",
        ];
        let _ = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(bin)
                .args(args)
                .output()
        } else {
            Command::new(bin).args(args).output()
        };
    }
}

/// The query a service runs, with the hash made by PostgreSQL itself.
fn pg_lookup(pg: &Postgres, value: &str) -> String {
    pg.query(&format!(
        "SELECT name || ' ' || version || ' ' || status || ' ' || array_to_string(scopes, ',')
         FROM keyward_verifier_keys
         WHERE env = 'dev' AND hash = sha256(convert_to('{value}', 'UTF8'))
           AND (not_after IS NULL OR not_after > now())"
    ))
}

#[test]
fn postgres_answers_by_hash_and_a_reload_is_atomic_under_a_reading_loop() {
    let pg = Postgres::start();
    let mut kw = Sandbox::with_vault_at(T0);
    let [a, b1, b2, c, d] = make_fleet(&mut kw);
    // Padding, so that a reload takes long enough to be caught half-done if it were not
    // one transaction; imported, so the set is keyed with HMAC.
    import_fillers(&kw, 3000);
    kw.at(T0 + 2 * HOUR);

    // First without the fillers' HMAC: refused. A plain SHA-256 set of the generated
    // keys comes from an environment without imports: `test`.
    let out = kw
        .cmd(["verifier", "export", "--format", "sql"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // An HMAC set: the hash of a presented key is HMAC-SHA-256 under the shared key.
    let hmac_key = "0123456789abcdef0123456789abcdef-shared-with-services";
    crate::support::write_private(kw.path("hmac.key"), hmac_key);
    let export = |kw: &Sandbox, file: &str| {
        let out = kw
            .cmd([
                "verifier",
                "export",
                "--format",
                "sql",
                "--hmac-key-file",
                "hmac.key",
                "-o",
                file,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        kw.path(file)
    };
    let first = export(&kw, "v1.sql");
    let out = pg.load(&first);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Idempotent: the same file again changes nothing and is no error.
    assert!(pg.load(&first).status.success());
    pg.query("CREATE EXTENSION IF NOT EXISTS pgcrypto");
    let lookup = |value: &str| {
        pg.query(&format!(
            "SELECT name || ' ' || version || ' ' || status || ' ' || array_to_string(scopes, ',')
             FROM keyward_verifier_keys
             WHERE env = 'dev' AND hash = hmac('{value}', '{hmac_key}', 'sha256')
               AND (not_after IS NULL OR not_after > now())"
        ))
    };
    assert_eq!(lookup(&a), "A 1 active read");
    assert_eq!(lookup(&b1), "B 1 retiring");
    assert_eq!(lookup(&b2), "B 2 active");
    assert_eq!(lookup(&c), "", "revoked: absent");
    assert_eq!(lookup(&d), "", "expired: absent");
    assert_eq!(lookup("kw_dev_not_a_key_we_ever_issued"), "");
    assert_eq!(lookup(&filler_value(2999)), "FILLER_2999 1 active");
    assert_eq!(
        pg.query("SELECT count(*) FROM keyward_verifier_keys WHERE env = 'dev'"),
        "3003"
    );
    assert!(!crate::support::contains(
        &std::fs::read(&first).unwrap(),
        a.as_bytes()
    ));

    // Reload after each rotation while a reader queries continuously: A and B (rotated
    // with a grace period) stay valid throughout, so no read may find none of them.
    let hash_of = |v: &str| -> String {
        pg.query(&format!(
            "SELECT encode(hmac('{v}', '{hmac_key}', 'sha256'), 'hex')"
        ))
    };
    let watched: Vec<String> = [a.clone(), b2.clone(), filler_value(0)]
        .iter()
        .map(|v| hash_of(v))
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let mut reader = pg
        .psql()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut to_psql = reader.stdin.take().unwrap();
    let mut from_psql = BufReader::new(reader.stdout.take().unwrap());
    let stop_reader = stop.clone();
    let reads = std::thread::spawn(move || {
        let mut seen = Vec::new();
        while !stop_reader.load(Ordering::Relaxed) {
            for h in &watched {
                writeln!(
                    to_psql,
                    "SELECT count(*) FROM keyward_verifier_keys WHERE env = 'dev' AND hash = decode('{h}', 'hex') AND (not_after IS NULL OR not_after > now());"
                )
                .unwrap();
                to_psql.flush().unwrap();
                let mut line = String::new();
                from_psql.read_line(&mut line).unwrap();
                seen.push(line.trim().to_owned());
            }
        }
        drop(to_psql);
        seen
    });
    let mut b_now = b2.clone();
    for round in 1..=4 {
        kw.at(T0 + 2 * HOUR + round * MINUTE);
        b_now = kw
            .stdout(["rotate", "B", "--grace", "1h", "--reason", "r"])
            .trim()
            .to_owned();
        let file = export(&kw, &format!("round{round}.sql"));
        let out = pg.load(&file);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    stop.store(true, Ordering::Relaxed);
    let seen = reads.join().unwrap();
    let _ = reader.wait();
    assert!(!seen.is_empty());
    let missing = seen.iter().filter(|s| *s != "1").count();
    assert_eq!(
        missing,
        0,
        "{missing} of {} reads found no row for a valid key",
        seen.len()
    );
    assert_eq!(lookup(&b_now), "B 6 active", "the last reload is in place");

    // An older set is refused, and the newer one stays whole.
    let out = pg.load(&first);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("a newer verifier set of dev"));
    assert_eq!(lookup(&b_now), "B 6 active");
}

#[test]
fn postgres_plain_sha256_set_is_queried_with_postgres_own_hash() {
    let pg = Postgres::start();
    let mut kw = Sandbox::with_vault_at(T0);
    let [a, b1, b2, c, d] = make_fleet(&mut kw);
    kw.at(T0 + 2 * HOUR);
    kw.cmd(["verifier", "export", "--format", "sql", "-o", "dev.sql"])
        .assert()
        .success();
    let out = pg.load(&kw.path("dev.sql"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(pg_lookup(&pg, &a), "A 1 active read");
    assert_eq!(pg_lookup(&pg, &b1), "B 1 retiring");
    assert_eq!(pg_lookup(&pg, &b2), "B 2 active");
    assert_eq!(pg_lookup(&pg, &c), "");
    assert_eq!(pg_lookup(&pg, &d), "");
    assert_eq!(pg_lookup(&pg, "unknown"), "");
    assert_eq!(
        pg.query("SELECT serial > 0, entries, alg FROM keyward_verifier_sets WHERE env = 'dev'"),
        "t|3|sha256"
    );
}

/// Two loads into a database without the tables yet, started together (a barrier holds
/// both until each waits on it): they take turns, so the newer set (the one that
/// revoked LEAKY) always ends loaded and only the older one may be refused, by its
/// serial. Without the load lock they race inside `CREATE TABLE IF NOT EXISTS`, and the
/// loser — sometimes the newer set — fails on the catalog. Several rounds, each order.
#[test]
fn concurrent_first_loads_take_turns_and_the_newer_set_always_wins() {
    let pg = Postgres::start();
    let kw = Sandbox::with_vault_at(T0);
    let leaky = kw.generate("LEAKY");
    kw.generate("KEPT");
    kw.cmd(["verifier", "export", "--format", "sql", "-o", "old.sql"])
        .assert()
        .success();
    kw.cmd(["revoke", "LEAKY", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    kw.cmd(["verifier", "export", "--format", "sql", "-o", "new.sql"])
        .assert()
        .success();
    let (old, new) = (kw.path("old.sql"), kw.path("new.sql"));
    // Not the load lock's key: the barrier is the test's own.
    const BARRIER: i64 = 4242;
    let mut coordinator = pg
        .psql()
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut to_coordinator = coordinator.stdin.take().unwrap();
    for round in 0..8 {
        pg.query("DROP TABLE IF EXISTS keyward_verifier_keys, keyward_verifier_sets");
        writeln!(to_coordinator, "SELECT pg_advisory_lock({BARRIER});").unwrap();
        to_coordinator.flush().unwrap();
        while pg.query(&format!(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = {BARRIER} AND granted"
        )) != "1"
        {
            std::thread::yield_now();
        }
        let files = if round % 2 == 0 {
            [&old, &new]
        } else {
            [&new, &old]
        };
        let loads: Vec<_> = files
            .iter()
            .map(|f| {
                pg.psql()
                    .args([
                        "-c",
                        &format!(
                            "SELECT pg_advisory_lock_shared({BARRIER}); SELECT pg_advisory_unlock_shared({BARRIER})"
                        ),
                        "-f",
                    ])
                    .arg(f)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        // Both wait on the barrier, then both go at once.
        while pg.query(&format!(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = {BARRIER} AND NOT granted"
        )) != "2"
        {
            std::thread::yield_now();
        }
        writeln!(to_coordinator, "SELECT pg_advisory_unlock({BARRIER});").unwrap();
        to_coordinator.flush().unwrap();
        let mut outs = loads.into_iter().map(|c| c.wait_with_output().unwrap());
        let (first, second) = (outs.next().unwrap(), outs.next().unwrap());
        let (old_out, new_out) = if round % 2 == 0 {
            (first, second)
        } else {
            (second, first)
        };
        let err = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(
            new_out.status.success(),
            "round {round}: the newer set failed: {}",
            err(&new_out)
        );
        // The older set either went first (and was replaced) or was refused by serial.
        assert!(
            old_out.status.success() || err(&old_out).contains("a newer verifier set of dev"),
            "round {round}: the older set failed otherwise: {}",
            err(&old_out)
        );
        assert_eq!(
            pg_lookup(&pg, &leaky),
            "",
            "round {round}: revoked LEAKY is loaded"
        );
        assert_eq!(
            pg.query(
                "SELECT count(*) FROM keyward_verifier_keys WHERE env = 'dev' AND name = 'KEPT'"
            ),
            "1",
            "round {round}"
        );
    }
    drop(to_coordinator);
    let _ = coordinator.wait();
}
