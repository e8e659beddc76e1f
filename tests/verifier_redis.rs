//! Verifier sets loaded into a real Redis (DESIGN §13): answers by hash, entries that
//! expire at their `not_after`, and an atomic switch between sets.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::support::{HOUR, SECOND, Sandbox, import_fillers, make_fleet, wait_for};

/// The HMAC key the Redis test's sets are keyed with (its environment holds imported
/// fillers), and the hash a service computes with it.
const REDIS_HMAC: &str = "redis-test-hmac-key-0123456789abcdef0123";

fn redis_hash(b: &[u8]) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(REDIS_HMAC.as_bytes()).unwrap();
    mac.update(b);
    hex::encode(mac.finalize().into_bytes())
}

/// A Redis server in a temp dir on a Unix socket (`--port 0`: no TCP), no persistence.
struct Redis {
    dir: tempfile::TempDir,
    child: Child,
}

impl Redis {
    fn start() -> Redis {
        let dir = tempfile::Builder::new()
            .prefix("kw-redis")
            .tempdir()
            .unwrap();
        let sock = dir.path().join("redis.sock");
        let child = Command::new("redis-server")
            .args(["--port", "0", "--save", "", "--appendonly", "no", "--unixsocket"])
            .arg(&sock)
            .args(["--unixsocketperm", "700", "--dir"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is missing: `apt-get install -y redis-server redis-tools` (.ci/run does it)");
        let r = Redis { dir, child };
        wait_for("redis-server to listen", || {
            UnixStream::connect(r.sock()).is_ok()
        });
        r
    }

    fn sock(&self) -> PathBuf {
        self.dir.path().join("redis.sock")
    }

    fn pipe(&self, file: &Path) -> std::process::Output {
        Command::new("redis-cli")
            .arg("-s")
            .arg(self.sock())
            .arg("--pipe")
            .stdin(std::fs::File::open(file).unwrap())
            .output()
            .unwrap()
    }

    fn connect(&self) -> Resp {
        Resp(BufReader::new(UnixStream::connect(self.sock()).unwrap()))
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Just enough of the Redis protocol for a test: commands out, replies in.
struct Resp(BufReader<UnixStream>);

#[derive(Debug, PartialEq)]
enum Reply {
    Nil,
    Int(i64),
    Bulk(String),
    Simple(String),
    Error(String),
}

impl Resp {
    fn call(&mut self, args: &[&str]) -> Reply {
        let mut out = format!("*{}\r\n", args.len());
        for a in args {
            out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        self.0.get_mut().write_all(out.as_bytes()).unwrap();
        let mut line = String::new();
        self.0.read_line(&mut line).unwrap();
        let (kind, rest) = line.trim_end().split_at(1);
        match kind {
            "+" => Reply::Simple(rest.into()),
            "-" => Reply::Error(rest.into()),
            ":" => Reply::Int(rest.parse().unwrap()),
            "$" if rest == "-1" => Reply::Nil,
            "$" => {
                let n: usize = rest.parse().unwrap();
                let mut buf = vec![0; n + 2];
                self.0.read_exact(&mut buf).unwrap();
                buf.truncate(n);
                Reply::Bulk(String::from_utf8(buf).unwrap())
            }
            other => panic!("unexpected reply {other}{rest}"),
        }
    }

    /// The lookup a service runs: one script, so the pointer and the entry are read
    /// together.
    fn lookup(&mut self, env: &str, value: &str) -> Option<serde_json::Value> {
        let script = "local ns = redis.call('GET', KEYS[1] .. ':current') if not ns then return nil end return redis.call('GET', KEYS[1] .. ':' .. ns .. ':' .. ARGV[1])";
        let base = format!("keyward:verifier:{env}");
        match self.call(&["EVAL", script, "1", &base, &redis_hash(value.as_bytes())]) {
            Reply::Nil => None,
            Reply::Bulk(json) => Some(serde_json::from_str(&json).unwrap()),
            other => panic!("lookup: {other:?}"),
        }
    }

    /// The absolute expiry (unix ms) of the entry for `value` in the current set.
    fn expiry_of(&mut self, env: &str, value: &str) -> Reply {
        let Reply::Bulk(ns) = self.call(&["GET", &format!("keyward:verifier:{env}:current")])
        else {
            panic!("no current set");
        };
        self.call(&[
            "PEXPIRETIME",
            &format!(
                "keyward:verifier:{env}:{ns}:{}",
                redis_hash(value.as_bytes())
            ),
        ])
    }
}

fn real_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[test]
fn redis_answers_by_hash_expires_entries_at_not_after_and_switches_sets_atomically() {
    let redis = Redis::start();
    // Redis expires keys by the real clock, so this environment lives in real time.
    let start = real_now_ms();
    let mut kw = Sandbox::with_vault_at(start - 2 * HOUR);
    let [a, b1, b2, c, d] = make_fleet(&mut kw);
    // Padding, so that writing a set takes long enough for a reader to catch a switch
    // made too early; imported, so the set is keyed with HMAC.
    import_fillers(&kw, 2000);
    crate::support::write_private(kw.path("hmac.key"), REDIS_HMAC);
    let now = real_now_ms();
    kw.at(now);
    // E ends a few seconds from now: its entry must go then, by itself.
    let e = kw
        .stdout(["generate", "E", "--expires", "5s"])
        .trim()
        .to_owned();
    let e_end = now + 5 * SECOND;
    kw.cmd([
        "verifier",
        "export",
        "--hmac-key-file",
        "hmac.key",
        "--format",
        "redis",
        "-o",
        "v1.redis",
    ])
    .assert()
    .success();
    let out = redis.pipe(&kw.path("v1.redis"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("errors: 0"));
    assert!(!crate::support::contains(
        &std::fs::read(kw.path("v1.redis")).unwrap(),
        a.as_bytes()
    ));

    let mut r = redis.connect();
    let found = r.lookup("dev", &a).expect("A is in the set");
    assert_eq!(
        (found["name"].as_str(), found["status"].as_str()),
        (Some("A"), Some("active"))
    );
    assert_eq!(found["scopes"], serde_json::json!(["read"]));
    assert_eq!(r.lookup("dev", &b1).unwrap()["status"], "retiring");
    assert_eq!(r.lookup("dev", &b2).unwrap()["version"], 2);
    assert_eq!(r.lookup("dev", &c), None, "revoked: absent");
    assert_eq!(r.lookup("dev", &d), None, "expired: absent");
    assert_eq!(r.lookup("dev", "kw_dev_never_issued"), None);
    // Each entry expires exactly at its not_after: B1 at its end of grace, E at its
    // expiry; A has none.
    assert_eq!(r.expiry_of("dev", &b1), Reply::Int(start + HOUR));
    assert_eq!(r.expiry_of("dev", &e), Reply::Int(e_end));
    assert_eq!(r.expiry_of("dev", &a), Reply::Int(-1));

    // Reload after a rotation while a reader looks A and B up continuously.
    let stop = Arc::new(AtomicBool::new(false));
    let stop_reader = stop.clone();
    let mut reader_conn = redis.connect();
    let (ra, rb) = (a.clone(), b2.clone());
    let reads = std::thread::spawn(move || {
        let mut misses = 0;
        let mut n = 0;
        while !stop_reader.load(Ordering::Relaxed) {
            for v in [&ra, &rb] {
                n += 1;
                if reader_conn.lookup("dev", v).is_none() {
                    misses += 1;
                }
            }
        }
        (n, misses)
    });
    let mut newest = String::new();
    for round in 1..=3 {
        kw.at(real_now_ms());
        newest = kw
            .stdout(["rotate", "B", "--grace", "1h", "--reason", "r"])
            .trim()
            .to_owned();
        let file = format!("round{round}.redis");
        kw.cmd([
            "verifier",
            "export",
            "--hmac-key-file",
            "hmac.key",
            "--format",
            "redis",
            "-o",
            &file,
        ])
        .assert()
        .success();
        let out = redis.pipe(&kw.path(&file));
        assert!(String::from_utf8_lossy(&out.stdout).contains("errors: 0"));
    }
    stop.store(true, Ordering::Relaxed);
    let (n, misses) = reads.join().unwrap();
    assert!(n > 0);
    assert_eq!(
        misses, 0,
        "{misses} of {n} lookups found nothing for a valid key"
    );
    assert_eq!(r.lookup("dev", &newest).unwrap()["version"], 5);

    // An older set is refused by the switch; the newer one stays current.
    let out = redis.pipe(&kw.path("v1.redis"));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("errors: 1"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(r.lookup("dev", &newest).unwrap()["version"], 5);

    // E disappears by itself at its not_after (Redis's clock), never before.
    wait_for("E's entry to expire", || r.lookup("dev", &e).is_none());
    assert!(
        real_now_ms() >= e_end,
        "E's entry went before its not_after"
    );
    assert!(r.lookup("dev", &a).is_some(), "A has no end and stays");
}
